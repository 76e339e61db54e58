package app

// `hoist org check` as an organisation's admin runs it: the real binary,
// the dev stack's provider and MinIO, and a headless Chromium at the
// system browser (through a fake xdg-open), against a correct set-up and
// deliberately broken ones.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"hoist/devstack"
	"hoist/internal/browsertest"
)

// orgCheckRun is one run of `hoist org check`.
type orgCheckRun struct {
	code int
	out  string
}

// line returns the report line of the check called name ("" if missing).
func (r orgCheckRun) line(name string) string {
	for _, l := range strings.Split(r.out, "\n") {
		if strings.Contains(l, " "+name+": ") {
			return l
		}
	}
	return ""
}

// want fails the test unless the check called name has status and its
// line contains every one of words.
func (r orgCheckRun) want(t *testing.T, name, status string, words ...string) {
	t.Helper()
	l := r.line(name)
	if !strings.HasPrefix(l, status+" ") {
		t.Errorf("%s: got %q, want %s\n%s", name, l, status, r.out)
		return
	}
	for _, w := range words {
		if !strings.Contains(l, w) {
			t.Errorf("%s: %q does not say %q", name, l, w)
		}
	}
}

// orgChecker runs the binary, and signs in as alice in a fresh headless
// Chromium (no session left from an earlier run) when the check opens the
// sign-in page.
type orgChecker struct {
	t   *testing.T
	bin string
	// home is the HOME of the runs; "" gives each run a fresh one.
	home string
}

func newOrgChecker(t *testing.T) *orgChecker {
	t.Helper()
	return &orgChecker{t: t, bin: hoistBinary(t)}
}

