package desktop

import (
	"fmt"
	"path/filepath"
	"syscall"
	"unicode/utf16"
	"unsafe"
)

// HasTray reports whether the desktop shows tray icons: Windows always
// does (the notification area).
func HasTray() bool { return true }

var (
	comdlg32             = syscall.NewLazyDLL("comdlg32.dll")
	getOpenFileName      = comdlg32.NewProc("GetOpenFileNameW")
	commDlgExtendedError = comdlg32.NewProc("CommDlgExtendedError")
)

// openFileName is Windows' OPENFILENAMEW.
type openFileName struct {
	structSize      uint32
	owner           uintptr
	instance        uintptr
	filter          *uint16
	customFilter    *uint16
	maxCustomFilter uint32
	filterIndex     uint32
	file            *uint16
	maxFile         uint32
	fileTitle       *uint16
	maxFileTitle    uint32
	initialDir      *uint16
	title           *uint16
	flags           uint32
	fileOffset      uint16
	fileExtension   uint16
	defExt          *uint16
	custData        uintptr
	fnHook          uintptr
	templateName    *uint16
	reserved        unsafe.Pointer
	reservedDword   uint32
	flagsEx         uint32
}

const (
	ofnAllowMultiSelect = 0x00000200
	ofnExplorer         = 0x00080000
	ofnFileMustExist    = 0x00001000
	ofnPathMustExist    = 0x00000800
	ofnNoChangeDir      = 0x00000008
)

// pick shows the system's Open dialog for files (several at once).
// Folders use Fyne's dialog: the classic folder browser is worse.
func pick(title string, folders bool) ([]string, error) {
	if folders {
		return nil, ErrUnavailable
	}
	if err := getOpenFileName.Find(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	buf := make([]uint16, 1<<16)
	t, err := syscall.UTF16PtrFromString(title)
	if err != nil {
		return nil, err
	}
	// A list of NUL-ended strings ended by a second NUL, which
	// syscall.StringToUTF16 refuses (it panics on a NUL).
	filter := utf16.Encode([]rune("All files\x00*.*\x00\x00"))
	ofn := openFileName{
		file: &buf[0], maxFile: uint32(len(buf)), title: t, filter: &filter[0], filterIndex: 1,
		flags: ofnAllowMultiSelect | ofnExplorer | ofnFileMustExist | ofnPathMustExist | ofnNoChangeDir,
	}
	ofn.structSize = uint32(unsafe.Sizeof(ofn))
	if ok, _, _ := getOpenFileName.Call(uintptr(unsafe.Pointer(&ofn))); ok == 0 {
		if code, _, _ := commDlgExtendedError.Call(); code != 0 {
			return nil, fmt.Errorf("%w: the Open dialog failed (error %#x)", ErrUnavailable, code)
		}
		return nil, nil // cancelled
	}
	return splitSelection(buf), nil
}

// splitSelection reads the dialog's answer: one full path, or a folder
// followed by the names chosen in it, each ended by a NUL, the whole ended
// by a second NUL.
func splitSelection(buf []uint16) []string {
	var parts []string
	start := 0
	for i, c := range buf {
		if c != 0 {
			continue
		}
		if i == start {
			break
		}
		parts = append(parts, syscall.UTF16ToString(buf[start:i]))
		start = i + 1
	}
	if len(parts) <= 1 {
		return parts
	}
	paths := make([]string, 0, len(parts)-1)
	for _, name := range parts[1:] {
		paths = append(paths, filepath.Join(parts[0], name))
	}
	return paths
}
