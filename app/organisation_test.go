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
