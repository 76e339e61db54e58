// Package app is Hoist's composition root: it loads the configuration,
// builds sign-in, credentials, the S3 store, the journal and the engine, and
// then runs a CLI command or the window. It is the only package that wires
// concrete parts together.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/app/signin"
	"hoist/uploader"
	"hoist/uploader/journal"
	"hoist/uploader/s3store"
)

// Version is set at build time with -ldflags "-X hoist/app.Version=…".
var Version = "0.1.0"

// Main runs Hoist with the process arguments (args[0] is the program name)
// and returns the exit code. Without a command it opens the window.
func Main(args []string) int {
	env := &cli.Env{Open: Open, Stdout: os.Stdout, Stderr: os.Stderr, Extra: append(accountCommands(), joinCommands()...)}
	if len(args) < 2 || strings.HasPrefix(args[1], "-") && args[1] != "-h" && args[1] != "--help" && args[1] != "--version" {
		return runWindow(context.Background(), env, args[1:])
	}
	if _, isCommand := env.Lookup(args[1]); !isCommand && isWindowArg(args[1]) {
		return runWindow(context.Background(), env, args[1:]) // a link, or "Open with Hoist"
	}
	if code, handled := viaRunningWindow(args[1:], env.Stdout, env.Stderr); handled {
		return code
	}
	switch args[1] {
	case "version", "--version":
		fmt.Println("hoist", Version)
		return cli.ExitOK
	}
	return cli.Run(context.Background(), env, args[1:])
}

// base is what every mode builds first: config, data dir, log and, when
// configured, the sign-in client.
type base struct {
	cfg      *config.Config
	cfgPath  string
	setup    *config.Setup // where cfg came from (organisation, policy)
	dataDir  string
	log      *slog.Logger
	closeLog func()
	signin   *signin.Client // nil unless the config uses sign-in
}

// openBase loads the configuration and prepares logging and sign-in. It
// makes no network request. browser opens sign-in pages; nil means the
// system browser.
func openBase(configPath, dataDirFlag string, browser signin.BrowserOpener) (*base, error) {
	setup, err := findSetup(configPath)
	if err != nil {
		return nil, err
	}
	cfgPath, cfg := setup.Source, setup.Config
	dataDir, err := config.DataDir(dataDirFlag)
	if err != nil {
		return nil, err
	}
	logger, closeLog, err := openLog(dataDir)
	if err != nil {
		return nil, err
	}
	logger.Info("starting", "version", Version, "config", cfgPath, "pid", os.Getpid())
	logSetup(logger, setup)
	refreshInBackground(setup, logger)
	b := &base{cfg: cfg, cfgPath: cfgPath, setup: setup, dataDir: dataDir, log: logger, closeLog: closeLog}
	if usesSignIn(cfg) {
		if browser == nil {
			browser = signin.SystemBrowser{}
		}
		b.signin, err = signin.New(signin.Config{
			Issuer:       cfg.Signin.Issuer,
			ClientID:     cfg.Signin.ClientID,
			Scopes:       cfg.Signin.Scopes,
			RedirectPort: cfg.Signin.RedirectPort,
			Browser:      browser,
			Store:        signin.NewDefaultStore(dataDir, logger),
			Logger:       logger,
		})
		if err != nil {
			closeLog()
			return nil, fmt.Errorf("set up sign-in: %w", err)
		}
	}
	return b, nil
}

// usesSignIn reports whether credentials come from signing in. Static keys
// in the config win (local development).
func usesSignIn(cfg *config.Config) bool {
	return cfg.Signin.Enabled() && !cfg.S3.HasStaticKeys()
}

// core is base plus the journal, the store and the engine (not started).
type core struct {
	*base
	journal *journal.Journal
	engine  *uploader.Engine
	tmpl    uploader.PrefixTemplate
	creds   *aws.CredentialsCache // nil unless signed in
}

