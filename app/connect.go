package app

import (
	"context"
	"log/slog"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/app/org"
	"hoist/ui"
)

// connector is ui.Connector over the organisation descriptor: Look fetches
// and checks, Connect saves what the customer confirmed.
type connector struct {
	setup   *config.Setup // for the policy and where to save
	fetcher *org.Fetcher
	log     *slog.Logger
}

var _ ui.Connector = connector{}

func (c connector) Look(ctx context.Context, input string) (ui.Organisation, error) {
	if c.setup != nil && c.setup.Fixed {
		return ui.Organisation{}, &plainError{msg: fixedSetupMessage(c.setup)}
	}
	u, err := org.DescriptorURL(input)
	if err == nil {
		var o *org.Organisation
		if o, err = c.fetcher.Fetch(ctx, u, ""); err == nil {
			c.log.Info("organisation found; asking the customer to confirm", "name", o.Name, "domain", o.Domain, "url", o.URL)
			return ui.Organisation{Name: o.Name, Domain: o.Domain, Ref: o}, nil
		}
	}
	if ctx.Err() != nil {
		return ui.Organisation{}, ctx.Err()
	}
	c.log.Warn("connect to an organisation", "input", input, "error", err)
	return ui.Organisation{}, &plainError{msg: plainMessage(err), details: details(err)}
}

func (c connector) Connect(_ context.Context, o ui.Organisation) error {
	ref, ok := o.Ref.(*org.Organisation)
	if !ok {
		return &plainError{msg: lang.L("Hoist lost track of the organisation. Type its address again.")}
	}
	if err := org.Save(c.setup.ConnectionPath, ref); err != nil {
		c.log.Error("save the organisation", "error", err)
		return &plainError{msg: lang.L("Hoist couldn't save your organisation's settings on this computer. Check that your home folder has free space, then try again."), details: err.Error()}
	}
	c.log.Info("connected to an organisation", "name", ref.Name, "domain", ref.Domain, "url", ref.URL)
	return nil
}

// policyOf is the window's view of the managed policy.
func policyOf(s *config.Setup) ui.Policy {
	var p ui.Policy
	if s == nil {
		return p
	}
	p.Organisation = s.Fixed
	if s.Policy != nil {
		l := s.Policy.Locked
		if l.ParallelFiles != nil {
			p.ParallelFiles = *l.ParallelFiles
		}
		if l.ParallelParts != nil {
			p.ParallelParts = *l.ParallelParts
		}
		p.Notifications = l.Notifications
	}
	return p
}

// brandingLogo is a branded build's logo as a resource (nil for none).
func brandingLogo(s *config.Setup) fyne.Resource {
	if s == nil || s.Origin != config.OriginBranded {
		if s != nil && s.Logo != "" {
			if r, err := fyne.LoadResourceFromPath(s.Logo); err == nil {
				return r
			}
		}
		return nil
	}
	if b := brandingFiles(); b != nil && len(b.Logo) > 0 {
		return fyne.NewStaticResource("logo.png", b.Logo)
	}
	return nil
}

// firstRun is the window of a Hoist with no organisation: the connect
// screen; once the customer confirmed, the usual window in the same
// operating-system window.
type firstRun struct {
	fa      fyne.App
	win     fyne.Window
	screen  *ui.ConnectScreen
	common  cli.CommonFlags
	inst    *instanceHub
	restart *atomic.Bool
	opened  []string // files handed over before the main window existed
	done    func()   // closes the session once the app stops
	log     *slog.Logger
}

// runFirstConnect shows the connect screen and, after the customer
// connected, the main window. It blocks until the app quits.
func runFirstConnect(ctx context.Context, fa fyne.App, common cli.CommonFlags, setup *config.Setup, l launch, hub *instanceHub, restart *atomic.Bool, log *slog.Logger) int {
	f := &firstRun{fa: fa, common: common, inst: hub, restart: restart, opened: l.open, log: log}
	f.win = fa.NewWindow(ui.WindowTitle)
	f.win.Resize(fyne.NewSize(1060, 700))
	f.screen = ui.NewConnectScreen(ui.ConnectDeps{
		App: fa, Window: f.win, Connector: connector{setup: setup, fetcher: &org.Fetcher{Logger: log}, log: log},
		OnConnected: func(ui.Organisation) { go f.openMain(ctx) },
	})
	ui.ShowConnect(f.win, f.screen)
	hub.set(f.handle)
	if l.join != "" {
		f.screen.Look(l.join)
	}
	f.win.ShowAndRun()
	if f.done != nil {
		f.done()
	}
	return cli.ExitOK
}

// handle takes a second launch's message while the connect screen shows.
func (f *firstRun) handle(m hubMessage) string {
	if len(m.open) > 0 {
		f.opened = append(f.opened, m.open...)
	}
	f.win.Show()
	f.win.RequestFocus()
	if m.join != "" {
		f.screen.Look(m.join)
		return lang.L("Confirm the organisation in Hoist's window.")
	}
	if len(m.open) > 0 {
		return lang.L("Hoist will send these once you have connected to your organisation and signed in.")
	}
	return lang.L("Hoist's window is open.")
}

// localOrganisationName names the organisation of a setup, in the
// customer's language when it has no name of its own.
func localOrganisationName(s *config.Setup) string {
	if s.Config != nil && s.Config.Organisation.Name != "" {
		return s.Config.Organisation.Name
	}
	if s.Domain != "" {
		return s.Domain
	}
	return lang.L("your organisation")
}

// fixedSetupMessage says that a Hoist whose organisation is fixed (by a
// policy or built in) connects to no other, in the customer's language.
func fixedSetupMessage(s *config.Setup) string {
	name := localOrganisationName(s)
	if s.Origin == config.OriginPolicy {
		return lang.L("This Hoist is set up for {{.Organisation}} by your IT department ({{.Policy}}), so it can't connect to another organisation.",
			map[string]any{"Organisation": name, "Policy": s.Policy.Path})
	}
	return lang.L("This Hoist is set up for {{.Organisation}} by the organisation that provided it, so it can't connect to another organisation.",
		map[string]any{"Organisation": name})
}

// openMain builds the engine for the organisation just saved and puts the
// main window in place of the connect screen. It runs off the UI
// goroutine (opening the journal may take a moment).
func (f *firstRun) openMain(ctx context.Context) {
	b, err := openBase(f.common.Config, f.common.DataDir, nil)
	var uploads *personUploads
	if err == nil {
		uploads, err = windowUploads(ctx, f.fa, b)
	}
	if err == nil {
		if p, start, ok := firstPerson(b); ok {
			err = uploads.open(p, start)
		}
	}
	fyne.Do(func() {
		if err != nil {
			if b != nil {
				b.closeLog()
			}
			ui.ShowStartupProblem(f.fa, f.win, Version, err)
			return
		}
		w, done := StartGUI(f.fa, windowGUI(b, uploads, f.win, f.inst, launch{open: f.opened}, f.restart))
		f.done = func() {
			done()
			b.closeLog()
		}
		f.opened = nil
		w.Show()
	})
}
