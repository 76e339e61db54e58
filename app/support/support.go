// Package support is the support desk's side of Hoist, over the
// organisation's bucket and nothing else: the batches customers sent (from
// the receipts Hoist stores under each customer's folder), unfinished
// multipart uploads, download links and verified downloads for staff, and
// re-send requests, which staff write under a customer's folder and the
// customer's Hoist reads and answers.
//
// What a person may do is decided by the bucket's policy, not here: a
// customer's credentials can read only their own requests, staff
// credentials can list and read every customer's folder.
package support

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"hoist/uploader"
)

// RequestDir is the folder under a customer's prefix that holds re-send
// requests and their answers.
const RequestDir = ".hoist/requests/"

// maxManifest caps the size of a receipt or request read from the bucket.
const maxManifest = 32 << 20

// Desk reads and writes the support objects of one bucket. It is safe for
// concurrent use.
type Desk struct {
	client *s3.Client
	bucket string
	// customers is the prefix whose folders are customers ("uploads/").
	customers string
	creds     aws.CredentialsProvider
	now       func() time.Time
}

// New returns a Desk on bucket with client. customers is the prefix under
// which each folder is one customer. creds, when not nil, tells how long
// the credentials last (download links cannot outlive them).
func New(client *s3.Client, bucket, customers string, creds aws.CredentialsProvider) *Desk {
	return &Desk{client: client, bucket: bucket, customers: customers, creds: creds, now: time.Now}
}

// Customer is one customer's folder.
type Customer struct {
	// ID is the folder's name (for the dev stack: the customer's sub).
	ID string `json:"id"`
	// Prefix is the folder, ending in "/".
	Prefix string `json:"prefix"`
}

// CustomerRoot returns the folder of customer id.
func (d *Desk) CustomerRoot(id string) string { return d.customers + id + "/" }

// Customers lists the customers' folders.
func (d *Desk) Customers(ctx context.Context) ([]Customer, error) {
	var out []Customer
	p := s3.NewListObjectsV2Paginator(d.client, &s3.ListObjectsV2Input{
		Bucket: &d.bucket, Prefix: aws.String(d.customers), Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list customers under %s: %w", d.customers, err)
		}
		for _, cp := range page.CommonPrefixes {
			pre := aws.ToString(cp.Prefix)
			out = append(out, Customer{ID: strings.TrimSuffix(strings.TrimPrefix(pre, d.customers), "/"), Prefix: pre})
		}
	}
	return out, nil
}

// Batch is one batch as its newest receipt tells it.
type Batch struct {
	Customer string `json:"customer"`
	// Key is the receipt's key.
	Key     string           `json:"key"`
	Receipt uploader.Receipt `json:"receipt"`
}

// Failed reports whether any file of the batch failed.
func (b Batch) Failed() bool { return b.Receipt.Summary.Failed > 0 }

// Filter narrows Batches. Zero fields do not filter.
type Filter struct {
	// Customer keeps the batches of customers whose folder name, or whose
	// sender e-mail or name, contains it (case-insensitive).
	Customer string
	// Since and Until bound when the batch ended.
	Since, Until time.Time
	// FailedOnly keeps batches with at least one failed file.
	FailedOnly bool
}

func (f Filter) keep(b Batch) bool {
	if f.Customer != "" {
		q := strings.ToLower(f.Customer)
		s := b.Receipt.Sender
		if !strings.Contains(strings.ToLower(b.Customer), q) && !strings.Contains(strings.ToLower(s.Email), q) && !strings.Contains(strings.ToLower(s.Name), q) {
			return false
		}
	}
	if !f.Since.IsZero() && b.Receipt.Ended.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && b.Receipt.Ended.After(f.Until) {
		return false
	}
	return !f.FailedOnly || b.Failed()
}

// Batches returns the customers' batches, newest first, each from its
// newest receipt (a file retried later makes a newer receipt of its batch).
func (d *Desk) Batches(ctx context.Context, f Filter) ([]Batch, error) {
	customers, err := d.Customers(ctx)
	if err != nil {
		return nil, err
	}
	var out []Batch
	for _, c := range customers {
		keys, err := d.list(ctx, c.Prefix+uploader.ReceiptDir)
		if err != nil {
			return nil, err
		}
		newest := map[string]Batch{}
		for _, k := range keys {
			var r uploader.Receipt
			if err := d.getJSON(ctx, k, &r); err != nil {
				return nil, err
			}
			if have, ok := newest[r.Batch]; ok && !r.Ended.After(have.Receipt.Ended) {
				continue
			}
			newest[r.Batch] = Batch{Customer: c.ID, Key: k, Receipt: r}
		}
		for _, b := range newest {
			if f.keep(b) {
				out = append(out, b)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Receipt.Ended.After(out[j].Receipt.Ended) })
	return out, nil
}

// list returns the keys under prefix.
func (d *Desk) list(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(d.client, &s3.ListObjectsV2Input{Bucket: &d.bucket, Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

func (d *Desk) getJSON(ctx context.Context, key string, v any) error {
	out, err := d.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &d.bucket, Key: &key})
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxManifest))
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	return nil
}

