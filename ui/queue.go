package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// queueRow is one row of the uploads list. It shows a rowView; its buttons
// act on the job of the view it shows now.
type queueRow struct {
	widget.BaseWidget
	w       *MainWindow
	view    rowView
	name    *widget.Label
	size    *widget.Label
	bar     *widget.ProgressBar
	status  *widget.Label
	reason  *widget.Label
	tryNow  *keyButton
	primary *keyButton
	cancel  *keyButton
	details *keyButton
	content fyne.CanvasObject
}

// rowButtonWidth fits the widest row button ("Resume" with its icon).
func rowButtonWidth() float32 {
	return newButton("Resume", theme.MediaPlayIcon(), nil).MinSize().Width
}

// rowHeight is the height of a row without a reason line; rowReasonHeight
// is what a reason of up to two lines adds.
func rowHeight() float32 {
	return newQueueRow(nil, rowButtonWidth()).MinSize().Height
}

func rowReasonHeight() float32 {
	return 2*fyne.MeasureText("Ag", theme.TextSize(), fyne.TextStyle{}).Height + theme.InnerPadding()
}

func newQueueRow(w *MainWindow, buttonWidth float32) *queueRow {
	r := &queueRow{w: w}
	r.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.size = widget.NewLabel("")
	r.bar = widget.NewProgressBar()
	// No words on the bar: Fyne draws them in one colour over both the
	// filled and the empty part, which cannot read well on both. The
	// percentage is beside the sizes instead.
	r.bar.TextFormatter = func() string { return "" }
	r.status = widget.NewLabel("")
	r.status.Truncation = fyne.TextTruncateEllipsis
	r.reason = widget.NewLabel("")
	r.reason.Wrapping = fyne.TextWrapWord
	r.reason.Hide()
	r.tryNow = newButton("Try now", theme.ViewRefreshIcon(), r.tapTryNow)
	r.tryNow.Importance = widget.LowImportance
	r.tryNow.Hide()
	r.primary = newButton("Pause", theme.MediaPauseIcon(), r.tapPrimary)
	r.cancel = newButton("Cancel", theme.CancelIcon(), r.tapCancel)
	r.details = newButton("Details", theme.InfoIcon(), r.tapDetails)
	buttons := container.New(&slots{width: buttonWidth}, r.primary, r.cancel, r.details)
	gutter := canvas.NewRectangle(color.Transparent) // keeps the buttons clear of the scroll bar
	gutter.SetMinSize(fyne.NewSize(theme.Padding()*2, 0))
	lines := container.New(layout.NewCustomPaddedVBoxLayout(-theme.Padding()),
		border(nil, nil, nil, r.size, r.name),
		border(nil, nil, container.New(&fixedWidth{width: 160}, r.bar), r.tryNow, r.status),
		r.reason,
	)
	r.content = border(nil, nil, nil, container.NewVBox(container.NewHBox(buttons, gutter)), lines)
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer is part of fyne.Widget.
func (r *queueRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.content)
}

// set shows v. Widgets are only touched where the text changed.
func (r *queueRow) set(v rowView) {
	r.view = v
	setText(r.name, v.name)
	size := v.size
	if v.job != nil && !v.job.State.Final() && v.fraction > 0 {
		size += " · " + v.percent
	}
	setText(r.size, size)
	if r.bar.Value != v.fraction {
		r.bar.SetValue(v.fraction)
	}
	imp := toneImportance(v.tone)
	if r.status.Text != v.status || r.status.Importance != imp {
		r.status.Text, r.status.Importance = v.status, imp
		r.status.Refresh()
	}
	if r.reason.Text != v.reason {
		r.reason.SetText(v.reason)
	}
	showIf(r.reason, v.reason != "")
	if r.reason.Importance != imp {
		r.reason.Importance = imp
		r.reason.Refresh()
	}
	showIf(r.tryNow, v.tryNow)
	r.setPrimary(v.primary)
	showIf(r.cancel, v.cancel)
}

func (r *queueRow) tapTryNow() {
	if r.view.job == nil {
		return
	}
	id := r.view.job.ID
	r.w.command(func() { r.w.d.Uploads.TryNow(id) })
}

func (r *queueRow) setPrimary(a action) {
	text, icon := "", fyne.Resource(nil)
	switch a {
	case actPause:
		text, icon = "Pause", theme.MediaPauseIcon()
	case actResume:
		text, icon = "Resume", theme.MediaPlayIcon()
	case actRetry:
		text, icon = "Retry", theme.ViewRefreshIcon()
	case actAgain:
		text, icon = "Upload again", theme.UploadIcon()
	}
	showIf(r.primary, a != actNone)
	if text != "" && r.primary.Text != text {
		r.primary.SetText(text)
		r.primary.SetIcon(icon)
	}
}

func (r *queueRow) tapPrimary() {
	if r.view.job == nil {
		return
	}
	id := r.view.job.ID
	u := r.w.d.Uploads
	switch r.view.primary {
	case actPause:
		r.w.command(func() { u.Pause(id) })
	case actResume:
		r.w.command(func() { u.Resume(id) })
	case actRetry, actAgain:
		r.w.command(func() { r.w.reportRetry(u.Retry(id)) })
	}
}

func (r *queueRow) tapCancel() {
	if r.view.job == nil {
		return
	}
	r.w.confirmCancel(*r.view.job)
}

func (r *queueRow) tapDetails() {
	if r.view.job == nil {
		return
	}
	r.w.showDetails(*r.view.job)
}

// confirmCancel cancels a job, asking first when part of it was sent.
func (w *MainWindow) confirmCancel(js uploader.JobSnapshot) {
	id := js.ID
	cancel := func() { w.command(func() { w.d.Uploads.Cancel(id) }) }
	if js.Done == 0 {
		cancel()
		return
	}
	confirm(w.win, "Cancel this upload?", "Cancel upload", "Keep uploading",
		wrapped("What was sent of "+js.Name()+" so far ("+formatBytes(js.Done)+") will be discarded."),
		func(ok bool) {
			if ok {
				cancel()
			}
		}).Show()
}

// reportRetry shows a retry error, if any (any goroutine).
func (w *MainWindow) reportRetry(err error) {
	if err == nil {
		return
	}
	fyne.Do(func() {
		showProblem(w.win, "Couldn't retry", "Hoist couldn't send this again: "+err.Error()+
			"\n\nTry again in a moment. If it keeps happening, restart Hoist.")
	})
}

func toneImportance(t tone) widget.Importance {
	switch t {
	case toneGood:
		return widget.SuccessImportance
	case toneWarning:
		return widget.WarningImportance
	case toneBad:
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

// setText changes a label's text only when it differs.
func setText(l *widget.Label, s string) {
	if l.Text != s {
		l.SetText(s)
	}
}

// showIf shows or hides o.
func showIf(o fyne.CanvasObject, visible bool) {
	if visible && !o.Visible() {
		o.Show()
	} else if !visible && o.Visible() {
		o.Hide()
	}
}
