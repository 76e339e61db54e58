package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// workload is one set of files every tool uploads. The files are generated
// once and reused by every tool and run.
type workload struct {
	id    string // short, used in bucket names: "big", "small"
	title string // table heading
	path  string // a file (big) or a directory (small)
	isDir bool
	count int   // objects expected in the bucket
	bytes int64 // total bytes expected in the bucket
}

// throughput is the workload's headline rate for one run: MiB/s for the big
// file, files/s for the many small ones.
func (w workload) throughput(wallSec float64) float64 {
	if wallSec <= 0 {
		return 0
	}
	if w.isDir {
		return float64(w.count) / wallSec
	}
	return float64(w.bytes) / miB / wallSec
}

func (w workload) throughputUnit() string {
	if w.isDir {
		return "files/s"
	}
	return "MiB/s"
}

// dataStream is incompressible, reproducible content: ChaCha8 keyed by a fixed
// seed runs at several GB/s, so generating 2 GiB is bound by the disk.
func dataStream(label byte) io.Reader {
	var seed [32]byte
	copy(seed[:], "hoist-bench-seed-")
	seed[31] = label
	return rand.NewChaCha8(seed)
}

// makeBigFile writes size pseudo-random bytes to dir/big.bin.
func makeBigFile(ctx context.Context, dir string, size int64) (workload, error) {
	path := filepath.Join(dir, "big.bin")
	if err := writeRandomFile(ctx, path, dataStream('b'), size); err != nil {
		return workload{}, err
	}
	return workload{
		id: "big", path: path, count: 1, bytes: size,
		title: fmt.Sprintf("(a) one %s file", formatSize(size)),
	}, nil
}

// makeSmallFiles writes count files of size bytes into dir/small/.
func makeSmallFiles(ctx context.Context, dir string, count int, size int64) (workload, error) {
	path := filepath.Join(dir, "small")
	if err := os.Mkdir(path, 0o755); err != nil {
		return workload{}, fmt.Errorf("create small-file folder: %w", err)
	}
	src := dataStream('s')
	for i := range count {
		name := filepath.Join(path, fmt.Sprintf("f%06d.bin", i))
		if err := writeRandomFile(ctx, name, src, size); err != nil {
			return workload{}, err
		}
	}
	return workload{
		id: "small", path: path, isDir: true, count: count, bytes: int64(count) * size,
		title: fmt.Sprintf("(b) %d files of %s in one folder", count, formatSize(size)),
	}, nil
}

// writeRandomFile copies size bytes of src into a new file at path, checking
// ctx between chunks so Ctrl-C stops a long generation promptly.
func writeRandomFile(ctx context.Context, path string, src io.Reader, size int64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 4*miB)
	for left := size; left > 0; {
		if err := ctx.Err(); err != nil {
			f.Close()
			return err
		}
		n := min(left, 64*miB)
		if _, err := io.CopyN(w, src, n); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		left -= n
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}
