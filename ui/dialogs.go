package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// Dialogs are built from keyButtons, so Enter presses the focused button,
// and each closes on Escape (closeOnEscape). Fyne's own dialog buttons
// answer Space only.

// closeOnEscape makes Escape dismiss d while it is open: the window's key
// handler (which gets keys when no widget has the focus, and from focused
// keyButtons) dismisses it, then goes back to the handler it had.
func closeOnEscape(win fyne.Window, d dialog.Dialog) {
	c := win.Canvas()
	prev := c.OnTypedKey()
	closed := false
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape && !closed {
			d.Dismiss()
			return
		}
		if prev != nil {
			prev(ev)
		}
	})
	d.SetOnClosed(func() {
		if !closed {
			closed = true
			c.SetOnTypedKey(prev)
		}
	})
}

// newDialog is a dialog with one button (dismiss) that closes it, which
// Enter presses when focused, and that Escape closes.
func newDialog(title, dismiss string, content fyne.CanvasObject, win fyne.Window) *dialog.CustomDialog {
	d := dialog.NewCustomWithoutButtons(title, content, win)
	d.SetButtons([]fyne.CanvasObject{newButton(dismiss, nil, d.Hide)})
	closeOnEscape(win, d)
	return d
}

// confirm asks a question with two keyboard-friendly buttons; answer gets
// true for yes. Escape answers no.
func confirm(win fyne.Window, title, yes, no string, body fyne.CanvasObject, answer func(bool)) *dialog.CustomDialog {
	d := dialog.NewCustomWithoutButtons(title, body, win)
	answered := false
	reply := func(ok bool) func() {
		return func() {
			answered = true
			d.Hide()
			answer(ok)
		}
	}
	noBtn := newButton(no, nil, reply(false))
	yesBtn := newButton(yes, nil, reply(true))
	yesBtn.Importance = widget.HighImportance
	d.SetButtons([]fyne.CanvasObject{noBtn, yesBtn})
	d.SetOnClosed(func() {
		if !answered { // Escape
			answered = true
			answer(false)
		}
	})
	closeOnEscape(win, d)
	return d
}

// showProblem shows a plain message with an OK button.
func showProblem(win fyne.Window, title, message string) {
	newDialog(title, lang.L("OK"), container.New(&fixedWidth{width: 440}, wrapped(message)), win).Show()
}
