package layering

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Hoist itself keeps the rules.
func TestHoistLayering(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	v, err := Check(root, "hoist", Rules("hoist"))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v {
		t.Errorf("layering: %s", x)
	}
	// The walk really saw the packages the rules are about.
	imports, err := readImports(root, "hoist")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"hoist", "hoist/app", "hoist/app/signin", "hoist/ui", "hoist/uploader", "hoist/uploader/journal", "hoist/uploader/memstore"} {
		if len(imports[pkg]) == 0 {
			t.Errorf("no Go file of %s was read", pkg)
		}
	}
}

// A synthetic module that breaks every rule: the checker names each
// violation and nothing else (test files and allowed imports pass).
func TestCheckerCatchesViolations(t *testing.T) {
	v, err := Check(filepath.Join("testdata", "bad"), "bad", Rules("bad"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range v {
		got = append(got, x.File+" → "+x.Import)
		if x.Why == "" {
			t.Errorf("%s: no reason given", x)
		}
	}
	want := []string{
		"app/signin/signin.go → github.com/aws/aws-sdk-go-v2/service/sts",
		"tools/tool.go → bad/app",
		"ui/window.go → bad/uploader/journal",
		"ui/window.go → net/http",
		"uploader/engine.go → bad/ui",
		"uploader/engine.go → fyne.io/fyne/v2",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("violations:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"net/http/...", "net/http", true},
		{"net/http/...", "net/http/httptest", true},
		{"net/http/...", "net/httpx", false},
		{"hoist/app", "hoist/app", true},
		{"hoist/app", "hoist/app/cli", false},
		{"...", "anything", true},
	} {
		if got := match(tc.pattern, tc.path); got != tc.want {
			t.Errorf("match(%q, %q) = %v", tc.pattern, tc.path, got)
		}
	}
}
