package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// uploadsScreen is the signed-in window: header, banners, the Uploads and
// History tabs.
type uploadsScreen struct {
	w    *MainWindow
	root *fyne.Container

	who     *widget.Label
	signOut *keyButton

	held     *fyne.Container
	problems *problemBanner

	tabs     *container.AppTabs
	queueTab *container.TabItem
	histTab  *container.TabItem
	history  *historyView

	requests   *requestBanner
	supportTab *container.TabItem // nil unless staff
	support    *supportView

	adding    *widget.Label
	list      *widget.List
	empty     *widget.Label
	emptyBox  fyne.CanvasObject
	filters   [len(filterNames)]*keyButton
	clear     *keyButton
	footer    *footer
	buttonW   float32
	rowH      float32
	reasonH   float32
	tall      map[widget.ListItemID]float32 // list items given room for a reason or a second status line: how much
	dropFrame *canvas.Rectangle
}

func newUploadsScreen(w *MainWindow) *uploadsScreen {
	s := &uploadsScreen{w: w, buttonW: rowButtonWidth(), tall: map[widget.ListItemID]float32{}}
	s.rowH, s.reasonH = rowHeight(), rowReasonHeight()
	s.problems = newProblemBanner(w)
	s.held = s.heldBanner()
	s.held.Hide()
	s.requests = newRequestBanner(w)
	s.footer = newFooter(w)
	s.history = newHistoryView(w)
	s.queueTab = container.NewTabItemWithIcon(lang.L("Uploads"), theme.UploadIcon(), s.queuePane())
	s.histTab = container.NewTabItemWithIcon(lang.L("History"), theme.HistoryIcon(), s.history.root)
	s.tabs = container.NewAppTabs(s.queueTab, s.histTab)
	s.tabs.OnSelected = func(t *container.TabItem) {
		if t == s.histTab {
			s.history.load()
		}
		s.supportSelected(t)
	}
	top := container.NewVBox(s.header(), s.held, s.requests.root, s.problems.root)
	s.root = container.NewStack(minWindow(), border(top, nil, nil, nil, s.tabs))
	return s
}

// header shows the organisation, who is signed in, and the window's
// commands.
func (s *uploadsScreen) header() fyne.CanvasObject {
	w := s.w
	name := canvas.NewText(w.d.Organisation, theme.Color(theme.ColorNameForeground))
	name.TextSize = 20
	name.TextStyle = fyne.TextStyle{Bold: true}
	left := container.NewHBox()
	if w.d.Logo != nil {
		img := canvas.NewImageFromResource(w.d.Logo)
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSize(32, 32))
		left.Add(img)
	}
	left.Add(container.NewCenter(name))
	s.who = widget.NewLabel("")
	s.signOut = newButton(lang.L("Sign out"), theme.LogoutIcon(), w.signOut)
	settings := newButton(lang.L("Settings"), theme.SettingsIcon(), w.showSettings)
	about := newButton(lang.L("About"), theme.InfoIcon(), w.showAbout)
	right := container.NewHBox(s.who, s.signOut, settings, about)
	return container.NewVBox(border(nil, nil, left, right), widget.NewSeparator())
}

// setIdentity shows who is signed in.
func (s *uploadsScreen) setIdentity(id Identity, signInUsed bool) {
	showIf(s.signOut, signInUsed)
	showIf(s.who, signInUsed)
	s.who.SetText(identityText(id))
}

// identityText is "Signed in as Ada Lovelace (ada@example.org)".
func identityText(id Identity) string {
	switch {
	case id.Name != "" && id.Email != "" && id.Name != id.Email:
		return lang.L("Signed in as {{.Name}} ({{.Email}})", map[string]any{"Name": id.Name, "Email": id.Email})
	case id.Name != "":
		return lang.L("Signed in as {{.Name}}", map[string]any{"Name": id.Name})
	case id.Email != "":
		return lang.L("Signed in as {{.Name}}", map[string]any{"Name": id.Email})
	}
	return lang.L("Signed in")
}