// run runs `hoist org check args...`; signIn says whether a sign-in page
// is expected (and then signed in to).
func (c *orgChecker) run(signIn bool, args ...string) orgCheckRun {
	c.t.Helper()
	path, urls := fakeXDGOpen(c.t)
	cmd := c.command(path, append([]string{"org", "check"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() { // a test that stops early leaves no check running
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			_ = cmd.Process.Kill()
		}
	}()
	c.t.Cleanup(func() { _ = cmd.Process.Kill() }) // harmless once it has exited
	if signIn {
		browser, err := browsertest.Start(context.Background())
		if err != nil {
			c.t.Fatal(err)
		}
		c.t.Cleanup(browser.Close)
		if _, err := browser.SignIn(nextURL(c.t, urls, 1), devstack.DemoUser, devstack.DemoPassword); err != nil {
			c.t.Errorf("browser: %v", err)
		}
		browser.Close()
	}
	code := 0
	if err := cmd.Wait(); err != nil {
		exit, ok := err.(*exec.ExitError)
		if !ok {
			c.t.Fatal(err)
		}
		code = exit.ExitCode()
	}
	if !signIn {
		if data, _ := os.ReadFile(urls); len(data) > 0 {
			c.t.Errorf("the check opened a browser: %s", data)
		}
	}
	c.t.Logf("hoist org check %s → %d\n%s", strings.Join(args, " "), code, out.String())
	return orgCheckRun{code: code, out: out.String()}
}

// command is bin with args, in c.home (or a fresh HOME) with PATH path.
func (c *orgChecker) command(path string, args ...string) *exec.Cmd {
	home := c.home
	if home == "" {
		home = c.t.TempDir()
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), "PATH="+path, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local"), "HOIST_CONFIG=", "HOIST_DATA_DIR=", "HOIST_POLICY=none", "DBUS_SESSION_BUS_ADDRESS=")
	return cmd
}

// bucketKeys lists every key in the dev stack's bucket (as root).
func bucketKeys(t *testing.T, m *devstack.MinIO) []string {
	t.Helper()
	out, err := m.S3Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(devstack.DefaultBucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// onlyOwnProbe fails unless the bucket holds nothing but the probe in
// alice's folder (the dev policy may not delete it).
func onlyOwnProbe(t *testing.T, m *devstack.MinIO) {
	t.Helper()
	own := devstack.UploadKeyPrefix + devstack.SubjectFor(devstack.DemoUser) + "/" + probeName
	for _, k := range bucketKeys(t, m) {
		if k != own {
			t.Errorf("the check left %s in the bucket", k)
		}
	}
}

// unconfinedPolicy is a common mistake: the role may write anywhere in
// the bucket.
const unconfinedPolicy = `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::hoist/*"]}]
}`

// lifecyclePolicy is the dev policy plus reading the bucket's lifecycle.
var lifecyclePolicy = strings.Replace(devstack.UploadPolicy, `  ]
}`, `    ,{"Effect": "Allow", "Action": ["s3:GetLifecycleConfiguration"], "Resource": ["arn:aws:s3:::hoist"]}
  ]
}`, 1)

func TestOrgCheckOnTheDevStack(t *testing.T) {
	stack := devstack.StartSignInStackForTest(t, devstack.OIDCOptions{})
	c := newOrgChecker(t)
	ctx := context.Background()
	setPolicy := func(doc string) {
		t.Helper()
		if err := stack.MinIO.CreatePolicy(ctx, devstack.UploadPolicyName, doc); err != nil {
			t.Fatal(err)
		}
	}
	sub := devstack.SubjectFor(devstack.DemoUser)

	t.Run("correct", func(t *testing.T) {
		r := c.run(true, stack.DescriptorURL)
		if r.code != 0 {
			t.Errorf("exit code %d for a correct set-up", r.code)
		}
		r.want(t, checkDescriptor, "PASS", stack.DescriptorURL, "Acme Research")
		r.want(t, checkDiscovery, "PASS", stack.OIDC.Issuer)
		r.want(t, checkPublic, "PASS")
		r.want(t, checkPKCE, "PASS", "S256")
		r.want(t, checkSignIn, "PASS", "Alice Example", sub)
		r.want(t, checkRole, "PASS", stack.RoleARN)
		r.want(t, checkConfined, "PASS", "uploads/"+sub+"/", "refused")
		r.want(t, checkMultipart, "PASS")
		r.want(t, checkCondition, "PASS", "412")
		r.want(t, checkCRC32C, "PASS", "wrong checksum is refused")
		// The dev policy grants no s3:GetLifecycleConfiguration.
		r.want(t, checkLifecycle, "COULD NOT CHECK", "may not read", "s3:GetLifecycleConfiguration")
		if !strings.Contains(r.out, "Note: the small file s3://hoist/uploads/"+sub+"/"+probeName+" stays") {
			t.Errorf("no note about the probe the role may not delete:\n%s", r.out)
		}
		if hasJWT(r.out) {
			t.Errorf("the report shows a token:\n%s", r.out)
		}
		onlyOwnProbe(t, stack.MinIO)
	})

	t.Run("config file", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "hoist.json")
		if err := os.WriteFile(cfg, stack.Descriptor().JSON(), 0o600); err != nil {
			t.Fatal(err)
		}
		r := c.run(true, "--config", cfg)
		if r.code != 0 {
			t.Errorf("exit code %d for a correct set-up", r.code)
		}
		r.want(t, checkDescriptor, "PASS", cfg, "is valid")
		r.want(t, checkConfined, "PASS")
	})

	t.Run("the organisation connected to", func(t *testing.T) {
		c.home = t.TempDir()
		defer func() { c.home = "" }()
		if out, err := c.command(os.Getenv("PATH"), "join", stack.DescriptorURL, "--yes").CombinedOutput(); err != nil {
			t.Fatalf("join: %v\n%s", err, out)
		}
		r := c.run(true)
		if r.code != 0 {
			t.Errorf("exit code %d for a correct set-up", r.code)
		}
		r.want(t, checkDescriptor, "PASS", stack.DescriptorURL)
		r.want(t, checkConfined, "PASS")
	})

	t.Run("MinIO's lifecycle", func(t *testing.T) {
		setPolicy(lifecyclePolicy)
		defer setPolicy(devstack.UploadPolicy)
		r := c.run(true, stack.DescriptorURL)
		if r.code != 0 {
			t.Errorf("exit code %d: MinIO's missing lifecycle rule is not a failure", r.code)
		}
		r.want(t, checkLifecycle, "COULD NOT CHECK", "has no lifecycle rules, and the store is MinIO", "stale_uploads_expiry")

		// What the README and orgcheck_lifecycle.go say the pinned MinIO
		// does with AbortIncompleteMultipartUpload: refused alone, dropped
		// from a rule that also expires objects.
		admin := stack.MinIO.S3Client()
		abort := &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(7)}
		put := func(rule types.LifecycleRule) error {
			_, err := admin.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(devstack.DefaultBucket),
				LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{rule}}})
			return err
		}
		filter := &types.LifecycleRuleFilter{Prefix: aws.String("uploads/")}
		if err := put(types.LifecycleRule{ID: aws.String("abort"), Status: types.ExpirationStatusEnabled, Filter: filter, AbortIncompleteMultipartUpload: abort}); err == nil {
			t.Error("MinIO took a rule that only aborts unfinished uploads: update the MinIO notes")
		}
		if err := put(types.LifecycleRule{ID: aws.String("both"), Status: types.ExpirationStatusEnabled, Filter: filter, AbortIncompleteMultipartUpload: abort,
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(3650)}}); err != nil {
			t.Fatal(err)
		}
		defer admin.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String(devstack.DefaultBucket)})
		got, err := admin.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(devstack.DefaultBucket)})
		if err != nil || len(got.Rules) != 1 || got.Rules[0].AbortIncompleteMultipartUpload != nil {
			t.Errorf("MinIO kept %+v (%v): update the MinIO notes", got, err)
		}
		r = c.run(true, stack.DescriptorURL)
		r.want(t, checkLifecycle, "COULD NOT CHECK", "lifecycle rules (1) abort no unfinished uploads, and the store is MinIO")
	})

	t.Run("not confined", func(t *testing.T) {
		setPolicy(unconfinedPolicy)
		defer setPolicy(devstack.UploadPolicy)
		r := c.run(true, stack.DescriptorURL)
		if r.code != 1 {
			t.Errorf("exit code %d, want 1", r.code)
		}
		r.want(t, checkConfined, "FAIL", "were accepted", "the top of the bucket", "another person's folder",
			"a folder whose name starts like the person's", "removed again",
			"Fix: allow writes only to the person's own folder", "arn:aws:s3:::hoist/uploads/${jwt:sub}/*")
		r.want(t, checkRole, "PASS")
		r.want(t, checkMultipart, "PASS")
		// s3:* may delete: nothing at all is left behind.
		if keys := bucketKeys(t, stack.MinIO); len(keys) > 0 {
			t.Errorf("the check left %v", keys)
		}
		if strings.Contains(r.out, "Note:") {
			t.Errorf("a note although everything was removed:\n%s", r.out)
		}
	})

	t.Run("may list everyone's files", func(t *testing.T) {
		setPolicy(strings.Replace(devstack.UploadPolicy, `"Sid": "ListOwnRequests",
      "Effect": "Allow",
      "Action": ["s3:ListBucket"],
      "Resource": ["arn:aws:s3:::hoist"],`, `"Sid": "ListEverything",
      "Effect": "Allow",
      "Action": ["s3:ListBucket"],
      "Resource": ["arn:aws:s3:::hoist"]
    },
    {
      "Sid": "ListOwnRequests",
      "Effect": "Allow",
      "Action": ["s3:ListBucket"],
      "Resource": ["arn:aws:s3:::hoist"],`, 1))
		defer setPolicy(devstack.UploadPolicy)
		r := c.run(true, stack.DescriptorURL)
		if r.code != 1 {
			t.Errorf("exit code %d, want 1", r.code)
		}
		r.want(t, checkConfined, "FAIL", "may list the files in the top of the bucket and another person's folder", "Fix: grant s3:ListBucket only with a condition on s3:prefix inside the person's own folder")
	})

	t.Run("no ListParts", func(t *testing.T) {
		setPolicy(strings.Replace(devstack.UploadPolicy, `,
        "s3:ListMultipartUploadParts"`, "", 1))
		defer setPolicy(devstack.UploadPolicy)
		r := c.run(true, stack.DescriptorURL)
		if r.code != 1 {
			t.Errorf("exit code %d, want 1", r.code)
		}
		r.want(t, checkConfined, "PASS")
		r.want(t, checkMultipart, "FAIL", "listing the parts", "AccessDenied", "Fix: allow s3:ListMultipartUploadParts")
		// The upload it started was aborted: MinIO lists no upload in the bucket.
		out, err := stack.MinIO.S3Client().ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(devstack.DefaultBucket)})
		if err != nil || len(out.Uploads) != 0 {
			t.Errorf("unfinished uploads left: %v %v", out, err)
		}
	})

	t.Run("one folder for everyone", func(t *testing.T) {
		d := stack.Descriptor()
		d.KeyPrefix = "uploads/shared/"
		if err := devstack.WriteDescriptor(stack.DescriptorFile, d); err != nil {
			t.Fatal(err)
		}
		defer devstack.WriteDescriptor(stack.DescriptorFile, stack.Descriptor())
		setPolicy(strings.Replace(devstack.UploadPolicy, "arn:aws:s3:::hoist/uploads/${jwt:sub}/*", "arn:aws:s3:::hoist/uploads/shared/*", 1))
		defer setPolicy(devstack.UploadPolicy)
		r := c.run(true, stack.DescriptorURL)
		if r.code != 1 {
			t.Errorf("exit code %d, want 1", r.code)
		}
		r.want(t, checkConfined, "FAIL", "does not name the person", "uploads/shared/", `Fix: put {sub} in upload.key_prefix`)
		r.want(t, checkMultipart, "PASS")
	})

	t.Run("wrong role", func(t *testing.T) {
		d := stack.Descriptor()
		d.RoleARN = "arn:minio:iam:::role/not-the-hoist-role"
		if err := devstack.WriteDescriptor(stack.DescriptorFile, d); err != nil {
			t.Fatal(err)
		}
		defer devstack.WriteDescriptor(stack.DescriptorFile, stack.Descriptor())
		r := c.run(true, stack.DescriptorURL, "--verbose")
		if r.code != 1 {
			t.Errorf("exit code %d, want 1", r.code)
		}
		r.want(t, checkSignIn, "PASS")
		if !strings.Contains(r.out, "details: failed to refresh cached credentials, InvalidParameterValue") || hasJWT(r.out) {
			t.Errorf("--verbose: no details of STS's refusal, or a token:\n%s", r.out)
		}
		r.want(t, checkRole, "FAIL", "refused", "InvalidParameterValue", "Fix: check signin.role_arn (arn:minio:iam:::role/not-the-hoist-role)")
		for _, n := range []string{checkConfined, checkMultipart, checkCondition, checkCRC32C, checkLifecycle} {
			r.want(t, n, "COULD NOT CHECK", "no storage credentials")
		}
	})

	t.Run("no descriptor", func(t *testing.T) {
		r := c.run(false, stack.OIDC.Issuer+"/.well-known/nothing-here.json")
		if r.code != 1 {
			t.Errorf("exit code %d, want 1", r.code)
		}
		r.want(t, checkDescriptor, "FAIL", "has no Hoist set-up", "Fix: serve the descriptor at")
		if r.line(checkSignIn) != "" {
			t.Errorf("checks went on without a descriptor:\n%s", r.out)
		}
	})

	t.Run("bad descriptor", func(t *testing.T) {
		bad := strings.Replace(string(stack.Descriptor().JSON()), `"key_prefix"`, `"key_prefx"`, 1)
		if err := os.WriteFile(stack.DescriptorFile, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		defer devstack.WriteDescriptor(stack.DescriptorFile, stack.Descriptor())
		r := c.run(false, stack.DescriptorURL)
		if r.code != 1 {
			t.Errorf("exit code %d, want 1", r.code)
		}
		r.want(t, checkDescriptor, "FAIL", "has a mistake", "Fix: correct the descriptor", "upload.key_prefx")
	})
}

