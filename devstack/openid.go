package devstack

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// UploadPolicyName is the MinIO policy that signed-in users get.
const UploadPolicyName = "hoist-upload"

// UploadKeyPrefix is the prefix under which each signed-in user gets a
// folder named after their sub; the app's key_prefix is
// "uploads/{sub}/".
const UploadKeyPrefix = "uploads/"

// UploadPolicy is the policy of the role signed-in users assume, for
// bucket "hoist" and prefix "uploads/" (see UploadPolicyFor for others).
// It has two parts, the customer policy and the staff policy, in one
// document because MinIO gives one role one policy.
//
// Customers: MinIO replaces ${jwt:sub} with the sub claim of the ID token
// the credentials were obtained with, so each user can create, read,
// resume and abort uploads under uploads/<their sub>/ and nowhere else.
// That covers the receipts Hoist writes (uploads/<sub>/.hoist/batches/) and
// the answers to re-send requests (uploads/<sub>/.hoist/requests/). The
// only listing allowed is of their own requests folder: Hoist resumes by
// upload ID with ListParts, checks collisions with HeadObject, and lists
// nothing else. s3:PutObject also covers CreateMultipartUpload, UploadPart
// and CompleteMultipartUpload; s3:GetObject covers HeadObject.
//
// Staff: members of StaffGroup (the ID token's "groups" claim, which MinIO
// checks as jwt:groups) may list the bucket and its unfinished multipart
// uploads, read and abort anything under uploads/, and write re-send
// requests into any customer's uploads/<sub>/.hoist/requests/ - but write
// no customer file.
const UploadPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OwnFolderOnly",
      "Effect": "Allow",
      "Action": [
        "s3:PutObject",
        "s3:GetObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts"
      ],
      "Resource": ["arn:aws:s3:::hoist/uploads/${jwt:sub}/*"]
    },
    {
      "Sid": "ListOwnRequests",
      "Effect": "Allow",
      "Action": ["s3:ListBucket"],
      "Resource": ["arn:aws:s3:::hoist"],
      "Condition": {"StringLike": {"s3:prefix": ["uploads/${jwt:sub}/.hoist/requests/*"]}}
    },
    {
      "Sid": "StaffList",
      "Effect": "Allow",
      "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::hoist"],
      "Condition": {"ForAnyValue:StringEquals": {"jwt:groups": ["hoist-staff"]}}
    },
    {
      "Sid": "StaffReadAndTidy",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::hoist/uploads/*"],
      "Condition": {"ForAnyValue:StringEquals": {"jwt:groups": ["hoist-staff"]}}
    },
    {
      "Sid": "StaffWriteRequests",
      "Effect": "Allow",
      "Action": ["s3:PutObject"],
      "Resource": ["arn:aws:s3:::hoist/uploads/*/.hoist/requests/*"],
      "Condition": {"ForAnyValue:StringEquals": {"jwt:groups": ["hoist-staff"]}}
    }
  ]
}
`

// UploadPolicyFor returns UploadPolicy for another bucket and prefix (which
// should end in "/").
func UploadPolicyFor(bucket, prefix string) string {
	return strings.NewReplacer(
		"arn:aws:s3:::hoist/uploads/", "arn:aws:s3:::"+bucket+"/"+prefix,
		`"arn:aws:s3:::hoist"`, `"arn:aws:s3:::`+bucket+`"`,
		`"uploads/${jwt:sub}/`, `"`+prefix+`${jwt:sub}/`,
	).Replace(UploadPolicy)
}

// RoleARN returns the ARN of the role MinIO creates for an OpenID provider
// configured with a role policy (OpenIDEnv): MinIO names it after the
// client ID, "arn:minio:iam:<region>::role/<base64url(sha1(clientID))>",
// and prints it at start ("IAM Roles: …"). region is MINIO_SITE_REGION,
// "" when unset (as in the dev stack).
func RoleARN(clientID, region string) string {
	h := sha1.Sum([]byte(clientID))
	return "arn:minio:iam:" + region + "::role/" + base64.RawURLEncoding.EncodeToString(h[:])
}

// What the pinned MinIO does with AssumeRoleWithWebIdentity (checked by
// TestSTSDurations and TestSTSRefusesOtherTokens):
//
//   - DurationSeconds omitted: the credentials expire when the ID token does
//     (a 60 s token gives 60 s credentials).
//   - DurationSeconds given: 900 (15 min) to 31536000 (365 days) is
//     accepted, whatever the token's remaining lifetime; anything else is
//     400 InvalidParameterValue "invalid token expiry".
//   - An expired ID token: 400 InvalidParameterValue "Token is expired".
//   - A RoleArn MinIO does not know: 400 InvalidParameterValue.
//   - Expired temporary credentials on S3 calls: 403 InvalidAccessKeyId (not
//     ExpiredToken).
//
// OpenIDEnv returns the MinIO environment (for MinIOOptions.Env) that makes
// MinIO's STS accept ID tokens issued by o to its client, in role policy
// mode: every AssumeRoleWithWebIdentity that names RoleARN(o.ClientID, "")
// gets the MinIO policy named policy (create it with CreatePolicy; MinIO
// looks it up per request, so it may be created after MinIO starts). The
// provider must be running when MinIO starts: MinIO reads its discovery
// document then.
func OpenIDEnv(o *OIDC, policy string) []string {
	return []string{
		"MINIO_IDENTITY_OPENID_CONFIG_URL=" + o.Discovery(),
		"MINIO_IDENTITY_OPENID_CLIENT_ID=" + o.ClientID,
		"MINIO_IDENTITY_OPENID_ROLE_POLICY=" + policy,
	}
}

// CreatePolicy creates or replaces the IAM policy name with the JSON
// document doc, through MinIO's admin API (PUT
// /minio/admin/v3/add-canned-policy) signed with the root credentials. It is
// idempotent. MinIO answers 503 for a while after its health check passes,
// until its IAM subsystem is up; CreatePolicy retries that for up to 30 s
// (within ctx), so it also tells when STS is ready.
func (m *MinIO) CreatePolicy(ctx context.Context, name, doc string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		status, msg, err := m.putPolicy(ctx, name, []byte(doc))
		switch {
		case err != nil:
			return fmt.Errorf("create policy %s: %w", name, err)
		case status == http.StatusOK:
			return nil
		case status != http.StatusServiceUnavailable:
			return fmt.Errorf("create policy %s: HTTP %d: %s", name, status, msg)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create policy %s: MinIO still not ready (%s): %w", name, msg, context.Cause(ctx))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// putPolicy makes one add-canned-policy request and returns its status and
// the start of its body.
func (m *MinIO) putPolicy(ctx context.Context, name string, body []byte) (int, string, error) {
	u := m.Endpoint + "/minio/admin/v3/add-canned-policy?" + url.Values{"name": {name}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: m.AccessKey, SecretAccessKey: m.SecretKey}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "s3", Region, time.Now()); err != nil {
		return 0, "", fmt.Errorf("sign: %w", err)
	}
	resp, err := localClient().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(bytes.TrimSpace(msg)), nil
}
