// Package config loads, defaults and validates Hoist's TOML configuration.
//
// A config file has four tables: [organisation] (what the window shows),
// [s3] (where files go), [upload] (how they are sent) and the optional
// [signin] (how a user gets credentials). The embedded default in package
// assets (assets/default.toml) points at the local dev stack and documents
// every setting; it is the reference for the format.
//
// Settings left out take their documented default. Unknown settings are
// errors, so a typo never silently falls back to a default. [Parse] and
// [Load] return either a fully valid *Config or an error: a *[ParseError]
// when the TOML cannot be decoded (with the source name and line), or a
// *[ValidationError] listing every problem, one line per setting.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"hoist/assets"
)

// Config is a complete, defaulted Hoist configuration. A *Config returned
// by [Parse], [Load], [Default] or [Resolve] has passed [Config.Validate];
// callers that build or change one themselves should call Validate.
type Config struct {
	// Organisation is what the window shows about whose uploader this is.
	Organisation Organisation `toml:"organisation"`
	// S3 says where the files go.
	S3 S3 `toml:"s3"`
	// Upload says how files are sent.
	Upload Upload `toml:"upload"`
	// Signin configures browser sign-in; it is off when Signin.Issuer is
	// empty.
	Signin Signin `toml:"signin"`
	// Support says who is support staff and where customers' folders are.
	Support Support `toml:"support"`
	// Security holds the settings that weaken Hoist's defaults; see
	// transport.go.
	Security Security `toml:"security"`
	// History bounds how much of the finished uploads' history Hoist keeps.
	History History `toml:"history"`
}

// History is the [history] table: how long finished uploads stay in the
// list of uploads (the journal). Unfinished uploads are always kept.
type History struct {
	// MaxEntries is how many finished uploads are kept, the oldest going
	// first. 0 keeps them all; else 100..1,000,000. Default 10,000.
	MaxEntries int `toml:"max_entries"`
	// MaxAgeDays: finished uploads older than this many days are removed.
	// 0 keeps them whatever their age; else 1..3650. Default 90.
	MaxAgeDays int `toml:"max_age_days"`
}

// Organisation is the [organisation] table.
type Organisation struct {
	// Name is shown in the window title and header. Default "Hoist".
	Name string `toml:"name"`
	// Logo is an optional path to a PNG shown in the window. [Load] makes a
	// relative path relative to the config file's folder; Validate checks
	// that the file exists and is a PNG. Empty means no logo.
	Logo string `toml:"logo"`
}

// S3 is the [s3] table.
type S3 struct {
	// Endpoint is the base URL of an S3-compatible store
	// ("http://127.0.0.1:9000"). Empty means AWS S3 in Region.
	Endpoint string `toml:"endpoint"`
	// Region is the signing region. Required.
	Region string `toml:"region"`
	// Bucket is the destination bucket; it must follow S3 bucket naming
	// rules. Required.
	Bucket string `toml:"bucket"`
	// PathStyle addresses the bucket as endpoint/bucket/key instead of
	// bucket.endpoint/key; most self-hosted stores need it. Default false.
	PathStyle bool `toml:"path_style"`
	// Checksum is the integrity checksum sent with every part. Default
	// [ChecksumCRC32C]; [ChecksumNone] is for stores that reject checksums.
	Checksum Checksum `toml:"checksum"`
	// AccessKeyID and SecretAccessKey are optional static credentials, for
	// development and tests only; both or neither must be set. When set they
	// are used instead of sign-in.
	AccessKeyID string `toml:"access_key_id"`
	// SecretAccessKey: see AccessKeyID. Printing it with fmt shows
	// "[redacted]".
	SecretAccessKey Secret `toml:"secret_access_key"`
}

// HasStaticKeys reports whether static credentials are configured.
func (s S3) HasStaticKeys() bool { return s.AccessKeyID != "" && s.SecretAccessKey != "" }

