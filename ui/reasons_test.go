package ui

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hoist/internal/i18n"
	"hoist/uploader"
)

// codeConsts reads the reason codes uploader/codes.go declares (every
// string constant named Code…): name → value.
func codeConsts(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "uploader", "codes.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !strings.HasPrefix(n.Name, "Code") || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					out[n.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d codes in uploader/codes.go: %v", len(out), out)
	}
	return out
}

// TestEveryCodeHasAReason: each code the engine declares has a text in
// reasonKeys, and reasonKeys has no code the engine does not declare.
func TestEveryCodeHasAReason(t *testing.T) {
	codes := codeConsts(t)
	values := map[string]bool{}
	for name, code := range codes {
		values[code] = true
		if _, ok := reasonKeys[code]; !ok {
			t.Errorf("uploader.%s (%q) has no entry in reasonKeys", name, code)
		}
	}
	for code := range reasonKeys {
		if !values[code] {
			t.Errorf("reasonKeys has %q, which uploader/codes.go does not declare", code)
		}
	}
}

// codesCatalog reads translations/<name>.
func codesCatalog(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := i18n.FS().ReadFile(i18n.Dir + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// TestReasonKeysAreTranslated: every reason, note and problem key is in
// codes.en.json (as its own text) and in codes.de.json.
func TestReasonKeysAreTranslated(t *testing.T) {
	en, de := codesCatalog(t, "codes.en.json"), codesCatalog(t, "codes.de.json")
	keys := append(append([]string(nil), noteKeys...), problemKeys...)
	for _, k := range reasonKeys {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if en[k] != k {
			t.Errorf("codes.en.json: %q → %v, want the key itself", k, en[k])
		}
		if s, _ := de[k].(string); s == "" || s == k {
			t.Errorf("codes.de.json: no German for %q", k)
		}
	}
	if len(en) != len(keys) {
		t.Errorf("codes.en.json has %d keys, the tables %d: remove the ones no table has", len(en), len(keys))
	}
}

// fieldless writes a text with its varying parts as \x00: a key's fields, or
// in the engine's code a value computed at run time.
func fieldless(key string) string { return templateField.ReplaceAllString(key, "\x00") }

var printfVerb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

// engineText is the text expression e builds, with run-time values as
// \x00; consts resolves the package's string constants.
func engineText(e ast.Expr, consts map[string]string) string {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			s, _ := strconv.Unquote(x.Value)
			return s
		}
	case *ast.Ident:
		if s, ok := consts[x.Name]; ok {
			return s
		}
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			return engineText(x.X, consts) + engineText(x.Y, consts)
		}
	case *ast.ParenExpr:
		return engineText(x.X, consts)
	case *ast.CallExpr:
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(x.Args) > 0 {
			format := engineText(x.Args[0], consts)
			return printfVerb.ReplaceAllStringFunc(format, func(v string) string {
				if strings.HasSuffix(v, "q") {
					return "\"\x00\""
				}
				return "\x00"
			})
		}
	}
	return "\x00"
}

// engineTexts collects the reasons, notes and problems the Go files
// write: the texts given to fail, failCode, setNote and problem, put in a
// Failure's Reason, assigned to a Reason, a Note or a note, returned by a
// …Note or …Reason function, or the errors of keyFor (which become
// Problems). Each maps to where it is written.
func engineTexts(t *testing.T, paths ...string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	consts := map[string]string{}
	for _, p := range paths {
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								consts[n.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				}
			}
		}
	}
	out := map[string]string{}
	add := func(e ast.Expr) {
		s := engineText(e, consts)
		if strings.Trim(s, "\x00") != "" {
			out[s] = fset.Position(e.Pos()).String()
		}
	}
	target := func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.SelectorExpr:
			return x.Sel.Name == "Reason" || x.Sel.Name == "Note"
		case *ast.Ident:
			return x.Name == "note"
		}
		return false
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := x.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				arg := map[string]int{"fail": 0, "failCode": 1, "setNote": 0, "problem": 1}
				if i, ok := arg[name]; ok && len(x.Args) > i {
					add(x.Args[i])
				}
			case *ast.KeyValueExpr:
				if k, ok := x.Key.(*ast.Ident); ok && k.Name == "Reason" {
					add(x.Value)
				}
			case *ast.AssignStmt:
				if len(x.Lhs) == len(x.Rhs) {
					for i, l := range x.Lhs {
						if target(l) {
							add(x.Rhs[i])
						}
					}
				}
			case *ast.FuncDecl:
				if x.Name.Name == "keyFor" { // its errors are Problems
					ast.Inspect(x.Body, func(n ast.Node) bool {
						if c, ok := n.(*ast.CallExpr); ok {
							if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Errorf" {
								add(&ast.CallExpr{Fun: &ast.SelectorExpr{X: sel.X, Sel: ast.NewIdent("Sprintf")}, Args: c.Args})
							}
						}
						return true
					})
				}
				if (strings.HasSuffix(x.Name.Name, "Note") || strings.HasSuffix(x.Name.Name, "Reason")) && x.Body != nil {
					ast.Inspect(x.Body, func(n ast.Node) bool {
						if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
							add(r.Results[0])
						}
						return true
					})
				}
			}
			return true
		})
	}
	return out
}

