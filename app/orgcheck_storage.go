package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"hoist/app/config"
	"hoist/app/signin"
	"hoist/uploader"
	"hoist/uploader/s3store"
)

// role checks that STS gives the signed-in person credentials
// (AssumeRoleWithWebIdentity with their ID token), as the app asks for them.
func (c *orgCheck) role(ctx context.Context, cfg *config.Config, client *signin.Client, id *signin.Identity) *webCredentials {
	ctx, cancel := context.WithTimeout(ctx, orgStepTimeout)
	defer cancel()
	creds, err := webIdentityCredentials(ctx, cfg, client, id.Subject)
	if err == nil {
		var got aws.Credentials
		if got, err = creds.Retrieve(ctx); err == nil {
			until := "they do not expire"
			if got.CanExpire {
				until = "valid until " + got.Expires.UTC().Format("15:04 UTC")
			}
			c.report(checkRole, pass(fmt.Sprintf("STS gave %s credentials for role %s (%s).", id.DisplayName(), roleOf(cfg), until)))
			return creds
		}
	}
	sts := cfg.Signin.STSEndpoint
	if sts == "" {
		sts = "AWS STS in " + cfg.S3.Region
	}
	var se *uploader.StoreError
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr):
		c.report(checkRole, failed(fmt.Sprintf("STS (%s) refused the sign-in: %s: %s.", sts, apiErr.ErrorCode(), strings.TrimRight(apiErr.ErrorMessage(), ". ")),
			"check signin.role_arn ("+roleOf(cfg)+"): the role must exist and trust web identities from "+cfg.Signin.Issuer+" for the audience "+cfg.Signin.ClientID+
				" (AWS: an IAM OpenID Connect provider for the issuer and a trust policy allowing sts:AssumeRoleWithWebIdentity; MinIO: MINIO_IDENTITY_OPENID_CONFIG_URL and _CLIENT_ID, and the role ARN MinIO prints at start).").because(err))
	case errors.As(err, &se) && (se.Kind == uploader.KindOffline || se.Kind == uploader.KindRetryable):
		c.report(checkRole, failed("STS ("+sts+") could not be reached or is busy.", "check signin.sts_endpoint, and that STS is reachable from customers' computers.").because(err))
	default:
		c.report(checkRole, failed("no credentials came from STS ("+sts+").", "check signin.role_arn and signin.sts_endpoint.").because(err))
	}
	return nil
}

// roleOf is the role ARN the app names (MinIO with claim-based policies
// ignores it).
func roleOf(cfg *config.Config) string {
	if cfg.Signin.RoleARN == "" {
		return "(none set; MinIO's claim-based policy)"
	}
	return cfg.Signin.RoleARN
}

// probeBody is what the check writes.
var probeBody = []byte("Written by `hoist org check`: safe to delete.\n")

// probeName is the file the check writes in the person's own folder. Its
// name is fixed, so that a role that may not delete leaves one file, not
// one per check.
const probeName = ".hoist-org-check"

// crc32cOf is the base64 big-endian CRC32C of data, as S3 wants it.
func crc32cOf(data []byte) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	return base64.StdEncoding.EncodeToString(b[:])
}

// storage runs the checks that use the storage with the person's
// credentials: confinement, multipart, conditional writes, checksums, the
// lifecycle rule.
func (c *orgCheck) storage(ctx context.Context, cfg *config.Config, creds *webCredentials, id *signin.Identity) {
	store, err := newStore(ctx, cfg, creds)
	if err != nil {
		c.report(checkConfined, failed("the storage settings can't be used.", "correct the [s3] settings.").because(err))
		c.skip("no storage", checkMultipart, checkCondition, checkCRC32C, checkLifecycle)
		return
	}
	_, identity := config.KeyPrefixPlaceholders()
	tmpl, err := uploader.ParsePrefixTemplate(cfg.Upload.KeyPrefix, identity...)
	if err != nil {
		c.report(checkConfined, failed("upload.key_prefix can't be used.", "correct upload.key_prefix.").because(err))
		c.skip("no folder", checkMultipart, checkCondition, checkCRC32C, checkLifecycle)
		return
	}
	now := time.Now()
	prefix := tmpl.Expand(now, id.Claims)
	probe := prefix + probeName
	sum := ""
	if cfg.S3.Checksum != config.ChecksumNone {
		sum = crc32cOf(probeBody)
	}

	written, err := c.step(ctx, func(ctx context.Context) (uploader.ObjectInfo, error) {
		return store.Put(ctx, probe, bytes.NewReader(probeBody), int64(len(probeBody)), sum, false)
	})
	if err != nil {
		c.report(checkConfined, ownWriteFailed(cfg, prefix, err))
		c.skip("the write to the person's own folder failed", checkMultipart, checkCondition, checkCRC32C)
		c.report(checkLifecycle, c.lifecycle(ctx, store, cfg.S3.Bucket, prefix))
		return
	}
	c.report(checkConfined, c.confined(ctx, store, cfg, tmpl, now, prefix))
	c.report(checkMultipart, c.multipart(ctx, store, probe, sum))
	c.report(checkCondition, c.conditional(ctx, store, probe, sum))
	c.report(checkCRC32C, c.checksums(ctx, store, probe, sum, written))
	c.report(checkLifecycle, c.lifecycle(ctx, store, cfg.S3.Bucket, prefix))
	c.removeProbe(ctx, store, cfg.S3.Bucket, probe)
}

