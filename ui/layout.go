package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
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

// topSlot lays its objects at the top, width wide and height high (one
// line of text: a progress bar beside a status that wraps onto a second
// line stays the height of one).
type topSlot struct{ width, height float32 }

func (l *topSlot) MinSize(objects []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(l.width, l.height)
	for _, o := range objects {
		if o.Visible() {
			s = s.Max(fyne.NewSize(0, o.MinSize().Height))
		}
	}
	return s
}

func (l *topSlot) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(fyne.NewSize(size.Width, min(size.Height, max(l.height, o.MinSize().Height))))
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

// Layout gives each object its slot; an object wider than its slot takes
// the next slot too when that one's object is hidden ("Upload again" on a
// cancelled row, which has no Cancel).
func (l *slots) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for i, o := range objects {
		ms := o.MinSize()
		w := l.width
		if ms.Width > w && i+1 < len(objects) && !objects[i+1].Visible() {
			w = 2*l.width + theme.Padding()
		}
		o.Move(fyne.NewPos(x, (size.Height-ms.Height)/2))
		o.Resize(fyne.NewSize(w, ms.Height))
		x += l.width + theme.Padding()
	}
}

// border is container.NewBorder with its objects in reading order (top,
// left, centre, right, bottom), so that Tab moves through them as a reader
// would: Fyne's focus order is the order of a container's objects, and
// container.NewBorder puts the centre first.
func border(top, bottom, left, right fyne.CanvasObject, center ...fyne.CanvasObject) *fyne.Container {
	var objs []fyne.CanvasObject
	for _, o := range []fyne.CanvasObject{top, left} {
		if o != nil {
			objs = append(objs, o)
		}
	}
	objs = append(objs, center...)
	for _, o := range []fyne.CanvasObject{right, bottom} {
		if o != nil {
			objs = append(objs, o)
		}
	}
	return container.New(layout.NewBorderLayout(top, bottom, left, right), objs...)
}

// minWindowSize is the smallest the window can be made: everything fits
// and no important word is cut off down to this size.
var minWindowSize = fyne.NewSize(800, 540)

// minWindow is an invisible object that keeps the window from shrinking
// below minWindowSize.
func minWindow() fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(minWindowSize)
	return r
}
