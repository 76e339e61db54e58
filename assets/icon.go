package assets

import _ "embed"

// IconPNG is Hoist's application icon, a 512×512 PNG drawn by
// `go run ./ui/internal/icongen -o assets/icon.png`. Treat the slice as
// read-only.
//
//go:embed icon.png
var IconPNG []byte
