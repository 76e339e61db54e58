package assets

// Names of the files in assets/branding/ that a branded build embeds.
const (
	BrandingConfigName = "org.toml"
	BrandingLogoName   = "logo.png"
)

// BrandingFiles are the organisation built into a branded Hoist: its
// settings (written by the brand tool from the organisation's org.toml)
// and its logo (PNG; nil when it has none).
type BrandingFiles struct {
	Config []byte
	Logo   []byte
}
