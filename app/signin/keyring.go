package signin

import (
	"errors"
	"fmt"
	"log/slog"
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

// Load returns the value for key or ErrNotFound.
func (k *KeyringStore) Load(key string) (string, error) {
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

// Save sets the value for key.
func (k *KeyringStore) Save(key, value string) error {
	err := withTimeout(func() error { return k.ring.Set(KeyringService, key, value) })
	if err != nil {
		return keyringErr("write", err)
	}
	return nil
}

// Delete removes key, or returns ErrNotFound.
func (k *KeyringStore) Delete(key string) error {
	err := withTimeout(func() error { return k.ring.Delete(KeyringService, key) })
	if err != nil {
		return keyringErr("delete from", err)
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
