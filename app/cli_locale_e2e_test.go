package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cleanEnv is the environment for a run of the binary that must not depend
// on the machine's: no HOIST_*, AWS_* (but AWS_CA_BUNDLE, which these
// machines set and Hoist must cope with), LANG*, LC_* or LANGUAGE
// variables, a private HOME, plus extra.
func cleanEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "HOIST_") && name != "HOIST_BIN",
			strings.HasPrefix(name, "AWS_") && name != "AWS_CA_BUNDLE", strings.HasPrefix(name, "LC_"),
			name == "LANG", name == "LANGUAGE", name == "HOME", name == "XDG_CONFIG_HOME",
			name == "XDG_DATA_HOME", name == "DBUS_SESSION_BUS_ADDRESS":
			continue
		}
		env = append(env, kv)
	}
	home := t.TempDir()
	return append(append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share")), extra...)
}

// staticConfig writes a config with static development keys (no sign-in)
// whose store is never reached by the commands these tests run.
func staticConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hoist.toml")
	cfg := `[s3]
endpoint = "http://127.0.0.1:9"
region = "us-east-1"
bucket = "hoist"
path_style = true
access_key_id = "dev"
secret_access_key = "dev-secret"
`
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runHoist runs the binary with env and returns its exit code and output.
func runHoist(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(hoistBinary(t), args...)
	cmd.Env = env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out.String(), errOut.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

// Servers and containers often run with LANG=C.UTF-8 (or C, POSIX): no
// command prints Fyne's complaint about the locale.
func TestCLIQuietInTheCLocale(t *testing.T) {
	cfg := staticConfig(t)
	for _, loc := range []string{"LANG=C", "LANG=C.UTF-8", "LANG=C.utf8", "LANG=POSIX", "LC_ALL=C.UTF-8", "LC_MESSAGES=POSIX.UTF-8"} {
		t.Run(loc, func(t *testing.T) {
			env := cleanEnv(t, loc)
			for _, args := range [][]string{{"version"}, {"help"}, {"history", "--config", cfg, "--data-dir", t.TempDir()}} {
				code, _, errOut := runHoist(t, env, args...)
				if code != 0 || strings.Contains(errOut, "Fyne") || strings.Contains(errOut, "locale") {
					t.Errorf("hoist %s under %s: exit %d, stderr:\n%s", strings.Join(args, " "), loc, code, errOut)
				}
			}
		})
	}
}

// The commands speak the system's language: a Hoist with no organisation
// says so in German under a German locale and in English under C, and
// neither prints a failed translation lookup.
func TestCLISpeaksTheSystemLanguage(t *testing.T) {
	cases := []struct{ loc, want string }{
		{"LANG=de_DE.UTF-8", "Hoist ist noch nicht mit einer Organisation verbunden."},
		{"LANGUAGE=de", "Hoist ist noch nicht mit einer Organisation verbunden."},
		{"LANG=C", "Hoist is not connected to an organisation yet."},
		{"LANG=C.UTF-8", "Hoist is not connected to an organisation yet."},
	}
	for _, c := range cases {
		t.Run(c.loc, func(t *testing.T) {
			code, out, errOut := runHoist(t, cleanEnv(t, c.loc), "history", "--data-dir", t.TempDir())
			if code != 2 || !strings.Contains(out+errOut, c.want) {
				t.Errorf("exit %d, want 2 and %q; stdout:\n%s\nstderr:\n%s", code, c.want, out, errOut)
			}
			if strings.Contains(errOut, "Fyne") || strings.Contains(errOut, "Translation") {
				t.Errorf("a failed lookup was printed:\n%s", errOut)
			}
		})
	}
}
