package ui

import (
	"fyne.io/fyne/v2"

	"hoist/internal/i18n"
)

// The window's texts go through Fyne's lang package, English text as the
// key (see package hoist/internal/i18n): lang.L for a text, lang.N for one
// with plural forms, template fields ({{.Name}}) instead of sentences put
// together from pieces, so that each language can order its words. The
// translations are in internal/i18n/translations/ui.<language>.json.

// loadTexts makes sure the translations are loaded before a screen is
// built (the composition root loads them too; only the first call does
// anything). A broken translation file, which the i18n tests rule out,
// leaves the window in English.
func loadTexts() {
	if err := i18n.Load(); err != nil {
		fyne.LogError("Hoist's translations", err)
	}
}
