// Package ui is Hoist's desktop window, built with Fyne.
//
// It talks to the rest of Hoist only through the narrow interfaces in this
// file (Uploads, Account), which package app implements. It starts no
// network work of its own: widgets call those interfaces, from a goroutine
// wherever the call may block, and every widget change happens on the Fyne
// UI goroutine (directly in callbacks, through fyne.Do from anywhere else).
//
// Progress reaches the window through one bridge: a ticker (about 4 Hz)
// takes Uploads.Snapshot off the UI goroutine, turns it into row view
// models, and hands them to the window with a single fyne.Do. A slow or
// frozen window therefore never slows an upload.
package ui

import (
	"context"

	"fyne.io/fyne/v2"

	"hoist/uploader"
)

// Uploads is the upload engine as the window sees it. Package app
// implements it over *uploader.Engine and the configured key prefix.
// Methods must be safe for concurrent use. The window calls Snapshot from
// its progress ticker's goroutine; it calls every other method off the UI
// goroutine (commands one at a time, in the order the user gave them), so
// they may block on the disk or the network.
type Uploads interface {
	// Add queues files and folders (absolute local paths) as dropped.
	// Folders keep their structure. Paths that cannot be queued are listed
	// in Added.Problems with a plain reason; an error means nothing could be
	// recorded (the reason is shown to the user).
	Add(ctx context.Context, paths ...string) (uploader.Added, error)
	// Snapshot returns the state of this session's jobs. It is called
	// several times a second and must be cheap. Each call returns a new
	// snapshot that nobody changes afterwards: the window keeps pointers
	// into it.
	Snapshot() uploader.Snapshot
	// Pause, Resume and Cancel act on unfinished jobs; unknown IDs are
	// ignored.
	Pause(ids ...uint64)
	Resume(ids ...uint64)
	Cancel(ids ...uint64)
	// Retry queues failed, cancelled or skipped jobs again.
	Retry(ids ...uint64) error
	// PauseForSignIn pauses jobs until their owner signs in again; the
	// journal keeps the promise across restarts (JobRecord.WaitingSignIn).
	PauseForSignIn(ids ...uint64)
	// TryNow ends the wait before a failed request's next try.
	TryNow(ids ...uint64)
	// ClearFinished takes finished jobs out of the list (not out of
	// history).
	ClearFinished()
	PauseAll()
	ResumeAll()
	CancelAll()
	// RetryFailed queues every failed job in history again and returns
	// their IDs.
	RetryFailed() ([]uint64, error)
	// History returns finished jobs, newest first; with failedOnly only the
	// failed ones.
	History(failedOnly bool) ([]uploader.JobRecord, error)
}

// Account is the user's sign-in as the window sees it. Package app
// implements it over the OIDC sign-in. The window calls every method from
// a goroutine of its own.
type Account interface {
	// SignIn opens the system browser and blocks until the user has signed
	// in, ctx is cancelled, or sign-in failed. onURL, if the sign-in link is
	// known, is called with it (from any goroutine) so the window can offer
	// it to copy. Errors are in plain words: their text is shown as is.
	// When uploads were held for a new sign-in, a successful SignIn releases
	// them.
	SignIn(ctx context.Context, onURL func(url string)) (Identity, error)
	// SignOut forgets the user's sign-in on this computer.
	SignOut(ctx context.Context) error
	// Restore signs in silently with what was kept from an earlier sign-in;
	// ok is false when the user has to sign in.
	Restore(ctx context.Context) (id Identity, ok bool)
}

// Errors from SignIn (and from other calls whose error text the window
// shows) may implement interface{ Details() string }: the window then
// offers the technical cause behind a Details button, for support.

// Identity is who is signed in, for display.
type Identity struct {
	Name, Email string
	// ID is the same for the same person and differs between people (it
	// is not shown). Uploads paused by a sign-out resume only when the same
	// person signs in again.
	ID string
}

