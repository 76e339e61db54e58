package app

// Onboarding as a customer meets it, through the real binary with a fresh
// HOME and no configuration: Hoist says how to connect, `hoist join`
// connects to the dev stack's descriptor, and every bad descriptor is a
// plain sentence with nothing saved.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hoist/app/config"
	"hoist/devstack"
)

// customer is a fresh user account: its own HOME, no config, no policy.
type customer struct {
	t       *testing.T
	bin     string
	home    string
	env     []string
	dataDir string
}

func newCustomer(t *testing.T, extraEnv ...string) *customer {
	t.Helper()
	home := t.TempDir()
	c := &customer{t: t, bin: hoistBinary(t), home: home, dataDir: filepath.Join(home, ".local", "share", "hoist")}
	c.env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"), "XDG_RUNTIME_DIR="+filepath.Join(home, "run"),
		"HOIST_CONFIG=", "HOIST_DATA_DIR=", "HOIST_POLICY=none", "DBUS_SESSION_BUS_ADDRESS=", "LANG=en_US.UTF-8")
	c.env = append(c.env, extraEnv...)
	return c
}

// connection is where a confirmed organisation is saved.
func (c *customer) connection() string {
	return filepath.Join(c.home, ".config", "hoist", config.ConnectionFileName)
}

func (c *customer) run(args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out.String(), errOut.String()
	} else if err != nil {
		c.t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

func TestCLINotConnectedSaysHowToJoin(t *testing.T) {
	c := newCustomer(t)
	for _, args := range [][]string{{"send", "x"}, {"resume"}, {"history"}, {"whoami"}, {"login"}} {
		code, _, errOut := c.run(args...)
		if code != 2 || !strings.Contains(errOut, "not connected to an organisation") || !strings.Contains(errOut, "hoist join") {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
		if strings.Contains(errOut, "127.0.0.1") || strings.Contains(errOut, "dev stack") {
			t.Errorf("%v mentions the dev stack: %s", args, errOut)
		}
	}
}

func TestCLIJoinDevStackThenSend(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	path, urls := fakeXDGOpen(t)
	c := newCustomer(t, "PATH="+path)
	addr := w.stack.OIDC.Issuer // what .devstack/env says to type
	domain := strings.TrimPrefix(addr, "http://")

	// Not a terminal and no --yes: it asks, and saves nothing.
	code, out, errOut := c.run("join", addr)
	if code != 1 || !strings.Contains(out, "Send files to Acme Research ("+domain+")?") || !strings.Contains(errOut, "--yes") {
		t.Fatalf("join without --yes: %d %s %s", code, out, errOut)
	}
	if _, err := os.Stat(c.connection()); err == nil {
		t.Fatal("saved without confirmation")
	}
	code, out, errOut = c.run("join", addr, "--yes")
	if code != 0 || !strings.Contains(out, "Connected to Acme Research ("+domain+")") {
		t.Fatalf("join --yes: %d %s %s", code, out, errOut)
	}
	if fi, err := os.Stat(c.connection()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved organisation: %v %v", fi, err)
	}

	// Sign in with the browser, then send: no file was edited.
	login := exec.Command(c.bin, "login")
	login.Env = c.env
	var lout bytes.Buffer
	login.Stdout, login.Stderr = &lout, &lout
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.browser.SignIn(nextURL(t, urls, 1), devstack.DemoUser, devstack.DemoPassword); err != nil {
		t.Fatal(err)
	}
	if err := login.Wait(); err != nil {
		t.Fatalf("login: %v\n%s", err, lout.String())
	}
	src := writeFile(t, 6<<20)
	if code, out, errOut := c.run("send", src); code != 0 {
		t.Fatalf("send: %d %s %s", code, out, errOut)
	}
	key := "uploads/" + devstack.SubjectFor(devstack.DemoUser) + "/" + filepath.Base(src)
	want, _ := os.ReadFile(src)
	if got := adminGet(t, w.stack.MinIO, key); !bytes.Equal(got, want) {
		t.Fatal("the stored object differs from the file")
	}
	hlog, _ := os.ReadFile(filepath.Join(c.dataDir, "hoist.log"))
	if !strings.Contains(string(hlog), "origin=connected") {
		t.Errorf("the log does not say where the settings came from:\n%s", hlog)
	}
}

// testCA is a certificate authority of a test's own, and a server
// certificate for 127.0.0.1 it issued.
type testCA struct {
	pem  []byte // the CA certificate
	cert tls.Certificate
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Hoist test CA"},
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
	return testCA{pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		cert: tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key}}
}

// serveTLS starts an https server on 127.0.0.1 with ca's certificate.
func serveTLS(t *testing.T, ca testCA, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{ca.cert}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// Bad descriptors, through the real binary: each gets a plain sentence,
// and nothing is saved.
func TestCLIJoinBadDescriptorsSaveNothing(t *testing.T) {
	trusted, untrusted := newTestCA(t), newTestCA(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, trusted.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	// A descriptor served over https whose sign-in service is issuer.
	descriptor := func(issuer string) string {
		return fmt.Sprintf(`{"hoist_format": 1, "organisation": {"name": "Acme Research"},
 "s3": {"endpoint": "https://s3.acme.example", "region": "eu-west-1", "bucket": "acme-uploads"},
 "upload": {"key_prefix": "uploads/{sub}/", "parallel_files": 4},
 "signin": {"issuer": %q, "client_id": "hoist"}}`, issuer)
	}
	// Each server names itself as the issuer (from the request: the test
	// goroutine's variables are not synchronised with the handlers).
	selfURL := func(r *http.Request) string { return "https://" + r.Host }
	mux := http.NewServeMux()
	mux.HandleFunc("/good/.well-known/hoist.json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, descriptor(selfURL(r))) })
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer": %q}`, "https://login.somewhere-else.example")
	})
	mux.HandleFunc("/big.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"hoist_format": 1, "pad": "`+strings.Repeat("x", 100<<10)+`"}`)
	})
	mux.HandleFunc("/html.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!DOCTYPE html><title>Acme</title><p>Welcome")
	})
	mux.HandleFunc("/unknown.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Replace(descriptor(selfURL(r)), "parallel_files", "parallel_file", 1))
	})
	mux.HandleFunc("/mistyped.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Replace(descriptor(selfURL(r)), `"parallel_files": 4`, `"parallel_files": "four"`, 1))
	})
	plain := httptest.NewServer(mux)
	t.Cleanup(plain.Close)
	mux.HandleFunc("/to-http.json", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/html.json", http.StatusFound)
	})
	self := serveTLS(t, trusted, mux)
	other := serveTLS(t, untrusted, mux)
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return "https://" + l.Addr().String()
	}()

	tests := []struct {
		name, arg, want string
	}{
		{"plain http elsewhere", "http://acme.example", "only connects to organisations over a secure (https) address"},
		{"plain http in a link", "hoist://join?org=http%3A%2F%2Facme.example%2Fx.json", "secure (https)"},
		{"too big", self.URL + "/big.json", "too big to be a Hoist set-up"},
		{"not JSON", self.URL + "/html.json", "has no Hoist set-up"},
		{"not there", self.URL, "has no Hoist set-up. Check the address, or ask your organisation for an invitation link."},
		{"unknown field", self.URL + "/unknown.json", "has a mistake, so Hoist can't use it"},
		{"mistyped field", self.URL + "/mistyped.json", "has a mistake, so Hoist can't use it"},
		{"unreachable", closed, "couldn't reach"},
		{"TLS error", other.URL + "/good/.well-known/hoist.json", "certificate isn't trusted"},
		{"redirect to http", self.URL + "/to-http.json", "isn't secure"},
		{"issuer mismatch", self.URL + "/good/.well-known/hoist.json", "sign-in service isn't set up correctly"},
	}
	c := newCustomer(t, "SSL_CERT_FILE="+caFile)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := c.run("join", tt.arg, "--yes")
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want a message saying %q", code, out, errOut, tt.want)
			}
			if strings.Contains(out, "Connected") {
				t.Errorf("says connected: %s", out)
			}
			if _, err := os.Stat(c.connection()); err == nil {
				t.Fatalf("%s was saved", c.connection())
			}
		})
	}
	if t.Failed() {
		return
	}
	// The detail for support names the field and line.
	_, _, errOut := c.run("join", self.URL+"/unknown.json", "--yes")
	if !strings.Contains(errOut, "upload.parallel_file: unknown setting: did you mean parallel_files? (line 3)") {
		t.Errorf("details: %s", errOut)
	}
}

