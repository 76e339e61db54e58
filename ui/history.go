package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// maxSummaryJobs is how many uploads "Copy summary" lists one by one.
const maxSummaryJobs = 200

// histRow is one finished upload as the History tab shows it.
type histRow struct {
	rec       uploader.JobRecord
	name      string
	status    string
	tone      tone
	meta      string // "1.2 GB · 2 Mar 2026 14:05"
	dest      string // "To uploads/…"
	retryable bool
}

func newHistRow(rec uploader.JobRecord, dest func(string) string) histRow {
	js := uploader.JobSnapshot{JobRecord: rec}
	h := histRow{rec: rec, name: rec.Rel}
	if h.name == "" {
		h.name = js.Name()
	}
	h.status, h.tone = statusText(&js, time.Time{})
	if rec.State == uploader.StateFailed || rec.State == uploader.StateSkipped {
		if rec.Reason != "" {
			h.status += ": " + jobReason(&rec)
		}
	}
	h.meta = join(formatBytes(rec.Size), formatDate(rec.Finished))
	h.dest = lang.L("To {{.Destination}}", map[string]any{"Destination": dest(rec.Key)})
	h.retryable = rec.State == uploader.StateFailed || rec.State == uploader.StateCancelled || rec.State == uploader.StateSkipped
	return h
}

// doneBytes is what a finished job had sent: all of it when done.
func doneBytes(rec uploader.JobRecord) int64 {
	if rec.State == uploader.StateDone || rec.State == uploader.StateSkipped {
		return rec.Size
	}
	return 0
}

// historyView is the History tab: finished uploads, newest first.
type historyView struct {
	w          *MainWindow
	root       fyne.CanvasObject
	onlyFailed *widget.Check
	list       *widget.List
	empty      *widget.Label
	count      *widget.Label
	retrySel   *keyButton
	retryAll   *keyButton
	copySum    *keyButton
	// copyReceipt copies the receipt of the selected (else the newest)
	// upload's batch; copyReport the report for support.
	copyReceipt, copyReport *keyButton

	rows     []histRow
	selected map[uint64]bool
	loading  int
}

func newHistoryView(w *MainWindow) *historyView {
	h := &historyView{w: w, selected: map[uint64]bool{}}
	h.onlyFailed = widget.NewCheck(lang.L("Only failed"), func(bool) { h.load() })
	refresh := newButton(lang.L("Refresh"), theme.ViewRefreshIcon(), h.load)
	h.retrySel = newButton(lang.L("Retry selected"), theme.ViewRefreshIcon(), h.retrySelected)
	h.retryAll = newButton(lang.L("Retry all failed"), theme.ViewRefreshIcon(), h.retryAllFailed)
	h.copySum = newButton(lang.L("Copy summary"), theme.ContentCopyIcon(), h.copySummary)
	h.copyReceipt = newButton(lang.L("Copy receipt"), theme.ContentCopyIcon(), h.copyReceiptText)
	h.copyReport = newButton(lang.L("Copy report for support"), theme.ContentCopyIcon(), h.copyReportText)
	if w.d.Support == nil {
		h.copyReceipt.Hide()
		h.copyReport.Hide()
	}
	h.count = widget.NewLabel("")
	h.list = widget.NewList(func() int { return len(h.rows) }, h.newItem, h.updateItem)
	h.empty = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	h.empty.Wrapping = fyne.TextWrapWord
	// Two lines, so that nothing overlaps at 1024 px: what is listed and
	// what to do with it, then what to copy.
	bar := container.NewVBox(
		border(nil, nil, container.NewHBox(h.onlyFailed, refresh, h.count), container.NewHBox(h.retrySel, h.retryAll)),
		container.NewHBox(layout.NewSpacer(), h.copySum, h.copyReceipt, h.copyReport))
	h.root = border(container.NewVBox(bar, widget.NewSeparator()), nil, nil, nil,
		container.NewStack(h.list, container.NewCenter(container.New(&fixedWidth{width: 520}, h.empty))))
	h.setRows(nil)
	return h
}

// histItem is the widgets of one history row.
type histItem struct {
	widget.BaseWidget
	check   *widget.Check
	name    *widget.Label
	status  *widget.Label
	meta    *widget.Label
	dest    *widget.Label
	content fyne.CanvasObject
	row     histRow
}

func (i *histItem) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(i.content) }

