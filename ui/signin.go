package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// signInFlow runs one Account.SignIn at a time and shows its progress in a
// panel: waiting for the browser (with the link to copy), failed (with the
// reason and Try again), or back to its idle state.
type signInFlow struct {
	w      *MainWindow
	cancel context.CancelFunc

	waiting *fyne.Container
	failed  *fyne.Container
	link    *widget.Label
	copy    *keyButton
	copied  *widget.Label
	reason  *widget.Label
	// details shows the technical cause of the last failure, when the
	// error had one (see Account).
	details     *keyButton
	detailsText string

	// show switches the panel's visible part; onDone gets a successful
	// identity; onCancel runs when the user stops the sign-in.
	show     func(part fyne.CanvasObject)
	onDone   func(Identity)
	onCancel func()
}

func newSignInFlow(w *MainWindow, retryText string) *signInFlow {
	f := &signInFlow{w: w}
	// The link itself is long and means nothing to a customer: it is
	// kept for "Copy link" only.
	f.link = widget.NewLabel("")
	f.link.Hide()
	f.copy = newButton(lang.L("Copy link"), theme.ContentCopyIcon(), f.copyLink)
	f.copy.Disable()
	f.copied = widget.NewLabel("")
	cancel := newButton(lang.L("Cancel"), theme.CancelIcon(), f.stop)
	f.waiting = container.NewVBox(
		heading(lang.L("Finish signing in in your browser")),
		wrapped(lang.L("A browser window has opened. Sign in there, then come back here.")),
		widget.NewProgressBarInfinite(),
		wrapped(lang.L("Nothing opened? Copy the sign-in link and paste it into your web browser.")),
		container.NewHBox(f.copy, cancel, f.copied),
	)
	f.reason = wrapped("")
	retry := newButton(retryText, theme.ViewRefreshIcon(), f.start)
	retry.Importance = widget.HighImportance
	back := newButton(lang.L("Cancel"), nil, func() {
		if f.onCancel != nil {
			f.onCancel()
		}
	})
	f.details = newButton(lang.L("Details"), theme.InfoIcon(), f.showDetails)
	f.details.Hide()
	f.failed = container.NewVBox(
		heading(lang.L("Sign-in didn't work")),
		f.reason,
		wrapped(lang.L("If it keeps failing, contact your organisation's support.")),
		container.NewHBox(retry, back, f.details),
	)
	return f
}

// showDetails shows the technical cause of the failure, selectable, with
// a button that copies it for support.
func (f *signInFlow) showDetails() {
	text := lang.L("Sign-in failed: {{.Reason}}", map[string]any{"Reason": f.reason.Text}) + "\n" +
		lang.L("Details: {{.Details}}", map[string]any{"Details": f.detailsText})
	msg := widget.NewLabel(f.detailsText)
	msg.Selectable = true
	msg.Wrapping = fyne.TextWrapBreak
	d := newDialog(lang.L("Sign-in details"), lang.L("Close"), container.New(&fixedWidth{width: 520}, container.NewVBox(
		wrapped(lang.L("This is for your organisation's IT support. It holds no password or token.")), msg)), f.w.win)
	var copyBtn *keyButton
	copyBtn = newButton(lang.L("Copy for support"), theme.ContentCopyIcon(), func() {
		f.w.d.App.Clipboard().SetContent(text)
		showCopied(copyBtn, f.w.later)
	})
	closeBtn := newButton(lang.L("Close"), nil, d.Hide)
	closeBtn.Importance = widget.HighImportance
	d.SetButtons([]fyne.CanvasObject{copyBtn, closeBtn})
	d.Show()
}

// start begins a sign-in (UI goroutine).
func (f *signInFlow) start() {
	if f.cancel != nil {
		f.cancel()
	}
	ctx, cancel := context.WithCancel(f.w.ctx)
	f.cancel = cancel
	f.link.SetText("")
	f.copied.SetText("")
	f.copy.Disable()
	f.show(f.waiting)
	f.w.spawn(func() {
		id, err := f.w.d.Account.SignIn(ctx, func(url string) {
			fyne.Do(func() { f.setLink(ctx, url) })
		})
		fyne.Do(func() { f.finish(ctx, id, err) })
	})
}

// setLink shows the sign-in link, unless that sign-in is over.
func (f *signInFlow) setLink(ctx context.Context, url string) {
	if ctx.Err() != nil {
		return
	}
	f.link.SetText(url)
	f.copy.Enable()
}

func (f *signInFlow) copyLink() {
	f.w.d.App.Clipboard().SetContent(f.link.Text)
	showCopied(f.copy, f.w.later)
	f.copied.SetText(lang.L("Paste it into your browser's address bar."))
}

// stop cancels the sign-in in progress.
func (f *signInFlow) stop() {
	if f.cancel != nil {
		f.cancel()
	}
}

