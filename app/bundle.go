package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/BurntSushi/toml"

	"hoist/app/cli"
	"hoist/app/signin"
	"hoist/uploader"
)

// bundleLogTail is how much of the end of hoist.log a report carries.
const bundleLogTail = 4 << 20

// Patterns of secrets a report must never carry: JSON Web Tokens (ID,
// access and refresh tokens of most providers), AWS access key IDs, the
// signature, credential and session token of presigned URLs, bearer
// tokens, and the value of any setting or field named like a secret.
var (
	accessKeyRE   = regexp.MustCompile(`\b(AKIA|ASIA)[A-Z0-9]{16}\b`)
	amzParamRE    = regexp.MustCompile(`(?i)(x-amz-(signature|credential|security-token))=[^&\s"']+`)
	bearerRE      = regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+`)
	secretFieldRE = regexp.MustCompile(`(?i)("?[a-z_]*(secret|password|token|session_key|access_key)[a-z_]*"?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,}&]+)`)
)

// scrub removes secrets from s: the known ones (literal) and anything that
// looks like one.
func scrub(s string, known ...string) string {
	for _, k := range known {
		if len(k) >= 4 {
			s = strings.ReplaceAll(s, k, "[secret]")
		}
	}
	s = signin.Redact(s)
	s = accessKeyRE.ReplaceAllString(s, "[access key]")
	s = amzParamRE.ReplaceAllString(s, "$1=[secret]")
	s = bearerRE.ReplaceAllString(s, "Bearer [token]")
	return secretFieldRE.ReplaceAllString(s, "${1}[secret]")
}

// Bundle is what a report for support holds.
type Bundle struct {
	Version   string                     `json:"version"`
	OS        string                     `json:"os"`
	Written   time.Time                  `json:"written"`
	History   []uploader.JobRecord       `json:"history"`
	Batches   []uploader.BatchRecord     `json:"batches"`
	Aborts    []uploader.DiscardedUpload `json:"pending_aborts"`
	Unfinish  []uploader.JobRecord       `json:"unfinished"`
	ConfigSrc string                     `json:"config_source"`
}

// writeBundle writes a zip report for support to w: history and receipts
// as JSON, the end of the log, the effective configuration without
// secrets, versions and OS, and the pending aborts. Everything passes
// through scrub.
func writeBundle(w io.Writer, b *base, engine *uploader.Engine) error {
	cfg := *b.cfg
	known := []string{string(cfg.S3.SecretAccessKey), cfg.S3.AccessKeyID}
	cfg.S3.SecretAccessKey = ""
	if cfg.S3.AccessKeyID != "" {
		cfg.S3.AccessKeyID = "[set]"
	}
	bd := Bundle{Version: "hoist " + Version, OS: runtime.GOOS + "/" + runtime.GOARCH + " " + runtime.Version(), Written: time.Now().UTC(), ConfigSrc: b.cfgPath}
	if engine != nil {
		var err error
		if bd.History, err = engine.History(false); err != nil {
			return err
		}
		if bd.Batches, err = engine.Batches(); err != nil {
			return err
		}
		bd.Aborts = engine.DiscardedUploads()
		for _, j := range engine.Snapshot().Jobs {
			if !j.State.Final() {
				bd.Unfinish = append(bd.Unfinish, j.JobRecord)
			}
		}
	}
	var cfgText bytes.Buffer
	if err := toml.NewEncoder(&cfgText).Encode(cfg); err != nil {
		return fmt.Errorf("encode the configuration: %w", err)
	}
	data, err := json.MarshalIndent(bd, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the report: %w", err)
	}
	zw := zip.NewWriter(w)
	add := func(name, text string) error {
		f, err := zw.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, scrub(text, known...))
		return err
	}
	readme := fmt.Sprintf("Hoist report for support\n%s, %s, written %s\nConfiguration: %s\nData folder: %s\n",
		bd.Version, bd.OS, bd.Written.Format(time.RFC3339), b.cfgPath, b.dataDir)
	for _, part := range []struct{ name, text string }{
		{"README.txt", readme},
		{"report.json", string(data)},
		{"config.toml", cfgText.String()},
		{"hoist.log", logTail(filepath.Join(b.dataDir, logFileName), bundleLogTail)},
	} {
		if err := add(part.name, part.text); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// logTail returns the last max bytes of the log (from a line start).
func logTail(path string, max int64) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)\n", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Sprintf("(no log: %v)\n", err)
	}
	off := max64(fi.Size()-max, 0)
	data, err := io.ReadAll(io.NewSectionReader(f, off, fi.Size()-off))
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)\n", err)
	}
	if off > 0 {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func cmdSupportBundle(ctx context.Context, env *cli.Env, args []string) int {
	var common cli.CommonFlags
	fs := cli.NewFlagSet(env, "support-bundle", &common)
	rest, err := parseFlags(fs, args)
	if err != nil || len(rest) != 1 {
		fmt.Fprintln(env.Stderr, "Usage: hoist support-bundle FILE.zip")
		return cli.ExitUsage
	}
	b, err := openBase(common.Config, common.DataDir, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %v\n", err)
		return exitCodeOf(err)
	}
	defer b.closeLog()
	var engine *uploader.Engine
	var p *person
	if b.signin != nil {
		p = loadCurrentPerson(b.dataDir)
	}
	if b.signin == nil || p != nil {
		if c, err := openCoreFor(ctx, b, engineHooks{}, p, true); err == nil {
			engine = c.engine
			defer c.shutdown()
		} else {
			b.log.Warn("support bundle without history", "error", signin.Redact(err.Error()))
		}
	}
	var buf bytes.Buffer
	if err := writeBundle(&buf, b, engine); err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %v\n", err)
		return cli.ExitFailed
	}
	if err := os.WriteFile(rest[0], buf.Bytes(), 0o600); err != nil {
		fmt.Fprintf(env.Stderr, "hoist: write %s: %v\n", rest[0], err)
		return cli.ExitFailed
	}
	fmt.Fprintln(env.Stdout, lang.L("Wrote {{.File}}: history, receipts, the end of the log and the settings, without tokens or keys. Send it to your organisation's support.", map[string]any{"File": rest[0]}))
	return cli.ExitOK
}
