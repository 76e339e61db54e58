package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// Pin is an organisation fixed by a file the customer did not write: the
// managed policy of an IT department, or the settings built into a
// branded Hoist. It names either a descriptor to fetch or the settings
// themselves.
type Pin struct {
	// Source names the file.
	Source string
	// DescriptorURL is where the organisation's descriptor is; "" when the
	// settings are inline.
	DescriptorURL string
	// Config holds the inline settings; nil with DescriptorURL.
	Config *Config
	// Logo is organisation.logo from the file (absolute), also with
	// DescriptorURL; "" for none.
	Logo string
}

// pinOnlyKeys are the keys a pin file may have besides a config file's.
var pinOnlyKeys = []string{"organisation.descriptor_url"}

// parsePin reads the organisation part of a policy or branding file: either
// organisation.descriptor_url (with an optional organisation.logo) or a
// complete inline configuration ([organisation], [s3], [upload],
// [signin]), not both. extra are the caller's own keys (a policy's
// [locked] table). It returns a nil *Pin when the file fixes no
// organisation.
func parsePin(data []byte, source, baseDir string, extra map[string]bool) (*Pin, error) {
	var head struct {
		Organisation struct {
			DescriptorURL string `toml:"descriptor_url"`
			Logo          string `toml:"logo"`
		} `toml:"organisation"`
	}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&head)
	if err != nil {
		return nil, newParseError(source, err)
	}
	lines := keyLines(data)
	allowed := map[string]bool{}
	for k := range extra {
		allowed[k] = true
	}
	for _, k := range pinOnlyKeys {
		allowed[k] = true
	}
	inline := false
	known := knownKeys()
	var unknown []*FieldError
	for _, k := range md.Keys() {
		name := k.String()
		switch {
		case allowed[name] || name == "organisation" || name == "organisation.logo":
		case known[name] && name != "organisation.logo":
			inline = true
		default:
			cands := map[string]bool{"organisation": true, "organisation.logo": true}
			for c := range allowed {
				cands[c] = true
			}
			for c := range known {
				cands[c] = true
			}
			msg := "unknown setting"
			if s := suggest(name, cands); s != "" {
				msg += ": did you mean " + s + "?"
			}
			unknown = append(unknown, &FieldError{Field: name, Message: msg, Line: lines[name]})
		}
	}
	if len(unknown) > 0 && !inline {
		return nil, &ValidationError{Source: source, Problems: unknown}
	}
	logo := head.Organisation.Logo
	if logo != "" && baseDir != "" && !filepath.IsAbs(logo) {
		logo = filepath.Join(baseDir, logo)
	}
	u := head.Organisation.DescriptorURL
	switch {
	case u != "" && inline:
		return nil, &ValidationError{Source: source, Problems: []*FieldError{{
			Field:   "organisation.descriptor_url",
			Message: "set either the descriptor's address or the organisation's settings ([s3], [signin], …), not both",
			Line:    lines["organisation.descriptor_url"],
		}}}
	case u != "":
		if err := CheckDescriptorURL(u); err != nil {
			return nil, &ValidationError{Source: source, Problems: []*FieldError{{
				Field: "organisation.descriptor_url", Message: err.Error() + " " + got(u), Line: lines["organisation.descriptor_url"]}}}
		}
		if logo != "" {
			if err := checkPNG(logo); err != nil {
				return nil, &ValidationError{Source: source, Problems: []*FieldError{{
					Field: "organisation.logo", Message: fmt.Sprintf("%v %s", err, got(logo)), Line: lines["organisation.logo"]}}}
			}
		}
		return &Pin{Source: source, DescriptorURL: u, Logo: logo}, nil
	case inline:
		cfg, err := parseWith(data, source, baseDir, parseOptions{extraKnown: allowed})
		if err != nil {
			return nil, err
		}
		return &Pin{Source: source, Config: cfg, Logo: cfg.Organisation.Logo}, nil
	}
	return nil, nil
}

// CheckDescriptorURL checks that s can be fetched as a descriptor: an
// absolute https URL (http only for this computer), with a host and no
// credentials or fragment.
func CheckDescriptorURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return errors.New("must be an https URL")
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Host) {
		return errors.New("must use https (plain http only for this computer)")
	}
	if u.User != nil || u.Fragment != "" {
		return errors.New("must not include credentials or a fragment")
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return errors.New("must not contain spaces")
	}
	return nil
}
