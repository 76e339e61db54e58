package cli_test

// End-to-end tests of the hoist binary against a real MinIO started here.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"hoist/devstack"
	"hoist/internal/faultproxy"
)

const bucket = "hoist"

var (
	minio  *devstack.MinIO
	binary string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp, err := os.MkdirTemp("", "hoist-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	os.Chmod(tmp, 0o755) // the unreadable-file test runs the binary as another user
	if binary, err = buildHoist(ctx, tmp); err != nil {
		fmt.Fprintln(os.Stderr, "build hoist:", err)
		return 1
	}
	if minio, err = devstack.StartMinIO(ctx, devstack.MinIOOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, "start MinIO:", err)
		return 1
	}
	defer minio.Stop()
	if err := minio.CreateBucket(ctx, bucket); err != nil {
		fmt.Fprintln(os.Stderr, "create bucket:", err)
		return 1
	}
	return m.Run()
}

// buildHoist uses $HOIST_BIN when set (make test builds it), else builds it.
func buildHoist(ctx context.Context, dir string) (string, error) {
	if bin := os.Getenv("HOIST_BIN"); bin != "" {
		return bin, nil
	}
	root, err := devstack.RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "hoist")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w: %s", err, out)
	}
	return bin, nil
}

type world struct {
	t       *testing.T
	dir     string
	config  string
	dataDir string
	prefix  string
}

// newWorld writes a config for the test MinIO (endpoint overridable) with
// extra [upload] lines.
func newWorld(t *testing.T, endpoint, secret string, upload ...string) *world {
	t.Helper()
	w := &world{t: t, dir: t.TempDir(), prefix: "cli/" + strings.ReplaceAll(t.Name(), "/", "_")}
	w.dataDir = filepath.Join(w.dir, "data")
	if endpoint == "" {
		endpoint = minio.Endpoint
	}
	if secret == "" {
		secret = minio.SecretKey
	}
	w.config = filepath.Join(w.dir, "hoist.toml")
	w.writeConfig(endpoint, secret, upload...)
	return w
}

