package app

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"hoist/internal/desktop"
)

type stubPicker struct {
	paths []string
	err   error
}

func (s stubPicker) Pick(string, bool) ([]string, error) { return s.paths, s.err }

// A native dialog that fails is logged with its cause (the customer then
// sees Fyne's dialog and support would not know why); a desktop that has
// none is not a warning.
func TestLoggedPicker(t *testing.T) {
	for _, c := range []struct {
		err      error
		level    string
		mentions string
	}{
		{fmt.Errorf("%w: %w", desktop.ErrUnavailable, errors.New("org.freedesktop.DBus.Error.ServiceUnknown")), "WARN", "ServiceUnknown"},
		{desktop.ErrUnavailable, "DEBUG", "no native file dialog"},
		{nil, "DEBUG", "chosen=2"},
	} {
		var buf bytes.Buffer
		p := loggedPicker{stubPicker{[]string{"/a", "/b"}, c.err}, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
		_, err := p.Pick("Choose files to upload", false)
		if !errors.Is(err, c.err) && c.err != nil {
			t.Errorf("error %v not passed on", c.err)
		}
		out := buf.String()
		if !strings.Contains(out, "level="+c.level) || !strings.Contains(out, c.mentions) {
			t.Errorf("%v: logged %q; want level %s mentioning %q", c.err, out, c.level, c.mentions)
		}
	}
}
