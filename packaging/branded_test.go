//go:build linux

package packaging

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// acmeLogo is a 64×64 PNG in one colour, unlike Hoist's icon.
func acmeLogo(t *testing.T, path string) {
	t.Helper()
	img := newSolid(64, 64)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyRepo copies the source tree (not .git, caches, build output) to a
// temporary folder, so that a packaging run there cannot disturb builds of
// the checkout (fyne package writes into the source folder while it works).
func copyRepo(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "src")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	tarIn := exec.Command("tar", "-C", repoRoot, "--exclude=./.git", "--exclude=./.cache", "--exclude=./dist",
		"--exclude=./artifacts", "--exclude=./bin", "--exclude=./.devstack", "--exclude=node_modules", "--exclude=./assets/branding", "-cf", "-", ".")
	tarOut := exec.Command("tar", "-C", dst, "-xf", "-")
	pipe, err := tarIn.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	tarOut.Stdin = pipe
	if err := tarOut.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tarIn.Run(); err != nil {
		t.Fatal(err)
	}
	if err := tarOut.Wait(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// make package ORG=org.toml: packages named after the organisation, with
// its name and logo, whose binary starts with the organisation built in.
func TestBrandedPackage(t *testing.T) {
	src := copyRepo(t)
	orgDir := t.TempDir()
	acmeLogo(t, filepath.Join(orgDir, "acme.png"))
	org := filepath.Join(orgDir, "org.toml")
	if err := os.WriteFile(org, []byte(`[organisation]
name = "Acme Research"
logo = "acme.png"

[s3]
endpoint = "https://s3.acme.example"
region = "eu-west-1"
bucket = "acme-uploads"

[signin]
issuer = "https://login.acme.example"
client_id = "hoist-desktop"
role_arn = "arn:aws:iam::111122223333:role/hoist-customer-upload"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	const commit = "0123456789ab"
	start := time.Now()
	out := runCmd(t, 20*time.Minute, []string{"VERSION=" + version, "COMMIT=" + commit, "DIST=" + dist, "ORG=" + org,
		"FYNE=" + filepath.Join(repoRoot, ".cache", "bin", "fyne")}, filepath.Join(src, "packaging", "package.sh"))
	t.Logf("branded packages built in %.0f s", time.Since(start).Seconds())
	if !strings.Contains(out, "package: Hoist for Acme Research "+version) {
		t.Errorf("package.sh said:\n%s", out)
	}
	saved := distDir
	distDir = dist
	defer func() { distDir = saved }()
	deb := artefact(t, "hoist-acme-research_"+version+"_amd64.deb")
	artefact(t, "hoist-acme-research-"+version+"-linux-amd64.tar.xz")
	exe := artefact(t, "hoist-acme-research-"+version+"-windows-amd64.exe")
	setup := artefact(t, "hoist-acme-research-"+version+"-windows-amd64-setup.exe")

	if info := runCmd(t, time.Minute, nil, "dpkg-deb", "-f", deb, "Package", "Description"); !strings.Contains(info, "Package: hoist\n") || !strings.Contains(info, "Hoist for Acme Research") {
		t.Errorf("branded control:\n%s", info)
	}
	prefix := unpackDeb(t, deb)
	share := filepath.Join(prefix, "usr", "share")
	if e := desktopEntry(t, filepath.Join(share, "applications", appID+".desktop")); e["Name"] != "Hoist for Acme Research" {
		t.Errorf("branded desktop entry Name=%q", e["Name"])
	}
	// The icon is the organisation's logo (one colour), not Hoist's.
	f, err := os.Open(filepath.Join(share, "icons", "hicolor", "128x128", "apps", appID+".png"))
	if err != nil {
		t.Fatal(err)
	}
	icon, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if n := colours(icon, icon.Bounds()); n != 1 {
		t.Errorf("branded icon has %d colours: not the organisation's one-colour logo", n)
	}
	// The installed binary runs with the organisation built in: no
	// connecting, it logs the built-in settings as its source.
	home := t.TempDir()
	bin := filepath.Join(prefix, "usr", "bin", "hoist")
	if got := runCmd(t, time.Minute, nil, bin, "--version"); got != "hoist "+version+" (commit "+commit+")\n" {
		t.Errorf("branded --version: %q", got)
	}
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"HOIST_CONFIG=", "HOIST_DATA_DIR=", "HOIST_POLICY=none", "DBUS_SESSION_BUS_ADDRESS="}
	histOut, _ := tryCmd(time.Minute, env, bin, "history")
	logged, _ := os.ReadFile(filepath.Join(home, "data", "hoist", "hoist.log"))
	if !strings.Contains(string(logged), "(built into this Hoist)") || strings.Contains(histOut, "hoist join") {
		t.Errorf("the branded hoist did not start from its built-in organisation:\n%s\nhoist.log:\n%s", histOut, logged)
	}
	for _, p := range []string{exe, setup} {
		raw, _ := os.ReadFile(p)
		if !bytes.Contains(raw, utf16("Hoist for Acme Research")) {
			t.Errorf("%s carries no version resource naming Hoist for Acme Research", filepath.Base(p))
		}
	}
}
