package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
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
	copy    *widget.Button
	reason  *widget.Label
	// details shows the technical cause of the last failure, when the
	// error had one (see Account).
	details     *widget.Button
	detailsText string

	// show switches the panel's visible part; onDone gets a successful
	// identity; onCancel runs when the user stops the sign-in.
	show     func(part fyne.CanvasObject)
	onDone   func(Identity)
	onCancel func()
}

func newSignInFlow(w *MainWindow, retryText string) *signInFlow {
	f := &signInFlow{w: w}
	f.link = widget.NewLabel("")
	f.link.Selectable = true
	f.link.Wrapping = fyne.TextWrapBreak
	f.copy = widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), f.copyLink)
	f.copy.Disable()
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), f.stop)
	f.waiting = container.NewVBox(
		heading("Finish signing in in your browser"),
		wrapped("A browser window has opened. Sign in there, then come back here."),
		widget.NewProgressBarInfinite(),
		wrapped("Nothing opened? Copy this link into your web browser:"),
		f.link,
		container.NewHBox(f.copy, cancel),
	)
	f.reason = wrapped("")
	retry := widget.NewButtonWithIcon(retryText, theme.ViewRefreshIcon(), f.start)
	retry.Importance = widget.HighImportance
	back := widget.NewButton("Cancel", func() {
		if f.onCancel != nil {
			f.onCancel()
		}
	})
	f.details = widget.NewButtonWithIcon("Details", theme.InfoIcon(), f.showDetails)
	f.details.Hide()
	f.failed = container.NewVBox(
		heading("Sign-in didn't work"),
		f.reason,
		wrapped("Check your internet connection and try again. If it keeps failing, contact your organisation's support."),
		container.NewHBox(retry, back, f.details),
	)
	return f
}

// showDetails shows the technical cause of the failure, selectable, with
// a button that copies it for support.
func (f *signInFlow) showDetails() {
	text := "Sign-in failed: " + f.reason.Text + "\nDetails: " + f.detailsText
	msg := widget.NewLabel(f.detailsText)
	msg.Selectable = true
	msg.Wrapping = fyne.TextWrapBreak
	d := dialog.NewCustom("Sign-in details", "Close", container.New(&fixedWidth{width: 520}, container.NewVBox(
		wrapped("This is for your organisation's IT support. It holds no password or token."), msg)), f.w.win)
	copyBtn := widget.NewButtonWithIcon("Copy for support", theme.ContentCopyIcon(), func() {
		f.w.d.App.Clipboard().SetContent(text)
	})
	closeBtn := widget.NewButton("Close", d.Hide)
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
	f.link.SetText("(waiting for the link…)")
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
	root    *fyne.Container
	panel   *fyne.Container
	welcome fyne.CanvasObject
	restore fyne.CanvasObject
	flow    *signInFlow
	button  *widget.Button
}

func newSignInScreen(w *MainWindow) *signInScreen {
	s := &signInScreen{}
	s.flow = newSignInFlow(w, "Try again")
	s.flow.show = s.showPart
	s.flow.onDone = w.signedInAs
	s.flow.onCancel = s.showWelcome
	s.button = widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), s.flow.start)
	s.button.Importance = widget.HighImportance
	hint := wrapped("You'll sign in with your " + w.d.Organisation + " account, in your web browser.")
	s.welcome = container.NewVBox(
		wrapped("Hoist sends large files safely to "+w.d.Organisation+
			". If your connection drops or your computer sleeps, it carries on where it stopped."),
		container.NewPadded(container.NewGridWrap(fyne.NewSize(240, 52), s.button)),
		hint,
	)
	s.restore = container.NewVBox(heading("Signing you in…"), widget.NewProgressBarInfinite())
	s.panel = container.NewStack()
	logo := w.d.Logo
	if logo == nil {
		logo = w.d.App.Icon()
	}
	brand := brandBlock(w.d.Organisation, logo, "Upload files with Hoist")
	content := container.NewVBox(brand, widget.NewSeparator(), s.panel)
	s.root = container.NewCenter(container.New(&fixedWidth{width: 520}, content))
	return s
}

func (s *signInScreen) showPart(o fyne.CanvasObject) {
	s.panel.Objects = []fyne.CanvasObject{o}
	s.panel.Refresh()
}

func (s *signInScreen) showWelcome()   { s.showPart(s.welcome) }
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
	return container.NewBorder(nil, nil, container.NewCenter(img), nil, text)
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
	r.flow = newSignInFlow(w, "Try again")
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
	r.dlg = dialog.NewCustomWithoutButtons("Sign in again", container.New(&fixedWidth{width: 480}, r.part), w.win)
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

// showProblem shows a plain message with an OK button.
func showProblem(win fyne.Window, title, message string) {
	d := dialog.NewCustom(title, "OK", container.New(&fixedWidth{width: 440}, wrapped(message)), win)
	d.Show()
}
