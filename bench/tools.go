package main

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// server is the S3 endpoint every tool uploads to.
type server struct {
	endpoint  string // "http://127.0.0.1:PORT"
	region    string
	accessKey string
	secretKey string
}

// upload is one timed run of one tool: what to send and where.
type upload struct {
	server
	src     string // file or directory
	isDir   bool
	bucket  string // fresh, empty bucket for this run only
	prefix  string // "bench/<tool>/"
	scratch string // empty directory for this run's configs and state
}

// invocation is the command a tool's run is timed on.
type invocation struct {
	args []string // args[0] is the binary
	env  []string // the whole environment of the child
}

// tool is one uploader under test. Every tool runs with its own defaults; the
// bench only points it at the server.
type tool interface {
	name() string
	// bin is the executable that must exist for the tool to run.
	bin() string
	// prepare does the untimed set-up for u (config files, aliases) and
	// returns the command whose run is measured.
	prepare(ctx context.Context, u upload) (invocation, error)
	// version describes the binary, best effort, for the report header.
	version(ctx context.Context) string
}

// newTool returns the runner for name with its binary resolved from paths.
func newTool(name string, paths binPaths) (tool, error) {
	switch name {
	case "hoist":
		return hoistTool{path: paths.hoist}, nil
	case "mc":
		return mcTool{path: paths.mc}, nil
	case "aws":
		return awsTool{path: paths.aws}, nil
	case "rclone":
		return rcloneTool{path: paths.rclone}, nil
	}
	return nil, fmt.Errorf("unknown tool %q (known: hoist, mc, aws, rclone)", name)
}

// binPaths are the executables of the four tools.
type binPaths struct {
	hoist, mc, aws, rclone string
}

// ---- hoist ----

type hoistTool struct{ path string }

func (hoistTool) name() string  { return "hoist" }
func (t hoistTool) bin() string { return t.path }

func (t hoistTool) version(context.Context) string { return goBinaryVersion(t.path) }

// prepare writes the TOML config Hoist reads and a fresh data dir, so no
// journal from an earlier run can make Hoist skip work.
func (t hoistTool) prepare(_ context.Context, u upload) (invocation, error) {
	cfg := filepath.Join(u.scratch, "hoist.toml")
	if err := os.WriteFile(cfg, []byte(hoistConfig(u)), 0o600); err != nil {
		return invocation{}, fmt.Errorf("write hoist config: %w", err)
	}
	data := filepath.Join(u.scratch, "hoist-data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return invocation{}, fmt.Errorf("create hoist data dir: %w", err)
	}
	return invocation{
		args: []string{t.path, "send", "--config", cfg, "--data-dir", data, u.src},
		env:  os.Environ(),
	}, nil
}

func hoistConfig(u upload) string {
	return fmt.Sprintf(`[s3]
endpoint = %q
region = %q
bucket = %q
path_style = true
access_key_id = %q
secret_access_key = %q

[upload]
key_prefix = %q
`, u.endpoint, u.region, u.bucket, u.accessKey, u.secretKey, u.prefix)
}

// ---- mc ----

type mcTool struct{ path string }

func (mcTool) name() string  { return "mc" }
func (t mcTool) bin() string { return t.path }

func (t mcTool) version(context.Context) string { return goBinaryVersion(t.path) }

// prepare registers the server as alias "bench" in a config dir of this run
// only; the alias set is not timed.
func (t mcTool) prepare(ctx context.Context, u upload) (invocation, error) {
	cfgDir := filepath.Join(u.scratch, "mc-config")
	env := envWithout(os.Environ(), hasPrefix("MC_"))
	alias := exec.CommandContext(ctx, t.path, "--config-dir", cfgDir,
		"alias", "set", "bench", u.endpoint, u.accessKey, u.secretKey)
	alias.Env = env
	if out, err := alias.CombinedOutput(); err != nil {
		return invocation{}, fmt.Errorf("mc alias set: %w: %s", err, strings.TrimSpace(string(out)))
	}
	args := []string{t.path, "--config-dir", cfgDir, "cp"}
	if u.isDir {
		args = append(args, "--recursive")
	}
	args = append(args, u.src, "bench/"+u.bucket+"/"+u.prefix)
	return invocation{args: args, env: env}, nil
}

