package ui

import (
	"runtime"
	"testing"

	"fyne.io/fyne/v2/test"

	"hoist/uploader"
)

// BenchmarkQueue10k measures one tick after 10,000 new jobs were queued:
// snapshot → row view models → list refreshed → the visible rows updated
// (Fyne's test driver lays out and refreshes widgets as the real one does,
// without painting). It reports the heap in use with the jobs queued
// (heap-MB, snapshot included) and the part the window's view models add
// (view-MB).
//
//	go test ./ui -run '^$' -bench Queue10k -benchmem
func BenchmarkQueue10k(b *testing.B) {
	w, fake := benchWindow(b)
	before := heapInUse()
	fake.setSnapshot(bigSnapshot(10_000))
	w.poll()
	after := heapInUse()
	for b.Loop() {
		b.StopTimer()
		fake.setSnapshot(bigSnapshot(10_000))
		w.pollRows = nil // every job is new to the window
		b.StartTimer()
		w.poll()
		if len(queueRows(w)) == 0 {
			b.Fatal("no rows drawn")
		}
	}
	b.ReportMetric(float64(after)/1e6, "heap-MB")
	b.ReportMetric(float64(after-before)/1e6, "view-MB")
}

// BenchmarkTick10k measures a tick over 10,000 jobs of which 4 move: the
// steady cost of following a long queue.
func BenchmarkTick10k(b *testing.B) {
	w, fake := benchWindow(b)
	snap := bigSnapshot(10_000)
	fake.setSnapshot(snap)
	w.poll()
	for b.Loop() {
		b.StopTimer()
		snap.Jobs = append([]uploader.JobSnapshot(nil), snap.Jobs...) // snapshots never change: make a new one
		for i := range 4 {
			snap.Jobs[i].Done++
		}
		fake.setSnapshot(snap)
		b.StartTimer()
		w.poll()
	}
}

// BenchmarkQueue10kPaint is BenchmarkQueue10k plus painting the window
// with Fyne's software painter: the time until the first rows are pixels.
func BenchmarkQueue10kPaint(b *testing.B) {
	w, fake := benchWindow(b)
	c := w.win.Canvas()
	for b.Loop() {
		b.StopTimer()
		fake.setSnapshot(bigSnapshot(10_000))
		w.pollRows = nil
		b.StartTimer()
		w.poll()
		if img := c.Capture(); img.Bounds().Empty() {
			b.Fatal("nothing painted")
		}
	}
}

func benchWindow(b *testing.B) (*MainWindow, *fakeUploads) {
	b.Helper()
	a := test.NewTempApp(b)
	fake := newFakeUploads()
	w := newMainWindow(Deps{App: a, Uploads: fake, Version: "bench"}, func(f func()) { f() })
	w.win.Resize(w.win.Canvas().Size().Max(w.win.Content().MinSize()))
	b.Cleanup(w.Close)
	return w, fake
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
