package i18n

import (
	"testing"

	"fyne.io/fyne/v2/lang"
)

// TestGermanAndEnglish renders a plain and a plural text in both shipped
// languages through Fyne's lang package, as the window does.
func TestGermanAndEnglish(t *testing.T) {
	cases := []struct {
		env, plain, one, many string
	}{
		{"de_DE.UTF-8", "Anmelden", "1 Upload wartet. Melden Sie sich an, um ihn fortzusetzen.", "4 Uploads warten. Melden Sie sich an, um sie fortzusetzen."},
		{"en_GB.UTF-8", "Sign in", "1 upload is waiting. Sign in to continue it.", "4 uploads are waiting. Sign in to continue them."},
		{"fr_FR.UTF-8", // Fyne has French, Hoist has not
			"Sign in", "1 upload is waiting. Sign in to continue it.", "4 uploads are waiting. Sign in to continue them."},
		{"it_IT.UTF-8", "Sign in", "1 upload is waiting. Sign in to continue it.", "4 uploads are waiting. Sign in to continue them."},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			UseEnvLanguage(t, c.env)
			if got := lang.L("Sign in"); got != c.plain {
				t.Errorf("Sign in → %q, want %q", got, c.plain)
			}
			if got := lang.N("{{.Count}} uploads are waiting. Sign in to continue them.", 1, map[string]any{"Count": 1}); got != c.one {
				t.Errorf("one → %q, want %q", got, c.one)
			}
			if got := lang.N("{{.Count}} uploads are waiting. Sign in to continue them.", 4, map[string]any{"Count": 4}); got != c.many {
				t.Errorf("four → %q, want %q", got, c.many)
			}
		})
	}
}