// step runs one storage request with the step timeout.
func (c *orgCheck) step(ctx context.Context, f func(context.Context) (uploader.ObjectInfo, error)) (uploader.ObjectInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, orgStepTimeout)
	defer cancel()
	return f(ctx)
}

// ownWriteFailed explains a failed write to the person's own folder.
func ownWriteFailed(cfg *config.Config, prefix string, err error) checkResult {
	detail := "a write to the person's own folder " + prefix + " failed (" + codeOf(err) + ")."
	switch uploader.KindOf(err) {
	case uploader.KindAccessDenied:
		return failed(detail, "let the role write to the person's folder: allow s3:PutObject, s3:GetObject, s3:AbortMultipartUpload and s3:ListMultipartUploadParts on arn:aws:s3:::"+
			cfg.S3.Bucket+"/"+policyPrefix(cfg.Upload.KeyPrefix)+"*.").because(err)
	case uploader.KindNoSuchBucket:
		return failed(detail, "create the bucket "+cfg.S3.Bucket+", or correct s3.bucket.").because(err)
	case uploader.KindBadDigest:
		return failed(detail, "the store rejects CRC32C checksums: use a store that accepts them, or set s3.checksum = \"none\".").because(err)
	}
	return failed(detail, "check s3.endpoint, s3.region and s3.path_style.").because(err)
}

// policyPrefix is the key prefix as a policy resource names it: {sub}
// becomes ${jwt:sub} (MinIO; on AWS ${<issuer host>:sub}), dates become *.
func policyPrefix(tmpl string) string {
	r := strings.NewReplacer("{sub}", "${jwt:sub}", "{email}", "${jwt:email}", "{preferred_username}", "${jwt:preferred_username}",
		"{date}", "*", "{yyyy}", "*", "{mm}", "*", "{dd}", "*")
	p := r.Replace(tmpl)
	if i := strings.Index(p, "*"); i >= 0 {
		p = p[:i]
	}
	return p
}

