// Package s3store is the S3 side of the upload engine: it implements
// uploader.Store over aws-sdk-go-v2's service/s3 and turns S3 and network
// failures into uploader error kinds.
//
// The SDK does what it does well here: request signing, endpoint resolution,
// single-request retries and the CA bundle from the environment. The engine
// above decides what a failure means for the job.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"hoist/uploader"
)

// Options configure a Store.
type Options struct {
	// Endpoint is the S3 endpoint URL; empty means AWS S3 for Region.
	Endpoint string
	Region   string
	Bucket   string
	// PathStyle addresses the bucket in the path (MinIO and most
	// S3-compatible stores) rather than in the host name.
	PathStyle bool
	// Checksums sends and verifies CRC32C checksums. Turn off only for
	// stores that reject them.
	Checksums bool
	// CompositeChecksums creates multipart uploads with S3's COMPOSITE
	// checksum type (a checksum of the parts' checksums, "<crc>-<parts>")
	// instead of FULL_OBJECT (the CRC32C of the whole object, which any
	// CRC32C tool reproduces from a downloaded file). For stores that lack
	// FULL_OBJECT.
	CompositeChecksums bool
	// Credentials provides the S3 credentials. Nil uses the SDK's default
	// chain (environment, shared config, SSO, instance roles).
	Credentials aws.CredentialsProvider
	// TemporaryCredentials says Credentials are short-lived (from STS). A
	// store then treats a rejected access key as expired credentials (MinIO
	// answers InvalidAccessKeyId for expired temporary keys): the request is
	// retried after the credentials cache is invalidated, and the engine asks
	// for a new sign-in if that keeps failing.
	TemporaryCredentials bool
	// MaxConns caps idle connections kept per host; it should be at least the
	// number of requests the engine runs at once. Zero means 64.
	MaxConns int
	// HTTPTimeout bounds connection set-up and waiting for response headers
	// (not the body upload, which the engine's stall detector watches).
	// Zero means 60 s.
	HTTPTimeout time.Duration
	// Resolver looks up the endpoint's host name; nil means the system's
	// (net.DefaultResolver). Tests give their own instead of swapping the
	// process-wide one under running goroutines.
	Resolver *net.Resolver
}

// Store implements uploader.Store on one bucket. It is safe for concurrent use.
type Store struct {
	client    *s3.Client
	bucket    string
	checksums bool
	composite bool
	temporary bool
	creds     aws.CredentialsProvider
	conns     *connTracker
}

var _ uploader.Store = (*Store)(nil)

// New builds a Store. It loads the SDK's shared configuration (so
// AWS_CA_BUNDLE and proxies from the environment are honoured) and overrides
// it with opts. It makes no network request.
func New(ctx context.Context, opts Options) (*Store, error) {
	if opts.Bucket == "" {
		return nil, errors.New("create S3 store: no bucket configured")
	}
	maxConns := opts.MaxConns
	if maxConns <= 0 {
		maxConns = 64
	}
	timeout := opts.HTTPTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	// The SDK applies AWS_CA_BUNDLE only to its own BuildableClient, so the
	// transport is tuned through it rather than replaced.
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = maxConns * 2
		t.MaxIdleConnsPerHost = maxConns
		t.ResponseHeaderTimeout = timeout
		t.WriteBufferSize = 256 << 10
		t.ReadBufferSize = 64 << 10
	}).WithDialerOptions(func(d *net.Dialer) {
		d.Timeout = timeout / 2
		d.Control = limitUnsent // progress follows the wire, not the socket buffer
		if opts.Resolver != nil {
			d.Resolver = opts.Resolver
		}
	})
	conns := &connTracker{}
	httpClient = httpClient.WithTransportOptions(func(t *http.Transport) {
		t.DialContext = conns.wrap(t.DialContext)
	})
	loadOpts := []func(*config.LoadOptions) error{
		config.WithRegion(opts.Region),
		config.WithHTTPClient(httpClient),
		config.WithRetryer(func() aws.Retryer {
			// The SDK retries a request a few times on its own; the engine
			// retries on top with its own policy. The client-side retry quota
			// is off: over a flaky link it turns transient errors into
			// "retry quota exceeded".
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.RateLimiter = ratelimit.None
				o.MaxAttempts = 3
			})
		}),
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if opts.Credentials != nil {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(opts.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		o.UsePathStyle = opts.PathStyle
	})
	return &Store{client: client, bucket: opts.Bucket, checksums: opts.Checksums, composite: opts.CompositeChecksums, temporary: opts.TemporaryCredentials, creds: opts.Credentials, conns: conns}, nil
}

// StaticCredentials returns a provider for fixed keys (development only).
func StaticCredentials(accessKey, secretKey, sessionToken string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(accessKey, secretKey, sessionToken)
}

// Client exposes the underlying S3 client (for tests and diagnostics).
func (s *Store) Client() *s3.Client { return s.client }

// unsignedPayload sends the body as UNSIGNED-PAYLOAD: the SDK would otherwise
// hash every byte with SHA-256 over plain HTTP. Integrity is carried by the
// CRC32C checksum, which the server verifies.
var unsignedPayload = s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)

// Head implements uploader.Store.
func (s *Store) Head(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	in := &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key}
	if s.checksums {
		in.ChecksumMode = types.ChecksumModeEnabled
	}
	out, err := s.client.HeadObject(ctx, in)
	if err != nil {
		return uploader.ObjectInfo{}, s.classify("look up "+key, err)
	}
	return uploader.ObjectInfo{Size: aws.ToInt64(out.ContentLength), Checksum: aws.ToString(out.ChecksumCRC32C)}, nil
}

