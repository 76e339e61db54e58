// Package org connects Hoist to an organisation: it turns what a customer
// knows (a work e-mail address, the organisation's web address, an
// invitation link) into the address of the organisation's descriptor,
// fetches it under strict rules (https only except for this computer,
// normal TLS verification, a size cap, a timeout, few redirects and never
// to another scheme), checks that its sign-in service answers as itself,
// and saves it once the customer has confirmed. It imports no Fyne.
package org

import (
	"errors"
	"net"
	"net/url"
	"strings"

	"fyne.io/fyne/v2/lang"

	"hoist/app/config"
)

// JoinScheme is the scheme of invitation links:
// hoist://join?org=<https descriptor URL>.
const JoinScheme = "hoist"

// IsJoinLink reports whether s is an invitation link (hoist:…).
func IsJoinLink(s string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), JoinScheme+":")
}

// ParseJoinLink returns the descriptor URL of an invitation link
// hoist://join?org=URL. A link carries no credentials and no inline
// settings: any other parameter is refused.
func ParseJoinLink(link string) (string, error) {
	bad := &Error{Message: lang.L("This invitation link is damaged. Ask your organisation for a new one, or type its web address instead.")}
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || !strings.EqualFold(u.Scheme, JoinScheme) {
		bad.Cause = errors.New("not a hoist: link")
		return "", bad
	}
	action := u.Host
	if action == "" { // hoist:join?org=…
		action = strings.TrimPrefix(u.Opaque, "//")
	}
	q := u.Query()
	if !strings.EqualFold(strings.Trim(action+u.Path, "/"), "join") || len(q) != 1 || len(q["org"]) != 1 {
		bad.Cause = errors.New("want hoist://join?org=<descriptor URL> and nothing else")
		return "", bad
	}
	d := q.Get("org")
	if err := config.CheckDescriptorURL(d); err != nil {
		return "", insecureOrBad(d, err)
	}
	return d, nil
}

// JoinLink makes the invitation link for a descriptor URL.
func JoinLink(descriptorURL string) string {
	return JoinScheme + "://join?org=" + url.QueryEscape(descriptorURL)
}

// DescriptorURL turns what a customer typed into the address of the
// descriptor: "jane@acme.example" and "acme.example" become
// https://acme.example/.well-known/hoist.json; "https://uploads.acme.example"
// gets the well-known path; a URL with a path of its own is taken as it is;
// an invitation link gives its org. A bare loopback host (the dev stack,
// "127.0.0.1:9400") gets http; any other http address is refused.
func DescriptorURL(input string) (string, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return "", &Error{Message: lang.L("Type your work e-mail address or your organisation's web address.")}
	}
	if IsJoinLink(s) {
		return ParseJoinLink(s)
	}
	if !strings.Contains(s, "://") {
		if at := strings.LastIndex(s, "@"); at >= 0 {
			s = s[at+1:]
		}
		host, _, _ := strings.Cut(s, "/")
		scheme := "https://"
		if config.IsLoopbackHost(host) {
			scheme = "http://"
		}
		s = scheme + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || !validHost(u.Hostname()) {
		return "", &Error{Message: lang.L(`"{{.Input}}" doesn't look like an e-mail or web address. Check it and try again.`, map[string]any{"Input": strings.TrimSpace(input)})}
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = config.WellKnownPath
	}
	u.Host = strings.ToLower(u.Host)
	d := u.String()
	if err := config.CheckDescriptorURL(d); err != nil {
		return "", insecureOrBad(d, err)
	}
	return d, nil
}

// insecureOrBad explains why a descriptor URL cannot be used.
func insecureOrBad(d string, err error) error {
	if u, perr := url.Parse(d); perr == nil && u.Scheme == "http" {
		return &Error{Message: lang.L("Hoist only connects to organisations over a secure (https) address. Use the https address, or ask {{.Org}} for an invitation link.",
			map[string]any{"Org": orgWord(u.Host)}), Cause: err}
	}
	return &Error{Message: lang.L("This address can't be used to connect. Check it, or ask your organisation for an invitation link."), Cause: err}
}

// validHost accepts DNS names and IP addresses.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r > 0x7f) {
				return false
			}
		}
	}
	return true
}

// orgWord guesses how to name the organisation behind a host in a
// sentence: "acme.example" → "Acme"; an address → "your organisation".
func orgWord(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	if net.ParseIP(strings.Trim(host, "[]")) != nil || len(labels) < 2 {
		return lang.L("your organisation")
	}
	i := len(labels) - 2
	switch labels[i] {
	case "co", "com", "org", "net", "ac", "gov", "edu":
		if i > 0 {
			i--
		}
	}
	w := labels[i]
	if w == "" {
		return lang.L("your organisation")
	}
	return strings.ToUpper(w[:1]) + w[1:]
}
