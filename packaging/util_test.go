package packaging

import (
	"image"
	"regexp"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

func quoteMeta(s string) string { return regexp.QuoteMeta(s) }

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

// wmClass is the X11 window class of Hoist's windows (GLFW takes it from
// the first title, ui.WindowTitle) and the desktop entry's StartupWMClass.
const wmClass = "Hoist"

// newSolid is a w×h image in one colour.
func newSolid(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 0xd0, 0x40, 0x20, 0xff
	}
	return img
}
