package devstack

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithy "github.com/aws/smithy-go"
)

// assume exchanges an ID token for temporary credentials at s's STS; a
// duration of 0 leaves DurationSeconds out.
func assume(ctx context.Context, s *SignInStack, idToken string, duration int32) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	c := sts.New(sts.Options{Region: Region, BaseEndpoint: aws.String(s.STSEndpoint)})
	in := &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String(s.RoleARN),
		RoleSessionName:  aws.String("devstack-test"),
		WebIdentityToken: aws.String(idToken),
	}
	if duration > 0 {
		in.DurationSeconds = aws.Int32(duration)
	}
	return c.AssumeRoleWithWebIdentity(ctx, in)
}

// userS3 signs user in and returns an S3 client with their temporary
// credentials, and their sub.
func userS3(t *testing.T, s *SignInStack, user, password string) (*s3.Client, string) {
	t.Helper()
	tok, err := s.OIDC.SignIn(t.Context(), user, password)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := UnverifiedClaims(tok.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	out, err := assume(t.Context(), s, tok.IDToken, 0)
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	return s.MinIO.S3Client(func(o *s3.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)
	}), claims["sub"].(string)
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestOIDCDiscovery(t *testing.T) {
	o := StartOIDCForTest(t, OIDCOptions{})
	if o.Issuer != "http://127.0.0.1:"+strconv.Itoa(o.Port) || o.ClientID != DefaultClientID {
		t.Errorf("Issuer %q, Port %d, ClientID %q", o.Issuer, o.Port, o.ClientID)
	}
	var doc struct {
		Issuer        string   `json:"issuer"`
		JWKSURI       string   `json:"jwks_uri"`
		Revocation    string   `json:"revocation_endpoint"`
		EndSession    string   `json:"end_session_endpoint"`
		PKCEMethods   []string `json:"code_challenge_methods_supported"`
		Scopes        []string `json:"scopes_supported"`
		SigningAlgs   []string `json:"id_token_signing_alg_values_supported"`
		ResponseTypes []string `json:"response_types_supported"`
	}
	if err := getJSON(t.Context(), o.Discovery(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Issuer != o.Issuer || doc.Revocation == "" || doc.EndSession == "" ||
		strings.Join(doc.PKCEMethods, ",") != "S256" || !strings.Contains(strings.Join(doc.Scopes, " "), "offline_access") ||
		strings.Join(doc.SigningAlgs, ",") != "RS256" {
		t.Errorf("discovery = %+v", doc)
	}
	var jwks struct {
		Keys []struct{ Kty, Alg, Kid, D string }
	}
	if err := getJSON(t.Context(), doc.JWKSURI, &jwks); err != nil {
		t.Fatal(err)
	}
	if len(jwks.Keys) != 1 || jwks.Keys[0].Kty != "RSA" || jwks.Keys[0].Alg != "RS256" || jwks.Keys[0].Kid == "" || jwks.Keys[0].D != "" {
		t.Errorf("jwks = %+v", jwks)
	}
	// Bound to loopback only.
	if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(o.Port)); err == nil {
		ln.Close()
		t.Errorf("port %d free while the provider runs", o.Port)
	}
	if err := o.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := o.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if ProcessAlive(o.PID) || portOpen(o.Port) {
		t.Errorf("provider %d still there after Stop", o.PID)
	}
}

func TestSignInClaims(t *testing.T) {
	o := StartOIDCForTest(t, OIDCOptions{IDTokenTTL: 60 * time.Second})
	tok, err := o.SignIn(t.Context(), DemoUser2, DemoPassword2)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.AccessToken == "" || tok.ExpiresIn != 60 {
		t.Errorf("tokens = %+v", tok)
	}
	claims, err := UnverifiedClaims(tok.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"iss": o.Issuer, "aud": DefaultClientID, "sub": SubjectFor(DemoUser2),
		"email": "bob@example.com", "email_verified": true, "preferred_username": DemoUser2, "name": "Bob Example",
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	if ttl := claims["exp"].(float64) - claims["iat"].(float64); ttl != 60 {
		t.Errorf("ID token lifetime %v s, want 60", ttl)
	}
	if u, ok := o.User(DemoUser2); !ok || u.Sub != SubjectFor(DemoUser2) {
		t.Errorf("User(%q) = %+v, %v", DemoUser2, u, ok)
	}

	if _, err := o.SignIn(t.Context(), DemoUser, "wrong"); err == nil || !strings.Contains(err.Error(), "refused the username or password") {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := o.SignIn(t.Context(), "nobody", DemoPassword); err == nil {
		t.Error("unknown user signed in")
	}
}

func TestSignInCustomUsersAndClaims(t *testing.T) {
	o := StartOIDCForTest(t, OIDCOptions{
		ClientID:    "other-app",
		Users:       []User{{Sub: "fixed-sub", Username: "carol", Password: "pw"}},
		ExtraClaims: map[string]any{"policy": "readwrite"},
	})
	tok, err := o.SignIn(t.Context(), "carol", "pw", "openid")
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := UnverifiedClaims(tok.IDToken)
	if claims["sub"] != "fixed-sub" || claims["aud"] != "other-app" || claims["policy"] != "readwrite" {
		t.Errorf("claims = %v", claims)
	}
	if _, ok := claims["email"]; ok {
		t.Errorf("email claim without the email scope: %v", claims)
	}
	if _, err := o.SignIn(t.Context(), DemoUser, DemoPassword); err == nil {
		t.Error("demo user exists next to custom users")
	}
}

// authorize sends an authorization request with q (client_id filled in)
// and returns the redirect's Location, without following it.
func authorize(t *testing.T, o *OIDC, q url.Values) *url.URL {
	t.Helper()
	q.Set("client_id", o.ClientID)
	resp, err := localClient().Get(o.Issuer + "/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("%s: no redirect: %v", resp.Status, err)
	}
	return loc
}

func TestAuthorizationRequestRules(t *testing.T) {
	o := StartOIDCForTest(t, OIDCOptions{})
	pkce := url.Values{"response_type": {"code"}, "scope": {"openid"}, "code_challenge_method": {"S256"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}}
	with := func(kv ...string) url.Values {
		q := url.Values{}
		for k, v := range pkce {
			q[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				q.Del(kv[i])
			} else {
				q.Set(kv[i], kv[i+1])
			}
		}
		return q
	}
	// Any loopback port is accepted and leads to the login page.
	for _, port := range []string{"1", "49152", "65535"} {
		loc := authorize(t, o, with("redirect_uri", "http://127.0.0.1:"+port+"/callback"))
		if !strings.HasPrefix(loc.Path, "/interaction/") {
			t.Errorf("port %s: redirected to %s", port, loc)
		}
	}
	// No PKCE: the error goes back to the (valid) redirect URI.
	loc := authorize(t, o, with("redirect_uri", "http://127.0.0.1:5000/callback", "code_challenge", "", "code_challenge_method", ""))
	if loc.Host != "127.0.0.1:5000" || loc.Query().Get("error") != "invalid_request" {
		t.Errorf("without PKCE: %s", loc)
	}
	// A redirect URI that is not registered is never redirected to.
	for _, bad := range []string{"http://localhost:5000/callback", "http://127.0.0.1:5000/other", "https://evil.example/callback"} {
		resp, err := localClient().Get(o.Issuer + "/auth?" + with("redirect_uri", bad, "client_id", o.ClientID).Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s (Location %q)", bad, resp.Status, resp.Header.Get("Location"))
		}
	}
}

func TestLoginPage(t *testing.T) {
	o := StartOIDCForTest(t, OIDCOptions{})
	c := localClient()
	c.Jar, _ = cookiejar.New(nil) // the interaction is bound to a cookie
	q := url.Values{"client_id": {o.ClientID}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {"http://127.0.0.1:5000/callback"}, "state": {"s1"}, "login_hint": {"bob"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	loc, _ := get(t, c, o.Issuer+"/auth?"+q.Encode())
	if !strings.HasPrefix(loc.Path, "/interaction/") {
		t.Fatalf("authorization redirected to %s", loc)
	}
	_, page := get(t, c, loc.String())
	for _, want := range []string{`name="login"`, `value="bob"`, `name="password"`, `id="submit"`, `id="cancel"`,
		DemoUser, DemoPassword, DemoUser2, DemoPassword2} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %q:\n%s", want, page)
		}
	}
	// Cancel goes back to the app with access_denied.
	next, _ := get(t, c, loc.String()+"/abort")
	for range 5 {
		if next.Host == "127.0.0.1:5000" {
			if next.Query().Get("error") != "access_denied" || next.Query().Get("state") != "s1" {
				t.Errorf("cancel: %s", next)
			}
			return
		}
		next, _ = get(t, c, next.String())
	}
	t.Fatal("cancel never got back to the app")
}

// get GETs target with c and returns the redirect's Location, or nil and
// the body of a 200 page; anything else is fatal.
func get(t *testing.T, c *http.Client, target string) (*url.URL, string) {
	t.Helper()
	resp, err := c.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil, string(b)
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		loc, err := resp.Location()
		if err != nil {
			t.Fatal(err)
		}
		return loc, ""
	}
	t.Fatalf("GET %s: %s: %s", target, resp.Status, b)
	return nil, ""
}

func TestRefreshRotationAndRevocation(t *testing.T) {
	ctx := t.Context()
	o := StartOIDCForTest(t, OIDCOptions{IDTokenTTL: 60 * time.Second})
	tok, err := o.SignIn(ctx, DemoUser, DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	next, err := o.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if next.IDToken == "" || next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh did not rotate: %+v", next)
	}
	if claims, _ := UnverifiedClaims(next.IDToken); claims["email"] != "alice@example.com" {
		t.Errorf("refreshed ID token claims = %v", claims)
	}
	// Re-using a spent refresh token revokes the whole sign-in.
	assertInvalidGrant(t, o, tok.RefreshToken)
	assertInvalidGrant(t, o, next.RefreshToken)

	// RevokeAll ends every sign-in.
	a, _ := o.SignIn(ctx, DemoUser, DemoPassword)
	b, _ := o.SignIn(ctx, DemoUser2, DemoPassword2)
	if err := o.RevokeAll(ctx); err != nil {
		t.Fatal(err)
	}
	assertInvalidGrant(t, o, a.RefreshToken)
	assertInvalidGrant(t, o, b.RefreshToken)

	// The revocation endpoint (RFC 7009; sign-out) takes a public client's
	// refresh token.
	c, _ := o.SignIn(ctx, DemoUser, DemoPassword)
	resp, err := localClient().PostForm(o.Issuer+"/token/revocation", url.Values{
		"token": {c.RefreshToken}, "token_type_hint": {"refresh_token"}, "client_id": {o.ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revocation: %s", resp.Status)
	}
	assertInvalidGrant(t, o, c.RefreshToken)
}

func assertInvalidGrant(t *testing.T, o *OIDC, refreshToken string) {
	t.Helper()
	_, err := o.Refresh(t.Context(), refreshToken)
	var te *TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" {
		t.Errorf("refresh: %v, want invalid_grant", err)
	}
}

func TestKeepRefreshTokensAndTTL(t *testing.T) {
	o := StartOIDCForTest(t, OIDCOptions{KeepRefreshTokens: true, RefreshTokenTTL: 3 * time.Second})
	tok, err := o.SignIn(t.Context(), DemoUser, DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	next, err := o.Refresh(t.Context(), tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken != tok.RefreshToken {
		t.Error("refresh token rotated with KeepRefreshTokens")
	}
	time.Sleep(3500 * time.Millisecond)
	assertInvalidGrant(t, o, tok.RefreshToken)

	if err := (&OIDC{Issuer: o.Issuer}).RevokeAll(t.Context()); err != nil {
		t.Errorf("RevokeAll with test hooks: %v", err)
	}
}

func TestRevokeAllNeedsTestHooks(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "oidc.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o, err := StartOIDC(t.Context(), OIDCOptions{Log: f})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Stop()
	if err := o.RevokeAll(t.Context()); err == nil {
		t.Error("RevokeAll worked without TestHooks")
	}
}

func TestStartOIDCKeepsKeysInDataDir(t *testing.T) {
	dir := t.TempDir()
	kid := func() string {
		o, err := StartOIDC(t.Context(), OIDCOptions{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Stop()
		var jwks struct{ Keys []struct{ Kid string } }
		if err := getJSON(t.Context(), o.Issuer+"/jwks", &jwks); err != nil {
			t.Fatal(err)
		}
		return jwks.Keys[0].Kid
	}
	first, second := kid(), kid()
	if first == "" || first != second {
		t.Errorf("key ids %q then %q", first, second)
	}
	if fi, err := os.Stat(filepath.Join(dir, keysFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("keys file: %v %v", fi, err)
	}
}

func TestStartOIDCFailsEarly(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\necho 'pretend node cannot start' >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(bin, "node"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	start := time.Now()
	o, err := StartOIDC(t.Context(), OIDCOptions{})
	if err == nil {
		o.Stop()
		t.Fatal("no error from a provider that exits")
	}
	if time.Since(start) > 10*time.Second || !strings.Contains(err.Error(), "pretend node cannot start") {
		t.Errorf("after %v: %v", time.Since(start), err)
	}
}

func TestStartOIDCPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = StartOIDC(t.Context(), OIDCOptions{Port: ln.Addr().(*net.TCPAddr).Port})
	if err == nil || !strings.Contains(err.Error(), "EADDRINUSE") {
		t.Errorf("err = %v", err)
	}
}

func TestStartOIDCDetached(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "oidc.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o, err := StartOIDC(t.Context(), OIDCOptions{Detach: true, Log: f})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = o.Stop() })
	if err := StopProcessGroup(o.PID, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case <-o.Exited():
	case <-time.After(5 * time.Second):
		t.Fatal("detached provider did not exit")
	}
	if _, err := StartOIDC(t.Context(), OIDCOptions{Detach: true, Log: &bytes.Buffer{}}); err == nil {
		t.Error("Detach with a non-file Log was accepted")
	}
}

func TestSubjectFor(t *testing.T) {
	a, b := SubjectFor("alice"), SubjectFor("bob")
	if a == b || a != SubjectFor("alice") || len(a) != 36 || strings.Count(a, "-") != 4 || a[14] != '4' {
		t.Errorf("SubjectFor: %q %q", a, b)
	}
}

func TestSTSConfinesUserToOwnFolder(t *testing.T) {
	ctx := t.Context()
	s := StartSignInStackForTest(t, OIDCOptions{IDTokenTTL: 60 * time.Second})
	alice, sub := userS3(t, s, DemoUser, DemoPassword)
	bob, bobSub := userS3(t, s, DemoUser2, DemoPassword2)
	if sub != SubjectFor(DemoUser) || bobSub != SubjectFor(DemoUser2) {
		t.Fatalf("subs %q %q", sub, bobSub)
	}
	put := func(c *s3.Client, key string) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key), Body: strings.NewReader("hi")})
		return err
	}
	own := UploadKeyPrefix + sub + "/dir/x.txt"
	if err := put(alice, own); err != nil {
		t.Fatalf("put in own folder: %v", err)
	}
	if _, err := alice.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(own)}); err != nil {
		t.Errorf("head own object: %v", err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"put in someone else's folder", put(alice, UploadKeyPrefix+"someone-else/x")},
		{"put in bob's folder", put(alice, UploadKeyPrefix+bobSub+"/x")},
		{"put at the bucket root", put(alice, "x")},
		{"put next to the folders", put(alice, UploadKeyPrefix+"x")},
		{"bob reads alice's object", func() error {
			_, err := bob.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(own)})
			return err
		}()},
		{"list the bucket", func() error {
			_, err := alice.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String(UploadKeyPrefix + sub + "/")})
			return err
		}()},
		{"list multipart uploads", func() error {
			_, err := alice.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(s.Bucket)})
			return err
		}()},
	} {
		// HEAD answers carry no error code, only the status.
		var re interface{ HTTPStatusCode() int }
		if tc.err == nil || (errCode(tc.err) != "AccessDenied" && !(errors.As(tc.err, &re) && re.HTTPStatusCode() == http.StatusForbidden)) {
			t.Errorf("%s: %v, want AccessDenied", tc.name, tc.err)
		}
	}
	multipartInOwnFolder(t, alice, s.Bucket, UploadKeyPrefix+sub+"/big.bin")
}

