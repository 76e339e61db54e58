package ui

import (
	"image/color"
	"path/filepath"
	"regexp"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// maxBannerProblems is how many problems the banner lists; the rest are
// behind "Show all".
const maxBannerProblems = 4

// dropped handles items dropped on the window (UI goroutine).
func (w *MainWindow) dropped(uris []fyne.URI) {
	if w.d.NeedsSignIn && !w.signedIn {
		showProblem(w.win, "Sign in first", "Sign in first, then drop your files again.")
		return
	}
	paths, problems := splitURIs(uris)
	w.addPaths(paths, problems)
}

// splitURIs keeps the local files and folders; anything else becomes a
// problem in plain words.
func splitURIs(uris []fyne.URI) ([]string, []uploader.Problem) {
	var paths []string
	var problems []uploader.Problem
	for _, u := range uris {
		if u == nil {
			continue
		}
		scheme, link := strings.ToLower(u.Scheme()), u.String()
		if scheme == "file" {
			l, ok := linkFromPath(u.Path())
			if !ok {
				paths = append(paths, u.Path())
				continue
			}
			scheme, link = strings.ToLower(l[:strings.Index(l, ":")]), l
		}
		problems = append(problems, linkProblem(scheme, link))
	}
	return paths, problems
}

// linkProblem explains why a dropped link cannot be uploaded.
func linkProblem(scheme, link string) uploader.Problem {
	if scheme == "http" || scheme == "https" {
		return uploader.Problem{Path: link,
			Reason: "this is a web link, not a file on this computer. Download it first, then drop the downloaded file here."}
	}
	return uploader.Problem{Path: link,
		Reason: "this isn't a file on this computer, so Hoist can't upload it. Save it as a file first."}
}

// schemeElement matches a path element that is a URL scheme ("https:").
var schemeElement = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]+:$`)

// linkFromPath finds a link that a drop turned into a path. Fyne's desktop
// driver makes every dropped name an absolute file path, so a dropped
// "https://example.com/a.pdf" arrives as "/current/dir/https:/example.com/a.pdf".
// It returns the link rebuilt, or false for an ordinary path.
func linkFromPath(p string) (string, bool) {
	elems := strings.Split(filepath.ToSlash(p), "/")
	for i, e := range elems {
		if schemeElement.MatchString(e) {
			return e + "//" + strings.Join(elems[i+1:], "/"), true
		}
	}
	return "", false
}

// addPaths queues paths off the UI goroutine and then shows what could not
// be added: problems found before, plus the engine's.
func (w *MainWindow) addPaths(paths []string, problems []uploader.Problem) {
	if len(paths) == 0 {
		w.uploads.problems.show(problems)
		return
	}
	w.adding += len(paths)
	w.uploads.setAdding(w.adding)
	w.uploads.tabs.Select(w.uploads.queueTab)
	w.addJob(func() {
		added, err := w.d.Uploads.Add(w.ctx, paths...)
		fyne.Do(func() {
			w.adding -= len(paths)
			w.uploads.setAdding(w.adding)
			w.uploads.problems.show(append(problems, added.Problems...))
			if err != nil && w.ctx.Err() == nil {
				showProblem(w.win, "Couldn't add the files",
					"Hoist couldn't add your files: "+err.Error()+"\n\nTry again. If it keeps happening, restart Hoist.")
			}
		})
	})
}

// refreshSoon polls at once, so an action shows without waiting for the
// next tick (only while the ticker runs; any goroutine).
func (w *MainWindow) refreshSoon() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// chooseFile lets the user pick one file with Fyne's file dialog.
func (w *MainWindow) chooseFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			showProblem(w.win, "Couldn't open the file", err.Error())
			return
		}
		if r == nil {
			return // cancelled
		}
		u := r.URI()
		r.Close()
		paths, problems := splitURIs([]fyne.URI{u})
		w.addPaths(paths, problems)
	}, w.win)
	d.SetConfirmText("Upload")
	d.SetTitleText("Choose a file to upload")
	w.sizeFileDialog(d)
	d.Show()
}

// chooseFolder lets the user pick a folder; its files keep their structure.
func (w *MainWindow) chooseFolder() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			showProblem(w.win, "Couldn't open the folder", err.Error())
			return
		}
		if u == nil {
			return
		}
		paths, problems := splitURIs([]fyne.URI{u})
		w.addPaths(paths, problems)
	}, w.win)
	d.SetConfirmText("Upload")
	d.SetTitleText("Choose a folder to upload")
	w.sizeFileDialog(d)
	d.Show()
}

func (w *MainWindow) sizeFileDialog(d *dialog.FileDialog) {
	d.Resize(w.win.Canvas().Size().Subtract(fyne.NewSize(80, 80)))
}

// problemBanner lists what could not be added, until dismissed.
type problemBanner struct {
	w     *MainWindow
	root  *fyne.Container
	title *widget.Label
	lines *widget.Label
	all   *widget.Button
	list  []uploader.Problem
}

func newProblemBanner(w *MainWindow) *problemBanner {
	b := &problemBanner{w: w}
	b.title = heading("")
	b.lines = wrapped("")
	b.all = widget.NewButton("Show all", b.showAll)
	dismiss := widget.NewButtonWithIcon("Dismiss", theme.CancelIcon(), b.dismiss)
	b.root = banner(theme.ColorNameError, theme.ErrorIcon(),
		container.NewVBox(b.title, b.lines), container.NewVBox(dismiss, b.all))
	b.root.Hide()
	return b
}

// show lists problems; none leaves the banner as it is.
func (b *problemBanner) show(problems []uploader.Problem) {
	if len(problems) == 0 {
		return
	}
	b.list = problems
	b.title.SetText(plural(len(problems), "item was", "items were") + " not added")
	var lines []string
	for i, p := range problems {
		if i == maxBannerProblems {
			lines = append(lines, "…and "+plural(len(problems)-i, "more", "more")+".")
			break
		}
		lines = append(lines, shortName(p.Path)+": "+p.Reason)
	}
	b.lines.SetText(strings.Join(lines, "\n"))
	showIf(b.all, len(problems) > maxBannerProblems)
	b.root.Show()
}

func (b *problemBanner) dismiss() {
	b.list = nil
	b.root.Hide()
}

// showAll lists every problem with its full path, selectable.
func (b *problemBanner) showAll() {
	var sb strings.Builder
	for _, p := range b.list {
		sb.WriteString(p.Path + "\n    " + p.Reason + "\n")
	}
	text := widget.NewLabel(sb.String())
	text.Selectable = true
	text.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(text)
	scroll.SetMinSize(fyne.NewSize(600, 360))
	dialog.NewCustom("Items not added", "Close", scroll, b.w.win).Show()
}

// shortName is the last element of a path or link, for short messages.
func shortName(p string) string {
	if strings.Contains(p, "://") {
		return p
	}
	return filepath.Base(p)
}

// withAlpha returns c with alpha a.
func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}
