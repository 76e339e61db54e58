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
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"cleanlocale"
	"github.com/aws/aws-sdk-go-v2/aws"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/app/signin"
	"hoist/internal/i18n"
	"hoist/uploader"
	"hoist/uploader/journal"
	"hoist/uploader/s3store"
)

// Version and Commit are stamped in by the build (`make build`, `make
// package`: -ldflags "-X hoist/app.Version=… -X hoist/app.Commit=…", the
// version from FyneApp.toml, the commit from git). A plain `go build`
// leaves them as they are here.
var (
	Version = "dev"
	Commit  = ""
)

// VersionLine is what `hoist --version` prints and the About box shows:
// "hoist 0.1.0 (commit 1a2b3c4d5e6f)".
func VersionLine() string {
	if Commit == "" {
		return "hoist " + Version
	}
	return "hoist " + Version + " (commit " + Commit + ")"
}

// Main runs Hoist with the process arguments (args[0] is the program name)
// and returns the exit code. Without a command it opens the window.
func Main(args []string) int {
	attachConsole()
	loadLanguages()
	env := &cli.Env{Open: Open, Stdout: os.Stdout, Stderr: os.Stderr, Extra: slices.Concat(accountCommands(), joinCommands(), orgCommands(), supportCommands())}
	if len(args) < 2 || strings.HasPrefix(args[1], "-") && args[1] != "-h" && args[1] != "--help" && args[1] != "--version" {
		return runWindow(context.Background(), env, args[1:])
	}
	if _, isCommand := env.Lookup(args[1]); !isCommand && isWindowArg(args[1]) {
		return runWindow(context.Background(), env, args[1:]) // a link, or "Open with Hoist"
	}
	cleanlocale.Restore() // no window: the user's locale for what the commands start
	if code, handled := viaRunningWindow(args[1:], env.Stdout, env.Stderr); handled {
		return code
	}
	switch args[1] {
	case "version", "--version":
		fmt.Fprintln(env.Stdout, VersionLine())
		return cli.ExitOK
	}
	limitCLIMemory()
	return cli.Run(context.Background(), env, args[1:])
}

// loadLanguages loads Hoist's translations for the window and the
// commands alike, before cleanlocale.Restore puts back a locale spelling
// that Fyne's locale parser complains about (C.UTF-8). A failure leaves
// every text in English; openBase writes it to the log as well.
func loadLanguages() {
	if err := i18n.Load(); err != nil {
		slog.Warn("texts stay in English", "error", err)
	}
}

// cliMemoryLimit is the Go heap's soft limit for CLI commands. A send of
// 100,000 small files holds one record per file still queued (finished
// ones leave memory) and, at the end, its receipt; without a limit the
// heap grows to twice what is live before the collector runs (the target
// is 150 MiB peak RSS, see `make bench`).
const cliMemoryLimit = 96 << 20

// limitCLIMemory applies cliMemoryLimit unless GOMEMLIMIT is set.
func limitCLIMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(cliMemoryLimit)
	}
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
	browser  signin.BrowserOpener
	verbose  bool // --verbose: failure messages carry their technical cause
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
	logger, closeLog := openLog(dataDir)
	logger.Info("starting", "version", Version, "config", cfgPath, "pid", os.Getpid())
	logSetup(logger, setup)
	if err := i18n.Load(); err != nil {
		logger.Warn("texts stay in English", "error", err)
	}
	refreshInBackground(setup, logger)
	b := &base{cfg: cfg, cfgPath: cfgPath, setup: setup, dataDir: dataDir, log: logger, closeLog: closeLog}
	if usesSignIn(cfg) {
		if browser == nil {
			browser = signin.SystemBrowser{}
		}
		b.browser = browser
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

// ownFolders are the folders and files holding Hoist's own data and
// settings: the data folder (sign-in, journals, log), the user config
// folder, and the config file in use. The engine never sends them.
func (b *base) ownFolders() []string {
	own := []string{b.dataDir}
	if dir, err := config.UserDir(); err == nil {
		own = append(own, dir)
	}
	if b.cfgPath != "" && !strings.Contains(b.cfgPath, "://") {
		if fi, err := os.Stat(b.cfgPath); err == nil && fi.Mode().IsRegular() {
			own = append(own, b.cfgPath)
		}
	}
	return own
}

// usesSignIn reports whether credentials come from signing in. Static keys
// in the config win (local development).
func usesSignIn(cfg *config.Config) bool {
	return cfg.Signin.Enabled() && !cfg.S3.HasStaticKeys()
}

// core is base plus one person's journal, the store and the engine (not
// started).
type core struct {
	*base
	person  *person // whose journal; nil without sign-in
	journal *journal.Journal
	engine  *uploader.Engine
	tmpl    uploader.PrefixTemplate
	creds   *webCredentials // nil unless signed in
	watch   *watchers       // nil for read-only cores
}

// release continues uploads held for a new sign-in, with credentials of
// the person now signed in (they may be someone else).
func (c *core) release() {
	if c.creds != nil {
		c.creds.renew()
	}
	c.engine.Release()
}

// engineHooks are the engine callbacks a mode supplies.
type engineHooks struct {
	onEvent             func(uploader.Event)
	onCredentialsNeeded func(error)
}

// openCore builds the engine on b for the person signed in (see
// openCoreFor).
func openCore(ctx context.Context, b *base, hooks engineHooks) (*core, error) {
	var p *person
	if b.signin != nil {
		if p = personOf(b.signin.Identity()); p == nil {
			return nil, errors.New("sign in before opening the uploads")
		}
	}
	return openCoreFor(ctx, b, hooks, p, false)
}

// openCoreFor builds the engine on b over p's journal (nil p: the journal
// of a configuration without sign-in), read-only for commands that only
// look. The engine's credentials come from the sign-in client when there is
// one, and only while p is the person signed in; else from static keys or
// the SDK's default chain.
func openCoreFor(ctx context.Context, b *base, hooks engineHooks, p *person, readOnly bool) (*core, error) {
	allowed := []string(nil)
	if b.signin != nil {
		_, allowed = config.KeyPrefixPlaceholders()
	}
	tmpl, err := uploader.ParsePrefixTemplate(b.cfg.Upload.KeyPrefix, allowed...)
	if err != nil {
		return nil, fmt.Errorf("upload.key_prefix: %w", err)
	}
	var creds aws.CredentialsProvider
	var cache *webCredentials
	if b.signin != nil && p != nil {
		if cache, err = webIdentityCredentials(ctx, b.cfg, personTokens{b.signin, p}, p.Subject); err != nil {
			return nil, err
		}
		creds = cache
	}
	store, err := newStore(ctx, b.cfg, creds)
	if err != nil {
		return nil, err
	}
	j, err := openJournal(b, p, readOnly)
	if err != nil {
		return nil, err
	}
	opts := engineOptions(b.cfg)
	opts.Store, opts.Journal, opts.Logger = store, j, b.log
	opts.OwnFolders = b.ownFolders()
	opts.Receipts = receiptOptions(b, p, tmpl)
	opts.OnEvent, opts.OnCredentialsNeeded = logFailures(b.log, hooks.onEvent), hooks.onCredentialsNeeded
	engine, err := uploader.New(opts)
	if err != nil {
		j.Close()
		return nil, err
	}
	c := &core{base: b, person: p, journal: j, engine: engine, tmpl: tmpl, creds: cache}
	if !readOnly {
		c.watch = startWatchers(engine, b.cfg.Upload.KeepAwake, b.log)
	}
	return c, nil
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
		if !personOf(id).same(c.person) {
			return "", errors.New("these uploads belong to someone else: sign in as them, or open the uploads of the person signed in")
		}
		claims = id.Claims
	}
	return c.tmpl.Expand(time.Now(), claims), nil
}

