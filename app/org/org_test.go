package org

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hoist/app/config"
)

// descriptorFor is a valid descriptor whose sign-in service is issuer.
func descriptorFor(issuer string) string {
	return fmt.Sprintf(`{
  "hoist_format": 1,
  "organisation": {"name": "Acme Research"},
  "s3": {"endpoint": "https://s3.acme.example", "region": "eu-west-1", "bucket": "acme-uploads"},
  "upload": {"key_prefix": "uploads/{sub}/"},
  "signin": {"issuer": %q, "client_id": "hoist"}
}`, issuer)
}

// orgServer is an https server with its own CA serving a descriptor and
// an OpenID discovery document.
type orgServer struct {
	*httptest.Server
	descriptor  atomic.Value // string
	issuerSays  atomic.Value // string; "" = the server's own URL
	etag        string
	fetches     atomic.Int32
	notModified atomic.Int32
}

func newOrgServer(t *testing.T) *orgServer {
	s := &orgServer{etag: `"v1"`}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/hoist.json", func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		d := s.descriptor.Load().(string)
		tag := fmt.Sprintf(`"%x"`, len(d))
		if r.Header.Get("If-None-Match") == tag {
			s.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", tag)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, d)
	})
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		iss, _ := s.issuerSays.Load().(string)
		if iss == "" {
			iss = s.URL
		}
		fmt.Fprintf(w, `{"issuer": %q, "authorization_endpoint": "%s/auth"}`, iss, s.URL)
	})
	s.Server = httptest.NewUnstartedServer(mux)
	s.StartTLS()
	t.Cleanup(s.Close)
	s.descriptor.Store(descriptorFor(s.URL))
	return s
}

func (s *orgServer) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

func (s *orgServer) descriptorURL() string { return s.URL + config.WellKnownPath }

func TestFetchGoodDescriptor(t *testing.T) {
	s := newOrgServer(t)
	f := &Fetcher{RootCAs: s.pool()}
	o, err := f.Fetch(context.Background(), s.descriptorURL(), "")
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "Acme Research" || o.Domain != strings.TrimPrefix(s.URL, "https://") || o.ETag == "" ||
		o.Descriptor.Config.S3.Bucket != "acme-uploads" {
		t.Errorf("organisation %+v", o)
	}
	if _, err := f.Fetch(context.Background(), s.descriptorURL(), o.ETag); !errors.Is(err, ErrNotModified) {
		t.Errorf("with its ETag: %v", err)
	}
}

// Every bad descriptor gets a plain message, and Fetch saves nothing.
func TestFetchBadDescriptors(t *testing.T) {
	good := newOrgServer(t)
	refused := func() string { // a loopback port nobody listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return "https://" + l.Addr().String() + config.WellKnownPath
	}()
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	serve := func(h http.HandlerFunc) string {
		s := httptest.NewUnstartedServer(h)
		s.TLS = good.TLS
		s.StartTLS()
		t.Cleanup(s.Close)
		return s.URL + config.WellKnownPath
	}
	body := func(text string) string {
		return serve(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, text) })
	}
	otherIssuer := newOrgServer(t)
	otherIssuer.issuerSays.Store("https://login.elsewhere.example")
	// A server whose certificate comes from a CA of its own.
	ownCA := httptest.NewUnstartedServer(good.Config.Handler)
	ownCA.TLS = &tls.Config{Certificates: []tls.Certificate{selfSignedCA(t)}}
	ownCA.StartTLS()
	t.Cleanup(ownCA.Close)

	tests := []struct {
		name, url, want, cause string
	}{
		{"plain http elsewhere", "http://acme.example/.well-known/hoist.json", "only connects to organisations over a secure (https) address", "https"},
		{"too big", body(`{"hoist_format": 1, "pad": "` + strings.Repeat("x", 70<<10) + `"}`), "too big", "more than 65536 bytes"},
		{"not JSON", body("<html><body>Welcome to Acme</body></html>"), "has no Hoist set-up", "not valid JSON"},
		{"not found", good.URL + "/nothing.json", "has no Hoist set-up. Check the address", "404"},
		{"unknown field", body(strings.Replace(descriptorFor(good.URL), `"key_prefix"`, `"keyprefix"`, 1)), "has a mistake", "upload.keyprefix: unknown setting: did you mean key_prefix? (line 5)"},
		{"mistyped field", body(strings.Replace(descriptorFor(good.URL), `"bucket": "acme-uploads"`, `"bucket": 7`, 1)), "has a mistake", "s3.bucket: incompatible types"},
		{"unreachable", refused, "couldn't reach", "refused"},
		{"TLS error", ownCA.URL + config.WellKnownPath, "certificate isn't trusted", "certificate"},
		{"redirect to http", serve(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, plain.URL+config.WellKnownPath, http.StatusFound)
		}), "isn't secure", "another scheme"},
		{"redirect loop", serve(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}), "too many times", "redirects"},
		{"issuer mismatch", otherIssuer.descriptorURL(), "sign-in service isn't set up correctly", "login.elsewhere.example"},
		{"server error", serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }), "answered with an error", "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := good.pool()
			pool.AddCert(otherIssuer.Certificate())
			f := &Fetcher{RootCAs: pool}
			o, err := f.Fetch(context.Background(), tt.url, "")
			var e *Error
			if !errors.As(err, &e) || o != nil {
				t.Fatalf("Fetch = %v, %v; want an *Error", o, err)
			}
			if !strings.Contains(e.Message, tt.want) {
				t.Errorf("message %q does not say %q", e.Message, tt.want)
			}
			if !strings.Contains(e.Details(), tt.cause) {
				t.Errorf("details %q do not say %q", e.Details(), tt.cause)
			}
		})
	}
}

