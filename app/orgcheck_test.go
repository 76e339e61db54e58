package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"hoist/app/cli"
	"hoist/app/org"
	"hoist/uploader"
)

func abortRule(id string, days int32, status types.ExpirationStatus, filter *types.LifecycleRuleFilter) types.LifecycleRule {
	return types.LifecycleRule{ID: aws.String(id), Status: status, Filter: filter,
		AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(days)}}
}

func TestLifecycleVerdict(t *testing.T) {
	const prefix = "uploads/alice/"
	on, off := types.ExpirationStatusEnabled, types.ExpirationStatusDisabled
	expire := types.LifecycleRule{ID: aws.String("expire"), Status: on, Expiration: &types.LifecycleExpiration{Days: aws.Int32(30)}}
	for _, tc := range []struct {
		name   string
		rules  []types.LifecycleRule
		server string
		want   checkStatus
		words  []string
	}{
		{"whole bucket", []types.LifecycleRule{abortRule("abort", 7, on, nil)}, "AmazonS3", checkPass, []string{`"abort"`, "7 days"}},
		{"empty filter", []types.LifecycleRule{abortRule("abort", 1, on, &types.LifecycleRuleFilter{})}, "", checkPass, nil},
		{"prefix of the folder", []types.LifecycleRule{abortRule("up", 3, on, &types.LifecycleRuleFilter{Prefix: aws.String("uploads/")})}, "", checkPass, []string{"3 days"}},
		{"and with prefix only", []types.LifecycleRule{abortRule("and", 3, on, &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{Prefix: aws.String("uploads/")}})}, "", checkPass, nil},
		{"old top-level prefix", []types.LifecycleRule{{ID: aws.String("old"), Status: on, Prefix: aws.String("uploads/"),
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(2)}}}, "", checkPass, nil},
		{"the second rule", []types.LifecycleRule{expire, abortRule("abort", 7, on, nil)}, "", checkPass, []string{`"abort"`}},
		{"no rule aborts", []types.LifecycleRule{expire}, "AmazonS3", checkFail, []string{"none of bucket hoist's 1 lifecycle rules", "Fix: add a lifecycle rule", "AbortIncompleteMultipartUpload"}},
		{"zero days", []types.LifecycleRule{abortRule("zero", 0, on, nil)}, "", checkFail, []string{"none of"}},
		{"disabled", []types.LifecycleRule{abortRule("off", 7, off, nil)}, "", checkFail, []string{"off", "disabled", "Fix: enable it"}},
		{"another prefix", []types.LifecycleRule{abortRule("logs", 7, on, &types.LifecycleRuleFilter{Prefix: aws.String("logs/")})}, "", checkFail, []string{"logs", "not in uploads/alice/"}},
		{"a longer prefix", []types.LifecycleRule{abortRule("bob", 7, on, &types.LifecycleRuleFilter{Prefix: aws.String("uploads/bob/")})}, "", checkFail, []string{"not in"}},
		{"by tag", []types.LifecycleRule{abortRule("tag", 7, on, &types.LifecycleRuleFilter{Tag: &types.Tag{Key: aws.String("k"), Value: aws.String("v")}})}, "", checkFail, []string{"tags"}},
		{"and with tags", []types.LifecycleRule{abortRule("tags", 7, on, &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{Prefix: aws.String("uploads/"), Tags: []types.Tag{{Key: aws.String("k")}}}})}, "", checkFail, nil},
		{"by size", []types.LifecycleRule{abortRule("size", 7, on, &types.LifecycleRuleFilter{ObjectSizeGreaterThan: aws.Int64(1)})}, "", checkFail, nil},
		{"MinIO drops the action", []types.LifecycleRule{expire}, "MinIO", checkUnknown, []string{"MinIO", "stale_uploads_expiry"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := lifecycleVerdict(tc.rules, "hoist", prefix, tc.server)
			text := r.detail + " Fix: " + r.fix
			if r.status != tc.want {
				t.Fatalf("%s, want %s: %s", r.status, tc.want, text)
			}
			for _, w := range tc.words {
				if !strings.Contains(text, w) {
					t.Errorf("%q does not say %q", text, w)
				}
			}
			if r.status != checkPass && r.fix == "" {
				t.Errorf("a %s without a fix", r.status)
			}
		})
	}
}

