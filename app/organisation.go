package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"fyne.io/fyne/v2/lang"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/app/org"
	"hoist/assets"
)

// notConnectedError is what every command says when Hoist has no
// organisation yet; its exit code is cli.ExitUsage (2).
type notConnectedError struct{}

func (notConnectedError) Error() string {
	return lang.L("Hoist is not connected to an organisation yet. Connect once with one of:") + "\n" +
		"  hoist join jane@example.org          " + lang.L("your work e-mail address") + "\n" +
		"  hoist join example.org               " + lang.L("your organisation's web address") + "\n" +
		"  hoist join 'hoist://join?org=…'      " + lang.L("an invitation link from your organisation") + "\n" +
		lang.L("or open the Hoist window, which asks.")
}

func (notConnectedError) ExitCode() int { return cli.ExitUsage }

func (notConnectedError) Unwrap() error { return config.ErrNotConnected }

// exitCodeOf is the exit code an error asks for, else cli.ExitFailed.
func exitCodeOf(err error) int {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return cli.ExitFailed
}

// branding is the organisation built into this binary (nil for none).
func branding() (*config.Pin, error) {
	if assets.Branding == nil {
		return nil, nil
	}
	p, err := config.ParseBranding(assets.Branding.Config)
	if err != nil {
		return nil, fmt.Errorf("read the organisation built into this Hoist: %w", err)
	}
	return p, nil
}

// pendingFetchTimeout caps the first fetch of a descriptor a policy or
// branding names.
const pendingFetchTimeout = 2 * org.FetchTimeout

// findSetup finds the configuration (config.Find). A descriptor that a
// policy or branding fixes but that was never fetched is fetched and saved
// first (the customer confirms nothing: their organisation chose it). With
// no configuration at all it returns the setup and an error wrapping
// config.ErrNotConnected (notConnectedError).
func findSetup(configPath string) (*config.Setup, error) {
	b, err := branding()
	if err != nil {
		return nil, err
	}
	opts := config.FindOptions{ConfigPath: configPath, Branding: b}
	s, err := config.Find(opts)
	if errors.Is(err, config.ErrNotConnected) {
		return s, notConnectedError{}
	}
	if err != nil || s.Pending == "" {
		return s, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), pendingFetchTimeout)
	defer cancel()
	o, err := (&org.Fetcher{}).Fetch(ctx, s.Pending, "")
	if err != nil {
		return nil, fmt.Errorf("connect to the organisation set by %s: %w", s.Source, err)
	}
	if err := org.Save(s.ConnectionPath, o); err != nil {
		return nil, err
	}
	return config.Find(opts)
}

// applyLocks puts the parallelism a managed policy locks into cfg, so that
// the CLI follows the policy as the window does. Not for the window: its
// Settings keep cfg's numbers as the defaults under the customer's choice.
func applyLocks(cfg *config.Config, p *config.Policy) {
	if cfg == nil || p == nil {
		return
	}
	if l := p.Locked.ParallelFiles; l != nil {
		cfg.Upload.ParallelFiles = *l
	}
	if l := p.Locked.ParallelParts; l != nil {
		cfg.Upload.ParallelParts = *l
	}
}

// logSetup records where the settings came from, and warns about what
// weakens them: plain http (at every start, as documented), a config that
// the policy overrides.
func logSetup(log *slog.Logger, s *config.Setup) {
	log.Info("organisation", "origin", string(s.Origin), "source", s.Source, "domain", s.Domain, "fixed", s.Fixed)
	if s.Policy != nil {
		log.Info("managed policy", "path", s.Policy.Path, "fixes_organisation", s.Policy.Organisation != nil, "locks", s.Policy.Locked.Any())
	}
	if s.Ignored != "" {
		log.Warn("config file ignored: the managed policy fixes the organisation", "config", s.Ignored, "policy", s.Policy.Path)
	}
	if s.Config == nil {
		return
	}
	for _, u := range s.Config.PlainHTTPURLs() {
		log.Warn("security.allow_plain_http is on: sign-in tokens and S3 keys cross the network unencrypted", "setting", u)
	}
}

// refreshInBackground re-fetches the descriptor the setup came from (if
// any) with its ETag; a changed one is saved for the next start. It never
// blocks the caller.
func refreshInBackground(s *config.Setup, log *slog.Logger) {
	if s == nil || s.DescriptorURL == "" || s.Config == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*org.FetchTimeout+5*time.Second)
		defer cancel()
		_, _ = (&org.Fetcher{Logger: log}).Refresh(ctx, s)
	}()
}

// advisedError is a start-up error with what to do about it.
type advisedError struct {
	error
	advice string
}

func (e advisedError) Advice() string { return e.advice }
func (e advisedError) Unwrap() error  { return e.error }

// withAdvice says what to do about errors that opening Hoist again cannot
// fix: a setting with a mistake (the message names the file and line).
func withAdvice(err error) error {
	var (
		ve *config.ValidationError
		pe *config.ParseError
		de *config.DescriptorError
	)
	if errors.As(err, &ve) || errors.As(err, &pe) || errors.As(err, &de) {
		return advisedError{err, lang.L("Opening Hoist again won't help: the settings above have a mistake. Copy this message and send it to whoever set Hoist up for you (your organisation's IT support).")}
	}
	return err
}
