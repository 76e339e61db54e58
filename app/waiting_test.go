package app

import (
	"testing"

	"hoist/app/signin"
)

// A sign-out with uploads waiting is remembered across a restart: with
// nobody signed in, the window opens the waiting person's list (not
// started) so the signed-out screen can count it; their sign-in ends the
// note.
func TestWaitingPersonIsOpenedAtStart(t *testing.T) {
	dir := t.TempDir()
	b := &base{dataDir: dir, signin: &signin.Client{}}
	if _, _, ok := firstPerson(b); ok {
		t.Fatal("someone opened with nobody signed in and nothing waiting")
	}
	ada := &person{Issuer: "https://id.example", Subject: "ada-sub", Name: "Ada"}
	if err := saveWaitingPerson(dir, ada); err != nil {
		t.Fatal(err)
	}
	p, start, ok := firstPerson(b)
	if !ok || start || !p.same(ada) {
		t.Fatalf("firstPerson = %+v, start %v, ok %v; want Ada's list, not started", p, start, ok)
	}
	if err := forgetWaitingPerson(dir); err != nil {
		t.Fatal(err)
	}
	if loadWaitingPerson(dir) != nil {
		t.Fatal("the note of whose uploads wait is still there")
	}
}

// Keys are worded without the subject that only tells people apart.
func TestDestinationLeavesOutTheSubject(t *testing.T) {
	u := &personUploads{c: &core{person: &person{Subject: "7d1c0c5e-0b8e-4a51-9a7e-1f2d3c4b5a69"}}}
	dest := destinationFor("Acme Research", u)
	if got := dest("uploads/7d1c0c5e-0b8e-4a51-9a7e-1f2d3c4b5a69/2026-03-02/survey.zip"); got != "Acme Research › uploads/2026-03-02/survey.zip" {
		t.Errorf("destination %q", got)
	}
	if got := destinationFor("", &personUploads{})("a/b.txt"); got != "Your organisation › a/b.txt" {
		t.Errorf("destination without an organisation name %q", got)
	}
}
