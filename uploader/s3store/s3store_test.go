package s3store_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"hoist/devstack"
	"hoist/internal/faultproxy"
	"hoist/uploader"
	"hoist/uploader/journal"
	"hoist/uploader/s3store"
)

const (
	bucket   = "hoist"
	partSize = 5 * uploader.MiB
)

var minio *devstack.MinIO

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	minio, err = devstack.StartMinIO(ctx, devstack.MinIOOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start MinIO:", err)
		return 1
	}
	defer minio.Stop()
	if err := minio.CreateBucket(ctx, bucket); err != nil {
		fmt.Fprintln(os.Stderr, "create bucket:", err)
		return 1
	}
	return m.Run()
}

// newStore returns a store on the test MinIO (or on endpoint, if given).
func newStore(t *testing.T, tune func(*s3store.Options)) *s3store.Store {
	t.Helper()
	opts := s3store.Options{
		Endpoint: minio.Endpoint, Region: "us-east-1", Bucket: bucket, PathStyle: true, Checksums: true,
		Credentials: s3store.StaticCredentials(minio.AccessKey, minio.SecretKey, ""),
		HTTPTimeout: 5 * time.Second,
	}
	if tune != nil {
		tune(&opts)
	}
	s, err := s3store.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type rig struct {
	t      *testing.T
	store  *s3store.Store
	engine *uploader.Engine
	dir    string
	prefix string
}

func newRig(t *testing.T, store *s3store.Store, tune func(*uploader.Options)) *rig {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	opts := uploader.Options{
		Store: store, Journal: j, Bucket: bucket, Checksums: true,
		PartSize: partSize, MultipartThreshold: partSize, ParallelFiles: 2, ParallelParts: 4,
		StallTimeout: 2 * time.Second, RetryBaseWait: 10 * time.Millisecond, RetryMaxWait: 200 * time.Millisecond,
	}
	if tune != nil {
		tune(&opts)
	}
	e, err := uploader.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	t.Cleanup(func() { e.Close(); j.Close() })
	return &rig{t: t, store: store, engine: e, dir: t.TempDir(), prefix: testPrefix(t)}
}

// runs numbers the tests' runs, so that -count=N and reruns against the
// same MinIO never meet objects of an earlier run.
var runs atomic.Int64

// testPrefix returns a key prefix no other test or run of a test uses.
func testPrefix(t *testing.T) string {
	return fmt.Sprintf("t/%d/%s", runs.Add(1), strings.ReplaceAll(t.Name(), "/", "_"))
}

func (r *rig) file(name string, size int64) string {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(name))
	os.MkdirAll(filepath.Dir(p), 0o755)
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{byte(size), byte(size >> 8), byte(len(name))}).Read(data)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		r.t.Fatal(err)
	}
	return p
}

func (r *rig) send(paths ...string) []uploader.JobSnapshot {
	r.t.Helper()
	added, err := r.engine.Enqueue(context.Background(), r.prefix, paths...)
	if err != nil || len(added.Problems) > 0 {
		r.t.Fatalf("enqueue: %v %v", err, added.Problems)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := r.engine.Wait(ctx); err != nil {
		r.t.Fatal(err)
	}
	var out []uploader.JobSnapshot
	for _, j := range r.engine.Snapshot().Jobs {
		for _, id := range added.IDs {
			if j.ID == id {
				out = append(out, j)
			}
		}
	}
	return out
}

// settle waits until the engine has aborted every discarded upload.
func (r *rig) settle() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := r.engine.WaitAborts(ctx); err != nil {
		r.t.Fatalf("wait for aborts (%d pending): %v", r.engine.PendingAborts(), err)
	}
}

// object reads an object straight from MinIO with the admin client.
func object(t *testing.T, key string) []byte {
	t.Helper()
	out, err := minio.S3Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func assertSame(t *testing.T, key, path string) {
	t.Helper()
	want, _ := os.ReadFile(path)
	if got := object(t, key); !bytes.Equal(got, want) {
		t.Fatalf("%s: stored %d bytes differ from the %d-byte source", key, len(got), len(want))
	}
}

// openUploads lists multipart uploads in progress for key (MinIO lists
// uploads only for an exact object key).
func openUploads(t *testing.T, prefix string) int {
	t.Helper()
	out, err := minio.S3Client().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Uploads)
}