func (h *historyView) newItem() fyne.CanvasObject {
	i := &histItem{}
	i.check = widget.NewCheck("", func(on bool) { h.selected[i.row.rec.ID] = on; h.updateButtons() })
	i.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	i.name.Truncation = fyne.TextTruncateEllipsis
	i.status = widget.NewLabel("")
	i.status.Truncation = fyne.TextTruncateEllipsis
	i.meta = widget.NewLabel("")
	i.dest = widget.NewLabel("")
	i.dest.Truncation = fyne.TextTruncateEllipsis
	i.dest.SizeName = theme.SizeNameCaptionText
	details := newButton(lang.L("Details"), theme.InfoIcon(), func() {
		h.w.showDetails(uploader.JobSnapshot{JobRecord: i.row.rec, Done: doneBytes(i.row.rec)})
	})
	lines := container.New(layout.NewCustomPaddedVBoxLayout(-theme.Padding()), border(nil, nil, nil, i.meta, i.name), i.status, i.dest)
	i.content = border(nil, nil, container.NewCenter(i.check), container.NewCenter(details), lines)
	i.ExtendBaseWidget(i)
	return i
}

func (h *historyView) updateItem(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(h.rows) {
		return
	}
	r, i := h.rows[id], o.(*histItem)
	i.row = r
	setText(i.name, r.name)
	setText(i.meta, r.meta)
	setText(i.dest, r.dest)
	imp := toneImportance(r.tone)
	if i.status.Text != r.status || i.status.Importance != imp {
		i.status.Text, i.status.Importance = r.status, imp
		i.status.Refresh()
	}
	i.check.Checked = h.selected[r.rec.ID]
	if r.retryable {
		i.check.Enable()
	} else {
		i.check.Checked = false
		i.check.Disable()
	}
	i.check.Refresh()
}

// load reads the history off the UI goroutine and shows it.
func (h *historyView) load() {
	failedOnly := h.onlyFailed.Checked
	h.loading++
	if len(h.rows) == 0 {
		h.empty.SetText(lang.L("Loading…"))
		h.empty.Show()
	}
	h.w.command(func() {
		recs, err := h.w.d.Uploads.History(failedOnly)
		rows := make([]histRow, len(recs))
		for i, r := range recs {
			rows[i] = newHistRow(r, h.w.destination)
		}
		fyne.Do(func() {
			h.loading--
			if err != nil {
				h.setRows(nil)
				h.empty.Importance = widget.DangerImportance
				h.empty.SetText(lang.L("Hoist couldn't read the history: {{.Error}}. Try Refresh; if it keeps failing, restart Hoist.",
					map[string]any{"Error": err.Error()}))
				return
			}
			if h.loading == 0 {
				h.setRows(rows)
			}
		})
	})
}

// setRows shows rows, keeping the selection of those still listed.
func (h *historyView) setRows(rows []histRow) {
	h.rows = rows
	keep := map[uint64]bool{}
	for _, r := range rows {
		if h.selected[r.rec.ID] && r.retryable {
			keep[r.rec.ID] = true
		}
	}
	h.selected = keep
	showIf(h.empty, len(rows) == 0)
	switch {
	case len(rows) > 0:
		h.empty.SetText("")
	case h.onlyFailed.Checked:
		h.empty.SetText(lang.L("No failed uploads."))
	default:
		h.empty.SetText(lang.L("No finished uploads yet."))
	}
	h.count.SetText(lang.N("{{.Count}} uploads", len(rows), map[string]any{"Count": len(rows)}))
	h.list.Refresh()
	h.updateButtons()
}

func (h *historyView) updateButtons() {
	enableIf(h.retrySel, len(h.selectedIDs()) > 0)
	failed := false
	for _, r := range h.rows {
		if r.rec.State == uploader.StateFailed {
			failed = true
			break
		}
	}
	enableIf(h.retryAll, failed)
	enableIf(h.copySum, len(h.rows) > 0)
	enableIf(h.copyReceipt, len(h.rows) > 0)
}

// selectedIDs lists the ticked rows, in list order.
func (h *historyView) selectedIDs() []uint64 {
	var ids []uint64
	for _, r := range h.rows {
		if h.selected[r.rec.ID] {
			ids = append(ids, r.rec.ID)
		}
	}
	return ids
}

func (h *historyView) retrySelected() {
	ids := h.selectedIDs()
	h.retry(func() error { return h.w.d.Uploads.Retry(ids...) })
}

func (h *historyView) retryAllFailed() {
	h.retry(func() error { _, err := h.w.d.Uploads.RetryFailed(); return err })
}

// retry runs fn, then shows the queue (where the uploads now are) and
// reloads the history.
func (h *historyView) retry(fn func() error) {
	h.selected = map[uint64]bool{}
	h.w.command(func() {
		err := fn()
		h.w.reportRetry(err)
		fyne.Do(func() {
			h.w.uploads.tabs.Select(h.w.uploads.queueTab)
		})
	})
}

// copySummary puts a plain-text summary of the listed uploads on the
// clipboard, for a support ticket.
func (h *historyView) copySummary() {
	w := h.w
	text := historySummary(summaryHeader{
		Version: w.version(), Organisation: w.d.Organisation, Who: w.identity,
		OnlyFailed: h.onlyFailed.Checked, At: w.now(),
	}, h.rows)
	w.d.App.Clipboard().SetContent(text)
	showCopied(h.copySum, h.w.later)
}

