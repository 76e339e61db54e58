package ui

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hoist/internal/i18n"
	"hoist/uploader"
)

// catalog reads internal/i18n/translations/ui.<language>.json: key → text
// (plural forms as their "other" text).
func catalog(t *testing.T, language string) map[string]string {
	t.Helper()
	data, err := i18n.FS().ReadFile(i18n.Dir + "/ui." + language + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			out[k] = x
		case map[string]any:
			out[k], _ = x["other"].(string)
		}
	}
	return out
}

// TestConstantKeysAreTranslated: the keys the window keeps in constants
// and tables (looked up with lang.L on a variable, marked i18n:dynamic) are
// in the English and the German file.
func TestConstantKeysAreTranslated(t *testing.T) {
	keys := append([]string{automatic, lockedHint, KeepingAwakeHint}, detailLabels...)
	for _, language := range []string{"en", "de"} {
		cat := catalog(t, language)
		for _, k := range keys {
			if _, ok := cat[k]; !ok {
				t.Errorf("ui.%s.json lacks %q", language, k)
			}
		}
	}
}

// TestGermanRowGoldens draws every row state in German (the engine's notes
// and reasons in them are the engine's own texts).
func TestGermanRowGoldens(t *testing.T) {
	i18n.UseEnvLanguage(t, "de_DE.UTF-8")
	testRowGoldens(t, "rows-de")
}

// TestGermanFormats: sizes, times left and counts read as German.
func TestGermanFormats(t *testing.T) {
	i18n.UseEnvLanguage(t, "de_DE.UTF-8")
	for _, c := range [][2]string{
		{formatBytes(1), "1 Byte"},
		{formatBytes(950), "950 Byte"},
		{formatBytes(1_234_567), "1,2 MB"},
		{formatBytes(123_456_789), "123 MB"},
		{formatSpeed(38_500_000), "38,5 MB/s"},
		{formatETA(30 * time.Second), "noch unter einer Minute"},
		{formatETA(61 * time.Second), "noch ca. 1 Minute"},
		{formatETA(4 * time.Minute), "noch ca. 4 Minuten"},
		{formatETA(125 * time.Minute), "noch ca. 2 Std. 5 Min."},
		{formatETA(72 * time.Hour), "noch ca. 3 Tage"},
		{groupDigits(42_300_000_000), "42.300.000.000"},
		{exactBytes(1), "1 Byte (1 Byte)"},
		{percent(0.425), "42 %"},
		{formatDate(time.Date(2026, 3, 2, 14, 5, 0, 0, time.Local)), "02.03.2026 14:05"},
	} {
		if c[0] != c[1] {
			t.Errorf("got %q, want %q", c[0], c[1])
		}
	}
	one := newFooterView(uploader.Totals{Files: 1}, 0, 0, 1)
	many := newFooterView(uploader.Totals{Files: 3, FilesDone: 2}, 0, 0, 2)
	if one.files != "0 von 1 Datei gesendet · 1 fehlgeschlagen" || many.files != "2 von 3 Dateien gesendet · 2 fehlgeschlagen" {
		t.Errorf("footer %q, %q", one.files, many.files)
	}
}

// germanJobs is a queue in every common state, as a customer sees it.
func germanJobs(now time.Time) uploader.Snapshot {
	const gb = 1_000_000_000
	running := job(1, uploader.StateRunning, 42*gb, 17*gb)
	running.Rel, running.Speed, running.ETA = "Vermessung/Drohne.mp4", 38_500_000, 125*time.Minute
	paused := job(2, uploader.StatePaused, 640_000_000, 120_000_000)
	paused.Confirmed = 120_000_000
	failed := job(3, uploader.StateFailed, 2_000_000, 0)
	failed.Reason = "Die Datei ist nicht mehr da."
	done := job(4, uploader.StateDone, 3_000_000, 3_000_000)
	queued := job(5, uploader.StateQueued, 1_900_000_000, 0)
	waiting := job(6, uploader.StatePaused, 8*gb, 2*gb)
	waiting.Confirmed, waiting.WaitingSignIn = 2*gb, true
	retrying := job(7, uploader.StateRunning, 3*gb, gb)
	retrying.Note, retrying.RetryAt = "Der Speicher antwortet nicht", now.Add(12*time.Second)
	cancelled := job(8, uploader.StateCancelled, 1_000_000, 0)
	s := snapshotOf(running, paused, failed, done, queued, waiting, retrying, cancelled)
	s.Totals.Speed, s.Totals.ETA = 38_500_000, 125*time.Minute
	return s
}

