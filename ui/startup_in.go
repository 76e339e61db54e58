package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ShowStartupProblem replaces win's content with why Hoist could not
// start after the customer connected (for example the saved organisation
// could not be opened), selectable, with Copy and Quit. Call it on the UI
// goroutine.
func ShowStartupProblem(a fyne.App, win fyne.Window, version string, err error) {
	loadTexts()
	msg := widget.NewLabel(err.Error())
	msg.Selectable = true
	msg.Wrapping = fyne.TextWrapWord
	var copyBtn *keyButton
	copyBtn = newButton(lang.L("Copy message"), theme.ContentCopyIcon(), func() {
		a.Clipboard().SetContent(couldNotStart("Hoist "+version, err))
		showCopied(copyBtn, afterOnUI)
	})
	quit := newButton(lang.L("Quit"), nil, win.Close)
	quit.Importance = widget.HighImportance
	body := container.NewVBox(
		heading(lang.L("Hoist couldn't start")),
		msg,
		wrapped(lang.L("Copy this message and send it to your organisation's support.")),
		container.NewHBox(layout.NewSpacer(), copyBtn, quit),
	)
	win.SetContent(container.NewCenter(container.New(&fixedWidth{width: 520}, body)))
}

// startupAdvice is what to do about a start-up problem: the error's own
// Advice() when it has one (a broken setting: retrying cannot help), else
// to try again.
func startupAdvice(err error) string {
	var a interface{ Advice() string }
	if errors.As(err, &a) && a.Advice() != "" {
		return a.Advice()
	}
	return lang.L("Try opening Hoist again. If this keeps happening, copy this message and send it to your organisation's support.")
}

// ShowConnect shows the connect screen in win (first run).
func ShowConnect(win fyne.Window, s *ConnectScreen) {
	win.SetContent(s.Content())
	s.Focus()
}
