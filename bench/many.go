package main

// The many-files part of the benchmark: Hoist alone, on many small files,
// for memory. It sends -many files (default 100,000 with `make bench`) of 1 KiB
// in folders of 1,000 with one `hoist send`, then runs `hoist resume` with
// nothing left to do on the same data folder, and reports both peak RSS
// against Hoist's targets.

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"hoist/devstack"
)

// Targets of the many-files part (issue 7): peak RSS of `hoist send` of 100,000
// small files, and of `hoist resume` with nothing to do afterwards.
const (
	manySendTarget   = 150 * miB
	manyResumeTarget = 40 * miB
	manyFileSize     = 1 * kiB
	manyPerFolder    = 1000
	// manyTargetFiles is the number of files the targets are set for.
	manyTargetFiles = 100000
)

// manyResult is what the many-files part measured.
type manyResult struct {
	count        int
	send, resume measurement
	// loadBefore and loadAfter are the machine's load averages before the
	// send and after the resume: the figures are noisy on a busy machine.
	loadBefore, loadAfter string
	// journal is the size of Hoist's journal file after the resume.
	journal int64
}

// runMany runs the many-files part with count files and prints its report.
// It fails when a command fails or the bucket does not hold every file; a
// target not met is reported, not an error.
func runMany(ctx context.Context, o options, count int) (manyResult, error) {
	res := manyResult{count: count}
	work, err := os.MkdirTemp(o.workDir, "hoist-bench-many-")
	if err != nil {
		return res, fmt.Errorf("create work dir: %w", err)
	}
	if o.keepMany {
		defer progress("many files: kept %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	progress("many files: writing %d files of %s", count, formatSize(manyFileSize))
	src := filepath.Join(work, "many")
	if err := makeManyFiles(ctx, src, count); err != nil {
		return res, err
	}
	mini, closeLog, err := startServer(ctx, work)
	if err != nil {
		return res, err
	}
	defer closeLog()
	defer stopServer(mini)
	const bucketName = "many"
	if err := mini.CreateBucket(ctx, bucketName); err != nil {
		return res, fmt.Errorf("create bucket: %w", err)
	}
	u := upload{
		server: server{endpoint: mini.Endpoint, region: devstack.Region, accessKey: mini.AccessKey, secretKey: mini.SecretKey},
		src:    src, isDir: true, bucket: bucketName, prefix: "many/", scratch: work,
	}
	cfg := filepath.Join(work, "hoist.toml")
	if err := os.WriteFile(cfg, []byte(hoistConfig(u)), 0o600); err != nil {
		return res, fmt.Errorf("write hoist config: %w", err)
	}
	data := filepath.Join(work, "hoist-data")
	env := append(os.Environ(), "HOIST_CONFIG=", "HOIST_DATA_DIR=")
	base := []string{"--config", cfg, "--data-dir", data}

	res.loadBefore = loadAvg()
	progress("many files: hoist send (%d files)", count)
	sendLog := filepath.Join(work, "send.log")
	res.send, err = runTimed(ctx, invocation{args: append(append([]string{o.bins.hoist, "send"}, base...), src), env: env}, sendLog, o.timeout)
	if err != nil {
		return res, fmt.Errorf("hoist send: %w\n%s", err, logTail(sendLog, 15))
	}
	n, err := countObjects(ctx, mini.S3Client(), bucketName)
	if err != nil {
		return res, err
	}
	if n != count {
		return res, fmt.Errorf("hoist send: the bucket holds %d objects, want %d", n, count)
	}
	progress("many files: hoist resume (nothing to do)")
	resumeLog := filepath.Join(work, "resume.log")
	res.resume, err = runTimed(ctx, invocation{args: append([]string{o.bins.hoist, "resume"}, base...), env: env}, resumeLog, o.timeout)
	if err != nil {
		return res, fmt.Errorf("hoist resume: %w\n%s", err, logTail(resumeLog, 15))
	}
	if out, _ := os.ReadFile(resumeLog); !strings.Contains(string(out), "Nothing to resume") {
		return res, fmt.Errorf("hoist resume found work to do:\n%s", logTail(resumeLog, 15))
	}
	res.loadAfter = loadAvg()
	if fi, err := os.Stat(filepath.Join(data, "journal.db")); err == nil {
		res.journal = fi.Size()
	}
	return res, nil
}

// makeManyFiles writes count small files into dir, manyPerFolder per
// sub-folder.
func makeManyFiles(ctx context.Context, dir string, count int) error {
	src := dataStream('m')
	buf := make([]byte, manyFileSize)
	for i := range count {
		if err := ctx.Err(); err != nil {
			return err
		}
		sub := filepath.Join(dir, fmt.Sprintf("d%04d", i/manyPerFolder))
		if i%manyPerFolder == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", sub, err)
			}
		}
		if _, err := io.ReadFull(src, buf); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%06d.bin", i)), buf, 0o644); err != nil {
			return fmt.Errorf("write file %d: %w", i, err)
		}
	}
	return nil
}

// countObjects counts the bucket's objects, less Hoist's batch receipts.
func countObjects(ctx context.Context, c *s3.Client, bucket string) (int, error) {
	n := 0
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("list bucket %s: %w", bucket, err)
		}
		for _, o := range page.Contents {
			if !strings.Contains(aws.ToString(o.Key), "/.hoist/") {
				n++
			}
		}
	}
	return n, nil
}

// text renders the many-files part's result with its targets.
func (r manyResult) text() string {
	verdict := func(got, target int64) string {
		switch {
		case got > target:
			return "MISSES" // more files would only cost more
		case r.count < manyTargetFiles:
			return "met here, but judged only at 100,000 files"
		}
		return "meets"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Many files: %d files of %s, Hoist alone (peak RSS of the hoist process)\n", r.count, formatSize(manyFileSize))
	fmt.Fprintf(&b, "  hoist send            %8.1f s  %6.1f MiB peak RSS  (target <= %d MiB at 100,000 files: %s)\n",
		r.send.wall.Seconds(), float64(r.send.maxRSS)/miB, manySendTarget/miB, verdict(r.send.maxRSS, manySendTarget))
	fmt.Fprintf(&b, "  hoist resume, idle    %8.1f s  %6.1f MiB peak RSS  (target <= %d MiB: %s)\n",
		r.resume.wall.Seconds(), float64(r.resume.maxRSS)/miB, manyResumeTarget/miB, verdict(r.resume.maxRSS, manyResumeTarget))
	if r.journal > 0 {
		fmt.Fprintf(&b, "  journal file afterwards: %.1f MiB\n", float64(r.journal)/miB)
	}
	fmt.Fprintf(&b, "  measured %s, load average %s before and %s after; figures are noisy on a busy machine\n",
		time.Now().UTC().Format(time.RFC3339), orUnknown(r.loadBefore), orUnknown(r.loadAfter))
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
