package signin

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	DefaultTimeout       = 5 * time.Minute
	DefaultRefreshBefore = 60 * time.Second
)

// networkTimeout bounds one background exchange with the provider
// (discovery, refresh, revocation) that no caller's context bounds.
const networkTimeout = 30 * time.Second

// DefaultScopes returns the scopes requested when [Config.Scopes] is empty:
// openid profile email offline_access (offline_access asks for the refresh
// token that makes silent sign-in possible).
func DefaultScopes() []string {
	return []string{"openid", "profile", "email", "offline_access"}
}

// Config configures a [Client]. Issuer and ClientID are required; every
// other zero field gets a default.
type Config struct {
	// Issuer is the provider's issuer URL exactly as its discovery document
	// states it (http or https).
	Issuer string
	// ClientID is the native (public, no secret) client registered with
	// the provider, allowed to redirect to http://127.0.0.1/callback on any
	// port.
	ClientID string
	// Scopes to request; empty means DefaultScopes(). "openid" is added
	// when missing.
	Scopes []string
	// RedirectPort is the loopback port of the redirect URI. 0 (the default
	// and the RFC 8252 way) lets the system pick a free port per sign-in;
	// set it only for a provider that insists on an exact redirect URI.
	RedirectPort int
	// Timeout bounds one interactive sign-in, from the browser opening to
	// the verified token. Default 5 minutes.
	Timeout time.Duration
	// RefreshBefore is how long before its expiry the ID token is
	// refreshed; it is capped at half the token's lifetime. Default 60 s.
	RefreshBefore time.Duration
	// Browser opens the authorization URL. Default: SystemBrowser.
	Browser BrowserOpener
	// Store keeps the refresh token between runs. Default: a memory store
	// (nothing survives the process); the app passes NewDefaultStore.
	Store TokenStore
	// HTTPClient talks to the provider. Default: a client with a 30 s
	// timeout.
	HTTPClient *http.Client
	// Logger receives warnings (browser did not open, token not saved,
	// revocation failed). Default: discards.
	Logger *slog.Logger
	// Clock tells the time for expiry decisions. Default: time.Now.
	Clock func() time.Time
}

// Client signs one person in to one provider and keeps their tokens. All
// methods are safe for concurrent use from any goroutine; none touches a
// UI. Create it with [New].
type Client struct {
	cfg      Config
	storeKey string
	log      *slog.Logger

	signingIn   atomic.Bool
	discoveries flight[*provider]
	refreshes   flight[*session]

	storeMu sync.Mutex // held while replacing the session and writing the store

	mu   sync.Mutex // guards the fields below
	prov *provider  // cached discovery, nil until it succeeds
	sess *session   // current session, nil when signed out
	gen  uint64     // bumped whenever sess is replaced or cleared
}

// New checks cfg, fills in defaults and returns a Client. It does no
// network I/O: discovery happens on first use and is cached (retried on
// the next use if it failed).
func New(cfg Config) (*Client, error) {
	if err := validateConfig(cfg); err != nil {
		return nil, fmt.Errorf("configure sign-in: %w", err)
	}
	cfg = withDefaults(cfg)
	return &Client{
		cfg:         cfg,
		storeKey:    cfg.Issuer + " " + cfg.ClientID,
		log:         cfg.Logger,
		discoveries: flight[*provider]{timeout: networkTimeout},
		refreshes:   flight[*session]{timeout: networkTimeout},
	}, nil
}

func validateConfig(cfg Config) error {
	if cfg.ClientID == "" {
		return errors.New("client ID is empty")
	}
	u, err := url.Parse(cfg.Issuer)
	if err != nil {
		return fmt.Errorf("parse issuer: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("issuer %q is not an http(s) URL", cfg.Issuer)
	}
	if cfg.Timeout < 0 || cfg.RefreshBefore < 0 {
		return errors.New("timeout and refresh-before must not be negative")
	}
	return nil
}

func withDefaults(cfg Config) Config {
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = DefaultScopes()
	}
	if !slices.Contains(cfg.Scopes, "openid") {
		cfg.Scopes = append([]string{"openid"}, cfg.Scopes...)
	}
	cfg.Scopes = slices.Clone(cfg.Scopes)
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.RefreshBefore == 0 {
		cfg.RefreshBefore = DefaultRefreshBefore
	}
	if cfg.Browser == nil {
		cfg.Browser = SystemBrowser{}
	}
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: networkTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return cfg
}
