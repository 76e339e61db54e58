package packaging

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"hoist/devstack"
)

// EnvDist names the folder `make package` wrote (make test sets it).
const EnvDist = "HOIST_DIST"

var (
	repoRoot string
	distDir  string
	version  string // from FyneApp.toml, as the build stamps it
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if repoRoot, err = devstack.RepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if version, err = fyneAppVersion(filepath.Join(repoRoot, "FyneApp.toml")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	distDir = os.Getenv(EnvDist)
	if distDir == "" {
		tmp, err := os.MkdirTemp("", "hoist-dist-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		distDir = tmp
		fmt.Fprintf(os.Stderr, "packaging: %s is not set: running make package into %s (minutes)\n", EnvDist, tmp)
		cmd := exec.Command("make", "--no-print-directory", "-C", repoRoot, "package", "DIST="+tmp, "ORG=")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "make package: %v\n", err)
			return 1
		}
	}
	return m.Run()
}

// fyneAppVersion reads [Details] Version from FyneApp.toml.
func fyneAppVersion(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read version: %w", err)
	}
	m := regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`).FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("no Version in %s", path)
	}
	return string(m[1]), nil
}

// artefact returns the path of dist's file name (which must exist) after
// checking it against its .sha256 file.
func artefact(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(distDir, name)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("make package wrote no %s: %v", name, err)
	}
	sumFile, err := os.ReadFile(p + ".sha256")
	if err != nil {
		t.Fatalf("no checksum beside %s: %v", name, err)
	}
	got := sha256.Sum256(data)
	want := hex.EncodeToString(got[:]) + "  " + name + "\n"
	if string(sumFile) != want {
		t.Fatalf("%s.sha256 says %q, the file's sum line is %q", name, sumFile, want)
	}
	return p
}

// Every artefact of `make package` is there, versioned, with a checksum
// `sha256sum -c` accepts.
func TestArtefactsVersionedWithChecksums(t *testing.T) {
	names := []string{
		"hoist_" + version + "_amd64.deb",
		"hoist-" + version + "-linux-amd64.tar.xz",
		"hoist-" + version + "-windows-amd64.exe",
		"hoist-" + version + "-windows-amd64-setup.exe",
	}
	for _, n := range names {
		p := artefact(t, n)
		fi, _ := os.Stat(p)
		t.Logf("%-44s %6.1f MiB", n, float64(fi.Size())/(1<<20))
	}
	cmd := exec.Command("sha256sum", "-c", "--strict")
	cmd.Dir = distDir
	for _, n := range names {
		cmd.Args = append(cmd.Args, n+".sha256")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
}

// runCmd runs name with args (and env added to the test's environment)
// within timeout and returns its combined output; a failure is fatal.
func runCmd(t *testing.T, timeout time.Duration, env []string, name string, args ...string) string {
	t.Helper()
	out, err := tryCmd(timeout, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func tryCmd(timeout time.Duration, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := outputToFile(cmd)
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (timed out after %v)", err, timeout)
	}
	return out, err
}

// outputToFile runs cmd with its output going to a temporary file, not a
// pipe, and returns what it wrote. Programs that leave a daemon behind
// (wine's wineserver, xdg-open's launches) would keep a pipe open and Wait
// waiting.
func outputToFile(cmd *exec.Cmd) (string, error) {
	f, err := os.CreateTemp("", "hoist-cmd-*.out")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	b, _ := os.ReadFile(f.Name())
	return string(b), err
}

// desktopEntry parses the [Desktop Entry] group of a .desktop file.
func desktopEntry(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string]string{}
	group := ""
	for s := bufio.NewScanner(f); s.Scan(); {
		line := strings.TrimSpace(s.Text())
		if strings.HasPrefix(line, "[") {
			group = line
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && group == "[Desktop Entry]" {
			kv[k] = v
		}
	}
	return kv
}

// pollUntil calls ok every 200 ms until it returns true or d passes.
func pollUntil(d time.Duration, ok func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(200 * time.Millisecond) {
		if ok() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// artifactsDir is where the tests leave screenshots (git-ignored).
func artifactsDir(t *testing.T) string {
	d := filepath.Join(repoRoot, "artifacts", "packaging")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}
