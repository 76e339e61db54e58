package signin

import (
	"errors"
	"html/template"
	"net/http"
)

// page is what the browser shows on the loopback listener: short, plain,
// and saying what to do next. Every field is escaped by html/template.
type page struct {
	Status  int
	Title   string
	Message string
	Next    string
	Detail  string // the provider's own words, when it gave some
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – Hoist</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:34rem;margin:4rem auto;padding:0 1.25rem;line-height:1.5;color:#1f2328;background:#fff}
h1{font-size:1.4rem;margin-bottom:.5rem}
.detail{color:#59636e;font-size:.9rem}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{- with .Next}}
<p>{{.}}</p>
{{- end}}
{{- with .Detail}}
<p class="detail">{{.}}</p>
{{- end}}
</body>
</html>
`))

// writePage sends p with headers that keep the page (and the code in its
// URL) out of caches, referrers and other origins.
func writePage(w http.ResponseWriter, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("Connection", "close")
	w.WriteHeader(p.Status)
	_ = pageTemplate.Execute(w, p) // the browser went away: nothing to do
}

var (
	pageSignedIn = page{
		Status:  http.StatusOK,
		Title:   "Signed in",
		Message: "You're signed in to Hoist. You can close this tab and return to Hoist.",
	}
	pageStaleLink = page{
		Status:  http.StatusBadRequest,
		Title:   "This sign-in link is out of date",
		Message: "This page doesn't belong to the sign-in Hoist is waiting for.",
		Next:    "Finish signing in in the newest browser tab, or return to Hoist and choose Sign in again.",
	}
	pageBadCallback = page{
		Status:  http.StatusBadRequest,
		Title:   "Sign-in answer incomplete",
		Message: "Your organisation's sign-in service sent back an answer Hoist can't use.",
		Next:    "Return to Hoist and choose Sign in again.",
	}
	pageFinished = page{
		Status:  http.StatusGone,
		Title:   "Sign-in already finished",
		Message: "Hoist is no longer waiting for this sign-in. You can close this tab.",
	}
)

// resultPage tells the person how their sign-in ended.
func resultPage(err error) page {
	var pe *ProviderError
	errors.As(err, &pe)
	switch {
	case err == nil:
		return pageSignedIn
	case errors.Is(err, ErrAccessDenied):
		return failPage("Sign-in cancelled", "Sign-in was cancelled or refused.",
			"Return to Hoist and choose Sign in to try again. If you didn't cancel, ask your organisation's IT support whether your account may use Hoist.", pe)
	case errors.Is(err, ErrCodeRejected):
		return failPage("Sign-in not completed", "This sign-in link was already used or has expired.",
			"Return to Hoist and choose Sign in again.", nil)
	case errors.Is(err, ErrProviderUnreachable):
		return failPage("Sign-in not completed", "Hoist can't reach your organisation's sign-in service.",
			"Check your internet connection, then return to Hoist and try again.", nil)
	case errors.Is(err, ErrInvalidIDToken):
		return failPage("Sign-in not completed", "Hoist couldn't verify the answer from your organisation's sign-in service.",
			"Return to Hoist and try again. If it keeps happening, tell your IT support.", nil)
	case pe != nil:
		return failPage("Sign-in failed", "Your organisation's sign-in service reported a problem.",
			"Return to Hoist and try again. If it keeps happening, tell your IT support what it said:", pe)
	}
	return failPage("Sign-in not completed", "Hoist couldn't finish signing you in.",
		"Return to Hoist and try again.", nil)
}

func failPage(title, message, next string, pe *ProviderError) page {
	p := page{Status: http.StatusOK, Title: title, Message: message, Next: next}
	if pe != nil {
		p.Detail = pe.Code
		if pe.Description != "" {
			p.Detail = pe.Description + " (" + pe.Code + ")"
		}
	}
	return p
}
