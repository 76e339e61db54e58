package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// Support is the support desk and the re-send requests as the window sees
// them. Package app implements it over the organisation's bucket. The
// window calls every method from a goroutine of its own (they may block on
// the network); errors are in plain words.
type Support interface {
	// Resend answers the re-send request id: the files still at the same
	// path with the same size and modification time are queued again, in
	// a batch that answers the request; missing lists the names of the
	// others (the window then offers the file picker and sends what is
	// picked with SendFor).
	Resend(ctx context.Context, id string) (missing []string, err error)
	// SendFor sends paths as (part of) the answer to request id.
	SendFor(ctx context.Context, id string, paths ...string) error
	// ReceiptText is the readable receipt of a batch ("Copy receipt").
	ReceiptText(batch string) (string, error)
	// Report is a plain-text report for support, with no token, key or
	// secret in it ("Copy report for support").
	Report() (string, error)

	// The rest is for staff only (see MainWindow.SetStaff).

	// Batches lists the customers' batches, newest first.
	Batches(ctx context.Context, f SupportFilter) ([]SupportBatch, error)
	// Incomplete lists every customer's unfinished multipart uploads.
	Incomplete(ctx context.Context) ([]SupportUpload, error)
	// AbortOlderThan aborts (or, with dryRun, lists) the unfinished uploads
	// older than days.
	AbortOlderThan(ctx context.Context, days float64, dryRun bool) ([]SupportUpload, error)
	// Link returns a short-lived download link for key and when it ends.
	Link(ctx context.Context, key string) (url string, until time.Time, err error)
	// Download saves key into folder, verifying its checksum, and returns
	// the file's path.
	Download(ctx context.Context, key, folder string) (string, error)
	// Ask writes a re-send request for customer: the given files of batch
	// (its failed ones when files is empty), or message.
	Ask(ctx context.Context, customer, batch string, files []string, message string) error
	// Requests lists customer's re-send requests, newest first, one line
	// each ("2026-12-02 10:15 scan-07.tif: fulfilled 10:20").
	Requests(ctx context.Context, customer string) ([]string, error)
}

// SupportFilter narrows the Support tab's batches.
type SupportFilter struct {
	Customer   string
	Since      time.Time
	FailedOnly bool
}

// SupportBatch is one customer's batch as its receipt tells it.
type SupportBatch struct {
	Customer string
	Receipt  uploader.Receipt
}

// SupportUpload is an unfinished multipart upload.
type SupportUpload struct {
	Customer, Key string
	Age           time.Duration
	Size          int64
}

// ResendRequest is a request to send files again, for the banner.
type ResendRequest struct {
	ID           string
	Organisation string
	Message      string
	Files        []string
}

// requestText is the banner's sentence.
func requestText(r ResendRequest) string {
	org := r.Organisation
	if org == "" {
		org = lang.L("Your organisation")
	}
	what := strings.Join(r.Files, ", ")
	switch {
	case what != "" && r.Message != "":
		what += " (" + r.Message + ")"
	case what == "":
		what = r.Message
	}
	return lang.L("{{.Organisation}} asks you to send again: {{.What}}", map[string]any{"Organisation": org, "What": what})
}

// requestBanner shows the open re-send requests, one at a time.
type requestBanner struct {
	w       *MainWindow
	root    *fyne.Container
	text    *widget.Label
	send    *keyButton
	pending []ResendRequest
	handled map[string]bool // answered from this window: not shown again
}

func newRequestBanner(w *MainWindow) *requestBanner {
	b := &requestBanner{w: w, handled: map[string]bool{}}
	b.text = wrapped("")
	b.send = newButton(lang.L("Send the files again"), theme.UploadIcon(), b.resend)
	b.send.Importance = widget.HighImportance
	b.root = banner(theme.ColorNamePrimary, theme.MailComposeIcon(), b.text, container.NewHBox(b.send))
	b.root.Hide()
	return b
}

// set shows the first request not yet answered (UI goroutine).
func (b *requestBanner) set(rs []ResendRequest) {
	b.pending = b.pending[:0]
	for _, r := range rs {
		if !b.handled[r.ID] {
			b.pending = append(b.pending, r)
		}
	}
	if len(b.pending) == 0 {
		b.root.Hide()
		return
	}
	r := b.pending[0]
	b.text.SetText(requestText(r))
	if len(r.Files) == 0 {
		b.send.SetText(lang.L("Choose the files…"))
	} else {
		b.send.SetText(lang.L("Send the files again"))
	}
	b.send.Enable()
	b.root.Show()
}