// finish handles the end of a sign-in started with ctx.
func (f *signInFlow) finish(ctx context.Context, id Identity, err error) {
	cancelled := ctx.Err() != nil
	if f.cancel != nil {
		f.cancel()
	}
	switch {
	case cancelled:
		if f.w.ctx.Err() == nil && f.onCancel != nil {
			f.onCancel()
		}
	case err != nil:
		f.reason.SetText(err.Error())
		f.detailsText = ""
		var d interface{ Details() string }
		if errors.As(err, &d) {
			f.detailsText = d.Details()
		}
		showIf(f.details, f.detailsText != "")
		f.show(f.failed)
	default:
		f.onDone(id)
	}
}

// signInScreen is the signed-out window: welcome, signing in, failed.
type signInScreen struct {
	waiting *widget.Label
	root    *fyne.Container
	panel   *fyne.Container
	welcome fyne.CanvasObject
	restore fyne.CanvasObject
	flow    *signInFlow
	button  *keyButton
}

func newSignInScreen(w *MainWindow) *signInScreen {
	s := &signInScreen{}
	s.flow = newSignInFlow(w, lang.L("Try again"))
	s.flow.show = s.showPart
	s.flow.onDone = w.signedInAs
	s.flow.onCancel = s.showWelcome
	s.button = newButton(lang.L("Sign in"), theme.LoginIcon(), s.flow.start)
	s.button.Importance = widget.HighImportance
	org := map[string]any{"Organisation": w.d.Organisation}
	hint := wrapped(lang.L("You'll sign in with your {{.Organisation}} account, in your web browser.", org))
	s.waiting = heading("")
	s.waiting.Importance = widget.WarningImportance
	s.waiting.Hide()
	s.welcome = container.NewVBox(
		s.waiting,
		wrapped(lang.L("Hoist sends large files safely to {{.Organisation}}. If your connection drops or your computer sleeps, it carries on where it stopped.", org)),
		container.NewPadded(container.NewGridWrap(fyne.NewSize(240, 52), s.button)),
		hint,
	)
	s.restore = container.NewVBox(heading(lang.L("Signing you in…")), widget.NewProgressBarInfinite())
	s.panel = container.NewStack()
	logo := w.d.Logo
	if logo == nil {
		logo = w.d.App.Icon()
	}
	brand := brandBlock(w.d.Organisation, logo, lang.L("Upload files with Hoist"))
	content := container.NewVBox(brand, widget.NewSeparator(), s.panel)
	s.root = container.NewStack(minWindow(), container.NewCenter(container.New(&fixedWidth{width: 520}, content)))
	return s
}

func (s *signInScreen) showPart(o fyne.CanvasObject) {
	s.panel.Objects = []fyne.CanvasObject{o}
	s.panel.Refresh()
}

func (s *signInScreen) showWelcome() { s.showPart(s.welcome) }

// setWaiting says how many uploads wait for the sign-in (UI goroutine).
func (s *signInScreen) setWaiting(n int) {
	if n == 0 {
		s.waiting.Hide()
		return
	}
	setText(s.waiting, lang.N("{{.Count}} uploads are waiting. Sign in to continue them.", n, map[string]any{"Count": n}))
	s.waiting.Show()
}
func (s *signInScreen) showRestoring() { s.showPart(s.restore) }

// brandBlock is the organisation's logo (or Hoist's icon) and name, large.
func brandBlock(name string, logo fyne.Resource, subtitle string) fyne.CanvasObject {
	title := widget.NewLabel(name)
	title.SizeName = theme.SizeNameHeadingText
	title.TextStyle = fyne.TextStyle{Bold: true}
	sub := widget.NewLabel(subtitle)
	text := container.NewVBox(title, sub)
	if logo == nil {
		return text
	}
	img := canvas.NewImageFromResource(logo)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(72, 72))
	return border(nil, nil, container.NewCenter(img), nil, text)
}

// signInDialog asks for a new sign-in while uploads are held.
type signInDialog struct {
	dlg  *dialog.CustomDialog
	flow *signInFlow
	part *fyne.Container
}

// reSignIn opens the sign-in dialog (once) and starts a sign-in.
func (w *MainWindow) reSignIn() {
	if w.reauth != nil {
		return
	}
	r := &signInDialog{part: container.NewStack()}
	r.flow = newSignInFlow(w, lang.L("Try again"))
	r.flow.show = func(o fyne.CanvasObject) {
		r.part.Objects = []fyne.CanvasObject{o}
		r.part.Refresh()
	}
	closeDialog := func() {
		r.flow.stop()
		r.dlg.Hide()
		w.reauth = nil
	}
	r.flow.onCancel = closeDialog
	r.flow.onDone = func(id Identity) {
		closeDialog()
		w.identity, w.signedIn = id, true
		w.uploads.setIdentity(id, w.d.NeedsSignIn)
	}
	r.dlg = dialog.NewCustomWithoutButtons(lang.L("Sign in again"), container.New(&fixedWidth{width: 480}, r.part), w.win)
	r.dlg.SetOnClosed(func() { // Escape, too
		r.flow.stop()
		if w.reauth == r {
			w.reauth = nil
		}
	})
	closeOnEscape(w.win, r.dlg)
	w.reauth = r
	r.dlg.Show()
	r.flow.start()
}

// heading is a bold line of text.
func heading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Wrapping = fyne.TextWrapWord
	return l
}

// wrapped is a label that wraps at word boundaries.
func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}
