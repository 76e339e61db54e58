// Package app is Hoist's composition root: it loads the configuration,
// builds the credentials, the S3 store, the journal and the engine, and then
// runs a CLI command or the window. It is the only package that wires
// concrete parts together.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/uploader"
	"hoist/uploader/journal"
	"hoist/uploader/s3store"
)

// Version is set at build time with -ldflags "-X hoist/app.Version=…".
var Version = "0.1.0-dev"

// Main runs Hoist with the process arguments (args[0] is the program name)
// and returns the exit code.
func Main(args []string) int {
	env := &cli.Env{Open: Open, Stdout: os.Stdout, Stderr: os.Stderr}
	if len(args) < 2 {
		env.Usage(os.Stderr)
		return cli.ExitUsage
	}
	if args[1] == "version" || args[1] == "--version" {
		fmt.Println("hoist", Version)
		return cli.ExitOK
	}
	return cli.Run(context.Background(), env, args[1:])
}

// Open builds a session from the configuration: journal, store and engine
// (not started).
func Open(ctx context.Context, o cli.OpenOptions) (*cli.Session, error) {
	cfgPath, cfg, err := config.Resolve(o.ConfigPath)
	if err != nil {
		return nil, err
	}
	dataDir, err := config.DataDir(o.DataDir)
	if err != nil {
		return nil, err
	}
	logger, closeLog, err := openLog(dataDir)
	if err != nil {
		return nil, err
	}
	logger.Info("starting", "version", Version, "config", cfgPath)
	j, err := journal.Open(journal.DefaultPath(dataDir))
	if err != nil {
		closeLog()
		return nil, err
	}
	store, err := newStore(ctx, cfg)
	if err != nil {
		j.Close()
		closeLog()
		return nil, err
	}
	opts := engineOptions(cfg)
	opts.Store, opts.Journal, opts.Logger, opts.OnEvent = store, j, logger, o.OnEvent
	engine, err := uploader.New(opts)
	if err != nil {
		j.Close()
		closeLog()
		return nil, err
	}
	tmpl, err := uploader.ParsePrefixTemplate(cfg.Upload.KeyPrefix)
	if err != nil {
		j.Close()
		closeLog()
		return nil, fmt.Errorf("upload.key_prefix: %w", err)
	}
	return &cli.Session{
		Engine: engine,
		Prefix: func() (string, error) { return tmpl.Expand(time.Now(), nil), nil },
		Close: func() error {
			engine.Close()
			err := j.Close()
			closeLog()
			return err
		},
	}, nil
}

// newStore builds the S3 store. Credentials: static keys from the config
// (local development only), else the AWS SDK's default chain.
func newStore(ctx context.Context, cfg *config.Config) (*s3store.Store, error) {
	opts := s3store.Options{
		Endpoint:  cfg.S3.Endpoint,
		Region:    cfg.S3.Region,
		Bucket:    cfg.S3.Bucket,
		PathStyle: cfg.S3.PathStyle,
		Checksums: cfg.S3.Checksum != config.ChecksumNone,
		MaxConns:  cfg.Upload.ParallelFiles*cfg.Upload.ParallelParts + 4,
	}
	if cfg.S3.HasStaticKeys() {
		opts.Credentials = s3store.StaticCredentials(cfg.S3.AccessKeyID, string(cfg.S3.SecretAccessKey), "")
	}
	return s3store.New(ctx, opts)
}

// engineOptions maps the [upload] settings to engine options.
func engineOptions(cfg *config.Config) uploader.Options {
	u := cfg.Upload
	return uploader.Options{
		Bucket:             cfg.S3.Bucket,
		ParallelFiles:      u.ParallelFiles,
		ParallelParts:      u.ParallelParts,
		PartSize:           int64(u.PartSize),
		MultipartThreshold: int64(u.MultipartThreshold),
		Checksums:          cfg.S3.Checksum != config.ChecksumNone,
		Collision:          uploader.CollisionPolicy(u.OnCollision),
		StallTimeout:       time.Duration(u.StallTimeout),
		RetryMaxWait:       time.Duration(u.RetryMaxWait),
	}
}

// openLog opens hoist.log in the data dir (appending). Support asks for it.
func openLog(dataDir string) (*slog.Logger, func(), error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create data folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dataDir, "hoist.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open log: %w", err)
	}
	var w io.Writer = f
	level := slog.LevelInfo
	if os.Getenv("HOIST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), func() { f.Close() }, nil
}