func (w *world) writeConfig(endpoint, secret string, upload ...string) {
	cfg := fmt.Sprintf(`[s3]
endpoint = %q
region = "us-east-1"
bucket = %q
path_style = true
access_key_id = %q
secret_access_key = %q

[upload]
key_prefix = %q
retry_max_wait = "200ms"
%s
`, endpoint, bucket, minio.AccessKey, secret, w.prefix, strings.Join(upload, "\n"))
	if err := os.WriteFile(w.config, []byte(cfg), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) file(name string, size int64) string {
	w.t.Helper()
	p := filepath.Join(w.dir, "src", filepath.FromSlash(name))
	os.MkdirAll(filepath.Dir(p), 0o755)
	f, err := os.Create(p)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyN(f, rand.NewChaCha8([32]byte{byte(size), byte(len(name))}), size); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) cmd(args ...string) *exec.Cmd {
	full := append([]string{args[0], "--config", w.config, "--data-dir", w.dataDir}, args[1:]...)
	cmd := exec.Command(binary, full...)
	cmd.Env = append(os.Environ(), "HOIST_CONFIG=", "HOIST_DATA_DIR=")
	return cmd
}

// hoist runs the binary and returns its exit code, stdout and stderr.
func (w *world) hoist(args ...string) (int, string, string) {
	w.t.Helper()
	cmd := w.cmd(args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		w.t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

func getObject(t *testing.T, key string) ([]byte, error) {
	out, err := minio.S3Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func assertObject(t *testing.T, key, path string) {
	t.Helper()
	got, err := getObject(t, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	want, _ := os.ReadFile(path)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d stored bytes differ from the %d-byte source", key, len(got), len(want))
	}
}

func TestSendFilesAndFolders(t *testing.T) {
	w := newWorld(t, "", "")
	a := w.file("a.txt", 1234)
	b := w.file("folder/b.bin", 6<<20)
	c := w.file("folder/sub/c.txt", 0)
	weird := w.file("folder/new\nline.txt", 10)
	code, out, errOut := w.hoist("send", a, filepath.Join(w.dir, "src", "folder"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "4 of 4 files sent") {
		t.Fatalf("summary: %q", out)
	}
	assertObject(t, w.prefix+"/a.txt", a)
	assertObject(t, w.prefix+"/folder/b.bin", b)
	assertObject(t, w.prefix+"/folder/sub/c.txt", c)
	assertObject(t, w.prefix+"/folder/new_line.txt", weird)

	code, out, _ = w.hoist("history", "--json")
	var hist []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &hist) != nil || len(hist) != 4 {
		t.Fatalf("history exit %d: %s", code, out)
	}
	for _, h := range hist {
		if h["state"] != "done" || h["crc32c"] == "" {
			t.Fatalf("history entry %v", h)
		}
	}
}

func TestSendReportsMissingAndExitsNonZero(t *testing.T) {
	w := newWorld(t, "", "")
	ok := w.file("ok.txt", 3)
	code, out, errOut := w.hoist("send", ok, filepath.Join(w.dir, "missing.txt"))
	if code != 1 || !strings.Contains(errOut, "missing.txt: it no longer exists") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	assertObject(t, w.prefix+"/ok.txt", ok)
}

func TestBadConfigNamesTheField(t *testing.T) {
	w := newWorld(t, "", "", "parallel_files = -1")
	code, _, errOut := w.hoist("send", w.file("x", 1))
	if code != 1 || !strings.Contains(errOut, "upload.parallel_files") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// --max-rate takes a speed with its unit; a bare number is a usage error
// that says what to write, before anything is sent.
func TestMaxRateFlag(t *testing.T) {
	w := newWorld(t, "", "")
	code, _, errOut := w.hoist("send", "--max-rate", "20", w.file("x", 1))
	if code != 2 || !strings.Contains(errOut, "--max-rate") || !strings.Contains(errOut, "20Mbit") {
		t.Fatalf("--max-rate 20: exit %d: %s", code, errOut)
	}
	p := w.file("limited.bin", 300<<10)
	start := time.Now()
	code, _, errOut = w.hoist("send", "--max-rate", "800kbit", p) // 100 kB/s
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// 300 KiB at 100 kB/s: 3 s at least (nothing can beat the limit).
	if d := time.Since(start); d < 2800*time.Millisecond {
		t.Fatalf("300 KiB sent in %v under an 800 kbit/s limit", d)
	}
	assertObject(t, w.prefix+"/limited.bin", p)
}

func TestDeniedThenRetryFailed(t *testing.T) {
	w := newWorld(t, "", "not-the-secret")
	f := w.file("denied.txt", 100)
	code, _, errOut := w.hoist("send", f)
	if code != 1 || !strings.Contains(errOut, "refused access") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, out, _ := w.hoist("history", "--failed")
	if code != 0 || !strings.Contains(out, "denied.txt") || !strings.Contains(out, "failed") {
		t.Fatalf("history --failed: %d %s", code, out)
	}
	w.writeConfig(minio.Endpoint, minio.SecretKey)
	code, out, errOut = w.hoist("retry", "--failed")
	if code != 0 {
		t.Fatalf("retry exit %d\n%s\n%s", code, out, errOut)
	}
	assertObject(t, w.prefix+"/denied.txt", f)
	if _, out, _ := w.hoist("history", "--failed"); strings.Contains(out, "denied.txt") {
		t.Fatalf("still failed after retry: %s", out)
	}
}

func TestUnreadableFile(t *testing.T) {
	w := newWorld(t, "", "")
	f := w.file("secret.txt", 10)
	ok := w.file("fine.txt", 10)
	os.Chmod(f, 0)
	cmd := w.cmd("send", f, ok)
	if os.Geteuid() == 0 {
		// root reads anything: run Hoist as an ordinary user instead.
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		for _, p := range []string{filepath.Dir(w.dir), w.dir, filepath.Join(w.dir, "src"), w.config, ok} {
			os.Chmod(p, 0o777)
		}
	}
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	err := cmd.Run()
	if exit, isExit := err.(*exec.ExitError); !isExit || exit.ExitCode() != 1 {
		t.Fatalf("exit %v: %s", err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "isn't allowed to read") {
		t.Fatalf("no plain reason for the unreadable file: %s", errOut.String())
	}
	assertObject(t, w.prefix+"/fine.txt", ok)
}

func TestKillThenResume(t *testing.T) {
	proxy, err := faultproxy.New(minio.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	const part = 5 << 20
	const parts = 60
	w := newWorld(t, proxy.URL(), "", `part_size = "5MiB"`, "parallel_parts = 2")
	big := w.file("big.bin", parts*part+1234)

	cmd := w.cmd("send", big)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	key := w.prefix + "/big.bin"
	uploadID := waitUpload(t, key)
	for stored(t, key, uploadID) < 8 {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill() // SIGKILL: no chance to tidy up
	cmd.Wait()
	atKill := stored(t, key, uploadID)
	if atKill >= parts {
		t.Fatalf("the upload finished before the kill (%d parts); make the file bigger", atKill)
	}

	up := proxy.BytesUp()
	code, out, errs := w.hoist("resume")
	if code != 0 {
		t.Fatalf("resume exit %d\n%s\n%s\nsend stderr: %s", code, out, errs, errOut.String())
	}
	assertObject(t, key, big)
	resent := proxy.BytesUp() - up
	missing := int64(parts+1-atKill) * part // parts not on the server at the kill
	if resent > missing+1<<20 {
		t.Fatalf("resume sent %d bytes; only %d parts (%d bytes) were missing", resent, parts+1-atKill, missing)
	}
	t.Logf("killed with %d of %d parts stored; resume sent %.1f MiB", atKill, parts+1, float64(resent)/(1<<20))
}

// waitUpload waits for the multipart upload of key to appear.
func waitUpload(t *testing.T, key string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		out, err := minio.S3Client().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String(key)})
		if err == nil && len(out.Uploads) > 0 {
			return aws.ToString(out.Uploads[0].UploadId)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no multipart upload appeared")
	return ""
}

// stored counts the parts MinIO holds for the upload.
func stored(t *testing.T, key, uploadID string) int {
	t.Helper()
	out, err := minio.S3Client().ListParts(context.Background(), &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID)})
	if err != nil {
		t.Fatalf("list parts: %v", err)
	}
	return len(out.Parts)
}
