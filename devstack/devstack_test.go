package devstack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sys/unix"
)

// shared is the MinIO started by TestMain through ForTestMain.
var shared *MinIO

func TestMain(m *testing.M) {
	os.Exit(ForTestMain(m, func(s *MinIO) { shared = s }))
}

func putGet(t *testing.T, m *MinIO, bucket, key string, body []byte) {
	t.Helper()
	ctx := t.Context()
	c := m.S3Client()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
	}); err != nil {
		t.Fatalf("put object: %v", err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get object: %v", err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read object: %v", err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("got %q, want %q", got, body)
	}
}

func portOpen(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func TestMinIOLifecycle(t *testing.T) {
	// The S3 client must not depend on AWS_CA_BUNDLE (set on the dev
	// machines); a bundle that does not exist would break a client built
	// with config.LoadDefaultConfig.
	t.Setenv("AWS_CA_BUNDLE", filepath.Join(t.TempDir(), "no-such-bundle.pem"))
	t.Setenv("AWS_PROFILE", "no-such-profile")

	var logBuf bytes.Buffer
	log := &syncWriter{w: &logBuf}
	m, err := StartMinIO(t.Context(), MinIOOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop() })

	if m.Endpoint != "http://127.0.0.1:"+strconv.Itoa(m.Port) {
		t.Errorf("Endpoint = %q, Port = %d", m.Endpoint, m.Port)
	}
	if len(m.AccessKey) != 20 || len(m.SecretKey) != 40 {
		t.Errorf("credentials lengths = %d/%d, want 20/40", len(m.AccessKey), len(m.SecretKey))
	}
	if st, err := os.Stat(m.DataDir); err != nil || !st.IsDir() {
		t.Fatalf("data dir %q: %v", m.DataDir, err)
	}
	if !Healthy(t.Context(), m.Endpoint) {
		t.Fatal("not healthy after start")
	}

	for range 2 { // idempotent
		if err := m.CreateBucket(t.Context(), "lifecycle"); err != nil {
			t.Fatal(err)
		}
	}
	putGet(t, m, "lifecycle", "dir/hello.txt", []byte("hello, hoist"))

	// Bound to loopback only.
	if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(m.Port)); err == nil {
		ln.Close()
		t.Errorf("port %d is free while minio runs", m.Port)
	}

	// MinIO prints its banner shortly after it starts answering.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(log.String(), "API:") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(log.String(), "API:") {
		t.Errorf("log writer got no startup banner:\n%s", log.String())
	}

	if err := m.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := m.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	select {
	case <-m.Exited():
	default:
		t.Fatal("Exited not closed after Stop")
	}
	if ProcessAlive(m.PID) {
		t.Errorf("process %d alive after Stop", m.PID)
	}
	if portOpen(m.Port) {
		t.Errorf("port %d still accepts connections after Stop", m.Port)
	}
	if _, err := os.Stat(m.DataDir); !os.IsNotExist(err) {
		t.Errorf("temp data dir %q not removed: %v", m.DataDir, err)
	}
}

// syncWriter serialises writes to w; MinIO's stdout and stderr are copied
// by separate goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// String returns what was written so far; w must be a *bytes.Buffer.
func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.(*bytes.Buffer).String()
}

func TestSharedMinIO(t *testing.T) {
	if shared == nil {
		t.Fatal("ForTestMain did not hand over a server")
	}
	// ForTestMain created the default bucket; creating it again is fine.
	if err := shared.CreateBucket(t.Context(), DefaultBucket); err != nil {
		t.Fatal(err)
	}
	putGet(t, shared, DefaultBucket, "shared/object", bytes.Repeat([]byte("x"), 1<<20))
}

func TestStartMinIOForTest(t *testing.T) {
	var m *MinIO
	t.Run("inner", func(t *testing.T) {
		m = StartMinIOForTest(t)
		putGet(t, m, DefaultBucket, "k", []byte("v"))
	})
	// The inner test's cleanup stopped it.
	select {
	case <-m.Exited():
	default:
		t.Fatal("server still running after the test's cleanup")
	}
	if _, err := os.Stat(m.DataDir); !os.IsNotExist(err) {
		t.Errorf("data dir %q left behind", m.DataDir)
	}
}

