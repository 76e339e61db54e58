package signin

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Identity is who signed in, read from the verified ID token.
type Identity struct {
	// Subject is the provider's stable identifier for the person (sub).
	Subject string
	// Email, PreferredUsername and Name are the standard claims; "" when
	// the provider did not send them.
	Email             string
	PreferredUsername string
	Name              string
	// Issuer is the provider (iss).
	Issuer string
	// Expiry is when the ID token this was read from expires.
	Expiry time.Time
	// Claims holds every top-level claim whose value is a string, number or
	// boolean, as text (e.g. "sub", "email", "preferred_username"), for key
	// templates. Objects and arrays are left out.
	Claims map[string]string
	// Lists holds every top-level claim whose value is an array of strings
	// (e.g. "groups"), for telling support staff from customers.
	Lists map[string][]string
}

// InGroup reports whether the list claim named claim holds any of groups.
func (i *Identity) InGroup(claim string, groups []string) bool {
	for _, have := range i.Lists[claim] {
		for _, g := range groups {
			if have == g {
				return true
			}
		}
	}
	return false
}

// DisplayName is the best name to show: Name, else Email, else
// PreferredUsername, else Subject.
func (i *Identity) DisplayName() string {
	for _, s := range []string{i.Name, i.Email, i.PreferredUsername} {
		if s != "" {
			return s
		}
	}
	return i.Subject
}

func (i *Identity) clone() *Identity {
	cp := *i
	cp.Claims = maps.Clone(i.Claims)
	cp.Lists = maps.Clone(i.Lists)
	return &cp
}

// errNoSubject means the ID token names nobody: OpenID Connect Core
// (2, "sub") makes the claim required, and Hoist keys folders, history and
// credentials by it.
var errNoSubject = errors.New("the ID token has no subject (sub)")

// identityFrom reads an Identity from a verified token. A token without a
// subject, or with one that is empty or only white space, is refused.
func identityFrom(idt *oidc.IDToken) (*Identity, error) {
	if strings.TrimSpace(idt.Subject) == "" {
		return nil, errNoSubject
	}
	var raw map[string]json.RawMessage
	if err := idt.Claims(&raw); err != nil {
		return nil, fmt.Errorf("read the ID token's claims: %w", err)
	}
	claims := flatClaims(raw)
	return &Identity{
		Subject:           idt.Subject,
		Email:             claims["email"],
		PreferredUsername: claims["preferred_username"],
		Name:              claims["name"],
		Issuer:            idt.Issuer,
		Expiry:            idt.Expiry,
		Claims:            claims,
		Lists:             listClaims(raw),
	}, nil
}

// listClaims keeps the claims that are arrays of strings.
func listClaims(raw map[string]json.RawMessage) map[string][]string {
	out := map[string][]string{}
	for k, v := range raw {
		var list []string
		if strings.HasPrefix(strings.TrimSpace(string(v)), "[") && json.Unmarshal(v, &list) == nil {
			out[k] = list
		}
	}
	return out
}

// flatClaims keeps the scalar claims as text.
func flatClaims(raw map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := scalarText(v); ok {
			out[k] = s
		}
	}
	return out
}

func scalarText(v json.RawMessage) (string, bool) {
	text := strings.TrimSpace(string(v))
	switch {
	case text == "" || text == "null" || text[0] == '{' || text[0] == '[':
		return "", false
	case text[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false
		}
		return s, true
	}
	return text, true // number or boolean, as sent
}
