package ui

import (
	"fyne.io/fyne/v2"
)

// notify sends desktop notifications, if the user wants them, when a batch
// ends (nothing left queued or running) and when uploads fail (at most one
// such notice per failureNoticeGap).
func (w *MainWindow) notify(prev, next queueView) {
	if !w.settings.Notifications {
		return
	}
	if n := batchNotice(prev, next); n != nil {
		w.d.App.SendNotification(n)
		return
	}
	if next.totals.FilesFailed > prev.totals.FilesFailed && w.now().Sub(w.lastFailAt) >= failureNoticeGap {
		w.lastFailAt = w.now()
		failed := next.totals.FilesFailed - prev.totals.FilesFailed
		w.d.App.SendNotification(fyne.NewNotification(
			plural(failed, "upload failed", "uploads failed"),
			"Open Hoist to see why, and press Retry when you're ready."))
	}
}

// batchNotice returns the notice for a batch that just ended, or nil.
func batchNotice(prev, next queueView) *fyne.Notification {
	if prev.active == 0 || next.active > 0 {
		return nil
	}
	t := next.totals
	switch {
	case t.FilesFailed > 0:
		return fyne.NewNotification("Uploads finished, with problems",
			join(plural(t.FilesDone, "file", "files")+" sent", plural(t.FilesFailed, "failed", "failed"))+
				". Open Hoist to retry.")
	case next.unfinished > 0:
		return nil // the rest is paused: not finished
	case t.FilesDone > 0:
		return fyne.NewNotification("Uploads finished",
			plural(t.FilesDone, "file", "files")+" sent ("+formatBytes(t.Bytes)+").")
	}
	return nil
}
