package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// Raise brings the window to the front (a second launch of Hoist).
func (w *MainWindow) Raise() {
	w.inTray = false
	w.win.Show()
	w.win.RequestFocus()
}

// Open uploads files and folders handed over by a second launch ("Open
// with Hoist") or given on the command line; before the sign-in they wait
// for it. It returns what the window says about them.
func (w *MainWindow) Open(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	if w.d.NeedsSignIn && !w.signedIn {
		w.opened = append(w.opened, paths...)
		return lang.N("Hoist will send {{.Count}} files or folders once you have signed in.", len(w.opened), map[string]any{"Count": len(w.opened)})
	}
	w.addPaths(paths, nil)
	return lang.N("Hoist is sending {{.Count}} files or folders.", len(paths), map[string]any{"Count": len(paths)})
}

// addOpened queues what was handed over before the sign-in.
func (w *MainWindow) addOpened() {
	if paths := w.opened; len(paths) > 0 {
		w.opened = nil
		w.addPaths(paths, nil)
	}
}

// ConnectTo opens the connect screen in the window for another
// organisation, looking up input at once when it is not empty (an
// invitation link handed over by a second launch). It returns what the
// window says, or the reason it cannot (the organisation is fixed,
// uploads are unfinished).
func (w *MainWindow) ConnectTo(input string) (string, bool) {
	if w.d.Connector == nil || w.d.Policy.Organisation {
		msg := lang.L("This Hoist is set up for {{.Organisation}} by your organisation, so it can't connect to another one.",
			map[string]any{"Organisation": w.d.Organisation})
		showProblem(w.win, lang.L("Set by your organisation"), msg)
		return msg, false
	}
	if n := unfinished(w.d.Uploads.Snapshot()); n > 0 {
		msg := lang.N("{{.Count}} uploads to {{.Organisation}} are not finished. Let them finish, or cancel them, before you connect to another organisation.",
			n, map[string]any{"Count": n, "Organisation": w.d.Organisation})
		showProblem(w.win, lang.L("Finish your uploads first"), msg)
		return msg, false
	}
	if w.connect == nil {
		prev := w.win.Content()
		w.connect = NewConnectScreen(ConnectDeps{
			App: w.d.App, Window: w.win, Connector: w.d.Connector, Current: w.d.Organisation,
			run: w.spawn,
			OnCancel: func() {
				w.connect = nil
				w.win.SetContent(prev)
			},
			OnConnected: func(o Organisation) {
				if w.d.OnOrganisationChanged != nil {
					w.d.OnOrganisationChanged(o)
				}
			},
		})
		w.win.SetContent(w.connect.Content())
	}
	if input != "" {
		w.connect.Look(input)
		return lang.L("Confirm the organisation in Hoist's window."), true
	}
	return "", true
}

// Connecting is the connect screen while it is shown (tests).
func (w *MainWindow) Connecting() *ConnectScreen { return w.connect }

// unfinished counts the jobs that are not finished (paused included).
func unfinished(s uploader.Snapshot) int {
	n := 0
	for _, j := range s.Jobs {
		if !j.State.Final() {
			n++
		}
	}
	return n
}

// organisationRow is the organisation in Settings and About, with
// "Connect to a different organisation" (or why not).
func (w *MainWindow) organisationRow(onConnect func()) fyne.CanvasObject {
	name := w.d.Organisation
	if w.d.Domain != "" {
		name += " (" + w.d.Domain + ")"
	}
	label := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	label.Wrapping = fyne.TextWrapWord
	switch {
	case w.d.Policy.Organisation:
		return widgetColumn(label, hint(lang.L("Set by your organisation")))
	case w.d.Connector == nil:
		return label
	}
	b := newButton(lang.L("Connect to a different organisation…"), nil, onConnect)
	return widgetColumn(label, b)
}

func widgetColumn(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(objs...)
}

// hint is small, muted text.
func hint(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Importance = widget.LowImportance
	l.TextStyle = fyne.TextStyle{Italic: true}
	return l
}
