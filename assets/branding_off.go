//go:build !hoist_branded

package assets

// Branding is nil: this is Hoist for any organisation. A branded build
// (`make build ORG=path/to/org.toml`, build tag hoist_branded) embeds one.
var Branding *BrandingFiles