// TestGermanWindowAt1024x640 renders the main screens and dialogs in
// German at 1024×640: German words are shown, no English text of Hoist's
// is left, and nothing is cut short or pushed out of the window.
func TestGermanWindowAt1024x640(t *testing.T) {
	i18n.UseEnvLanguage(t, "de_DE.UTF-8")
	en, de := catalog(t, "en"), catalog(t, "de")
	size := fyne.NewSize(1024, 640)
	now := time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)

	fake := newFakeUploads()
	fake.setSnapshot(germanJobs(now))
	fake.history = []uploader.JobRecord{
		{ID: 4, Rel: "Vermessung/Notizen.pdf", Key: "uploads/Vermessung/Notizen.pdf", Size: 12_000_000, State: uploader.StateDone, Finished: now},
		{ID: 3, Rel: "Vermessung/Zusammenfassung.docx", Key: "uploads/Vermessung/Zusammenfassung.docx", Size: 2_000_000,
			State: uploader.StateFailed, Reason: "Die Datei ist nicht mehr da.", Finished: now},
		{ID: 8, Rel: "alter-Entwurf.docx", Key: "uploads/alter-Entwurf.docx", Size: 1_000_000, State: uploader.StateCancelled, Finished: now},
	}
	acct := &fakeAccount{restored: true, id: Identity{Name: "Ada Lovelace", Email: "ada@acme.example"}}
	w := testWindow(t, Deps{Uploads: fake, NeedsSignIn: true, Account: acct, Connector: &fakeConnector{}, Domain: "acme.example"})
	w.now = func() time.Time { return now }
	w.win.Resize(size)
	w.poll()
	w.uploads.problems.show([]uploader.Problem{linkProblem("https", "https://example.com/Bericht.pdf")})
	for i, want := range []string{"Wird hochgeladen · 38,5 MB/s · noch ca. 2 Std. 5 Min.", "Pausiert · 120 MB gesichert", "Fehlgeschlagen",
		"Fertig", "Wartet", "Pausiert bis zur Anmeldung · 2,0 GB gesichert", "Der Speicher antwortet nicht · nächster Versuch in 12 s", "Abgebrochen"} {
		if got := w.view.rows[i].status; got != want {
			t.Errorf("row %d says %q, want %q", i+1, got, want)
		}
	}

	c := w.win.Canvas()
	check := func(screen string, root fyne.CanvasObject, want ...string) {
		t.Helper()
		for range 2 { // wrapped labels know their height once they have a width
			relayout(c.Content())
			relayout(root)
		}
		shown := shownTexts(root)
		all := strings.Join(shown, "\n")
		for _, s := range want {
			if !strings.Contains(all, s) {
				t.Errorf("%s: no %q in\n%s", screen, s, all)
			}
		}
		for _, s := range shown {
			if k, ok := englishLeft(s, en, de); ok {
				t.Errorf("%s: English text left: %q (key %q)", screen, s, k)
			}
		}
		size := c.Size()
		for _, o := range []fyne.CanvasObject{c.Content(), root} {
			if m := o.MinSize(); m.Width > size.Width || m.Height > size.Height {
				t.Errorf("%s: needs %v, more than %v", screen, m, size)
			}
		}
		checkFits(t, screen, root, size)
	}

	check("uploads", c.Content(), "Dateien oder Ordner hierher ziehen", "Dateien auswählen…", "Wird hochgeladen · 38,5 MB/s · noch ca. 2 Std. 5 Min.",
		"Pausiert · 120 MB gesichert", "Fehlgeschlagen", "Angemeldet als Ada Lovelace (ada@acme.example)",
		"1 Element wurde nicht hinzugefügt", "Das ist ein Weblink", "1 von 8 Dateien gesendet · 1 fehlgeschlagen", "Laufend (5)", "Beendete entfernen")
	// The rows further down, and a retry that waits with its Try now.
	fake.setSnapshot(func() uploader.Snapshot {
		s := germanJobs(now)
		s.Jobs = s.Jobs[4:]
		return s
	}())
	w.poll()
	check("uploads, lower rows", c.Content(), "Wartet", "Pausiert bis zur Anmeldung · 2,0 GB gesichert",
		"Der Speicher antwortet nicht · nächster Versuch in 12 s", "Jetzt versuchen")

	// At 1280×800, with nothing failed, the footer's buttons have room
	// for their words.
	fake.setSnapshot(func() uploader.Snapshot {
		s := germanJobs(now)
		s.Jobs = slices.DeleteFunc(s.Jobs, func(j uploader.JobSnapshot) bool { return j.State == uploader.StateFailed })
		s.Totals.FilesFailed = 0
		return s
	}())
	w.win.Resize(fyne.NewSize(1280, 800))
	w.poll()
	check("uploads at 1280×800", c.Content(), "Alle pausieren", "Alle fortsetzen", "Alle abbrechen", "Alle wiederholen")
	fake.setSnapshot(germanJobs(now))
	w.win.Resize(size)
	w.poll()

	w.uploads.tabs.Select(w.uploads.histTab)
	check("history", c.Content(), "Verlauf", "Nur fehlgeschlagene", "3 Uploads", "Ziel: uploads/Vermessung/Notizen.pdf",
		"Fehlgeschlagen: Die Datei ist nicht mehr da.", "02.03.2026", "Zusammenfassung kopieren")
	w.uploads.tabs.Select(w.uploads.queueTab)

	dialogs := []struct {
		name string
		open func()
		want []string
	}{
		{"settings", w.showSettings, []string{"Einstellungen", "Dateien gleichzeitig", "Automatisch", "Upload-Tempo begrenzen", "Speichern", "Mit einer anderen Organisation verbinden…"}},
		{"details", func() { w.showDetails(fake.Snapshot().Jobs[0]) }, []string{"Details zum Upload", "Größe", "42,0 GB (42.000.000.000 Byte)", "Für den Support kopieren"}},
		{"about", w.showAbout, []string{"Über Hoist", "Hoist sendet große Dateien in den Speicher von Acme Research."}},
		{"cancel all", w.cancelAll, []string{"Alle Uploads abbrechen?", "Weiter hochladen", "Alle abbrechen"}},
		{"quit", w.requestQuit, []string{"Hoist beenden?", "Trotzdem beenden?", "Geöffnet lassen"}},
		{"cancel one", func() { w.confirmCancel(fake.Snapshot().Jobs[0]) }, []string{"Diesen Upload abbrechen?", "Upload abbrechen"}},
	}
	for _, d := range dialogs {
		d.open()
		top := c.Overlays().Top()
		if top == nil {
			t.Fatalf("%s did not open", d.name)
		}
		check(d.name, top, d.want...)
		c.Overlays().Remove(top)
	}

	// Signed out, with uploads waiting for the sign-in.
	fake.setSnapshot(snapshotOf(func() uploader.JobSnapshot {
		j := job(1, uploader.StatePaused, 100, 10)
		j.WaitingSignIn = true
		return j
	}()))
	w.poll()
	w.signedOut(nil, nil)
	check("signed out", c.Content(), "Anmelden", "1 Upload wartet. Melden Sie sich an, um ihn fortzusetzen.", "Dateien mit Hoist hochladen")
	acct.err = errFakeSignIn
	test.Tap(w.signIn.button)
	check("sign-in failed", c.Content(), "Die Anmeldung hat nicht geklappt", "Erneut versuchen")
}