// summaryHeader is the context at the top of a summary.
type summaryHeader struct {
	Version, Organisation string
	Who                   Identity
	OnlyFailed            bool
	At                    time.Time
}

// historySummary writes the support summary of rows.
func historySummary(hd summaryHeader, rows []histRow) string {
	var b strings.Builder
	fmt.Fprintln(&b, lang.L("Hoist {{.Version}} upload summary for {{.Organisation}}",
		map[string]any{"Version": hd.Version, "Organisation": hd.Organisation}))
	fmt.Fprintln(&b, lang.L("Made {{.Time}}", map[string]any{"Time": hd.At.Format(dateLayout() + " MST")}))
	if hd.Who != (Identity{}) {
		fmt.Fprintf(&b, "%s\n", identityText(hd.Who))
	}
	counts := map[uploader.State]int{}
	for _, r := range rows {
		counts[r.rec.State]++
	}
	data := map[string]any{"Count": len(rows), "Done": counts[uploader.StateDone], "Failed": counts[uploader.StateFailed],
		"Cancelled": counts[uploader.StateCancelled], "Skipped": counts[uploader.StateSkipped]}
	if hd.OnlyFailed {
		fmt.Fprintln(&b, lang.N("{{.Count}} failed uploads: {{.Done}} done, {{.Failed}} failed, {{.Cancelled}} cancelled, {{.Skipped}} skipped", len(rows), data))
	} else {
		fmt.Fprintln(&b, lang.N("{{.Count}} finished uploads: {{.Done}} done, {{.Failed}} failed, {{.Cancelled}} cancelled, {{.Skipped}} skipped", len(rows), data))
	}
	for i, r := range rows {
		if i == maxSummaryJobs {
			fmt.Fprintf(&b, "\n%s\n", lang.N("…and {{.Count}} more, not listed.", len(rows)-i, map[string]any{"Count": len(rows) - i}))
			break
		}
		rec := r.rec
		fmt.Fprintf(&b, "\n%s  %s  %s  %s\n", strings.ToUpper(string(rec.State)), r.name,
			formatBytes(rec.Size), formatDate(rec.Finished))
		fmt.Fprintf(&b, "  %s\n", lang.N("Upload ID {{.ID}}, {{.Count}} attempts", rec.Attempts, map[string]any{"ID": rec.ID, "Count": rec.Attempts}))
		fmt.Fprintf(&b, "  %s\n", lang.L("From {{.Path}}", map[string]any{"Path": rec.Source}))
		fmt.Fprintf(&b, "  %s\n", lang.L("To {{.Destination}}", map[string]any{"Destination": rec.Key}))
		if rec.Reason != "" {
			fmt.Fprintf(&b, "  %s: %s\n", lang.L("Reason"), rec.Reason)
		}
		if rec.Detail != "" {
			fmt.Fprintf(&b, "  %s: %s\n", lang.L("Detail"), rec.Detail)
		}
	}
	return b.String()
}

// copyReceiptText puts the readable receipt of the batch of the first
// ticked upload (else of the newest) on the clipboard.
func (h *historyView) copyReceiptText() {
	var batch string
	for _, r := range h.rows {
		if h.selected[r.rec.ID] && r.rec.Batch != "" {
			batch = r.rec.Batch
			break
		}
	}
	if batch == "" {
		for _, r := range h.rows {
			if r.rec.Batch != "" {
				batch = r.rec.Batch
				break
			}
		}
	}
	w := h.w
	if batch == "" {
		showProblem(w.win, lang.L("No receipt"), lang.L("These uploads were sent before Hoist kept receipts."))
		return
	}
	w.spawn(func() {
		text, err := w.d.Support.ReceiptText(batch)
		fyne.Do(func() {
			if err != nil {
				showProblem(w.win, lang.L("No receipt"), err.Error())
				return
			}
			w.d.App.Clipboard().SetContent(text)
			showReceipt(w.win, text)
		})
	})
}

// copyReportText puts the report for support on the clipboard.
func (h *historyView) copyReportText() {
	w := h.w
	w.spawn(func() {
		text, err := w.d.Support.Report()
		fyne.Do(func() {
			if err != nil {
				showProblem(w.win, lang.L("Couldn't make the report"), err.Error())
				return
			}
			w.d.App.Clipboard().SetContent(text)
		})
	})
}

// showReceipt shows a batch's readable receipt, which is already on the
// clipboard: History shows what the organisation received, not only copies
// it.
func showReceipt(win fyne.Window, text string) {
	body := widget.NewLabel(text)
	body.Selectable = true
	body.Wrapping = fyne.TextWrapWord
	note := widget.NewLabelWithStyle(lang.L("Copied. Paste it into an e-mail to show what arrived."), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	scroll := container.NewVScroll(body)
	scroll.SetMinSize(fyne.NewSize(620, 360))
	newDialog(lang.L("Receipt"), lang.L("Close"), border(note, nil, nil, nil, scroll), win).Show()
}
