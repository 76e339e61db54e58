// Package layering checks Hoist's import rules (README "Layout"): the
// engine knows nothing of windows, the AWS SDK or the composition root; the
// window starts no network work and reaches the engine only through the
// interfaces app gives it; sign-in has no UI and no AWS dependency; and only
// the program's main package wires the whole app.
//
// [Check] reads the import clauses of every non-test Go file under a module
// root with go/parser (no build, no network), so the rules hold for every
// platform's files, not only for the one the test runs on.
package layering

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Rule forbids packages matching From to import packages matching any of
// Deny. A pattern "p" matches the import path p; "p/..." matches p and every
// path below it.
type Rule struct {
	From []string
	Deny []string
	// Why is shown with every violation.
	Why string
	// Except lists importers the rule does not apply to (same patterns).
	Except []string
}

// Rules returns Hoist's rules for the module named module ("hoist").
func Rules(module string) []Rule {
	m := func(p string) string { return module + "/" + p }
	return []Rule{
		{
			From: []string{m("uploader"), m("uploader/journal"), m("uploader/memstore")},
			Deny: []string{"fyne.io/...", "github.com/aws/...", m("app/..."), m("ui/...")},
			Why:  "the engine imports neither Fyne nor the AWS SDK nor app or ui",
		},
		{
			From: []string{m("ui/...")},
			Deny: []string{"net/http/...", m("uploader/s3store/..."), m("uploader/journal/..."), m("app/...")},
			Why:  "the window starts no network work and reaches storage and journal only through app's interfaces",
		},
		{
			From: []string{m("app/signin/...")},
			Deny: []string{"fyne.io/...", "github.com/aws/..."},
			Why:  "sign-in has no UI and no AWS dependency",
		},
		{
			From:   []string{"..."},
			Deny:   []string{m("app")},
			Except: []string{module},
			Why:    "only main imports the composition root",
		},
	}
}

// Violation is one forbidden import.
type Violation struct {
	Package string // importer's import path
	File    string // path relative to the root, slash-separated
	Import  string
	Why     string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s) imports %s: %s", v.Package, v.File, v.Import, v.Why)
}

// Check parses the imports of every non-test .go file under root, whose
// go.mod names module, and returns the imports that break rules, sorted.
// Folders named testdata or vendor, hidden folders, folders starting with
// "_" and folders holding their own go.mod are skipped, as the go command
// skips them.
func Check(root, module string, rules []Rule) ([]Violation, error) {
	imports, err := readImports(root, module)
	if err != nil {
		return nil, err
	}
	var out []Violation
	for pkg, files := range imports {
		for file, imps := range files {
			for _, imp := range imps {
				for _, r := range rules {
					if matchAny(r.From, pkg) && !matchAny(r.Except, pkg) && matchAny(r.Deny, imp) {
						out = append(out, Violation{Package: pkg, File: file, Import: imp, Why: r.Why})
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Import < out[j].Import
	})
	return out, nil
}

// readImports maps package import path → file → imported paths.
func readImports(root, module string) (map[string]map[string][]string, error) {
	fset := token.NewFileSet()
	out := map[string]map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return skipDir(root, p, d.Name())
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return fmt.Errorf("read imports of %s: %w", p, err)
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		pkg := path.Join(module, path.Dir(rel))
		if out[pkg] == nil {
			out[pkg] = map[string][]string{}
		}
		for _, s := range f.Imports {
			imp, err := strconv.Unquote(s.Path.Value)
			if err != nil {
				return fmt.Errorf("read imports of %s: %w", p, err)
			}
			out[pkg][rel] = append(out[pkg][rel], imp)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check layering under %s: %w", root, err)
	}
	return out, nil
}

// skipDir says whether the walk leaves out a folder (never root itself).
func skipDir(root, p, name string) error {
	if p == root {
		return nil
	}
	if name == "testdata" || name == "vendor" || name == "node_modules" ||
		strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return filepath.SkipDir
	}
	if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
		return filepath.SkipDir // another module
	}
	return nil
}

func matchAny(patterns []string, p string) bool {
	for _, pat := range patterns {
		if match(pat, p) {
			return true
		}
	}
	return false
}

func match(pattern, p string) bool {
	if pattern == "..." {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	return p == pattern
}
