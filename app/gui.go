package app

import (
	"context"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/app/signin"
	"hoist/assets"
	"hoist/internal/desktop"
	"hoist/ui"
)

// AppID is Hoist's application ID (also in FyneApp.toml). Fyne keeps the
// user's preferences under it.
const AppID = "org.hoist.Hoist"

// NewFyneApp creates Hoist's Fyne app with its ID, name, version and icon,
// and Fyne's fyneDo threading model (FyneApp.toml's migration, which a
// plain `go build` does not read). Call it once, first: the user's saved
// settings live in its preferences (see GUISettings).
func NewFyneApp() fyne.App {
	icon := fyne.NewStaticResource("icon.png", assets.IconPNG)
	fyneapp.SetMetadata(fyne.AppMetadata{
		ID: AppID, Name: "Hoist", Version: Version, Build: 1, Icon: icon,
		Migrations: map[string]bool{"fyneDo": true},
	})
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(icon)
	a.Settings().SetTheme(ui.Theme())
	return a
}

// GUISettings returns the user's settings from the window's Settings
// dialog, falling back to the configuration's [upload] values for what the
// user never changed. Open the session with its ParallelFiles and
// ParallelParts.
func GUISettings(a fyne.App, u config.Upload) ui.Settings {
	return ui.LoadSettings(a.Preferences(), settingsDefaults(u))
}

// settingsDefaults are the Settings dialog's values from the [upload]
// table, for what the user never changed.
func settingsDefaults(u config.Upload) ui.Settings {
	d := ui.DefaultSettings()
	d.ParallelFiles, d.ParallelParts = u.ParallelFiles, u.ParallelParts
	d.MaxRate, d.RateSchedule, d.KeepAwake = u.MaxRate, u.MaxRateSchedule, u.KeepAwake
	return d
}

// GUI is what RunGUI needs from the composition root.
type GUI struct {
	// Uploads are the uploads of whoever is signed in; RunGUI closes them
	// when the window closes (unfinished uploads stay in their owner's
	// journal and resume next time).
	Uploads *personUploads
	// Account is the browser sign-in; nil when the configuration uses
	// static keys or the default AWS credentials (no sign-in screen then).
	// Its SignIn must open the uploads of the person who signed in.
	Account ui.Account
	// Support, if set, gives the window receipts, re-send requests and the
	// Support tab; Stop, if set, runs once the window has closed.
	Support ui.Support
	Stop    func()
	// Organisation is the [organisation] table; a logo that cannot be read
	// is left out (and logged).
	Organisation config.Organisation
	// Upload is the [upload] table: its parallelism is the default of the
	// Settings dialog.
	Upload config.Upload
	// Logger receives what the user is not shown (may be nil).
	Logger *slog.Logger
	// Onboarding is the organisation part of the window: its address,
	// "Connect to a different organisation", the policy's locks, the
	// window to reuse, a built-in logo.
	Onboarding Onboarding
}

// Onboarding is what the window shows and offers about the organisation.
type Onboarding struct {
	// Domain is where the settings came from ("acme.example"), or "".
	Domain string
	// Connector looks up and saves another organisation; nil offers none.
	Connector ui.Connector
	// OnOrganisationChanged runs after the customer connected to another
	// organisation (UI goroutine).
	OnOrganisationChanged func(ui.Organisation)
	// Policy are the locked settings.
	Policy ui.Policy
	// Window is reused when set (the connect screen's).
	Window fyne.Window
	// Logo replaces Organisation.Logo when set (a branded build's).
	Logo fyne.Resource
	// Started, if set, is called on the UI goroutine with the window once
	// it exists (for hand-overs from a second launch).
	Started func(*ui.MainWindow)
}

// RunGUI shows the window and blocks until the user quits; it returns the
// exit code. Call it on the main goroutine.
func RunGUI(a fyne.App, g GUI) int {
	w, done := StartGUI(a, g)
	defer done()
	w.ShowAndRun()
	return cli.ExitOK
}

// ShowMainWindow builds and shows Hoist's window over g (on the UI
// goroutine, or before the app runs). The caller closes g.Uploads when the
// app has stopped.
func ShowMainWindow(a fyne.App, g GUI) *ui.MainWindow {
	w, _ := StartGUI(a, g)
	w.Show()
	return w
}

// StartGUI builds the window over g (not shown); done closes the uploads,
// after the app has stopped running. Call it on the UI goroutine (or before
// the app runs).
func StartGUI(a fyne.App, g GUI) (w *ui.MainWindow, done func()) {
	log := logger(g)
	done = func() { closeUploads(g) }
	d := settingsDefaults(g.Upload)
	deps := ui.Deps{
		App:          a,
		Uploads:      g.Uploads,
		Account:      g.Account,
		NeedsSignIn:  g.Account != nil,
		Organisation: g.Organisation.Name,
		Logo:         cmpLogo(g.Onboarding.Logo, func() fyne.Resource { return loadLogo(g.Organisation.Logo, log) }),
		Version:      Version,
		Commit:       Commit,
		Defaults:     d,
		OnSettings: func(s ui.Settings) {
			g.Uploads.setParallelism(s.ParallelFiles, s.ParallelParts)
			rate, sched := s.SpeedLimit()
			g.Uploads.setSpeed(rate, sched, s.KeepAwake)
			log.Info("settings saved and applied",
				"parallel_files", s.ParallelFiles, "parallel_parts", s.ParallelParts, "notifications", s.Notifications,
				"max_rate", rate.String(), "max_rate_schedule", sched.String(), "keep_awake", s.KeepAwake)
		},
		LiveSettings: true,
		KeepingAwake: g.Uploads.keepingAwake,

		Domain:                g.Onboarding.Domain,
		Connector:             g.Onboarding.Connector,
		OnOrganisationChanged: g.Onboarding.OnOrganisationChanged,
		Policy:                g.Onboarding.Policy,
		Window:                g.Onboarding.Window,
		Support:               g.Support,

		Picker:      loggedPicker{desktop.Picker{}, log},
		Tray:        desktop.HasTray(),
		Destination: destinationFor(g.Organisation.Name, g.Uploads),
	}
	log.Info("desktop", "system_tray", deps.Tray)
	w = ui.NewMainWindow(deps)
	if g.Onboarding.Started != nil {
		g.Onboarding.Started(w)
	}
	return w, done
}

