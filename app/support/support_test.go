package support_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"hoist/app/support"
	"hoist/devstack"
	"hoist/uploader"
	"hoist/uploader/journal"
	"hoist/uploader/s3store"
)

const bucket = "hoist"

// sendAs sends files as one customer through the real engine, with
// receipts.
func sendAs(t *testing.T, m *devstack.MinIO, customer string, files map[string]string) {
	t.Helper()
	ctx := t.Context()
	store, err := s3store.New(ctx, s3store.Options{Endpoint: m.Endpoint, Region: devstack.Region, Bucket: bucket, PathStyle: true, Checksums: true,
		Credentials: s3store.StaticCredentials(m.AccessKey, m.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	root := "uploads/" + customer + "/"
	e, err := uploader.New(uploader.Options{Store: store, Journal: j, Bucket: bucket, Checksums: true, PartSize: 5 * uploader.MiB, MultipartThreshold: 5 * uploader.MiB,
		Receipts: &uploader.ReceiptOptions{Root: root, Sender: uploader.Sender{Subject: customer, Email: customer + "@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	dir := t.TempDir()
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	e.Start()
	if _, err := e.Enqueue(ctx, root, paths...); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := e.Wait(wctx); err != nil {
		t.Fatal(err)
	}
	if err := e.WaitReceipts(wctx); err != nil {
		t.Fatal(err)
	}
}

// The desk on the real MinIO: customers and their batches from the
// receipts (newest first, filtered), unfinished uploads with age and size
// and their abort (dry run first), a presigned link that works and says
// when it ends, a verified download, and a request answered.
func TestDeskOnMinIO(t *testing.T) {
	ctx := t.Context()
	m := devstack.StartMinIOForTest(t)
	if err := m.CreateBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("0123456789abcdef", int(6*uploader.MiB/16+5))
	sendAs(t, m, "cust-a", map[string]string{"a1.txt": "hello", "big.bin": big})
	time.Sleep(1100 * time.Millisecond)
	sendAs(t, m, "cust-b", map[string]string{"b1.txt": "world"})
	client := m.S3Client()
	// A failed batch for cust-b, as a receipt written by hand.
	failed := uploader.Receipt{Format: uploader.ReceiptFormat, Batch: "fffff", Sender: uploader.Sender{Email: "b@example.com"}, Ended: time.Now().UTC(),
		Summary: uploader.Summary{Files: 1, Failed: 1}, Files: []uploader.File{{Path: "scan-07.tif", Key: "uploads/cust-b/scan-07.tif", State: uploader.StateFailed, Code: uploader.CodeFileUnreadable, Reason: "not allowed"}}}
	data, _ := json.Marshal(failed)
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(uploader.ReceiptKey("uploads/cust-b/", failed.Ended, "fffff")), Body: strings.NewReader(string(data))}); err != nil {
		t.Fatal(err)
	}

	desk := support.New(client, bucket, "uploads/", nil)
	cs, err := desk.Customers(ctx)
	if err != nil || len(cs) != 2 || cs[0].ID != "cust-a" || cs[1].Prefix != "uploads/cust-b/" {
		t.Fatalf("customers %+v %v", cs, err)
	}
	all, err := desk.Batches(ctx, support.Filter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("batches %d %v", len(all), err)
	}
	if all[0].Receipt.Batch != "fffff" || all[2].Customer != "cust-a" || !all[0].Failed() {
		t.Errorf("not newest first: %s %s %s", all[0].Receipt.Batch, all[1].Customer, all[2].Customer)
	}
	if bs, _ := desk.Batches(ctx, support.Filter{FailedOnly: true}); len(bs) != 1 || bs[0].Receipt.Files[0].Code != uploader.CodeFileUnreadable {
		t.Errorf("failed only: %+v", bs)
	}
	if bs, _ := desk.Batches(ctx, support.Filter{Customer: "CUST-A"}); len(bs) != 1 || bs[0].Receipt.Summary.Done != 2 {
		t.Errorf("customer filter: %+v", bs)
	}
	if bs, _ := desk.Batches(ctx, support.Filter{Since: time.Now().Add(time.Hour)}); len(bs) != 0 {
		t.Errorf("since filter: %+v", bs)
	}

	// Unfinished uploads: one with a part.
	key := "uploads/cust-a/half.bin"
	up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader(strings.Repeat("x", int(5*uploader.MiB)))}); err != nil {
		t.Fatal(err)
	}
	// Not a customer's: never listed, never aborted.
	if _, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("elsewhere/x.bin")}); err != nil {
		t.Fatal(err)
	}
	incs, err := desk.Incomplete(ctx, "")
	if err != nil || len(incs) != 1 || incs[0].Key != key || incs[0].Size != 5*uploader.MiB || incs[0].Parts != 1 || incs[0].Customer != "cust-a" {
		t.Fatalf("incomplete %+v %v", incs, err)
	}
	if old, err := desk.AbortOlderThan(ctx, "cust-a", time.Hour, true); err != nil || len(old) != 0 {
		t.Errorf("an hour-old filter caught a new upload: %+v %v", old, err)
	}
	dry, err := desk.AbortOlderThan(ctx, "cust-a", 0, true)
	if err != nil || len(dry) != 1 {
		t.Fatalf("dry run %+v %v", dry, err)
	}
	if still, _ := desk.Incomplete(ctx, "cust-a"); len(still) != 1 {
		t.Fatal("the dry run aborted")
	}
	if done, err := desk.AbortOlderThan(ctx, "cust-a", 0, false); err != nil || len(done) != 1 {
		t.Fatalf("abort %+v %v", done, err)
	}
	if left, _ := desk.Incomplete(ctx, ""); len(left) != 0 {
		t.Errorf("left after abort: %+v", left)
	}
	if other, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)}); err != nil || len(other.Uploads) != 1 {
		t.Errorf("the upload outside the customers' folders: %v %v", other, err)
	}

	// A link, and a verified download of a multipart file.
	url, until, err := desk.Link(ctx, "uploads/cust-a/big.bin", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(until); d < 9*time.Minute || d > 10*time.Minute+time.Second || !strings.Contains(url, "X-Amz-Expires=600") {
		t.Errorf("link until %s: %s", until, url)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != big {
		t.Errorf("link: HTTP %d, %d bytes", resp.StatusCode, len(body))
	}
	dest := t.TempDir()
	got, err := desk.Download(ctx, "uploads/cust-a/big.bin", dest)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(got.Path); string(data) != big || got.Path != filepath.Join(dest, "big.bin") {
		t.Errorf("download: %+v", got)
	}
	// An object without a full-object checksum cannot be verified.
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("uploads/cust-a/bare"), Body: strings.NewReader("x")}, func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	}); err != nil {
		t.Fatal(err)
	}
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("uploads/cust-a/bare"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || head.ChecksumCRC32C != nil {
		t.Fatalf("the bare object: %v %v", err, head)
	}
	if _, err := desk.Download(ctx, "uploads/cust-a/bare", dest); err == nil || !strings.Contains(err.Error(), "cannot be verified") {
		t.Errorf("a download without a stored checksum: %v", err)
	}
	if entries, _ := os.ReadDir(dest); len(entries) > 2 {
		t.Errorf("left behind: %v", entries)
	}

	// A request, seen open by the customer, answered, seen fulfilled.
	r, err := desk.Ask(ctx, "cust-b", support.Request{Organisation: "Acme Research", Batch: "fffff", Files: []support.RequestFile{{Path: "scan-07.tif"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Ask(ctx, "cust-b", support.Request{}); err == nil {
		t.Error("an empty request was written")
	}
	root := desk.CustomerRoot("cust-b")
	open, err := desk.Open(ctx, root)
	if err != nil || len(open) != 1 || open[0].ID != r.ID || strings.Join(open[0].Names(), ",") != "scan-07.tif" {
		t.Fatalf("open %+v %v", open, err)
	}
	if err := desk.Answer(ctx, open[0].Key, support.Answer{Request: r.ID, Batch: "new"}); err != nil {
		t.Fatal(err)
	}
	if err := desk.Answer(ctx, open[0].Key, support.Answer{Request: r.ID, Batch: "again"}); err != nil {
		t.Errorf("a second answer: %v", err)
	}
	if open, _ := desk.Open(ctx, root); len(open) != 0 {
		t.Errorf("still open: %+v", open)
	}
	rs, err := desk.Requests(ctx, root)
	if err != nil || len(rs) != 1 || rs[0].Answer == nil || rs[0].Answer.Batch != "new" {
		t.Fatalf("requests %+v %v", rs, err)
	}
	if _, _, err := desk.Link(ctx, "uploads/none", time.Minute); err == nil {
		t.Error("a link to nothing")
	}
}
