package ui

import (
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// Preference keys: the only place they are spelled.
const (
	prefParallelFiles = "upload.parallel_files"
	prefParallelParts = "upload.parallel_parts"
	prefNotifications = "notifications"
	prefMaxRate       = "upload.max_rate"
	prefRateSchedule  = "upload.max_rate_schedule"
	prefKeepAwake     = "upload.keep_awake"
)

// automatic is how the Settings dialog names parallelism left to Hoist (in
// English: it is a key of the translations); savedAutomatic is how it is
// saved (0 means "never saved").
const (
	automatic      = "Automatic"
	savedAutomatic = -1
)

// Limits of the parallelism settings offered in the Settings dialog.
const (
	MinParallel = 1
	MaxParallel = 16
)

// Settings are the user's choices from the Settings dialog.
type Settings struct {
	// ParallelFiles is the most files that upload at once
	// (MinParallel..MaxParallel), or 0: automatic.
	ParallelFiles int
	// ParallelParts is the most parts of one file that upload at once
	// (MinParallel..MaxParallel), or 0: automatic.
	ParallelParts int
	// Notifications turns desktop notifications on.
	Notifications bool
	// MaxRate limits the upload speed, as the user typed it ("20Mbit");
	// "" for no limit. See uploader.ParseRate.
	MaxRate string
	// RateSchedule says when MaxRate applies ("Mon-Fri 09:00-17:00"); ""
	// for always. See uploader.ParseSchedule.
	RateSchedule string
	// KeepAwake keeps the computer from sleeping by itself while uploads
	// run.
	KeepAwake bool
}

// DefaultSettings are used when neither the configuration nor the user
// chose: automatic parallelism, notifications on, no speed limit, keep
// awake.
func DefaultSettings() Settings {
	return Settings{Notifications: true, KeepAwake: true}
}

// SpeedLimit returns the parsed MaxRate and RateSchedule; values that do
// not parse (the dialog refuses them) mean no limit and always.
func (s Settings) SpeedLimit() (uploader.Rate, uploader.Schedule) {
	r, _ := uploader.ParseRate(s.MaxRate)
	sched, _ := uploader.ParseSchedule(s.RateSchedule)
	return r, sched
}

// LoadSettings returns the settings saved in p, taking each one the user
// never saved from defaults (unset fields of defaults from
// DefaultSettings). Saved values are clamped to MinParallel..MaxParallel;
// defaults are kept as they are, so a configuration may allow more. The
// composition root may call it before opening the engine, to apply the
// user's parallelism.
func LoadSettings(p fyne.Preferences, defaults Settings) Settings {
	defaults.ParallelFiles = max(defaults.ParallelFiles, 0)
	defaults.ParallelParts = max(defaults.ParallelParts, 0)
	return Settings{
		ParallelFiles: savedInt(p, prefParallelFiles, defaults.ParallelFiles),
		ParallelParts: savedInt(p, prefParallelParts, defaults.ParallelParts),
		Notifications: p.BoolWithFallback(prefNotifications, defaults.Notifications),
		MaxRate:       p.StringWithFallback(prefMaxRate, defaults.MaxRate),
		RateSchedule:  p.StringWithFallback(prefRateSchedule, defaults.RateSchedule),
		KeepAwake:     p.BoolWithFallback(prefKeepAwake, defaults.KeepAwake),
	}
}

// savedInt returns the parallelism saved under key, clamped (0:
// automatic), or def when none was saved.
func savedInt(p fyne.Preferences, key string, def int) int {
	v := p.IntWithFallback(key, 0)
	switch {
	case v == savedAutomatic:
		return 0
	case v <= 0:
		return def
	}
	return min(max(v, MinParallel), MaxParallel)
}

// saveInt stores a parallelism (0: automatic).
func saveInt(p fyne.Preferences, key string, v int) {
	if v == 0 {
		v = savedAutomatic
	}
	p.SetInt(key, v)
}

// Save stores s in p.
func (s Settings) Save(p fyne.Preferences) {
	s = s.normalized()
	saveInt(p, prefParallelFiles, s.ParallelFiles)
	saveInt(p, prefParallelParts, s.ParallelParts)
	p.SetBool(prefNotifications, s.Notifications)
	p.SetString(prefMaxRate, s.MaxRate)
	p.SetString(prefRateSchedule, s.RateSchedule)
	p.SetBool(prefKeepAwake, s.KeepAwake)
}

// normalized clamps the parallelism to MinParallel..MaxParallel (0 stays
// automatic), as the dialog offers.
func (s Settings) normalized() Settings {
	clamp := func(n int) int {
		if n <= 0 {
			return 0
		}
		return min(max(n, MinParallel), MaxParallel)
	}
	s.ParallelFiles, s.ParallelParts = clamp(s.ParallelFiles), clamp(s.ParallelParts)
	s.MaxRate, s.RateSchedule = strings.TrimSpace(s.MaxRate), strings.TrimSpace(s.RateSchedule)
	return s
}

// parallelText is how the dialog shows a parallelism.
func parallelText(n int) string {
	if n <= 0 {
		return lang.L(automatic) // i18n:dynamic: TestConstantKeysAreTranslated
	}
	return strconv.Itoa(n)
}

// parallelValue reads a parallelism the dialog shows.
func parallelValue(s string) int {
	n, _ := strconv.Atoi(s) // "Automatic" (in any language) reads as 0
	return n
}

// settingsForm is the content of the Settings dialog.
type settingsForm struct {
	files, parts *widget.Select
	notify       *widget.Check
	when         *widget.Label
	rate, sched  *widget.Entry
	awake        *widget.Check

	filesLocked, partsLocked, notifyLocked bool
}

// newSettingsForm shows s; live says new parallelism applies without a
// restart.
func newSettingsForm(s Settings, live bool) *settingsForm {
	options := []string{parallelText(0)}
	for n := MinParallel; n <= MaxParallel; n++ {
		options = append(options, strconv.Itoa(n))
	}
	s = s.normalized()
	f := &settingsForm{
		files:  widget.NewSelect(options, nil),
		parts:  widget.NewSelect(options, nil),
		notify: widget.NewCheck(lang.L("Tell me when uploads finish or fail"), nil),
		when:   widget.NewLabel(lang.L("New numbers apply after you restart Hoist.")),
		rate:   widget.NewEntry(),
		sched:  widget.NewEntry(),
		awake:  widget.NewCheck(lang.L("Keep this computer awake while sending"), nil),
	}
	f.rate.SetPlaceHolder(lang.L("No limit (e.g. 20Mbit or 2.5MB/s)"))
	f.rate.Validator = func(v string) error {
		if _, err := uploader.ParseRate(rateSaved(v)); err != nil {
			return errors.New(lang.L("Write a speed such as 20Mbit or 2.5MB/s, or leave it empty."))
		}
		return nil
	}
	f.sched.SetPlaceHolder(lang.L("Always (e.g. Mon-Fri 09:00-17:00)"))
	f.sched.Validator = func(v string) error {
		if _, err := uploader.ParseSchedule(scheduleSaved(v)); err != nil {
			return errors.New(lang.L("Write days and times such as Mon-Fri 09:00-17:00, or leave it empty."))
		}
		return nil
	}
	f.rate.SetText(rateShown(s.MaxRate))
	f.sched.SetText(scheduleShown(s.RateSchedule))
	f.awake.SetChecked(s.KeepAwake)
	if live {
		f.when.SetText(lang.L("New numbers apply to uploads that start from now on."))
	}
	f.files.SetSelected(parallelText(s.ParallelFiles))
	f.parts.SetSelected(parallelText(s.ParallelParts))
	f.notify.SetChecked(s.Notifications)
	return f
}

// lockedHint is what a setting fixed by a managed policy says (in English:
// it is a key of the translations).
const lockedHint = "Set by your organisation."

// lock disables the settings p fixes (their values are already p's).
func (f *settingsForm) lock(p Policy) {
	f.filesLocked, f.partsLocked, f.notifyLocked = p.ParallelFiles > 0, p.ParallelParts > 0, p.Notifications != nil
	for _, l := range []struct {
		on bool
		w  fyne.Disableable
	}{{f.filesLocked, f.files}, {f.partsLocked, f.parts}, {f.notifyLocked, f.notify}} {
		if l.on {
			l.w.Disable()
		}
	}
}

// items returns the form rows.
func (f *settingsForm) items() []*widget.FormItem {
	h := func(locked bool, text string) string {
		if locked {
			return lang.L(lockedHint) // i18n:dynamic: TestConstantKeysAreTranslated
		}
		return text
	}
	return []*widget.FormItem{
		{Text: lang.L("Files at once"), Widget: f.files,
			HintText: h(f.filesLocked, lang.L("At most this many files upload at the same time. Automatic: as many as make it faster."))},
		{Text: lang.L("Pieces per file"), Widget: f.parts,
			HintText: h(f.partsLocked, lang.L("At most this many pieces of one large file upload at the same time."))},
		{Text: lang.L("Notifications"), Widget: f.notify, HintText: h(f.notifyLocked, "")},
		{Text: lang.L("Limit upload speed"), Widget: f.rate,
			HintText: lang.L("All uploads together, so a video call keeps working: Mbit is megabits a second, MB/s megabytes.")},
		{Text: lang.L("Only at"), Widget: f.sched, HintText: lang.L("When the limit applies; empty: always.")},
		{Text: lang.L("Sleep"), Widget: f.awake, HintText: lang.L("The screen may still turn off.")},
		{Widget: f.when},
	}
}

// value reads the form.
func (f *settingsForm) value() Settings {
	rate, sched := rateSaved(f.rate.Text), scheduleSaved(f.sched.Text)
	if f.rate.Validate() != nil {
		rate = "" // the dialog does not save while it is wrong
	}
	if f.sched.Validate() != nil {
		sched = ""
	}
	return Settings{
		ParallelFiles: parallelValue(f.files.Selected), ParallelParts: parallelValue(f.parts.Selected),
		Notifications: f.notify.Checked, MaxRate: rate, RateSchedule: sched, KeepAwake: f.awake.Checked,
	}.normalized()
}

// showSettings opens the Settings dialog; Save persists and applies.
func (w *MainWindow) showSettings() {
	form := newSettingsForm(w.settings, w.d.LiveSettings)
	form.lock(w.d.Policy)
	var d dialog.Dialog
	org := &widget.FormItem{Text: lang.L("Organisation"), Widget: w.organisationRow(func() {
		d.Hide()
		w.ConnectTo("")
	})}
	d = dialog.NewForm(lang.L("Settings"), lang.L("Save"), lang.L("Cancel"), append([]*widget.FormItem{org}, form.items()...), func(ok bool) {
		if ok {
			w.applySettings(form.value())
		}
	}, w.win)
	d.Resize(fyne.NewSize(480, 0))
	closeOnEscape(w.win, d)
	w.settingsForm = form
	d.Show()
}

// applySettings saves s and tells the composition root. Locked settings
// keep the customer's own saved choice (it counts again if the policy goes)
// and take the policy's value.
func (w *MainWindow) applySettings(s Settings) {
	own := LoadSettings(w.d.App.Preferences(), w.d.Defaults)
	p := w.d.Policy
	if p.ParallelFiles > 0 {
		s.ParallelFiles = own.ParallelFiles
	}
	if p.ParallelParts > 0 {
		s.ParallelParts = own.ParallelParts
	}
	if p.Notifications != nil {
		s.Notifications = own.Notifications
	}
	s.Save(w.d.App.Preferences())
	s = p.Apply(s)
	w.settings = s
	if w.d.OnSettings != nil {
		w.d.OnSettings(s)
	}
}
