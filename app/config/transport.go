package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Security is the [security] table: settings that weaken Hoist's defaults.
// Leave it out.
type Security struct {
	// AllowPlainHTTP accepts http:// (unencrypted) URLs for hosts that are
	// not loopback in s3.endpoint, signin.issuer and signin.sts_endpoint.
	// The sign-in code, the ID and refresh tokens and the S3 keys then
	// cross the network in clear: for closed test networks only. Hoist logs
	// a warning at every start while it is on. Default false. A descriptor
	// cannot set it.
	AllowPlainHTTP bool `toml:"allow_plain_http"`
}

// IsLoopbackHost reports whether host (a URL's host, with or without a
// port) is this computer: "localhost" or an address in 127.0.0.0/8 or ::1.
// Plain http is only ever accepted for such hosts.
func IsLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// secureURLFields are the settings whose URL must be https (or http to a
// loopback host).
var secureURLFields = []string{"s3.endpoint", "signin.issuer", "signin.sts_endpoint"}

// urlSetting returns the value of one of secureURLFields.
func (c *Config) urlSetting(field string) string {
	switch field {
	case "s3.endpoint":
		return c.S3.Endpoint
	case "signin.issuer":
		return c.Signin.Issuer
	case "signin.sts_endpoint":
		return c.Signin.STSEndpoint
	}
	return ""
}

// transportProblems checks that every URL Hoist sends tokens or keys to is
// https, or plain http to a loopback host, unless security.allow_plain_http
// is set. (s3.endpoint's syntax is checked elsewhere.)
func (c *Config) transportProblems() []*FieldError {
	var out []*FieldError
	for _, field := range secureURLFields {
		v := c.urlSetting(field)
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			if field != "s3.endpoint" { // reported by checkEndpoint
				out = append(out, &FieldError{Field: field, Message: "must be an https URL " + got(v)})
			}
			continue
		}
		if u.Scheme == "http" && !IsLoopbackHost(u.Host) && !c.Security.AllowPlainHTTP {
			out = append(out, &FieldError{Field: field, Message: fmt.Sprintf(
				"must use https: plain http sends sign-in tokens and keys unencrypted; it is only accepted for this computer (127.0.0.1, localhost), or with security.allow_plain_http = true %s", got(v))})
		}
	}
	return out
}

// PlainHTTPURLs lists the settings that send tokens or keys over plain http
// to a host that is not loopback (only possible with
// security.allow_plain_http), as "field = URL". Hoist logs a warning about
// each at every start.
func (c *Config) PlainHTTPURLs() []string {
	var out []string
	for _, field := range secureURLFields {
		v := c.urlSetting(field)
		if u, err := url.Parse(v); err == nil && u.Scheme == "http" && !IsLoopbackHost(u.Host) {
			out = append(out, field+" = "+v)
		}
	}
	return out
}
