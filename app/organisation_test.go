package app

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"hoist/app/config"
	"hoist/app/org"
	"hoist/ui"
)

func TestPolicyOfMapsLocks(t *testing.T) {
	two, off := 2, false
	s := &config.Setup{Fixed: true, Policy: &config.Policy{Locked: config.Locked{ParallelFiles: &two, Notifications: &off}}}
	p := policyOf(s)
	if !p.Organisation || p.ParallelFiles != 2 || p.ParallelParts != 0 || p.Notifications == nil || *p.Notifications {
		t.Errorf("policy %+v", p)
	}
	// Policy > the customer's choice > the descriptor's default.
	got := p.Apply(ui.Settings{ParallelFiles: 7, ParallelParts: 5, Notifications: true})
	if got != (ui.Settings{ParallelFiles: 2, ParallelParts: 5, Notifications: false}) {
		t.Errorf("applied %+v", got)
	}
	if p := policyOf(&config.Setup{}); p != (ui.Policy{}) {
		t.Errorf("no policy: %+v", p)
	}
}

func TestWithAdviceForBrokenSettings(t *testing.T) {
	_, err := config.Parse([]byte("[s3]\nregion = \"r\"\n"), "x.toml")
	var a interface{ Advice() string }
	if !errors.As(withAdvice(err), &a) || a.Advice() == "" {
		t.Errorf("a broken config has no advice: %v", err)
	}
	if errors.As(withAdvice(errors.New("disk on fire")), &a) {
		t.Error("an unknown error got advice")
	}
}

func TestParseLaunch(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a.bin")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := parseLaunch([]string{org.JoinLink("https://acme.example/.well-known/hoist.json"), f})
	if err != nil || l.join != "https://acme.example/.well-known/hoist.json" || len(l.open) != 1 || l.open[0] != f {
		t.Errorf("launch %+v %v", l, err)
	}
	if _, err := parseLaunch([]string{"hoist://join?org=http://acme.example/x"}); err == nil {
		t.Error("a plain-http link accepted")
	}
	if _, err := parseLaunch([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("a missing file accepted")
	}
	if !isWindowArg(f) || !isWindowArg("hoist://join?org=x") || isWindowArg("sned") {
		t.Error("isWindowArg")
	}
	if v := flagValue([]string{"a", "--data-dir", "/d"}, "data-dir"); v != "/d" {
		t.Errorf("flagValue = %q", v)
	}
	if v := flagValue([]string{"-data-dir=/e"}, "data-dir"); v != "/e" {
		t.Errorf("flagValue = %q", v)
	}
}

// The CLI follows the parallelism a policy locks, as the window does;
// without a lock the config's own numbers count.
func TestCLIFollowsLockedParallelism(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hoist.toml")
	if err := os.WriteFile(cfg, []byte("[s3]\nregion = \"r\"\nbucket = \"my-bucket\"\naccess_key_id = \"k\"\nsecret_access_key = \"s\"\n[upload]\nparallel_files = 6\nparallel_parts = 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	policy := filepath.Join(dir, "policy.toml")
	for _, tc := range []struct {
		policy       string
		files, parts int
	}{
		{"", 6, 5},
		{"[locked]\nparallel_files = 2\n", 2, 5},
		{"[locked]\nparallel_files = 2\nparallel_parts = 3\n", 2, 3},
	} {
		os.Remove(policy)
		if tc.policy != "" {
			if err := os.WriteFile(policy, []byte(tc.policy), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv(config.EnvPolicy, policy)
		b, err := openCLIBase(cfg, filepath.Join(dir, "data"))
		if err != nil {
			t.Fatal(err)
		}
		b.closeLog()
		if o := engineOptions(b.cfg); o.ParallelFiles != tc.files || o.ParallelParts != tc.parts {
			t.Errorf("policy %q: the engine runs %d files × %d parts, want %d × %d", tc.policy, o.ParallelFiles, o.ParallelParts, tc.files, tc.parts)
		}
	}
}
