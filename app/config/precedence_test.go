package config

import (
	"os"
	"path/filepath"
	"testing"
)

// Every source of the organisation's settings, in the order Find takes
// them: the policy's organisation, --config, $HOIST_CONFIG, a branded
// build, the user's config file, the organisation the customer connected
// to. Each is taken away in turn, and the next one counts; the policy's
// locks stay whichever source counts.
func TestFindOrderOfEverySource(t *testing.T) {
	w := newFindWorld(t)
	cfgText := func(bucket string) string { return "[s3]\nregion = \"r\"\nbucket = \"" + bucket + "\"\n" }
	envFile := filepath.Join(t.TempDir(), "env.toml")
	write(t, envFile, cfgText("from-env"))
	write(t, filepath.Join(w.userDir, "hoist.toml"), cfgText("from-user"))
	w.connect(w.descriptorAt, "acme-connected")
	brandCfg, err := Parse([]byte(cfgText("from-brand")), "branding")
	if err != nil {
		t.Fatal(err)
	}
	brand := &Pin{Source: "branding", Config: brandCfg}
	write(t, w.policy, "[organisation]\nname = \"Policy Org\"\n"+cfgText("from-policy")+"\n[locked]\nparallel_parts = 3\n")
	t.Setenv(EnvConfig, envFile)

	find := func(flag string, b *Pin) *Setup {
		t.Helper()
		s, err := Find(FindOptions{ConfigPath: flag, PolicyPath: w.policy, UserDir: w.userDir, Branding: b})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	check := func(step string, s *Setup, origin Origin, bucket string, fixed bool) {
		t.Helper()
		got := "(no settings)"
		if s.Config != nil {
			got = s.Config.S3.Bucket
		}
		if s.Origin != origin || got != bucket || s.Fixed != fixed {
			t.Errorf("%s: origin %q bucket %q fixed %v, want %q %q %v", step, s.Origin, got, s.Fixed, origin, bucket, fixed)
		}
		if s.Policy == nil || s.Policy.Locked.ParallelParts == nil || *s.Policy.Locked.ParallelParts != 3 {
			t.Errorf("%s: the policy's lock is lost: %+v", step, s.Policy)
		}
	}

	s := find(w.file, brand)
	check("everything", s, OriginPolicy, "from-policy", true)
	if s.Ignored != w.file {
		t.Errorf("the ignored --config is %q, want %q", s.Ignored, w.file)
	}
	write(t, w.policy, "[locked]\nparallel_parts = 3\n") // locks only: the organisation is the customer's choice
	check("--config over $HOIST_CONFIG", find(w.file, brand), OriginFile, "from-flag", false)
	check("$HOIST_CONFIG over the branding", find("", brand), OriginFile, "from-env", false)
	t.Setenv(EnvConfig, "")
	check("the branding over the user's file", find("", brand), OriginBranded, "from-brand", true)
	check("the user's file over the connection", find("", nil), OriginUserFile, "from-user", false)
	if err := os.Remove(filepath.Join(w.userDir, "hoist.toml")); err != nil {
		t.Fatal(err)
	}
	check("the connection", find("", nil), OriginConnected, "acme-connected", false)
}