// TestGermanConnectScreen renders the first-run screen and its
// confirmation in German at 1024×640.
func TestGermanConnectScreen(t *testing.T) {
	i18n.UseEnvLanguage(t, "de_DE.UTF-8")
	en, de := catalog(t, "en"), catalog(t, "de")
	size := fyne.NewSize(1024, 640)
	s, win, _ := newTestConnect(t, &fakeConnector{orgs: map[string]Organisation{"acme.example": {Name: "Acme Research", Domain: "acme.example"}}}, func() {})
	win.Resize(size)
	for _, step := range []struct {
		name string
		do   func()
		want []string
	}{
		{"ask", func() {}, []string{"Mit Ihrer Organisation verbinden", "Weiter", "Abbrechen", "Einladungslink"}},
		{"not found", func() { s.Look("nowhere.example") }, []string{"Details", "Weiter"}},
		{"confirm", func() { s.Look("acme.example") }, []string{"Dateien senden an", "Acme Research", "(acme.example)?", "Verbinden", "Zurück"}},
	} {
		step.do()
		for range 2 {
			relayout(win.Content())
		}
		shown := shownTexts(win.Content())
		all := strings.Join(shown, "\n")
		for _, w := range step.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: no %q in\n%s", step.name, w, all)
			}
		}
		for _, txt := range shown {
			if k, ok := englishLeft(txt, en, de); ok {
				t.Errorf("%s: English text left: %q (key %q)", step.name, txt, k)
			}
		}
		if m := win.Content().MinSize(); m.Width > size.Width || m.Height > size.Height {
			t.Errorf("%s: the screen needs %v, more than %v", step.name, m, size)
		}
		checkFits(t, step.name, win.Content(), size)
	}
}