func TestStartMinIOGivenDirsAndCredentials(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	certs := filepath.Join(t.TempDir(), "certs")
	opts := MinIOOptions{DataDir: data, CertsDir: certs, RootUser: "devuser01", RootPassword: "devpassword0123456789"}
	m, err := StartMinIO(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if m.AccessKey != opts.RootUser || m.SecretKey != opts.RootPassword || m.DataDir != data {
		t.Errorf("got %q/%q in %q", m.AccessKey, m.SecretKey, m.DataDir)
	}
	if err := m.CreateBucket(t.Context(), "kept"); err != nil {
		t.Fatal(err)
	}
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, "kept")); err != nil {
		t.Errorf("given data dir not kept: %v", err)
	}
	if _, err := os.Stat(certs); err != nil {
		t.Errorf("given certs dir not kept: %v", err)
	}

	// A restart on the same data sees the bucket.
	m, err = StartMinIO(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	if _, err := m.S3Client().HeadBucket(t.Context(), &s3.HeadBucketInput{Bucket: aws.String("kept")}); err != nil {
		t.Errorf("bucket gone after restart: %v", err)
	}
}

func TestStartMinIODetached(t *testing.T) {
	certs := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "minio.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := StartMinIO(t.Context(), MinIOOptions{Detach: true, CertsDir: certs, Log: f})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	sid, err := unix.Getsid(m.PID)
	if err != nil {
		t.Fatal(err)
	}
	if sid != m.PID {
		t.Errorf("session of %d = %d, want its own", m.PID, sid)
	}
	// This is how `devstack down` stops a server started by an earlier run.
	if err := StopProcessGroup(m.PID, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.Exited():
	case <-time.After(5 * time.Second):
		t.Fatal("detached server did not exit")
	}
	if ProcessAlive(m.PID) {
		t.Error("ProcessAlive after StopProcessGroup")
	}
	if err := StopProcessGroup(m.PID, time.Second); err != nil {
		t.Errorf("StopProcessGroup of a dead process: %v", err)
	}
	if fi, err := os.Stat(logPath); err != nil || fi.Size() == 0 {
		t.Errorf("log file empty: %v", err)
	}

	if _, err := StartMinIO(t.Context(), MinIOOptions{Detach: true, Log: &bytes.Buffer{}}); err == nil {
		t.Error("Detach with a non-file Log was accepted")
	}
}

func TestStartMinIOFailsEarly(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "minio")
	script := "#!/bin/sh\necho 'FATAL pretend minio cannot start' >&2\nexit 3\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvMinIOBin, fake)
	start := time.Now()
	m, err := StartMinIO(t.Context(), MinIOOptions{})
	if err == nil {
		m.Stop()
		t.Fatal("no error from a server that exits")
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %v to notice the exit", time.Since(start))
	}
	if !strings.Contains(err.Error(), "pretend minio cannot start") {
		t.Errorf("error lacks the log tail: %v", err)
	}
}

