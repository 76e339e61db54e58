package devstack

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The customer and staff parts of UploadPolicy, against the real MinIO:
// each thing receipts, requests and the support view need is allowed, and
// nothing lets a customer reach another customer's files, receipts or
// requests, or staff write a customer's files.
func TestPolicyReceiptsRequestsAndStaff(t *testing.T) {
	ctx := t.Context()
	s := StartSignInStackForTest(t, OIDCOptions{IDTokenTTL: 120 * time.Second})
	alice, a := userS3(t, s, DemoUser, DemoPassword)
	bob, b := userS3(t, s, DemoUser2, DemoPassword2)
	sam, _ := userS3(t, s, StaffUser, StaffPassword)
	bucket := aws.String(s.Bucket)
	put := func(c *s3.Client, key string) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String(key), Body: strings.NewReader("{}")})
		return err
	}
	get := func(c *s3.Client, key string) error {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(key)})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	list := func(c *s3.Client, prefix string) error {
		_, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket, Prefix: aws.String(prefix), Delimiter: aws.String("/")})
		return err
	}
	listUploads := func(c *s3.Client, prefix string) error {
		_, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: bucket, Prefix: aws.String(prefix)})
		return err
	}
	aliceRoot, bobRoot := UploadKeyPrefix+a+"/", UploadKeyPrefix+b+"/"
	up, err := alice.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String(aliceRoot + "big.bin")})
	if err != nil {
		t.Fatalf("alice starts a multipart upload: %v", err)
	}
	allowed := []struct {
		name string
		err  error
	}{
		{"alice writes a file", put(alice, aliceRoot+"scan.tif")},
		{"alice writes her receipt", put(alice, aliceRoot+".hoist/batches/20260101T000000Z-abc.json")},
		{"bob writes his receipt", put(bob, bobRoot+".hoist/batches/20260101T000000Z-def.json")},
		{"staff write a request for alice", put(sam, aliceRoot+".hoist/requests/r1.json")},
		{"staff write a request for bob", put(sam, bobRoot+".hoist/requests/r2.json")},
		{"alice lists her requests", list(alice, aliceRoot+".hoist/requests/")},
		{"alice reads her request", get(alice, aliceRoot+".hoist/requests/r1.json")},
		{"alice answers her request", put(alice, aliceRoot+".hoist/requests/r1.done.json")},
		{"staff list the customers", list(sam, UploadKeyPrefix)},
		{"staff list alice's receipts", list(sam, aliceRoot+".hoist/batches/")},
		{"staff read alice's receipt", get(sam, aliceRoot+".hoist/batches/20260101T000000Z-abc.json")},
		{"staff read alice's file", get(sam, aliceRoot+"scan.tif")},
		{"staff read alice's answer", get(sam, aliceRoot+".hoist/requests/r1.done.json")},
		{"staff list unfinished uploads", listUploads(sam, UploadKeyPrefix)},
	}
	for _, tc := range allowed {
		if tc.err != nil {
			t.Errorf("%s: %v", tc.name, tc.err)
		}
	}
	_, abortErr := sam.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: bucket, Key: aws.String(aliceRoot + "big.bin"), UploadId: up.UploadId})
	if abortErr != nil {
		t.Errorf("staff abort alice's unfinished upload: %v", abortErr)
	}
	denied := []struct {
		name string
		err  error
	}{
		{"bob reads alice's receipt", get(bob, aliceRoot+".hoist/batches/20260101T000000Z-abc.json")},
		{"bob reads alice's request", get(bob, aliceRoot+".hoist/requests/r1.json")},
		{"bob lists alice's requests", list(bob, aliceRoot+".hoist/requests/")},
		{"bob lists alice's receipts", list(bob, aliceRoot+".hoist/batches/")},
		{"bob answers alice's request", put(bob, aliceRoot+".hoist/requests/r1.done.json")},
		{"bob writes a request for alice", put(bob, aliceRoot+".hoist/requests/r9.json")},
		{"alice lists the customers", list(alice, UploadKeyPrefix)},
		{"alice lists her own files", list(alice, aliceRoot)},
		{"alice lists unfinished uploads", listUploads(alice, aliceRoot)},
		{"alice reads bob's file", get(alice, bobRoot+".hoist/batches/20260101T000000Z-def.json")},
		{"staff write into alice's files", put(sam, aliceRoot+"scan.tif")},
		{"staff write a receipt for alice", put(sam, aliceRoot+".hoist/batches/20260102T000000Z-x.json")},
		{"staff write outside the customers", put(sam, "elsewhere/x")},
		{"staff read outside the customers", get(sam, "elsewhere/x")},
	}
	for _, tc := range denied {
		var re interface{ HTTPStatusCode() int }
		if tc.err == nil {
			t.Errorf("%s: allowed", tc.name)
		} else if errCode(tc.err) != "AccessDenied" && !(errors.As(tc.err, &re) && re.HTTPStatusCode() == http.StatusForbidden) {
			t.Errorf("%s: %v, want AccessDenied", tc.name, tc.err)
		}
	}
}