func TestLifecycleError(t *testing.T) {
	apiErr := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	for _, tc := range []struct {
		code, server string
		want         checkStatus
		word         string
	}{
		{"NoSuchLifecycleConfiguration", "AmazonS3", checkFail, "has no lifecycle rules"},
		{"NoSuchLifecycleConfiguration", "MinIO", checkUnknown, "stale_uploads_expiry"},
		{"AccessDenied", "AmazonS3", checkUnknown, "s3:GetLifecycleConfiguration"},
		{"NotImplemented", "", checkUnknown, "does not support"},
		{"InternalError", "", checkUnknown, "could not be read"},
	} {
		r := lifecycleError(apiErr(tc.code), "hoist", "uploads/alice/", tc.server)
		if text := r.detail + " " + r.fix; r.status != tc.want || !strings.Contains(text, tc.word) {
			t.Errorf("%s on %q: %s %q, want %s saying %q", tc.code, tc.server, r.status, text, tc.want, tc.word)
		}
	}
}

func TestPKCEOffered(t *testing.T) {
	for _, tc := range []struct {
		methods []string
		want    checkStatus
	}{
		{[]string{"S256"}, checkPass},
		{[]string{"plain", "S256"}, checkPass},
		{[]string{"plain"}, checkFail},
		{[]string{}, checkFail},
		{nil, checkUnknown},
	} {
		if r := pkceOffered(&org.Discovery{CodeChallengeMethods: tc.methods}); r.status != tc.want {
			t.Errorf("%v: %s, want %s", tc.methods, r.status, tc.want)
		}
	}
}

func TestPolicyPrefix(t *testing.T) {
	for tmpl, want := range map[string]string{
		"uploads/{sub}/":        "uploads/${jwt:sub}/",
		"in/{email}/{date}/":    "in/${jwt:email}/",
		"uploads/{date}/{sub}/": "uploads/",
		"":                      "",
	} {
		if got := policyPrefix(tmpl); got != want {
			t.Errorf("policyPrefix(%q) = %q, want %q", tmpl, got, want)
		}
	}
}

func TestOutsideKeys(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.Local)
	personal, _ := uploader.ParsePrefixTemplate("uploads/{sub}/", "sub")
	keys := outsideKeys(personal, now, "uploads/alice/")
	if len(keys) != 3 || strings.Contains(keys[0].key, "/") || !strings.HasPrefix(keys[1].key, "uploads/hoist-org-check-someone-else/") ||
		!strings.HasPrefix(keys[2].key, "uploads/alice-x/") {
		t.Errorf("outside keys %+v", keys)
	}
	for _, k := range keys {
		if strings.HasPrefix(k.key, "uploads/alice/") {
			t.Errorf("%s is inside the folder", k.key)
		}
	}
	shared, _ := uploader.ParsePrefixTemplate("uploads/{date}/", "sub")
	if keys := outsideKeys(shared, now, "uploads/2026-12-02/"); len(keys) != 2 || keys[1].where == "another person's folder" {
		t.Errorf("a prefix without the person: %+v", keys)
	}
}

func TestCRC32COf(t *testing.T) {
	// The CRC32C of "123456789" is 0xE3069283 (RFC 3720 B.4).
	if got := crc32cOf([]byte("123456789")); got != "4waSgw==" {
		t.Errorf("crc32cOf = %s", got)
	}
}

