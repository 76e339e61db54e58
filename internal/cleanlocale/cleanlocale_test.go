package cleanlocale

import "testing"

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		env      map[string]string
		name     string
		wantLang string
	}{
		{map[string]string{"LANG": "C.UTF-8"}, "LANG", "C"},
		{map[string]string{"LANG": "C.utf8"}, "LANG", "C"},
		{map[string]string{"LANG": "POSIX.UTF-8"}, "LANG", "C"},
		{map[string]string{"LANG": "C"}, "", "C"},
		{map[string]string{"LANG": "POSIX"}, "", "POSIX"},
		{map[string]string{"LANG": "en_GB.UTF-8"}, "", "en_GB.UTF-8"},
		{map[string]string{"LANG": "Catalan"}, "", "Catalan"},
		{map[string]string{"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, "LC_ALL", "de_DE.UTF-8"},
		{map[string]string{"LC_ALL": "", "LC_MESSAGES": "fr_FR.UTF-8", "LANG": "C.UTF-8"}, "", "C.UTF-8"},
		{map[string]string{}, "", ""},
	} {
		env := map[string]string{}
		for k, v := range tc.env {
			env[k] = v
		}
		lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		set := func(k, v string) error { env[k] = v; return nil }
		name, old := clean(lookup, set)
		if name != tc.name {
			t.Errorf("%v: rewrote %q, want %q", tc.env, name, tc.name)
		}
		if name != "" && (env[name] != "C" || old != tc.env[name]) {
			t.Errorf("%v: %s=%q (old %q)", tc.env, name, env[name], old)
		}
		if env["LANG"] != tc.wantLang && tc.name != "LANG" {
			t.Errorf("%v: LANG became %q", tc.env, env["LANG"])
		}
	}
}
