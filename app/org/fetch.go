package org

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"hoist/app/config"
)

// Limits of a fetch.
const (
	// FetchTimeout caps one fetch of a descriptor, redirects included, and
	// separately the check of its sign-in service.
	FetchTimeout = 15 * time.Second
	// MaxRedirects is how many redirects a fetch follows.
	MaxRedirects = 3
	// maxDiscoverySize caps the sign-in service's discovery document.
	maxDiscoverySize = 1 << 20
)

// Fetcher fetches descriptors. The zero value is ready: it uses the system
// roots plus $SSL_CERT_FILE.
type Fetcher struct {
	// RootCAs, if set, replaces the roots (tests).
	RootCAs *x509.CertPool
	// Logger receives the technical causes (may be nil).
	Logger *slog.Logger
}

// Organisation is a fetched, valid descriptor: what the customer is asked
// to confirm, and what is saved when they do.
type Organisation struct {
	// Name is the organisation's name from the descriptor.
	Name string
	// Domain is the host of the address asked for: what the customer
	// confirms ("acme.example").
	Domain string
	// URL is the descriptor's address; FinalURL where it was served after
	// redirects.
	URL, FinalURL string
	// ETag is the descriptor's entity tag ("" when it has none).
	ETag string
	// Raw is the descriptor document.
	Raw []byte
	// Descriptor is Raw parsed and validated.
	Descriptor *config.Descriptor
}

// Connection returns what to save for o.
func (o *Organisation) Connection() *config.Connection {
	return &config.Connection{URL: o.URL, Domain: o.Domain, ETag: o.ETag, SavedAt: time.Now().UTC(), Descriptor: json.RawMessage(o.Raw)}
}

// ErrNotModified is returned by Fetch when the descriptor still has the
// given ETag.
var ErrNotModified = errors.New("descriptor not modified")

// Fetch gets the descriptor at descriptorURL (see DescriptorURL), checks
// it as a config file is checked, and checks that its sign-in service's
// discovery names the same issuer. With etag it sends If-None-Match and
// returns ErrNotModified when nothing changed. Every other error is an
// *Error in plain words. Nothing is saved.
func (f *Fetcher) Fetch(ctx context.Context, descriptorURL, etag string) (*Organisation, error) {
	o, err := f.fetch(ctx, descriptorURL, etag)
	if err != nil {
		return nil, err
	}
	if _, err := f.CheckIssuer(ctx, o.Descriptor.Config.Signin.Issuer, o.Domain); err != nil {
		return nil, err
	}
	return o, nil
}

// FetchDescriptor is Fetch without the check of the sign-in service, for
// `hoist org check`, which reports that check on a line of its own (see
// CheckIssuer). Errors are as Fetch's.
func (f *Fetcher) FetchDescriptor(ctx context.Context, descriptorURL string) (*Organisation, error) {
	return f.fetch(ctx, descriptorURL, "")
}

func (f *Fetcher) fetch(ctx context.Context, descriptorURL, etag string) (*Organisation, error) {
	domain := config.DomainOf(descriptorURL)
	if err := config.CheckDescriptorURL(descriptorURL); err != nil {
		return nil, insecureOrBad(descriptorURL, err)
	}
	client := f.client()
	raw, final, tag, err := f.get(ctx, client, descriptorURL, etag, config.MaxDescriptorSize, domain)
	if err != nil {
		return nil, err
	}
	d, err := config.ParseDescriptor(raw, descriptorURL)
	if err != nil {
		var de *config.DescriptorError
		msg := lang.L("The set-up at {{.Domain}} has a mistake, so Hoist can't use it. Tell {{.Org}}'s IT support.", map[string]any{"Domain": domain, "Org": orgWord(domain)})
		if errors.As(err, &de) && strings.Contains(de.Summary, "newer version") {
			msg = de.Summary
		} else if errors.As(err, &de) && strings.Contains(de.Summary, "not valid JSON") {
			msg = lang.L("{{.Domain}} has no Hoist set-up (its answer is not a Hoist set-up file). Check the address, or ask {{.Org}} for an invitation link.", map[string]any{"Domain": domain, "Org": orgWord(domain)})
		}
		return nil, &Error{Message: msg, Cause: err}
	}
	return &Organisation{Name: d.Config.Organisation.Name, Domain: domain, URL: descriptorURL, FinalURL: final,
		ETag: tag, Raw: raw, Descriptor: d}, nil
}