// A managed policy fixes the organisation: no connect, no join, and the
// locks reach the log.
func TestPolicyFixesTheOrganisation(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.toml")
	if err := os.WriteFile(policy, []byte(`[organisation]
name = "Acme Research"
[s3]
endpoint = "https://s3.acme.example"
region = "eu-west-1"
bucket = "acme-uploads"
[upload]
key_prefix = "uploads/{sub}/"
[signin]
issuer = "https://login.acme.example"
client_id = "hoist"

[locked]
parallel_files = 2
`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newCustomer(t)
	c.env = append(c.env, "HOIST_POLICY="+policy)
	code, _, errOut := c.run("join", "other.example", "--yes")
	if code != 1 || !strings.Contains(errOut, "set up for Acme Research by your IT department") {
		t.Errorf("join under a policy: %d %s", code, errOut)
	}
	code, _, errOut = c.run("whoami")
	if code != 1 || !strings.Contains(errOut, "Not signed in") {
		t.Errorf("whoami under a policy: %d %s", code, errOut)
	}
	// A broken policy stops Hoist with the file and line.
	if err := os.WriteFile(policy, []byte("[locked]\nparalel_files = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = c.run("whoami")
	if code == 0 || !strings.Contains(errOut, policy) || !strings.Contains(errOut, "did you mean parallel_files? (line 2)") {
		t.Errorf("broken policy: %d %s", code, errOut)
	}
}