// cmpLogo is logo when set, else what load returns.
func cmpLogo(logo fyne.Resource, load func() fyne.Resource) fyne.Resource {
	if logo != nil {
		return logo
	}
	return load()
}

func logger(g GUI) *slog.Logger {
	if g.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return g.Logger
}

func closeUploads(g GUI) {
	if g.Stop != nil {
		g.Stop()
	}
	if err := g.Uploads.close(); err != nil {
		logger(g).Error("close the uploads", "error", err)
	}
}

// ShowStartupError shows why Hoist could not start in a small window and
// blocks until the user closes it; it returns cli.ExitFailed.
func ShowStartupError(a fyne.App, err error) int {
	ui.NewStartupErrorWindow(a, Version, withAdvice(err)).ShowAndRun()
	return cli.ExitFailed
}

// loadLogo reads the organisation's logo; nil when there is none or it
// cannot be read.
func loadLogo(path string, log *slog.Logger) fyne.Resource {
	if path == "" {
		return nil
	}
	res, err := fyne.LoadResourceFromPath(path)
	if err != nil {
		log.Warn("load organisation logo", "path", path, "error", err)
		return nil
	}
	return res
}

// SignInAccount is ui.Account over the OIDC sign-in client. After every
// successful sign-in or restore it opens (or continues) the uploads of the
// person now signed in.
type SignInAccount struct {
	Client  *signin.Client
	Uploads *personUploads
	// Browser opens the provider's end-session page at sign-out.
	Browser signin.BrowserOpener
	// DataDir is where the person signed in is recorded.
	DataDir string
	Logger  *slog.Logger
}

var _ ui.Account = SignInAccount{}

// SignIn signs in with the system browser. Errors are in plain words, with
// their technical cause behind Details; a cancelled ctx returns ctx's error.
func (a SignInAccount) SignIn(ctx context.Context, onURL func(url string)) (ui.Identity, error) {
	id, err := a.Client.SignIn(ctx, onURL)
	if err != nil {
		if ctx.Err() != nil {
			return ui.Identity{}, ctx.Err()
		}
		return ui.Identity{}, plainSignInError(err)
	}
	if err := a.Uploads.signedIn(id); err != nil {
		return ui.Identity{}, &plainError{
			msg:     lang.L("You're signed in, but Hoist couldn't open your list of uploads. Quit Hoist and open it again; if it says the list is damaged, it offers to start a new one."),
			details: signin.Redact(err.Error()), cause: err,
		}
	}
	return uiIdentity(id), nil
}

// SignOut forgets the sign-in on this computer and, when the provider has
// an end-session page, opens it so the provider's own session ends too.
func (a SignInAccount) SignOut(ctx context.Context) error {
	endSession, err := a.Client.SignOut(ctx)
	if ferr := forgetCurrentPerson(a.DataDir); ferr != nil && a.Logger != nil {
		a.Logger.Warn("sign out", "error", ferr)
	}
	if c := a.Uploads.current(); c != nil && c.person != nil && a.Uploads.waiting() > 0 {
		// Their uploads wait for them, also after a restart.
		if werr := saveWaitingPerson(a.DataDir, c.person); werr != nil && a.Logger != nil {
			a.Logger.Warn("could not note whose uploads wait for a sign-in", "error", werr)
		}
	}
	if err != nil {
		return plainSignInError(err)
	}
	if endSession != "" && a.Browser != nil {
		if err := a.Browser.Open(endSession); err != nil && a.Logger != nil {
			a.Logger.Warn("could not open the end-session page", "error", err)
		}
	}
	return nil
}

// Restore signs in silently with the saved sign-in.
func (a SignInAccount) Restore(ctx context.Context) (ui.Identity, bool) {
	id, err := a.Client.Restore(ctx)
	if err != nil {
		return ui.Identity{}, false
	}
	if err := a.Uploads.signedIn(id); err != nil {
		return ui.Identity{}, false
	}
	return uiIdentity(id), true
}

// uiIdentity is what the window shows of id.
func uiIdentity(id *signin.Identity) ui.Identity {
	if id == nil {
		return ui.Identity{}
	}
	name := id.Name
	if name == "" {
		name = id.PreferredUsername
	}
	return ui.Identity{Name: name, Email: id.Email, ID: personOf(id).id()}
}

// destinationFor words an object key for the window: the organisation's
// name, then the key without the path parts that only tell people apart
// (the subject of whoever's uploads these are), which mean nothing to a
// customer: "Acme Research › uploads/2026-03-02/survey.zip".
func destinationFor(org string, u *personUploads) func(string) string {
	if org == "" {
		org = lang.L("Your organisation")
	}
	return func(key string) string {
		var sub string
		if c := u.current(); c != nil && c.person != nil {
			sub = c.person.Subject
		}
		parts := strings.Split(key, "/")
		kept := parts[:0:0]
		for _, p := range parts {
			if p != "" && p != sub {
				kept = append(kept, p)
			}
		}
		return org + " › " + strings.Join(kept, "/")
	}
}
