package cli

import (
	"strings"
	"testing"

	"hoist/uploader"
)

// Off a terminal, each reason a job waits for is printed once, and so is a
// hold for a new sign-in (again if it comes back).
func TestNotesOffTerminal(t *testing.T) {
	var out strings.Builder
	p := newPrinter(&out)
	job := func(note string, state uploader.State) uploader.JobSnapshot {
		return uploader.JobSnapshot{JobRecord: uploader.JobRecord{ID: 7, Rel: "a/b.bin", State: state}, Note: note}
	}
	const dns = `Can't find the server "s3.example.invalid". Hoist keeps trying.`
	for _, s := range []uploader.Snapshot{
		{Jobs: []uploader.JobSnapshot{job("", uploader.StateRunning)}},
		{Jobs: []uploader.JobSnapshot{job(dns, uploader.StateRunning)}},
		{Jobs: []uploader.JobSnapshot{job(dns, uploader.StateRunning)}},
		{Jobs: []uploader.JobSnapshot{job("", uploader.StateRunning)}},
		{Jobs: []uploader.JobSnapshot{job(dns, uploader.StateRunning)}},
		{Jobs: []uploader.JobSnapshot{job("Sign in again to continue", uploader.StateQueued)}, Held: true},
		{Jobs: []uploader.JobSnapshot{job("Sign in again to continue", uploader.StateQueued)}, Held: true},
		{Jobs: []uploader.JobSnapshot{job("", uploader.StateRunning)}},
		{Jobs: []uploader.JobSnapshot{job("Sign in again to continue", uploader.StateQueued)}, Held: true},
		{Jobs: []uploader.JobSnapshot{job("Connection trouble", uploader.StateFailed)}},
	} {
		p.notes(s)
	}
	want := "waiting   a/b.bin: " + dns + "\n" +
		"waiting   a/b.bin: Sign in again to continue\n" +
		"Waiting: sign in again to continue (hoist login).\n" +
		"Waiting: sign in again to continue (hoist login).\n"
	if got := out.String(); got != want {
		t.Fatalf("printed:\n%s\nwant:\n%s", got, want)
	}
}
