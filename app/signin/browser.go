package signin

import (
	"fmt"
	"io"
	"sync"

	"github.com/pkg/browser"
)

// BrowserOpener opens a URL in the person's browser. Open may block until
// the browser has taken the URL (or longer: Client.SignIn calls it on a
// goroutine of its own and does not wait for it). An error means the URL
// was probably not shown; SignIn then relies on its onURL callback.
type BrowserOpener interface {
	Open(url string) error
}

// SystemBrowser opens URLs with the system's default browser through
// github.com/pkg/browser (xdg-open on Linux, open on macOS, the URL handler
// on Windows). The launcher's own output is discarded.
type SystemBrowser struct{}

var silenceBrowser sync.Once

// Open runs the platform's launcher and waits for it to exit.
func (SystemBrowser) Open(url string) error {
	silenceBrowser.Do(func() {
		browser.Stdout = io.Discard
		browser.Stderr = io.Discard
	})
	if err := browser.OpenURL(url); err != nil {
		return fmt.Errorf("open the system browser: %w", err)
	}
	return nil
}