// TestEngineTextsAreTheTables: every reason, note and problem the engine
// (and app's STS refusal) writes is worded as in one of the tables, so the
// window can word it in another language; and every entry of the tables is
// still written somewhere.
func TestEngineTextsAreTheTables(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "uploader", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var src []string
	for _, p := range paths {
		if !strings.HasSuffix(p, "_test.go") {
			src = append(src, p)
		}
	}
	src = append(src, filepath.Join("..", "app", "stsfailures.go"))
	written := engineTexts(t, src...)
	if len(written) < 20 {
		t.Fatalf("found only %d texts in the engine: %q", len(written), written)
	}
	known := map[string]bool{}
	for _, k := range reasonKeys {
		known[fieldless(k)] = true
	}
	for _, k := range append(append([]string(nil), noteKeys...), problemKeys...) {
		known[fieldless(k)] = true
	}
	for text, where := range written {
		if !known[text] {
			t.Errorf("%s: %q is in none of reasonKeys, noteKeys, problemKeys", where, strings.ReplaceAll(text, "\x00", "{{…}}"))
		}
	}
	for k := range known {
		if _, ok := written[k]; !ok {
			t.Errorf("%q is written nowhere in the engine", strings.ReplaceAll(k, "\x00", "{{…}}"))
		}
	}
}

