package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// keyButton is a button that works from the keyboard as people expect:
// Space and Enter press it, Escape goes to the window (which closes the
// top dialog), and focus shows as a ring in the foreground colour just
// outside the button, visible on primary and danger buttons too (Fyne only
// tints the button, which does not show on a coloured one).
type keyButton struct {
	widget.Button
	focused bool
}

// newButton makes a keyboard-friendly button; icon may be nil.
func newButton(label string, icon fyne.Resource, tapped func()) *keyButton {
	b := &keyButton{}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey is part of fyne.Focusable.
func (b *keyButton) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if !b.Disabled() {
			b.Tapped(&fyne.PointEvent{})
		}
	case fyne.KeyEscape:
		if c := fyne.CurrentApp().Driver().CanvasForObject(b); c != nil && c.OnTypedKey() != nil {
			c.OnTypedKey()(ev)
		}
	default:
		b.Button.TypedKey(ev)
	}
}

// FocusGained is part of fyne.Focusable.
func (b *keyButton) FocusGained() {
	b.focused = true
	b.Button.FocusGained()
}

// FocusLost is part of fyne.Focusable.
func (b *keyButton) FocusLost() {
	b.focused = false
	b.Button.FocusLost()
}

// HasFocus reports whether the button has the keyboard focus.
func (b *keyButton) HasFocus() bool { return b.focused }

// CreateRenderer is part of fyne.Widget: Fyne's button with the ring.
func (b *keyButton) CreateRenderer() fyne.WidgetRenderer {
	ring := canvas.NewRectangle(nil)
	ring.StrokeWidth = 2
	ring.CornerRadius = theme.InputRadiusSize() + 2
	ring.Hide()
	return &keyButtonRenderer{WidgetRenderer: b.Button.CreateRenderer(), b: b, ring: ring}
}

type keyButtonRenderer struct {
	fyne.WidgetRenderer
	b    *keyButton
	ring *canvas.Rectangle
}

// ringGap is how far outside the button the ring is drawn.
const ringGap = 3

func (r *keyButtonRenderer) Layout(size fyne.Size) {
	r.WidgetRenderer.Layout(size)
	r.ring.Move(fyne.NewPos(-ringGap, -ringGap))
	r.ring.Resize(size.Add(fyne.NewSquareSize(2 * ringGap)))
}

func (r *keyButtonRenderer) Objects() []fyne.CanvasObject {
	return append(r.WidgetRenderer.Objects(), r.ring)
}

func (r *keyButtonRenderer) Refresh() {
	r.WidgetRenderer.Refresh()
	r.ring.StrokeColor = theme.Color(theme.ColorNameForeground)
	showIf(r.ring, r.b.focused && !r.b.Disabled())
	r.ring.Refresh()
}

// copiedFor is how long a Copy button says "Copied".
const copiedFor = 2 * time.Second

// showCopied makes a Copy button say "Copied" for a moment, so the
// customer knows the click did something (UI goroutine). later runs the
// change back on the UI goroutine after a while (see MainWindow.later).
func showCopied(b *keyButton, later func(time.Duration, func())) {
	text, icon := b.Text, b.Icon
	copied := lang.L("Copied")
	if text == copied {
		return
	}
	b.SetText(copied)
	b.SetIcon(theme.ConfirmIcon())
	later(copiedFor, func() {
		b.SetText(text)
		b.SetIcon(icon)
	})
}

// afterOnUI runs f on the UI goroutine after d.
func afterOnUI(d time.Duration, f func()) {
	time.AfterFunc(d, func() { fyne.Do(f) })
}
