package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"hoist/devstack"
)

// bench holds what every run needs: the tools, the server and a work folder.
type bench struct {
	opts   options
	tools  []tool
	mini   *devstack.MinIO
	srv    server
	client *s3.Client
	work   string
}

// benchmark generates the data, starts MinIO, runs every tool on every
// workload and returns the report. Everything it created (data, MinIO, its
// data dir) is gone when it returns, also after Ctrl-C.
func benchmark(ctx context.Context, o options) (*report, error) {
	tools := make([]tool, len(o.tools))
	for i, name := range o.tools {
		tools[i], _ = newTool(name, o.bins) // names checked by parseFlags
	}
	work, err := os.MkdirTemp(o.workDir, "hoist-bench-")
	if err != nil {
		return nil, fmt.Errorf("create work dir: %w", err)
	}
	defer os.RemoveAll(work)

	workloads, err := makeWorkloads(ctx, o, work)
	if err != nil {
		return nil, err
	}
	mini, closeLog, err := startServer(ctx, work)
	if err != nil {
		return nil, err
	}
	defer closeLog()
	defer stopServer(mini)

	b := &bench{opts: o, tools: tools, mini: mini, client: mini.S3Client(), work: work,
		srv: server{endpoint: mini.Endpoint, region: devstack.Region, accessKey: mini.AccessKey, secretKey: mini.SecretKey}}
	rep := &report{header: headerLines(ctx, o, mini.Endpoint, tools)}
	for _, w := range workloads {
		rep.sections = append(rep.sections, b.runWorkload(ctx, w))
		if ctx.Err() != nil {
			rep.interrupted = true
			break
		}
	}
	return rep, nil
}

// makeWorkloads writes (a) and (b) into work and flushes them to disk, so the
// first tool does not pay for writing them back.
func makeWorkloads(ctx context.Context, o options, work string) ([]workload, error) {
	start := time.Now()
	progress("generating %s + %d × %s in %s", formatSize(int64(o.big)), o.smallCount, formatSize(int64(o.smallSize)), work)
	big, err := makeBigFile(ctx, work, int64(o.big))
	if err != nil {
		return nil, fmt.Errorf("generate big file: %w", err)
	}
	small, err := makeSmallFiles(ctx, work, o.smallCount, int64(o.smallSize))
	if err != nil {
		return nil, fmt.Errorf("generate small files: %w", err)
	}
	syscall.Sync()
	progress("data ready in %.1f s", time.Since(start).Seconds())
	return []workload{big, small}, nil
}

// startServer starts MinIO with its data and log in work, on the same disk
// as the generated files (-work-dir picks it).
func startServer(ctx context.Context, work string) (*devstack.MinIO, func(), error) {
	logPath := filepath.Join(work, "minio.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, nil, fmt.Errorf("create MinIO log: %w", err)
	}
	mini, err := devstack.StartMinIO(ctx, devstack.MinIOOptions{Port: 0, DataDir: filepath.Join(work, "minio-data"), Log: logFile})
	if err != nil {
		logFile.Close()
		return nil, nil, fmt.Errorf("start MinIO: %w\n%s", err, logTail(logPath, 15))
	}
	progress("MinIO up at %s", mini.Endpoint)
	return mini, func() { logFile.Close() }, nil
}

func stopServer(mini *devstack.MinIO) {
	if err := mini.Stop(); err != nil {
		progress("stop MinIO: %v", err)
	}
}

// runWorkload runs every tool on w, run by run, so drift over time is spread
// across the tools instead of landing on the last one.
func (b *bench) runWorkload(ctx context.Context, w workload) section {
	results := make([]result, len(b.tools))
	for i, t := range b.tools {
		results[i] = result{tool: t.name(), status: statusNotRun, reason: "interrupted before it ran"}
		if err := checkBinary(t.bin()); err != nil {
			results[i].status, results[i].reason = statusMissing, err.Error()+"; "+installHint(t.name())
			progress("%s: %s MISSING: %s", w.id, t.name(), results[i].reason)
		}
	}
	for run := 1; run <= b.opts.runs; run++ {
		// Every other run goes in reverse order, so no tool always runs
		// right after the same other one (and pays for its write-back).
		order := make([]int, len(b.tools))
		for i := range order {
			order[i] = i
			if run%2 == 0 {
				order[i] = len(b.tools) - 1 - i
			}
		}
		for _, i := range order {
			t := b.tools[i]
			if ctx.Err() == nil && (results[i].status == statusNotRun || results[i].status == statusOK) {
				results[i] = b.record(ctx, results[i], w, t, run)
			}
		}
	}
	return section{w: w, results: results}
}