// resend answers the request shown: its files again, else the picker.
func (b *requestBanner) resend() {
	if len(b.pending) == 0 {
		return
	}
	r := b.pending[0]
	w := b.w
	b.send.Disable()
	w.spawn(func() {
		missing := r.Files
		var err error
		if len(r.Files) > 0 {
			missing, err = w.d.Support.Resend(w.ctx, r.ID)
		}
		fyne.Do(func() {
			if err != nil {
				b.send.Enable()
				showProblem(w.win, lang.L("Couldn't send the files again"), err.Error())
				return
			}
			if len(missing) == 0 {
				b.done(r.ID)
				return
			}
			b.pick(r, missing)
		})
	})
}

// pick opens the file picker for files that are no longer where they were.
func (b *requestBanner) pick(r ResendRequest, missing []string) {
	w := b.w
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			b.send.Enable()
			return
		}
		path := rc.URI().Path()
		rc.Close()
		w.spawn(func() {
			err := w.d.Support.SendFor(w.ctx, r.ID, path)
			fyne.Do(func() {
				if err != nil {
					b.send.Enable()
					showProblem(w.win, lang.L("Couldn't send the file"), err.Error())
					return
				}
				b.done(r.ID)
			})
		})
	}, w.win)
	title := lang.L("Choose the file to send")
	if len(missing) > 0 {
		title = lang.L("Where is {{.Files}} now?", map[string]any{"Files": strings.Join(missing, ", ")})
	}
	d.SetTitleText(title)
	d.SetConfirmText(lang.L("Send"))
	w.sizeFileDialog(d)
	d.Show()
}

func (b *requestBanner) done(id string) {
	b.handled[id] = true
	b.set(append([]ResendRequest(nil), b.pending...))
	b.w.uploads.tabs.Select(b.w.uploads.queueTab)
	b.w.refreshSoon()
}

// ShowRequests shows the open re-send requests in a banner (or hides it
// when there are none). It may be called from any goroutine.
func (w *MainWindow) ShowRequests(rs []ResendRequest) {
	rs = append([]ResendRequest(nil), rs...)
	fyne.Do(func() { w.uploads.requests.set(rs) })
}

// SetStaff shows or hides the Support tab. It may be called from any
// goroutine; it needs Deps.Support.
func (w *MainWindow) SetStaff(on bool) {
	if w.d.Support == nil {
		return
	}
	fyne.Do(func() { w.uploads.setStaff(on) })
}

// setStaff adds or removes the Support tab (UI goroutine).
func (s *uploadsScreen) setStaff(on bool) {
	if on == (s.supportTab != nil) {
		return
	}
	if !on {
		s.tabs.Remove(s.supportTab)
		s.supportTab, s.support = nil, nil
		return
	}
	s.support = newSupportView(s.w)
	s.supportTab = container.NewTabItemWithIcon(lang.L("Support"), theme.AccountIcon(), s.support.root)
	s.tabs.Append(s.supportTab)
}

// supportSelected loads the Support tab when it is selected.
func (s *uploadsScreen) supportSelected(t *container.TabItem) {
	if t != nil && t == s.supportTab {
		s.support.load()
	}
}

// supportView is the Support tab: the customers' batches, what failed and
// why, links and verified downloads, re-send requests, and unfinished
// uploads.
type supportView struct {
	w        *MainWindow
	root     fyne.CanvasObject
	customer *widget.Entry
	since    *widget.Entry
	failed   *widget.Check
	status   *widget.Label
	list     *widget.List
	detail   *widget.Label
	files    *widget.Select
	message  *widget.Entry
	link     *widget.Entry
	days     *widget.Entry

	batches  []SupportBatch
	selected int
}

