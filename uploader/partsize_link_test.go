package uploader

import (
	"testing"
	"time"
)

// linkPartSizes runs the controller on link for steps intervals, keeping
// the engine's estimate of the link as adapt does (streamRate of each
// sample, its latency), and returns, for every interval, the part size a
// new upload of fileSize would get then, and what one stream of the link
// really carries at that interval's limit (the burst of new requests left
// out).
func linkPartSizes(t *testing.T, link simLink, steps int, fileSize int64) (sizes []int64, rates []float64) {
	t.Helper()
	c := NewController(1, MaxConnections)
	var stats linkStats
	link.last = c.Limit()
	for range steps {
		n := c.Limit()
		s := link.sample(n)
		limit := c.Observe(s)
		if s.Bytes > 0 {
			stats.setEstimate(streamRate(s, limit), s.Latency)
		}
		link.last = n
		perStream, latency := stats.estimate()
		size, err := partSizeFor(fileSize, perStream, latency)
		if err != nil {
			t.Fatal(err)
		}
		steady := link
		steady.last = -1
		sizes = append(sizes, size)
		rates = append(rates, float64(steady.sample(n).Bytes)/float64(n))
	}
	return sizes, rates
}

// On links from slow to loopback, a new upload's parts each take at most
// about partTime on one stream once the link is measured (a pause or a
// drop then loses little), unless S3's rules forbid smaller parts: never
// under 5 MiB, never more than 10,000 parts. A fast link keeps the large
// parts that a big file gets by its size.
func TestPartSizeFollowsTheMeasuredLink(t *testing.T) {
	cases := []struct {
		name     string
		link     simLink
		file     int64
		min, max int64 // the part size once settled
	}{
		{"ADSL uplink: 8 Mbit/s, 20 GiB", simLink{rate: 8 * mbit, rtt: 60 * time.Millisecond}, 20 * GiB, MinPartSize, MinPartSize},
		{"office share: 100 Mbit/s, 10 Mbit/s a stream, 20 GiB", simLink{rate: 100 * mbit, perStream: 10 * mbit, rtt: 80 * time.Millisecond}, 20 * GiB, 10 * MiB, 20 * MiB},
		{"bufferbloat: 20 Mbit/s, 1 s queue, 2 GiB", simLink{rate: 20 * mbit, perStream: 20 * mbit, rtt: time.Second}, 2 * GiB, MinPartSize, 16 * MiB},
		{"1 Mbit/s, 1 TiB: 10,000 parts at most", simLink{rate: 1 * mbit, rtt: 50 * time.Millisecond}, TiB, 105 * MiB, 105 * MiB},
		{"loopback: 16 Gbit/s, 8 GiB", simLink{rate: 16000 * mbit, rtt: time.Millisecond}, 8 * GiB, 64 * MiB, 64 * MiB},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sizes, rates := linkPartSizes(t, tc.link, 60, tc.file)
			for i := 10; i < len(sizes); i++ {
				size, rate := sizes[i], rates[i]
				if size < tc.min || size > tc.max {
					t.Fatalf("interval %d: part size %d MiB, want %d–%d MiB (sizes %v)", i, size/MiB, tc.min/MiB, tc.max/MiB, sizes)
				}
				if PartCount(tc.file, size) > MaxParts {
					t.Fatalf("interval %d: %d parts", i, PartCount(tc.file, size))
				}
				floor := max(MinPartSize, ceilDiv(ceilDiv(tc.file, MaxParts), MiB)*MiB)
				if secs := float64(size) / rate; size > floor && secs > 20 {
					t.Fatalf("interval %d: a %d MiB part takes %.0f s on a stream of %.0f KiB/s", i, size/MiB, secs, rate/1024)
				}
			}
		})
	}
}

// Before the link is measured the part size depends on the file alone,
// as it did before the engine measured links.
func TestPartSizeUnmeasured(t *testing.T) {
	for _, tc := range []struct{ file, want int64 }{
		{100 * MiB, MinPartSize},
		{2 * GiB, 16 * MiB},
		{64 * GiB, 64 * MiB},
		{4 * TiB, 420 * MiB}, // 10,000 parts
	} {
		if got, err := partSizeFor(tc.file, 0, 0); err != nil || got != tc.want {
			t.Errorf("partSizeFor(%d MiB, unmeasured) = %d MiB, %v; want %d MiB", tc.file/MiB, got/MiB, err, tc.want/MiB)
		}
	}
	// Measured slow, a 2 GiB file gets the smallest parts S3 allows.
	if got, _ := partSizeFor(2*GiB, 64<<10, 50*time.Millisecond); got != MinPartSize {
		t.Errorf("2 GiB at 64 KiB/s a stream: %d MiB parts, want 5", got/MiB)
	}
	// Measured fast, the latency rule may raise it, within partTime.
	if got, _ := partSizeFor(2*GiB, float64(4*MiB), time.Second); got != 60*MiB {
		t.Errorf("2 GiB at 4 MiB/s a stream, 1 s latency: %d MiB parts, want 60 (15 s)", got/MiB)
	}
}
