package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// pauseAll pauses every unfinished upload.
func (w *MainWindow) pauseAll() {
	w.command(w.d.Uploads.PauseAll)
}

// resumeAll resumes every paused upload.
func (w *MainWindow) resumeAll() {
	w.command(w.d.Uploads.ResumeAll)
}

// cancelAll cancels every unfinished upload, after asking.
func (w *MainWindow) cancelAll() {
	confirm(w.win, lang.L("Cancel all uploads?"), lang.L("Cancel all"), lang.L("Keep uploading"),
		wrapped(lang.L("Files that are not finished will stop, and what was sent of them is discarded. Files already sent stay where they are.")),
		func(ok bool) {
			if ok {
				w.command(w.d.Uploads.CancelAll)
			}
		}).Show()
}

// retryFailed sends every failed upload again.
func (w *MainWindow) retryFailed() {
	w.command(func() {
		ids, err := w.d.Uploads.RetryFailed()
		if err == nil && len(ids) == 0 {
			fyne.Do(func() {
				showProblem(w.win, lang.L("Nothing to retry"), lang.L("There are no failed uploads to send again."))
			})
			return
		}
		w.reportRetry(err)
	})
}
