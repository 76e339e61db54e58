// Command brand prepares a branded build of Hoist: it checks an
// organisation's org.toml as Hoist would (a config file's tables, or
// [organisation] descriptor_url; an optional organisation.logo PNG) and
// writes what the build embeds into a folder (assets/branding), for
// `go build -tags hoist_branded`. `make build ORG=path/to/org.toml` runs
// both; packaging reuses the same two steps.
//
// Usage: go run ./internal/cmd/brand -out assets/branding path/to/org.toml
//
// With -label, the only output is one line naming the organisation (its
// name, else the descriptor's host): `make package ORG=…` names the
// branded packages after it.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"hoist/app/config"
	"hoist/assets"
)

func main() {
	out := flag.String("out", "assets/branding", "`folder` to write the embedded files into (replaced)")
	label := flag.Bool("label", false, "print only the organisation's name (else the descriptor's host)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: brand -out DIR path/to/org.toml")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *out, *label); err != nil {
		fmt.Fprintf(os.Stderr, "brand: %v\n", err)
		os.Exit(1)
	}
}

func run(orgFile, out string, label bool) error {
	p, err := config.LoadBrandingFile(orgFile)
	if err != nil {
		return err
	}
	data, err := config.EncodeBranding(p)
	if err != nil {
		return err
	}
	if _, err := config.ParseBranding(data); err != nil {
		return fmt.Errorf("check the encoded settings: %w", err)
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, assets.BrandingConfigName), data, 0o644); err != nil {
		return err
	}
	if p.Logo != "" {
		logo, err := os.ReadFile(p.Logo)
		if err != nil {
			return fmt.Errorf("read logo: %w", err)
		}
		if err := os.WriteFile(filepath.Join(out, assets.BrandingLogoName), logo, 0o644); err != nil {
			return err
		}
	}
	name := p.DescriptorURL
	if u, err := url.Parse(p.DescriptorURL); err == nil && u.Hostname() != "" {
		name = u.Hostname()
	}
	if p.Config != nil {
		name = p.Config.Organisation.Name
	}
	if label {
		fmt.Println(name)
		return nil
	}
	fmt.Printf("branding for %s written to %s (logo: %v)\n", name, out, p.Logo != "")
	return nil
}
