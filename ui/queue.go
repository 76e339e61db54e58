package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
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

// rowButtonWidth fits the widest row button with its icon ("Resume" in
// English; the words differ in length from language to language). "Upload
// again" may take two slots: its row has no Cancel.
func rowButtonWidth() float32 {
	var w float32
	for _, b := range []*keyButton{
		newButton(lang.L("Pause"), theme.MediaPauseIcon(), nil),
		newButton(lang.L("Resume"), theme.MediaPlayIcon(), nil),
		newButton(lang.L("Retry"), theme.ViewRefreshIcon(), nil),
		newButton(lang.L("Cancel"), theme.CancelIcon(), nil),
		newButton(lang.L("Details"), theme.InfoIcon(), nil),
	} {
		w = max(w, b.MinSize().Width)
	}
	return w
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
	r.tryNow = newButton(lang.L("Try now"), theme.ViewRefreshIcon(), r.tapTryNow)
	r.tryNow.Importance = widget.LowImportance
	r.tryNow.Hide()
	r.primary = newButton(lang.L("Pause"), theme.MediaPauseIcon(), r.tapPrimary)
	r.cancel = newButton(lang.L("Cancel"), theme.CancelIcon(), r.tapCancel)
	r.details = newButton(lang.L("Details"), theme.InfoIcon(), r.tapDetails)
	buttons := container.New(&slots{width: buttonWidth}, r.primary, r.cancel, r.details)
	gutter := canvas.NewRectangle(color.Transparent) // keeps the buttons clear of the scroll bar
	gutter.SetMinSize(fyne.NewSize(theme.Padding()*2, 0))
	lines := container.New(layout.NewCustomPaddedVBoxLayout(-theme.Padding()),
		border(nil, nil, nil, r.size, r.name),
		border(nil, nil, container.New(&topSlot{width: 160, height: r.status.MinSize().Height}, r.bar), r.tryNow, r.status),
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
	// Beside Try now, a waiting retry's status (which side fails, when the
	// next try is) has little room: it wraps onto a second line, which its
	// row has (uploadsScreen.fitRows), rather than lose its end.
	wrap, trunc := fyne.TextWrapOff, fyne.TextTruncateEllipsis
	if v.tryNow {
		wrap, trunc = fyne.TextWrapWord, fyne.TextTruncateOff
	}
	if r.status.Text != v.status || r.status.Importance != imp || r.status.Wrapping != wrap {
		r.status.Text, r.status.Importance = v.status, imp
		r.status.Wrapping, r.status.Truncation = wrap, trunc
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
		text, icon = lang.L("Pause"), theme.MediaPauseIcon()
	case actResume:
		text, icon = lang.L("Resume"), theme.MediaPlayIcon()
	case actRetry:
		text, icon = lang.L("Retry"), theme.ViewRefreshIcon()
	case actAgain:
		text, icon = lang.L("Upload again"), theme.UploadIcon()
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
	confirm(w.win, lang.L("Cancel this upload?"), lang.L("Cancel upload"), lang.L("Keep uploading"),
		wrapped(lang.L("What was sent of {{.Name}} so far ({{.Size}}) will be discarded.",
			map[string]any{"Name": js.Name(), "Size": formatBytes(js.Done)})),
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
		showProblem(w.win, lang.L("Couldn't retry"), lang.L("Hoist couldn't send this again: {{.Error}}",
			map[string]any{"Error": err.Error()})+"\n\n"+lang.L("Try again in a moment. If it keeps happening, restart Hoist."))
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
