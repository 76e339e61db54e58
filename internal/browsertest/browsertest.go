// Package browsertest drives a real headless Chromium (Debian's chromium)
// through the Chrome DevTools Protocol, to play the person at the system
// browser in end-to-end sign-in tests.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// ExecPath returns the Chromium binary: $HOIST_CHROMIUM, else chromium or
// chromium-browser on PATH.
func ExecPath() (string, error) {
	if p := os.Getenv("HOIST_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium found: install Debian's chromium (make deps does) or set HOIST_CHROMIUM")
}

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	ctx    context.Context
	cancel func()
}

// Start launches Chromium with a fresh user-data dir (removed by Close).
func Start(ctx context.Context) (*Browser, error) {
	path, err := ExecPath()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hoist-chromium-")
	if err != nil {
		return nil, fmt.Errorf("create profile dir: %w", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start Chromium: %w", err)
	}
	return &Browser{ctx: bctx, cancel: func() {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(dir)
	}}, nil
}

// Close stops Chromium and removes its profile.
func (b *Browser) Close() { b.cancel() }

// SignIn opens url (an authorization URL), fills the dev provider's login
// form with username and password, submits it and waits until the browser
// lands on the app's loopback page. It returns that page's text.
func (b *Browser) SignIn(url, username, password string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=login]`), username),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), password),
		chromedp.Submit(chromedp.CSS(`form`)),
		waitForLoopback(),
	)
	if err != nil {
		return "", fmt.Errorf("sign in with Chromium: %w", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	if err != nil {
		return "", fmt.Errorf("read the callback page: %w", err)
	}
	return text, nil
}

// Visit opens url and returns the page's text.
func (b *Browser) Visit(url string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return "", fmt.Errorf("visit %s: %w", url, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", url, err)
	}
	return text, nil
}

// EndSession opens url (a provider's end-session page, RP-initiated
// logout), confirms the sign-out with the dev provider's "Yes, sign me out"
// button, and returns the text of the page it lands on.
func (b *Browser) EndSession(url string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`button[name=logout]`)),
		chromedp.Click(chromedp.CSS(`button[name=logout]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`button[name=logout]`)),
	)
	if err != nil {
		return "", fmt.Errorf("end the session with Chromium: %w", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	if err != nil {
		return "", fmt.Errorf("read the end-session page: %w", err)
	}
	return text, nil
}

// waitForLoopback waits until the page is the app's loopback callback.
func waitForLoopback() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		for {
			if loc, err := chromedp.Location()(ctx, t); err == nil && strings.Contains(loc, "/callback") {
				return chromedp.WaitReady(chromedp.CSS(`body`))(ctx, t)
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("the browser never reached the app's callback: %w", ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// Cancel opens url (an authorization URL), presses the provider's Cancel
// link and waits until the browser lands on the app's loopback page. It
// returns that page's text.
func (b *Browser) Cancel(url string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`#cancel`)),
		chromedp.Click(chromedp.CSS(`#cancel`)),
		waitForLoopback(),
	)
	if err != nil {
		return "", fmt.Errorf("cancel sign-in with Chromium: %w", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	if err != nil {
		return "", fmt.Errorf("read the callback page: %w", err)
	}
	return text, nil
}
