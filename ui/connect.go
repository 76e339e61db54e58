package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Connector finds the customer's organisation for the connect screen.
// Package app implements it over the organisation descriptor. The screen
// calls its methods off the UI goroutine.
type Connector interface {
	// Look finds the organisation for what the customer typed (a work
	// e-mail address, a web address or an invitation link), fetching and
	// checking its descriptor. It saves nothing. Errors are plain words
	// shown as they are; an error with a Details() string method also
	// offers the technical cause for support.
	Look(ctx context.Context, input string) (Organisation, error)
	// Connect saves the organisation the customer confirmed, so the next
	// start uses it.
	Connect(ctx context.Context, o Organisation) error
}

// Organisation is an organisation found by Connector.Look, for the
// confirmation.
type Organisation struct {
	// Name is the organisation's name ("Acme Research").
	Name string
	// Domain is the address the settings came from ("acme.example"): what
	// the customer must recognise.
	Domain string
	// Ref is the Connector's own value (passed back to Connect).
	Ref any
}

// ConnectDeps is what the connect screen needs.
type ConnectDeps struct {
	// App is the Fyne app (its icon is shown).
	App fyne.App
	// Window shows the screen's dialogs.
	Window fyne.Window
	// Connector looks organisations up and saves the chosen one.
	Connector Connector
	// OnConnected is called on the UI goroutine once the confirmed
	// organisation is saved.
	OnConnected func(Organisation)
	// OnCancel, when set, shows a Cancel button (connecting to another
	// organisation from a running window); nil on first run.
	OnCancel func()
	// Current is the organisation Hoist is connected to now, if any.
	Current string
	// run executes blocking calls (tests: at once); nil means a goroutine.
	run func(func())
}

// ConnectScreen is "Connect to your organisation": the customer types a
// work e-mail address or a web address, Hoist looks the organisation up,
// and asks "Send files to <name> (<domain>)?" before anything is saved.
// Its methods must be called on the UI goroutine.
type ConnectScreen struct {
	d      ConnectDeps
	ctx    context.Context
	cancel context.CancelFunc

	root                       *fyne.Container
	panel                      *fyne.Container
	entry                      *widget.Entry
	ask                        fyne.CanvasObject
	looking                    *fyne.Container
	lookMsg                    *widget.Label
	problem                    *widget.Label
	details                    *keyButton
	probBox                    *fyne.Container
	confirm                    *fyne.Container
	confirmName, confirmDomain *widget.Label
	connectBtn                 *keyButton

	found     Organisation
	lastError error
}

// NewConnectScreen builds the screen; show Content in a window.
func NewConnectScreen(d ConnectDeps) *ConnectScreen {
	if d.run == nil {
		d.run = func(f func()) { go f() }
	}
	loadTexts()
	s := &ConnectScreen{d: d}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.entry = widget.NewEntry()
	s.entry.SetPlaceHolder(lang.L("jane@acme.example  or  acme.example"))
	s.entry.OnSubmitted = func(string) { s.Look(s.entry.Text) }
	next := newButton(lang.L("Continue"), theme.NavigateNextIcon(), func() { s.Look(s.entry.Text) })
	next.Importance = widget.HighImportance
	s.problem = wrapped("")
	s.details = newButton(lang.L("Details"), theme.InfoIcon(), s.showDetails)
	s.probBox = banner(theme.ColorNameError, theme.ErrorIcon(), s.problem, s.details)
	s.probBox.Hide()
	buttons := container.NewHBox(next)
	if d.OnCancel != nil {
		buttons.Add(newButton(lang.L("Cancel"), nil, s.stop))
	}
	intro := lang.L("Type your work e-mail address or your organisation's web address. Hoist asks your organisation where your files go. You do this once.")
	if d.Current != "" {
		intro = lang.L("Hoist now sends files to {{.Organisation}}. To send them to another organisation, type your work e-mail address or that organisation's web address.",
			map[string]any{"Organisation": d.Current})
	}
	s.ask = container.NewVBox(
		wrapped(intro),
		s.entry,
		s.probBox,
		buttons,
		wrapped(lang.L("Got an invitation link from your organisation? Click it, and Hoist connects by itself.")),
	)
	s.lookMsg = heading("")
	stopLook := newButton(lang.L("Cancel"), theme.CancelIcon(), s.back)
	s.looking = container.NewVBox(s.lookMsg, widget.NewProgressBarInfinite(), container.NewHBox(stopLook))
	s.confirm = s.confirmPart()
	s.panel = container.NewStack(s.ask)
	brand := brandBlock(lang.L("Connect to your organisation"), d.App.Icon(), lang.L("Hoist sends large files safely to the organisation you work with."))
	content := container.NewVBox(brand, widget.NewSeparator(), s.panel)
	s.root = container.NewCenter(container.New(&fixedWidth{width: 560}, content))
	return s
}

