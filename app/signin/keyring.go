package signin

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// KeyringService is the service name under which Hoist's entries appear in
// the OS keyring; the key (issuer and client ID) is the account name.
const KeyringService = "Hoist"

// keyringTimeout bounds one keyring call: a Secret Service that wants to
// show an unlock prompt nobody can answer would otherwise block forever.
const keyringTimeout = 10 * time.Second

// keyringAPI is the part of go-keyring used here (replaced in tests).
type keyringAPI interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// osKeyring is go-keyring, minus D-Bus autolaunch (see sessionBusCheck).
type osKeyring struct{}

func (osKeyring) Get(service, user string) (string, error) {
	if err := sessionBusCheck(); err != nil {
		return "", err
	}
	return keyring.Get(service, user)
}

func (osKeyring) Set(service, user, secret string) error {
	if err := sessionBusCheck(); err != nil {
		return err
	}
	return keyring.Set(service, user, secret)
}

func (osKeyring) Delete(service, user string) error {
	if err := sessionBusCheck(); err != nil {
		return err
	}
	return keyring.Delete(service, user)
}

// KeyringStore keeps entries in the OS keyring (Secret Service on Linux,
// Keychain on macOS, Credential Manager on Windows) under KeyringService.
// Each call gives up after 10 s. Safe for concurrent use.
type KeyringStore struct {
	ring keyringAPI
}

// NewKeyringStore returns a store on the OS keyring. It does not check that
// a keyring answers; NewDefaultStore does.
func NewKeyringStore() *KeyringStore { return &KeyringStore{ring: osKeyring{}} }

// Save sets the value for key. A value longer than keyringChunk is kept in
// several entries (Credential Manager holds at most 2,560 bytes in one, and
// some providers' refresh tokens are longer): key then holds a header naming
// how many, and "key#1", "key#2", … the pieces.
func (k *KeyringStore) Save(key, value string) error {
	old := k.chunksOf(key)
	if len(value) <= keyringChunk {
		if err := k.set(key, value); err != nil {
			return err
		}
		k.dropChunks(key, 1, old)
		return nil
	}
	n := (len(value) + keyringChunk - 1) / keyringChunk
	for i := 1; i <= n; i++ {
		piece := value[(i-1)*keyringChunk : min(i*keyringChunk, len(value))]
		if err := k.set(chunkKey(key, i), piece); err != nil {
			return err
		}
	}
	if err := k.set(key, chunkHeader+strconv.Itoa(n)); err != nil {
		return err
	}
	k.dropChunks(key, n+1, old)
	return nil
}

// Load returns the value for key or ErrNotFound.
func (k *KeyringStore) Load(key string) (string, error) {
	v, err := k.get(key)
	if err != nil {
		return "", err
	}
	n, chunked := parseChunkHeader(v)
	if !chunked {
		return v, nil
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		piece, err := k.get(chunkKey(key, i))
		if err != nil {
			return "", fmt.Errorf("piece %d of %d: %w", i, n, err)
		}
		b.WriteString(piece)
	}
	return b.String(), nil
}

// Delete removes key (and its pieces), or returns ErrNotFound.
func (k *KeyringStore) Delete(key string) error {
	n := k.chunksOf(key)
	err := withTimeout(func() error { return k.ring.Delete(KeyringService, key) })
	if err != nil {
		return keyringErr("delete from", err)
	}
	k.dropChunks(key, 1, n)
	return nil
}

// keyringChunk is the most one keyring entry holds here: below Credential
// Manager's 2,560 bytes and macOS's limit, with room to spare.
const keyringChunk = 2000

// chunkHeader starts the value of a key kept in pieces; no token starts so.
const chunkHeader = "hoist-pieces:"

func chunkKey(key string, i int) string { return key + "#" + strconv.Itoa(i) }

func parseChunkHeader(v string) (int, bool) {
	rest, ok := strings.CutPrefix(v, chunkHeader)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n > 0
}

// chunksOf says in how many pieces key is kept now (0: one entry or none).
func (k *KeyringStore) chunksOf(key string) int {
	v, err := k.get(key)
	if err != nil {
		return 0
	}
	n, _ := parseChunkHeader(v)
	return n
}

// dropChunks deletes the pieces from..to of key, best effort: a piece left
// behind is unreachable and holds part of an old token only.
func (k *KeyringStore) dropChunks(key string, from, to int) {
	for i := from; i <= to; i++ {
		_ = withTimeout(func() error { return k.ring.Delete(KeyringService, chunkKey(key, i)) })
	}
}

func (k *KeyringStore) get(key string) (string, error) {
	var v string
	err := withTimeout(func() (err error) {
		v, err = k.ring.Get(KeyringService, key)
		return err
	})
	if err != nil {
		return "", keyringErr("read", err)
	}
	return v, nil
}

func (k *KeyringStore) set(key, value string) error {
	if err := withTimeout(func() error { return k.ring.Set(KeyringService, key, value) }); err != nil {
		return keyringErr("write", err)
	}
	return nil
}

func keyringErr(verb string, err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNotFound
	}
	return fmt.Errorf("%s the OS keyring: %w", verb, err)
}

var errKeyringTimeout = errors.New("no answer within 10s (locked keyring waiting for a prompt?)")

// withTimeout runs fn, giving up after keyringTimeout. A call that never
// returns leaves its goroutine behind.
func withTimeout(fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	timer := time.NewTimer(keyringTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return errKeyringTimeout
	}
}

// keyringProbeKey is looked up to see whether a keyring answers; it is
// never written.
const keyringProbeKey = "hoist-keyring-probe"

// NewDefaultStore returns the OS keyring store when a keyring answers (a
// lookup of a missing entry comes back "not found"), else a FileStore in
// dir, logging a warning that says so. On Linux and the BSDs a keyring is
// only looked for on an existing D-Bus session bus (none is started). It
// may block up to 10 s on a keyring that does not answer. Call it once at
// start, from any goroutine.
func NewDefaultStore(dir string, log *slog.Logger) TokenStore {
	return chooseStore(&KeyringStore{ring: osKeyring{}}, dir, log)
}

func chooseStore(ks *KeyringStore, dir string, log *slog.Logger) TokenStore {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	_, err := ks.Load(keyringProbeKey)
	if err == nil || errors.Is(err, ErrNotFound) {
		log.Debug("keeping the sign-in in the OS keyring", "service", KeyringService)
		return ks
	}
	fs := NewFileStore(dir)
	log.Warn("no OS keyring answered; keeping the sign-in in a file only you can read", "path", fs.Path(), "err", err)
	return fs
}