// record adds run number run of t to r.
func (b *bench) record(ctx context.Context, r result, w workload, t tool, run int) result {
	m, err := b.runOnce(ctx, w, t, run)
	switch {
	case err != nil && ctx.Err() != nil:
		r.status, r.reason, r.runs = statusInterrupted, "Ctrl-C during its run", nil
	case err != nil:
		r.status, r.reason, r.runs = statusFailed, err.Error(), nil
	default:
		r.status, r.reason = statusOK, ""
		r.runs = append(r.runs, m)
	}
	return r
}

// runOnce uploads w with t into a fresh bucket, checks that everything
// arrived, and removes the bucket again.
func (b *bench) runOnce(ctx context.Context, w workload, t tool, run int) (measurement, error) {
	bucket := fmt.Sprintf("bench-%s-%s-%d", t.name(), w.id, run)
	scratch := filepath.Join(b.work, "runs", bucket)
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return measurement{}, fmt.Errorf("create scratch dir: %w", err)
	}
	defer b.cleanup(ctx, bucket, scratch)
	if err := b.mini.CreateBucket(ctx, bucket); err != nil {
		return measurement{}, fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	u := upload{server: b.srv, src: w.path, isDir: w.isDir, bucket: bucket,
		prefix: "bench/" + t.name() + "/", scratch: scratch}
	inv, err := t.prepare(ctx, u)
	if err != nil {
		return measurement{}, fmt.Errorf("prepare: %w", err)
	}
	progress("%s run %d/%d %s: %s", w.id, run, b.opts.runs, t.name(), strings.Join(inv.args, " "))
	logPath := filepath.Join(scratch, "output.log")
	b.waitQuiet(ctx)
	probe := b.startProbe()
	m, err := runTimed(ctx, inv, logPath, b.opts.timeout)
	probe.finish(&m)
	if err == nil {
		if verr := verifyUpload(ctx, b.client, bucket, w); verr != nil {
			err = fmt.Errorf("exited 0, but %w", verr)
		}
	}
	if err != nil {
		return m, explain(err, logPath)
	}
	if t.name() == "hoist" {
		m.trace = readTrace(filepath.Join(scratch, "hoist-data", "hoist.log"))
	}
	progress("  wall %.2f s, CPU %.2f s, peak RSS %.1f MiB, %.1f %s; MinIO CPU %.2f s, other CPU %.2f s",
		m.wall.Seconds(), m.cpu.Seconds(), float64(m.maxRSS)/miB, w.throughput(m.wall.Seconds()), w.throughputUnit(),
		m.serverCPU.Seconds(), m.otherCPU.Seconds())
	return m, nil
}

// explain prints the end of a failed run's output and returns err with its
// last line, which usually names the cause.
func explain(err error, logPath string) error {
	tail := logTail(logPath, 15)
	progress("  FAILED: %v\n  last output:\n%s", err, indent(tail, "    "))
	lines := strings.Split(strings.TrimSpace(tail), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
		return fmt.Errorf("%w (last output: %s)", err, last)
	}
	return err
}

// cleanup empties and deletes the run's bucket and flushes MinIO's writes to
// disk, so the next tool does not pay for this one's write-back.
func (b *bench) cleanup(ctx context.Context, bucket, scratch string) {
	defer os.RemoveAll(scratch)
	if ctx.Err() != nil {
		return // interrupted: MinIO and its data go away as a whole
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := dropBucket(ctx, b.client, bucket); err != nil {
		progress("  clean-up: %v", err)
	}
	syscall.Sync()
}

// checkBinary reports a missing or non-executable tool.
func checkBinary(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s not found", path)
	case err != nil:
		return err
	case fi.IsDir() || fi.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s is not executable", path)
	}
	return nil
}

func installHint(name string) string {
	switch name {
	case "hoist":
		return "build it with `make build` (go build -o bin/hoist .)"
	case "mc":
		return "`make bench` builds it into .cache/bin/mc"
	case "aws":
		return "apt-get install awscli"
	case "rclone":
		return "apt-get install rclone"
	}
	return ""
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
