package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// StartupFix is a way out that the start-up error window offers, such as
// "Move the damaged journal aside and start fresh".
type StartupFix struct {
	// Button is the action's label; Explain says, before the person
	// chooses it, what it does and what is lost.
	Button, Explain string
	// Run does it. The window calls it off the UI goroutine; an error is
	// shown in the window (in plain words: its text is shown as is).
	Run func() error
	// Then runs on the UI goroutine after Run succeeded, before the error
	// window closes: it opens the main window, so the app keeps running.
	Then func()
}

// NewStartupErrorWindow returns a small window that says Hoist could not
// start (for example a broken configuration or a journal in use), with the
// error text selectable and a Copy button, and what to do next. Quit closes
// it. Show it, then run the app.
func NewStartupErrorWindow(a fyne.App, version string, err error) fyne.Window {
	return NewStartupErrorWindowWithFix(a, version, err, nil)
}

// NewStartupErrorWindowWithFix is NewStartupErrorWindow with a button that
// runs fix (nil: none).
func NewStartupErrorWindowWithFix(a fyne.App, version string, err error, fix *StartupFix) fyne.Window {
	return newStartupErrorWindow(a, version, err, fix, func(f func()) { go f() })
}

// newStartupErrorWindow runs fix.Run through spawn (tests run it at once).
func newStartupErrorWindow(a fyne.App, version string, err error, fix *StartupFix, spawn func(func())) fyne.Window {
	loadTexts()
	title := "Hoist"
	if version != "" {
		title += " " + version
	}
	win := a.NewWindow(WindowTitle) // the version is in the copied message
	msg := widget.NewLabel(err.Error())
	msg.Selectable = true
	msg.Wrapping = fyne.TextWrapWord
	var copyBtn *keyButton
	copyBtn = newButton(lang.L("Copy message"), theme.ContentCopyIcon(), func() {
		a.Clipboard().SetContent(couldNotStart(title, err))
		showCopied(copyBtn, afterOnUI)
	})
	quit := newButton(lang.L("Quit"), nil, win.Close)
	quit.Importance = widget.HighImportance
	next := wrapped(startupAdvice(err))
	buttons := container.NewHBox(layout.NewSpacer(), copyBtn, quit)
	body := container.NewVBox(heading(lang.L("Hoist couldn't start")), msg)
	if fix != nil {
		quit.Importance = widget.MediumImportance
		failed := wrapped("")
		failed.Hide()
		var fixBtn *keyButton
		fixBtn = newButton(fix.Button, theme.ViewRefreshIcon(), func() {
			fixBtn.Disable()
			spawn(func() {
				err := fix.Run()
				fyne.Do(func() {
					if err != nil {
						failed.SetText(lang.L("That didn't work: {{.Error}}", map[string]any{"Error": err.Error()}))
						failed.Show()
						fixBtn.Enable()
						return
					}
					if fix.Then != nil {
						fix.Then()
					}
					win.Close()
				})
			})
		})
		fixBtn.Importance = widget.HighImportance
		next = wrapped(fix.Explain)
		body.Add(next)
		body.Add(failed)
		body.Add(container.NewHBox(layout.NewSpacer(), fixBtn))
	} else {
		body.Add(next)
	}
	body.Add(buttons)
	win.SetContent(container.NewPadded(container.New(&fixedWidth{width: 520}, body)))
	return win
}

// couldNotStart is the copied start-up problem: "Hoist 1.2 could not
// start: …".
func couldNotStart(title string, err error) string {
	return lang.L("{{.Title}} could not start: {{.Error}}", map[string]any{"Title": title, "Error": err.Error()})
}
