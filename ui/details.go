package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// detailField is one labelled line of the Details dialog.
type detailField struct{ label, value string }

// detailFields lists what support needs to know about a job.
func detailFields(js uploader.JobSnapshot) []detailField {
	status, _ := statusText(&js)
	fields := []detailField{
		{"File", js.Name()},
		{"Status", status},
		{"Reason", js.Reason},
		{"Technical detail", js.Detail},
		{"From", js.Source},
		{"To", js.Key},
		{"Size", formatBytes(js.Size) + " (" + groupDigits(js.Size) + " bytes)"},
		{"Sent", formatBytes(js.Done) + " (" + groupDigits(js.Done) + " bytes)"},
		{"Upload ID", fmt.Sprint(js.ID)},
		{"Attempts", fmt.Sprint(js.Attempts)},
		{"Added", formatDate(js.Created)},
		{"Started", formatDate(js.Started)},
		{"Finished", formatDate(js.Finished)},
	}
	kept := fields[:0]
	for _, f := range fields {
		if f.value != "" {
			kept = append(kept, f)
		}
	}
	return kept
}

// supportText is the plain text "Copy for support" puts on the clipboard.
func supportText(version string, js uploader.JobSnapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Hoist %s: upload details\n", version)
	for _, f := range detailFields(js) {
		fmt.Fprintf(&b, "%s: %s\n", f.label, f.value)
	}
	return b.String()
}

// showDetails shows everything about a job, selectable, with "Copy for
// support".
func (w *MainWindow) showDetails(js uploader.JobSnapshot) {
	form := widget.NewForm()
	for _, f := range detailFields(js) {
		v := widget.NewLabel(f.value)
		v.Selectable = true
		v.Wrapping = fyne.TextWrapBreak
		form.Append(f.label, v)
	}
	scroll := container.NewVScroll(form)
	scroll.SetMinSize(fyne.NewSize(620, 380))
	d := dialog.NewCustom("Upload details", "Close", scroll, w.win)
	copyBtn := widget.NewButtonWithIcon("Copy for support", theme.ContentCopyIcon(), func() {
		w.d.App.Clipboard().SetContent(supportText(w.d.Version, js))
	})
	closeBtn := widget.NewButton("Close", d.Hide)
	closeBtn.Importance = widget.HighImportance
	d.SetButtons([]fyne.CanvasObject{copyBtn, closeBtn})
	d.Show()
}

// showAbout shows the version and what Hoist is.
func (w *MainWindow) showAbout() {
	icon := canvas.NewImageFromResource(w.d.App.Icon())
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(64, 64))
	name := widget.NewLabelWithStyle("Hoist", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameHeadingText
	top := container.NewBorder(nil, nil, icon, nil, container.NewVBox(name, widget.NewLabel(w.versionLine())))
	var d dialog.Dialog
	body := container.NewVBox(top,
		wrapped("Hoist sends large files to "+w.d.Organisation+"'s storage. Uploads survive lost connections, sleep and restarts, and carry on where they stopped."),
		widget.NewSeparator(),
		widget.NewLabel("Organisation"),
		w.organisationRow(func() {
			d.Hide()
			w.ConnectTo("")
		}),
	)
	d = dialog.NewCustom("About Hoist", "Close", container.New(&fixedWidth{width: 420}, body), w.win)
	d.Show()
}

// versionLine is the About box's "Version 0.1.0 (commit …)".
func (w *MainWindow) versionLine() string {
	if w.d.Commit == "" {
		return "Version " + w.version()
	}
	return "Version " + w.version() + " (commit " + w.d.Commit + ")"
}

func (w *MainWindow) version() string {
	if w.d.Version == "" {
		return "unknown"
	}
	return w.d.Version
}
