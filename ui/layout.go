package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// fixedWidth lays its objects on top of each other, at least width wide,
// so wrapping labels inside a centred block get a sensible line length.
type fixedWidth struct{ width float32 }

func (l *fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(l.width, 0)
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		s = s.Max(fyne.NewSize(0, o.MinSize().Height))
	}
	return s
}

func (l *fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// slots lays objects in a row of equal-width slots, and keeps each slot's
// place when its object is hidden, so the buttons of list rows line up.
type slots struct{ width float32 }

func (l *slots) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	n := float32(len(objects))
	return fyne.NewSize(n*l.width+max(n-1, 0)*theme.Padding(), h)
}

func (l *slots) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for _, o := range objects {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(x, (size.Height-h)/2))
		o.Resize(fyne.NewSize(l.width, h))
		x += l.width + theme.Padding()
	}
}
