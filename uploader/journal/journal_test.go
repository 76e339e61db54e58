package journal

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hoist/uploader"
)

// base is a fixed instant, in UTC so records survive a JSON round trip
// unchanged for reflect.DeepEqual.
var base = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func openTemp(t testing.TB) (*Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "journal.db")
	j, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j, path
}

func newJob(name string) *uploader.JobRecord {
	return &uploader.JobRecord{
		Source:  "/home/u/" + name,
		Rel:     name,
		Key:     "up/" + name,
		Size:    42 << 20,
		ModTime: base.Add(-time.Hour),
		State:   uploader.StateQueued,
		Created: base,
	}
}

func addJobs(t testing.TB, j *Journal, names ...string) []*uploader.JobRecord {
	t.Helper()
	recs := make([]*uploader.JobRecord, len(names))
	for i, n := range names {
		recs[i] = newJob(n)
	}
	if err := j.AddJobs(recs); err != nil {
		t.Fatalf("AddJobs: %v", err)
	}
	return recs
}

func part(n int32) uploader.PartRecord {
	return uploader.PartRecord{Number: n, Size: 8 << 20, ETag: fmt.Sprintf(`"etag-%d"`, n), Checksum: "AAAA" + strconv.Itoa(int(n))}
}

func TestDefaultPath(t *testing.T) {
	if got, want := DefaultPath("/data"), filepath.Join("/data", "journal.db"); got != want {
		t.Fatalf("DefaultPath = %q, want %q", got, want)
	}
}

func TestOpenCreatesFolderAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := DefaultPath(dir)
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s has mode %o, want at most %o", p, got, want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	j, _ := openTemp(t)
	recs := addJobs(t, j, "a.bin", "b.bin", "c.bin")
	for i, r := range recs {
		if r.ID != uint64(i+1) {
			t.Fatalf("job %d got ID %d, want %d", i, r.ID, i+1)
		}
	}

	upd := *recs[1]
	upd.State = uploader.StateRunning
	upd.UploadID = "upload-xyz"
	upd.PartSize = 8 << 20
	upd.Started = base.Add(time.Minute)
	upd.Attempts = 2
	if err := j.UpdateJob(upd); err != nil {
		t.Fatal(err)
	}
	got, err := j.Job(upd.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, upd) {
		t.Fatalf("Job(%d) = %+v, want %+v", upd.ID, got, upd)
	}

	want := []uploader.PartRecord{part(1), part(2), part(3)}
	for _, p := range want {
		if err := j.PutPart(upd.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	// Re-recording a part replaces it.
	again := part(2)
	again.ETag = `"replaced"`
	if err := j.PutPart(upd.ID, again); err != nil {
		t.Fatal(err)
	}
	want[1] = again
	parts, err := j.Parts(upd.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(parts, want) {
		t.Fatalf("Parts = %+v, want %+v", parts, want)
	}
	// Other jobs have no parts.
	if parts, err := j.Parts(recs[0].ID); err != nil || len(parts) != 0 {
		t.Fatalf("Parts of a job without parts = %v, %v", parts, err)
	}

	if err := j.ClearParts(upd.ID); err != nil {
		t.Fatal(err)
	}
	if parts, err := j.Parts(upd.ID); err != nil || len(parts) != 0 {
		t.Fatalf("Parts after ClearParts = %v, %v", parts, err)
	}
	// Clearing again, or clearing a job that never had parts, is fine.
	for _, id := range []uint64{upd.ID, recs[0].ID, 999} {
		if err := j.ClearParts(id); err != nil {
			t.Fatalf("ClearParts(%d): %v", id, err)
		}
	}

	all, err := j.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	wantAll := []uploader.JobRecord{*recs[0], upd, *recs[2]}
	if !reflect.DeepEqual(all, wantAll) {
		t.Fatalf("Jobs = %+v\nwant %+v", all, wantAll)
	}
}

func TestAddJobsEdgeCases(t *testing.T) {
	j, _ := openTemp(t)
	if err := j.AddJobs(nil); err != nil {
		t.Fatalf("AddJobs(nil): %v", err)
	}
	// A stale ID on input is replaced.
	r := newJob("x")
	r.ID = 77
	if err := j.AddJobs([]*uploader.JobRecord{r}); err != nil {
		t.Fatal(err)
	}
	if r.ID != 1 {
		t.Fatalf("ID = %d, want 1", r.ID)
	}
	// A nil entry fails the whole call and assigns nothing.
	ok := newJob("y")
	if err := j.AddJobs([]*uploader.JobRecord{ok, nil}); err == nil {
		t.Fatal("AddJobs with a nil entry succeeded")
	}
	if ok.ID != 0 {
		t.Fatalf("failed AddJobs set ID %d", ok.ID)
	}
	// IDs are never reused, even after deletion.
	if err := j.DeleteJob(r.ID); err != nil {
		t.Fatal(err)
	}
	addJobs(t, j, "z")
	all, _ := j.Jobs()
	if len(all) != 1 || all[0].ID != 2 {
		t.Fatalf("after delete+add Jobs = %+v, want one job with ID 2", all)
	}
}

func TestOrdering(t *testing.T) {
	j, _ := openTemp(t)
	// More than 256 jobs, so little-endian or textual keys would sort wrong.
	names := make([]string, 300)
	for i := range names {
		names[i] = fmt.Sprintf("f%03d", i)
	}
	// Two batches, to check IDs keep increasing across transactions.
	addJobs(t, j, names[:150]...)
	addJobs(t, j, names[150:]...)
	all, err := j.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(names) {
		t.Fatalf("Jobs returned %d, want %d", len(all), len(names))
	}
	for i, r := range all {
		if r.ID != uint64(i+1) || r.Rel != names[i] {
			t.Fatalf("Jobs[%d] = ID %d %q, want ID %d %q", i, r.ID, r.Rel, i+1, names[i])
		}
	}

	numbers := []int32{300, 2, 10000, 1, 256, 255, 10, 257, 65536, 9}
	for _, n := range numbers {
		if err := j.PutPart(all[0].ID, part(n)); err != nil {
			t.Fatal(err)
		}
	}
	parts, err := j.Parts(all[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{1, 2, 9, 10, 255, 256, 257, 300, 10000, 65536}
	var got []int32
	for _, p := range parts {
		got = append(got, p.Number)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("part order %v, want %v", got, want)
	}
}

func TestStateAndParts(t *testing.T) {
	tests := []struct {
		state     uploader.State
		keepParts bool
	}{
		{uploader.StateQueued, true},
		{uploader.StateRunning, true},
		{uploader.StateVerifying, true},
		{uploader.StatePaused, true},
		{uploader.StateDone, false},
		{uploader.StateSkipped, false},
		{uploader.StateFailed, false},
		{uploader.StateCancelled, false},
	}
	for _, tc := range tests {
		t.Run(string(tc.state), func(t *testing.T) {
			j, _ := openTemp(t)
			rec := addJobs(t, j, "a")[0]
			other := addJobs(t, j, "b")[0]
			for n := int32(1); n <= 3; n++ {
				if err := j.PutPart(rec.ID, part(n)); err != nil {
					t.Fatal(err)
				}
				if err := j.PutPart(other.ID, part(n)); err != nil {
					t.Fatal(err)
				}
			}
			upd := *rec
			upd.State = tc.state
			if err := j.UpdateJob(upd); err != nil {
				t.Fatal(err)
			}
			parts, err := j.Parts(rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 3, false: 0}[tc.keepParts]; len(parts) != want {
				t.Fatalf("%d parts after state %s, want %d", len(parts), tc.state, want)
			}
			// The other job's parts are untouched.
			if parts, _ := j.Parts(other.ID); len(parts) != 3 {
				t.Fatalf("other job has %d parts, want 3", len(parts))
			}
			// A finished job takes no new parts; an unfinished one does.
			err = j.PutPart(rec.ID, part(4))
			if tc.state.Final() != errors.Is(err, ErrJobFinished) {
				t.Fatalf("PutPart after state %s: %v", tc.state, err)
			}
			if !tc.state.Final() && err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRetryAfterFinalTakesPartsAgain(t *testing.T) {
	j, _ := openTemp(t)
	rec := addJobs(t, j, "a")[0]
	rec.State = uploader.StateFailed
	if err := j.UpdateJob(*rec); err != nil {
		t.Fatal(err)
	}
	rec.State = uploader.StateQueued
	if err := j.UpdateJob(*rec); err != nil {
		t.Fatal(err)
	}
	if err := j.PutPart(rec.ID, part(1)); err != nil {
		t.Fatalf("PutPart after retry: %v", err)
	}
}

func TestUnknownJob(t *testing.T) {
	j, _ := openTemp(t)
	addJobs(t, j, "a")
	const id = 42
	tests := []struct {
		name string
		call func() error
	}{
		{"Job", func() error { _, err := j.Job(id); return err }},
		{"Job(0)", func() error { _, err := j.Job(0); return err }},
		{"UpdateJob", func() error { r := *newJob("x"); r.ID = id; return j.UpdateJob(r) }},
		{"PutPart", func() error { return j.PutPart(id, part(1)) }},
		{"Parts", func() error { _, err := j.Parts(id); return err }},
		{"DeleteJob", func() error { return j.DeleteJob(id) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, uploader.ErrUnknownJob) {
				t.Fatalf("got %v, want an error wrapping ErrUnknownJob", err)
			}
			if !strings.Contains(err.Error(), "job") || err == uploader.ErrUnknownJob {
				t.Fatalf("error %q is not wrapped with context", err)
			}
		})
	}
	// UpdateJob of an unknown ID must not create it.
	if all, _ := j.Jobs(); len(all) != 1 {
		t.Fatalf("%d jobs, want 1", len(all))
	}
}

func TestErrorMessages(t *testing.T) {
	j, _ := openTemp(t)
	if got, want := j.PutPart(3, part(7)).Error(), "record part 7 of job 3: no such job"; got != want {
		t.Errorf("PutPart error %q, want %q", got, want)
	}
	if err := j.PutPart(3, part(0)); err == nil || !strings.HasPrefix(err.Error(), "record part 0 of job 3: ") {
		t.Errorf("PutPart(0) error %v", err)
	}
}

func TestDeleteJob(t *testing.T) {
	j, _ := openTemp(t)
	recs := addJobs(t, j, "a", "b")
	for _, r := range recs {
		if err := j.PutPart(r.ID, part(1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.DeleteJob(recs[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Job(recs[0].ID); !errors.Is(err, uploader.ErrUnknownJob) {
		t.Fatalf("Job after delete: %v", err)
	}
	if _, err := j.Parts(recs[0].ID); !errors.Is(err, uploader.ErrUnknownJob) {
		t.Fatalf("Parts after delete: %v", err)
	}
	if parts, _ := j.Parts(recs[1].ID); len(parts) != 1 {
		t.Fatalf("other job lost its parts")
	}
	// The nested bucket is gone, not just hidden.
	j.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketParts).Bucket(jobKey(recs[0].ID)) != nil {
			t.Error("parts bucket of the deleted job remains")
		}
		return nil
	})
}

func TestReopenKeepsEverything(t *testing.T) {
	j, path := openTemp(t)
	recs := addJobs(t, j, "a", "b", "c")
	recs[0].State, recs[0].UploadID = uploader.StateRunning, "u1"
	if err := j.UpdateJob(*recs[0]); err != nil {
		t.Fatal(err)
	}
	recs[2].State, recs[2].Finished, recs[2].Checksum = uploader.StateDone, base.Add(time.Hour), "abc=="
	if err := j.UpdateJob(*recs[2]); err != nil {
		t.Fatal(err)
	}
	var wantParts []uploader.PartRecord
	for n := int32(1); n <= 5; n++ {
		if err := j.PutPart(recs[0].ID, part(n)); err != nil {
			t.Fatal(err)
		}
		wantParts = append(wantParts, part(n))
	}
	wantJobs, err := j.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Jobs(); err == nil {
		t.Fatal("Jobs after Close succeeded")
	}

	j2, err := Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer j2.Close()
	gotJobs, err := j2.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotJobs, wantJobs) {
		t.Fatalf("after reopen Jobs = %+v\nwant %+v", gotJobs, wantJobs)
	}
	gotParts, err := j2.Parts(recs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotParts, wantParts) {
		t.Fatalf("after reopen Parts = %+v, want %+v", gotParts, wantParts)
	}
	// The ID sequence survives too.
	next := addJobs(t, j2, "d")[0]
	if next.ID != 4 {
		t.Fatalf("ID after reopen = %d, want 4", next.ID)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	_, path := openTemp(t)
	start := time.Now()
	j2, err := Open(path)
	if err == nil {
		j2.Close()
		t.Fatal("second Open of an open journal succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("got %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v to give up", d)
	}
	if ErrLocked.Error() != "another Hoist is already running with this data folder" {
		t.Errorf("ErrLocked message %q", ErrLocked)
	}
}

func TestLockReleasedOnClose(t *testing.T) {
	j, path := openTemp(t)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j2, err := Open(path)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	j2.Close()
}

func TestConcurrentPutPart(t *testing.T) {
	const goroutines, perG = 64, 50
	j, path := openTemp(t)
	recs := addJobs(t, j, "a", "b", "c", "d")

	var wg sync.WaitGroup
	errs := make(chan error, goroutines*perG)
	stop := make(chan struct{})
	// Readers run alongside, for the race detector's sake. They pause
	// between reads like a UI would: bbolt writers that must grow the file
	// wait for every open read transaction, so readers in a tight loop only
	// make the test slow.
	var readers sync.WaitGroup
	for r := 0; r < 2; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
				if _, err := j.Parts(recs[0].ID); err != nil {
					errs <- err
					return
				}
				if _, err := j.Jobs(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job := recs[g%len(recs)]
			for i := 0; i < perG; i++ {
				n := int32(g/len(recs)*perG + i + 1)
				if err := j.PutPart(job.ID, part(n)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	check := func(j *Journal) {
		t.Helper()
		total := 0
		for _, r := range recs {
			parts, err := j.Parts(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := goroutines / len(recs) * perG
			if len(parts) != want {
				t.Fatalf("job %d has %d parts, want %d", r.ID, len(parts), want)
			}
			for i, p := range parts {
				if p != part(int32(i+1)) {
					t.Fatalf("job %d part %d = %+v", r.ID, i, p)
				}
			}
			total += len(parts)
		}
		if total != goroutines*perG {
			t.Fatalf("%d parts in all, want %d", total, goroutines*perG)
		}
	}
	check(j)
	j.Close()
	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	check(j2)
}

func TestBadFiles(t *testing.T) {
	random := make([]byte, 64<<10)
	rand.Read(random)

	// A valid bbolt file that is not a Hoist journal.
	foreign := func(t *testing.T, path string) {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("something-else"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	// A real journal whose first pages (both meta pages) were overwritten.
	smashed := func(t *testing.T, path string) {
		j, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		addJobs(t, j, "a")
		j.Close()
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 2*os.Getpagesize()), 0); err != nil {
			t.Fatal(err)
		}
	}
	// A real journal truncated to its first half.
	truncated := func(t *testing.T, path string) {
		j, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 50; i++ {
			addJobs(t, j, strings.Repeat("x", 1000))
		}
		j.Close()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
	}
	// A journal from a newer Hoist.
	newer := func(t *testing.T, path string) {
		j, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		j.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyVersion, binary.BigEndian.AppendUint64(nil, FormatVersion+1))
		})
		j.Close()
	}
	write := func(b []byte) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}

	tests := []struct {
		name    string
		prepare func(*testing.T, string)
		want    error
	}{
		{"short text", write([]byte("hello, this is not a database\n")), ErrCorrupt},
		{"random bytes", write(random), ErrCorrupt},
		{"zeros", write(make([]byte, 32<<10)), ErrCorrupt},
		{"foreign bbolt file", foreign, ErrCorrupt},
		{"smashed meta pages", smashed, ErrCorrupt},
		{"truncated", truncated, nil}, // may or may not open; must not panic
		{"newer version", newer, ErrNewerVersion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			tc.prepare(t, path)
			before, _ := os.ReadFile(path)
			j, err := Open(path)
			if tc.want == nil {
				if err == nil {
					// Reading may fail, but must not panic.
					_, err = j.Jobs()
					j.Close()
				}
				t.Logf("result: %v", err)
				return
			}
			if err == nil {
				j.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want an error wrapping %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "open journal "+path+": ") {
				t.Errorf("error %q does not say what failed", err)
			}
			t.Logf("error: %v", err)
			// A refused file is left as it was.
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("Open modified a file it refused")
			}
			// And its lock is released.
			if _, err2 := Open(path); errors.Is(err2, ErrLocked) {
				t.Error("refused file stays locked")
			}
		})
	}
}

// crashEnv names the journal file a crash-test child writes to.
const crashEnv = "HOIST_JOURNAL_CRASH_CHILD"

// TestCrashChild is the child process of TestCrashKeepsReportedParts. It
// adds a job, prints "job ID", then records parts from several goroutines
// forever, printing "ok N" after each PutPart returns.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("only runs as the child of TestCrashKeepsReportedParts")
	}
	j, err := Open(path)
	if err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(2)
	}
	rec := newJob("crash.bin")
	if err := j.AddJobs([]*uploader.JobRecord{rec}); err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(2)
	}
	fmt.Printf("job %d\n", rec.ID)
	var next atomic.Int32
	var mu sync.Mutex // one line per write
	for g := 0; g < 8; g++ {
		go func() {
			for {
				n := next.Add(1)
				if err := j.PutPart(rec.ID, part(n)); err != nil {
					fmt.Printf("error %v\n", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Printf("ok %d\n", n)
				mu.Unlock()
			}
		}()
	}
	select {} // until killed
}

func TestCrashKeepsReportedParts(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()

	const killAfter = 150
	var jobID uint64
	reported := map[int32]bool{}
	sc := bufio.NewScanner(out)
	timeout := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	defer timeout.Stop()
	for sc.Scan() {
		line := sc.Text()
		var n int32
		var id uint64
		switch {
		case strings.HasPrefix(line, "ok "):
			if _, err := fmt.Sscanf(line, "ok %d", &n); err != nil {
				t.Fatalf("bad line %q", line)
			}
			reported[n] = true
		case strings.HasPrefix(line, "job "):
			if _, err := fmt.Sscanf(line, "job %d", &id); err != nil {
				t.Fatalf("bad line %q", line)
			}
			jobID = id
		case strings.HasPrefix(line, "error "):
			t.Fatalf("child: %s", line)
		}
		if len(reported) == killAfter && !killed {
			// Kill mid-flight: other goroutines are inside PutPart.
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
			// Keep reading: lines already in the pipe were reported too.
		}
	}
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("child ended before being killed (%v) after %d parts", werr, len(reported))
	}
	if jobID == 0 {
		t.Fatal("child never reported its job")
	}

	j, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer j.Close()
	var checkErrs []error
	j.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			checkErrs = append(checkErrs, err)
		}
		return nil
	})
	if len(checkErrs) > 0 {
		t.Fatalf("file inconsistent after crash: %v", checkErrs)
	}
	parts, err := j.Parts(jobID)
	if err != nil {
		t.Fatal(err)
	}
	have := map[int32]bool{}
	for _, p := range parts {
		if p != part(p.Number) {
			t.Fatalf("part %d damaged: %+v", p.Number, p)
		}
		have[p.Number] = true
	}
	for n := range reported {
		if !have[n] {
			t.Errorf("part %d was reported recorded but is missing after the crash", n)
		}
	}
	t.Logf("child reported %d parts before dying; %d found on disk", len(reported), len(parts))
}

func BenchmarkPutPartParallel(b *testing.B) {
	j, _ := openTemp(b)
	rec := addJobs(b, j, "bench.bin")[0]
	var next atomic.Int32
	// Many goroutines per CPU, like upload workers waiting on the network.
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := j.PutPart(rec.ID, part(next.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
