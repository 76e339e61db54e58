package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// findWorld is a user config folder, a policy path and a config file.
type findWorld struct {
	t                  *testing.T
	userDir, policy    string
	file, descriptorAt string
}

func newFindWorld(t *testing.T) *findWorld {
	dir := t.TempDir()
	t.Setenv(EnvConfig, "")
	t.Setenv(EnvPolicy, "")
	w := &findWorld{t: t, userDir: filepath.Join(dir, "user"), policy: filepath.Join(dir, "etc", "policy.toml"),
		file: filepath.Join(dir, "flag.toml"), descriptorAt: "https://acme.example/.well-known/hoist.json"}
	write(t, w.file, "[s3]\nregion = \"r\"\nbucket = \"from-flag\"\n")
	return w
}

func (w *findWorld) find(flag string) (*Setup, error) {
	return Find(FindOptions{ConfigPath: flag, PolicyPath: w.policy, UserDir: w.userDir})
}

func (w *findWorld) connect(url, bucket string) {
	w.t.Helper()
	doc := strings.Replace(exampleDescriptor, "acme-customer-uploads", bucket, 1)
	c := &Connection{URL: url, Domain: DomainOf(url), ETag: `"v1"`, Descriptor: json.RawMessage(doc)}
	if err := SaveConnection(filepath.Join(w.userDir, ConnectionFileName), c); err != nil {
		w.t.Fatal(err)
	}
}

func TestFindNothingIsNotConnected(t *testing.T) {
	w := newFindWorld(t)
	s, err := w.find("")
	if !errors.Is(err, ErrNotConnected) || s == nil || s.Config != nil {
		t.Fatalf("Find = %+v, %v", s, err)
	}
	if s.ConnectionPath != filepath.Join(w.userDir, ConnectionFileName) {
		t.Errorf("connection path %q", s.ConnectionPath)
	}
}

func TestFindConnectedDescriptor(t *testing.T) {
	w := newFindWorld(t)
	w.connect(w.descriptorAt, "acme-saved")
	s, err := w.find("")
	if err != nil {
		t.Fatal(err)
	}
	if s.Origin != OriginConnected || s.Config.S3.Bucket != "acme-saved" || s.Domain != "acme.example" ||
		s.ETag != `"v1"` || s.DescriptorURL != w.descriptorAt || s.Fixed {
		t.Errorf("setup %+v", s)
	}
	info, err := os.Stat(s.ConnectionPath)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("saved file: %v %v", info.Mode(), err)
	}
	// An explicit config wins over the customer's connection.
	if s, err := w.find(w.file); err != nil || s.Origin != OriginFile || s.Config.S3.Bucket != "from-flag" {
		t.Errorf("with --config: %+v %v", s, err)
	}
	// A damaged saved copy is an error naming the file, not a silent reset.
	if err := os.WriteFile(s.ConnectionPath, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := w.find(""); err == nil || !strings.Contains(err.Error(), s.ConnectionPath) {
		t.Errorf("damaged: %v", err)
	}
}

// Policy > the customer's choice (their connection, even --config) >
// descriptor defaults.
func TestFindPolicyFixesOrganisation(t *testing.T) {
	w := newFindWorld(t)
	w.connect("https://other.example/.well-known/hoist.json", "other-saved")
	write(t, w.policy, "[organisation]\ndescriptor_url = \""+w.descriptorAt+"\"\n\n[locked]\nparallel_files = 2\nnotifications = false\n")
	s, err := w.find(w.file)
	if err != nil {
		t.Fatal(err)
	}
	if s.Origin != OriginPolicy || !s.Fixed || s.Pending != w.descriptorAt || s.Config != nil || s.Ignored != w.file {
		t.Errorf("setup %+v", s)
	}
	if l := s.Policy.Locked; l.ParallelFiles == nil || *l.ParallelFiles != 2 || l.ParallelParts != nil || l.Notifications == nil || *l.Notifications {
		t.Errorf("locked %+v", l)
	}
	// Once fetched and saved, the saved copy is used.
	w.connect(w.descriptorAt, "acme-fixed")
	if s, err = w.find(""); err != nil || s.Config == nil || s.Config.S3.Bucket != "acme-fixed" || s.Pending != "" || !s.Fixed {
		t.Errorf("after the fetch: %+v %v", s, err)
	}

	// Inline settings.
	write(t, w.policy, "[organisation]\nname = \"Acme inline\"\n[s3]\nregion = \"r\"\nbucket = \"inline-bucket\"\n[locked]\nparallel_parts = 3\n")
	if s, err = w.find(""); err != nil || s.Config.S3.Bucket != "inline-bucket" || s.Config.Organisation.Name != "Acme inline" || !s.Fixed {
		t.Errorf("inline: %+v %v", s, err)
	}

	// Locks only: the customer still chooses.
	write(t, w.policy, "[locked]\nparallel_parts = 3\n")
	if s, err = w.find(""); err != nil || s.Origin != OriginConnected || s.Fixed || *s.Policy.Locked.ParallelParts != 3 {
		t.Errorf("locks only: %+v %v", s, err)
	}
}

