package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hoist/assets"
)

// minimal is the smallest valid config: only the required settings.
const minimal = `
[s3]
region = "eu-west-1"
bucket = "my-bucket"
`

func TestParseMinimalTakesDefaults(t *testing.T) {
	cfg, err := Parse([]byte(minimal), "min.toml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := Config{
		Organisation: Organisation{Name: "Hoist"},
		S3:           S3{Region: "eu-west-1", Bucket: "my-bucket", Checksum: ChecksumCRC32C},
		Upload: Upload{
			KeyPrefix:          "uploads/{date}/",
			PartSize:           0,
			MultipartThreshold: 16 * MiB,
			ParallelFiles:      0,
			ParallelParts:      0,
			KeepAwake:          true,
			OnCollision:        CollisionRename,
			StallTimeout:       Duration(60 * time.Second),
			RetryMaxWait:       Duration(30 * time.Second),
		},
		Support: Support{GroupClaim: "groups", RequestPoll: DefaultRequestPoll},
		History: History{MaxEntries: 10000, MaxAgeDays: 90},
	}
	if fmt.Sprintf("%#v", *cfg) != fmt.Sprintf("%#v", want) {
		t.Errorf("got  %+v\nwant %+v", *cfg, want)
	}
}

func TestMultipartThresholdDefaultsToPartSize(t *testing.T) {
	cfg, err := Parse([]byte(minimal+"[upload]\npart_size = \"64MiB\"\n"), "t.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Upload.MultipartThreshold != 64*MiB {
		t.Errorf("multipart_threshold = %v, want part_size 64MiB", cfg.Upload.MultipartThreshold)
	}
	cfg, err = Parse([]byte(minimal+"[upload]\npart_size = \"64MiB\"\nmultipart_threshold = 0\n"), "t.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Upload.MultipartThreshold != 0 {
		t.Errorf("explicit multipart_threshold = 0 became %v", cfg.Upload.MultipartThreshold)
	}
}

func TestParseFull(t *testing.T) {
	src := `
[organisation]
name = "Example Org"

[s3]
endpoint = "https://s3.example.com:9000"
region = "us-east-1"
bucket = "example.uploads-1"
path_style = true
checksum = "none"
access_key_id = "AKIA"
secret_access_key = "s3cr3t"

[upload]
key_prefix = "in/{yyyy}/{mm}/{dd}/{sub}/"
part_size = 67108864
multipart_threshold = "100MB"
parallel_files = 64
parallel_parts = 1
on_collision = "skip"
stall_timeout = "1h"
retry_max_wait = "100ms"

[signin]
issuer = "https://id.example.com"
client_id = "hoist"
role_arn = "arn:aws:iam::123:role/up"
sts_endpoint = "https://sts.example.com"
scopes = ["openid", "email"]
`
	cfg, err := Parse([]byte(src), "full.toml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if cfg.Upload.PartSize != 64*MiB || cfg.Upload.MultipartThreshold != 100_000_000 {
		t.Errorf("sizes = %v, %v", cfg.Upload.PartSize, cfg.Upload.MultipartThreshold)
	}
	if cfg.Upload.OnCollision != CollisionSkip || cfg.S3.Checksum != ChecksumNone || !cfg.S3.PathStyle {
		t.Errorf("enums/bools wrong: %+v", cfg)
	}
	if cfg.Upload.StallTimeout.D() != time.Hour || cfg.Upload.RetryMaxWait.D() != 100*time.Millisecond {
		t.Errorf("durations = %v, %v", cfg.Upload.StallTimeout, cfg.Upload.RetryMaxWait)
	}
	if !cfg.Signin.Enabled() || cfg.Signin.ClientID != "hoist" || len(cfg.Signin.Scopes) != 2 {
		t.Errorf("signin = %+v", cfg.Signin)
	}
	if !cfg.S3.HasStaticKeys() || string(cfg.S3.SecretAccessKey) != "s3cr3t" {
		t.Errorf("static keys = %q / %q", cfg.S3.AccessKeyID, string(cfg.S3.SecretAccessKey))
	}
	if s := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg); strings.Contains(s, "s3cr3t") {
		t.Errorf("formatting the config shows the secret: %s", s)
	}
}