// Upload is the [upload] table.
type Upload struct {
	// KeyPrefix is the template for the key prefix of every upload.
	// Placeholders: {date} (YYYY-MM-DD), {yyyy}, {mm}, {dd}, and, with
	// sign-in configured, the signed-in user's {sub}, {email} and
	// {preferred_username}. Any other placeholder is an error. Default
	// "uploads/{date}/". This package checks the syntax only; expanding it is
	// the engine's job.
	KeyPrefix string `toml:"key_prefix"`
	// PartSize is the smallest multipart part size; the engine raises it for
	// files that would need more than 10,000 parts. 5MiB..5GiB, or 0
	// (the default): chosen per file from its size and the measured link.
	PartSize Size `toml:"part_size"`
	// MultipartThreshold: files of at least this size use multipart upload,
	// smaller ones a single request. 0..5GiB; default PartSize, or 16MiB
	// when PartSize is automatic.
	MultipartThreshold Size `toml:"multipart_threshold"`
	// ParallelFiles is the most files that upload at once. 1..64, or 0 (the
	// default): as many as the link takes (adaptive).
	ParallelFiles int `toml:"parallel_files"`
	// ParallelParts is the most parts of one file that upload at once.
	// 1..64, or 0 (the default): as many as the link takes (adaptive).
	ParallelParts int `toml:"parallel_parts"`
	// MaxRate limits the upload speed of all transfers together, such as
	// "20Mbit" or "2.5MB/s" (see [uploader.ParseRate]); "" or "off" (the
	// default): no limit.
	MaxRate string `toml:"max_rate"`
	// MaxRateSchedule says when MaxRate applies, such as
	// "Mon-Fri 09:00-17:00" (see [uploader.ParseSchedule]); "" (the
	// default): always.
	MaxRateSchedule string `toml:"max_rate_schedule"`
	// KeepAwake keeps the computer from going to sleep by itself while
	// uploads run (the screen may still turn off). Default true.
	KeepAwake bool `toml:"keep_awake"`
	// OnCollision says what happens when the destination key already
	// exists. Default [CollisionRename].
	OnCollision Collision `toml:"on_collision"`
	// StallTimeout: a part with no bytes moving for this long is abandoned
	// and retried. 1s..1h, default 60s.
	StallTimeout Duration `toml:"stall_timeout"`
	// RetryMaxWait caps the exponential backoff between retries. 100ms..10m,
	// default 30s.
	RetryMaxWait Duration `toml:"retry_max_wait"`
}

// Signin is the optional [signin] table: OpenID Connect sign-in in the
// system browser, whose ID token is exchanged with STS
// (AssumeRoleWithWebIdentity) for temporary S3 credentials. Sign-in is off
// when Issuer is empty; when it is set, ClientID is required. The other
// fields are not validated here beyond their types.
type Signin struct {
	// Issuer is the OpenID provider's issuer URL, used for discovery.
	Issuer string `toml:"issuer"`
	// ClientID is the public (native) client registered with the provider.
	ClientID string `toml:"client_id"`
	// RoleARN is the role assumed with the ID token.
	RoleARN string `toml:"role_arn"`
	// STSEndpoint is the STS base URL; empty means AWS STS for s3.region
	// (for MinIO it is the S3 endpoint).
	STSEndpoint string `toml:"sts_endpoint"`
	// Scopes are the OAuth scopes to request; empty lets the sign-in use its
	// defaults.
	Scopes []string `toml:"scopes"`
	// RedirectPort fixes the loopback redirect port (1024–65535) for a
	// provider that does not allow any port for loopback redirects as RFC
	// 8252 asks; 0 (default) picks a free port per sign-in.
	RedirectPort int `toml:"redirect_port"`
}

