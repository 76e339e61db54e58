package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// NewStartupErrorWindow returns a small window that says Hoist could not
// start (for example a broken configuration or a journal in use), with the
// error text selectable and a Copy button, and what to do next. Quit closes
// it. Show it, then run the app.
func NewStartupErrorWindow(a fyne.App, version string, err error) fyne.Window {
	title := "Hoist"
	if version != "" {
		title += " " + version
	}
	win := a.NewWindow(title)
	msg := widget.NewLabel(err.Error())
	msg.Selectable = true
	msg.Wrapping = fyne.TextWrapWord
	copyBtn := widget.NewButtonWithIcon("Copy message", theme.ContentCopyIcon(), func() {
		a.Clipboard().SetContent(title + " could not start: " + err.Error())
	})
	quit := widget.NewButton("Quit", win.Close)
	quit.Importance = widget.HighImportance
	body := container.NewVBox(
		heading("Hoist couldn't start"),
		msg,
		wrapped(startupAdvice(err)),
		container.NewHBox(layout.NewSpacer(), copyBtn, quit),
	)
	win.SetContent(container.NewPadded(container.New(&fixedWidth{width: 520}, body)))
	return win
}
