package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"hoist/app/signin"
	"hoist/internal/i18n"
)

// signInErrors are errors of each kind signin.UserMessage words.
var signInErrors = []error{
	signin.ErrSignInInProgress, signin.ErrProviderBusy, syscall.EADDRINUSE, signin.ErrProviderUnreachable,
	signin.ErrTimedOut, context.Canceled, signin.ErrAccessDenied, signin.ErrCodeRejected, signin.ErrInvalidIDToken,
	signin.ErrNotSignedIn, signin.ErrSignInRequired, &signin.ProviderError{Step: signin.StepToken, Code: "server_error"},
	errors.New("something else"),
}

// Every sentence signin words an error with is translated: it is a key of
// app.en.json, and in German the window shows the German text.
func TestSignInMessagesAreTranslated(t *testing.T) {
	i18n.UseEnvLanguage(t, "en_GB.UTF-8")
	data, err := i18n.FS().ReadFile(i18n.Dir + "/app.en.json")
	if err != nil {
		t.Fatal(err)
	}
	var en map[string]any
	if err := json.Unmarshal(data, &en); err != nil {
		t.Fatal(err)
	}
	english := map[error]string{}
	for _, e := range signInErrors {
		msg := signin.UserMessage(e)
		english[e] = msg
		var pe *signin.ProviderError
		if errors.As(e, &pe) {
			if msg != fmt.Sprintf(providerProblem, pe.Code) {
				t.Errorf("signin words a provider's error as %q; providerProblem says %q", msg, providerProblem)
			}
		} else if _, ok := en[msg]; !ok {
			t.Errorf("%q (for %v) is not in app.en.json", msg, e)
		}
		if got := signInMessage(e); got != msg {
			t.Errorf("in English, %v → %q, want signin's %q", e, got, msg)
		}
	}
	i18n.UseEnvLanguage(t, "de_DE.UTF-8")
	for _, e := range signInErrors {
		if got := signInMessage(e); got == english[e] || got == "" {
			t.Errorf("in German, %v → %q", e, got)
		}
	}
	if got, want := signInMessage(context.Canceled), "Die Anmeldung wurde abgebrochen."; got != want {
		t.Errorf("cancelled: %q, want %q", got, want)
	}
}
