//go:build hoist_branded

package assets

import (
	"embed"
	"io/fs"
)

// branding is written by `go run ./internal/cmd/brand` (make build ORG=…).
//
//go:embed branding
var branding embed.FS

// Branding is the organisation built into this Hoist.
var Branding = func() *BrandingFiles {
	org, err := fs.ReadFile(branding, "branding/"+BrandingConfigName)
	if err != nil {
		panic("assets: branded build without " + BrandingConfigName + ": run `make build ORG=…`")
	}
	logo, _ := fs.ReadFile(branding, "branding/"+BrandingLogoName)
	return &BrandingFiles{Config: org, Logo: logo}
}()
