package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// uploadsScreen is the signed-in window: header, banners, the Uploads and
// History tabs.
type uploadsScreen struct {
	w    *MainWindow
	root *fyne.Container

	who     *widget.Label
	signOut *widget.Button

	held     *fyne.Container
	problems *problemBanner

	tabs     *container.AppTabs
	queueTab *container.TabItem
	histTab  *container.TabItem
	history  *historyView

	requests   *requestBanner
	supportTab *container.TabItem // nil unless staff
	support    *supportView

	adding  *widget.Label
	list    *widget.List
	empty   fyne.CanvasObject
	footer  *footer
	buttonW float32
}

func newUploadsScreen(w *MainWindow) *uploadsScreen {
	s := &uploadsScreen{w: w, buttonW: rowButtonWidth()}
	s.problems = newProblemBanner(w)
	s.held = s.heldBanner()
	s.held.Hide()
	s.requests = newRequestBanner(w)
	s.footer = newFooter(w)
	s.history = newHistoryView(w)
	s.queueTab = container.NewTabItemWithIcon("Uploads", theme.UploadIcon(), s.queuePane())
	s.histTab = container.NewTabItemWithIcon("History", theme.HistoryIcon(), s.history.root)
	s.tabs = container.NewAppTabs(s.queueTab, s.histTab)
	s.tabs.OnSelected = func(t *container.TabItem) {
		if t == s.histTab {
			s.history.load()
		}
		s.supportSelected(t)
	}
	top := container.NewVBox(s.header(), s.held, s.requests.root, s.problems.root)
	s.root = container.NewBorder(top, nil, nil, nil, s.tabs)
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
	s.signOut = widget.NewButtonWithIcon("Sign out", theme.LogoutIcon(), w.signOut)
	settings := widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), w.showSettings)
	about := widget.NewButtonWithIcon("About", theme.InfoIcon(), w.showAbout)
	right := container.NewHBox(s.who, s.signOut, settings, about)
	return container.NewVBox(container.NewBorder(nil, nil, left, right), widget.NewSeparator())
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
		return "Signed in as " + id.Name + " (" + id.Email + ")"
	case id.Name != "":
		return "Signed in as " + id.Name
	case id.Email != "":
		return "Signed in as " + id.Email
	}
	return "Signed in"
}

// heldBanner asks for a new sign-in while uploads wait for one.
func (s *uploadsScreen) heldBanner() *fyne.Container {
	w := s.w
	text := wrapped("Your sign-in has expired. Sign in again to continue: your uploads are paused and will carry on where they stopped.")
	right := container.NewHBox()
	if w.d.NeedsSignIn {
		b := widget.NewButtonWithIcon("Sign in again", theme.LoginIcon(), w.reSignIn)
		b.Importance = widget.HighImportance
		right.Add(b)
	} else {
		text.SetText("Hoist has no valid access to the storage, so uploads are paused. Ask your organisation's support to check Hoist's settings.")
	}
	return banner(theme.ColorNameWarning, theme.WarningIcon(), text, right)
}

// queuePane is the Uploads tab: drop zone, list, footer.
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
	empty := widget.NewLabelWithStyle("Nothing here yet. Files you add appear in this list while they upload.",
		fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	s.empty = container.NewCenter(empty)
	return container.NewBorder(s.dropZone(), s.footer.root, nil, nil, container.NewStack(s.list, s.empty))
}

