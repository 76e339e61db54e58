package devstack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Names of the files WriteDevEnv writes into the dev stack directory.
const (
	EnvFileName    = "env"
	ConfigFileName = "hoist.toml"
)

// WriteDevEnv writes the two files that let a developer point Hoist at the
// dev stack, replacing any earlier ones atomically (mode 0600, they hold
// keys), creating dir if needed:
//
//   - dir/env: POSIX shell exports, for `source .devstack/env`:
//     HOIST_CONFIG (absolute path of dir/hoist.toml), HOIST_S3_ENDPOINT,
//     HOIST_S3_BUCKET, MINIO_ROOT_USER, MINIO_ROOT_PASSWORD,
//     HOIST_DEV_ACCESS_KEY and HOIST_DEV_SECRET_KEY. It deliberately exports
//     no AWS_* variable, so the AWS CLI and SDKs in that shell keep their
//     usual configuration.
//   - dir/hoist.toml: a Hoist config for m and bucket with static keys.
func WriteDevEnv(dir string, m *MinIO, bucket string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("write dev env: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write dev env: %w", err)
	}
	cfgPath := filepath.Join(dir, ConfigFileName)
	cfg := devConfig{
		Organisation: "Hoist dev stack",
		Endpoint:     m.Endpoint,
		Region:       Region,
		Bucket:       bucket,
		Checksum:     "crc32c",
		AccessKey:    m.AccessKey,
		SecretKey:    m.SecretKey,
		KeyPrefix:    "uploads/{date}/",
	}
	env := []envVar{
		{"HOIST_CONFIG", cfgPath},
		{"HOIST_S3_ENDPOINT", m.Endpoint},
		{"HOIST_S3_BUCKET", bucket},
		{"MINIO_ROOT_USER", m.AccessKey},
		{"MINIO_ROOT_PASSWORD", m.SecretKey},
		{"HOIST_DEV_ACCESS_KEY", m.AccessKey},
		{"HOIST_DEV_SECRET_KEY", m.SecretKey},
	}
	if err := writeFileAtomic(cfgPath, []byte(cfg.render()), 0o600); err != nil {
		return fmt.Errorf("write dev env: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, EnvFileName), []byte(renderEnv(env)), 0o600); err != nil {
		return fmt.Errorf("write dev env: %w", err)
	}
	return nil
}

// devConfig is what the generated hoist.toml says. A later OIDC provider in
// the stack adds its sign-in section here.
type devConfig struct {
	Organisation         string
	Endpoint, Region     string
	Bucket, Checksum     string
	AccessKey, SecretKey string
	KeyPrefix            string
}

func (c devConfig) render() string {
	var b strings.Builder
	b.WriteString("[organisation]\n")
	fmt.Fprintf(&b, "name = %s\n", tomlQuote(c.Organisation))
	b.WriteString("\n[s3]\n")
	fmt.Fprintf(&b, "endpoint = %s\n", tomlQuote(c.Endpoint))
	fmt.Fprintf(&b, "region = %s\n", tomlQuote(c.Region))
	fmt.Fprintf(&b, "bucket = %s\n", tomlQuote(c.Bucket))
	b.WriteString("path_style = true\n")
	fmt.Fprintf(&b, "checksum = %s\n", tomlQuote(c.Checksum))
	b.WriteString("# Static keys are for the local dev stack only; real deployments sign in.\n")
	fmt.Fprintf(&b, "access_key_id = %s\n", tomlQuote(c.AccessKey))
	fmt.Fprintf(&b, "secret_access_key = %s\n", tomlQuote(c.SecretKey))
	b.WriteString("\n[upload]\n")
	fmt.Fprintf(&b, "key_prefix = %s\n", tomlQuote(c.KeyPrefix))
	return b.String()
}

type envVar struct{ name, value string }

func renderEnv(vars []envVar) string {
	var b strings.Builder
	b.WriteString("# Hoist dev stack, written by `make devstack`. Use: source .devstack/env\n")
	for _, v := range vars {
		fmt.Fprintf(&b, "export %s=%s\n", v.name, shellQuote(v.value))
	}
	return b.String()
}

// tomlQuote returns s as a TOML basic string. Unlike strconv.Quote it never
// emits Go-only escapes such as \x00.
func tomlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// shellQuote returns s single-quoted for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so readers see the old or the new file, whole.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
