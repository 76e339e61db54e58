package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// ConnectionFileName is the saved organisation in the user config folder.
const ConnectionFileName = "organisation.json"

// Connection is the organisation a customer connected to: the descriptor
// as fetched, where from, and what they confirmed. It is saved in the user
// config folder after the customer confirmed, and replaced by a background
// re-fetch when the organisation changes its descriptor.
type Connection struct {
	// URL is the descriptor's address.
	URL string `json:"url"`
	// Domain is the host the customer confirmed ("acme.example").
	Domain string `json:"domain"`
	// ETag is the descriptor's entity tag, for If-None-Match; may be "".
	ETag string `json:"etag,omitempty"`
	// SavedAt is when it was last saved.
	SavedAt time.Time `json:"saved_at"`
	// Descriptor is the descriptor document itself.
	Descriptor json.RawMessage `json:"descriptor"`
}

// UserDir returns Hoist's folder in the user config dir
// (<os.UserConfigDir>/hoist; on Linux ~/.config/hoist).
func UserDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user config folder: %w", err)
	}
	return filepath.Join(d, "hoist"), nil
}

// DomainOf is the host a customer is shown for a descriptor URL: the host
// with its port, when there is one.
func DomainOf(descriptorURL string) string {
	u, err := url.Parse(descriptorURL)
	if err != nil {
		return descriptorURL
	}
	return u.Host
}

// LoadConnection reads the saved organisation at path and parses its
// descriptor. A missing file gives (nil, nil, nil).
func LoadConnection(path string) (*Connection, *Descriptor, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read the saved organisation: %w", err)
	}
	var c Connection
	if err := json.Unmarshal(data, &c); err != nil || c.URL == "" || len(c.Descriptor) == 0 {
		if err == nil {
			err = errors.New("url or descriptor missing")
		}
		return nil, nil, fmt.Errorf("read the saved organisation %s: %w", path, err)
	}
	d, err := ParseDescriptor(c.Descriptor, path)
	if err != nil {
		return &c, nil, err
	}
	return &c, d, nil
}

// SaveConnection writes c to path atomically (mode 0600, the folder 0700).
func SaveConnection(path string, c *Connection) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("save the organisation: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save the organisation: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("save the organisation: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("save the organisation: %w", err)
	}
	return nil
}
