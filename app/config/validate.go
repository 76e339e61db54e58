package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"hoist/uploader"
)

// Limits checked by Validate.
const (
	minPartSize       = 5 * MiB
	maxPartSize       = 5 * GiB
	maxThreshold      = 5 * GiB // the largest single PutObject
	maxParallel       = 64
	minStallTimeout   = Duration(time.Second)
	maxStallTimeout   = Duration(time.Hour)
	minRetryMaxWait   = Duration(100 * time.Millisecond)
	maxRetryMaxWait   = Duration(10 * time.Minute)
	maxKeyPrefixBytes = 1024 // S3's limit on a whole key
)

// Validate checks every setting and returns nil or a *ValidationError
// listing all problems, one per line as "field.name: what is wrong (got X)".
// It reads the first bytes of organisation.logo, when set, to check that it
// is a PNG; it has no other side effects.
func (c *Config) Validate() error {
	if p := c.problems(); len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

// got formats a value for the "(got X)" suffix: strings quoted, others
// with %v; a size that String rounds also shows its exact byte count.
func got(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("(got %q)", v)
	case Size:
		if exact, _ := v.MarshalText(); string(exact) != v.String() && v >= KiB {
			return fmt.Sprintf("(got %v, %d bytes)", v, int64(v))
		}
	}
	return fmt.Sprintf("(got %v)", v)
}

// problems returns every problem with c, in field order.
func (c *Config) problems() []*FieldError {
	var out []*FieldError
	add := func(field, format string, args ...any) {
		out = append(out, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}

	// [organisation]
	if strings.TrimSpace(c.Organisation.Name) == "" {
		add("organisation.name", "must not be empty %s", got(c.Organisation.Name))
	}
	if c.Organisation.Logo != "" {
		if err := checkPNG(c.Organisation.Logo); err != nil {
			add("organisation.logo", "%v %s", err, got(c.Organisation.Logo))
		}
	}

	// [s3]
	if c.S3.Endpoint != "" {
		if err := checkEndpoint(c.S3.Endpoint); err != nil {
			add("s3.endpoint", "%v %s", err, got(c.S3.Endpoint))
		}
	}
	switch {
	case c.S3.Region == "":
		add("s3.region", "must be set %s", got(c.S3.Region))
	case strings.ContainsFunc(c.S3.Region, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		add("s3.region", "must not contain spaces or control characters %s", got(c.S3.Region))
	}
	if c.S3.Bucket == "" {
		add("s3.bucket", "must be set %s", got(c.S3.Bucket))
	} else if err := checkBucket(c.S3.Bucket); err != nil {
		add("s3.bucket", "%v %s", err, got(c.S3.Bucket))
	}
	switch c.S3.Checksum {
	case ChecksumCRC32C, ChecksumCRC32CComposite, ChecksumNone:
	default:
		add("s3.checksum", `must be "crc32c", "crc32c-composite" or "none" %s`, got(string(c.S3.Checksum)))
	}
	switch {
	case c.S3.AccessKeyID != "" && c.S3.SecretAccessKey == "":
		add("s3.secret_access_key", `must be set when s3.access_key_id is set (got "")`)
	case c.S3.AccessKeyID == "" && c.S3.SecretAccessKey != "":
		// Never echo the secret.
		add("s3.access_key_id", `must be set when s3.secret_access_key is set (got "")`)
	}

	// [upload]
	for _, e := range keyPrefixProblems(c.Upload.KeyPrefix, c.Signin.Enabled()) {
		add("upload.key_prefix", "%s %s", e, got(c.Upload.KeyPrefix))
	}
	if c.Upload.PartSize != 0 && (c.Upload.PartSize < minPartSize || c.Upload.PartSize > maxPartSize) {
		add("upload.part_size", "must be between %v and %v, or 0 for automatic %s", minPartSize, maxPartSize, got(c.Upload.PartSize))
	}
	if c.Upload.MultipartThreshold < 0 || c.Upload.MultipartThreshold > maxThreshold {
		add("upload.multipart_threshold", "must be between 0 and %v %s", maxThreshold, got(c.Upload.MultipartThreshold))
	}
	if c.Upload.ParallelFiles < 0 || c.Upload.ParallelFiles > maxParallel {
		add("upload.parallel_files", "must be between 1 and %d, or 0 for automatic %s", maxParallel, got(c.Upload.ParallelFiles))
	}
	if c.Upload.ParallelParts < 0 || c.Upload.ParallelParts > maxParallel {
		add("upload.parallel_parts", "must be between 1 and %d, or 0 for automatic %s", maxParallel, got(c.Upload.ParallelParts))
	}
	if _, err := uploader.ParseRate(c.Upload.MaxRate); err != nil {
		add("upload.max_rate", "%v", err)
	}
	if _, err := uploader.ParseSchedule(c.Upload.MaxRateSchedule); err != nil {
		add("upload.max_rate_schedule", "%v", err)
	}
	switch c.Upload.OnCollision {
	case CollisionRename, CollisionOverwrite, CollisionSkip:
	default:
		add("upload.on_collision", `must be "rename", "overwrite" or "skip" %s`, got(string(c.Upload.OnCollision)))
	}
	if c.Upload.StallTimeout < minStallTimeout || c.Upload.StallTimeout > maxStallTimeout {
		add("upload.stall_timeout", "must be between 1s and 1h %s", got(c.Upload.StallTimeout))
	}
	if c.Upload.RetryMaxWait < minRetryMaxWait || c.Upload.RetryMaxWait > maxRetryMaxWait {
		add("upload.retry_max_wait", "must be between 100ms and 10m %s", got(c.Upload.RetryMaxWait))
	}

	// [history]
	if n := c.History.MaxEntries; n != 0 && (n < 100 || n > 1_000_000) {
		add("history.max_entries", "must be 0 (keep all) or between 100 and 1000000 %s", got(n))
	}
	if d := c.History.MaxAgeDays; d != 0 && (d < 1 || d > 3650) {
		add("history.max_age_days", "must be 0 (keep all) or between 1 and 3650 %s", got(d))
	}

	// [signin]
	if c.Signin.Issuer != "" && c.Signin.ClientID == "" {
		add("signin.client_id", `must be set when signin.issuer is set (got "")`)
	}
	if p := c.Signin.RedirectPort; p != 0 && (p < 1024 || p > 65535) {
		add("signin.redirect_port", "must be 0 (any free port) or between 1024 and 65535 (got %d)", p)
	}

	// [support]
	if c.Support.RequestPoll < Duration(10*time.Second) || c.Support.RequestPoll > Duration(24*time.Hour) {
		add("support.request_poll", "must be between 10s and 24h %s", got(c.Support.RequestPoll))
	}
	if p := c.Support.CustomersPrefix; p != "" && !strings.HasSuffix(p, "/") {
		add("support.customers_prefix", `must end in "/" %s`, got(p))
	}
	if len(c.Support.StaffGroups) > 0 && strings.TrimSpace(c.Support.GroupClaim) == "" {
		add("support.group_claim", `must name a claim when support.staff_groups is set (got "")`)
	}
	return append(out, c.transportProblems()...)
}

// pngMagic is the signature every PNG file starts with.
var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// checkPNG checks that path is a readable PNG file.
func checkPNG(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open: %w", unwrapPath(err))
	}
	defer f.Close()
	head := make([]byte, len(pngMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, pngMagic) {
		return errors.New("is not a PNG file")
	}
	return nil
}

// unwrapPath drops the *PathError wrapper, whose path the message repeats.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// checkEndpoint checks that s is an absolute http(s) URL with a host and
// no query or fragment.
func checkEndpoint(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("must be an http or https URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must be an http or https URL")
	}
	if u.Host == "" {
		return errors.New("must include a host")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return errors.New("must not include credentials, a query or a fragment")
	}
	return nil
}

// checkBucket applies S3's general-purpose bucket naming rules.
func checkBucket(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return errors.New("must be 3 to 63 characters long")
	}
	for _, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return errors.New("may contain only lowercase letters, digits, dots and hyphens")
		}
	}
	if !isAlnum(b[0]) || !isAlnum(b[len(b)-1]) {
		return errors.New("must begin and end with a letter or digit")
	}
	if strings.Contains(b, "..") {
		return errors.New("must not contain two adjacent dots")
	}
	if ip := net.ParseIP(b); ip != nil {
		return errors.New("must not be formatted as an IP address")
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(b, p) {
			return fmt.Errorf("must not start with %q (reserved)", p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(b, s) {
			return fmt.Errorf("must not end with %q (reserved)", s)
		}
	}
	return nil
}

// isAlnum reports whether c is a lowercase letter or a digit.
func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// placeholderRE matches one {name} placeholder.
var placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)