// ---- aws ----

type awsTool struct{ path string }

func (awsTool) name() string  { return "aws" }
func (t awsTool) bin() string { return t.path }

func (t awsTool) version(ctx context.Context) string {
	return commandVersion(ctx, t.path, "--version")
}

// prepare gives the CLI its own HOME and empty config files so nothing from
// the machine's ~/.aws leaks in. AWS_CA_BUNDLE stays as the machine sets it.
func (t awsTool) prepare(_ context.Context, u upload) (invocation, error) {
	home := filepath.Join(u.scratch, "aws-home")
	cfg := filepath.Join(home, "config")
	creds := filepath.Join(home, "credentials")
	if err := os.Mkdir(home, 0o700); err != nil {
		return invocation{}, fmt.Errorf("create aws home: %w", err)
	}
	for _, f := range []string{cfg, creds} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			return invocation{}, fmt.Errorf("write aws config: %w", err)
		}
	}
	env := envWithout(os.Environ(), func(k string) bool {
		return k == "HOME" || (strings.HasPrefix(k, "AWS_") && k != "AWS_CA_BUNDLE")
	})
	env = append(env,
		"HOME="+home,
		"AWS_CONFIG_FILE="+cfg,
		"AWS_SHARED_CREDENTIALS_FILE="+creds,
		"AWS_ACCESS_KEY_ID="+u.accessKey,
		"AWS_SECRET_ACCESS_KEY="+u.secretKey,
		"AWS_DEFAULT_REGION="+u.region,
	)
	dst := "s3://" + u.bucket + "/" + u.prefix
	args := []string{t.path, "--endpoint-url", u.endpoint, "s3", "cp"}
	if u.isDir {
		args = append(args, "--recursive")
	}
	args = append(args, u.src, dst)
	return invocation{args: args, env: env}, nil
}

// ---- rclone ----

type rcloneTool struct{ path string }

func (rcloneTool) name() string  { return "rclone" }
func (t rcloneTool) bin() string { return t.path }

func (t rcloneTool) version(ctx context.Context) string {
	return commandVersion(ctx, t.path, "version")
}

// prepare configures remote "bench" through the environment with an empty
// config file of this run. rclone fails while AWS_CA_BUNDLE is set, so it is
// removed here, for rclone only.
func (t rcloneTool) prepare(_ context.Context, u upload) (invocation, error) {
	cfg := filepath.Join(u.scratch, "rclone.conf")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		return invocation{}, fmt.Errorf("write rclone config: %w", err)
	}
	env := envWithout(os.Environ(), func(k string) bool {
		return k == "AWS_CA_BUNDLE" || strings.HasPrefix(k, "RCLONE_")
	})
	env = append(env,
		"RCLONE_CONFIG="+cfg,
		"RCLONE_CONFIG_BENCH_TYPE=s3",
		"RCLONE_CONFIG_BENCH_PROVIDER=Minio",
		"RCLONE_CONFIG_BENCH_ENDPOINT="+u.endpoint,
		"RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="+u.accessKey,
		"RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="+u.secretKey,
	)
	dst := "bench:" + u.bucket + "/" + strings.TrimSuffix(u.prefix, "/")
	return invocation{args: []string{t.path, "copy", u.src, dst}, env: env}, nil
}

// ---- helpers ----

// envWithout returns env minus the variables whose name drop reports.
func envWithout(env []string, drop func(name string) bool) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !drop(name) {
			out = append(out, kv)
		}
	}
	return out
}

func hasPrefix(p string) func(string) bool {
	return func(s string) bool { return strings.HasPrefix(s, p) }
}

// goBinaryVersion reads the module version a Go binary was built from; mc
// built with `go install` reports only DEVELOPMENT.GOGET on --version.
func goBinaryVersion(path string) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%s %s (%s)", info.Main.Path, info.Main.Version, info.GoVersion)
}

// commandVersion runs a --version style command and keeps its first line.
func commandVersion(ctx context.Context, path string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