// selfSignedCA makes a certificate for 127.0.0.1 issued by a CA of its
// own, which no pool in these tests trusts.
func selfSignedCA(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key}
}

func TestDescriptorURLFromWhatTheCustomerKnows(t *testing.T) {
	for in, want := range map[string]string{
		"jane@acme.example":                     "https://acme.example/.well-known/hoist.json",
		"  Acme.Example ":                       "https://acme.example/.well-known/hoist.json",
		"https://uploads.acme.example":          "https://uploads.acme.example/.well-known/hoist.json",
		"https://uploads.acme.example/":         "https://uploads.acme.example/.well-known/hoist.json",
		"https://acme.example/hoist/setup.json": "https://acme.example/hoist/setup.json",
		"127.0.0.1:9400":                        "http://127.0.0.1:9400/.well-known/hoist.json",
		"http://127.0.0.1:9400":                 "http://127.0.0.1:9400/.well-known/hoist.json",
		"hoist://join?org=https%3A%2F%2Facme.example%2F.well-known%2Fhoist.json": "https://acme.example/.well-known/hoist.json",
		"hoist://join?org=https://acme.example/x.json":                           "https://acme.example/x.json",
	} {
		got, err := DescriptorURL(in)
		if err != nil || got != want {
			t.Errorf("DescriptorURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":                                       "Type your work e-mail",
		"http://acme.example":                    "secure (https)",
		"jane@":                                  "doesn't look like",
		"acme example":                           "doesn't look like",
		"hoist://join?org=http://acme.example/x": "secure (https)",
		"hoist://join?org=https://a.example/x&secret_access_key=k": "damaged",
		"hoist://other?org=https://a.example/x":                    "damaged",
	} {
		_, err := DescriptorURL(in)
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Message, want) {
			t.Errorf("DescriptorURL(%q) = %v; want a message saying %q", in, err, want)
		}
	}
	if link := JoinLink("https://acme.example/.well-known/hoist.json"); !IsJoinLink(link) {
		t.Errorf("JoinLink = %q", link)
	} else if u, err := ParseJoinLink(link); err != nil || u != "https://acme.example/.well-known/hoist.json" {
		t.Errorf("round trip: %q %v", u, err)
	}
}

// The background re-fetch: unchanged (304) keeps the copy, changed saves
// the new one for the next start, unreachable or invalid keeps the copy.
func TestRefresh(t *testing.T) {
	s := newOrgServer(t)
	f := &Fetcher{RootCAs: s.pool()}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), config.ConnectionFileName)
	o, err := f.Fetch(ctx, s.descriptorURL(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(path, o); err != nil {
		t.Fatal(err)
	}
	find := func() *config.Setup {
		t.Helper()
		st, err := config.Find(config.FindOptions{PolicyPath: "none", UserDir: filepath.Dir(path)})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	t.Setenv(config.EnvConfig, "")
	st := find()
	if changed, err := f.Refresh(ctx, st); changed || err != nil || s.notModified.Load() != 1 {
		t.Fatalf("unchanged: %v %v (304s: %d)", changed, err, s.notModified.Load())
	}
	s.descriptor.Store(strings.Replace(descriptorFor(s.URL), "acme-uploads", "acme-uploads-2", 1))
	if changed, err := f.Refresh(ctx, st); !changed || err != nil {
		t.Fatalf("changed: %v %v", changed, err)
	}
	if st.Config.S3.Bucket != "acme-uploads" {
		t.Error("the running setup changed")
	}
	if b := find().Config.S3.Bucket; b != "acme-uploads-2" {
		t.Errorf("next start uses bucket %q", b)
	}
	st = find()
	s.descriptor.Store(`{"hoist_format": 1, "nonsense": true}`)
	if changed, err := f.Refresh(ctx, st); changed || err == nil {
		t.Errorf("invalid: %v %v", changed, err)
	}
	s.Close()
	if changed, err := f.Refresh(ctx, st); changed || err == nil {
		t.Errorf("unreachable: %v %v", changed, err)
	}
	if b := find().Config.S3.Bucket; b != "acme-uploads-2" {
		t.Errorf("after failures the saved copy says %q", b)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
