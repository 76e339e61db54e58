package i18n

import "testing"

// UseEnvLanguage makes Fyne's lang package pick the language of the locale
// env (for example "de_DE.UTF-8") for the rest of the test, and English
// again when the test ends. It sets LANGUAGE, LC_ALL, LC_MESSAGES and LANG,
// which Fyne reads on Linux; tests that use it must not run in parallel.
func UseEnvLanguage(t testing.TB, env string) {
	t.Helper()
	for _, name := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		t.Setenv(name, env)
	}
	if err := Reload(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// t.Setenv restores the variables after the cleanups registered
		// later run, so pick English explicitly.
		for _, name := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
			t.Setenv(name, "en_GB.UTF-8")
		}
		_ = Reload()
	})
}
