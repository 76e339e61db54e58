//go:build linux

package packaging

import (
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hoist/devstack"
)

const appID = "org.hoist.Hoist"

// unpackDeb extracts the .deb into a fresh prefix (what dpkg -i would
// write under /) and returns the prefix.
func unpackDeb(t *testing.T, deb string) string {
	t.Helper()
	prefix := t.TempDir()
	runCmd(t, time.Minute, nil, "dpkg-deb", "-x", deb, prefix)
	return prefix
}

// The .deb as installed: its control data, files, icons, metadata that
// Debian's validators accept, the binary's stamped version.
func TestDebContents(t *testing.T) {
	deb := artefact(t, "hoist_"+version+"_amd64.deb")
	info := runCmd(t, time.Minute, nil, "dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends")
	for _, want := range []string{"Package: hoist\n", "Version: " + version + "\n", "Architecture: amd64\n", "libgl1", "libc6", "xdg-utils"} {
		if !strings.Contains(info, want) {
			t.Errorf("control lacks %q:\n%s", want, info)
		}
	}
	prefix := unpackDeb(t, deb)
	share := filepath.Join(prefix, "usr", "share")
	desktop := filepath.Join(share, "applications", appID+".desktop")
	runCmd(t, time.Minute, nil, "desktop-file-validate", desktop)
	e := desktopEntry(t, desktop)
	for k, want := range map[string]string{"Name": "Hoist", "Exec": "hoist %u", "Icon": appID, "MimeType": "x-scheme-handler/hoist;", "StartupWMClass": wmClass} {
		if e[k] != want {
			t.Errorf("desktop entry %s=%q, want %q", k, e[k], want)
		}
	}
	for _, size := range []int{16, 24, 32, 48, 64, 128, 256, 512} {
		p := filepath.Join(share, "icons", "hicolor", itoa(size)+"x"+itoa(size), "apps", appID+".png")
		f, err := os.Open(p)
		if err != nil {
			t.Errorf("icon %d: %v", size, err)
			continue
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != size || cfg.Height != size {
			t.Errorf("icon %s: %dx%d, %v", p, cfg.Width, cfg.Height, err)
		}
	}
	meta := filepath.Join(share, "metainfo", appID+".metainfo.xml")
	runCmd(t, time.Minute, nil, "appstreamcli", "validate", "--no-net", "--strict", meta)
	mb, _ := os.ReadFile(meta)
	for _, want := range []string{"<launchable type=\"desktop-id\">" + appID + ".desktop</launchable>", "<screenshot type=\"default\">", "<release version=\"" + version + "\""} {
		if !strings.Contains(string(mb), want) {
			t.Errorf("metainfo lacks %s", want)
		}
	}
	out := runCmd(t, time.Minute, nil, filepath.Join(prefix, "usr", "bin", "hoist"), "--version")
	if !regexpMatch(`^hoist `+quoteMeta(version)+` \(commit [0-9a-f]{7,}(-dirty)?\)\n$`, out) {
		t.Errorf("installed hoist --version: %q", out)
	}
}

// The tarball made by `fyne package`: its Makefile, the same binary and
// desktop entry.
func TestTarballContents(t *testing.T) {
	tarball := artefact(t, "hoist-"+version+"-linux-amd64.tar.xz")
	dir := t.TempDir()
	runCmd(t, time.Minute, nil, "tar", "-xJf", tarball, "-C", dir)
	var bin, desktop, makefile string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		switch {
		case err != nil:
		case strings.HasSuffix(p, "/bin/hoist"):
			bin = p
		case strings.HasSuffix(p, "/applications/"+appID+".desktop"):
			desktop = p
		case fi.Name() == "Makefile":
			makefile = p
		}
		return nil
	})
	if bin == "" || desktop == "" || makefile == "" {
		t.Fatalf("tarball lacks the binary, desktop entry or Makefile: %q %q %q", bin, desktop, makefile)
	}
	runCmd(t, time.Minute, nil, "desktop-file-validate", desktop)
	if e := desktopEntry(t, desktop); e["MimeType"] != "x-scheme-handler/hoist;" || e["Exec"] != "hoist %u" {
		t.Errorf("tarball desktop entry: %v", e)
	}
	// `make user-install` (the tarball's own Makefile) into a scratch HOME.
	home := t.TempDir()
	runCmd(t, time.Minute, []string{"HOME=" + home}, "make", "-C", filepath.Dir(makefile), "user-install")
	out := runCmd(t, time.Minute, nil, filepath.Join(home, ".local", "bin", "hoist"), "--version")
	if !strings.HasPrefix(out, "hoist "+version+" (commit ") {
		t.Errorf("user-installed hoist --version: %q", out)
	}
}

