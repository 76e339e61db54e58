package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme is Hoist's look: Fyne's default theme with colours that read well.
// Every text colour meets WCAG AA (4.5:1) against the backgrounds it is
// drawn on, in the light and the dark variant (see contrast_test.go):
// Fyne's own green, orange and red are bright accents (its light "Done"
// green is 1.48:1 on white). The focus colour is strong enough to see on
// every button, primary ones included.
func Theme() fyne.Theme { return hoistTheme{} }

type hoistTheme struct{}

var _ fyne.Theme = hoistTheme{}

// The colours, per variant.
var (
	lightColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNamePrimary:             color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff}, // blue 800
		theme.ColorNameForegroundOnPrimary: color.White,
		theme.ColorNameSuccess:             color.NRGBA{R: 0x1b, G: 0x6e, B: 0x2b, A: 0xff},
		theme.ColorNameForegroundOnSuccess: color.White,
		theme.ColorNameWarning:             color.NRGBA{R: 0x8a, G: 0x4b, B: 0x00, A: 0xff},
		theme.ColorNameForegroundOnWarning: color.White,
		theme.ColorNameError:               color.NRGBA{R: 0xb7, G: 0x1c, B: 0x1c, A: 0xff},
		theme.ColorNameForegroundOnError:   color.White,
		theme.ColorNameFocus:               color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0x50},
		theme.ColorNameHyperlink:           color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff},
		theme.ColorNamePlaceHolder:         color.NRGBA{R: 0x5f, G: 0x5f, B: 0x66, A: 0xff},
	}
	darkColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNamePrimary:             color.NRGBA{R: 0x64, G: 0xb5, B: 0xf6, A: 0xff}, // blue 300
		theme.ColorNameForegroundOnPrimary: color.NRGBA{R: 0x0b, G: 0x1a, B: 0x2b, A: 0xff},
		theme.ColorNameSuccess:             color.NRGBA{R: 0x66, G: 0xd1, B: 0x7a, A: 0xff},
		theme.ColorNameForegroundOnSuccess: color.NRGBA{R: 0x0b, G: 0x1f, B: 0x10, A: 0xff},
		theme.ColorNameWarning:             color.NRGBA{R: 0xff, G: 0xb7, B: 0x4d, A: 0xff},
		theme.ColorNameForegroundOnWarning: color.NRGBA{R: 0x24, G: 0x17, B: 0x00, A: 0xff},
		theme.ColorNameError:               color.NRGBA{R: 0xff, G: 0x8a, B: 0x80, A: 0xff},
		theme.ColorNameForegroundOnError:   color.NRGBA{R: 0x2b, G: 0x0b, B: 0x0b, A: 0xff},
		theme.ColorNameFocus:               color.NRGBA{R: 0x64, G: 0xb5, B: 0xf6, A: 0x50},
		theme.ColorNameHyperlink:           color.NRGBA{R: 0x64, G: 0xb5, B: 0xf6, A: 0xff},
		theme.ColorNamePlaceHolder:         color.NRGBA{R: 0xa8, G: 0xa8, B: 0xae, A: 0xff},
	}
)

// Color is part of fyne.Theme.
func (hoistTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	colors := lightColors
	if v == theme.VariantDark {
		colors = darkColors
	}
	if c, ok := colors[n]; ok {
		return c
	}
	return theme.DefaultTheme().Color(n, v)
}

// Font is part of fyne.Theme.
func (hoistTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon is part of fyne.Theme.
func (hoistTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size is part of fyne.Theme.
func (hoistTheme) Size(n fyne.ThemeSizeName) float32 { return theme.DefaultTheme().Size(n) }
