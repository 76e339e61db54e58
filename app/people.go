package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"hoist/app/signin"
	"hoist/uploader/journal"
)

// History and unfinished uploads are kept per person: each person who signs
// in on this computer account has a journal of their own, under
// people/<id>/ in the data folder, where <id> is derived from the issuer and
// the subject (sub) of their ID token. Without sign-in (static keys, the
// AWS default credentials) there is one journal, journal.db, as before.
//
// The journal of a Hoist from before this change (journal.db, when the
// configuration uses sign-in) is taken over by the first person who signs
// in: one person used it before, and this keeps their unfinished uploads.
//
// account.json names the person signed in last, so that commands that work
// offline (history, and the window before the silent sign-in ends) know
// whose journal to read. Sign-out removes it.

// person is whom a journal belongs to.
type person struct {
	Issuer  string `json:"issuer"`
	Subject string `json:"sub"`
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
}

const (
	currentPersonFile = "account.json"
	peopleDir         = "people"
	personFile        = "person.json"
)

// personOf is the person of a signed-in identity (nil for nil).
func personOf(id *signin.Identity) *person {
	if id == nil {
		return nil
	}
	return &person{Issuer: id.Issuer, Subject: id.Subject, Name: id.DisplayName(), Email: id.Email}
}

// same reports whether p and q are the same person (issuer and subject).
func (p *person) same(q *person) bool {
	if p == nil || q == nil {
		return p == q
	}
	return p.Issuer == q.Issuer && p.Subject == q.Subject
}

// id names the person's folder: not their name, which may change, nor the
// subject itself, which may hold characters a file name cannot.
func (p *person) id() string {
	sum := sha256.Sum256([]byte(p.Issuer + "\x00" + p.Subject))
	return hex.EncodeToString(sum[:16])
}

// journalPathFor is the journal of p in dataDir; nil p is the journal of a
// configuration without sign-in.
func journalPathFor(dataDir string, p *person) string {
	if p == nil {
		return journal.DefaultPath(dataDir)
	}
	return filepath.Join(dataDir, peopleDir, p.id(), "journal.db")
}

// journalPaths lists the journals in dataDir that exist.
func journalPaths(dataDir string) []string {
	var out []string
	if _, err := os.Stat(journal.DefaultPath(dataDir)); err == nil {
		out = append(out, journal.DefaultPath(dataDir))
	}
	more, _ := filepath.Glob(filepath.Join(dataDir, peopleDir, "*", "journal.db"))
	return append(out, more...)
}

// preparePersonFolder creates p's folder, notes who it belongs to (for
// support), and moves a journal from before per-person journals into it
// when p has none yet.
func preparePersonFolder(dataDir string, p *person, log *slog.Logger) error {
	path := journalPathFor(dataDir, p)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the folder for %s's uploads: %w", p.Name, err)
	}
	if err := writeJSONFile(filepath.Join(dir, personFile), p); err != nil {
		log.Warn("could not note whose folder this is", "folder", dir, "error", err)
	}
	shared := journal.DefaultPath(dataDir)
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(shared); err != nil {
		return nil
	}
	if err := os.Rename(shared, path); err != nil {
		return fmt.Errorf("take over the journal of an earlier Hoist: %w", err)
	}
	log.Info("the journal of an earlier Hoist now belongs to the person signed in", "from", shared, "to", path, "sub", p.Subject)
	return nil
}

// saveCurrentPerson records p as the person signed in.
func saveCurrentPerson(dataDir string, p *person) error {
	return writeJSONFile(filepath.Join(dataDir, currentPersonFile), p)
}

// loadCurrentPerson returns the person signed in last, or nil when nobody
// is (or the file cannot be read).
func loadCurrentPerson(dataDir string) *person {
	return loadPersonFile(filepath.Join(dataDir, currentPersonFile))
}

// loadPersonFile reads a person saved with writeJSONFile, or returns nil
// when the file is missing, unreadable or names nobody.
func loadPersonFile(path string) *person {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var p person
	if json.Unmarshal(data, &p) != nil || p.Subject == "" {
		return nil
	}
	return &p
}

// waitingPersonFile names the person who signed out while uploads of
// theirs were running: the window opens their list (not started) on the
// next start, so the signed-out screen can say how many uploads wait for
// them, and they continue when that person signs in.
const waitingPersonFile = "waiting.json"

// saveWaitingPerson records p as the person whose uploads wait for them.
func saveWaitingPerson(dataDir string, p *person) error {
	return writeJSONFile(filepath.Join(dataDir, waitingPersonFile), p)
}

// loadWaitingPerson returns the person whose uploads wait, or nil.
func loadWaitingPerson(dataDir string) *person {
	return loadPersonFile(filepath.Join(dataDir, waitingPersonFile))
}

// forgetWaitingPerson removes the note of whose uploads wait.
func forgetWaitingPerson(dataDir string) error {
	err := os.Remove(filepath.Join(dataDir, waitingPersonFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("forget whose uploads wait: %w", err)
	}
	return nil
}

// forgetCurrentPerson records that nobody is signed in.
func forgetCurrentPerson(dataDir string) error {
	err := os.Remove(filepath.Join(dataDir, currentPersonFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("forget who was signed in: %w", err)
	}
	return nil
}

// writeJSONFile replaces path with v as JSON (0600) through a temporary
// file and a rename.
func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
