package app

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hoist/app/cli"
	"hoist/uploader"
	"hoist/uploader/journal"
)

// A support bundle carries history, receipts, the log, the settings and
// the versions, and no token, key or secret: neither the configured keys
// nor tokens, keys and signatures that ended up in the log or in an
// error's detail.
func TestSupportBundleHasNoSecrets(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	const (
		secretKey  = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
		accessKey  = "AKIAIOSFODNN7EXAMPLE"
		sessionKey = "ASIAY34FZKBOKMUTVV7A"
		jwt        = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJhbGljZSIsImV4cCI6MX0.c2lnbmF0dXJlLXRoYXQtbG9va3MtcmVhbA"
		refresh    = "rt-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
		signature  = "3f1c2b9d8e7a6f5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b"
		password   = "hunter2-correct-horse"
	)
	cfgPath := filepath.Join(dir, "hoist.toml")
	cfgText := `[organisation]
name = "Acme Research"
[s3]
endpoint = "http://127.0.0.1:9"
region = "us-east-1"
bucket = "hoist"
path_style = true
access_key_id = "` + accessKey + `"
secret_access_key = "` + secretKey + `"
[upload]
key_prefix = "uploads/{date}/"
`
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(journal.DefaultPath(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	failed := &uploader.JobRecord{Source: "/home/x/scan-03.tif", Rel: "scan-03.tif", Key: "uploads/2026-12-02/scan-03.tif",
		Size: 10, ModTime: now, State: uploader.StateFailed, Code: uploader.CodeAccessDenied, Reason: "The storage refused access.",
		Detail:  "PUT https://s3.example/hoist/x?X-Amz-Credential=" + sessionKey + "%2F20261202&X-Amz-Signature=" + signature + "&X-Amz-Security-Token=" + refresh + " Authorization: Bearer " + jwt,
		Created: now, Finished: now, Batch: "b1"}
	if err := j.AddJobs([]*uploader.JobRecord{failed}); err != nil {
		t.Fatal(err)
	}
	if err := j.PutBatch(uploader.BatchRecord{ID: "b1", Opened: now, Sealed: true, Receipt: &uploader.Receipt{Batch: "b1", Files: []uploader.File{{Path: "scan-03.tif", Code: uploader.CodeAccessDenied}}}}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	logText := strings.Join([]string{
		`time=2026-12-02T05:00:00Z level=INFO msg=starting version=0.1.0`,
		`time=2026-12-02T05:00:01Z level=WARN msg="sign-in" id_token=` + jwt + ` refresh_token=` + refresh,
		`time=2026-12-02T05:00:02Z level=WARN msg=sts cause="AccessKeyId: ` + sessionKey + `, SecretAccessKey: ` + secretKey + `"`,
		`time=2026-12-02T05:00:03Z level=WARN msg=x "password":"` + password + `" upload=done`,
		`time=2026-12-02T05:00:04Z level=INFO msg="last line" marker=kept-line`,
	}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dataDir, logFileName), []byte(logText), 0o600); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "report.zip")
	var stdout, stderr bytes.Buffer
	env := &cli.Env{Stdout: &stdout, Stderr: &stderr, Extra: supportCommands()}
	if code := cli.Run(context.Background(), env, []string{"support-bundle", "--config", cfgPath, "--data-dir", dataDir, out}); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string]string{}
	var all strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(data)
		all.Write(data)
	}
	for _, name := range []string{"README.txt", "report.json", "config.toml", "hoist.log"} {
		if files[name] == "" {
			t.Errorf("the bundle lacks %s", name)
		}
	}
	for _, want := range []string{"scan-03.tif", "access_denied", "kept-line", `bucket = "hoist"`, "Acme Research", "pending_aborts", Version} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the bundle lacks %q", want)
		}
	}
	for _, secret := range []string{secretKey, accessKey, sessionKey, jwt, refresh, signature, password, "eyJhbGciOi"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("the bundle holds the secret %q", secret)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode: %v %v", fi, err)
	}
}