// codeOf is an error's S3 code, or its text.
func codeOf(err error) string {
	var se *uploader.StoreError
	if errors.As(err, &se) && se.Code != "" {
		return se.Code
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return oneLine(err)
}

// outsideKey is a key outside the person's folder that a write must not
// reach.
type outsideKey struct {
	key, where string
	// folder is the folder the key is in ("" for the bucket's top).
	folder string
}

// outsideKeys are the keys the confinement check tries: the bucket's top,
// another person's folder, and a folder whose name only starts like the
// person's (a policy resource without the trailing slash allows it).
func outsideKeys(tmpl uploader.PrefixTemplate, now time.Time, prefix string) []outsideKey {
	name := "hoist-org-check-" + strings.ToLower(rand.Text()[:10])
	keys := []outsideKey{{key: name, where: "the top of the bucket"}}
	_, identity := config.KeyPrefixPlaceholders()
	someone := map[string]string{}
	for _, p := range identity {
		someone[p] = "hoist-org-check-someone-else"
	}
	if other := tmpl.Expand(now, someone); other != prefix {
		keys = append(keys, outsideKey{key: other + name, where: "another person's folder", folder: other})
	}
	if strings.HasSuffix(prefix, "/") && len(prefix) > 1 {
		keys = append(keys, outsideKey{key: strings.TrimSuffix(prefix, "/") + "-x/" + name, where: "a folder whose name starts like the person's"})
	}
	return keys
}

// confined checks that writes outside the person's folder are refused, and
// removes what a write that was not refused left.
func (c *orgCheck) confined(ctx context.Context, store *s3store.Store, cfg *config.Config, tmpl uploader.PrefixTemplate, now time.Time, prefix string) checkResult {
	keys := outsideKeys(tmpl, now, prefix)
	shared := len(keys) < 2 || keys[1].where != "another person's folder"
	var accepted, unknownKeys, refused []string
	var firstErr error
	for _, k := range keys {
		_, err := c.step(ctx, func(ctx context.Context) (uploader.ObjectInfo, error) {
			return store.Put(ctx, k.key, bytes.NewReader(probeBody), int64(len(probeBody)), "", true)
		})
		switch kind := uploader.KindOf(err); {
		case err == nil:
			accepted = append(accepted, fmt.Sprintf("%s (%s, %s)", k.key, k.where, c.remove(ctx, store, cfg.S3.Bucket, k.key)))
		case kind == uploader.KindAccessDenied:
			refused = append(refused, k.key)
		case kind == uploader.KindPrecondition: // allowed, but the key exists
			accepted = append(accepted, fmt.Sprintf("%s (%s, which exists already)", k.key, k.where))
		default:
			unknownKeys = append(unknownKeys, k.key)
			firstErr = cmpOr(firstErr, err)
		}
	}
	var listable []string
	lists := keys[:1] // the bucket's top, and another person's folder
	if !shared {
		lists = keys[:2]
	}
	for _, k := range lists {
		switch err := c.list(ctx, store, cfg.S3.Bucket, k.folder); {
		case err == nil:
			listable = append(listable, k.where)
		case uploader.KindOf(err) != uploader.KindAccessDenied && codeOf(err) != "AccessDenied":
			unknownKeys = append(unknownKeys, "a list of "+k.where)
			firstErr = cmpOr(firstErr, err)
		}
	}
	policy := "allow writes only to the person's own folder: in the role's policy, name the resource arn:aws:s3:::" + cfg.S3.Bucket + "/" + policyPrefix(cfg.Upload.KeyPrefix) +
		"* (with the trailing slash; MinIO fills in ${jwt:sub}, AWS ${<issuer host>:sub}), never the whole bucket or arn:aws:s3:::" + cfg.S3.Bucket + "/*."
	switch {
	case len(accepted) > 0:
		return failed("writes outside "+prefix+" were accepted: "+strings.Join(accepted, "; ")+".", policy)
	case len(listable) > 0:
		return failed("the person may list the files in "+strings.Join(listable, " and ")+", so they see other people's file names.",
			"grant s3:ListBucket only with a condition on s3:prefix inside the person's own folder (uploading needs no listing at all). (Signed in with a support-staff account? Run the check as a customer.)")
	case shared:
		return failed("upload.key_prefix ("+cfg.Upload.KeyPrefix+") does not name the person, so everyone's files go to the same folder "+prefix+".",
			"put {sub} in upload.key_prefix (e.g. \"uploads/{sub}/\") and confine the role to it.")
	case len(unknownKeys) > 0:
		return unknown("writes to "+strings.Join(unknownKeys, ", ")+" neither worked nor were refused ("+codeOf(firstErr)+").", "run the check again; if it keeps happening, check the store's logs.").because(firstErr)
	}
	return pass(fmt.Sprintf("a write to %s works; writes to %s were refused, and so were lists of the bucket's top and another person's folder.", prefix, strings.Join(refused, ", ")))
}

// list asks for one key under prefix in bucket.
func (c *orgCheck) list(ctx context.Context, store *s3store.Store, bucket, prefix string) error {
	ctx, cancel := context.WithTimeout(ctx, orgStepTimeout)
	defer cancel()
	_, err := store.Client().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(1)})
	return err
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// remove deletes what the check wrote outside the person's folder, and says
// whether it could.
func (c *orgCheck) remove(ctx context.Context, store *s3store.Store, bucket, key string) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orgStepTimeout)
	defer cancel()
	if _, err := store.Client().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		return "NOT removed again (" + codeOf(err) + "): delete s3://" + bucket + "/" + key + " yourself"
	}
	return "removed again"
}

// removeProbe deletes the probe in the person's folder. A role that may not
// delete (Hoist does not need to) leaves it, and a note says so.
func (c *orgCheck) removeProbe(ctx context.Context, store *s3store.Store, bucket, key string) {
	if r := c.remove(ctx, store, bucket, key); r != "removed again" {
		c.notes = append(c.notes, fmt.Sprintf("the small file s3://%s/%s stays in your own folder: the role may not delete files, which Hoist does not need. The next check reuses it.", bucket, key))
	}
}

