package packaging

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The URL types that packaging/darwin/build-app.sh merges into the macOS
// bundle's Info.plist are a valid property list (read by Python's plistlib,
// as strict as macOS's parser about structure) that claim hoist:// links.
// The Mac build itself is not run here: there is no Mac.
func TestDarwinURLTypes(t *testing.T) {
	plist := filepath.Join(repoRoot, "packaging", "darwin", "url-types.plist")
	out := runCmd(t, time.Minute, nil, "python3", "-c", `
import plistlib, sys
d = plistlib.load(open(sys.argv[1], "rb"))
for t in d["CFBundleURLTypes"]:
    print(t["CFBundleURLName"], ",".join(t["CFBundleURLSchemes"]))
`, plist)
	if strings.TrimSpace(out) != "org.hoist.Hoist.invitation hoist" {
		t.Fatalf("CFBundleURLTypes: %q", out)
	}
	runCmd(t, time.Minute, nil, "bash", "-n", filepath.Join(repoRoot, "packaging", "darwin", "build-app.sh"))
}