// A provider set up for a web app, not a desktop one: a client with a
// secret, and a discovery document that offers PKCE "plain" only.
func TestOrgCheckConfidentialClientWithoutS256(t *testing.T) {
	descriptor := filepath.Join(t.TempDir(), devstack.DescriptorFileName)
	o := devstack.StartOIDCForTest(t, devstack.OIDCOptions{ClientSecret: "web-app-secret", PKCEMethods: []string{"plain"}, DescriptorFile: descriptor})
	config := filepath.Join(t.TempDir(), "hoist.toml")
	toml := `[organisation]
name = "Acme Research"

[s3]
endpoint = "http://127.0.0.1:1"
region = "us-east-1"
bucket = "hoist"
path_style = true

[upload]
key_prefix = "uploads/{sub}/"

[signin]
issuer = "` + o.Issuer + `"
client_id = "` + o.ClientID + `"
sts_endpoint = "http://127.0.0.1:1"
`
	if err := os.WriteFile(config, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newOrgChecker(t)
	r := c.run(true, "--config", config)
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	r.want(t, checkDescriptor, "PASS", config)
	r.want(t, checkDiscovery, "PASS")
	r.want(t, checkPublic, "FAIL", "wants a secret", `token_endpoint_auth_method "none"`)
	r.want(t, checkPKCE, "FAIL", "[plain]", "S256")
	r.want(t, checkSignIn, "FAIL", "refused the token request: invalid_client", "Fix: register hoist as a public (native) client without a secret")
	if !regexp.MustCompile(`(?m)^COULD NOT CHECK +Role can be assumed \(STS\): not tried: nobody signed in\.$`).MatchString(r.out) {
		t.Errorf("the role was tried without a sign-in:\n%s", r.out)
	}
}