// release continues uploads held for a new sign-in, with credentials of
// the person now signed in (they may be someone else).
func (c *core) release() {
	if c.creds != nil {
		c.creds.Invalidate()
	}
	c.engine.Release()
}

// engineHooks are the engine callbacks a mode supplies.
type engineHooks struct {
	onEvent             func(uploader.Event)
	onCredentialsNeeded func(error)
}

// openCore builds the engine on b. The engine's credentials come from the
// sign-in client when there is one (the caller signs in before starting
// the engine), else from static keys or the SDK's default chain.
func openCore(ctx context.Context, b *base, hooks engineHooks) (*core, error) {
	allowed := []string(nil)
	if b.signin != nil {
		_, allowed = config.KeyPrefixPlaceholders()
	}
	tmpl, err := uploader.ParsePrefixTemplate(b.cfg.Upload.KeyPrefix, allowed...)
	if err != nil {
		return nil, fmt.Errorf("upload.key_prefix: %w", err)
	}
	var creds aws.CredentialsProvider
	var cache *aws.CredentialsCache
	if b.signin != nil {
		if cache, err = webIdentityCredentials(ctx, b.cfg, b.signin, b.subject()); err != nil {
			return nil, err
		}
		creds = cache
	}
	store, err := newStore(ctx, b.cfg, creds)
	if err != nil {
		return nil, err
	}
	j, err := journal.Open(journal.DefaultPath(b.dataDir))
	if err != nil {
		return nil, err
	}
	opts := engineOptions(b.cfg)
	opts.Store, opts.Journal, opts.Logger = store, j, b.log
	opts.OnEvent, opts.OnCredentialsNeeded = hooks.onEvent, hooks.onCredentialsNeeded
	engine, err := uploader.New(opts)
	if err != nil {
		j.Close()
		return nil, err
	}
	return &core{base: b, journal: j, engine: engine, tmpl: tmpl, creds: cache}, nil
}

// subject returns the signed-in user's subject ("" when not signed in).
func (b *base) subject() string {
	if b.signin == nil {
		return ""
	}
	if id := b.signin.Identity(); id != nil {
		return id.Subject
	}
	return ""
}

// prefix expands the key prefix for files queued now, with the signed-in
// user's claims.
func (c *core) prefix() (string, error) {
	var claims map[string]string
	if c.signin != nil {
		id := c.signin.Identity()
		if id == nil {
			return "", errors.New("sign in before sending files")
		}
		claims = id.Claims
	}
	return c.tmpl.Expand(time.Now(), claims), nil
}

// close stops the engine (unfinished jobs stay resumable) and releases the
// journal and the log.
func (c *core) close() error {
	c.engine.Close()
	err := c.journal.Close()
	c.closeLog()
	return err
}

// newStore builds the S3 store. Credentials: creds when given (sign-in),
// else static keys from the config (local development only), else the AWS
// SDK's default chain.
func newStore(ctx context.Context, cfg *config.Config, creds aws.CredentialsProvider) (*s3store.Store, error) {
	opts := s3store.Options{
		Endpoint:  cfg.S3.Endpoint,
		Region:    cfg.S3.Region,
		Bucket:    cfg.S3.Bucket,
		PathStyle: cfg.S3.PathStyle,
		Checksums: cfg.S3.Checksum != config.ChecksumNone,
		// Room for every request in flight, also after the window's
		// Settings raise the parallelism (idle connections are only kept
		// when they were needed).
		MaxConns:    max(cfg.Upload.ParallelFiles*cfg.Upload.ParallelParts+4, 64),
		Credentials: creds,
		// Credentials given here come from STS and expire.
		TemporaryCredentials: creds != nil,
	}
	if creds == nil && cfg.S3.HasStaticKeys() {
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
		MultipartThreshold: max(int64(u.MultipartThreshold), 1),
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
	level := slog.LevelInfo
	if os.Getenv("HOIST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: level})), func() { f.Close() }, nil
}