func TestSizesOnMinIO(t *testing.T) {
	r := newRig(t, newStore(t, nil), nil)
	sizes := []int64{0, 1, partSize - 1, partSize, partSize + 1, 3*partSize - 1, 3 * partSize, 3*partSize + 1, 24*partSize + 777}
	var paths []string
	for _, s := range sizes {
		paths = append(paths, r.file(fmt.Sprintf("s%d.bin", s), s))
	}
	jobs := r.send(paths...)
	if len(jobs) != len(sizes) {
		t.Fatalf("%d jobs", len(jobs))
	}
	for _, j := range jobs {
		if j.State != uploader.StateDone {
			t.Fatalf("%s: %s %s %s", j.Rel, j.State, j.Reason, j.Detail)
		}
		assertSame(t, j.Key, j.Source)
		head, err := minio.S3Client().HeadObject(context.Background(), &s3.HeadObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(j.Key), ChecksumMode: types.ChecksumModeEnabled,
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(head.ChecksumCRC32C); j.Checksum == "" || !strings.HasPrefix(j.Checksum, strings.Split(got, "-")[0]) {
			t.Fatalf("%s: MinIO reports CRC32C %q, Hoist computed %q", j.Rel, got, j.Checksum)
		}
		// Multipart objects too carry the full-object CRC32C: the one a
		// standard tool computes from the file.
		data, err := os.ReadFile(j.Source)
		if err != nil {
			t.Fatal(err)
		}
		var whole [4]byte
		binary.BigEndian.PutUint32(whole[:], crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
		if want := base64.StdEncoding.EncodeToString(whole[:]); aws.ToString(head.ChecksumCRC32C) != want || j.Checksum != want {
			t.Fatalf("%s: MinIO reports CRC32C %q (type %s), Hoist recorded %q, the file's is %q", j.Rel, aws.ToString(head.ChecksumCRC32C), head.ChecksumType, j.Checksum, want)
		}
		if n := openUploads(t, j.Key); n != 0 {
			t.Fatalf("%s: %d multipart uploads left", j.Key, n)
		}
	}
}

func TestFolderOnMinIO(t *testing.T) {
	r := newRig(t, newStore(t, nil), nil)
	r.file("album/a.txt", 5)
	r.file("album/sub/b.txt", 6)
	jobs := r.send(filepath.Join(r.dir, "album"))
	keys := map[string]bool{}
	for _, j := range jobs {
		keys[j.Key] = j.State == uploader.StateDone
	}
	for _, k := range []string{r.prefix + "/album/a.txt", r.prefix + "/album/sub/b.txt"} {
		if !keys[k] {
			t.Fatalf("missing %s in %v", k, keys)
		}
	}
}

func TestCancelLeavesNoMultipartUpload(t *testing.T) {
	counting := &countingStore{Store: newStore(t, nil)}
	counting.limit.Store(2) // later parts hang in flight until cancelled
	r := newRig(t, nil, func(o *uploader.Options) { o.Store = counting; o.StallTimeout = time.Minute })
	p := r.file("big.bin", 8*partSize)
	added, err := r.engine.Enqueue(context.Background(), r.prefix, p)
	if err != nil {
		t.Fatal(err)
	}
	id := added.IDs[0]
	waitFor(t, "two parts stored", func() bool { return counting.parts.Load() >= 2 })
	key := r.prefix + "/big.bin"
	if n := openUploads(t, key); n != 1 {
		t.Fatalf("%d uploads open before cancel, want 1", n)
	}
	r.engine.Cancel(id)
	waitFor(t, "cancel", func() bool { return jobOf(r, id).State == uploader.StateCancelled })
	r.settle()
	if n := openUploads(t, key); n != 0 {
		t.Fatalf("cancel left %d multipart uploads", n)
	}
	if _, err := minio.S3Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.prefix + "/big.bin")}); err == nil {
		t.Fatal("a cancelled upload left an object")
	}
}