// multipartInOwnFolder checks the calls a resumable upload makes: create,
// upload a part, list parts (resume), abort; then create, upload, complete.
func multipartInOwnFolder(t *testing.T, c *s3.Client, bucket, key string) {
	t.Helper()
	ctx := t.Context()
	for _, finish := range []string{"abort", "complete"} {
		mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("create multipart: %v", err)
		}
		part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: mp.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader(bytes.Repeat([]byte("p"), 1024))})
		if err != nil {
			t.Fatalf("upload part: %v", err)
		}
		parts, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: mp.UploadId})
		if err != nil || len(parts.Parts) != 1 {
			t.Fatalf("list parts: %v", err)
		}
		if finish == "abort" {
			if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: mp.UploadId}); err != nil {
				t.Fatalf("abort: %v", err)
			}
			continue
		}
		_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: mp.UploadId,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
		if err != nil {
			t.Fatalf("complete: %v", err)
		}
	}
}

// TestSTSDurations pins down what the pinned MinIO does with
// DurationSeconds, which the sign-in's credential refresh relies on.
func TestSTSDurations(t *testing.T) {
	ctx := t.Context()
	s := StartSignInStackForTest(t, OIDCOptions{IDTokenTTL: 60 * time.Second})
	tok, err := s.OIDC.SignIn(ctx, DemoUser, DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	idExp, err := ExpiresAt(tok.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	// Omitted: the credentials expire with the ID token.
	out, err := assume(ctx, s, tok.IDToken, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := out.Credentials.Expiration.Sub(idExp); d < -time.Second || d > time.Second {
		t.Errorf("credentials expire %v, ID token %v", *out.Credentials.Expiration, idExp)
	}
	// Given: 900 s (as on AWS) up to 365 days, regardless of the token.
	for _, d := range []int32{1, 899, 365*24*3600 + 1} {
		if _, err := assume(ctx, s, tok.IDToken, d); errCode(err) != "InvalidParameterValue" {
			t.Errorf("DurationSeconds %d: %v", d, err)
		}
	}
	for _, d := range []int32{900, 365 * 24 * 3600} {
		out, err := assume(ctx, s, tok.IDToken, d)
		if err != nil {
			t.Errorf("DurationSeconds %d: %v", d, err)
			continue
		}
		if got := time.Until(*out.Credentials.Expiration); got < time.Duration(d-5)*time.Second || got > time.Duration(d)*time.Second {
			t.Errorf("DurationSeconds %d: credentials expire in %v", d, got)
		}
	}
}

// TestSTSRefusesOtherTokens checks that MinIO trusts only this provider's
// tokens for this client, and only the configured role.
func TestSTSRefusesOtherTokens(t *testing.T) {
	ctx := t.Context()
	s := StartSignInStackForTest(t, OIDCOptions{})
	other := StartOIDCForTest(t, OIDCOptions{}) // same client ID, other keys and issuer
	tok, err := other.SignIn(ctx, DemoUser, DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := assume(ctx, s, tok.IDToken, 0); errCode(err) != "InvalidParameterValue" {
		t.Errorf("token from another provider: %v", err)
	}
	good, err := s.OIDC.SignIn(ctx, DemoUser, DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	wrongRole := *s
	wrongRole.RoleARN = RoleARN("someone-else", "")
	if _, err := assume(ctx, &wrongRole, good.IDToken, 0); errCode(err) != "InvalidParameterValue" {
		t.Errorf("unknown role: %v", err)
	}
}

// TestServerDefaultsMatchDemoUsers keeps server.js's own defaults (used by
// `npm start`, never by StartOIDC, which always passes its users) in step
// with DemoUsers.
func TestServerDefaultsMatchDemoUsers(t *testing.T) {
	dir, err := OIDCDir()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "server.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range DemoUsers() {
		want := "sub: '" + SubjectFor(u.Username) + "', username: '" + u.Username + "', password: '" + u.Password +
			"', email: '" + u.Email + "', name: '" + u.Name + "'"
		if len(u.Groups) > 0 {
			want += ", groups: ['" + strings.Join(u.Groups, "', '") + "']"
		}
		if !strings.Contains(string(src), want) {
			t.Errorf("server.js lacks %s", want)
		}
	}
}
