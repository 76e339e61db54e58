package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"hoist/uploader/s3store"
)

// The pinned MinIO (see DESIGN.md) refuses a lifecycle rule whose only
// action is AbortIncompleteMultipartUpload (400 InvalidArgument, "XML not
// well-formed") and silently drops that action from a rule that also
// expires objects: it never keeps one. It removes unfinished multipart
// uploads by itself instead, after `api stale_uploads_expiry` (24 h by
// default). So on MinIO the lifecycle check can only say "could not
// check", and says which setting to look at.

// lifecycle checks, with the person's credentials, that a lifecycle rule
// aborts unfinished multipart uploads in their folder.
func (c *orgCheck) lifecycle(ctx context.Context, store *s3store.Store, bucket, prefix string) checkResult {
	ctx, cancel := context.WithTimeout(ctx, orgStepTimeout)
	defer cancel()
	out, err := store.Client().GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil {
		return lifecycleError(err, bucket, prefix, serverOfErr(err))
	}
	return lifecycleVerdict(out.Rules, bucket, prefix, serverOfResult(out.ResultMetadata))
}

// serverOfErr is the Server header of a failed S3 answer.
func serverOfErr(err error) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get("Server")
	}
	return ""
}

// serverOfResult is the Server header of a successful S3 answer.
func serverOfResult(md middleware.Metadata) string {
	if raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && raw != nil {
		return raw.Header.Get("Server")
	}
	return ""
}

// lifecycleFix is what to set up.
func lifecycleFix(bucket, prefix string) string {
	return fmt.Sprintf("add a lifecycle rule to bucket %s that aborts incomplete multipart uploads (AbortIncompleteMultipartUpload, e.g. DaysAfterInitiation 7) for %s, so that uploads customers abandon don't keep costing storage.",
		bucket, scopeWords(prefix))
}

func scopeWords(prefix string) string {
	if prefix == "" {
		return "the whole bucket"
	}
	return "the whole bucket or a prefix of " + prefix
}

// minioNote says what MinIO does instead of such rules.
const minioNote = "MinIO keeps no AbortIncompleteMultipartUpload rules; it removes unfinished uploads itself after api stale_uploads_expiry (24 h by default): check that setting (mc admin config get ALIAS api)."

func isMinIO(server string) bool { return strings.Contains(strings.ToLower(server), "minio") }

// lifecycleError turns a failure to read the rules into a result.
func lifecycleError(err error, bucket, prefix, server string) checkResult {
	code := ""
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	switch {
	case code == "NoSuchLifecycleConfiguration" && isMinIO(server):
		return unknown("bucket "+bucket+" has no lifecycle rules, and the store is MinIO.", minioNote)
	case code == "NoSuchLifecycleConfiguration":
		return failed("bucket "+bucket+" has no lifecycle rules.", lifecycleFix(bucket, prefix))
	case code == "AccessDenied" || code == "AllAccessDisabled":
		return unknown("the signed-in person may not read bucket "+bucket+"'s lifecycle rules (normal for a least-privilege role).",
			"check yourself that a lifecycle rule aborts incomplete multipart uploads for "+scopeWords(prefix)+", or allow s3:GetLifecycleConfiguration on arn:aws:s3:::"+bucket+" to let this check see it.").because(err)
	case code == "NotImplemented" || code == "MethodNotAllowed":
		return unknown("the store does not support lifecycle rules ("+code+").", "make sure the store removes unfinished multipart uploads some other way.").because(err)
	}
	return unknown("bucket "+bucket+"'s lifecycle rules could not be read ("+cmpString(code, oneLine(err))+").", "run the check again; if it keeps happening, check the store's logs.").because(err)
}

func cmpString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// lifecycleVerdict says whether rules abort unfinished multipart uploads
// under prefix (the person's folder): an enabled rule with
// AbortIncompleteMultipartUpload after at least one day, whose filter is
// empty or a prefix of prefix (rules that filter by tag or size never
// apply to unfinished uploads).
func lifecycleVerdict(rules []types.LifecycleRule, bucket, prefix, server string) checkResult {
	var disabled, elsewhere []string
	for i, r := range rules {
		if r.AbortIncompleteMultipartUpload == nil || aws.ToInt32(r.AbortIncompleteMultipartUpload.DaysAfterInitiation) < 1 {
			continue
		}
		name := aws.ToString(r.ID)
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		if r.Status != types.ExpirationStatusEnabled {
			disabled = append(disabled, name)
			continue
		}
		if !ruleCovers(r, prefix) {
			elsewhere = append(elsewhere, name)
			continue
		}
		return pass(fmt.Sprintf("rule %q aborts incomplete multipart uploads after %d days.", name, aws.ToInt32(r.AbortIncompleteMultipartUpload.DaysAfterInitiation)))
	}
	switch {
	case len(disabled) > 0:
		return failed(fmt.Sprintf("the lifecycle rule %s that aborts incomplete multipart uploads is disabled.", strings.Join(disabled, ", ")), "enable it (Status Enabled).")
	case len(elsewhere) > 0:
		return failed(fmt.Sprintf("the lifecycle rule %s aborts incomplete multipart uploads, but not in %s (its filter names another prefix, tags or sizes).", strings.Join(elsewhere, ", "), prefix),
			lifecycleFix(bucket, prefix))
	case isMinIO(server):
		return unknown(fmt.Sprintf("bucket %s's lifecycle rules (%d) abort no unfinished uploads, and the store is MinIO.", bucket, len(rules)), minioNote)
	}
	return failed(fmt.Sprintf("none of bucket %s's %d lifecycle rules aborts incomplete multipart uploads.", bucket, len(rules)), lifecycleFix(bucket, prefix))
}

// ruleCovers reports whether a rule's filter takes in every key under
// prefix.
func ruleCovers(r types.LifecycleRule, prefix string) bool {
	//lint:ignore SA1019 rules written before Filter existed still carry the top-level Prefix
	if old := r.Prefix; old != nil {
		return strings.HasPrefix(prefix, aws.ToString(old))
	}
	f := r.Filter
	if f == nil {
		return true
	}
	if f.Tag != nil || f.ObjectSizeGreaterThan != nil || f.ObjectSizeLessThan != nil {
		return false
	}
	if a := f.And; a != nil {
		if len(a.Tags) > 0 || a.ObjectSizeGreaterThan != nil || a.ObjectSizeLessThan != nil {
			return false
		}
		return strings.HasPrefix(prefix, aws.ToString(a.Prefix))
	}
	return strings.HasPrefix(prefix, aws.ToString(f.Prefix))
}