// client is the HTTP client of every fetch: system roots plus
// $SSL_CERT_FILE, TLS 1.2 or later, a timeout, at most MaxRedirects
// redirects and never to another scheme.
func (f *Fetcher) client() *http.Client {
	roots := f.RootCAs
	if roots == nil {
		roots = systemRoots()
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: FetchTimeout,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   FetchTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return errTooManyRedirects
			}
			if req.URL.Scheme != via[0].URL.Scheme {
				return &schemeChange{to: req.URL.String()}
			}
			return nil
		},
	}
}

var errTooManyRedirects = fmt.Errorf("more than %d redirects", MaxRedirects)

type schemeChange struct{ to string }

func (e *schemeChange) Error() string { return "redirected to another scheme: " + e.to }

// systemRoots is the system's pool plus the certificates in
// $SSL_CERT_FILE (on some systems the pool already has them).
func systemRoots() *x509.CertPool {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		if pem, err := os.ReadFile(f); err == nil {
			pool.AppendCertsFromPEM(pem)
		}
	}
	return pool
}

// get fetches u with at most limit bytes of body.
func (f *Fetcher) get(ctx context.Context, c *http.Client, u, etag string, limit int64, domain string) (body []byte, final, tag string, err error) {
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", "", &Error{Message: lang.L("This address can't be used to connect. Check it and try again."), Cause: err}
	}
	req.Header.Set("Accept", "application/json")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", "", f.transportError(ctx, err, domain)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "":
		return nil, "", "", ErrNotModified
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, "", "", &Error{Message: lang.L("{{.Domain}} has no Hoist set-up. Check the address, or ask {{.Org}} for an invitation link.", map[string]any{"Domain": domain, "Org": orgWord(domain)}),
			Cause: fmt.Errorf("GET %s: %s", u, resp.Status)}
	case resp.StatusCode != http.StatusOK:
		return nil, "", "", &Error{Message: lang.L("{{.Domain}} answered with an error, so Hoist couldn't connect. Try again later; if it keeps happening, tell {{.Org}}'s IT support.", map[string]any{"Domain": domain, "Org": orgWord(domain)}),
			Cause: fmt.Errorf("GET %s: %s", u, resp.Status)}
	}
	tooBig := &Error{Message: lang.L("The set-up at {{.Domain}} is too big to be a Hoist set-up. Check the address, or tell {{.Org}}'s IT support.", map[string]any{"Domain": domain, "Org": orgWord(domain)}),
		Cause: fmt.Errorf("GET %s: more than %d bytes", u, limit)}
	if resp.ContentLength > limit {
		return nil, "", "", tooBig
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", "", f.transportError(ctx, err, domain)
	}
	if int64(len(body)) > limit {
		return nil, "", "", tooBig
	}
	return body, resp.Request.URL.String(), resp.Header.Get("ETag"), nil
}

