// Command icongen draws Hoist's application icon: a bold white arrow
// rising out of a tray, on a blue rounded square. The shapes are thick
// enough to read at 16 px. It writes a 512×512 PNG:
//
//	go run ./ui/internal/icongen -o assets/icon.png
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

const (
	size = 512 // output width and height in pixels
	ss   = 4   // supersamples per pixel along each axis (anti-aliasing)
)

var (
	topBlue    = color.NRGBA{0x3B, 0x82, 0xF6, 0xFF}
	bottomBlue = color.NRGBA{0x1E, 0x40, 0xAF, 0xFF}
	arrowWhite = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	trayAmber  = color.NRGBA{0xFB, 0xBF, 0x24, 0xFF}
)

// shape reports whether the point (x, y), in 512-unit icon space, is inside.
type shape func(x, y float64) bool

// layer is a shape painted in a colour; later layers cover earlier ones.
type layer struct {
	in  shape
	col func(y float64) color.NRGBA
}

func main() {
	out := flag.String("o", "icon.png", "output PNG `file`")
	flag.Parse()
	if err := write(*out, draw()); err != nil {
		fmt.Fprintln(os.Stderr, "icongen:", err)
		os.Exit(1)
	}
}

func write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func layers() []layer {
	return []layer{
		{roundRect(16, 16, 496, 496, 104), gradient},
		{tray(), solid(trayAmber)},
		{arrow(), solid(arrowWhite)},
	}
}

// tray is a U: a thick bottom bar with two short posts, rounded.
func tray() shape {
	bar := roundRect(104, 366, 408, 424, 26)
	left := roundRect(104, 286, 162, 424, 26)
	right := roundRect(350, 286, 408, 424, 26)
	return union(bar, left, right)
}

// arrow is a broad head over a thick shaft, rising out of the tray.
func arrow() shape {
	head := triangle(256, 78, 118, 236, 394, 236)
	shaft := roundRect(208, 220, 304, 340, 14)
	return union(head, shaft)
}

func draw() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	ls := layers()
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			img.SetNRGBA(px, py, pixel(ls, px, py))
		}
	}
	return img
}

// pixel averages ss×ss samples of the layers (premultiplied, then
// converted back).
func pixel(ls []layer, px, py int) color.NRGBA {
	var r, g, b, a float64
	for sy := 0; sy < ss; sy++ {
		for sx := 0; sx < ss; sx++ {
			x := float64(px) + (float64(sx)+0.5)/ss
			y := float64(py) + (float64(sy)+0.5)/ss
			c, ok := sample(ls, x, y)
			if !ok {
				continue
			}
			r += float64(c.R)
			g += float64(c.G)
			b += float64(c.B)
			a++
		}
	}
	if a == 0 {
		return color.NRGBA{}
	}
	return color.NRGBA{
		R: uint8(math.Round(r / a)), G: uint8(math.Round(g / a)), B: uint8(math.Round(b / a)),
		A: uint8(math.Round(a / (ss * ss) * 255)),
	}
}

// sample returns the colour of the topmost layer covering (x, y).
func sample(ls []layer, x, y float64) (color.NRGBA, bool) {
	for i := len(ls) - 1; i >= 0; i-- {
		if ls[i].in(x, y) {
			return ls[i].col(y), true
		}
	}
	return color.NRGBA{}, false
}

func solid(c color.NRGBA) func(float64) color.NRGBA { return func(float64) color.NRGBA { return c } }

// gradient runs from topBlue to bottomBlue down the icon.
func gradient(y float64) color.NRGBA {
	t := min(max(y/size, 0), 1)
	mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + t*(float64(b)-float64(a)))) }
	return color.NRGBA{mix(topBlue.R, bottomBlue.R), mix(topBlue.G, bottomBlue.G), mix(topBlue.B, bottomBlue.B), 0xFF}
}

func union(shapes ...shape) shape {
	return func(x, y float64) bool {
		for _, s := range shapes {
			if s(x, y) {
				return true
			}
		}
		return false
	}
}

// roundRect is the rectangle (x0, y0)–(x1, y1) with corners of radius r.
func roundRect(x0, y0, x1, y1, r float64) shape {
	return func(x, y float64) bool {
		if x < x0 || x > x1 || y < y0 || y > y1 {
			return false
		}
		cx := min(max(x, x0+r), x1-r)
		cy := min(max(y, y0+r), y1-r)
		return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
	}
}

// triangle is the triangle with the given corners.
func triangle(ax, ay, bx, by, cx, cy float64) shape {
	side := func(x0, y0, x1, y1, x, y float64) float64 { return (x1-x0)*(y-y0) - (y1-y0)*(x-x0) }
	return func(x, y float64) bool {
		d1 := side(ax, ay, bx, by, x, y)
		d2 := side(bx, by, cx, cy, x, y)
		d3 := side(cx, cy, ax, ay, x, y)
		neg := d1 < 0 || d2 < 0 || d3 < 0
		pos := d1 > 0 || d2 > 0 || d3 > 0
		return !(neg && pos)
	}
}