func TestStartMinIOHonoursContext(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "minio")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexec sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvMinIOBin, fake)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := StartMinIO(ctx, MinIOOptions{}); err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestMinIOBinary(t *testing.T) {
	t.Setenv(EnvMinIOBin, filepath.Join(t.TempDir(), "missing"))
	_, err := MinIOBinary()
	if err == nil || !strings.Contains(err.Error(), "make minio") {
		t.Fatalf("err = %v, want one that says to run make minio", err)
	}
	if !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("err does not wrap the not-exist error: %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestRepoRoot(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "devstack", "devstack.go")); err != nil {
		t.Errorf("RepoRoot() = %q: %v", root, err)
	}

	tmp := t.TempDir()
	nested := filepath.Join(tmp, "hoist", "a", "b")
	other := filepath.Join(tmp, "hoist", "a", "go.mod") // another module on the way up
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte("module example.com/other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "hoist", "go.mod"), []byte("// c\nmodule hoist // the app\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := repoRootFrom(nested)
	if err != nil || got != filepath.Join(tmp, "hoist") {
		t.Errorf("repoRootFrom = %q, %v", got, err)
	}
	if _, err := repoRootFrom(tmp); err == nil {
		t.Error("found a root above the module")
	}
}

// devConfigFile mirrors the generated hoist.toml; decoding it strictly
// catches keys the test does not expect.
type devConfigFile struct {
	Organisation struct{ Name string }
	S3           struct {
		Endpoint, Region, Bucket, Checksum string
		PathStyle                          bool   `toml:"path_style"`
		AccessKeyID                        string `toml:"access_key_id"`
		SecretAccessKey                    string `toml:"secret_access_key"`
	}
	Upload struct {
		KeyPrefix string `toml:"key_prefix"`
	}
	Signin struct {
		Issuer      string
		ClientID    string `toml:"client_id"`
		STSEndpoint string `toml:"sts_endpoint"`
		RoleARN     string `toml:"role_arn"`
	}
	Support struct {
		StaffGroups     []string `toml:"staff_groups"`
		CustomersPrefix string   `toml:"customers_prefix"`
	}
}

func TestWriteDevEnv(t *testing.T) {
	m := &MinIO{Endpoint: "http://127.0.0.1:9000", Port: 9000, AccessKey: `AK"\x`, SecretKey: "s'ecret\tkey"}
	signin := &DevSignIn{Issuer: "http://127.0.0.1:9400", ClientID: "hoist", STSEndpoint: m.Endpoint,
		RoleARN: RoleARN("hoist", ""), DemoUser: "alice", DemoPassword: "pa$$ 'word'"}
	for _, tc := range []struct {
		name   string
		signin *DevSignIn
		want   devConfigFile
		env    []string
	}{
		{"static keys", nil, func() (c devConfigFile) {
			c.S3.AccessKeyID, c.S3.SecretAccessKey = m.AccessKey, m.SecretKey
			c.Upload.KeyPrefix = "uploads/{date}/"
			return c
		}(), []string{"", "", ""}},
		{"sign-in", signin, func() (c devConfigFile) {
			c.Upload.KeyPrefix = "uploads/{sub}/"
			c.Signin.Issuer, c.Signin.ClientID, c.Signin.STSEndpoint, c.Signin.RoleARN = signin.Issuer, "hoist", m.Endpoint, signin.RoleARN
			c.Support.StaffGroups, c.Support.CustomersPrefix = []string{StaffGroup}, UploadKeyPrefix
			return c
		}(), []string{signin.Issuer, signin.DemoUser, signin.DemoPassword}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), ".devstack")
			if err := WriteDevEnv(dir, m, "hoist", tc.signin); err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.Organisation.Name = "Hoist dev stack"
			want.S3.Endpoint, want.S3.Region, want.S3.Bucket, want.S3.PathStyle, want.S3.Checksum = m.Endpoint, "us-east-1", "hoist", true, "crc32c"
			var cfg devConfigFile
			md, err := toml.DecodeFile(filepath.Join(dir, ConfigFileName), &cfg)
			if err != nil {
				t.Fatal(err)
			}
			if und := md.Undecoded(); len(und) > 0 {
				t.Errorf("unexpected keys %v", und)
			}
			if fmt.Sprintf("%#v", cfg) != fmt.Sprintf("%#v", want) {
				t.Errorf("config = %+v\nwant     %+v", cfg, want)
			}
			if fi, err := os.Stat(filepath.Join(dir, ConfigFileName)); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("config mode: %v %v", fi.Mode(), err)
			}
			checkSourcedEnv(t, dir, m, tc.env)
		})
	}
}

// checkSourcedEnv sources dir/env in sh and compares the variables with
// what m says, and HOIST_OIDC_ISSUER, HOIST_DEMO_USER, HOIST_DEMO_PASSWORD
// with signin.
func checkSourcedEnv(t *testing.T, dir string, m *MinIO, signin []string) {
	t.Helper()
	out, err := exec.Command("sh", "-c", `. "$1" && printf '%s\n' "$HOIST_CONFIG" "$HOIST_S3_ENDPOINT" "$HOIST_S3_BUCKET" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" "$HOIST_DEV_ACCESS_KEY" "$HOIST_DEV_SECRET_KEY" "$HOIST_OIDC_ISSUER" "$HOIST_DEMO_USER" "$HOIST_DEMO_PASSWORD" "${AWS_ACCESS_KEY_ID-unset}"`,
		"sh", filepath.Join(dir, EnvFileName)).Output()
	if err != nil {
		t.Fatal(err)
	}
	aws := "unset"
	if v, ok := os.LookupEnv("AWS_ACCESS_KEY_ID"); ok {
		aws = v
	}
	want := append([]string{filepath.Join(dir, ConfigFileName), m.Endpoint, "hoist", m.AccessKey, m.SecretKey, m.AccessKey, m.SecretKey}, signin...)
	want = append(want, aws)
	if got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sourced env:\n%q\nwant:\n%q", got, want)
	}
}

func TestTOMLQuote(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "tab\tnl\ncr\rnul\x00del\x7f", "é€😀"} {
		var v struct{ K string }
		if _, err := toml.Decode("K = "+tomlQuote(s), &v); err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if v.K != s {
			t.Errorf("round trip %q -> %q", s, v.K)
		}
	}
}

func TestRandomString(t *testing.T) {
	a, err := RandomString(40)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RandomString(40)
	if len(a) != 40 || a == b || strings.Trim(a, alnum) != "" {
		t.Errorf("RandomString: %q %q", a, b)
	}
}