func TestInvalidConfigs(t *testing.T) {
	tests := []struct {
		name  string
		toml  string // appended to minimal unless it starts with "!"
		field string
		msg   string // substring of the problem's message
	}{
		{"parallel files negative", "[upload]\nparallel_files = -1", "upload.parallel_files", "must be between 1 and 64, or 0 for automatic (got -1)"},
		{"parallel files automatic", "[upload]\nparallel_files = 0", "", ""},
		{"max rate without unit", "[upload]\nmax_rate = \"20\"", "upload.max_rate", "want a number and a unit, such as 20Mbit"},
		{"max rate", "[upload]\nmax_rate = \"20Mbit\"\nmax_rate_schedule = \"Mon-Fri 09:00-17:00\"", "", ""},
		{"max rate schedule", "[upload]\nmax_rate_schedule = \"Mon-Fri 9-5\"", "upload.max_rate_schedule", "want a time range such as 09:00-17:00"},
		{"part size automatic", "[upload]\npart_size = 0", "", ""},
		{"parallel files too many", "[upload]\nparallel_files = 65", "upload.parallel_files", "(got 65)"},
		{"parallel parts negative", "[upload]\nparallel_parts = -4", "upload.parallel_parts", "must be between 1 and 64, or 0 for automatic (got -4)"},
		{"part size small", "[upload]\npart_size = \"4MiB\"", "upload.part_size", "must be between 5MiB and 5GiB, or 0 for automatic (got 4MiB)"},
		{"part size large", "[upload]\npart_size = \"6GiB\"", "upload.part_size", "(got 6GiB)"},
		{"part size just over", "[upload]\npart_size = 5368709121", "upload.part_size", "(got 5.00GiB, 5368709121 bytes)"},
		{"threshold large", "[upload]\nmultipart_threshold = \"5GiB\"\npart_size=\"5MiB\"", "", ""},
		{"threshold too large", "[upload]\nmultipart_threshold = \"6GB\"", "upload.multipart_threshold", "must be between 0 and 5GiB (got 5.59GiB, 6000000000 bytes)"},
		{"redirect port privileged", "[signin]\nissuer = \"http://127.0.0.1:9400\"\nclient_id = \"hoist\"\nredirect_port = 80", "signin.redirect_port", "between 1024 and 65535 (got 80)"},
		{"collision", "[upload]\non_collision = \"replace\"", "upload.on_collision", `(got "replace")`},
		{"stall short", "[upload]\nstall_timeout = \"500ms\"", "upload.stall_timeout", "must be between 1s and 1h (got 500ms)"},
		{"stall long", "[upload]\nstall_timeout = \"2h\"", "upload.stall_timeout", "(got 2h0m0s)"},
		{"retry short", "[upload]\nretry_max_wait = \"10ms\"", "upload.retry_max_wait", "(got 10ms)"},
		{"retry long", "[upload]\nretry_max_wait = \"11m\"", "upload.retry_max_wait", "(got 11m0s)"},
		{"prefix unknown placeholder", "[upload]\nkey_prefix = \"x/{month}/\"", "upload.key_prefix", "unknown placeholder {month}"},
		{"prefix unbalanced", "[upload]\nkey_prefix = \"x/{date/\"", "upload.key_prefix", "unmatched"},
		{"prefix identity without signin", "[upload]\nkey_prefix = \"x/{email}/\"", "upload.key_prefix", "{email} needs sign-in"},
		{"prefix too long", "[upload]\nkey_prefix = \"" + strings.Repeat("a", 1025) + "\"", "upload.key_prefix", "at most 1024 bytes"},
		{"checksum", "!\n[s3]\nregion=\"r\"\nbucket=\"hoist\"\nchecksum = \"md5\"", "s3.checksum", `must be "crc32c", "crc32c-composite" or "none" (got "md5")`},
		{"no region", "!\n[s3]\nbucket = \"hoist\"", "s3.region", `must be set (got "")`},
		{"region space", "!\n[s3]\nbucket = \"hoist\"\nregion=\"us east\"", "s3.region", "spaces"},
		{"no bucket", "!\n[s3]\nregion = \"r\"", "s3.bucket", `must be set (got "")`},
		{"bucket short", "!\n[s3]\nregion = \"r\"\nbucket=\"ab\"", "s3.bucket", `3 to 63 characters long (got "ab")`},
		{"bucket long", "!\n[s3]\nregion = \"r\"\nbucket=\"" + strings.Repeat("a", 64) + "\"", "s3.bucket", "3 to 63"},
		{"bucket upper", "!\n[s3]\nregion = \"r\"\nbucket=\"MyBucket\"", "s3.bucket", "lowercase"},
		{"bucket underscore", "!\n[s3]\nregion = \"r\"\nbucket=\"my_bucket\"", "s3.bucket", "lowercase"},
		{"bucket hyphen end", "!\n[s3]\nregion = \"r\"\nbucket=\"bucket-\"", "s3.bucket", "begin and end"},
		{"bucket dot start", "!\n[s3]\nregion = \"r\"\nbucket=\".bucket\"", "s3.bucket", "begin and end"},
		{"bucket dots", "!\n[s3]\nregion = \"r\"\nbucket=\"a..b\"", "s3.bucket", "adjacent dots"},
		{"bucket ip", "!\n[s3]\nregion = \"r\"\nbucket=\"192.168.5.4\"", "s3.bucket", "IP address"},
		{"bucket xn", "!\n[s3]\nregion = \"r\"\nbucket=\"xn--bucket\"", "s3.bucket", "reserved"},
		{"bucket alias", "!\n[s3]\nregion = \"r\"\nbucket=\"foo-s3alias\"", "s3.bucket", "reserved"},
		{"endpoint scheme", "!\n[s3]\nregion = \"r\"\nbucket=\"hoist\"\nendpoint=\"127.0.0.1:9000\"", "s3.endpoint", "http or https URL"},
		{"endpoint ftp", "!\n[s3]\nregion = \"r\"\nbucket=\"hoist\"\nendpoint=\"ftp://x\"", "s3.endpoint", "http or https URL"},
		{"endpoint no host", "!\n[s3]\nregion = \"r\"\nbucket=\"hoist\"\nendpoint=\"http://\"", "s3.endpoint", "host"},
		{"endpoint query", "!\n[s3]\nregion = \"r\"\nbucket=\"hoist\"\nendpoint=\"http://h/?a=b\"", "s3.endpoint", "query"},
		{"key id without secret", "!\n[s3]\nregion = \"r\"\nbucket=\"hoist\"\naccess_key_id=\"AK\"", "s3.secret_access_key", "must be set when s3.access_key_id is set"},
		{"secret without key id", "!\n[s3]\nregion = \"r\"\nbucket=\"hoist\"\nsecret_access_key=\"shh\"", "s3.access_key_id", "must be set when s3.secret_access_key is set"},
		{"signin without client", "[signin]\nissuer = \"https://id.example.com\"", "signin.client_id", "must be set when signin.issuer is set"},
		{"empty org name", "[organisation]\nname = \"\"", "organisation.name", "must not be empty"},
		{"logo missing", "[organisation]\nlogo = \"/nonexistent/logo.png\"", "organisation.logo", "cannot open"},
		{"unknown key", "!\n[s3]\nregion = \"r\"\nbucket=\"hoist\"\nbukcet = \"x\"", "s3.bukcet", "unknown setting"},
		{"unknown top key", "!colour = \"red\"\n" + minimal, "colour", "unknown setting"},
		{"unknown table", "[proxy]\nurl = \"x\"", "proxy", "unknown table"},
		{"wrong case", "[upload]\nParallel_Files = 3", "upload.Parallel_Files", "did you mean upload.parallel_files?"},
		{"unknown in signin", "[signin]\nissuer = \"\"\nclientid = \"x\"", "signin.clientid", "unknown setting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := minimal + tt.toml
			if strings.HasPrefix(tt.toml, "!") {
				src = tt.toml[1:]
			}
			_, err := Parse([]byte(src), "bad.toml")
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want *ValidationError, got %T %v", err, err)
			}
			p := ve.Field(tt.field)
			if p == nil {
				t.Fatalf("no problem with %s in:\n%v", tt.field, err)
			}
			if !strings.Contains(p.Message, tt.msg) {
				t.Errorf("%s: message %q does not contain %q", tt.field, p.Message, tt.msg)
			}
			if !strings.Contains(err.Error(), "\n"+tt.field+": ") {
				t.Errorf("error text has no line starting %q:\n%v", tt.field+": ", err)
			}
			if !strings.HasPrefix(err.Error(), "invalid config bad.toml:") {
				t.Errorf("error does not name the source: %v", err)
			}
			if strings.Contains(err.Error(), "shh") {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

func TestValidationCollectsAllProblems(t *testing.T) {
	src := `
[s3]
bukcet = "hoist"
[upload]
parallel_files = -1
parallel_parts = 100
stall_timeout = "0s"
`
	_, err := Parse([]byte(src), "many.toml")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	want := []string{"s3.bukcet", "s3.region", "s3.bucket", "upload.parallel_files", "upload.parallel_parts", "upload.stall_timeout"}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.Field)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("problems with %v, want %v\n%v", got, want, err)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != len(want)+1 {
		t.Errorf("want a header and %d lines, got:\n%v", len(want), err)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "s3.bukcet" || fe.Error() != "s3.bukcet: unknown setting: did you mean bucket? (line 3)" {
		t.Errorf("errors.As FieldError = %v", fe)
	}
}

func TestParseErrorsNameSourceAndLine(t *testing.T) {
	tests := []struct {
		name, toml, want string
	}{
		{"syntax", "[s3]\nregion = \"r\"\nbucket = \n", "bad.toml:3: "},
		{"wrong type", minimal + "[upload]\nparallel_files = \"four\"\n", "bad.toml:6: upload.parallel_files: "},
		{"bad size", minimal + "[upload]\n\npart_size = \"16 XB\"\n", `bad.toml:7: upload.part_size: invalid size "16 XB": unknown unit "XB"`},
		{"float size", minimal + "[upload]\npart_size = 1.5\n", "bad.toml:6: upload.part_size: invalid size 1.5"},
		{"bad duration", minimal + "[upload]\nstall_timeout = \"soon\"\n", `bad.toml:6: upload.stall_timeout: invalid duration "soon"`},
		{"int duration", minimal + "[upload]\nstall_timeout = 60\n", `bad.toml:6: upload.stall_timeout: invalid duration 60`},
		{"table is value", "s3 = 5\n", "bad.toml:1: s3: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.toml), "bad.toml")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("want *ParseError, got %T %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q does not start with %q", err, tt.want)
			}
			if pe.Unwrap() == nil {
				t.Error("ParseError does not wrap the decoder error")
			}
		})
	}
}

func TestSizeParse(t *testing.T) {
	tests := []struct {
		in   string
		want Size
		err  bool
	}{
		{"0", 0, false},
		{"4096", 4096, false},
		{"100B", 100, false},
		{"512KiB", 512 << 10, false},
		{"16MiB", 16 << 20, false},
		{"16 MiB", 16 << 20, false},
		{" 16mib ", 16 << 20, false},
		{"1GiB", 1 << 30, false},
		{"1.5GiB", 3 << 29, false},
		{"2TiB", 2 << 40, false},
		{"100MB", 100_000_000, false},
		{"5GB", 5_000_000_000, false},
		{"1kb", 1000, false},
		{"0.5KiB", 512, false},
		{"", 0, true},
		{"MiB", 0, true},
		{"-5MiB", 0, true},
		{"1.2.3MiB", 0, true},
		{"16MB/s", 0, true},
		{"16XB", 0, true},
		{"1.1B", 0, true},
		{"1e3", 0, true},
		{"9999999TiB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, err=%v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestSizeUnmarshalTOML(t *testing.T) {
	var s Size
	if err := s.UnmarshalTOML(int64(1234)); err != nil || s != 1234 {
		t.Errorf("int: %v %v", s, err)
	}
	if err := s.UnmarshalTOML(int64(-1)); err == nil {
		t.Error("negative int accepted")
	}
	if err := s.UnmarshalTOML(1.5); err == nil {
		t.Error("float accepted")
	}
	if err := s.UnmarshalTOML("8MiB"); err != nil || s != 8*MiB {
		t.Errorf("string: %v %v", s, err)
	}
}

func TestSizeString(t *testing.T) {
	tests := []struct {
		in   Size
		want string
	}{
		{0, "0B"},
		{100, "100B"},
		{1000, "1000B"},
		{KiB, "1KiB"},
		{1536 * KiB, "1.50MiB"},
		{16 * MiB, "16MiB"},
		{5 * GiB, "5GiB"},
		{3 * TiB, "3TiB"},
		{100_000_000, "95.37MiB"},
		{1025, "1.00KiB"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
		text, _ := tt.in.MarshalText()
		var back Size
		if err := back.UnmarshalText(text); err != nil || back != tt.in {
			t.Errorf("MarshalText round trip of %d: %q -> %d, %v", int64(tt.in), text, back, err)
		}
	}
}

func TestDuration(t *testing.T) {
	var d Duration
	if err := d.UnmarshalTOML("1m30s"); err != nil || d.D() != 90*time.Second {
		t.Errorf("1m30s: %v %v", d, err)
	}
	if err := d.UnmarshalTOML(int64(60)); err == nil {
		t.Error("integer accepted as a duration")
	}
	if err := d.UnmarshalText([]byte("fast")); err == nil {
		t.Error("bad string accepted")
	}
	if d := Duration(time.Minute); d.String() != "1m0s" {
		t.Errorf("String = %q", d.String())
	}
}

func TestDefaultEmbedded(t *testing.T) {
	cfg := Default()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("embedded default does not validate: %v", err)
	}
	if cfg.S3.Endpoint != "http://127.0.0.1:9000" || cfg.S3.Bucket != "hoist" || cfg.S3.Region != "us-east-1" ||
		!cfg.S3.PathStyle || cfg.Organisation.Name != "Hoist (local dev stack)" {
		t.Errorf("embedded default does not point at the dev stack: %+v", cfg)
	}
	// Each call is a fresh copy.
	cfg.S3.Bucket = "changed"
	if Default().S3.Bucket != "hoist" {
		t.Error("Default returned shared state")
	}
}

// The embedded default is the reference: the values it writes out for
// settings that have defaults must be those defaults.
func TestDefaultFileDocumentsDefaults(t *testing.T) {
	def := Default()
	min, err := Parse([]byte(minimal), "min.toml")
	if err != nil {
		t.Fatal(err)
	}
	// The key prefix is the one deliberate difference: the dev stack signs
	// people in and confines them to uploads/<sub>/.
	if def.Upload.KeyPrefix != "uploads/{sub}/" {
		t.Errorf("default.toml key_prefix %q", def.Upload.KeyPrefix)
	}
	def.Upload.KeyPrefix = min.Upload.KeyPrefix
	if def.Upload != min.Upload {
		t.Errorf("default.toml [upload] = %+v\nbuilt-in defaults   = %+v", def.Upload, min.Upload)
	}
	if def.S3.Checksum != min.S3.Checksum {
		t.Errorf("default.toml checksum %q, built-in %q", def.S3.Checksum, min.S3.Checksum)
	}
	// Every setting is written out (commented out for [signin]).
	text := string(assets.DefaultConfig)
	for k := range knownKeys() {
		_, name, ok := strings.Cut(k, ".")
		if !ok {
			if !strings.Contains(text, "["+k+"]") {
				t.Errorf("default.toml has no [%s] table", k)
			}
			continue
		}
		if !strings.Contains(text, "\n"+name+" = ") && !strings.Contains(text, "# "+name+" = ") {
			t.Errorf("default.toml does not show %s", k)
		}
	}
}

func TestValidateProgrammatic(t *testing.T) {
	cfg := Default()
	cfg.Upload.ParallelParts = -1
	cfg.S3.Bucket = "Bad"
	err := cfg.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Fatalf("Validate = %v", err)
	}
	if !strings.HasPrefix(err.Error(), "invalid config:\n") {
		t.Errorf("header = %q", err)
	}
}

func TestLoadResolvesLogo(t *testing.T) {
	dir := t.TempDir()
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 16)...)
	if err := os.WriteFile(filepath.Join(dir, "logo.png"), png, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fake.png"), []byte("GIF89a......"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hoist.toml")
	write(t, path, minimal+"[organisation]\nlogo = \"logo.png\"\n")
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Organisation.Logo != filepath.Join(dir, "logo.png") {
		t.Errorf("logo = %q", cfg.Organisation.Logo)
	}
	write(t, path, minimal+"[organisation]\nlogo = \"fake.png\"\n")
	_, err = Load(path)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field("organisation.logo") == nil || !strings.Contains(err.Error(), "not a PNG") {
		t.Errorf("fake PNG: %v", err)
	}
}

func TestLoadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.toml")
	_, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(missing) = %v", err)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestResolveOrder(t *testing.T) {
	dir := t.TempDir()
	flagFile := filepath.Join(dir, "flag.toml")
	envFile := filepath.Join(dir, "env.toml")
	userDir := filepath.Join(dir, "xdg")
	userFile := filepath.Join(userDir, "hoist", "hoist.toml")
	write(t, flagFile, "[s3]\nregion = \"r\"\nbucket = \"from-flag\"\n")
	write(t, envFile, "[s3]\nregion = \"r\"\nbucket = \"from-env\"\n")

	// os.UserConfigDir on Linux is $XDG_CONFIG_HOME, else $HOME/.config.
	t.Setenv("XDG_CONFIG_HOME", userDir)
	t.Setenv("HOME", dir)
	t.Setenv("AppData", userDir) // Windows
	t.Setenv(EnvConfig, "")
	t.Setenv(EnvPolicy, "none")

	check := func(flag, wantPath, wantBucket string) {
		t.Helper()
		path, cfg, err := Resolve(flag)
		if err != nil {
			t.Fatalf("Resolve(%q): %v", flag, err)
		}
		if path != wantPath || cfg.S3.Bucket != wantBucket {
			t.Errorf("Resolve(%q) = %q, bucket %q; want %q, %q", flag, path, cfg.S3.Bucket, wantPath, wantBucket)
		}
	}

	if got, err := os.UserConfigDir(); err != nil || got != userDir {
		t.Skipf("os.UserConfigDir = %q, %v: cannot redirect it on this OS", got, err)
	}
	// No configuration: never the dev stack's reference config.
	if _, cfg, err := Resolve(""); !errors.Is(err, ErrNotConnected) || cfg != nil {
		t.Errorf("Resolve with nothing = %v, %v; want ErrNotConnected", cfg, err)
	}
	write(t, userFile, "[s3]\nregion = \"r\"\nbucket = \"from-user\"\n")
	check("", userFile, "from-user")
	t.Setenv(EnvConfig, envFile)
	check("", envFile, "from-env")
	check(flagFile, flagFile, "from-flag")

	// A named file that does not exist is an error naming it, never a
	// fallback.
	missing := filepath.Join(dir, "missing.toml")
	for _, c := range []struct{ flag, env string }{{missing, ""}, {"", missing}} {
		t.Setenv(EnvConfig, c.env)
		path, cfg, err := Resolve(c.flag)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) || path != missing || cfg != nil {
			t.Errorf("Resolve(flag %q, env %q) = %q, %v, %v", c.flag, c.env, path, cfg, err)
		}
	}

	// An invalid file is reported, not replaced by the default.
	t.Setenv(EnvConfig, "")
	write(t, userFile, "[s3]\nregion = \"r\"\n")
	if path, _, err := Resolve(""); err == nil || path != userFile {
		t.Errorf("invalid user config: path %q, err %v", path, err)
	}
}

