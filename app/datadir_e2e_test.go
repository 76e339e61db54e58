//go:build linux

package app

// The data folder when things go wrong, through the real binary: no
// credentials at all, a disk that fills up at the first start (a real
// 8 KiB tmpfs), a damaged journal, a read-only disk (a read-only bind
// mount) and a folder others may read. Mounting needs root, as on the CI
// machine; elsewhere those tests fail and say why.

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mount runs mount(8) and undoes it when the test ends.
func mount(t *testing.T, target string, args ...string) {
	t.Helper()
	if out, err := exec.Command("mount", append(args, target)...).CombinedOutput(); err != nil {
		t.Fatalf("mount %v %s (these tests need root): %v %s", args, target, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", target).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", target, err, out)
		}
	})
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// A config without [signin] and without keys on a machine with no AWS
// credentials anywhere: Hoist says at once that it is not set up, exit 2,
// instead of retrying for ever behind the EC2 metadata service.
func TestCLINotSetUpToSignIn(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "hoist.toml")
	if err := os.WriteFile(cfg, []byte("[s3]\nendpoint = \"http://127.0.0.1:9\"\nregion = \"us-east-1\"\nbucket = \"hoist\"\npath_style = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := cleanEnv(t,
		// No metadata service either: a closed loopback port, so the test
		// does not depend on the machine being (or not being) in a cloud.
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://"+closedPort(t),
		"AWS_CONFIG_FILE="+filepath.Join(home, "none-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "none-credentials"))
	src := writeFile(t, 1<<10)
	for _, args := range [][]string{
		{"send", src},
		{"resume"},
		{"send", "--verbose", src},
	} {
		cmd := exec.Command(hoistBinary(t), append(args, "--config", cfg, "--data-dir", t.TempDir())...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		select {
		case err = <-done:
		case <-time.After(90 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("hoist %s still running after 90 s:\n%s", args[0], &out)
		}
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		}
		t.Logf("hoist %s: exit %d\n%s", strings.Join(args, " "), code, &out)
		if code != 2 || !strings.Contains(out.String(), "Hoist is not set up to sign in") || !strings.Contains(out.String(), cfg) {
			t.Errorf("hoist %s: exit %d, want 2 and the not-set-up message", args[0], code)
		}
		if verbose := len(args) > 1 && args[1] == "--verbose"; verbose != strings.Contains(out.String(), "Details:") {
			t.Errorf("hoist %s: details shown = %v", strings.Join(args, " "), !verbose)
		}
	}
}

// The first start on a disk with 8 KiB free leaves a 4 KiB journal.db:
// Hoist says the disk is full, and once space is freed it works again.
func TestCLIFullDiskAtFirstStart(t *testing.T) {
	disk := t.TempDir()
	mount(t, disk, "-t", "tmpfs", "-o", "size=8k,mode=0700", "tmpfs")
	dataDir := filepath.Join(disk, "data")
	env, cfg := cleanEnv(t), staticConfig(t)

	code, out, errOut := runHoist(t, env, "resume", "--config", cfg, "--data-dir", dataDir)
	t.Logf("full disk: exit %d\n%s%s", code, out, errOut)
	if code != 1 || !strings.Contains(errOut, "The disk is full") {
		t.Fatalf("full disk: exit %d, want 1 and a plain message", code)
	}
	fi, err := os.Stat(filepath.Join(dataDir, "journal.db"))
	if err != nil || fi.Size() == 0 || fi.Size() >= 16<<10 {
		t.Fatalf("the full disk should leave a half-written journal behind: %v %v", fi, err)
	}
	t.Logf("left behind: journal.db of %d bytes", fi.Size())

	if out, err := exec.Command("mount", "-o", "remount,size=1m", disk).CombinedOutput(); err != nil {
		t.Fatalf("make room: %v %s", err, out)
	}
	code, out, errOut = runHoist(t, env, "resume", "--config", cfg, "--data-dir", dataDir)
	if code != 0 || !strings.Contains(out, "Nothing to resume") {
		t.Fatalf("after space was freed: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runHoist(t, env, "history", "--config", cfg, "--data-dir", dataDir); code != 0 {
		t.Fatalf("history: exit %d\n%s%s", code, out, errOut)
	}
}

// A damaged journal: the message says what to do, and `hoist reset-journal`
// moves it aside (kept) so that Hoist works again.
func TestCLIDamagedJournalReset(t *testing.T) {
	dataDir := t.TempDir()
	env, cfg := cleanEnv(t), staticConfig(t)
	path := filepath.Join(dataDir, "journal.db")
	damaged := bytes.Repeat([]byte("not a journal "), 4000)
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runHoist(t, env, "resume", "--config", cfg, "--data-dir", dataDir)
	t.Logf("damaged: exit %d\n%s", code, errOut)
	if code != 1 || !strings.Contains(errOut, "is damaged") || !strings.Contains(errOut, "hoist reset-journal") ||
		!strings.Contains(errOut, "unfinished uploads is lost") {
		t.Fatalf("damaged journal: exit %d, want 1 and what to do", code)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, damaged) {
		t.Fatal("the damaged journal was changed")
	}

	code, out, errOut := runHoist(t, env, "reset-journal", "--data-dir", dataDir)
	t.Logf("reset-journal: exit %d\n%s%s", code, out, errOut)
	if code != 0 || !strings.Contains(out, "Moved the damaged journal aside") {
		t.Fatalf("reset-journal: exit %d", code)
	}
	kept, _ := filepath.Glob(path + ".damaged-*")
	if len(kept) != 1 {
		t.Fatalf("kept copies: %v", kept)
	}
	if got, _ := os.ReadFile(kept[0]); !bytes.Equal(got, damaged) {
		t.Fatal("the kept copy differs from the damaged journal")
	}
	if code, out, errOut := runHoist(t, env, "resume", "--config", cfg, "--data-dir", dataDir); code != 0 || !strings.Contains(out, "Nothing to resume") {
		t.Fatalf("after reset-journal: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runHoist(t, env, "reset-journal", "--data-dir", dataDir); code != 0 || !strings.Contains(out, "nothing to do") {
		t.Fatalf("reset-journal with a sound journal: exit %d %s", code, out)
	}
}

// A data folder that group and others may read is restricted to its owner.
func TestCLIDataFolderTightened(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	env, cfg := cleanEnv(t), staticConfig(t)
	if code, out, errOut := runHoist(t, env, "history", "--config", cfg, "--data-dir", dataDir); code != 0 {
		t.Fatalf("history: exit %d\n%s%s", code, out, errOut)
	}
	fi, err := os.Stat(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("data folder mode %v, want 0700", fi.Mode().Perm())
	}
	if log, _ := os.ReadFile(filepath.Join(dataDir, "hoist.log")); !bytes.Contains(log, []byte("restricted the data folder")) {
		t.Errorf("the log does not say the folder was restricted:\n%s", log)
	}
}
