package signin

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	advapi32      = windows.NewLazySystemDLL("advapi32.dll")
	procCredReadW = advapi32.NewProc("CredReadW")
	procCredFree  = advapi32.NewProc("CredFree")
)

// credBlob reads the generic credential target from Credential Manager
// with the Windows API itself (not through go-keyring).
func credBlob(t *testing.T, target string) (string, bool) {
	t.Helper()
	name, err := syscall.UTF16PtrFromString(target)
	if err != nil {
		t.Fatal(err)
	}
	const credTypeGeneric = 1
	var cred *struct {
		Flags, Type        uint32
		TargetName         *uint16
		Comment            *uint16
		LastWritten        windows.Filetime
		CredentialBlobSize uint32
		CredentialBlob     *byte
	}
	r, _, callErr := procCredReadW.Call(uintptr(unsafe.Pointer(name)), credTypeGeneric, 0, uintptr(unsafe.Pointer(&cred)))
	if r == 0 {
		if errors.Is(callErr, windows.ERROR_NOT_FOUND) {
			return "", false
		}
		t.Fatalf("CredReadW %s: %v", target, callErr)
	}
	defer procCredFree.Call(uintptr(unsafe.Pointer(cred)))
	return string(unsafe.Slice(cred.CredentialBlob, cred.CredentialBlobSize)), true
}

// On Windows the refresh token goes to Credential Manager (go-keyring's
// wincred backend), under "Hoist:<key>", and is gone after Delete.
func TestWindowsCredentialManager(t *testing.T) {
	dir := t.TempDir()
	s, ok := NewDefaultStore(dir, nil).(*KeyringStore)
	if !ok {
		t.Fatalf("NewDefaultStore chose %T, want the keyring (Credential Manager)", NewDefaultStore(dir, nil))
	}
	key := "https://login.example|hoist-test-" + t.Name()
	token := strings.Repeat("r", 2000) // a long refresh token (Entra ID's are over 1 KB)
	if err := s.Save(key, token); err != nil {
		t.Fatalf("save: %v", err)
	}
	t.Cleanup(func() { s.Delete(key) })
	if got, ok := credBlob(t, KeyringService+":"+key); !ok || got != token {
		t.Fatalf("Credential Manager holds %d bytes (found %v) under %s:%s", len(got), ok, KeyringService, key)
	}
	if got, err := s.Load(key); err != nil || got != token {
		t.Fatalf("load: %d bytes, %v", len(got), err)
	}
	if err := s.Delete(key); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, ok := credBlob(t, KeyringService+":"+key); ok {
		t.Fatal("the credential is still there after Delete")
	}
	if _, err := s.Load(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("load after delete: %v", err)
	}

	// Longer than one credential holds (2,560 bytes): kept in pieces.
	long := strings.Repeat("R", 6000)
	if err := s.Save(key, long); err != nil {
		t.Fatalf("save of 6,000 bytes: %v", err)
	}
	if got, err := s.Load(key); err != nil || got != long {
		t.Fatalf("load of 6,000 bytes: %d bytes, %v", len(got), err)
	}
	if _, ok := credBlob(t, KeyringService+":"+key+"#3"); !ok {
		t.Fatal("no third piece in Credential Manager")
	}
	if err := s.Delete(key); err != nil {
		t.Fatalf("delete: %v", err)
	}
	for _, name := range []string{key, key + "#1", key + "#2", key + "#3"} {
		if _, ok := credBlob(t, KeyringService+":"+name); ok {
			t.Fatalf("%s is still there after Delete", name)
		}
	}
}
