package ui

import (
	"regexp"
	"strings"

	"fyne.io/fyne/v2/lang"
)

// The speed limit and its schedule are saved as the configuration writes
// them ("2.5MB/s", "Mon-Fri 09:00-17:00"); the Settings dialog shows and
// reads them in the window's language ("2,5MB/s", "Mo-Fr 09:00-17:00" in
// German).

// savedDays are the short day names as saved, Sunday first.
var savedDays = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// dayName is day i's (Sunday: 0) short name in the window's language.
func dayName(i int) string {
	switch i {
	case 1:
		return lang.X("day.mon", "Mon")
	case 2:
		return lang.X("day.tue", "Tue")
	case 3:
		return lang.X("day.wed", "Wed")
	case 4:
		return lang.X("day.thu", "Thu")
	case 5:
		return lang.X("day.fri", "Fri")
	case 6:
		return lang.X("day.sat", "Sat")
	}
	return lang.X("day.sun", "Sun")
}

// word is a run of letters (a day's name, a unit).
var word = regexp.MustCompile(`\p{L}+`)

// swapDays replaces each word that is, ignoring case, a day's name as from
// gives it with that day's name as to gives it.
func swapDays(s string, from, to func(int) string) string {
	return word.ReplaceAllStringFunc(s, func(w string) string {
		for i := range savedDays {
			if strings.EqualFold(w, from(i)) {
				return to(i)
			}
		}
		return w
	})
}

func savedDay(i int) string { return savedDays[i] }

// scheduleShown is a saved schedule in the window's language.
func scheduleShown(saved string) string { return swapDays(saved, savedDay, dayName) }

// scheduleSaved is a schedule typed in the window's language, as saved.
func scheduleSaved(shown string) string { return swapDays(shown, dayName, savedDay) }

// rateShown is a saved speed with the language's decimal mark.
func rateShown(saved string) string { return strings.ReplaceAll(saved, ".", decimalMark()) }

// rateSaved is a speed typed with the language's decimal mark (or a
// point), as saved.
func rateSaved(shown string) string { return strings.ReplaceAll(shown, decimalMark(), ".") }
