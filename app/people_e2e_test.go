//go:build linux

package app

// Two people on one computer account, through the real binary, the real
// provider and Chromium: sign-out ends the provider's session (so the next
// person can sign in), history and unfinished uploads are per person, the
// journal of an earlier Hoist goes to the first person who signs in, and a
// read-only data folder still shows history and who is signed in.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hoist/devstack"
	"hoist/internal/faultproxy"
	"hoist/uploader"
	"hoist/uploader/journal"
)

// people drives `hoist` for a sign-in world, playing each person at the
// browser.
type people struct {
	t          *testing.T
	w          *signInWorld
	path, urls string
}

// run runs a command to its end (at most 5 minutes) and returns its exit
// code and its output (stdout and stderr).
func (p *people) run(args ...string) (int, string) {
	p.t.Helper()
	r := startCLI(p.t, p.w, p.path, args...)
	code := r.wait(5 * time.Minute)
	return code, r.out.String() + r.err.String()
}

// login signs user in with `hoist login` in Chromium.
func (p *people) login(user, password string) {
	p.t.Helper()
	n := len(openedURLs(p.urls))
	r := startCLI(p.t, p.w, p.path, "login")
	if _, err := p.w.browser.SignIn(nextURL(p.t, p.urls, n+1), user, password); err != nil {
		p.t.Fatalf("sign in as %s: %v", user, err)
	}
	if code := r.wait(time.Minute); code != 0 {
		p.t.Fatalf("login as %s: %d %s", user, code, &r.err)
	}
}

// logout runs `hoist logout`, which must open the provider's end-session
// page; Chromium confirms it there.
func (p *people) logout() {
	p.t.Helper()
	n := len(openedURLs(p.urls))
	if code, out := p.run("logout"); code != 0 || !strings.Contains(out, "Signed out") {
		p.t.Fatalf("logout: %d %s", code, out)
	}
	urls := openedURLs(p.urls)
	if len(urls) != n+1 {
		p.t.Fatalf("logout opened %d pages, want the provider's end-session page", len(urls)-n)
	}
	end := urls[n]
	if !strings.HasPrefix(end, p.w.stack.OIDC.Issuer+"/session/end") || !strings.Contains(end, "client_id=") || !strings.Contains(end, "id_token_hint=") {
		p.t.Fatalf("logout opened %s, want the end-session endpoint with client_id and id_token_hint", end)
	}
	page, err := p.w.browser.EndSession(end)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("the provider says after sign-out: %q", page)
}

// history is `hoist history --json` as records.
func (p *people) history() []historyEntryJSON {
	p.t.Helper()
	r := startCLI(p.t, p.w, p.path, "history", "--json")
	if code := r.wait(time.Minute); code != 0 {
		p.t.Fatalf("history: %d %s", code, &r.err)
	}
	var out []historyEntryJSON
	if err := json.Unmarshal(r.out.Bytes(), &out); err != nil {
		p.t.Fatalf("history: %v %s", err, &r.out)
	}
	return out
}

type historyEntryJSON struct {
	State  string `json:"state"`
	Source string `json:"source"`
	Key    string `json:"key"`
}

func sources(h []historyEntryJSON) []string {
	var out []string
	for _, e := range h {
		out = append(out, filepath.Base(e.Source))
	}
	return out
}