// Key prefix placeholders.
var (
	// datePlaceholders are filled from the upload's start time.
	datePlaceholders = []string{"date", "yyyy", "mm", "dd"}
	// identityPlaceholders are filled from the signed-in user's ID token.
	identityPlaceholders = []string{"sub", "email", "preferred_username"}
)

// KeyPrefixPlaceholders returns the placeholder names upload.key_prefix may
// use: the date ones, then the identity ones (which need sign-in).
func KeyPrefixPlaceholders() (date, identity []string) {
	return append([]string(nil), datePlaceholders...), append([]string(nil), identityPlaceholders...)
}

// keyPrefixProblems checks the template syntax: balanced braces, known
// placeholders, identity placeholders only with sign-in, and length.
func keyPrefixProblems(tmpl string, signin bool) []string {
	var out []string
	if strings.ContainsAny(placeholderRE.ReplaceAllString(tmpl, ""), "{}") {
		out = append(out, "has an unmatched { or }")
	}
	for _, m := range placeholderRE.FindAllStringSubmatch(tmpl, -1) {
		name := m[1]
		switch {
		case slices.Contains(datePlaceholders, name):
		case slices.Contains(identityPlaceholders, name):
			if !signin {
				out = append(out, fmt.Sprintf("placeholder {%s} needs sign-in (set signin.issuer)", name))
			}
		default:
			out = append(out, fmt.Sprintf("unknown placeholder {%s} (known: {date} {yyyy} {mm} {dd} {sub} {email} {preferred_username})", name))
		}
	}
	if len(tmpl) > maxKeyPrefixBytes {
		out = append(out, fmt.Sprintf("must be at most %d bytes", maxKeyPrefixBytes))
	}
	return out
}

// SpeedLimit returns the parsed upload.max_rate and upload.max_rate_schedule
// (a validated Config always parses).
func (u Upload) SpeedLimit() (uploader.Rate, uploader.Schedule) {
	r, _ := uploader.ParseRate(u.MaxRate)
	s, _ := uploader.ParseSchedule(u.MaxRateSchedule)
	return r, s
}