// englishLeft reports whether s is one of Hoist's English texts that has
// another German text (a text left untranslated), and its key.
func englishLeft(s string, en, de map[string]string) (string, bool) {
	for k, v := range en {
		if v == s && de[k] != v && !strings.Contains(k, "{{") {
			return k, true
		}
	}
	return "", false
}

// shownTexts lists the visible texts under o: labels, buttons, checks and
// canvas texts.
func shownTexts(o fyne.CanvasObject) []string {
	var out []string
	for _, x := range find(o, func(fyne.CanvasObject) bool { return true }) {
		switch v := x.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *widget.Check:
			out = append(out, v.Text)
		case *canvas.Text:
			out = append(out, v.Text)
		default:
			if b, ok := asButton(x); ok {
				out = append(out, b.Text)
			}
		}
	}
	return out
}

// checkFits walks the visible objects under root and fails the test for a
// label shortened with an ellipsis, a button given less room than its
// words need, or either reaching past the right edge of a window of size.
func checkFits(t *testing.T, screen string, root fyne.CanvasObject, size fyne.Size) {
	t.Helper()
	var walk func(o fyne.CanvasObject, origin fyne.Position)
	walk = func(o fyne.CanvasObject, origin fyne.Position) {
		if o == nil || !o.Visible() {
			return
		}
		pos := origin.Add(o.Position())
		text, need := "", float32(0)
		switch v := o.(type) {
		case *widget.Label:
			if v.Text != "" && v.Truncation != fyne.TextTruncateOff {
				full := widget.NewLabelWithStyle(v.Text, v.Alignment, v.TextStyle)
				full.SizeName = v.SizeName
				text, need = v.Text, full.MinSize().Width
			}
		default:
			if b, ok := asButton(o); ok && b.Text != "" {
				text, need = b.Text, o.MinSize().Width
			}
		}
		if l, ok := o.(*widget.Label); ok && l.Text != "" && l.Wrapping != fyne.TextWrapOff && o.Size().Height+0.5 < o.MinSize().Height {
			t.Errorf("%s: %q has %.0f of the %.0f high it needs for its lines", screen, l.Text, o.Size().Height, o.MinSize().Height)
		}
		if r, ok := o.(*queueRow); ok && r.Size().Height+0.5 < r.MinSize().Height {
			t.Errorf("%s: the row of %q has %.0f of the %.0f high it needs", screen, r.name.Text, r.Size().Height, r.MinSize().Height)
		}
		if text != "" {
			if o.Size().Width+0.5 < need {
				t.Errorf("%s: %q is cut short (%.0f of %.0f)", screen, text, o.Size().Width, need)
			}
			if right := pos.X + o.Size().Width; right > size.Width+0.5 {
				t.Errorf("%s: %q reaches past the window's edge (%.0f > %.0f)", screen, text, right, size.Width)
			}
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c, pos)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c, pos)
			}
		}
	}
	walk(root, fyne.NewPos(0, 0))
}