// Put implements uploader.Store.
func (s *Store) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, checksum string, ifNoneMatch bool) (uploader.ObjectInfo, error) {
	in := &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           &key,
		Body:          body,
		ContentLength: aws.Int64(size),
	}
	if s.checksums && checksum != "" {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
		in.ChecksumCRC32C = aws.String(checksum)
	}
	if ifNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	out, err := s.client.PutObject(ctx, in, unsignedPayload)
	if err != nil {
		return uploader.ObjectInfo{}, s.classify("upload "+key, err)
	}
	return uploader.ObjectInfo{Size: size, Checksum: aws.ToString(out.ChecksumCRC32C)}, nil
}

// CreateMultipart implements uploader.Store.
func (s *Store) CreateMultipart(ctx context.Context, key string) (string, error) {
	in := &s3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: &key}
	if s.checksums {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
		in.ChecksumType = types.ChecksumTypeFullObject
		if s.composite {
			in.ChecksumType = types.ChecksumTypeComposite
		}
	}
	out, err := s.client.CreateMultipartUpload(ctx, in)
	if err != nil {
		return "", s.classify("start multipart upload of "+key, err)
	}
	return aws.ToString(out.UploadId), nil
}

// UploadPart implements uploader.Store.
func (s *Store) UploadPart(ctx context.Context, key, uploadID string, number int32, body io.ReadSeeker, size int64, checksum string) (string, error) {
	in := &s3.UploadPartInput{
		Bucket:        &s.bucket,
		Key:           &key,
		UploadId:      &uploadID,
		PartNumber:    aws.Int32(number),
		Body:          body,
		ContentLength: aws.Int64(size),
	}
	if s.checksums && checksum != "" {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
		in.ChecksumCRC32C = aws.String(checksum)
	}
	out, err := s.client.UploadPart(ctx, in, unsignedPayload)
	if err != nil {
		return "", s.classify(fmt.Sprintf("upload part %d of %s", number, key), err)
	}
	return aws.ToString(out.ETag), nil
}

// ListParts implements uploader.Store. It pages through all parts.
func (s *Store) ListParts(ctx context.Context, key, uploadID string) ([]uploader.RemotePart, error) {
	var parts []uploader.RemotePart
	in := &s3.ListPartsInput{Bucket: &s.bucket, Key: &key, UploadId: &uploadID}
	p := s3.NewListPartsPaginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.classify("list parts of "+key, err)
		}
		for _, part := range page.Parts {
			parts = append(parts, uploader.RemotePart{
				Number:   aws.ToInt32(part.PartNumber),
				Size:     aws.ToInt64(part.Size),
				ETag:     aws.ToString(part.ETag),
				Checksum: aws.ToString(part.ChecksumCRC32C),
			})
		}
	}
	return parts, nil
}

// CompleteMultipart implements uploader.Store.
func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []uploader.RemotePart, ifNoneMatch bool) (uploader.ObjectInfo, error) {
	sorted := append([]uploader.RemotePart(nil), parts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
	completed := make([]types.CompletedPart, len(sorted))
	for i, p := range sorted {
		completed[i] = types.CompletedPart{PartNumber: aws.Int32(p.Number), ETag: aws.String(p.ETag)}
		if s.checksums && p.Checksum != "" {
			completed[i].ChecksumCRC32C = aws.String(p.Checksum)
		}
	}
	in := &s3.CompleteMultipartUploadInput{
		Bucket:          &s.bucket,
		Key:             &key,
		UploadId:        &uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	}
	if ifNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	sentFull := false
	if s.checksums && !s.composite {
		// The whole object's CRC32C, computed from the parts': the store
		// checks it against what it assembled.
		if full, err := uploader.FullObjectChecksum(sorted); err == nil {
			in.ChecksumType = types.ChecksumTypeFullObject
			in.ChecksumCRC32C = aws.String(full)
			sentFull = true
		}
	}
	out, err := s.client.CompleteMultipartUpload(ctx, in)
	if sentFull && wrongChecksumType(err) {
		// An upload created with the COMPOSITE type (by an earlier Hoist,
		// resumed now) refuses a full-object checksum: complete it as it
		// was created. The parts' checksums were checked on arrival, and
		// the engine verifies the composite checksum.
		in.ChecksumType, in.ChecksumCRC32C = "", nil
		out, err = s.client.CompleteMultipartUpload(ctx, in)
	}
	if err != nil {
		return uploader.ObjectInfo{}, s.classify("complete multipart upload of "+key, err)
	}
	return uploader.ObjectInfo{Checksum: aws.ToString(out.ChecksumCRC32C)}, nil
}

// AbortMultipart implements uploader.Store.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: &s.bucket, Key: &key, UploadId: &uploadID,
	})
	if err != nil {
		err = s.classify("abort multipart upload of "+key, err)
		if uploader.KindOf(err) == uploader.KindNoSuchUpload {
			return nil
		}
		return err
	}
	return nil
}

// wrongChecksumType reports whether a completion was refused for its
// checksum or checksum type (MinIO: XAmzContentChecksumMismatch; AWS:
// InvalidRequest or BadDigest).
func wrongChecksumType(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "XAmzContentChecksumMismatch", "InvalidRequest", "BadDigest", "InvalidArgument":
		return true
	}
	return false
}