// Support is the optional [support] table. Staff are people whose ID
// token's GroupClaim lists one of StaffGroups; Hoist then shows them the
// Support view and, when RoleARN is set, assumes that role for them instead
// of [signin] role_arn.
type Support struct {
	// GroupClaim is the ID token claim listing the person's groups.
	GroupClaim string `toml:"group_claim"`
	// StaffGroups are the groups whose members are support staff.
	StaffGroups []string `toml:"staff_groups"`
	// RoleARN is the staff role; "" means the sign-in role (whose policy
	// then tells staff from customers, e.g. by jwt:groups).
	RoleARN string `toml:"role_arn"`
	// CustomersPrefix is where customers' folders are: each folder
	// directly under it is one customer. "" means the key prefix up to its
	// first placeholder.
	CustomersPrefix string `toml:"customers_prefix"`
	// RequestPoll is how often a customer's Hoist looks for re-send
	// requests while it runs.
	RequestPoll Duration `toml:"request_poll"`
}

// DefaultRequestPoll is how often Hoist looks for re-send requests.
const DefaultRequestPoll = Duration(3 * time.Minute)

// Enabled reports whether sign-in is configured.
func (s Signin) Enabled() bool { return s.Issuer != "" }

// Checksum names the checksum algorithm sent with uploads.
type Checksum string

// Checksum algorithms.
const (
	// ChecksumCRC32C sends a CRC32C checksum with every part and creates
	// multipart uploads with S3's FULL_OBJECT checksum type, so every object
	// reports the CRC32C of its bytes (the default).
	ChecksumCRC32C Checksum = "crc32c"
	// ChecksumCRC32CComposite is ChecksumCRC32C with the COMPOSITE type for
	// multipart uploads, for stores without FULL_OBJECT.
	ChecksumCRC32CComposite Checksum = "crc32c-composite"
	// ChecksumNone sends no checksum, for stores that reject them.
	ChecksumNone Checksum = "none"
)

// Collision is the policy for a destination key that already exists.
type Collision string

// Collision policies.
const (
	// CollisionRename uploads under a new name ("a (2).txt"); the default.
	CollisionRename Collision = "rename"
	// CollisionOverwrite replaces the existing object.
	CollisionOverwrite Collision = "overwrite"
	// CollisionSkip leaves the existing object and skips the file.
	CollisionSkip Collision = "skip"
)

// Secret is a string that fmt prints as "[redacted]" (or "" when empty), so
// logging a Config never shows it. Use string(s) for the value.
type Secret string

// String returns "[redacted]" for a non-empty secret and "" otherwise.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString is like String, for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// BuiltinSource is the source name used in errors for the reference
// config returned by [Default].
const BuiltinSource = "(built-in default)"

// Default values of settings a config file may leave out.
const (
	DefaultOrganisationName = "Hoist"
	DefaultKeyPrefix        = "uploads/{date}/"
	DefaultPartSize         = 0 // automatic
	DefaultParallelFiles    = 0 // automatic
	DefaultParallelParts    = 0 // automatic
	// DefaultAutoThreshold is the multipart threshold when the part size
	// is automatic.
	DefaultAutoThreshold     = 16 * MiB
	DefaultStallTimeout      = Duration(60 * time.Second)
	DefaultRetryMaxWait      = Duration(30 * time.Second)
	DefaultHistoryMaxEntries = 10000
	DefaultHistoryMaxAgeDays = 90
)

// defaults returns a Config holding the default of every setting that has
// one; decoding a file on top of it overrides what the file sets.
func defaults() *Config {
	return &Config{
		Organisation: Organisation{Name: DefaultOrganisationName},
		S3:           S3{Checksum: ChecksumCRC32C},
		Upload: Upload{
			KeyPrefix:     DefaultKeyPrefix,
			PartSize:      DefaultPartSize,
			ParallelFiles: DefaultParallelFiles,
			ParallelParts: DefaultParallelParts,
			OnCollision:   CollisionRename,
			StallTimeout:  DefaultStallTimeout,
			RetryMaxWait:  DefaultRetryMaxWait,
			KeepAwake:     true,
		},
		Support: Support{GroupClaim: "groups", RequestPoll: DefaultRequestPoll},
		History: History{MaxEntries: DefaultHistoryMaxEntries, MaxAgeDays: DefaultHistoryMaxAgeDays},
	}
}

