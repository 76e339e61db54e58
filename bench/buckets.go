package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"hoist/uploader"
)

// bucketTotals counts the objects in bucket and sums their sizes with
// ListObjectsV2. Unfinished multipart uploads are not objects and do not
// count, nor do Hoist's receipts (a small JSON per batch, beside the files:
// part of Hoist's work, timed with it, but not the workload's data).
func bucketTotals(ctx context.Context, c *s3.Client, bucket string) (count int, size int64, err error) {
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("list objects in %s: %w", bucket, err)
		}
		for _, o := range page.Contents {
			if strings.Contains(aws.ToString(o.Key), uploader.ReceiptDir) {
				continue
			}
			count++
			size += aws.ToInt64(o.Size)
		}
	}
	return count, size, nil
}

// verifyUpload checks that bucket holds exactly the workload: a tool that did
// not upload everything has failed, whatever its exit code said.
func verifyUpload(ctx context.Context, c *s3.Client, bucket string, w workload) error {
	count, size, err := bucketTotals(ctx, c, bucket)
	if err != nil {
		return err
	}
	if count != w.count || size != w.bytes {
		return fmt.Errorf("bucket holds %d objects / %d bytes, want %d / %d", count, size, w.count, w.bytes)
	}
	return nil
}

// dropBucket aborts unfinished multipart uploads, deletes every object and
// then the bucket, so the next run starts on an empty server.
func dropBucket(ctx context.Context, c *s3.Client, bucket string) error {
	return errors.Join(
		abortUploads(ctx, c, bucket),
		deleteObjects(ctx, c, bucket),
		deleteBucket(ctx, c, bucket),
	)
}

func abortUploads(ctx context.Context, c *s3.Client, bucket string) error {
	p := s3.NewListMultipartUploadsPaginator(c, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list multipart uploads in %s: %w", bucket, err)
		}
		for _, u := range page.Uploads {
			_, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
				Bucket: aws.String(bucket), Key: u.Key, UploadId: u.UploadId,
			})
			if err != nil {
				return fmt.Errorf("abort upload of %s: %w", aws.ToString(u.Key), err)
			}
		}
	}
	return nil
}

func deleteObjects(ctx context.Context, c *s3.Client, bucket string) error {
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list objects in %s: %w", bucket, err)
		}
		if len(page.Contents) == 0 {
			continue
		}
		ids := make([]types.ObjectIdentifier, len(page.Contents))
		for i, o := range page.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("delete objects in %s: %w", bucket, err)
		}
		if len(out.Errors) > 0 {
			return fmt.Errorf("delete %s in %s: %s", aws.ToString(out.Errors[0].Key), bucket, aws.ToString(out.Errors[0].Message))
		}
	}
	return nil
}

func deleteBucket(ctx context.Context, c *s3.Client, bucket string) error {
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("delete bucket %s: %w", bucket, err)
	}
	return nil
}