// dropZone invites a drop and offers the file and folder pickers.
func (s *uploadsScreen) dropZone() fyne.CanvasObject {
	w := s.w
	frame := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	frame.StrokeColor = theme.Color(theme.ColorNamePrimary)
	frame.StrokeWidth = 2
	frame.CornerRadius = 12
	icon := widget.NewIcon(theme.UploadIcon())
	title := canvas.NewText("Drop files or folders here", theme.Color(theme.ColorNameForeground))
	title.TextSize = 20
	title.TextStyle = fyne.TextStyle{Bold: true}
	files := widget.NewButtonWithIcon("Choose file…", theme.FileIcon(), w.chooseFile)
	folder := widget.NewButtonWithIcon("Choose folder…", theme.FolderIcon(), w.chooseFolder)
	s.adding = widget.NewLabel("")
	s.adding.Hide()
	row := container.NewHBox(container.New(&fixedWidth{width: 48}, icon), container.NewCenter(title))
	body := container.NewVBox(
		container.NewCenter(row),
		container.NewCenter(container.NewHBox(widget.NewLabel("or"), files, folder)),
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
	s.adding.SetText("Adding " + plural(n, "item", "items") + "…")
	s.adding.Show()
}

// apply shows a new queue view (UI goroutine).
func (s *uploadsScreen) apply(v queueView) {
	showIf(s.held, v.held)
	showIf(s.empty, len(v.rows) == 0)
	s.list.Refresh()
	s.footer.set(v.footer)
	showIf(s.footer.awake, v.awake)
}

// KeepingAwakeHint is shown under the totals while Hoist keeps the
// computer from sleeping.
const KeepingAwakeHint = "Keeping this computer awake while sending"

// banner is a coloured strip with an icon, a message and actions.
func banner(col fyne.ThemeColorName, icon fyne.Resource, msg fyne.CanvasObject, actions fyne.CanvasObject) *fyne.Container {
	bg := canvas.NewRectangle(withAlpha(theme.Color(col), 0x40))
	bg.CornerRadius = 6
	body := container.NewBorder(nil, nil, widget.NewIcon(icon), actions, msg)
	return container.NewPadded(container.NewStack(bg, container.NewPadded(body)))
}

// footer is the totals and the buttons that act on every upload.
type footer struct {
	root                  *fyne.Container
	bar                   *widget.ProgressBar
	files, bytes, rate    *widget.Label
	pause, resume, cancel *widget.Button
	retry                 *widget.Button
	// awake says the computer is kept awake while sending.
	awake *widget.Label
}

func newFooter(w *MainWindow) *footer {
	f := &footer{bar: widget.NewProgressBar()}
	f.files = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	f.bytes = widget.NewLabel("")
	f.rate = widget.NewLabel("")
	f.pause = widget.NewButtonWithIcon("Pause all", theme.MediaPauseIcon(), w.pauseAll)
	f.resume = widget.NewButtonWithIcon("Resume all", theme.MediaPlayIcon(), w.resumeAll)
	f.cancel = widget.NewButtonWithIcon("Cancel all", theme.CancelIcon(), w.cancelAll)
	f.retry = widget.NewButtonWithIcon("Retry failed", theme.ViewRefreshIcon(), w.retryFailed)
	// Bytes and speed shorten with an ellipsis rather than widen the window
	// (Fyne never shrinks a window back).
	f.bytes.Truncation = fyne.TextTruncateEllipsis
	f.rate.Truncation = fyne.TextTruncateEllipsis
	texts := container.NewGridWithColumns(2, f.bytes, f.rate)
	buttons := container.NewHBox(f.pause, f.resume, f.cancel, f.retry)
	f.awake = widget.NewLabelWithStyle(KeepingAwakeHint, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	f.awake.Importance = widget.LowImportance
	f.awake.Hide()
	f.root = container.NewVBox(widget.NewSeparator(), f.bar, container.NewBorder(nil, nil, f.files, buttons, texts), f.awake)
	f.set(footerView{files: "No uploads yet"})
	return f
}

// set shows v.
func (f *footer) set(v footerView) {
	if f.bar.Value != v.fraction {
		f.bar.SetValue(v.fraction)
	}
	setText(f.files, v.files)
	setText(f.bytes, v.bytes)
	setText(f.rate, v.rate)
	enableIf(f.pause, v.canPause)
	enableIf(f.resume, v.canResume)
	enableIf(f.cancel, v.canCancel)
	enableIf(f.retry, v.canRetry)
}

func enableIf(b *widget.Button, on bool) {
	if on && b.Disabled() {
		b.Enable()
	} else if !on && !b.Disabled() {
		b.Disable()
	}
}
