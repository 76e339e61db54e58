package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"fyne.io/fyne/v2/lang"

	"hoist/app/signin"
	"hoist/uploader/journal"
)

// openJournal opens p's journal in b's data folder (see journalPathFor):
// read-only for commands that only look, else for writing (a journal of an
// earlier Hoist is taken over first, see preparePersonFolder). Failures come
// as a *journalProblem that says what to do.
func openJournal(b *base, p *person, readOnly bool) (*journal.Journal, error) {
	path := journalPathFor(b.dataDir, p)
	if readOnly {
		j, err := journal.OpenReadOnly(path)
		if err != nil {
			return nil, newJournalProblem(path, err)
		}
		return j, nil
	}
	if p != nil {
		if err := preparePersonFolder(b.dataDir, p, b.log); err != nil {
			return nil, newJournalProblem(path, err)
		}
	}
	j, err := journal.Open(path)
	if err != nil {
		b.log.Error("open journal", "path", path, "error", err)
		return nil, newJournalProblem(path, err)
	}
	return j, nil
}

// journalProblem is a journal that could not be opened, in plain words.
type journalProblem struct {
	Path string
	Err  error
	// Damaged means moving the file aside (moveJournalAside) lets Hoist
	// start again.
	Damaged bool
}

func newJournalProblem(path string, err error) *journalProblem {
	return &journalProblem{Path: path, Err: err, Damaged: errors.Is(err, journal.ErrCorrupt)}
}

// Error says what happened and what to do, then the cause.
func (e *journalProblem) Error() string {
	dir := filepath.Dir(e.Path)
	var msg string
	switch {
	case e.Damaged:
		msg = lang.L("Hoist's list of your uploads ({{.Path}}) is damaged, so Hoist can't use it. Run `hoist reset-journal` to move it aside and start with an empty list: the list of unfinished uploads is lost (files already sent stay in storage; send unfinished ones again). The damaged file is kept for support.",
			map[string]any{"Path": e.Path})
	case errors.Is(e.Err, syscall.ENOSPC):
		msg = lang.L("The disk is full: Hoist has no room for its list of uploads in {{.Folder}}. Free some space, then start Hoist again.", map[string]any{"Folder": dir})
	case errors.Is(e.Err, syscall.EROFS), errors.Is(e.Err, os.ErrPermission):
		msg = lang.L("Hoist can't write to its data folder {{.Folder}}. Check that the disk is not read-only and that you may write there, or choose another folder with --data-dir or HOIST_DATA_DIR.", map[string]any{"Folder": dir})
	case errors.Is(e.Err, journal.ErrLocked):
		return lang.L("another Hoist is already running with this data folder. Use that one, or quit it first.")
	case errors.Is(e.Err, journal.ErrNewerVersion):
		msg = lang.L("Hoist's list of uploads was written by a newer version of Hoist. Install that version again.")
	default:
		msg = lang.L("Hoist couldn't open its list of uploads.")
	}
	return msg + " (" + e.Err.Error() + ")"
}

func (e *journalProblem) Unwrap() error { return e.Err }

// moveJournalAside renames a damaged journal to "<name>.damaged-<time>"
// beside it (kept for support) and returns the new name. The next open
// starts an empty journal.
func moveJournalAside(path string) (string, error) {
	aside := path + ".damaged-" + time.Now().Format("20060102-150405")
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("move the damaged journal aside: %w", err)
	}
	return aside, nil
}

// personTokens hands out ID tokens for STS only while p is the person
// signed in: the engine of someone who signed out never gets the next
// person's credentials (it waits for its own person to sign in again).
type personTokens struct {
	c *signin.Client
	p *person
}

// IDToken returns the signed-in person's ID token, or an error matching
// signin.ErrNotSignedIn when someone else (or nobody) is signed in.
func (t personTokens) IDToken(ctx context.Context) (string, error) {
	if !personOf(t.c.Identity()).same(t.p) {
		return "", fmt.Errorf("get the ID token of %s: %w", t.p.Name, signin.ErrNotSignedIn)
	}
	return t.c.IDToken(ctx)
}