// Parse decodes TOML data, fills in defaults and validates the result.
// source names the data in errors (usually its path). It returns a
// *ParseError when data is not valid TOML or a value has the wrong type, and
// a *ValidationError listing unknown settings and every invalid value.
// A relative organisation.logo is checked relative to the working
// directory; [Load] resolves it against the file's folder instead.
func Parse(data []byte, source string) (*Config, error) {
	return parse(data, source, "")
}

// parse is Parse with relative paths in the file resolved against baseDir
// (when not empty).
func parse(data []byte, source, baseDir string) (*Config, error) {
	return parseWith(data, source, baseDir, parseOptions{})
}

// parseOptions change what parseWith accepts and how it names lines.
type parseOptions struct {
	// extraKnown are keys the caller decodes itself (a policy file's
	// [locked] table): they are not reported as unknown.
	extraKnown map[string]bool
	// lines, if set, gives the line of each dotted key instead of a scan of
	// data (a descriptor is JSON, converted to TOML before parsing).
	lines map[string]int
}

// parseWith is parse with options.
func parseWith(data []byte, source, baseDir string, o parseOptions) (*Config, error) {
	lines := o.lines
	if lines == nil {
		lines = keyLines(data)
	}
	cfg := defaults()
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(cfg)
	if err != nil {
		pe := newParseError(source, err)
		if o.lines != nil {
			pe.Line = lines[pe.Key]
		}
		return nil, pe
	}
	if !md.IsDefined("upload", "multipart_threshold") {
		cfg.Upload.MultipartThreshold = cfg.Upload.PartSize
		if cfg.Upload.PartSize == 0 {
			cfg.Upload.MultipartThreshold = DefaultAutoThreshold
		}
	}
	if baseDir != "" && cfg.Organisation.Logo != "" && !filepath.IsAbs(cfg.Organisation.Logo) {
		cfg.Organisation.Logo = filepath.Join(baseDir, cfg.Organisation.Logo)
	}
	problems := unknownKeys(md, o.extraKnown)
	problems = append(problems, cfg.problems()...)
	for _, p := range problems {
		p.Line = lineOf(lines, p.Field)
	}
	if len(problems) > 0 {
		return nil, &ValidationError{Source: source, Problems: problems}
	}
	return cfg, nil
}

// unknownKeys reports, in file order, every key that is not a setting:
// keys the decoder left undecoded, and keys it matched only by ignoring
// case (BurntSushi/toml falls back to a case-insensitive match; Hoist's
// settings are case-sensitive). An unknown table is reported once, not once
// per key inside it. Keys in extra are the caller's and never unknown. A
// close known name is suggested ("did you mean parallel_files?").
func unknownKeys(md toml.MetaData, extra map[string]bool) []*FieldError {
	undecoded := make(map[string]bool)
	for _, k := range md.Undecoded() {
		undecoded[k.String()] = true
	}
	known := knownKeys()
	var out []*FieldError
	var reported []string
next:
	for _, k := range md.Keys() {
		name := k.String()
		if known[name] && !undecoded[name] || extra[name] {
			continue
		}
		for _, r := range reported {
			if strings.HasPrefix(name, r+".") {
				continue next
			}
		}
		reported = append(reported, name)
		msg := "unknown setting"
		if md.Type(k...) == "Hash" {
			msg = "unknown table"
		}
		caseOnly := false
		for exact := range known {
			if strings.EqualFold(exact, name) {
				msg += " (names are case-sensitive: did you mean " + exact + "?)"
				caseOnly = true
				break
			}
		}
		cands := known
		if len(extra) > 0 {
			cands = maps.Clone(known)
			maps.Copy(cands, extra)
		}
		if s := suggest(name, cands); s != "" && !caseOnly {
			msg += ": did you mean " + s + "?"
		}
		out = append(out, &FieldError{Field: name, Message: msg})
	}
	return out
}

// knownKeys returns the dotted name of every table and setting in Config,
// from the toml struct tags.
func knownKeys() map[string]bool {
	known := make(map[string]bool)
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if name == "" || name == "-" {
				continue
			}
			full := prefix + name
			known[full] = true
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, full+".")
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return known
}