func jobOf(r *rig, id uint64) uploader.JobSnapshot {
	for _, j := range r.engine.Snapshot().Jobs {
		if j.ID == id {
			return j
		}
	}
	return uploader.JobSnapshot{}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitForJob is waitFor on one job's snapshot; on a timeout it says where
// the job stands and where every goroutine is, so a hang can be diagnosed
// from the CI log alone.
func waitForJob(t *testing.T, r *rig, id uint64, what string, cond func(uploader.JobSnapshot) bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for s := jobOf(r, id); !cond(s); s = jobOf(r, id) {
		if time.Now().After(deadline) {
			_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
			t.Fatalf("timed out waiting for %s: job %s, note %q, detail %q, last error %q, %d of %d bytes confirmed",
				what, s.State, s.Note, s.Detail, s.LastError, s.Confirmed, s.Size)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestResetsAndStallsMidPart(t *testing.T) {
	proxy, err := faultproxy.New(minio.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	store := newStore(t, func(o *s3store.Options) { o.Endpoint = proxy.URL() })
	r := newRig(t, store, func(o *uploader.Options) { o.StallTimeout = 500 * time.Millisecond })
	proxy.ResetNext(3, 2*uploader.MiB) // connections die 2 MiB into a part
	proxy.StallAfter(1*uploader.MiB, 2)
	p := r.file("flaky.bin", 6*partSize+3)
	jobs := r.send(p)
	if jobs[0].State != uploader.StateDone {
		t.Fatalf("%s: %s", jobs[0].State, jobs[0].Detail)
	}
	assertSame(t, jobs[0].Key, p)
}

func TestOutageIsWaitedOut(t *testing.T) {
	proxy, err := faultproxy.New(minio.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	store := newStore(t, func(o *s3store.Options) { o.Endpoint = proxy.URL() })
	// A stall timeout well above the SDK's own retries of a refused
	// connection: with the rig's 2 s, a loaded machine saw those retries
	// end as "no data moved" stalls, which count as failures, and the job
	// failed after MaxFailures instead of waiting the outage out.
	r := newRig(t, store, func(o *uploader.Options) { o.MaxFailures, o.StallTimeout = 2, 30*time.Second })
	proxy.Down(true)
	p := r.file("o.bin", 2*partSize)
	added, _ := r.engine.Enqueue(context.Background(), r.prefix, p)
	id := added.IDs[0]
	waitFor(t, "the job to notice the outage", func() bool { return jobOf(r, id).Note != "" })
	time.Sleep(300 * time.Millisecond) // several retry rounds, more than MaxFailures
	if s := jobOf(r, id); s.State.Final() {
		t.Fatalf("job ended during the outage: %s %s", s.State, s.Detail)
	}
	proxy.Down(false)
	waitForJob(t, r, id, "done", func(s uploader.JobSnapshot) bool { return s.State == uploader.StateDone })
	assertSame(t, jobOf(r, id).Key, p)
}

// Cancelling during an outage ends the job at once; the multipart upload is
// aborted on the server once it can be reached again.
func TestCancelDuringOutageAbortsLater(t *testing.T) {
	proxy, err := faultproxy.New(minio.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	store := newStore(t, func(o *s3store.Options) { o.Endpoint = proxy.URL() })
	r := newRig(t, store, func(o *uploader.Options) { o.ParallelParts = 1 })
	p := r.file("outage.bin", 16*partSize)
	added, err := r.engine.Enqueue(context.Background(), r.prefix, p)
	if err != nil {
		t.Fatal(err)
	}
	id, key := added.IDs[0], r.prefix+"/outage.bin"
	// The engine must know its upload ID (a part confirmed) before the link
	// freezes: a CreateMultipartUpload whose answer is frozen on the way
	// back leaves an upload the engine never heard of, which is not what
	// this test is about.
	waitFor(t, "the upload to start", func() bool { return openUploads(t, key) == 1 && jobOf(r, id).Confirmed > 0 })
	proxy.Stall(true) // the link freezes mid-upload, then drops
	proxy.Down(true)
	if s := jobOf(r, id); s.State.Final() {
		t.Fatalf("the upload ended before the outage: %s", s.State)
	}
	r.engine.Cancel(id)
	waitFor(t, "cancel", func() bool { return jobOf(r, id).State == uploader.StateCancelled })
	time.Sleep(300 * time.Millisecond) // a few abort attempts, all failing
	if r.engine.PendingAborts() != 1 || openUploads(t, key) != 1 {
		t.Fatalf("during the outage: %d aborts pending, %d uploads open; want 1 and 1", r.engine.PendingAborts(), openUploads(t, key))
	}
	proxy.Stall(false)
	proxy.Down(false)
	r.settle()
	if n := openUploads(t, key); n != 0 {
		t.Fatalf("%d multipart uploads left after the outage", n)
	}
}

func TestMissingBucket(t *testing.T) {
	r := newRig(t, newStore(t, func(o *s3store.Options) { o.Bucket = "no-such-bucket" }), nil)
	jobs := r.send(r.file("a.txt", 10), r.file("b.bin", 2*partSize))
	for _, j := range jobs {
		if j.State != uploader.StateFailed || !strings.Contains(j.Reason, "does not exist") {
			t.Fatalf("%s: %s %q", j.Rel, j.State, j.Reason)
		}
	}
}

func TestDeniedCredentials(t *testing.T) {
	store := newStore(t, func(o *s3store.Options) {
		o.Credentials = s3store.StaticCredentials(minio.AccessKey, "wrong-secret-key", "")
	})
	r := newRig(t, store, nil)
	jobs := r.send(r.file("a.txt", 10), r.file("b.bin", 2*partSize))
	for _, j := range jobs {
		if j.State != uploader.StateFailed || !strings.Contains(j.Reason, "refused access") {
			t.Fatalf("%s: %s %q", j.Rel, j.State, j.Reason)
		}
	}
}

func TestCollisionsOnMinIO(t *testing.T) {
	for _, policy := range []uploader.CollisionPolicy{uploader.Rename, uploader.Skip, uploader.Overwrite} {
		for _, size := range []int64{100, 2*partSize + 1} {
			t.Run(fmt.Sprintf("%s/%d", policy, size), func(t *testing.T) {
				r := newRig(t, newStore(t, nil), func(o *uploader.Options) { o.Collision = policy })
				key := r.prefix + "/a.bin"
				old := []byte("already here")
				if _, err := minio.S3Client().PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(old),
				}); err != nil {
					t.Fatal(err)
				}
				p := r.file("a.bin", size)
				j := r.send(p)[0]
				switch policy {
				case uploader.Rename:
					if j.State != uploader.StateDone || j.Key != r.prefix+"/a (1).bin" {
						t.Fatalf("%s %s", j.State, j.Key)
					}
					assertSame(t, j.Key, p)
				case uploader.Skip:
					if j.State != uploader.StateSkipped {
						t.Fatalf("%s %s", j.State, j.Key)
					}
				case uploader.Overwrite:
					if j.State != uploader.StateDone || j.Key != key {
						t.Fatalf("%s %s", j.State, j.Key)
					}
					assertSame(t, key, p)
					return
				}
				if !bytes.Equal(object(t, key), old) {
					t.Fatal("the existing object was overwritten")
				}
			})
		}
	}
}

func TestConditionalWriteRefusesExistingKey(t *testing.T) {
	s := newStore(t, nil)
	ctx := context.Background()
	prefix := testPrefix(t)
	key := prefix + "/conditional.txt"
	if _, err := s.Put(ctx, key, bytes.NewReader([]byte("one")), 3, "", true); err != nil {
		t.Fatal(err)
	}
	_, err := s.Put(ctx, key, bytes.NewReader([]byte("two")), 3, "", true)
	if uploader.KindOf(err) != uploader.KindPrecondition {
		t.Fatalf("second conditional put: %v (kind %d)", err, uploader.KindOf(err))
	}
	if _, err := s.Head(ctx, prefix+"/none"); uploader.KindOf(err) != uploader.KindNotFound {
		t.Fatalf("head of a missing key: %v", err)
	}
	if _, err := s.ListParts(ctx, key, "bogus-upload-id"); uploader.KindOf(err) != uploader.KindNoSuchUpload {
		t.Fatalf("list parts of a bogus upload: %v", err)
	}
	_, err = s.Put(ctx, prefix+"/bad-digest", bytes.NewReader([]byte("abc")), 3, "AAAAAA==", false)
	if uploader.KindOf(err) != uploader.KindBadDigest {
		t.Fatalf("wrong checksum: %v (kind %d)", err, uploader.KindOf(err))
	}
}

func TestOfflineIsClassified(t *testing.T) {
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(t, func(o *s3store.Options) { o.Endpoint = fmt.Sprintf("http://127.0.0.1:%d", port) })
	_, err = s.Head(context.Background(), "x")
	if uploader.KindOf(err) != uploader.KindOffline {
		t.Fatalf("connection refused: %v (kind %d)", err, uploader.KindOf(err))
	}
}

func TestResumeAcrossEnginesOnMinIO(t *testing.T) {
	store := newStore(t, nil)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "journal.db")
	p := filepath.Join(dir, "r.bin")
	data := make([]byte, 10*partSize+5)
	rand.NewChaCha8([32]byte{7}).Read(data)
	os.WriteFile(p, data, 0o644)

	counting := &countingStore{Store: store}
	open := func(limit int32) (*uploader.Engine, *journal.Journal) {
		j, err := journal.Open(dbPath)
		if err != nil {
			t.Fatal(err)
		}
		counting.limit.Store(limit)
		e, err := uploader.New(uploader.Options{Store: counting, Journal: j, Checksums: true, PartSize: partSize, ParallelParts: 2})
		if err != nil {
			t.Fatal(err)
		}
		e.Start()
		return e, j
	}
	e, j := open(4)
	added, err := e.Enqueue(context.Background(), testPrefix(t), p)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "4 parts", func() bool { return counting.parts.Load() >= 4 })
	e.Close()
	j.Close()
	sentBefore := counting.parts.Load()

	e, j = open(0)
	defer j.Close()
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e.Wait(ctx)
	var job uploader.JobSnapshot
	for _, s := range e.Snapshot().Jobs {
		if s.ID == added.IDs[0] {
			job = s
		}
	}
	if job.State != uploader.StateDone {
		t.Fatalf("state %s: %s", job.State, job.Detail)
	}
	if got := counting.parts.Load(); got > 11 {
		t.Fatalf("%d parts stored for 11 (%d before the restart): parts were sent twice", got, sentBefore)
	}
	assertSame(t, job.Key, p)
}

// countingStore counts parts that arrived and, while limit > 0, makes
// parts beyond the limit hang until their context ends.
type countingStore struct {
	*s3store.Store
	parts atomic.Int32
	limit atomic.Int32
}

func (c *countingStore) UploadPart(ctx context.Context, key, id string, n int32, body io.ReadSeeker, size int64, sum string) (string, error) {
	if l := c.limit.Load(); l > 0 && c.parts.Load() >= l {
		<-ctx.Done()
		return "", ctx.Err()
	}
	etag, err := c.Store.UploadPart(ctx, key, id, n, body, size, sum)
	if err == nil {
		c.parts.Add(1)
	}
	return etag, err
}

// modifyingStore appends to a file once the given number of parts arrived.
type modifyingStore struct {
	*s3store.Store
	path  string
	after int32
	parts atomic.Int32
}

func (m *modifyingStore) UploadPart(ctx context.Context, key, id string, n int32, body io.ReadSeeker, size int64, sum string) (string, error) {
	etag, err := m.Store.UploadPart(ctx, key, id, n, body, size, sum)
	if err == nil && m.parts.Add(1) == m.after {
		f, ferr := os.OpenFile(m.path, os.O_WRONLY|os.O_APPEND, 0)
		if ferr == nil {
			f.Write([]byte("edited"))
			f.Close()
		}
	}
	return etag, err
}

func TestFileModifiedMidUpload(t *testing.T) {
	mod := &modifyingStore{Store: newStore(t, nil), after: 2}
	r := newRig(t, nil, func(o *uploader.Options) { o.Store = mod; o.ParallelParts = 1 })
	mod.path = r.file("edited.bin", 6*partSize)
	j := r.send(mod.path)[0]
	r.settle()
	if j.State != uploader.StateFailed || !strings.Contains(j.Reason, "changed") {
		t.Fatalf("%s %q", j.State, j.Reason)
	}
	if _, err := minio.S3Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(j.Key)}); err == nil {
		t.Fatal("a file that changed mid-upload landed in the bucket")
	}
	if n := openUploads(t, j.Key); n != 0 {
		t.Fatalf("%d multipart uploads left behind", n)
	}
}

func TestMaliciousNamesStayUnderPrefix(t *testing.T) {
	r := newRig(t, newStore(t, nil), nil)
	// Backslashes are ordinary characters in Linux file names, but would be
	// folder separators to a Windows user of the bucket.
	r.file(`drop/..\..\escape.txt`, 3)
	r.file("drop/ctl\x01\x7f.txt", 3)
	jobs := r.send(filepath.Join(r.dir, "drop"))
	want := map[string]bool{r.prefix + "/drop/escape.txt": true, r.prefix + "/drop/ctl__.txt": true}
	for _, j := range jobs {
		if j.State != uploader.StateDone || !want[j.Key] {
			t.Fatalf("%q → %q (%s)", j.Rel, j.Key, j.State)
		}
	}
}

// Over a slow link, progress counts what has left this machine, not what
// waits in its socket buffers: Hoist is never far ahead of the bytes that
// crossed the link, the speed is the link's, and no request looks stalled
// while the kernel drains megabytes (which would send parts twice).
func TestProgressFollowsASlowLink(t *testing.T) {
	proxy, err := faultproxy.New(minio.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	const rate = 4 << 20
	proxy.SetRate(rate)
	store := newStore(t, func(o *s3store.Options) { o.Endpoint = proxy.URL() })
	r := newRig(t, store, func(o *uploader.Options) { o.ParallelParts = 4 })
	const size = 4 * partSize
	added, err := r.engine.Enqueue(context.Background(), r.prefix, r.file("slow.bin", size))
	if err != nil {
		t.Fatal(err)
	}
	id := added.IDs[0]
	var lead int64
	var speed float64
	for s := jobOf(r, id); !s.State.Final(); s = jobOf(r, id) {
		lead = max(lead, s.Done-proxy.BytesUp())
		speed = max(speed, s.Speed)
		time.Sleep(20 * time.Millisecond)
	}
	if s := jobOf(r, id); s.State != uploader.StateDone {
		t.Fatalf("%s: %s", s.State, s.Detail)
	}
	// Four requests, each with at most the unsent limit (128 KiB) in its
	// socket and the HTTP client's 256 KiB write buffer, plus the link's
	// small window: about 2 MiB. Without the limit it is the whole 16 MiB
	// the kernel's buffers take at once.
	if lead > 3<<20 {
		t.Errorf("progress ran %d KiB ahead of the link", lead>>10)
	}
	if speed > 2*rate {
		t.Errorf("speed peaked at %.1f MB/s on a %.1f MB/s link", speed/1e6, float64(rate)/1e6)
	}
	if sent := proxy.BytesUp(); sent > size+size/10 {
		t.Errorf("%d bytes crossed the link for a %d-byte file: parts were sent again", sent, size)
	}
}

// An upload an earlier Hoist created with the COMPOSITE checksum type,
// resumed by this one, completes (MinIO refuses a full-object checksum for
// it) and reports its composite checksum, which the engine accepts.
func TestCompletesUploadCreatedComposite(t *testing.T) {
	ctx := context.Background()
	key := fmt.Sprintf("composite/resumed-%d.bin", time.Now().UnixNano()) // -count=N reuses no key
	up, err := minio.S3Client().CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c, ChecksumType: types.ChecksumTypeComposite,
	})
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t, nil)
	data := bytes.Repeat([]byte("resumed "), 5<<20/8+3)
	for n, off := int32(1), 0; off < len(data); n, off = n+1, off+5<<20 {
		part := data[off:min(off+5<<20, len(data))]
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], crc32.Checksum(part, crc32.MakeTable(crc32.Castagnoli)))
		sum := base64.StdEncoding.EncodeToString(b[:])
		if _, err := st.UploadPart(ctx, key, *up.UploadId, n, bytes.NewReader(part), int64(len(part)), sum); err != nil {
			t.Fatal(err)
		}
	}
	parts, err := st.ListParts(ctx, key, *up.UploadId)
	if err != nil || len(parts) != 2 {
		t.Fatalf("parts %+v %v", parts, err)
	}
	if _, err := st.CompleteMultipart(ctx, key, *up.UploadId, parts, true); err != nil {
		t.Fatalf("complete: %v", err)
	}
	info, err := st.Head(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(info.Checksum, "-2") || info.Size != int64(len(data)) {
		t.Errorf("stored %+v, want a composite checksum of 2 parts", info)
	}
}
