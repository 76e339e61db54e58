// Package i18n loads Hoist's translations into Fyne's lang package.
//
// Every text the window shows goes through fyne.io/fyne/v2/lang with the
// English text as its key (gettext style): lang.L("Sign in"), or with
// template data lang.L("{{.Count}} files", map[string]any{"Count": n}), and
// lang.N for plural forms. The translation files live in translations/ as
// "<area>.<language>.json" (for example ui.de.json); every area has an
// English file that lists every key, and every other language must have the
// same keys with the same template fields (translations_test.go checks both,
// and that every literal key used in the code is in the English files).
//
// The language is the system's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG on
// Linux; the user's UI language on Windows and macOS). A language Hoist has
// no file for shows English.
package i18n

import (
	"embed"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

//go:embed translations/*.json
var files embed.FS

// Dir is the directory inside FS that holds the translation files.
const Dir = "translations"

// FS returns the embedded translation files (for tests and tools).
func FS() embed.FS { return files }

var (
	loadOnce sync.Once
	loadErr  error
)

// Load adds Hoist's translations to Fyne's lang package and picks the
// closest language to the system's. It is safe to call more than once and
// from several goroutines; only the first call loads. It returns an error
// only when an embedded file is malformed, which the package's tests rule
// out; callers may log it and go on in English.
func Load() error {
	loadOnce.Do(func() { loadErr = Reload() })
	return loadErr
}

// Reload loads the translations again and re-reads the system's language
// from the environment. Tests use it after changing LANG or LANGUAGE to
// render the window in another language.
func Reload() error {
	if err := lang.AddTranslationsFS(files, Dir); err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	return englishFor(lang.SystemLocale())
}

// shipped reports whether Hoist has its own texts in the language of loc.
func shipped(loc fyne.Locale) bool {
	base, _, _ := strings.Cut(strings.ReplaceAll(loc.String(), "_", "-"), "-")
	_, err := files.Open(Dir + "/ui." + strings.ToLower(base) + ".json")
	return err == nil
}

// englishFor registers Hoist's English texts as the texts for loc when
// Hoist has no translation for its language but Fyne has (Fyne then picks
// loc for its own widgets, French say, and every Hoist text would otherwise
// be a failed lookup: logged as an error each time, and plural forms lost).
func englishFor(loc fyne.Locale) error {
	if shipped(loc) {
		return nil
	}
	entries, err := files.ReadDir(Dir)
	if err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".en.json") {
			continue
		}
		data, err := files.ReadFile(Dir + "/" + e.Name())
		if err != nil {
			return fmt.Errorf("load translations: %w", err)
		}
		if err := lang.AddTranslationsForLocale(data, loc); err != nil {
			return fmt.Errorf("load English texts for %s: %w", loc, err)
		}
	}
	return nil
}