// transportError says in plain words why a request did not get an answer.
func (f *Fetcher) transportError(ctx context.Context, err error, domain string) error {
	var (
		sc       *schemeChange
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
		recordH  tls.RecordHeaderError
		verify   *tls.CertificateVerificationError
		dnsErr   *net.DNSError
	)
	switch {
	case errors.As(err, &sc):
		return &Error{Message: lang.L("{{.Domain}} sent Hoist to an address that isn't secure. Hoist only follows secure (https) addresses. Tell {{.Org}}'s IT support.", map[string]any{"Domain": domain, "Org": orgWord(domain)}), Cause: err}
	case errors.Is(err, errTooManyRedirects):
		return &Error{Message: lang.L("{{.Domain}} sent Hoist from one address to another too many times. Tell {{.Org}}'s IT support.", map[string]any{"Domain": domain, "Org": orgWord(domain)}), Cause: err}
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &hostname):
		return &Error{Message: lang.L("Hoist couldn't make a secure connection to {{.Domain}}: its certificate isn't trusted by this computer. Check the address. If it is right, tell your IT support; don't connect from this network until it's fixed.",
			map[string]any{"Domain": domain}), Cause: err}
	case errors.As(err, &recordH):
		return &Error{Message: lang.L("{{.Domain}} didn't answer securely (it may not offer https at this address). Check the address.", map[string]any{"Domain": domain}), Cause: err}
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil && !errors.Is(ctx.Err(), context.Canceled) || isTimeout(err):
		return &Error{Message: lang.L("{{.Domain}} didn't answer in time. Check your internet connection and try again.", map[string]any{"Domain": domain}), Cause: err}
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return &Error{Message: lang.L("There is no {{.Host}} on the internet. Check the address for typing mistakes and try again.", map[string]any{"Host": hostOnly(domain)}), Cause: err}
	}
	return &Error{Message: lang.L("Hoist couldn't reach {{.Domain}}. Check the address and your internet connection, then try again.", map[string]any{"Domain": domain}), Cause: err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func hostOnly(domain string) string {
	if h, _, err := net.SplitHostPort(domain); err == nil {
		return h
	}
	return domain
}

// Discovery is what Hoist reads from a sign-in service's discovery
// document (OpenID Connect Discovery 1.0, RFC 8414).
type Discovery struct {
	// URL is where the document was fetched.
	URL string `json:"-"`
	// Issuer is the issuer the document names.
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	// CodeChallengeMethods are the PKCE methods offered; nil when the
	// document does not say (RFC 8414 §2: then PKCE is not offered).
	CodeChallengeMethods []string `json:"code_challenge_methods_supported"`
	// TokenAuthMethods are the ways clients may authenticate at the token
	// endpoint; nil when the document does not say.
	TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
}

// CheckIssuer fetches the sign-in service's discovery document under the
// same rules as a descriptor and checks that it names issuer exactly
// (OpenID Connect Discovery §4.3). domain is the organisation's, for the
// messages. Errors are *Error in plain words.
func (f *Fetcher) CheckIssuer(ctx context.Context, issuer, domain string) (*Discovery, error) {
	disc := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	who := orgWord(domain)
	body, _, _, err := f.get(ctx, f.client(), disc, "", maxDiscoverySize, config.DomainOf(issuer))
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, &Error{Message: lang.L("Hoist found {{.Domain}}'s set-up, but couldn't check its sign-in service: {{.Problem}}",
				map[string]any{"Domain": domain, "Problem": lowerFirst(e.Message)}), Cause: e.Cause}
		}
		return nil, err
	}
	doc := &Discovery{URL: disc}
	if err := json.Unmarshal(body, doc); err != nil {
		return nil, &Error{Message: lang.L("{{.Domain}}'s sign-in service isn't set up correctly, so you couldn't sign in. Tell {{.Org}}'s IT support.", map[string]any{"Domain": domain, "Org": who}),
			Cause: fmt.Errorf("discovery %s: %w", disc, err)}
	}
	if doc.Issuer != issuer {
		return nil, &Error{Message: lang.L("{{.Domain}}'s sign-in service isn't set up correctly (it gives another name than the set-up says), so you couldn't sign in. Tell {{.Org}}'s IT support.", map[string]any{"Domain": domain, "Org": who}),
			Cause: fmt.Errorf("discovery %s names issuer %q, the descriptor says %q", disc, doc.Issuer, issuer)}
	}
	return doc, nil
}

// HTTPClient is the client every fetch uses (the same TLS, timeout and
// redirect rules), for other requests to the organisation's services.
func (f *Fetcher) HTTPClient() *http.Client { return f.client() }

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "Hoist") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// SameDocument reports whether two descriptor documents say the same
// (ignoring layout).
func SameDocument(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