// Deps is everything the window needs. App, Uploads and Version are
// required; Account is required when NeedsSignIn is true.
type Deps struct {
	// App is the Fyne app; the window keeps its settings in
	// App.Preferences() and sends desktop notifications through it.
	App fyne.App
	// Uploads is the upload engine.
	Uploads Uploads
	// Account is the sign-in. Nil or unused when NeedsSignIn is false.
	Account Account
	// NeedsSignIn is false when the configuration uses static development
	// keys: the window then goes straight to the uploads screen and shows no
	// sign-in or sign-out.
	NeedsSignIn bool
	// Organisation is the name shown in the header and on the welcome
	// screen (default "Hoist").
	Organisation string
	// Logo is an optional image shown beside the organisation name.
	Logo fyne.Resource
	// Version is shown in the title bar and the About dialog.
	Version string
	// Commit is the source revision the build was made from, shown in the
	// About dialog ("" when not stamped).
	Commit string
	// Defaults are the settings from the configuration, used until the user
	// changes them in the Settings dialog.
	Defaults Settings
	// OnSettings, if set, is called on the UI goroutine after the user saved
	// new settings (already persisted). It must not block.
	OnSettings func(Settings)
	// LiveSettings says OnSettings applies the parallelism to uploads that
	// start from then on; when false the Settings dialog says the new
	// values apply after Hoist restarts.
	LiveSettings bool
	// Domain is the address the organisation's settings came from
	// ("acme.example"), shown beside its name in Settings and About; "" when
	// a config file set Hoist up.
	Domain string
	// Connector, when set, lets the customer connect to a different
	// organisation from Settings and About (unless Policy.Organisation).
	Connector Connector
	// OnOrganisationChanged is called on the UI goroutine after the
	// customer connected to another organisation (already saved); the
	// composition root restarts Hoist with it.
	OnOrganisationChanged func(Organisation)
	// Policy are the settings the organisation fixed.
	Policy Policy
	// Support, if set, gives the window receipts, the re-send request
	// banner, "Copy report for support" and, for staff (SetStaff), the
	// Support tab.
	Support Support
	// KeepingAwake, if set, reports whether the computer is being kept
	// awake while uploads run; the window then says so. It is called off
	// the UI goroutine, several times a second, and must be cheap.
	KeepingAwake func() bool
	// Window, if set, is the window to use (the connect screen's, on first
	// run) instead of a new one.
	Window fyne.Window
	// Picker, if set, is the platform's own file dialog (several files at
	// once, the customer's usual places); without it, or where it says it
	// is unavailable, the window shows Fyne's.
	Picker Picker
	// Tray says the desktop shows a system tray: closing the window while
	// uploads run then keeps Hoist running there. Without one the window
	// asks before quitting, as it always did.
	Tray bool
	// Destination, if set, words an object key for people: the
	// organisation's name and the folder, without the parts that only
	// tell people apart (a subject UUID). Nil shows the key as it is.
	Destination func(key string) string
}

// Picker is the platform's own file dialog. Pick blocks until the customer
// chose (several files or folders may be chosen) or cancelled (no paths,
// no error); an error means there is no such dialog here, and the window
// shows Fyne's instead. The window calls it off the UI goroutine.
type Picker interface {
	Pick(title string, folders bool) ([]string, error)
}

// Policy are settings fixed by the organisation (a managed policy file):
// the window shows them as "Set by your organisation" and does not let the
// customer change them. Zero values are not locked.
type Policy struct {
	// ParallelFiles and ParallelParts, when above 0, are locked to that
	// value.
	ParallelFiles, ParallelParts int
	// Notifications, when not nil, is locked to its value.
	Notifications *bool
	// Organisation is fixed: no "Connect to a different organisation".
	Organisation bool
}

// Apply puts the locked values into s.
func (p Policy) Apply(s Settings) Settings {
	if p.ParallelFiles > 0 {
		s.ParallelFiles = p.ParallelFiles
	}
	if p.ParallelParts > 0 {
		s.ParallelParts = p.ParallelParts
	}
	if p.Notifications != nil {
		s.Notifications = *p.Notifications
	}
	return s
}
