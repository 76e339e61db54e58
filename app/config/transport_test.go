package config

import (
	"errors"
	"strings"
	"testing"
)

// Issue 7 item 3: tokens and keys never cross the network in clear unless
// the config says so explicitly.
func TestPlainHTTPOnlyForLoopback(t *testing.T) {
	base := "[s3]\nregion = \"r\"\nbucket = \"my-bucket\"\n"
	tests := []struct {
		name, toml, field string // field "" = valid
	}{
		{"https everywhere", "[s3]\nendpoint = \"https://s3.example.com\"\nregion = \"r\"\nbucket = \"my-bucket\"\n[signin]\nissuer = \"https://login.example.com\"\nclient_id = \"c\"\nsts_endpoint = \"https://sts.example.com\"\n", ""},
		{"loopback v4", "[s3]\nendpoint = \"http://127.0.0.1:9000\"\nregion = \"r\"\nbucket = \"my-bucket\"\n[signin]\nissuer = \"http://127.0.0.2:9400\"\nclient_id = \"c\"\nsts_endpoint = \"http://localhost:9000\"\n", ""},
		{"loopback v6", "[s3]\nendpoint = \"http://[::1]:9000\"\nregion = \"r\"\nbucket = \"my-bucket\"\n", ""},
		{"http endpoint", "[s3]\nendpoint = \"http://s3.example.com\"\nregion = \"r\"\nbucket = \"my-bucket\"\n", "s3.endpoint"},
		{"http issuer", base + "[signin]\nissuer = \"http://login.example.com\"\nclient_id = \"c\"\n", "signin.issuer"},
		{"http sts", base + "[signin]\nissuer = \"https://login.example.com\"\nclient_id = \"c\"\nsts_endpoint = \"http://10.0.0.5:9000\"\n", "signin.sts_endpoint"},
		{"localhost lookalike", base + "[signin]\nissuer = \"http://localhost.example.com\"\nclient_id = \"c\"\n", "signin.issuer"},
		{"issuer not a URL", base + "[signin]\nissuer = \"login.example.com\"\nclient_id = \"c\"\n", "signin.issuer"},
		{"allowed explicitly", "[s3]\nendpoint = \"http://s3.example.com\"\nregion = \"r\"\nbucket = \"my-bucket\"\n[signin]\nissuer = \"http://login.example.com\"\nclient_id = \"c\"\n[security]\nallow_plain_http = true\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.toml), "t.toml")
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field(tt.field) == nil {
				t.Fatalf("want a problem with %s, got %v (cfg %v)", tt.field, err, cfg)
			}
			if tt.name != "issuer not a URL" && !strings.Contains(ve.Field(tt.field).Message, "allow_plain_http") {
				t.Errorf("the message does not say how to allow it: %v", err)
			}
		})
	}
}

func TestPlainHTTPURLsListsWhatToWarnAbout(t *testing.T) {
	cfg, err := Parse([]byte("[s3]\nendpoint = \"http://s3.example.com\"\nregion = \"r\"\nbucket = \"my-bucket\"\n[signin]\nissuer = \"http://127.0.0.1:9400\"\nclient_id = \"c\"\n[security]\nallow_plain_http = true\n"), "t.toml")
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.PlainHTTPURLs()
	if len(got) != 1 || got[0] != "s3.endpoint = http://s3.example.com" {
		t.Errorf("PlainHTTPURLs = %q", got)
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.1:9000": true, "127.8.9.10": true, "[::1]:80": true, "::1": true,
		"localhost": true, "LOCALHOST:1": true, "localhost.": true,
		"localhost.example.com": false, "10.0.0.1": false, "0.0.0.0": false, "example.com": false, "": false,
	} {
		if got := IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v", host, got)
		}
	}
}

// Issue 9 item 6: which line, and a suggestion for a near miss.
func TestUnknownKeySuggestsAndNamesLine(t *testing.T) {
	_, err := Parse([]byte("[s3]\nregion = \"r\"\nbucket = \"my-bucket\"\n\n[upload]\nparallel_file = 3\n[uplaod]\nx = 1\n"), "u.toml")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	p := ve.Field("upload.parallel_file")
	if p == nil || p.Line != 6 || !strings.Contains(p.Message, "did you mean parallel_files?") {
		t.Errorf("parallel_file: %+v", p)
	}
	if p := ve.Field("uplaod"); p == nil || p.Line != 7 || !strings.Contains(p.Message, "did you mean upload?") {
		t.Errorf("uplaod: %+v", p)
	}
	if !strings.Contains(err.Error(), "upload.parallel_file: unknown setting: did you mean parallel_files? (line 6)") {
		t.Errorf("message:\n%v", err)
	}
	_, err = Parse([]byte("[s3]\nregion = \"r\"\nbucket = \"my-bucket\"\n[upload]\nparallel_files = 100\n"), "u.toml")
	if !errors.As(err, &ve) || ve.Field("upload.parallel_files").Line != 5 {
		t.Errorf("out of range: %v", err)
	}
	_, err = Parse([]byte("[s3]\nregion = \"r\"\nbucket = \"my-bucket\"\n[upload]\nzzzzzzzz = 1\n"), "u.toml")
	if !errors.As(err, &ve) || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("far from anything: %v", err)
	}
}
