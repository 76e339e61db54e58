package app

import (
	"os"

	"golang.org/x/sys/windows"
)

var procAttachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

// attachParentProcess is AttachConsole's ATTACH_PARENT_PROCESS.
const attachParentProcess = ^uintptr(0) // (DWORD)-1

// attachConsole gives the CLI its output on Windows. The released hoist.exe
// is a GUI program (linked with -H=windowsgui, so no console window flashes
// up behind the window); run with a command from a Command Prompt or
// PowerShell it has no standard handles. It then attaches to the parent's
// console and writes there. Handles that are already valid (output
// redirected to a file or a pipe) are kept.
func attachConsole() {
	valid := func(which uint32) bool {
		h, err := windows.GetStdHandle(which)
		return err == nil && h != 0 && h != windows.InvalidHandle
	}
	outOK, errOK := valid(windows.STD_OUTPUT_HANDLE), valid(windows.STD_ERROR_HANDLE)
	if outOK && errOK {
		return
	}
	if r, _, _ := procAttachConsole.Call(attachParentProcess); r == 0 {
		return // started from Explorer or a link: no console to write to
	}
	if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		if !outOK {
			os.Stdout = f
		}
		if !errOK {
			os.Stderr = f
		}
	}
	if !valid(windows.STD_INPUT_HANDLE) {
		if f, err := os.OpenFile("CONIN$", os.O_RDONLY, 0); err == nil {
			os.Stdin = f
		}
	}
}
