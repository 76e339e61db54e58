// Command uidemo opens Hoist's window on simulated uploads and a simulated
// sign-in, for screenshots and for trying the window without a server:
//
//	go run ./ui/cmd/uidemo                  # signed in, a mixed queue
//	go run ./ui/cmd/uidemo -signed-out      # the welcome screen
//	go run ./ui/cmd/uidemo -jobs 10000      # a long queue
//
// Nothing is sent anywhere: the uploads only pretend to progress.
package main

import (
	"flag"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"hoist/assets"
	"hoist/ui"
)

func main() {
	signedOut := flag.Bool("signed-out", false, "start signed out")
	jobs := flag.Int("jobs", 0, "queue this many extra waiting files")
	held := flag.Bool("held", false, "show uploads waiting for a new sign-in")
	org := flag.String("org", "Acme Research", "organisation name")
	flag.Parse()

	icon := fyne.NewStaticResource("icon.png", assets.IconPNG)
	fyneapp.SetMetadata(fyne.AppMetadata{ID: "org.hoist.Hoist.demo", Name: "Hoist", Version: "0.1.0",
		Icon: icon, Migrations: map[string]bool{"fyneDo": true}})
	a := fyneapp.NewWithID("org.hoist.Hoist.demo")
	a.SetIcon(icon)
	a.Settings().SetTheme(ui.Theme())

	sim := newSim(*jobs, *held)
	go sim.run()
	w := ui.NewMainWindow(ui.Deps{
		App:          a,
		Uploads:      sim,
		Account:      &account{signedIn: !*signedOut, sim: sim},
		NeedsSignIn:  true,
		Organisation: *org,
		Version:      "0.1.0",
		Defaults:     ui.DefaultSettings(),
	})
	w.ShowAndRun()
}
