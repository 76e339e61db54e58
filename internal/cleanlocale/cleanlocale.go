// Package cleanlocale keeps Fyne from printing "Error parsing user locale C"
// when the locale is C.UTF-8, POSIX.UTF-8 or a similar spelling of "no
// locale", as on many servers and containers.
//
// Fyne's lang package reads the locale in its package initialiser, before
// main runs, and complains about names such as "C.UTF-8", which its locale
// library does not take for the C locale. Go initialises packages in import
// path order once their own imports are ready (The Go Programming Language
// Specification, "Package initialization"), and this module's path sorts
// before fyne.io: so this package's init runs first and spells such a
// locale as plain "C", which the library understands as "none" (Fyne then
// uses English, as it would have). It is a module of its own only for that
// path. [Restore] puts the variable back for what runs later, such as the
// browser a sign-in opens.
package cleanlocale

import (
	"os"
	"strings"
)

// changed is the variable init rewrote ("" when none) and its old value.
var changed, oldValue string

func init() { changed, oldValue = clean(os.LookupEnv, os.Setenv) }

// clean rewrites the variable that decides the messages' locale (the first
// of LC_ALL, LC_MESSAGES and LANG that is set and not empty, as gettext and
// Fyne's locale library read them) to "C" when it names the C or POSIX
// locale in another spelling. It returns the name and old value, or "".
func clean(lookup func(string) (string, bool), set func(string, string) error) (name, old string) {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v, ok := lookup(name)
		if !ok || v == "" {
			continue
		}
		if v == "C" || v == "POSIX" || !isC(v) {
			return "", ""
		}
		if set(name, "C") != nil {
			return "", ""
		}
		return name, v
	}
	return "", ""
}

// isC reports whether a locale name is the C or POSIX locale with a
// codeset or modifier, such as "C.UTF-8", "C.utf8" or "POSIX@euro".
func isC(v string) bool {
	base, _, _ := strings.Cut(v, "@")
	base, _, _ = strings.Cut(base, ".")
	return base == "C" || base == "POSIX"
}

// Restore sets the rewritten variable back to its value at start. Call it
// once Fyne's packages are initialised (any time in main) when no window
// will be shown: child processes then see the user's locale again.
func Restore() {
	if changed != "" {
		_ = os.Setenv(changed, oldValue)
		changed = ""
	}
}
