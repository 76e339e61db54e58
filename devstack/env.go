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

// DevSignIn is the sign-in part of the dev stack's config: the provider,
// and the STS that exchanges its ID tokens for S3 credentials.
type DevSignIn struct {
	// Issuer and ClientID name the provider and the app's public client.
	Issuer, ClientID string
	// STSEndpoint is MinIO's endpoint; RoleARN the role to assume there.
	STSEndpoint, RoleARN string
	// DemoUser and DemoPassword are exported for scripts and people.
	DemoUser, DemoPassword string
}

// WriteDevEnv writes the two files that let a developer point Hoist at the
// dev stack, replacing any earlier ones atomically (mode 0600, they hold
// keys), creating dir if needed:
//
//   - dir/env: POSIX shell exports, for `source .devstack/env`:
//     HOIST_CONFIG (absolute path of dir/hoist.toml), HOIST_S3_ENDPOINT,
//     HOIST_S3_BUCKET, MINIO_ROOT_USER, MINIO_ROOT_PASSWORD,
//     HOIST_DEV_ACCESS_KEY and HOIST_DEV_SECRET_KEY (for inspecting the
//     bucket with other tools), and with signin also HOIST_CONNECT_ADDRESS
//     (what to type in Hoist's connect screen: the provider, which serves
//     dir/hoist.json as the organisation descriptor), HOIST_OIDC_ISSUER,
//     HOIST_DEMO_USER and HOIST_DEMO_PASSWORD. It deliberately exports no
//     AWS_* variable, so the AWS CLI and SDKs in that shell keep their usual
//     configuration.
//   - dir/hoist.toml: a Hoist config for m and bucket. With signin (not
//     nil) it has a [signin] table, key_prefix "uploads/{sub}/" and no
//     static keys, so the app signs in; without, static root keys and
//     key_prefix "uploads/{date}/".
func WriteDevEnv(dir string, m *MinIO, bucket string, signin *DevSignIn) error {
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
		SignIn:       signin,
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
	if signin != nil {
		cfg.KeyPrefix = UploadKeyPrefix + "{sub}/"
		desc := DevDescriptor{Name: cfg.Organisation, S3Endpoint: m.Endpoint, Region: Region, Bucket: bucket,
			KeyPrefix: cfg.KeyPrefix, Issuer: signin.Issuer, ClientID: signin.ClientID,
			RoleARN: signin.RoleARN, STSEndpoint: signin.STSEndpoint,
			StaffGroups: []string{StaffGroup}, CustomersPrefix: UploadKeyPrefix}
		if err := WriteDescriptor(filepath.Join(dir, DescriptorFileName), desc); err != nil {
			return fmt.Errorf("write dev env: %w", err)
		}
		env = append(env,
			envVar{"HOIST_CONNECT_ADDRESS", signin.Issuer},
			envVar{"HOIST_OIDC_ISSUER", signin.Issuer},
			envVar{"HOIST_DEMO_USER", signin.DemoUser},
			envVar{"HOIST_DEMO_PASSWORD", signin.DemoPassword})
	} else {
		cfg.KeyPrefix = "uploads/{date}/"
		cfg.AccessKey, cfg.SecretKey = m.AccessKey, m.SecretKey
	}
	if err := writeFileAtomic(cfgPath, []byte(cfg.render()), 0o600); err != nil {
		return fmt.Errorf("write dev env: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, EnvFileName), []byte(renderEnv(env)), 0o600); err != nil {
		return fmt.Errorf("write dev env: %w", err)
	}
	return nil
}

// devConfig is what the generated hoist.toml says.
type devConfig struct {
	Organisation         string
	Endpoint, Region     string
	Bucket, Checksum     string
	AccessKey, SecretKey string // only without SignIn
	KeyPrefix            string
	SignIn               *DevSignIn
}

func (c devConfig) render() string {
	var b strings.Builder
	b.WriteString("# Hoist config for the local dev stack, written by `make devstack`.\n")
	b.WriteString("[organisation]\n")
	fmt.Fprintf(&b, "name = %s\n", tomlQuote(c.Organisation))
	b.WriteString("\n[s3]\n")
	fmt.Fprintf(&b, "endpoint = %s\n", tomlQuote(c.Endpoint))
	fmt.Fprintf(&b, "region = %s\n", tomlQuote(c.Region))
	fmt.Fprintf(&b, "bucket = %s\n", tomlQuote(c.Bucket))
	b.WriteString("path_style = true\n")
	fmt.Fprintf(&b, "checksum = %s\n", tomlQuote(c.Checksum))
	if c.SignIn == nil {
		b.WriteString("# Static keys are for the local dev stack only; real deployments sign in.\n")
		fmt.Fprintf(&b, "access_key_id = %s\n", tomlQuote(c.AccessKey))
		fmt.Fprintf(&b, "secret_access_key = %s\n", tomlQuote(c.SecretKey))
	}
	b.WriteString("\n[upload]\n")
	fmt.Fprintf(&b, "key_prefix = %s\n", tomlQuote(c.KeyPrefix))
	if s := c.SignIn; s != nil {
		b.WriteString("\n# Demo users are listed on the provider's login page.\n[signin]\n")
		fmt.Fprintf(&b, "issuer = %s\n", tomlQuote(s.Issuer))
		fmt.Fprintf(&b, "client_id = %s\n", tomlQuote(s.ClientID))
		fmt.Fprintf(&b, "sts_endpoint = %s\n", tomlQuote(s.STSEndpoint))
		fmt.Fprintf(&b, "role_arn = %s\n", tomlQuote(s.RoleARN))
		b.WriteString("\n# The staff demo user (" + StaffUser + ") sees the Support view.\n[support]\n")
		fmt.Fprintf(&b, "staff_groups = [%s]\n", tomlQuote(StaffGroup))
		fmt.Fprintf(&b, "customers_prefix = %s\n", tomlQuote(UploadKeyPrefix))
	}
	return b.String()
}

type envVar struct{ name, value string }

func renderEnv(vars []envVar) string {
	var b strings.Builder
	b.WriteString("# Hoist dev stack, written by `make devstack`. Use: source .devstack/env\n")
	for _, v := range vars {
		if v.name == "HOIST_CONNECT_ADDRESS" {
			fmt.Fprintf(&b, "# A fresh Hoist (no --config) asks which organisation to connect to: type %s\n", v.value)
		}
	}
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