func TestCLIPeople(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	link, err := faultproxy.New(w.stack.MinIO.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { link.Close() })
	w.setConfig("endpoint = \""+w.stack.MinIO.Endpoint+"\"", "endpoint = \""+link.URL()+"\"") // S3 only; STS stays direct
	path, urls := fakeXDGOpen(t)
	p := &people{t: t, w: w, path: path, urls: urls}
	alice, bob := devstack.SubjectFor(devstack.DemoUser), devstack.SubjectFor(devstack.DemoUser2)

	// A journal from a Hoist before per-person journals, with one upload.
	if err := os.MkdirAll(w.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	legacy, err := journal.Open(filepath.Join(w.dataDir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &uploader.JobRecord{Source: "/old/legacy.bin", Rel: "legacy.bin", Key: "uploads/" + alice + "/legacy.bin",
		Size: 1, State: uploader.StateDone, Created: time.Now(), Finished: time.Now()}
	if err := legacy.AddJobs([]*uploader.JobRecord{rec}); err != nil {
		t.Fatal(err)
	}
	legacy.Close()

	var unfinished string
	t.Run("first person takes over the earlier journal", func(t *testing.T) {
		p.t = t
		p.login(devstack.DemoUser, devstack.DemoPassword)
		if got := sources(p.history()); len(got) != 1 || got[0] != "legacy.bin" {
			t.Fatalf("Alice's history %v, want the earlier journal's upload", got)
		}
		if _, err := os.Stat(filepath.Join(w.dataDir, "journal.db")); !os.IsNotExist(err) {
			t.Errorf("the earlier journal is still in place: %v", err)
		}
	})

	t.Run("history and unfinished uploads per person", func(t *testing.T) {
		p.t = t
		sent := writeFile(t, 1<<20)
		if code, out := p.run("send", sent); code != 0 {
			t.Fatalf("Alice sends: %d %s", code, out)
		}
		// An upload Alice stops half-way (Ctrl-C) over a slow link.
		unfinished = writeFile(t, 30<<20)
		link.SetRate(2 << 20)
		r := startCLI(t, w, path, "send", unfinished)
		key := "uploads/" + alice + "/" + filepath.Base(unfinished)
		if !pollUntil(time.Minute, func() bool { return uploadStarted(w.stack.MinIO.S3Client(), key) }) {
			t.Fatalf("the upload never started: %s", &r.err)
		}
		time.Sleep(2 * time.Second)
		if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		if code := r.wait(time.Minute); code != 130 {
			t.Fatalf("interrupted send: %d %s", code, &r.err)
		}
		link.SetRate(0)
		p.logout()

		p.login(devstack.DemoUser2, devstack.DemoPassword2)
		if code, out := p.run("whoami"); code != 0 || !strings.Contains(out, bob) {
			t.Fatalf("whoami as Bob: %d %s", code, out)
		}
		if got := p.history(); len(got) != 0 {
			t.Fatalf("Bob sees someone else's history: %v", sources(got))
		}
		if code, out := p.run("resume"); code != 0 || !strings.Contains(out, "Nothing to resume") {
			t.Fatalf("Bob's resume: %d %s", code, out)
		}
		mine := writeFile(t, 2<<10)
		if code, out := p.run("send", mine); code != 0 {
			t.Fatalf("Bob sends: %d %s", code, out)
		}
		if got := sources(p.history()); len(got) != 1 || got[0] != filepath.Base(mine) {
			t.Fatalf("Bob's history %v", got)
		}
		p.logout()

		p.login(devstack.DemoUser, devstack.DemoPassword)
		if code, out := p.run("resume"); code != 0 {
			t.Fatalf("Alice resumes: %d %s", code, out)
		}
		got := sources(p.history())
		for _, want := range []string{"legacy.bin", filepath.Base(sent), filepath.Base(unfinished)} {
			if !strings.Contains(strings.Join(got, " "), want) {
				t.Errorf("Alice's history %v lacks %s", got, want)
			}
		}
		if strings.Contains(strings.Join(got, " "), filepath.Base(mine)) {
			t.Errorf("Alice sees Bob's upload: %v", got)
		}
		want, _ := os.ReadFile(unfinished)
		if string(adminGet(t, w.stack.MinIO, key)) != string(want) {
			t.Fatal("Alice's resumed upload differs from the file")
		}
	})

	t.Run("read-only data folder", func(t *testing.T) {
		p.t = t
		mount(t, w.dataDir, "--bind", w.dataDir)
		if out, err := exec.Command("mount", "-o", "remount,bind,ro", w.dataDir).CombinedOutput(); err != nil {
			t.Fatalf("make the data folder read-only: %v %s", err, out)
		}
		code, out := p.run("history")
		if code != 0 || !strings.Contains(out, filepath.Base(unfinished)) || strings.Contains(out, "open log") {
			t.Fatalf("history on a read-only data folder: %d\n%q", code, out)
		}
		code, out = p.run("whoami")
		if code != 0 || !strings.Contains(out, alice) || !strings.Contains(out, "read-only") {
			t.Fatalf("whoami on a read-only data folder: %d\n%s", code, out)
		}
	})
}
