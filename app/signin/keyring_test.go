package signin

import (
	"bytes"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// TestKeyring runs against the real OS keyring when one answers (on Linux:
// a Secret Service on the session bus, e.g. under
// `dbus-run-session -- sh -c 'echo -n x | gnome-keyring-daemon --unlock --components=secrets >/dev/null; go test ...'`);
// with no keyring (plain `go test`, no session bus) it checks that
// NewDefaultStore falls back to the private file and says so. Set
// HOIST_REQUIRE_KEYRING=1 to make the fallback a failure (for the CI step
// that starts a Secret Service on purpose).
func TestKeyring(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	dir := t.TempDir()
	store := NewDefaultStore(dir, log)
	key := "hoist-test " + rand.Text()

	switch s := store.(type) {
	case *KeyringStore:
		t.Logf("a keyring answered (DBUS_SESSION_BUS_ADDRESS=%q): testing against it", os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
		t.Cleanup(func() { _ = s.Delete(key) })
		exerciseStore(t, s, key)
		if err := s.Save(key, "rt-visible"); err != nil {
			t.Fatal(err)
		}
		if got, err := keyring.Get(KeyringService, key); err != nil || got != "rt-visible" {
			t.Errorf("keyring.Get(%q) = %q, %v: not in the OS keyring", KeyringService, got, err)
		}
		if strings.Contains(logs.String(), "no OS keyring answered") {
			t.Errorf("fallback logged although the keyring answered: %s", logs.String())
		}
	case *FileStore:
		if os.Getenv("HOIST_REQUIRE_KEYRING") != "" {
			t.Fatalf("HOIST_REQUIRE_KEYRING is set but no keyring answered: %s", logs.String())
		}
		t.Logf("no keyring answered (DBUS_SESSION_BUS_ADDRESS=%q): testing the file fallback", os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
		checkFallback(t, s, dir, logs.String())
	default:
		t.Fatalf("NewDefaultStore returned %T", store)
	}
}

func checkFallback(t *testing.T, s *FileStore, dir, logs string) {
	t.Helper()
	if !strings.Contains(logs, "level=WARN") ||
		!strings.Contains(logs, "no OS keyring answered; keeping the sign-in in a file only you can read") ||
		!strings.Contains(logs, s.Path()) {
		t.Errorf("fallback not logged as a warning with its path: %q", logs)
	}
	if !strings.HasPrefix(s.Path(), dir) {
		t.Errorf("file %s not in %s", s.Path(), dir)
	}
	exerciseStore(t, s, "k")
	if err := s.Save("k", "v"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Path())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("fallback file: %v, %v", fi, err)
	}
}

// fakeRing is a keyringAPI whose Get fails with err (nil: entries work).
type fakeRing struct {
	err     error
	entries map[string]string
}

func (f *fakeRing) Get(service, user string) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	v, ok := f.entries[service+"/"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeRing) Set(service, user, secret string) error {
	if len(secret) > 2560 { // as Credential Manager
		return keyring.ErrSetDataTooBig
	}
	f.entries[service+"/"+user] = secret
	return nil
}

func (f *fakeRing) Delete(service, user string) error {
	if _, ok := f.entries[service+"/"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.entries, service+"/"+user)
	return nil
}

func TestDefaultStoreChoice(t *testing.T) {
	t.Run("keyring answers", func(t *testing.T) {
		ring := &fakeRing{entries: map[string]string{}}
		var logs bytes.Buffer
		s := chooseStore(&KeyringStore{ring: ring}, t.TempDir(), slog.New(slog.NewTextHandler(&logs, nil)))
		ks, ok := s.(*KeyringStore)
		if !ok {
			t.Fatalf("chose %T, want *KeyringStore", s)
		}
		exerciseStore(t, ks, "k")
		if len(ring.entries) != 0 || logs.Len() != 0 {
			t.Errorf("probe left %v, logged %q", ring.entries, logs.String())
		}
	})
	t.Run("keyring fails", func(t *testing.T) {
		var logs bytes.Buffer
		dir := t.TempDir()
		ring := &fakeRing{err: errors.New("org.freedesktop.DBus.Error.ServiceUnknown")}
		s := chooseStore(&KeyringStore{ring: ring}, dir, slog.New(slog.NewTextHandler(&logs, nil)))
		fs, ok := s.(*FileStore)
		if !ok {
			t.Fatalf("chose %T, want *FileStore", s)
		}
		checkFallback(t, fs, dir, logs.String())
	})
}

// A value longer than one keyring entry holds (Credential Manager: 2,560
// bytes) is kept in pieces, read back whole, replaced by a shorter one
// without leaving pieces, and deleted with all of them.
func TestKeyringLongValuesInPieces(t *testing.T) {
	ring := &fakeRing{entries: map[string]string{}}
	s := &KeyringStore{ring: ring}
	long := strings.Repeat("0123456789", 650) // 6,500 bytes: 4 pieces
	if err := s.Save("k", long); err != nil {
		t.Fatalf("save: %v", err)
	}
	if len(ring.entries) != 5 {
		t.Fatalf("%d entries, want the header and 4 pieces", len(ring.entries))
	}
	if got, err := s.Load("k"); err != nil || got != long {
		t.Fatalf("load: %d bytes, %v", len(got), err)
	}
	if err := s.Save("k", long[:4500]); err != nil { // 3 pieces now
		t.Fatal(err)
	}
	if got, _ := s.Load("k"); got != long[:4500] || len(ring.entries) != 4 {
		t.Fatalf("after a shorter save: %d bytes, %d entries", len(got), len(ring.entries))
	}
	if err := s.Save("k", "short"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load("k"); got != "short" || len(ring.entries) != 1 {
		t.Fatalf("after a short save: %q, %d entries", got, len(ring.entries))
	}
	if err := s.Save("k", long); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if len(ring.entries) != 0 {
		t.Fatalf("%d entries left after Delete", len(ring.entries))
	}
	if _, err := s.Load("k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("load after delete: %v", err)
	}
}
