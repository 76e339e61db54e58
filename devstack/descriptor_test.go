package devstack

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hoist/app/config"
)

// The provider serves the stack's organisation descriptor, with an ETag,
// and Hoist accepts it: typing the provider's address connects.
func TestProviderServesTheDescriptor(t *testing.T) {
	s := StartSignInStackForTest(t, OIDCOptions{})
	if s.DescriptorURL != s.OIDC.Issuer+config.WellKnownPath {
		t.Fatalf("DescriptorURL %q", s.DescriptorURL)
	}
	resp, err := http.Get(s.DescriptorURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" {
		t.Fatalf("GET: %s, ETag %q", resp.Status, etag)
	}
	d, err := config.ParseDescriptor(body, s.DescriptorURL)
	if err != nil {
		t.Fatalf("Hoist refuses the dev descriptor: %v\n%s", err, body)
	}
	if c := d.Config; c.Signin.Issuer != s.OIDC.Issuer || c.S3.Endpoint != s.MinIO.Endpoint || c.Signin.RoleARN != s.RoleARN ||
		c.Upload.KeyPrefix != "uploads/{sub}/" || c.Organisation.Name != "Acme Research" {
		t.Errorf("descriptor config %+v", c)
	}
	req, _ := http.NewRequest(http.MethodGet, s.DescriptorURL, nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("with its ETag: %s", resp.Status)
	}
	// A changed file is served at once, with another ETag.
	d2 := s.Descriptor()
	d2.Name = "Acme Research (renamed)"
	if err := WriteDescriptor(s.DescriptorFile, d2); err != nil {
		t.Fatal(err)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "renamed") || resp.Header.Get("ETag") == etag {
		t.Errorf("after a change: %s %s", resp.Status, body)
	}
	os.Remove(s.DescriptorFile)
	resp, err = http.Get(s.DescriptorURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("without a file: %s", resp.Status)
	}
}

// make devstack writes the descriptor and says what to type.
func TestWriteDevEnvWritesDescriptor(t *testing.T) {
	dir := t.TempDir()
	m := &MinIO{Endpoint: "http://127.0.0.1:9000", AccessKey: "ak", SecretKey: "sk"}
	si := &DevSignIn{Issuer: "http://127.0.0.1:9400", ClientID: "hoist", STSEndpoint: m.Endpoint, RoleARN: RoleARN("hoist", "")}
	if err := WriteDevEnv(dir, m, DefaultBucket, si); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, DescriptorFileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := config.ParseDescriptor(data, "hoist.json"); err != nil {
		t.Errorf("descriptor: %v", err)
	}
	env, _ := os.ReadFile(filepath.Join(dir, EnvFileName))
	if !strings.Contains(string(env), "type http://127.0.0.1:9400") || !strings.Contains(string(env), "HOIST_CONNECT_ADDRESS='http://127.0.0.1:9400'") {
		t.Errorf("env:\n%s", env)
	}
	if strings.Contains(string(data), "sk") && strings.Contains(string(data), `"sk"`) {
		t.Error("the descriptor holds the secret key")
	}
}
