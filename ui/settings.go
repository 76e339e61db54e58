package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Preference keys: the only place they are spelled.
const (
	prefParallelFiles = "upload.parallel_files"
	prefParallelParts = "upload.parallel_parts"
	prefNotifications = "notifications"
)

// Limits of the parallelism settings offered in the Settings dialog.
const (
	MinParallel = 1
	MaxParallel = 16
)

// Settings are the user's choices from the Settings dialog.
type Settings struct {
	// ParallelFiles is how many files upload at once (MinParallel..MaxParallel).
	ParallelFiles int
	// ParallelParts is how many parts of one file upload at once
	// (MinParallel..MaxParallel).
	ParallelParts int
	// Notifications turns desktop notifications on.
	Notifications bool
}

// DefaultSettings are used when neither the configuration nor the user
// chose: 4 files, 4 parts, notifications on.
func DefaultSettings() Settings {
	return Settings{ParallelFiles: 4, ParallelParts: 4, Notifications: true}
}

// LoadSettings returns the settings saved in p, taking each one the user
// never saved from defaults (unset fields of defaults from
// DefaultSettings). Saved values are clamped to MinParallel..MaxParallel;
// defaults are kept as they are, so a configuration may allow more. The
// composition root may call it before opening the engine, to apply the
// user's parallelism.
func LoadSettings(p fyne.Preferences, defaults Settings) Settings {
	d := DefaultSettings()
	if defaults.ParallelFiles <= 0 {
		defaults.ParallelFiles = d.ParallelFiles
	}
	if defaults.ParallelParts <= 0 {
		defaults.ParallelParts = d.ParallelParts
	}
	return Settings{
		ParallelFiles: savedInt(p, prefParallelFiles, defaults.ParallelFiles),
		ParallelParts: savedInt(p, prefParallelParts, defaults.ParallelParts),
		Notifications: p.BoolWithFallback(prefNotifications, defaults.Notifications),
	}
}

// savedInt returns the parallelism saved under key, clamped, or def when
// none was saved.
func savedInt(p fyne.Preferences, key string, def int) int {
	v := p.IntWithFallback(key, 0)
	if v <= 0 {
		return def
	}
	return min(max(v, MinParallel), MaxParallel)
}

// Save stores s in p.
func (s Settings) Save(p fyne.Preferences) {
	s = s.normalized()
	p.SetInt(prefParallelFiles, s.ParallelFiles)
	p.SetInt(prefParallelParts, s.ParallelParts)
	p.SetBool(prefNotifications, s.Notifications)
}

// normalized clamps the parallelism to MinParallel..MaxParallel, as the
// dialog offers.
func (s Settings) normalized() Settings {
	s.ParallelFiles = min(max(s.ParallelFiles, MinParallel), MaxParallel)
	s.ParallelParts = min(max(s.ParallelParts, MinParallel), MaxParallel)
	return s
}

// settingsForm is the content of the Settings dialog.
type settingsForm struct {
	files, parts *widget.Select
	notify       *widget.Check
	when         *widget.Label

	filesLocked, partsLocked, notifyLocked bool
}

// newSettingsForm shows s; live says new parallelism applies without a
// restart.
func newSettingsForm(s Settings, live bool) *settingsForm {
	var options []string
	for n := MinParallel; n <= MaxParallel; n++ {
		options = append(options, strconv.Itoa(n))
	}
	s = s.normalized()
	f := &settingsForm{
		files:  widget.NewSelect(options, nil),
		parts:  widget.NewSelect(options, nil),
		notify: widget.NewCheck("Tell me when uploads finish or fail", nil),
		when:   widget.NewLabel("New numbers apply after you restart Hoist."),
	}
	if live {
		f.when.SetText("New numbers apply to uploads that start from now on.")
	}
	f.files.SetSelected(strconv.Itoa(s.ParallelFiles))
	f.parts.SetSelected(strconv.Itoa(s.ParallelParts))
	f.notify.SetChecked(s.Notifications)
	return f
}

// lockedHint is what a setting fixed by a managed policy says.
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
			return lockedHint
		}
		return text
	}
	return []*widget.FormItem{
		{Text: "Files at once", Widget: f.files, HintText: h(f.filesLocked, "How many files upload at the same time.")},
		{Text: "Pieces per file", Widget: f.parts, HintText: h(f.partsLocked, "How many pieces of one large file upload at the same time.")},
		{Text: "Notifications", Widget: f.notify, HintText: h(f.notifyLocked, "")},
		{Widget: f.when},
	}
}

// value reads the form.
func (f *settingsForm) value() Settings {
	files, _ := strconv.Atoi(f.files.Selected)
	parts, _ := strconv.Atoi(f.parts.Selected)
	return Settings{ParallelFiles: files, ParallelParts: parts, Notifications: f.notify.Checked}.normalized()
}

// showSettings opens the Settings dialog; Save persists and applies.
func (w *MainWindow) showSettings() {
	form := newSettingsForm(w.settings, w.d.LiveSettings)
	form.lock(w.d.Policy)
	var d dialog.Dialog
	org := &widget.FormItem{Text: "Organisation", Widget: w.organisationRow(func() {
		d.Hide()
		w.ConnectTo("")
	})}
	d = dialog.NewForm("Settings", "Save", "Cancel", append([]*widget.FormItem{org}, form.items()...), func(ok bool) {
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
