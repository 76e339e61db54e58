package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// BrandingSource names the organisation built into a branded Hoist in
// errors and logs.
const BrandingSource = "(built into this Hoist)"

// LoadBrandingFile reads an organisation file for a branded build (`make
// build ORG=path/to/org.toml`): either a config file's tables or
// [organisation] descriptor_url (each with an optional organisation.logo,
// relative to the file). A branded binary is downloaded by anyone, so it
// may hold no keys and no weakened security.
func LoadBrandingFile(path string) (*Pin, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read organisation file: %w", err)
	}
	p, err := parsePin(data, path, filepath.Dir(path), nil)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, &ValidationError{Source: path, Problems: []*FieldError{{Field: "organisation",
			Message: "must name the organisation: organisation.descriptor_url, or the [s3] and [signin] settings"}}}
	}
	if c := p.Config; c != nil {
		var problems []*FieldError
		lines := keyLines(data)
		if c.S3.AccessKeyID != "" || c.S3.SecretAccessKey != "" {
			problems = append(problems, &FieldError{Field: "s3.access_key_id", Message: "not allowed in a branded build: anyone who downloads it could read the keys; customers sign in", Line: lineOf(lines, "s3.access_key_id")})
		}
		if c.Security.AllowPlainHTTP {
			problems = append(problems, &FieldError{Field: "security.allow_plain_http", Message: "not allowed in a branded build", Line: lineOf(lines, "security.allow_plain_http")})
		}
		if len(problems) > 0 {
			return nil, &ValidationError{Source: path, Problems: problems}
		}
	}
	return p, nil
}

// EncodeBranding renders p as the organisation file embedded in a branded
// binary: the settings with every default written out and no logo path
// (the logo is embedded beside it).
func EncodeBranding(p *Pin) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# Written by `make build ORG=…`; embedded in a branded Hoist.\n")
	var v any
	if p.Config != nil {
		c := *p.Config
		c.Organisation.Logo = ""
		v = c
	} else {
		v = map[string]any{"organisation": map[string]any{"descriptor_url": p.DescriptorURL}}
	}
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("encode branding: %w", err)
	}
	return buf.Bytes(), nil
}

// ParseBranding reads the organisation file embedded in a branded binary
// (see EncodeBranding).
func ParseBranding(data []byte) (*Pin, error) {
	p, err := parsePin(data, BrandingSource, "", nil)
	if err == nil && p == nil {
		err = fmt.Errorf("%s: names no organisation", BrandingSource)
	}
	return p, err
}
