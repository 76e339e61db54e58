// Package devstack starts the real servers Hoist is developed and tested
// against: a local MinIO (S3 + STS) and an OpenID Connect provider
// (oidc-provider on Node.js, devstack/_oidc) whose ID tokens MinIO's STS
// exchanges for temporary credentials confined to uploads/<sub>/.
//
// It serves three callers:
//
//   - tests, through [StartMinIOForTest], [ForTestMain],
//     [StartOIDCForTest] and [StartSignInStackForTest], which start private
//     servers on free ports with throw-away state; [OIDC.SignIn] gets tokens
//     without a browser and [OIDC.RevokeAll] ends every sign-in;
//   - the benchmark, through [StartMinIO];
//   - `make devstack`, through the devstack command (devstack/cmd/devstack),
//     which starts a detached provider and MinIO that outlive it and writes
//     .devstack/env and .devstack/hoist.toml with [WriteDevEnv].
//
// MinIO is AGPL: it is only ever run as a separate process from a binary
// built by `make minio`; it is never imported. The provider needs node (20
// or later) on PATH and its npm packages (`make oidc-deps`).
package devstack

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ModulePath is the module path RepoRoot looks for in go.mod.
const ModulePath = "hoist"

// DefaultBucket is the bucket the dev stack and test helpers create.
const DefaultBucket = "hoist"

// EnvMinIOBin names the environment variable that overrides the MinIO binary
// location (see [MinIOBinary]). `make test` exports it.
const EnvMinIOBin = "HOIST_MINIO_BIN"

// RepoRoot returns the absolute path of the Hoist repository: the nearest
// directory at or above the working directory whose go.mod declares
// `module hoist`. It fails if there is none, so callers can tell "run me from
// the repository" to the user.
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	return repoRootFrom(wd)
}

func repoRootFrom(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for start := dir; ; {
		mod, err := modulePath(filepath.Join(dir, "go.mod"))
		if err == nil && mod == ModulePath {
			return dir, nil
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("find repository root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no go.mod with \"module %s\" at or above %s", ModulePath, start)
		}
		dir = parent
	}
}

// modulePath returns the module path declared in the go.mod file at path.
func modulePath(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		rest, ok := strings.CutPrefix(line, "module")
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t' && rest[0] != '"') {
			continue
		}
		rest = strings.TrimSpace(rest)
		if unq, err := strconv.Unquote(rest); err == nil {
			rest = unq
		}
		return rest, nil
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return "", nil
}

// MinIOBinary returns the path of the MinIO server binary: $HOIST_MINIO_BIN
// when set, else <RepoRoot>/.cache/bin/minio. It returns an error telling the
// user to run `make minio` when the file does not exist.
func MinIOBinary() (string, error) {
	path := os.Getenv(EnvMinIOBin)
	if path == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", fmt.Errorf("locate minio binary (set %s or run from the repository): %w", EnvMinIOBin, err)
		}
		path = filepath.Join(root, ".cache", "bin", "minio")
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("locate minio binary: %w; run `make minio` to build it (or set %s)", err, EnvMinIOBin)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("locate minio binary: %s is not an executable file; run `make minio` to build it (or set %s)", path, EnvMinIOBin)
	}
	return path, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, found
// by listening on port 0 and closing the listener. Another process may take
// it before the caller binds it; StartMinIO retries in that case.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	return port, nil
}

// PortFree reports whether port can be bound on 127.0.0.1 right now.
func PortFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// RandomString returns n characters drawn uniformly from [A-Za-z0-9] with
// crypto/rand; it is used for MinIO root users and passwords.
func RandomString(n int) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alnum)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("generate random string: %w", err)
		}
		b[i] = alnum[v.Int64()]
	}
	return string(b), nil
}