// A config file with a mistake stops the check at its first line, which
// names the setting; nothing signs in.
func TestOrgCheckBadConfigFile(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "hoist.toml")
	if err := os.WriteFile(cfg, []byte("[s3]\nregion = \"r\"\nbukcet = \"b\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	env := &cli.Env{Stdout: &out, Stderr: &errOut}
	if code := cmdOrg(context.Background(), env, []string{"check", "--config", cfg}); code != cli.ExitFailed {
		t.Errorf("exit code %d, want %d", code, cli.ExitFailed)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "FAIL            "+checkDescriptor+": "+cfg+" can't be used: ") ||
		!strings.Contains(lines[0], "s3.bukcet: unknown setting: did you mean bucket? (line 3)") || !strings.Contains(lines[0], " Fix: ") {
		t.Errorf("report:\n%s", out.String())
	}
	for _, args := range [][]string{nil, {"chek"}, {"check", "a.example", "b.example"}, {"check", "a.example", "--config", cfg}} {
		if code := cmdOrg(context.Background(), env, args); code != cli.ExitUsage {
			t.Errorf("hoist org %v: exit code %d, want %d", args, code, cli.ExitUsage)
		}
	}
}

// noBrowser is a browser that never signs in.
type noBrowser struct{}

func (noBrowser) Open(string) error { return nil }

// The sign-in service's own answers, from a local server: a discovery that
// names another issuer stops the check; one that does not list PKCE
// methods cannot be checked; the token endpoint's error tells a public
// client from one that wants a secret.
func TestOrgCheckSignInServiceAnswers(t *testing.T) {
	var mu sync.Mutex // the handlers read what the test sets
	var issuer, tokenError, pkce string
	set := func(i, e, p string) {
		mu.Lock()
		defer mu.Unlock()
		issuer, tokenError, pkce = i, e, p
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		issuer, tokenError, pkce := issuer, tokenError, pkce
		mu.Unlock()
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer": %q, "authorization_endpoint": "http://%s/auth", "token_endpoint": "http://%s/token"%s}`, issuer, r.Host, r.Host, pkce)
		case "/token":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error": %q}`, tokenError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "hoist.toml")
	toml := "[s3]\nregion = \"r\"\nbucket = \"my-bucket\"\n[upload]\nkey_prefix = \"uploads/{sub}/\"\n[signin]\nissuer = \"" + srv.URL + "\"\nclient_id = \"hoist\"\n"
	if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	orgCheckBrowser = noBrowser{}
	defer func() { orgCheckBrowser = nil }()
	check := func(timeout time.Duration) orgCheckRun {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		var out bytes.Buffer
		code := cmdOrg(ctx, &cli.Env{Stdout: &out, Stderr: &out}, []string{"check", "--config", cfg})
		return orgCheckRun{code: code, out: out.String()}
	}

	set("https://login.somewhere-else.example", "invalid_grant", "")
	r := check(time.Minute)
	r.want(t, checkDiscovery, "FAIL", "gives another name", `Fix: make `+srv.URL+`/.well-known/openid-configuration answer over https with "issuer": "`+srv.URL+`"`)
	r.want(t, checkSignIn, "COULD NOT CHECK", "discovery failed")
	if r.code != cli.ExitFailed {
		t.Errorf("exit code %d", r.code)
	}

	// Nobody signs in here: the sign-in ends with the context.
	set(srv.URL, "invalid_grant", "")
	r = check(5 * time.Second)
	r.want(t, checkDiscovery, "PASS")
	r.want(t, checkPublic, "PASS", "without a secret")
	r.want(t, checkPKCE, "COULD NOT CHECK", "does not say")
	r.want(t, checkSignIn, "FAIL")

	set(srv.URL, "unauthorized_client", `, "code_challenge_methods_supported": ["S256"], "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"]`)
	r = check(5 * time.Second)
	r.want(t, checkPublic, "FAIL", "may not use the authorization code grant")
	r.want(t, checkPKCE, "PASS")

	set(srv.URL, "unauthorized_client", `, "token_endpoint_auth_methods_supported": ["client_secret_basic"]`)
	r = check(5 * time.Second)
	r.want(t, checkPublic, "FAIL", `has no "none"`)
}
