package app

import (
	"testing"

	"hoist/internal/i18n"
)

// The confirmation of `hoist join` takes yes in English and in the
// customer's language.
func TestIsYes(t *testing.T) {
	i18n.UseEnvLanguage(t, "en_GB.UTF-8")
	for answer, want := range map[string]bool{"yes\n": true, " Y ": true, "no": false, "": false, "ja": false} {
		if got := isYes(answer); got != want {
			t.Errorf("English: %q → %v, want %v", answer, got, want)
		}
	}
	i18n.UseEnvLanguage(t, "de_DE.UTF-8")
	for answer, want := range map[string]bool{"ja\n": true, "J": true, "yes": true, "nein": false, "": false} {
		if got := isYes(answer); got != want {
			t.Errorf("German: %q → %v, want %v", answer, got, want)
		}
	}
}