func newSupportView(w *MainWindow) *supportView {
	v := &supportView{w: w, selected: -1}
	v.customer = widget.NewEntry()
	v.customer.SetPlaceHolder(lang.L("Customer"))
	v.since = widget.NewEntry()
	v.since.SetPlaceHolder(lang.L("Since YYYY-MM-DD"))
	v.failed = widget.NewCheck(lang.L("Only failed"), func(bool) { v.load() })
	refresh := newButton(lang.L("Refresh"), theme.ViewRefreshIcon(), v.load)
	v.status = widget.NewLabel("")
	v.list = widget.NewList(func() int { return len(v.batches) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(v.batches) {
				o.(*widget.Label).SetText(batchLine(v.batches[id]))
			}
		})
	v.list.OnSelected = func(id widget.ListItemID) { v.show(id) }
	v.detail = widget.NewLabel(lang.L("Select a batch to see its files."))
	v.detail.Wrapping = fyne.TextWrapWord
	v.files = widget.NewSelect(nil, nil)
	v.files.PlaceHolder = lang.L("A file of the batch")
	v.message = widget.NewEntry()
	v.message.SetPlaceHolder(lang.L("Or say what to send (optional)"))
	v.link = widget.NewEntry()
	v.link.SetPlaceHolder(lang.L("Download link"))
	getLink := newButton(lang.L("Get link"), theme.ContentCopyIcon(), v.getLink)
	download := newButton(lang.L("Download…"), theme.DownloadIcon(), v.download)
	ask := newButton(lang.L("Ask to send again"), theme.MailSendIcon(), v.ask)
	v.days = widget.NewEntry()
	v.days.SetText("7")
	incomplete := newButton(lang.L("Unfinished uploads"), theme.ListIcon(), v.showIncomplete)
	abort := newButton(lang.L("Abort older than (days)…"), theme.DeleteIcon(), v.abortOld)
	filters := border(nil, nil, nil, container.NewHBox(v.failed, refresh),
		container.NewGridWithColumns(2, v.customer, v.since))
	actions := container.NewVBox(
		border(nil, nil, nil, container.NewHBox(getLink, download), v.files),
		v.link,
		border(nil, nil, nil, ask, v.message),
		widget.NewSeparator(),
		border(nil, nil, nil, container.NewHBox(container.New(&fixedWidth{width: 60}, v.days), abort, incomplete), v.status),
	)
	detail := border(nil, actions, nil, nil, container.NewVScroll(v.detail))
	split := container.NewVSplit(v.list, detail)
	split.Offset = 0.45
	v.root = border(filters, nil, nil, nil, split)
	return v // loaded when the tab is selected
}

// batchLine is one batch in the list.
func batchLine(b SupportBatch) string {
	r := b.Receipt
	who := r.Sender.Email
	if who == "" {
		who = b.Customer
	}
	s := r.Summary
	line := r.Ended.Local().Format("2006-01-02 15:04") + "   " + who + "   " +
		lang.N("{{.Count}} files, {{.Done}} arrived", s.Files, map[string]any{"Count": s.Files, "Done": s.Done})
	if s.Failed > 0 {
		line += ", " + lang.N("{{.Count}} failed", s.Failed, map[string]any{"Count": s.Failed})
	}
	return line + "   " + formatBytes(s.Bytes)
}

// load fetches the batches with the filters.
func (v *supportView) load() {
	f := SupportFilter{Customer: strings.TrimSpace(v.customer.Text), FailedOnly: v.failed.Checked}
	if t := strings.TrimSpace(v.since.Text); t != "" {
		since, err := time.ParseInLocation("2006-01-02", t, time.Local)
		if err != nil {
			v.status.SetText(lang.L("Write the day as 2026-12-31."))
			return
		}
		f.Since = since
	}
	v.status.SetText(lang.L("Loading…"))
	w := v.w
	w.spawn(func() {
		bs, err := w.d.Support.Batches(w.ctx, f)
		fyne.Do(func() {
			if err != nil {
				v.status.SetText(lang.L("Couldn't load the batches: {{.Error}}", map[string]any{"Error": err.Error()}))
				return
			}
			v.batches, v.selected = bs, -1
			v.list.UnselectAll()
			v.list.Refresh()
			v.status.SetText(lang.N("{{.Count}} batches", len(bs), map[string]any{"Count": len(bs)}))
		})
	})
}

// show lists the files of batch id.
func (v *supportView) show(id int) {
	if id >= len(v.batches) {
		return
	}
	v.selected = id
	b := v.batches[id]
	r := b.Receipt
	var sb strings.Builder
	fmt.Fprintln(&sb, lang.L("Batch {{.Batch}} from {{.Email}} ({{.Device}}), customer {{.Customer}}, ended {{.Ended}}", map[string]any{
		"Batch": r.Batch, "Email": r.Sender.Email, "Device": r.Device, "Customer": b.Customer,
		"Ended": r.Ended.Local().Format("2006-01-02 15:04:05")}))
	var keys []string
	for _, f := range r.Files {
		fmt.Fprintf(&sb, "\n%s — %s, %s", f.Path, f.State, formatBytes(f.Size))
		if f.Code != "" {
			fmt.Fprintf(&sb, "\n    %s: %s", f.Code, f.Reason)
		}
		if f.Checksum != "" {
			fmt.Fprintf(&sb, "\n    CRC32C %s", f.Checksum)
		}
		if f.State == uploader.StateDone {
			keys = append(keys, f.Key)
		}
	}
	v.detail.SetText(sb.String())
	w := v.w
	w.spawn(func() {
		reqs, err := w.d.Support.Requests(w.ctx, b.Customer)
		if err != nil || len(reqs) == 0 {
			return
		}
		fyne.Do(func() {
			if v.selected == id {
				v.detail.SetText(sb.String() + "\n\n" + lang.L("Re-send requests:") + "\n" + strings.Join(reqs, "\n"))
			}
		})
	})
	v.files.Options = keys
	v.files.ClearSelected()
	if len(keys) > 0 {
		v.files.SetSelected(keys[0])
	}
	v.files.Refresh()
}