// close stops the engine (unfinished jobs stay resumable) and releases the
// journal and the log.
func (c *core) close() error {
	err := c.shutdown()
	c.closeLog()
	return err
}

// shutdown stops the engine and releases the journal; the log stays open.
func (c *core) shutdown() error {
	c.engine.Close()
	c.watch.close()
	return c.journal.Close()
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
		// Multipart objects report their full-object CRC32C unless the
		// store lacks that type.
		CompositeChecksums: cfg.S3.Checksum == config.ChecksumCRC32CComposite,
		// Room for every request in flight, also after the window's
		// Settings raise the parallelism (idle connections are only kept
		// when they were needed).
		MaxConns:    max(cfg.Upload.ParallelFiles*cfg.Upload.ParallelParts, uploader.MaxConnections) + 8,
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
	rate, sched := u.SpeedLimit()
	return uploader.Options{
		Bucket: cfg.S3.Bucket,
		// The number of requests in flight adapts to the link; the
		// settings, when set, are upper bounds.
		Adaptive:           true,
		ParallelFiles:      u.ParallelFiles,
		ParallelParts:      u.ParallelParts,
		MaxRate:            rate,
		RateSchedule:       sched,
		PartSize:           int64(u.PartSize),
		MultipartThreshold: max(int64(u.MultipartThreshold), 1),
		Checksums:          cfg.S3.Checksum != config.ChecksumNone,
		Collision:          uploader.CollisionPolicy(u.OnCollision),
		StallTimeout:       time.Duration(u.StallTimeout),
		RetryMaxWait:       time.Duration(u.RetryMaxWait),
		HistoryMaxEntries:  cfg.History.MaxEntries,
		HistoryMaxAge:      time.Duration(cfg.History.MaxAgeDays) * 24 * time.Hour,
	}
}

// logFailures returns an event hook that logs every upload that failed,
// with its technical cause for support, then calls next (if set).
func logFailures(log *slog.Logger, next func(uploader.Event)) func(uploader.Event) {
	return func(ev uploader.Event) {
		if ev.Kind == uploader.JobEnded && ev.Job.State == uploader.StateFailed {
			log.Warn("upload failed", "job", ev.Job.ID, "key", ev.Job.Key, "reason", ev.Job.Reason, "cause", signin.Redact(ev.Job.Detail))
		}
		if next != nil {
			next(ev)
		}
	}
}

// receiptOptions says where p's batch receipts go (their own folder, see
// uploader.PrefixTemplate.Owner) and what they say about the sender.
func receiptOptions(b *base, p *person, tmpl uploader.PrefixTemplate) *uploader.ReceiptOptions {
	device, _ := os.Hostname()
	o := &uploader.ReceiptOptions{Device: device, App: "hoist " + Version}
	claims := map[string]string{}
	if p != nil {
		o.Sender = uploader.Sender{Subject: p.Subject, Email: p.Email, Name: p.Name}
		claims["sub"], claims["email"] = p.Subject, p.Email
		if b.signin != nil {
			if id := b.signin.Identity(); id != nil && personOf(id).same(p) {
				claims = id.Claims
			}
		}
	}
	o.Root = tmpl.Owner(claims)
	return o
}
