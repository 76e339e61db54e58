package i18n

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// languages are the languages Hoist ships; every area needs a file for each.
var languages = []string{"en", "de"}

var fieldRE = regexp.MustCompile(`{{\s*\.([A-Za-z_][A-Za-z0-9_]*)`)

// fields returns the sorted, de-duplicated template fields in v, which is
// either a text or a map of plural forms ("one", "other", …) to texts.
func fields(t *testing.T, name, key string, v any) []string {
	t.Helper()
	var texts []string
	switch x := v.(type) {
	case string:
		texts = []string{x}
	case map[string]any:
		for form, s := range x {
			str, ok := s.(string)
			if !ok {
				t.Errorf("%s: %q: plural form %q is not a text", name, key, form)
				continue
			}
			texts = append(texts, str)
		}
		if _, ok := x["other"]; !ok {
			t.Errorf("%s: %q: plural forms without \"other\"", name, key)
		}
	default:
		t.Errorf("%s: %q: value is neither a text nor plural forms", name, key)
	}
	set := map[string]bool{}
	for _, s := range texts {
		if strings.TrimSpace(s) == "" {
			t.Errorf("%s: %q: empty translation", name, key)
		}
		for _, m := range fieldRE.FindAllStringSubmatch(s, -1) {
			set[m[1]] = true
		}
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// readCatalogs reads every translation file: area → language → key →
// the template fields of its text (all plural forms together).
func readCatalogs(t *testing.T) map[string]map[string]map[string][]string {
	t.Helper()
	entries, err := files.ReadDir(Dir)
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]map[string]map[string][]string{}
	for _, e := range entries {
		parts := strings.Split(e.Name(), ".")
		if len(parts) != 3 || parts[2] != "json" {
			t.Errorf("%s: name is not <area>.<language>.json", e.Name())
			continue
		}
		area, language := parts[0], parts[1]
		data, err := files.ReadFile(Dir + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if all[area] == nil {
			all[area] = map[string]map[string][]string{}
		}
		cat := map[string][]string{}
		for k, v := range raw {
			cat[k] = fields(t, e.Name(), k, v)
		}
		all[area][language] = cat
	}
	return all
}

// TestEveryKeyInEveryLanguage: each area has a file per shipped language,
// with exactly the English keys and, per key, the same template fields (a
// translation that drops {{.Name}} would show less than the English).
func TestEveryKeyInEveryLanguage(t *testing.T) {
	all := readCatalogs(t)
	if len(all) == 0 {
		t.Fatal("no translation files")
	}
	for area, byLang := range all {
		en, ok := byLang["en"]
		if !ok {
			t.Errorf("area %q has no English file", area)
			continue
		}
		for _, l := range languages {
			cat, ok := byLang[l]
			if !ok {
				t.Errorf("area %q has no %s file", area, l)
				continue
			}
			for k, want := range en {
				got, ok := cat[k]
				if !ok {
					t.Errorf("%s.%s.json lacks %q", area, l, k)
					continue
				}
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s.%s.json: %q uses fields %v, English uses %v", area, l, k, got, want)
				}
			}
			for k := range cat {
				if _, ok := en[k]; !ok {
					t.Errorf("%s.%s.json has %q, which no English file has", area, l, k)
				}
			}
		}
	}
}

// TestTranslationsLoad: Fyne's loader (go-i18n) accepts every file.
func TestTranslationsLoad(t *testing.T) {
	if err := Reload(); err != nil {
		t.Fatal(err)
	}
}

// langCalls maps the lang functions that take a key to the index of the
// argument that is the key.
var langCalls = map[string]int{
	"L": 0, "N": 0, "X": 0, "XN": 0,
	"Localize": 0, "LocalizePlural": 0, "LocalizeKey": 0, "LocalizePluralKey": 0,
}

// TestCodeKeysAreTranslated reads every Go file of the module (tests
// included, since they look texts up too) and checks that each literal key
// given to Fyne's lang package is in the English files. A key that is not a
// literal must carry a "// i18n:dynamic" comment on its line, which says the
// caller checks its keys another way (for example a table of reason codes
// with its own test).
func TestCodeKeysAreTranslated(t *testing.T) {
	en := map[string]bool{}
	for _, byLang := range readCatalogs(t) {
		for k := range byLang["en"] {
			en[k] = true
		}
	}
	root := moduleRoot(t)
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !strings.Contains(string(src), "fyne.io/fyne/v2/lang") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return err
		}
		checkFile(t, fset, f, src, en)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func checkFile(t *testing.T, fset *token.FileSet, f *ast.File, src []byte, en map[string]bool) {
	t.Helper()
	alias := "lang"
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "fyne.io/fyne/v2/lang" && imp.Name != nil {
			alias = imp.Name.Name
		}
	}
	lines := strings.Split(string(src), "\n")
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok || pkg.Name != alias {
			return true
		}
		idx, ok := langCalls[sel.Sel.Name]
		if !ok || len(call.Args) <= idx {
			return true
		}
		pos := fset.Position(call.Pos())
		lit, ok := call.Args[idx].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			if line := lines[pos.Line-1]; !strings.Contains(line, "i18n:dynamic") {
				t.Errorf("%s: lang.%s with a key that is not a literal (mark the line // i18n:dynamic if its keys are checked elsewhere)", pos, sel.Sel.Name)
			}
			return true
		}
		key, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Errorf("%s: %v", pos, err)
			return true
		}
		if !en[key] {
			t.Errorf("%s: %q is in no English translation file", pos, key)
		}
		return true
	})
}

// moduleRoot is the directory holding go.mod, found upwards from here.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}