// Load reads and parses the config file at path (see [Parse]). A relative
// organisation.logo is taken relative to the file's folder. An unreadable
// file gives an error naming path that wraps the os error (so
// errors.Is(err, fs.ErrNotExist) works).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parse(data, path, filepath.Dir(path))
}

// Default returns a fresh copy of the reference config
// (assets/default.toml), which points at the local dev stack. Hoist never
// falls back to it ([Resolve] and [Find] do not): it is for tests and
// tools. It panics if the embedded file is invalid, which the package tests
// rule out.
func Default() *Config {
	cfg, err := Parse(assets.DefaultConfig, BuiltinSource)
	if err != nil {
		panic(fmt.Sprintf("config: embedded default is invalid: %v", err))
	}
	return cfg
}

// ParseError is a config that could not be decoded: bad TOML syntax or a
// value of the wrong type. Err is the decoder's error.
type ParseError struct {
	// Source names the config (a path or BuiltinSource).
	Source string
	// Line is the 1-based line of the problem; 0 when unknown.
	Line int
	// Key is the setting being decoded ("upload.part_size"), if known.
	Key string
	// Message describes the problem.
	Message string
	// Err is the underlying decoder error.
	Err error
}

// newParseError converts a toml decoding error.
func newParseError(source string, err error) *ParseError {
	pe := &ParseError{Source: source, Message: err.Error(), Err: err}
	var te toml.ParseError
	if errors.As(err, &te) {
		pe.Line, pe.Key, pe.Message = te.Position.Line, te.LastKey, te.Message
		return pe
	}
	// Type mismatches come as plain errors:
	// `toml: line 5 (last key "upload.parallel_files"): incompatible types: …`.
	if m := decodeErrRE.FindStringSubmatch(err.Error()); m != nil {
		pe.Line, _ = strconv.Atoi(m[1])
		pe.Key, pe.Message = m[2], m[3]
	}
	return pe
}

// decodeErrRE picks the line, key and message out of a plain decoder error.
var decodeErrRE = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "(.*?)"\): (.*)$`)

// Error formats the problem as "source:line: key: message".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap returns the decoder's error.
func (e *ParseError) Unwrap() error { return e.Err }

// FieldError is one problem with one setting.
type FieldError struct {
	// Field is the dotted setting name, e.g. "upload.parallel_files".
	Field string
	// Message says what is wrong, ending with the offending value when
	// there is one: `must be between 1 and 64 (got 0)`.
	Message string
	// Line is the 1-based line of the setting in its file (or of its table
	// when the setting is missing); 0 when unknown.
	Line int
}

// Error returns "field: message", followed by " (line N)" when the line
// is known.
func (e *FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: %s (line %d)", e.Field, e.Message, e.Line)
	}
	return e.Field + ": " + e.Message
}

// lineOf is the line of a dotted key, else of its nearest table that has
// one; 0 when none is known.
func lineOf(lines map[string]int, key string) int {
	for k := key; k != ""; {
		if n, ok := lines[k]; ok {
			return n
		}
		i := strings.LastIndex(k, ".")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// ValidationError lists every problem found in a config, in file order for
// unknown settings and then in field order.
type ValidationError struct {
	// Source names the config (a path, BuiltinSource, or "" for a Config
	// checked with Validate).
	Source string
	// Problems holds at least one problem.
	Problems []*FieldError
}

// Error returns a header line followed by one line per problem,
// "field.name: what is wrong (got X)".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid config")
	if e.Source != "" {
		b.WriteString(" " + e.Source)
	}
	b.WriteString(":")
	for _, p := range e.Problems {
		b.WriteString("\n" + p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so errors.As can reach a *FieldError.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Field returns the first problem with the named setting, or nil.
func (e *ValidationError) Field(name string) *FieldError {
	for _, p := range e.Problems {
		if p.Field == name {
			return p
		}
	}
	return nil
}
