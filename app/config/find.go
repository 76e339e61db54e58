package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Origin says where the organisation's settings came from.
type Origin string

// Origins, in the order Find tries them.
const (
	// OriginPolicy: the machine's managed policy fixes the organisation.
	OriginPolicy Origin = "policy"
	// OriginFile: --config or $HOIST_CONFIG named a config file.
	OriginFile Origin = "file"
	// OriginBranded: this Hoist was built for one organisation.
	OriginBranded Origin = "branded"
	// OriginUserFile: <user config dir>/hoist/hoist.toml.
	OriginUserFile Origin = "user file"
	// OriginConnected: the customer connected to an organisation.
	OriginConnected Origin = "connected"
)

// ErrNotConnected means no configuration was found: Hoist must ask the
// customer which organisation they work with.
var ErrNotConnected = errors.New("not connected to an organisation yet")

// FindOptions say where Find looks.
type FindOptions struct {
	// ConfigPath is --config; "" means $HOIST_CONFIG, if set.
	ConfigPath string
	// PolicyPath is the managed policy; "" means PolicyPath().
	PolicyPath string
	// Branding is the organisation built into this Hoist; nil for none.
	Branding *Pin
	// UserDir is Hoist's user config folder; "" means UserDir().
	UserDir string
}

// Setup is the configuration Find settled on, and what the window and the
// log need to know about it.
type Setup struct {
	// Config is the configuration; nil when Pending is set.
	Config *Config
	// Origin and Source say where it came from (Source: a path or URL).
	Origin Origin
	Source string
	// DescriptorURL is set when the settings come from a descriptor
	// (connected, or a pin naming one): Hoist re-fetches it in the
	// background at start.
	DescriptorURL string
	// Domain is the descriptor's host, shown with the organisation's name.
	Domain string
	// ETag is the saved descriptor's entity tag.
	ETag string
	// Pending is a descriptor URL that a policy or branding fixes but that
	// has not been fetched yet: fetch and save it (SaveConnection at
	// ConnectionPath), then call Find again.
	Pending string
	// Fixed says the customer cannot connect to another organisation.
	Fixed bool
	// Logo is the organisation's logo file from a pin; "" for none (a
	// config file names its own in Config.Organisation.Logo).
	Logo string
	// Policy is the machine's policy; nil when there is none.
	Policy *Policy
	// ConnectionPath is where a connected organisation is saved.
	ConnectionPath string
	// Ignored names a config that was found but not used because the
	// policy fixes the organisation ("" when none): say so.
	Ignored string
}

// Find finds the configuration, trying in order:
//
//  1. the managed policy's organisation, when it fixes one;
//  2. o.ConfigPath, else $HOIST_CONFIG (a config file);
//  3. the organisation built into a branded Hoist;
//  4. <user config dir>/hoist/hoist.toml, if it exists;
//  5. the organisation the customer connected to (organisation.json).
//
// With none of them it returns the Setup (its Policy and ConnectionPath
// set) and ErrNotConnected: Hoist never falls back to the dev stack. A file
// that exists but is invalid is an error naming it; so is a broken policy.
func Find(o FindOptions) (*Setup, error) {
	dir := o.UserDir
	if dir == "" {
		d, err := UserDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	s := &Setup{ConnectionPath: filepath.Join(dir, ConnectionFileName)}
	policyPath := o.PolicyPath
	if policyPath == "" {
		policyPath = PolicyPath()
	}
	pol, err := LoadPolicy(policyPath)
	if err != nil {
		return nil, err
	}
	s.Policy = pol
	explicit := o.ConfigPath
	if explicit == "" {
		explicit = os.Getenv(EnvConfig)
	}
	if pol != nil && pol.Organisation != nil {
		s.Ignored = explicit
		return s, s.usePin(OriginPolicy, pol.Organisation)
	}
	if explicit != "" {
		return s, s.useFile(OriginFile, explicit)
	}
	if o.Branding != nil {
		return s, s.usePin(OriginBranded, o.Branding)
	}
	user := filepath.Join(dir, "hoist.toml")
	switch _, err := os.Stat(user); {
	case err == nil:
		return s, s.useFile(OriginUserFile, user)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("find config: %w", err)
	}
	conn, d, err := LoadConnection(s.ConnectionPath)
	if err != nil {
		return nil, err
	}
	if conn == nil {
		return s, ErrNotConnected
	}
	s.Config, s.Origin, s.Source = d.Config, OriginConnected, conn.URL
	s.DescriptorURL, s.Domain, s.ETag = conn.URL, conn.Domain, conn.ETag
	return s, nil
}

func (s *Setup) useFile(origin Origin, path string) error {
	s.Origin, s.Source = origin, path
	cfg, err := Load(path)
	if err != nil {
		return err
	}
	s.Config, s.Origin, s.Source = cfg, origin, path
	return nil
}

// usePin takes a pinned organisation: inline settings, or the saved copy of
// its descriptor (else Pending).
func (s *Setup) usePin(origin Origin, p *Pin) error {
	s.Origin, s.Source, s.Fixed, s.Logo = origin, p.Source, true, p.Logo
	if p.Config != nil {
		s.Config = p.Config
		return nil
	}
	s.DescriptorURL, s.Domain = p.DescriptorURL, DomainOf(p.DescriptorURL)
	conn, d, err := LoadConnection(s.ConnectionPath)
	if err != nil || conn == nil || conn.URL != p.DescriptorURL {
		// A copy saved for another organisation, or none, or a damaged
		// one: fetch the pinned descriptor afresh.
		s.Pending = p.DescriptorURL
		return nil
	}
	s.Config, s.ETag, s.Source = d.Config, conn.ETag, conn.URL
	return nil
}