// putJSON writes v at key only if the key is free.
func (d *Desk) putJSON(ctx context.Context, key string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	_, err = d.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &d.bucket, Key: &key, Body: strings.NewReader(string(data) + "\n"),
		IfNoneMatch: aws.String("*"), ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// Incomplete is an unfinished multipart upload.
type Incomplete struct {
	Customer  string        `json:"customer"`
	Key       string        `json:"key"`
	UploadID  string        `json:"upload_id"`
	Initiated time.Time     `json:"initiated"`
	Age       time.Duration `json:"age"`
	// Size is what its parts hold so far.
	Size  int64 `json:"size"`
	Parts int   `json:"parts"`
}

// Incomplete lists the unfinished multipart uploads of one customer (id)
// or of all (""), oldest first, with their age and the bytes their parts
// hold.
//
// It lists the whole bucket's unfinished uploads and keeps the customers'
// ones: the pinned MinIO answers ListMultipartUploads with a prefix only
// when the prefix is a whole object key (a folder prefix such as
// "uploads/<sub>/" gives an empty list), so a per-folder listing would miss
// everything.
func (d *Desk) Incomplete(ctx context.Context, id string) ([]Incomplete, error) {
	want := d.customers
	if id != "" {
		want = d.CustomerRoot(id)
	}
	now := d.now()
	var out []Incomplete
	in := &s3.ListMultipartUploadsInput{Bucket: &d.bucket}
	for {
		page, err := d.client.ListMultipartUploads(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list unfinished uploads: %w", err)
		}
		for _, u := range page.Uploads {
			key := aws.ToString(u.Key)
			if !strings.HasPrefix(key, want) {
				continue
			}
			customer, _, _ := strings.Cut(strings.TrimPrefix(key, d.customers), "/")
			inc := Incomplete{Customer: customer, Key: key, UploadID: aws.ToString(u.UploadId), Initiated: aws.ToTime(u.Initiated)}
			inc.Age = now.Sub(inc.Initiated)
			if err := d.partsOf(ctx, &inc); err != nil {
				return nil, err
			}
			out = append(out, inc)
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		in.KeyMarker, in.UploadIdMarker = page.NextKeyMarker, page.NextUploadIdMarker
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Initiated.Before(out[j].Initiated) })
	return out, nil
}

func (d *Desk) partsOf(ctx context.Context, inc *Incomplete) error {
	p := s3.NewListPartsPaginator(d.client, &s3.ListPartsInput{Bucket: &d.bucket, Key: &inc.Key, UploadId: &inc.UploadID})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		var nsu *types.NoSuchUpload
		if errors.As(err, &nsu) {
			return nil // finished or aborted meanwhile
		}
		if err != nil {
			return fmt.Errorf("list parts of %s: %w", inc.Key, err)
		}
		for _, part := range page.Parts {
			inc.Size += aws.ToInt64(part.Size)
			inc.Parts++
		}
	}
	return nil
}

// AbortOlderThan aborts the unfinished uploads of customer id ("" for
// all) started more than age ago, and returns them. With dryRun it only
// returns what it would abort.
func (d *Desk) AbortOlderThan(ctx context.Context, id string, age time.Duration, dryRun bool) ([]Incomplete, error) {
	all, err := d.Incomplete(ctx, id)
	if err != nil {
		return nil, err
	}
	var old []Incomplete
	for _, inc := range all {
		if inc.Age >= age {
			old = append(old, inc)
		}
	}
	if dryRun {
		return old, nil
	}
	for i, inc := range old {
		_, err := d.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &d.bucket, Key: &inc.Key, UploadId: &inc.UploadID})
		var nsu *types.NoSuchUpload
		if err != nil && !errors.As(err, &nsu) {
			return old[:i], fmt.Errorf("abort the upload of %s: %w", inc.Key, err)
		}
	}
	return old, nil
}

// Link returns a presigned GET URL for key, valid for ttl or until the
// credentials it is signed with expire, whichever comes first, and when it
// expires.
func (d *Desk) Link(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 || ttl > 7*24*time.Hour {
		return "", time.Time{}, fmt.Errorf("a link lasts between 1 second and 7 days, not %s", ttl)
	}
	if _, err := d.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &d.bucket, Key: &key}); err != nil {
		return "", time.Time{}, fmt.Errorf("look up %s: %w", key, err)
	}
	now := d.now()
	expires := now.Add(ttl)
	if d.creds != nil {
		creds, err := d.creds.Retrieve(ctx)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("get credentials: %w", err)
		}
		if creds.CanExpire && creds.Expires.Before(expires) {
			expires = creds.Expires // a link dies with the session it is signed with
		}
	}
	req, err := s3.NewPresignClient(d.client).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &d.bucket, Key: &key},
		s3.WithPresignExpires(max(expires.Sub(now), time.Second)))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign a link to %s: %w", key, err)
	}
	return req.URL, expires, nil
}

// Denied reports whether err is the store refusing access.
func Denied(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "AccessDenied" || ae.ErrorCode() == "Forbidden")
}