func TestPolicyProblems(t *testing.T) {
	w := newFindWorld(t)
	for name, tt := range map[string]struct{ text, want string }{
		"typo":          {"[locked]\nparalel_files = 2\n", "locked.paralel_files: unknown setting: did you mean parallel_files? (line 2)"},
		"table typo":    {"[lockd]\nparallel_files = 2\n", "lockd: unknown setting: did you mean locked?"},
		"out of range":  {"[locked]\nparallel_files = 0\n", "locked.parallel_files: must be between 1 and 64 (got 0) (line 2)"},
		"both":          {"[organisation]\ndescriptor_url = \"https://a.example/x\"\n[s3]\nregion = \"r\"\nbucket = \"my-bucket\"\n", "not both"},
		"plain http":    {"[organisation]\ndescriptor_url = \"http://a.example/x\"\n", "must use https"},
		"incomplete":    {"[organisation]\nname = \"A\"\n", "s3.region: must be set"},
		"wrong type":    {"[locked]\nnotifications = \"yes\"\n", "policy.toml:2"},
		"inline typo":   {"[s3]\nregion = \"r\"\nbukcet = \"my-bucket\"\n", "s3.bukcet: unknown setting: did you mean bucket? (line 3)"},
		"syntax":        {"[locked\n", "expected"},
		"not a setting": {"organisation = 5\n", "policy.toml:1"},
	} {
		t.Run(name, func(t *testing.T) {
			write(t, w.policy, tt.text)
			_, err := w.find("")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), w.policy) {
				t.Errorf("Find = %v, want %q naming the policy", err, tt.want)
			}
		})
	}
}

func TestPolicyPathPerOS(t *testing.T) {
	env := func(k string) string { return map[string]string{"ProgramData": `D:\PD`}[k] }
	for goos, want := range map[string]string{
		"linux": "/etc/hoist/policy.toml", "freebsd": "/etc/hoist/policy.toml",
		"windows": `D:\PD\Hoist\policy.toml`, "darwin": "/Library/Application Support/Hoist/policy.toml",
	} {
		if got := policyPath(goos, env); got != want {
			t.Errorf("%s: %q, want %q", goos, got, want)
		}
	}
	t.Setenv(EnvPolicy, "/x/p.toml")
	if PolicyPath() != "/x/p.toml" {
		t.Error("HOIST_POLICY not honoured")
	}
}

func TestFindBranded(t *testing.T) {
	w := newFindWorld(t)
	pin, err := parsePin([]byte("[organisation]\nname = \"Acme built in\"\n[s3]\nregion = \"r\"\nbucket = \"branded\"\n"), "(built in)", "", nil)
	if err != nil || pin == nil {
		t.Fatal(pin, err)
	}
	w.connect(w.descriptorAt, "acme-saved")
	s, err := Find(FindOptions{PolicyPath: w.policy, UserDir: w.userDir, Branding: pin})
	if err != nil || s.Origin != OriginBranded || s.Config.S3.Bucket != "branded" || !s.Fixed {
		t.Errorf("branded: %+v %v", s, err)
	}
	// An explicit config still wins (support staff, tests).
	s, err = Find(FindOptions{ConfigPath: w.file, PolicyPath: w.policy, UserDir: w.userDir, Branding: pin})
	if err != nil || s.Origin != OriginFile {
		t.Errorf("branded with --config: %+v %v", s, err)
	}
}
