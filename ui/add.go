package ui

import (
	"context"
	"image/color"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
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
		showProblem(w.win, lang.L("Sign in first"), lang.L("Sign in first, then drop your files again."))
		return
	}
	paths, problems := splitURIs(uris)
	if len(paths) > 0 {
		w.uploads.highlightDrop(true)
		w.later(700*time.Millisecond, func() { w.uploads.highlightDrop(false) })
	}
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
			Reason: lang.L("this is a web link, not a file on this computer. Download it first, then drop the downloaded file here.")}
	}
	return uploader.Problem{Path: link,
		Reason: lang.L("this isn't a file on this computer, so Hoist can't upload it. Save it as a file first.")}
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
				showProblem(w.win, lang.L("Couldn't add the files"),
					lang.L("Hoist couldn't add your files: {{.Error}}", map[string]any{"Error": err.Error()})+
						"\n\n"+lang.L("Try again. If it keeps happening, restart Hoist."))
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

// Big adds from a file dialog are confirmed first ("N files, X GB —
// Upload?"): a click on the wrong folder should not start hours of work.
const (
	bigAddFiles = 100
	bigAddBytes = 10_000_000_000
)

// chooseFile lets the customer pick files: with the platform's own dialog
// (several at once) where there is one, else with Fyne's (one file).
func (w *MainWindow) chooseFile() { w.choose(false) }

// chooseFolder lets the customer pick folders; their files keep their
// structure.
func (w *MainWindow) chooseFolder() { w.choose(true) }

func (w *MainWindow) choose(folders bool) {
	if w.d.Picker == nil {
		w.fyneChoose(folders)
		return
	}
	title := lang.L("Choose files to upload")
	if folders {
		title = lang.L("Choose folders to upload")
	}
	w.spawn(func() {
		paths, err := w.d.Picker.Pick(title, folders)
		if err != nil {
			fyne.Do(func() { w.fyneChoose(folders) })
			return
		}
		w.chosen(paths)
	})
}

// chosen adds what a file dialog returned, asking first when it is a lot.
// It measures the choice, so call it off the UI goroutine.
func (w *MainWindow) chosen(paths []string) {
	if len(paths) == 0 {
		return
	}
	files, bytes := measure(w.ctx, paths)
	fyne.Do(func() {
		if files < bigAddFiles && bytes < bigAddBytes {
			w.addPaths(paths, nil)
			return
		}
		data := map[string]any{"Count": files, "Size": formatBytes(bytes)}
		question := lang.N("{{.Count}} files, {{.Size}} — upload them?", files, data)
		confirm(w.win, lang.N("Upload {{.Count}} files?", files, data), lang.L("Upload"), lang.L("Don't upload"),
			wrapped(question+" "+lang.L("Uploads continue where they stopped if the connection drops or Hoist is closed.")),
			func(ok bool) {
				if ok {
					w.addPaths(paths, nil)
				}
			}).Show()
	})
}

// measure counts the regular files under paths and their bytes (what is
// unreadable is left out: adding it says why).
func measure(ctx context.Context, paths []string) (files int, bytes int64) {
	for _, p := range paths {
		_ = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			if fi, err := d.Info(); err == nil {
				files++
				bytes += fi.Size()
			}
			return nil
		})
	}
	return files, bytes
}

// fyneChoose shows Fyne's file dialog: one file, or one folder.
func (w *MainWindow) fyneChoose(folders bool) {
	var d *dialog.FileDialog
	pickedURI := func(u fyne.URI) {
		paths, problems := splitURIs([]fyne.URI{u})
		if len(problems) > 0 {
			w.uploads.problems.show(problems)
		}
		w.spawn(func() { w.chosen(paths) })
	}
	if folders {
		d = dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
			if err != nil {
				showProblem(w.win, lang.L("Couldn't open the folder"), err.Error())
				return
			}
			if u != nil {
				pickedURI(u)
			}
		}, w.win)
		d.SetTitleText(lang.L("Choose a folder to upload"))
	} else {
		d = dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil {
				showProblem(w.win, lang.L("Couldn't open the file"), err.Error())
				return
			}
			if r == nil {
				return // cancelled
			}
			u := r.URI()
			r.Close()
			pickedURI(u)
		}, w.win)
		d.SetTitleText(lang.L("Choose a file to upload"))
	}
	d.SetConfirmText(lang.L("Upload"))
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
	all   *keyButton
	list  []uploader.Problem
}

func newProblemBanner(w *MainWindow) *problemBanner {
	b := &problemBanner{w: w}
	b.title = heading("")
	b.lines = wrapped("")
	b.all = newButton(lang.L("Show all"), nil, b.showAll)
	dismiss := newButton(lang.L("Dismiss"), theme.CancelIcon(), b.dismiss)
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
	b.title.SetText(lang.N("{{.Count}} items were not added", len(problems), map[string]any{"Count": len(problems)}))
	var lines []string
	for i, p := range problems {
		if i == maxBannerProblems {
			lines = append(lines, lang.N("…and {{.Count}} more.", len(problems)-i, map[string]any{"Count": len(problems) - i}))
			break
		}
		lines = append(lines, shortName(p.Path)+": "+problemText(p.Reason))
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
		sb.WriteString(p.Path + "\n    " + problemText(p.Reason) + "\n")
	}
	text := widget.NewLabel(sb.String())
	text.Selectable = true
	text.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(text)
	scroll.SetMinSize(fyne.NewSize(600, 360))
	newDialog(lang.L("Items not added"), lang.L("Close"), scroll, b.w.win).Show()
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