// heldBanner asks for a new sign-in while uploads wait for one.
func (s *uploadsScreen) heldBanner() *fyne.Container {
	w := s.w
	text := wrapped(lang.L("Your sign-in has expired. Sign in again to continue: your uploads are paused and will carry on where they stopped."))
	right := container.NewHBox()
	if w.d.NeedsSignIn {
		b := newButton(lang.L("Sign in again"), theme.LoginIcon(), w.reSignIn)
		b.Importance = widget.HighImportance
		right.Add(b)
	} else {
		text.SetText(lang.L("Hoist has no valid access to the storage, so uploads are paused. Ask your organisation's support to check Hoist's settings."))
	}
	return banner(theme.ColorNameWarning, theme.WarningIcon(), text, right)
}

// queuePane is the Uploads tab: drop zone, filter, list, footer.
func (s *uploadsScreen) queuePane() fyne.CanvasObject {
	s.list = widget.NewList(
		func() int { return len(s.w.view.order) },
		func() fyne.CanvasObject { return newQueueRow(s.w, s.buttonW) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if v := s.w.view; id < len(v.order) {
				o.(*queueRow).set(v.rows[v.order[id]])
			}
		},
	)
	s.list.HideSeparators = false
	s.empty = widget.NewLabelWithStyle(filterEmpty(filterAll),
		fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	s.emptyBox = container.NewCenter(s.empty)
	return border(container.NewVBox(s.dropZone(), s.filterBar()), s.footer.root, nil, nil, container.NewStack(s.list, s.emptyBox))
}

// filterBar is "All · Uploading · Failed · Done" and "Clear finished".
func (s *uploadsScreen) filterBar() fyne.CanvasObject {
	row := container.NewHBox(widget.NewLabel(lang.L("Show:")))
	for i := range filterNames {
		f := filter(i)
		b := newButton(filterLabel(f), nil, func() { s.setFilter(f) })
		s.filters[i] = b
		row.Add(b)
	}
	s.clear = newButton(lang.L("Clear finished"), theme.DeleteIcon(), func() {
		s.w.command(s.w.d.Uploads.ClearFinished)
	})
	s.clear.Disable()
	s.markFilter(filterAll)
	return border(nil, nil, row, s.clear)
}

// setFilter shows only the rows f shows; rows keep their order.
func (s *uploadsScreen) setFilter(f filter) {
	w := s.w
	w.filter.Store(int32(f))
	w.view.order, w.view.filter = filterOrder(w.view.rows, f), f
	s.markFilter(f)
	s.apply(w.view)
	s.list.ScrollToTop()
}

// markFilter shows which filter is on.
func (s *uploadsScreen) markFilter(f filter) {
	for i, b := range s.filters {
		imp := widget.LowImportance
		if filter(i) == f {
			imp = widget.HighImportance
		}
		if b.Importance != imp {
			b.Importance = imp
			b.Refresh()
		}
	}
}

// dropZone invites a drop and offers the file and folder pickers.
func (s *uploadsScreen) dropZone() fyne.CanvasObject {
	w := s.w
	frame := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	frame.StrokeColor = theme.Color(theme.ColorNamePrimary)
	frame.StrokeWidth = 2
	frame.CornerRadius = 12
	s.dropFrame = frame
	icon := widget.NewIcon(theme.UploadIcon())
	title := canvas.NewText(lang.L("Drop files or folders here"), theme.Color(theme.ColorNameForeground))
	title.TextSize = 20
	title.TextStyle = fyne.TextStyle{Bold: true}
	files := newButton(lang.L("Choose files…"), theme.FileIcon(), w.chooseFile)
	folder := newButton(lang.L("Choose folder…"), theme.FolderIcon(), w.chooseFolder)
	s.adding = widget.NewLabel("")
	s.adding.Hide()
	row := container.NewHBox(container.New(&fixedWidth{width: 48}, icon), container.NewCenter(title))
	body := container.NewVBox(
		container.NewCenter(row),
		container.NewCenter(container.NewHBox(widget.NewLabel(lang.L("or")), files, folder)),
		container.NewCenter(s.adding),
	)
	return container.NewPadded(container.NewStack(frame, container.NewPadded(body)))
}

// setAdding shows or hides "Adding files…".
func (s *uploadsScreen) setAdding(n int) {
	if n == 0 {
		s.adding.Hide()
		return
	}
	s.adding.SetText(lang.N("Adding {{.Count}} items…", n, map[string]any{"Count": n}))
	s.adding.Show()
}

// apply shows a new queue view (UI goroutine).
func (s *uploadsScreen) apply(v queueView) {
	showIf(s.held, v.held)
	switch {
	case len(v.rows) == 0:
		setText(s.empty, filterEmpty(filterAll))
	case len(v.order) == 0:
		setText(s.empty, filterEmpty(v.filter))
	}
	showIf(s.emptyBox, len(v.order) == 0)
	for i, b := range s.filters {
		label := filterLabel(filter(i))
		if v.counts[i] > 0 {
			label += " (" + strconv.Itoa(v.counts[i]) + ")"
		}
		if b.Text != label {
			b.SetText(label)
		}
	}
	enableIf(s.clear, v.finished > 0)
	s.fitRows(v)
	s.list.Refresh()
	s.footer.set(v.footer)
	showIf(s.footer.awake, v.awake)
}

// fitRows gives rows with a reason line the room for two lines of it, and
// rows of a waiting retry room for a status of two lines.
func (s *uploadsScreen) fitRows(v queueView) {
	for id, i := range v.order {
		var extra float32
		switch {
		case v.rows[i].reason != "":
			extra = s.reasonH
		case v.rows[i].tryNow:
			extra = s.reasonH / 2
		}
		if extra != s.tall[id] {
			if extra > 0 {
				s.tall[id] = extra
			} else {
				delete(s.tall, id)
			}
			s.list.SetItemHeight(id, s.rowH+extra)
		}
	}
	for id := range s.tall {
		if id >= len(v.order) {
			delete(s.tall, id)
			s.list.SetItemHeight(id, s.rowH)
		}
	}
}

// highlightDrop lights the drop zone up, or back down (UI goroutine). The
// desktop driver reports a drop but not a drag passing over the window, so
// the zone lights up when files land, as a sign they were taken.
func (s *uploadsScreen) highlightDrop(on bool) {
	c := theme.Color(theme.ColorNamePrimary)
	fill := theme.Color(theme.ColorNameInputBackground)
	width := float32(2)
	if on {
		fill, width = withAlpha(c, 0x30), 4
	}
	s.dropFrame.FillColor, s.dropFrame.StrokeWidth = fill, width
	s.dropFrame.Refresh()
}

// KeepingAwakeHint is shown under the totals while Hoist keeps the
// computer from sleeping (in English: it is a key of the translations).
const KeepingAwakeHint = "Keeping this computer awake while sending"

// banner is a coloured strip with an icon, a message and actions.
func banner(col fyne.ThemeColorName, icon fyne.Resource, msg fyne.CanvasObject, actions fyne.CanvasObject) *fyne.Container {
	bg := canvas.NewRectangle(withAlpha(theme.Color(col), 0x40))
	bg.CornerRadius = 6
	body := border(nil, nil, widget.NewIcon(icon), actions, msg)
	return container.NewPadded(container.NewStack(bg, container.NewPadded(body)))
}

// footer is the totals and the buttons that act on every upload.
type footer struct {
	root                  *fyne.Container
	bar                   *widget.ProgressBar
	files, bytes, rate    *widget.Label
	pause, resume, cancel *keyButton
	retry                 *keyButton
	line                  *footerLine
	lineBox               *fyne.Container
	// awake says the computer is kept awake while sending.
	awake *widget.Label
}

func newFooter(w *MainWindow) *footer {
	f := &footer{bar: widget.NewProgressBar()}
	f.bar.TextFormatter = func() string { return "" } // the figures say it, legibly
	f.files = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	f.bytes = widget.NewLabel("")
	f.rate = widget.NewLabel("")
	f.pause = newButton(lang.L("Pause all"), theme.MediaPauseIcon(), w.pauseAll)
	f.resume = newButton(lang.L("Resume all"), theme.MediaPlayIcon(), w.resumeAll)
	f.cancel = newButton(lang.L("Cancel all"), theme.CancelIcon(), w.cancelAll)
	f.retry = newButton(lang.L("Retry failed"), theme.ViewRefreshIcon(), w.retryFailed)
	// Bytes and speed shorten with an ellipsis rather than widen the window
	// (Fyne never shrinks a window back).
	f.bytes.Truncation = fyne.TextTruncateEllipsis
	f.rate.Truncation = fyne.TextTruncateEllipsis
	buttons := container.NewHBox(f.pause, f.resume, f.cancel, f.retry)
	line := &footerLine{files: f.files, bytes: f.bytes, rate: f.rate, buttons: []*keyButton{f.pause, f.resume, f.cancel, f.retry}}
	for _, b := range line.buttons {
		line.labels = append(line.labels, b.Text)
	}
	f.line = line
	f.lineBox = container.New(line, f.files, f.bytes, f.rate, buttons)
	f.awake = widget.NewLabelWithStyle(lang.L(KeepingAwakeHint), // i18n:dynamic: TestConstantKeysAreTranslated
		fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	f.awake.Importance = widget.LowImportance
	f.awake.Hide()
	f.root = container.NewVBox(widget.NewSeparator(), f.bar, f.lineBox, f.awake)
	f.set(footerView{files: lang.L("No uploads yet")})
	return f
}

// footerLine lays out the footer's figures and buttons: when the window is
// too narrow for both, the buttons lose their words (keeping icon and
// tooltip-free focus) before any figure is shortened.
type footerLine struct {
	files, bytes, rate *widget.Label
	buttons            []*keyButton
	labels             []string
	compact            bool
}

// textWidth is what label l needs to show its text in full.
func textWidth(l *widget.Label) float32 {
	if l.Text == "" {
		return 0
	}
	// What an untruncated label with this text asks for, exactly.
	// (and a little more: at exactly that width rounding may cut it).
	return widget.NewLabelWithStyle(l.Text, fyne.TextAlignLeading, l.TextStyle).MinSize().Width + theme.Padding()
}

// figuresWidth is what the figures need to show in full.
func (l *footerLine) figuresWidth() float32 {
	return textWidth(l.files) + textWidth(l.bytes) + textWidth(l.rate) + 3*theme.Padding()
}

// buttonsWidth is what the buttons need with (full) or without words.
func (l *footerLine) buttonsWidth(full bool) float32 {
	var w float32
	for i, b := range l.buttons {
		if full {
			w += newButton(l.labels[i], b.Icon, nil).MinSize().Width
		} else {
			w += newButton("", b.Icon, nil).MinSize().Width
		}
	}
	return w + float32(len(l.buttons)-1)*theme.Padding()
}

func (l *footerLine) setCompact(compact bool) {
	if l.compact == compact {
		return
	}
	l.compact = compact
	for i, b := range l.buttons {
		text := l.labels[i]
		if compact {
			text = ""
		}
		b.SetText(text)
	}
}

// MinSize is part of fyne.Layout.
func (l *footerLine) MinSize(objects []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(objects[0].MinSize().Width+l.buttonsWidth(false)+2*theme.Padding(), h)
}

// Layout is part of fyne.Layout: files, bytes and speed side by side,
// the buttons at the right; the speed takes what room is left.
func (l *footerLine) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	l.setCompact(l.figuresWidth()+l.buttonsWidth(true)+theme.Padding() > size.Width)
	files, bytes, rate, buttons := objects[0], objects[1], objects[2], objects[3]
	bw := buttons.MinSize().Width
	buttons.Move(fyne.NewPos(size.Width-bw, (size.Height-buttons.MinSize().Height)/2))
	buttons.Resize(fyne.NewSize(bw, buttons.MinSize().Height))
	room := max(size.Width-bw-theme.Padding(), 0)
	x := float32(0)
	for i, o := range []fyne.CanvasObject{files, bytes, rate} {
		w := min(textWidth(l.labelOf(i)), max(room-x, 0))
		if i == 2 {
			w = max(room-x, 0)
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + theme.Padding()
	}
}

func (l *footerLine) labelOf(i int) *widget.Label {
	return []*widget.Label{l.files, l.bytes, l.rate}[i]
}

// set shows v.
func (f *footer) set(v footerView) {
	if f.bar.Value != v.fraction {
		f.bar.SetValue(v.fraction)
	}
	if f.files.Text != v.files || f.bytes.Text != v.bytes || f.rate.Text != v.rate {
		setText(f.files, v.files)
		setText(f.bytes, v.bytes)
		setText(f.rate, v.rate)
		f.lineBox.Refresh() // lays the line out again: the buttons may need their words, or lose them
	}
	enableIf(f.pause, v.canPause)
	enableIf(f.resume, v.canResume)
	enableIf(f.cancel, v.canCancel)
	enableIf(f.retry, v.canRetry)
}

func enableIf(b *keyButton, on bool) {
	if on && b.Disabled() {
		b.Enable()
	} else if !on && !b.Disabled() {
		b.Disable()
	}
}
