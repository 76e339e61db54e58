package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// make build ORG=…: the organisation file is checked, encoded for the
// binary and read back as the same settings.
func TestBrandingRoundTrip(t *testing.T) {
	dir := t.TempDir()
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 16)...)
	write(t, filepath.Join(dir, "img", "acme.png"), string(png))
	org := filepath.Join(dir, "org.toml")
	write(t, org, `[organisation]
name = "Acme Research"
logo = "img/acme.png"
[s3]
endpoint = "https://s3.acme.example"
region = "eu-west-1"
bucket = "acme-uploads"
[upload]
key_prefix = "uploads/{sub}/"
parallel_files = 3
[signin]
issuer = "https://login.acme.example"
client_id = "hoist"
scopes = ["openid", "email"]
`)
	p, err := LoadBrandingFile(org)
	if err != nil {
		t.Fatal(err)
	}
	if p.Logo != filepath.Join(dir, "img", "acme.png") {
		t.Errorf("logo %q", p.Logo)
	}
	data, err := EncodeBranding(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseBranding(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	want := *p.Config
	want.Organisation.Logo = ""
	if back.Config.Organisation != want.Organisation || back.Config.S3 != want.S3 || back.Config.Upload != want.Upload ||
		strings.Join(back.Config.Signin.Scopes, " ") != "openid email" || back.Config.Signin.Issuer != want.Signin.Issuer {
		t.Errorf("round trip:\n%+v\nwant\n%+v", back.Config, want)
	}

	// A descriptor address only.
	write(t, org, "[organisation]\ndescriptor_url = \"https://acme.example/.well-known/hoist.json\"\n")
	if p, err = LoadBrandingFile(org); err != nil || p.DescriptorURL == "" {
		t.Fatal(p, err)
	}
	data, _ = EncodeBranding(p)
	if back, err = ParseBranding(data); err != nil || back.DescriptorURL != p.DescriptorURL {
		t.Errorf("descriptor pin: %+v %v", back, err)
	}
}

func TestBrandingRefusesSecrets(t *testing.T) {
	dir := t.TempDir()
	org := filepath.Join(dir, "org.toml")
	for name, text := range map[string]string{
		"keys":       "[s3]\nregion = \"r\"\nbucket = \"my-bucket\"\naccess_key_id = \"AKIA\"\nsecret_access_key = \"shh\"\n",
		"plain http": "[s3]\nregion = \"r\"\nbucket = \"my-bucket\"\n[security]\nallow_plain_http = true\n",
		"nothing":    "# empty\n",
	} {
		write(t, org, text)
		_, err := LoadBrandingFile(org)
		var ve *ValidationError
		if !errors.As(err, &ve) || strings.Contains(err.Error(), "shh") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := LoadBrandingFile(filepath.Join(dir, "missing.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}
