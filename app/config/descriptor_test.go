package config

import (
	"errors"
	"strings"
	"testing"
)

// exampleDescriptor is the README's example.
const exampleDescriptor = `{
  "hoist_format": 1,
  "organisation": { "name": "Acme Research" },
  "s3": {
    "endpoint": "https://s3.eu-west-1.amazonaws.com",
    "region": "eu-west-1",
    "bucket": "acme-customer-uploads"
  },
  "upload": {
    "key_prefix": "uploads/{sub}/{date}/",
    "part_size": "16MiB",
    "parallel_files": 4,
    "parallel_parts": 4
  },
  "signin": {
    "issuer": "https://login.acme.example",
    "client_id": "hoist-desktop",
    "role_arn": "arn:aws:iam::111122223333:role/hoist-customer-upload"
  }
}
`

func TestParseDescriptorExample(t *testing.T) {
	d, err := ParseDescriptor([]byte(exampleDescriptor), "https://acme.example/.well-known/hoist.json")
	if err != nil {
		t.Fatal(err)
	}
	c := d.Config
	if d.Format != 1 || c.Organisation.Name != "Acme Research" || c.S3.Bucket != "acme-customer-uploads" ||
		c.Upload.PartSize != 16*MiB || c.Upload.MultipartThreshold != 16*MiB || c.Signin.ClientID != "hoist-desktop" ||
		c.Upload.StallTimeout != DefaultStallTimeout || c.S3.Checksum != ChecksumCRC32C {
		t.Errorf("config %+v", c)
	}
}

func TestParseDescriptorProblems(t *testing.T) {
	good := func(edit func(string) string) string { return edit(exampleDescriptor) }
	tests := []struct {
		name, doc, summary, detail string
	}{
		{"not JSON", "<html><body>Not found</body></html>", "not valid JSON", "line 1"},
		{"empty", "", "not valid JSON", "empty"},
		{"truncated", exampleDescriptor[:120], "not valid JSON", "line"},
		{"two values", exampleDescriptor + "{}", "not valid JSON", "more than one"},
		{"array", "[1]", "not valid JSON", "not a JSON object"},
		{"no format", `{"organisation": {"name": "x"}}`, "not a Hoist set-up", "hoist_format: must be set"},
		{"newer format", strings.Replace(exampleDescriptor, `"hoist_format": 1`, `"hoist_format": 2`, 1), "newer version of Hoist", "format 2"},
		{"unknown field", good(func(s string) string { return strings.Replace(s, `"parallel_files"`, `"parallel_file"`, 1) }),
			"has a mistake", "upload.parallel_file: unknown setting: did you mean parallel_files? (line 12)"},
		{"mistyped field", good(func(s string) string { return strings.Replace(s, `"parallel_parts": 4`, `"parallel_parts": "four"`, 1) }),
			"has a mistake", ":13: upload.parallel_parts: incompatible types"},
		{"out of range", good(func(s string) string { return strings.Replace(s, `"parallel_parts": 4`, `"parallel_parts": 400`, 1) }),
			"has a mistake", "upload.parallel_parts: must be between 1 and 64, or 0 for automatic (got 400) (line 13)"},
		{"static keys", good(func(s string) string {
			return strings.Replace(s, `"region": "eu-west-1",`, `"region": "eu-west-1", "access_key_id": "AKIA", "secret_access_key": "shh",`, 1)
		}), "has a mistake", "s3.access_key_id: not allowed in a descriptor"},
		{"plain http", good(func(s string) string {
			return strings.Replace(s, `"https://login.acme.example"`, `"http://login.acme.example"`, 1)
		}), "has a mistake", "signin.issuer: must use https"},
		{"weakened", good(func(s string) string {
			return strings.Replace(s, `"hoist_format": 1,`, `"hoist_format": 1, "security": {"allow_plain_http": true},`, 1)
		}), "has a mistake", "security: not allowed in a descriptor"},
		{"no sign-in", `{"hoist_format": 1, "organisation": {"name": "A"}, "s3": {"region": "r", "bucket": "my-bucket"}}`,
			"has a mistake", "signin.issuer: must be set"},
		{"no name", `{"hoist_format": 1, "s3": {"region": "r", "bucket": "my-bucket"}, "signin": {"issuer": "https://l.example", "client_id": "c"}}`,
			"has a mistake", "organisation.name: must be set"},
		{"null", `{"hoist_format": 1, "s3": null}`, "has a mistake", "s3: must not be null"},
		{"duplicate", `{"hoist_format": 1, "hoist_format": 1}`, "not valid JSON", "appears twice"},
		{"too big", `{"hoist_format": 1, "x": "` + strings.Repeat("a", MaxDescriptorSize) + `"}`, "too big", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDescriptor([]byte(tt.doc), "https://acme.example/.well-known/hoist.json")
			var de *DescriptorError
			if !errors.As(err, &de) {
				t.Fatalf("want *DescriptorError, got %T %v", err, err)
			}
			if !strings.Contains(de.Summary, tt.summary) {
				t.Errorf("summary %q does not say %q", de.Summary, tt.summary)
			}
			if tt.detail != "" && (de.Err == nil || !strings.Contains(de.Err.Error(), tt.detail)) {
				t.Errorf("detail %v does not say %q", de.Err, tt.detail)
			}
			if strings.Contains(err.Error(), "shh") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

func TestCheckDescriptorURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://acme.example/.well-known/hoist.json":  true,
		"http://127.0.0.1:9400/.well-known/hoist.json": true,
		"http://acme.example/.well-known/hoist.json":   false,
		"ftp://acme.example/x":                         false,
		"https://user:pw@acme.example/x":               false,
		"acme.example":                                 false,
	} {
		if err := CheckDescriptorURL(u); (err == nil) != ok {
			t.Errorf("CheckDescriptorURL(%q) = %v", u, err)
		}
	}
}