// relayout lays o and everything under it out again at their sizes, as a
// real window does each frame for texts that changed (Fyne's test canvas
// does not).
func relayout(o fyne.CanvasObject) {
	switch v := o.(type) {
	case *fyne.Container:
		if v.Layout != nil {
			v.Layout.Layout(v.Objects, v.Size())
		}
		for _, c := range v.Objects {
			relayout(c)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(v)
		r.Layout(v.Size())
		for _, c := range r.Objects() {
			relayout(c)
		}
	}
}

// TestGermanMessages: notifications, what a second launch is told, the
// support summary and the start-up problem window read as German.
func TestGermanMessages(t *testing.T) {
	i18n.UseEnvLanguage(t, "de_DE.UTF-8")
	prev := queueView{active: 1}
	next := queueView{totals: uploader.Totals{Files: 2, FilesDone: 2, Bytes: 2000}}
	if n := batchNotice(prev, next); n == nil || n.Title != "Uploads beendet" || n.Content != "2 Dateien gesendet (2,0 KB)." {
		t.Errorf("batch notice %+v", n)
	}
	next.totals.FilesDone, next.totals.FilesFailed = 1, 1
	if n := batchNotice(prev, next); n == nil || n.Content != "1 Datei gesendet · 1 fehlgeschlagen. Öffnen Sie Hoist, um es erneut zu versuchen." {
		t.Errorf("batch notice with a failure %+v", n)
	}

	fake := newFakeUploads()
	w := testWindow(t, Deps{Uploads: fake, Account: &fakeAccount{}, NeedsSignIn: true, Connector: &fakeConnector{}})
	if msg := w.Open([]string{"/tmp/a.bin"}); msg != "Hoist sendet 1 Datei oder Ordner, sobald Sie angemeldet sind." {
		t.Errorf("Open says %q", msg)
	}
	fake.setSnapshot(snapshotOf(job(1, uploader.StatePaused, 100, 10), job(2, uploader.StateRunning, 100, 10)))
	if msg, _ := w.ConnectTo("other.example"); !strings.HasPrefix(msg, "2 Uploads an Acme Research sind noch nicht fertig.") {
		t.Errorf("ConnectTo says %q", msg)
	}

	failed := uploader.JobRecord{ID: 7, Rel: "a.bin", Key: "uploads/a.bin", Size: 2000, State: uploader.StateFailed, Attempts: 1}
	sum := historySummary(summaryHeader{Version: "1.0", Organisation: "Acme Research", OnlyFailed: true, At: time.Now()},
		[]histRow{newHistRow(failed, func(k string) string { return k })})
	for _, want := range []string{"Hoist 1.0: Zusammenfassung der Uploads an Acme Research", "1 fehlgeschlagener Upload: 0 fertig, 1 fehlgeschlagen",
		"Upload-ID 7, 1 Versuch", "Ziel: uploads/a.bin"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}

	a := test.NewTempApp(t)
	win := NewStartupErrorWindow(a, "1.0", plainError("Die Einstellungen sind fehlerhaft."))
	defer win.Close()
	text := strings.Join(shownTexts(win.Content()), "|")
	for _, want := range []string{"Hoist konnte nicht starten", "Meldung kopieren", "Beenden", "Öffnen Sie Hoist noch einmal."} {
		if !strings.Contains(text, want) {
			t.Errorf("start-up window lacks %q: %s", want, text)
		}
	}
}

// TestGermanSpeedLimit: the speed limit and its days are shown and typed
// the German way, and saved as the configuration writes them.
func TestGermanSpeedLimit(t *testing.T) {
	i18n.UseEnvLanguage(t, "de_DE.UTF-8")
	f := newSettingsForm(Settings{MaxRate: "2.5MB/s", RateSchedule: "Mon-Fri 09:00-17:00; Sat"}, true)
	if f.rate.Text != "2,5MB/s" || f.sched.Text != "Mo-Fr 09:00-17:00; Sa" {
		t.Errorf("shown as %q, %q", f.rate.Text, f.sched.Text)
	}
	f.rate.SetText("1,5 MB/s")
	f.sched.SetText("Di,Do 08:00-12:00")
	if s := f.value(); s.MaxRate != "1.5 MB/s" || s.RateSchedule != "Tue,Thu 08:00-12:00" {
		t.Errorf("saved as %q, %q", s.MaxRate, s.RateSchedule)
	}
	f.sched.SetText("Montag früh")
	if err := f.sched.Validate(); err == nil || !strings.Contains(err.Error(), "Mo-Fr 09:00-17:00") {
		t.Errorf("a schedule that does not parse: %v", err)
	}
}
