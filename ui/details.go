package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// detailField is one labelled line of the Details dialog.
type detailField struct{ label, value string }

// detailLabels are the Details dialog's lines, in order; a line without a
// value is hidden. They are English keys of the translations (shown with
// lang.L; TestConstantKeysAreTranslated checks them).
var detailLabels = []string{"File", "Status", "Reason", "Last error", "Technical detail", "From", "To", "Storage key",
	"Size", "Sent", "Kept by the storage", "Upload ID", "Attempts", "Added", "Started", "Finished"}

// detailFields lists what support needs to know about a job.
func detailFields(js uploader.JobSnapshot, now time.Time, dest func(string) string) []detailField {
	status, _ := statusText(&js, now)
	values := map[string]string{
		"File":             js.Name(),
		"Status":           status,
		"Reason":           jobReason(&js.JobRecord),
		"Last error":       js.LastError,
		"Technical detail": js.Detail,
		"From":             js.Source,
		"To":               dest(js.Key),
		"Size":             exactBytes(js.Size),
		"Sent":             exactBytes(js.Done),
		"Upload ID":        fmt.Sprint(js.ID),
		"Attempts":         fmt.Sprint(js.Attempts),
		"Added":            formatDate(js.Created),
		"Started":          formatDate(js.Started),
		"Finished":         formatDate(js.Finished),
	}
	if to := values["To"]; to != js.Key {
		values["Storage key"] = js.Key // for support: the object's own name
	}
	if js.Confirmed != js.Done && !js.State.Final() {
		values["Kept by the storage"] = exactBytes(js.Confirmed)
	}
	var fields []detailField
	for _, l := range detailLabels {
		if v := values[l]; v != "" {
			fields = append(fields, detailField{l, v})
		}
	}
	return fields
}

// exactBytes is "1.2 GB (1,234,567,890 bytes)".
func exactBytes(n int64) string {
	return lang.N("{{.Size}} ({{.Count}} bytes)", int(n), map[string]any{"Size": formatBytes(n), "Count": groupDigits(n)})
}

// detailLabel is how the Details dialog names line l.
func detailLabel(l string) string {
	return lang.L(l) // i18n:dynamic: detailLabels, TestConstantKeysAreTranslated
}

// supportText is the plain text "Copy for support" puts on the clipboard.
func supportText(version string, js uploader.JobSnapshot, now time.Time, dest func(string) string) string {
	var b strings.Builder
	fmt.Fprintln(&b, lang.L("Hoist {{.Version}}: upload details", map[string]any{"Version": version}))
	for _, f := range detailFields(js, now, dest) {
		fmt.Fprintf(&b, "%s: %s\n", detailLabel(f.label), f.value)
	}
	return b.String()
}

// detailsDialog is the open Details dialog. It follows its job live: each
// new queue view updates it (refreshDetails).
type detailsDialog struct {
	dlg    *dialog.CustomDialog
	job    uploader.JobSnapshot
	keys   map[string]*widget.Label
	values map[string]*widget.Label
	copy   *keyButton
	dest   func(string) string
}

// showDetails shows everything about a job, selectable, with "Copy for
// support"; it stays up to date while open.
func (w *MainWindow) showDetails(js uploader.JobSnapshot) {
	dd := &detailsDialog{job: js, keys: map[string]*widget.Label{}, values: map[string]*widget.Label{}}
	grid := container.New(layout.NewFormLayout())
	for _, l := range detailLabels {
		k := widget.NewLabelWithStyle(detailLabel(l), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		v := widget.NewLabel("")
		v.Selectable = true
		v.Wrapping = fyne.TextWrapWord
		dd.keys[l], dd.values[l] = k, v
		grid.Add(k)
		grid.Add(v)
	}
	scroll := container.NewVScroll(grid)
	scroll.SetMinSize(fyne.NewSize(620, 380))
	dd.dlg = newDialog(lang.L("Upload details"), lang.L("Close"), scroll, w.win)
	dd.copy = newButton(lang.L("Copy for support"), theme.ContentCopyIcon(), func() {
		w.d.App.Clipboard().SetContent(supportText(w.d.Version, dd.job, w.now(), w.destination))
		showCopied(dd.copy, w.later)
	})
	closeBtn := newButton(lang.L("Close"), nil, dd.dlg.Hide)
	closeBtn.Importance = widget.HighImportance
	dd.dlg.SetButtons([]fyne.CanvasObject{dd.copy, closeBtn})
	dd.dlg.SetOnClosed(func() {
		if w.details == dd {
			w.details = nil
		}
	})
	dd.dest = w.destination
	dd.set(js, w.now())
	w.details = dd
	dd.dlg.Show()
}

// set shows js.
func (dd *detailsDialog) set(js uploader.JobSnapshot, now time.Time) {
	dd.job = js
	shown := map[string]string{}
	for _, f := range detailFields(js, now, dd.dest) {
		shown[f.label] = f.value
	}
	for _, l := range detailLabels {
		v := shown[l]
		if lbl := dd.values[l]; lbl.Text != v {
			lbl.SetText(v)
		}
		showIf(dd.values[l], v != "")
		showIf(dd.keys[l], v != "")
	}
}

// refreshDetails brings the open Details dialog up to date with the last
// queue view (UI goroutine).
func (w *MainWindow) refreshDetails() {
	dd := w.details
	if dd == nil {
		return
	}
	for _, r := range w.view.rows {
		if r.job.ID == dd.job.ID {
			if !sameJob(r.job, &dd.job) || !r.job.RetryAt.IsZero() {
				dd.set(*r.job, w.now())
			}
			return
		}
	}
}

// showAbout shows the version and what Hoist is.
func (w *MainWindow) showAbout() {
	icon := canvas.NewImageFromResource(w.d.App.Icon())
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(64, 64))
	name := widget.NewLabelWithStyle("Hoist", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameHeadingText
	top := border(nil, nil, icon, nil, container.NewVBox(name, widget.NewLabel(w.versionLine())))
	var d dialog.Dialog
	body := container.NewVBox(top,
		wrapped(lang.L("Hoist sends large files to {{.Organisation}}'s storage. Uploads survive lost connections, sleep and restarts, and carry on where they stopped.",
			map[string]any{"Organisation": w.d.Organisation})),
		widget.NewSeparator(),
		widget.NewLabel(lang.L("Organisation")),
		w.organisationRow(func() {
			d.Hide()
			w.ConnectTo("")
		}),
	)
	d = newDialog(lang.L("About Hoist"), lang.L("Close"), container.New(&fixedWidth{width: 420}, body), w.win)
	d.Show()
}

// versionLine is the About box's "Version 0.1.0 (commit …)".
func (w *MainWindow) versionLine() string {
	if w.d.Commit == "" {
		return lang.L("Version {{.Version}}", map[string]any{"Version": w.version()})
	}
	return lang.L("Version {{.Version}} (commit {{.Commit}})", map[string]any{"Version": w.version(), "Commit": w.d.Commit})
}

func (w *MainWindow) version() string {
	if w.d.Version == "" {
		return lang.L("unknown")
	}
	return w.d.Version
}