func TestDataDir(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	noHome := errors.New("no home")
	tests := []struct {
		name, flag, goos string
		env              map[string]string
		home             string
		homeErr          error
		want             string
		err              bool
	}{
		{"flag wins", "/flag", "linux", map[string]string{EnvDataDir: "/env", "XDG_DATA_HOME": "/xdg"}, "/home/u", nil, "/flag", false},
		{"env next", "", "linux", map[string]string{EnvDataDir: "/env", "XDG_DATA_HOME": "/xdg"}, "/home/u", nil, "/env", false},
		{"xdg", "", "linux", map[string]string{"XDG_DATA_HOME": "/xdg"}, "/home/u", nil, "/xdg/hoist", false},
		{"relative xdg ignored", "", "linux", map[string]string{"XDG_DATA_HOME": "rel"}, "/home/u", nil, "/home/u/.local/share/hoist", false},
		{"linux home", "", "linux", nil, "/home/u", nil, "/home/u/.local/share/hoist", false},
		{"freebsd home", "", "freebsd", nil, "/home/u", nil, "/home/u/.local/share/hoist", false},
		{"linux no home", "", "linux", nil, "", noHome, "", true},
		{"mac", "", "darwin", map[string]string{"XDG_DATA_HOME": "/xdg"}, "/Users/u", nil, "/Users/u/Library/Application Support/Hoist", false},
		{"mac env", "", "darwin", map[string]string{EnvDataDir: "/env"}, "/Users/u", nil, "/env", false},
		{"windows", "", "windows", map[string]string{"LocalAppData": "/lad"}, "/u", nil, filepath.Join("/lad", "Hoist"), false},
		{"windows unset", "", "windows", nil, "/u", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dataDir(tt.flag, tt.goos, env(tt.env), tt.home, tt.homeErr)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("dataDir = %q, %v; want %q, err=%v", got, err, tt.want, tt.err)
			}
		})
	}

	// The real entry point: flag, then environment; relative becomes absolute.
	t.Setenv(EnvDataDir, "")
	got, err := DataDir("rel/dir")
	if err != nil || !filepath.IsAbs(got) || !strings.HasSuffix(got, filepath.Join("rel", "dir")) {
		t.Errorf("DataDir(rel) = %q, %v", got, err)
	}
	t.Setenv(EnvDataDir, "/from/env")
	if got, err := DataDir(""); err != nil || got != "/from/env" {
		t.Errorf("DataDir with $%s = %q, %v", EnvDataDir, got, err)
	}
}

func TestHistoryRetentionSettings(t *testing.T) {
	for _, tc := range []struct {
		table   string
		entries int
		days    int
		bad     string
	}{
		{"[history]\nmax_entries = 500\nmax_age_days = 7", 500, 7, ""},
		{"[history]\nmax_entries = 0\nmax_age_days = 0", 0, 0, ""},
		{"[history]\nmax_entries = 5", 0, 0, "history.max_entries"},
		{"[history]\nmax_age_days = -1", 0, 0, "history.max_age_days"},
		{"[history]\nmax_age_days = 4000", 0, 0, "history.max_age_days"},
		{"[history]\nkeep = 3", 0, 0, "history.keep"},
	} {
		cfg, err := Parse([]byte(minimal+tc.table), "h.toml")
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%q: error %v; want one naming %s", tc.table, err, tc.bad)
			}
			continue
		}
		if err != nil || cfg.History.MaxEntries != tc.entries || cfg.History.MaxAgeDays != tc.days {
			t.Errorf("%q: %+v, %v", tc.table, cfg, err)
		}
	}
}