// multipart checks what a resumable upload needs: create, upload a part,
// list the parts, abort.
func (c *orgCheck) multipart(ctx context.Context, store *s3store.Store, key, sum string) checkResult {
	ctx, cancel := context.WithTimeout(ctx, 2*orgStepTimeout)
	defer cancel()
	fail := func(what, permission string, err error) checkResult {
		return failed(what+" failed ("+codeOf(err)+").", "allow "+permission+" on the person's folder.").because(err)
	}
	uploadID, err := store.CreateMultipart(ctx, key)
	if err != nil {
		return fail("starting a multipart upload", "s3:PutObject", err)
	}
	aborted := false
	defer func() {
		if !aborted {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orgStepTimeout)
			defer cancel()
			_ = store.AbortMultipart(actx, key, uploadID)
		}
	}()
	if _, err := store.UploadPart(ctx, key, uploadID, 1, bytes.NewReader(probeBody), int64(len(probeBody)), sum); err != nil {
		return fail("uploading a part", "s3:PutObject", err)
	}
	parts, err := store.ListParts(ctx, key, uploadID)
	if err != nil {
		return fail("listing the parts of an upload (what Hoist resumes with)", "s3:ListMultipartUploadParts", err)
	}
	if len(parts) != 1 || parts[0].Number != 1 || parts[0].Size != int64(len(probeBody)) {
		return failed(fmt.Sprintf("ListParts returned %d parts instead of the one uploaded.", len(parts)), "use a store whose ListParts lists the parts of an upload: Hoist resumes with it.")
	}
	if err := store.AbortMultipart(ctx, key, uploadID); err != nil {
		return fail("aborting an upload", "s3:AbortMultipartUpload", err)
	}
	aborted = true
	return pass("create, upload part, ListParts and abort work in the person's folder.")
}

// conditional checks that the store honours If-None-Match: * on PutObject
// and CompleteMultipartUpload: both must fail on the probe, which exists.
func (c *orgCheck) conditional(ctx context.Context, store *s3store.Store, key, sum string) checkResult {
	fix := "use an S3 store that supports conditional writes (If-None-Match: *), such as AWS S3 or a current MinIO: without them Hoist can't avoid overwriting a file with the same name."
	_, err := c.step(ctx, func(ctx context.Context) (uploader.ObjectInfo, error) {
		return store.Put(ctx, key, bytes.NewReader(probeBody), int64(len(probeBody)), sum, true)
	})
	switch {
	case err == nil:
		return failed("the store ignored If-None-Match: * and overwrote a file that exists.", fix)
	case uploader.KindOf(err) != uploader.KindPrecondition:
		return failed("the store refused a conditional write ("+codeOf(err)+").", fix).because(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*orgStepTimeout)
	defer cancel()
	uploadID, err := store.CreateMultipart(ctx, key)
	if err != nil {
		return unknown("a multipart upload could not be started ("+codeOf(err)+").", "see the multipart line.").because(err)
	}
	defer func() {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orgStepTimeout)
		defer cancel()
		_ = store.AbortMultipart(actx, key, uploadID)
	}()
	etag, err := store.UploadPart(ctx, key, uploadID, 1, bytes.NewReader(probeBody), int64(len(probeBody)), sum)
	if err != nil {
		return unknown("a part could not be uploaded ("+codeOf(err)+").", "see the multipart line.").because(err)
	}
	_, err = store.CompleteMultipart(ctx, key, uploadID, []uploader.RemotePart{{Number: 1, Size: int64(len(probeBody)), ETag: etag, Checksum: sum}}, true)
	switch {
	case err == nil:
		return failed("the store ignored If-None-Match: * when completing a multipart upload.", fix)
	case uploader.KindOf(err) != uploader.KindPrecondition:
		return failed("the store refused a conditional multipart completion ("+codeOf(err)+").", fix).because(err)
	}
	return pass("PutObject and CompleteMultipartUpload with If-None-Match: * are refused when the file exists (412).")
}

// checksums checks that the store accepts CRC32C checksums, returns them,
// and refuses a body that does not match its checksum.
func (c *orgCheck) checksums(ctx context.Context, store *s3store.Store, key, sum string, written uploader.ObjectInfo) checkResult {
	if sum == "" {
		return unknown("s3.checksum is \"none\": Hoist sends no checksums, so none was tried.", "remove s3.checksum (the default is CRC32C) unless the store rejects checksums.")
	}
	if written.Checksum != "" && written.Checksum != sum {
		return failed("the store answered CRC32C "+written.Checksum+" for data whose CRC32C is "+sum+".", "use a store that computes CRC32C correctly, or set s3.checksum = \"none\".")
	}
	wrong := crc32cOf(append([]byte("not "), probeBody...))
	_, err := c.step(ctx, func(ctx context.Context) (uploader.ObjectInfo, error) {
		return store.Put(ctx, key, bytes.NewReader(probeBody), int64(len(probeBody)), wrong, false)
	})
	switch {
	case err == nil:
		return failed("the store accepted a file whose CRC32C checksum is wrong: it does not verify checksums.", "use a store that verifies CRC32C checksums (x-amz-checksum-crc32c).")
	case uploader.KindOf(err) != uploader.KindBadDigest && !strings.Contains(strings.ToLower(err.Error()), "checksum"):
		return unknown("a file with a wrong checksum was refused, but not for its checksum ("+codeOf(err)+").", "check the store's logs.").because(err)
	}
	echo := ""
	if written.Checksum == "" {
		echo = " (the store does not return the checksum)"
	}
	return pass("files with CRC32C are accepted, a wrong checksum is refused" + echo + ".")
}
