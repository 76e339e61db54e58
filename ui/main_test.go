package ui

import (
	"fmt"
	"os"
	"testing"

	"hoist/internal/i18n"
)

// TestMain runs the tests in English, whatever the machine's language, with
// Hoist's translations loaded (as the window has them), so that lookups
// find their texts. Tests of another language switch to it with
// i18n.UseEnvLanguage.
func TestMain(m *testing.M) {
	for _, name := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		os.Setenv(name, "en_GB.UTF-8")
	}
	if err := i18n.Load(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
