package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
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
			lang.N("{{.Count}} uploads failed", failed, map[string]any{"Count": failed}),
			lang.L("Open Hoist to see why, and press Retry when you're ready.")))
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
		return fyne.NewNotification(lang.L("Uploads finished, with problems"),
			join(lang.N("{{.Count}} files sent", t.FilesDone, map[string]any{"Count": t.FilesDone}),
				lang.N("{{.Count}} failed", t.FilesFailed, map[string]any{"Count": t.FilesFailed}))+
				". "+lang.L("Open Hoist to retry."))
	case next.unfinished > 0:
		return nil // the rest is paused: not finished
	case t.FilesDone > 0:
		return fyne.NewNotification(lang.L("Uploads finished"),
			lang.N("{{.Count}} files sent ({{.Size}}).", t.FilesDone, map[string]any{"Count": t.FilesDone, "Size": formatBytes(t.Bytes)}))
	}
	return nil
}