// confirmPart is "Send files to Acme Research (acme.example)?", with the
// domain prominent.
func (s *ConnectScreen) confirmPart() *fyne.Container {
	s.confirmName = widget.NewLabel("")
	s.confirmName.SizeName = theme.SizeNameHeadingText
	s.confirmName.TextStyle = fyne.TextStyle{Bold: true}
	s.confirmName.Wrapping = fyne.TextWrapWord
	s.confirmDomain = widget.NewLabel("")
	s.confirmDomain.SizeName = theme.SizeNameSubHeadingText
	s.confirmDomain.TextStyle = fyne.TextStyle{Bold: true}
	s.confirmDomain.Importance = widget.HighImportance
	s.connectBtn = newButton(lang.L("Connect"), theme.ConfirmIcon(), s.connect)
	s.connectBtn.Importance = widget.HighImportance
	back := newButton(lang.L("Back"), theme.NavigateBackIcon(), s.back)
	part := container.NewVBox(
		widget.NewLabel(lang.L("Send files to")),
		s.confirmName,
		s.confirmDomain,
		wrapped(lang.L("Your files will go to this organisation's storage, and you'll sign in with your account there. Only connect if you know this organisation and its web address.")),
	)
	if s.d.Current != "" {
		part.Add(wrapped(lang.L("This replaces {{.Organisation}}: Hoist restarts and asks you to sign in there.",
			map[string]any{"Organisation": s.d.Current})))
	}
	part.Add(container.NewHBox(s.connectBtn, back))
	return part
}

// Content is the screen's content.
func (s *ConnectScreen) Content() fyne.CanvasObject { return s.root }

// Focus puts the cursor in the address field.
func (s *ConnectScreen) Focus() {
	if c := fyne.CurrentApp().Driver().CanvasForObject(s.entry); c != nil {
		c.Focus(s.entry)
	}
}

func (s *ConnectScreen) show(o fyne.CanvasObject) {
	s.panel.Objects = []fyne.CanvasObject{o}
	s.panel.Refresh()
}

// Look looks up the organisation for input (typed, or an invitation
// link handed over by a second launch) and then asks to confirm it.
func (s *ConnectScreen) Look(input string) {
	if s.entry.Text != input {
		s.entry.SetText(input)
	}
	s.cancel()
	ctx, cancel := context.WithCancel(context.Background())
	s.ctx, s.cancel = ctx, cancel
	s.lookMsg.SetText(lang.L("Looking up your organisation…"))
	s.show(s.looking)
	s.d.run(func() {
		o, err := s.d.Connector.Look(ctx, input)
		fyne.Do(func() {
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				s.fail(err)
				return
			}
			s.found = o
			s.confirmName.SetText(o.Name)
			s.confirmDomain.SetText("(" + o.Domain + ")?")
			s.connectBtn.Enable()
			s.show(s.confirm)
		})
	})
}

// fail shows a plain problem above the address field.
func (s *ConnectScreen) fail(err error) {
	s.lastError = err
	s.problem.SetText(err.Error())
	var d interface{ Details() string }
	showIf(s.details, errors.As(err, &d) && d.Details() != "")
	s.probBox.Show()
	s.show(s.ask)
}

func (s *ConnectScreen) showDetails() {
	var d interface{ Details() string }
	if !errors.As(s.lastError, &d) {
		return
	}
	text := widget.NewLabel(d.Details())
	text.Wrapping = fyne.TextWrapBreak
	text.Selectable = true
	dlg := newDialog(lang.L("Details for support"), lang.L("Close"), container.New(&fixedWidth{width: 480}, text), s.d.Window)
	dlg.Show()
}

// back returns to the address field.
func (s *ConnectScreen) back() {
	s.cancel()
	s.show(s.ask)
}

// stop leaves the screen without connecting.
func (s *ConnectScreen) stop() {
	s.cancel()
	if s.d.OnCancel != nil {
		s.d.OnCancel()
	}
}

// connect saves the confirmed organisation.
func (s *ConnectScreen) connect() {
	o := s.found
	s.connectBtn.Disable()
	ctx := s.ctx
	s.d.run(func() {
		err := s.d.Connector.Connect(ctx, o)
		fyne.Do(func() {
			if err != nil {
				s.connectBtn.Enable()
				s.fail(err)
				return
			}
			if s.d.OnConnected != nil {
				s.d.OnConnected(o)
			}
		})
	})
}

// Confirming reports whether the confirmation is showing, and for which
// organisation (tests).
func (s *ConnectScreen) Confirming() (Organisation, bool) {
	return s.found, len(s.panel.Objects) == 1 && s.panel.Objects[0] == s.confirm
}