// TestReasonTextFallbacks: English is the stored text; what Hoist cannot
// word from a code shows as stored.
func TestReasonTextFallbacks(t *testing.T) {
	bucket := fmt.Sprintf("The destination %q does not exist. Ask your organisation's support to check Hoist's settings.", "hoist")
	cases := []struct{ name, code, stored, want string }{
		{"plain code", uploader.CodeAccessDenied, reasonKeys[uploader.CodeAccessDenied], reasonKeys[uploader.CodeAccessDenied]},
		{"code with a field", uploader.CodeNoSuchBucket, bucket, bucket},
		{"unknown code", "from_a_newer_hoist", "Something new.", "Something new."},
		{"field unreadable", uploader.CodeNoSuchBucket, "The destination is gone.", "The destination is gone."},
		{"journal before codes", "", "The storage refused access.", "The storage refused access."},
		{"note", "", "A file with the same name was already there, so this one was stored as a (1).txt.",
			"A file with the same name was already there, so this one was stored as a (1).txt."},
		{"nothing", uploader.CodeAccessDenied, "", ""},
	}
	for _, c := range cases {
		if got := reasonText(c.code, c.stored); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestGermanHistory: History, the upload list and Details word a failed
// job from its code in German, with the bucket's name from the stored
// text; a job from a journal before the codes keeps its English text.
func TestGermanHistory(t *testing.T) {
	i18n.UseEnvLanguage(t, "de_DE.UTF-8")
	fake := newFakeUploads()
	fake.history = []uploader.JobRecord{
		{ID: 7, Rel: "scan.tif", Key: "uploads/scan.tif", Size: 2000, State: uploader.StateFailed, Code: uploader.CodeNoSuchBucket,
			Reason: fmt.Sprintf("The destination %q does not exist. Ask your organisation's support to check Hoist's settings.", "acme-uploads"),
			Detail: "NoSuchBucket: The specified bucket does not exist", Finished: time.Now()},
		{ID: 8, Rel: "old.bin", Key: "uploads/old.bin", Size: 10, State: uploader.StateFailed,
			Reason: "The storage refused access.", Finished: time.Now()},
		{ID: 9, Rel: "a.txt", Key: "uploads/a (1).txt", Size: 10, State: uploader.StateDone,
			Reason: "A file with the same name was already there, so this one was stored as a (1).txt.", Finished: time.Now()},
	}
	w := testWindow(t, Deps{Uploads: fake})
	w.uploads.tabs.Select(w.uploads.histTab)
	rows := w.uploads.history.rows
	if len(rows) != 3 {
		t.Fatalf("history shows %d rows", len(rows))
	}
	const german = "Das Ziel „acme-uploads“ gibt es nicht. Bitten Sie den Support Ihrer Organisation, die Einstellungen von Hoist zu prüfen."
	byID := map[uint64]string{}
	for _, r := range rows {
		byID[r.rec.ID] = r.status
	}
	if !strings.HasSuffix(byID[7], german) {
		t.Errorf("failed job in history: %q, want it to end with %q", byID[7], german)
	}
	if !strings.HasSuffix(byID[8], "The storage refused access.") {
		t.Errorf("job from an old journal: %q, want its stored English text", byID[8])
	}

	js := uploader.JobSnapshot{JobRecord: fake.history[0]}
	if got := newRowView(&js, nil, time.Now()).reason; got != german {
		t.Errorf("row reason %q, want %q", got, german)
	}
	var reason, detail string
	for _, f := range detailFields(js, time.Now(), func(k string) string { return k }) {
		switch f.value {
		case german:
			reason = f.value
		case js.Detail:
			detail = f.value
		}
	}
	if reason == "" || detail == "" {
		t.Errorf("Details lacks the German reason or the untranslated technical detail: %+v",
			detailFields(js, time.Now(), func(k string) string { return k }))
	}
	done := uploader.JobSnapshot{JobRecord: fake.history[2]}
	if status, _ := statusText(&done, time.Now()); !strings.Contains(status, "deshalb wurde diese als a (1).txt gespeichert.") {
		t.Errorf("done job's note: %q", status)
	}
	waiting := uploader.JobSnapshot{JobRecord: uploader.JobRecord{ID: 10, State: uploader.StateRunning, Size: 10}, Note: "Waiting for the network"}
	if status, _ := statusText(&waiting, time.Now()); !strings.Contains(status, "Warten auf das Netzwerk") {
		t.Errorf("running job's note: %q", status)
	}
}

// TestGermanProblems: why a dropped entry was not sent reads in German,
// with the name taken from the English text; an unknown reason stays.
func TestGermanProblems(t *testing.T) {
	i18n.UseEnvLanguage(t, "de_DE.UTF-8")
	cases := map[string]string{
		"the folder is empty": "der Ordner ist leer",
		fmt.Sprintf("the name %q leaves nothing to use as a file name", " / "): "vom Namen „ / “ bleibt nichts als Dateiname übrig",
		"open /x: input/output error":                                          "open /x: input/output error",
	}
	for in, want := range cases {
		if got := problemText(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

// BenchmarkFailedQueue10kGerman builds the queue of 10,000 jobs that all
// failed for a missing bucket (every file of a wrongly set-up Hoist), in
// German: the worst case of wording reasons from codes, paid once when
// they fail (unchanged rows are reused on later ticks).
func BenchmarkFailedQueue10kGerman(b *testing.B) {
	i18n.UseEnvLanguage(b, "de_DE.UTF-8")
	s := bigSnapshot(10_000)
	for i := range s.Jobs {
		s.Jobs[i].State, s.Jobs[i].Code = uploader.StateFailed, uploader.CodeNoSuchBucket
		s.Jobs[i].Reason = fmt.Sprintf("The destination %q does not exist. Ask your organisation's support to check Hoist's settings.", "acme-uploads")
	}
	for b.Loop() {
		buildQueueView(s, nil, nil, 0, time.Now())
	}
}