// The installed package on a desktop: the window opens under Xvfb from the
// installed binary; xdg-mime names Hoist's entry as the handler of hoist:
// links; and a hoist://join link opened with xdg-open reaches the running
// window (the second Hoist hands it over and exits 0; the window asks to
// confirm the organisation).
func TestDebInstalledWindowAndInvitationLink(t *testing.T) {
	prefix := unpackDeb(t, artefact(t, "hoist_"+version+"_amd64.deb"))
	share := filepath.Join(prefix, "usr", "share")
	// What dpkg's trigger does after installing a desktop entry.
	runCmd(t, time.Minute, nil, "update-desktop-database", filepath.Join(share, "applications"))

	home := t.TempDir()
	x := startXvfb(t)
	env := []string{x.env(), "HOME=" + home,
		"PATH=" + filepath.Join(prefix, "usr", "bin") + ":/usr/bin:/bin",
		"XDG_DATA_DIRS=" + share + ":/usr/share", "XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "XDG_CONFIG_DIRS=/etc/xdg",
		"XDG_RUNTIME_DIR=" + filepath.Join(home, "run"), "XDG_CURRENT_DESKTOP=", "DESKTOP_SESSION=", "BROWSER=",
		"HOIST_CONFIG=", "HOIST_DATA_DIR=", "HOIST_POLICY=none", "DBUS_SESSION_BUS_ADDRESS=", "LANG=en_US.UTF-8", "FYNE_THEME=light"}
	if err := os.MkdirAll(filepath.Join(home, "run"), 0o700); err != nil {
		t.Fatal(err)
	}

	if got := strings.TrimSpace(runCmd(t, time.Minute, env, "xdg-mime", "query", "default", "x-scheme-handler/hoist")); got != appID+".desktop" {
		t.Fatalf("xdg-mime query default x-scheme-handler/hoist = %q, want %s.desktop", got, appID)
	}

	// The window, from the installed binary, with no organisation yet.
	logPath := filepath.Join(t.TempDir(), "window.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	win := exec.Command(filepath.Join(prefix, "usr", "bin", "hoist"))
	win.Env = append(os.Environ(), env...)
	win.Stdout, win.Stderr = logFile, logFile
	if err := win.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { win.Wait(); logFile.Close(); close(exited) }()
	hoistLog := filepath.Join(home, ".local", "share", "hoist", "hoist.log")
	t.Cleanup(func() {
		win.Process.Kill()
		<-exited
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			hl, _ := os.ReadFile(hoistLog)
			t.Logf("window output:\n%s\nhoist.log:\n%s", out, hl)
		}
	})
	id := x.waitWindow("^Hoist", 2*time.Minute)
	cls := runCmd(t, 10*time.Second, []string{x.env()}, "xprop", "-id", id, "WM_CLASS")
	if !strings.Contains(cls, `"`+wmClass+`"`) {
		t.Errorf("window class %s: the desktop entry's StartupWMClass=%s does not match it", strings.TrimSpace(cls), wmClass)
	}
	geo := x.geometry(id)
	var shot = x.screenshot("deb-window.png")
	if !pollUntil(30*time.Second, func() bool {
		shot = x.screenshot("deb-window.png")
		return colours(shot, geo) > 20
	}) {
		t.Fatalf("the installed Hoist's window %v stays blank (see artifacts/packaging/deb-window.png)", geo)
	}

	// An invitation link through the desktop's own handler lookup.
	stack := devstack.StartSignInStackForTest(t, devstack.OIDCOptions{})
	link := "hoist://join?org=" + url.QueryEscape(stack.DescriptorURL)
	out, err := tryCmd(time.Minute, env, "xdg-open", link)
	if err != nil || !strings.Contains(out, "Confirm the organisation in Hoist's window") {
		t.Fatalf("xdg-open %s: %v\n%s", link, err, out)
	}
	if !pollUntil(time.Minute, func() bool {
		b, _ := os.ReadFile(hoistLog)
		return strings.Contains(string(b), "asking the customer to confirm") && strings.Contains(string(b), stack.DescriptorURL)
	}) {
		t.Fatal("the running window never asked to confirm the organisation from the link")
	}
	time.Sleep(time.Second)
	x.screenshot("deb-invitation-confirm.png")
	select {
	case <-exited:
		t.Fatal("the window exited")
	default:
	}
}