func (v *supportView) getLink() {
	key := v.files.Selected
	if key == "" {
		return
	}
	w := v.w
	w.spawn(func() {
		url, until, err := w.d.Support.Link(w.ctx, key)
		fyne.Do(func() {
			if err != nil {
				showProblem(w.win, lang.L("Couldn't make a link"), err.Error())
				return
			}
			v.link.SetText(url)
			w.d.App.Clipboard().SetContent(url)
			v.status.SetText(lang.L("Link copied. It works until {{.Until}} ({{.Left}}).", map[string]any{
				"Until": until.Local().Format("15:04:05"), "Left": time.Until(until).Round(time.Minute).String()}))
		})
	})
}

func (v *supportView) download() {
	key := v.files.Selected
	if key == "" {
		return
	}
	w := v.w
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil || u == nil {
			return
		}
		folder := u.Path()
		v.status.SetText(lang.L("Downloading {{.Key}}…", map[string]any{"Key": key}))
		w.spawn(func() {
			path, err := w.d.Support.Download(w.ctx, key, folder)
			fyne.Do(func() {
				if err != nil {
					v.status.SetText("")
					showProblem(w.win, lang.L("The download failed"), err.Error())
					return
				}
				v.status.SetText(lang.L("Downloaded to {{.Path}}; its checksum matches.", map[string]any{"Path": path}))
			})
		})
	}, w.win)
	w.sizeFileDialog(d)
	d.Show()
}

func (v *supportView) ask() {
	if v.selected < 0 || v.selected >= len(v.batches) {
		v.status.SetText(lang.L("Select a batch first."))
		return
	}
	b := v.batches[v.selected]
	msg := strings.TrimSpace(v.message.Text)
	w := v.w
	w.spawn(func() {
		err := w.d.Support.Ask(w.ctx, b.Customer, b.Receipt.Batch, nil, msg)
		fyne.Do(func() {
			if err != nil {
				showProblem(w.win, lang.L("Couldn't ask to send again"), err.Error())
				return
			}
			v.message.SetText("")
			v.status.SetText(lang.L("Asked {{.Email}} to send again.", map[string]any{"Email": b.Receipt.Sender.Email}))
		})
	})
}

func (v *supportView) showIncomplete() {
	w := v.w
	w.spawn(func() {
		ups, err := w.d.Support.Incomplete(w.ctx)
		fyne.Do(func() {
			if err != nil {
				showProblem(w.win, lang.L("Couldn't list unfinished uploads"), err.Error())
				return
			}
			dialog.ShowInformation(lang.L("Unfinished uploads"), uploadsText(ups, lang.L("No unfinished uploads.")), w.win)
		})
	})
}

// abortOld lists what would be aborted (a dry run), then aborts it after
// a confirmation.
func (v *supportView) abortOld() {
	days, err := strconv.ParseFloat(strings.TrimSpace(v.days.Text), 64)
	if err != nil || days < 0 {
		v.status.SetText(lang.L("Write the number of days, such as 7."))
		return
	}
	w := v.w
	w.spawn(func() {
		ups, err := w.d.Support.AbortOlderThan(w.ctx, days, true)
		fyne.Do(func() {
			if err != nil {
				showProblem(w.win, lang.L("Couldn't list unfinished uploads"), err.Error())
				return
			}
			if len(ups) == 0 {
				v.status.SetText(lang.L("No unfinished upload is older than {{.Days}} days.", map[string]any{"Days": v.days.Text}))
				return
			}
			dialog.ShowConfirm(lang.N("Abort {{.Count}} unfinished uploads?", len(ups), map[string]any{"Count": len(ups)}),
				uploadsText(ups, "")+"\n"+lang.L("Their parts are deleted; the customers' Hoist starts those files again."), func(ok bool) {
					if !ok {
						return
					}
					w.spawn(func() {
						done, err := w.d.Support.AbortOlderThan(w.ctx, days, false)
						fyne.Do(func() {
							if err != nil {
								showProblem(w.win, lang.L("Couldn't abort"), err.Error())
							}
							v.status.SetText(lang.N("Aborted {{.Count}} unfinished uploads.", len(done), map[string]any{"Count": len(done)}))
						})
					})
				}, w.win)
		})
	})
}

func uploadsText(ups []SupportUpload, none string) string {
	if len(ups) == 0 {
		return none
	}
	var sb strings.Builder
	for _, u := range ups {
		fmt.Fprintln(&sb, lang.L("{{.Customer}}  {{.Key}}  {{.Age}} old, {{.Size}}", map[string]any{
			"Customer": u.Customer, "Key": u.Key, "Age": u.Age.Round(time.Minute).String(), "Size": formatBytes(u.Size)}))
	}
	return sb.String()
}
