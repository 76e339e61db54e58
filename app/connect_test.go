package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hoist/app/config"
	"hoist/app/org"
)

// The window's connect screen asks the same connector: every bad
// descriptor gives one plain sentence (the cause only in Details), and
// nothing is saved; a good one is saved only by Connect, after the
// customer confirmed.
func TestWindowConnectorBadDescriptorsSaveNothing(t *testing.T) {
	descriptor := func(issuer string) string {
		return fmt.Sprintf(`{"hoist_format": 1, "organisation": {"name": "Acme Research"},
 "s3": {"region": "eu-west-1", "bucket": "acme-uploads"},
 "upload": {"key_prefix": "uploads/{sub}/"},
 "signin": {"issuer": %q, "client_id": "hoist"}}`, issuer)
	}
	self := func(r *http.Request) string { return "https://" + r.Host }
	mux := http.NewServeMux()
	mux.HandleFunc("/good.json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, descriptor(self(r))) })
	mux.HandleFunc("/elsewhere.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, descriptor(self(r)+"/other"))
	})
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer": %q}`, self(r))
	})
	mux.HandleFunc("/other/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer": %q}`, "https://login.somewhere-else.example")
	})
	mux.HandleFunc("/html.json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<!DOCTYPE html><p>Welcome") })
	mux.HandleFunc("/big.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"pad": "`+strings.Repeat("x", config.MaxDescriptorSize)+`"}`)
	})
	mux.HandleFunc("/secret.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Replace(descriptor(self(r)), `"bucket": "acme-uploads"`, `"bucket": "acme-uploads", "secret_access_key": "x"`, 1))
	})
	plain := httptest.NewServer(mux)
	defer plain.Close()
	mux.HandleFunc("/to-http.json", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/good.json", http.StatusFound)
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	saved := filepath.Join(t.TempDir(), config.ConnectionFileName)
	c := connector{setup: &config.Setup{ConnectionPath: saved}, fetcher: &org.Fetcher{RootCAs: roots}, log: slog.New(slog.DiscardHandler)}
	for _, tt := range []struct{ name, input, want, detail string }{
		{"plain http elsewhere", "http://acme.example", "secure (https) address", ""},
		{"not an address", "jane at acme", "doesn't look like an e-mail or web address", ""},
		{"not JSON", srv.URL + "/html.json", "has no Hoist set-up", "not valid JSON"},
		{"too big", srv.URL + "/big.json", "too big to be a Hoist set-up", "more than 65536 bytes"},
		{"a secret in it", srv.URL + "/secret.json", "has a mistake, so Hoist can't use it", "s3.secret_access_key: not allowed in a descriptor"},
		{"redirect to http", srv.URL + "/to-http.json", "isn't secure", "redirected to another scheme"},
		{"issuer mismatch", srv.URL + "/elsewhere.json", "sign-in service isn't set up correctly", "login.somewhere-else.example"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Look(context.Background(), tt.input)
			var pe *plainError
			if !errors.As(err, &pe) || !strings.Contains(pe.msg, tt.want) {
				t.Fatalf("Look(%q) = %v, want a plain message saying %q", tt.input, err, tt.want)
			}
			if !strings.Contains(pe.details, tt.detail) {
				t.Errorf("details %q do not say %q", pe.details, tt.detail)
			}
			if strings.Contains(pe.msg, "x509") || strings.Contains(pe.msg, "json:") || strings.Contains(pe.msg, "\n") {
				t.Errorf("the message is not plain: %q", pe.msg)
			}
			if _, err := os.Stat(saved); err == nil {
				t.Fatal("a bad descriptor was saved")
			}
		})
	}
	o, err := c.Look(context.Background(), srv.URL+"/good.json")
	if err != nil || o.Name != "Acme Research" || o.Domain != strings.TrimPrefix(srv.URL, "https://") {
		t.Fatalf("Look(good) = %+v, %v", o, err)
	}
	if _, err := os.Stat(saved); err == nil {
		t.Fatal("saved before the customer confirmed")
	}
	if err := c.Connect(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(saved); err != nil {
		t.Fatalf("not saved after Connect: %v", err)
	}
}
