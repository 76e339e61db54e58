package desktop

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/godbus/dbus/v5"
)

// The XDG desktop portal's FileChooser, spoken directly over D-Bus (see
// the portal's documentation of org.freedesktop.portal.FileChooser and
// org.freedesktop.portal.Request). Hoist does not use a portal library
// for it: the one Fyne brings turns every "+" in a chosen file's name into
// a space (it unescapes URIs as if they were form data), and subscribes to
// the answer only after asking, so a fast answer is lost and the call
// waits for ever.
const (
	portalPath        = "/org/freedesktop/portal/desktop"
	fileChooserOpen   = "org.freedesktop.portal.FileChooser.OpenFile"
	requestInterface  = "org.freedesktop.portal.Request"
	requestResponse   = "Response"
	responseSuccess   = 0
	responseCancelled = 1
)

// errPortalEnded is the portal's answer when the dialog ended other than
// by the customer's choice or cancel (for example no backend could show it).
var errPortalEnded = errors.New("the desktop's file dialog ended without an answer")

// portalOpen shows the portal's Open dialog on conn and returns the paths
// of the files (or, with folders, folders) chosen; several may be chosen.
// Cancel gives no paths and no error. accept labels the dialog's button.
// It blocks until the customer answers.
func portalOpen(conn *dbus.Conn, title, accept string, folders bool) ([]string, error) {
	token, err := requestToken()
	if err != nil {
		return nil, err
	}
	expected := requestPath(conn, token)
	// Listen before asking: the answer may come before the call returns.
	match := []dbus.MatchOption{dbus.WithMatchInterface(requestInterface), dbus.WithMatchMember(requestResponse)}
	if err := conn.AddMatchSignal(match...); err != nil {
		return nil, fmt.Errorf("listen for the file dialog's answer: %w", err)
	}
	defer func() { _ = conn.RemoveMatchSignal(match...) }()
	signals := make(chan *dbus.Signal, 8)
	conn.Signal(signals)
	defer conn.RemoveSignal(signals)

	options := map[string]dbus.Variant{
		"handle_token": dbus.MakeVariant(token),
		"accept_label": dbus.MakeVariant(accept),
		"modal":        dbus.MakeVariant(true),
		"multiple":     dbus.MakeVariant(true),
		"directory":    dbus.MakeVariant(folders),
	}
	var handle dbus.ObjectPath
	if err := conn.Object(portalName, portalPath).Call(fileChooserOpen, 0, "", title, options).Store(&handle); err != nil {
		return nil, fmt.Errorf("open the desktop's file dialog: %w", err)
	}
	for sig := range signals {
		// Portals before version 0.9 ignore handle_token: accept the
		// handle they return as well.
		if sig.Name != requestInterface+"."+requestResponse || (sig.Path != expected && sig.Path != handle) {
			continue
		}
		return readResponse(sig.Body)
	}
	return nil, errors.New("the D-Bus connection closed before the file dialog answered")
}

// readResponse reads a Request.Response signal's body: a status and the
// results, whose "uris" are the chosen files.
func readResponse(body []any) ([]string, error) {
	if len(body) != 2 {
		return nil, fmt.Errorf("the file dialog answered with %d values, want 2", len(body))
	}
	status, ok := body[0].(uint32)
	if !ok {
		return nil, fmt.Errorf("the file dialog answered with a status of type %T", body[0])
	}
	switch status {
	case responseSuccess:
	case responseCancelled:
		return nil, nil
	default:
		return nil, errPortalEnded
	}
	results, _ := body[1].(map[string]dbus.Variant)
	var uris []string
	if v, ok := results["uris"]; ok {
		if err := v.Store(&uris); err != nil {
			return nil, fmt.Errorf("the file dialog's uris: %w", err)
		}
	}
	return pathsOf(uris)
}

// pathsOf turns the portal's file:// URIs into paths. The URIs are
// percent-encoded (RFC 3986): "%20" is a space, while "+" is a plus.
func pathsOf(uris []string) ([]string, error) {
	paths := make([]string, 0, len(uris))
	for _, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("the file dialog returned %q: %w", raw, err)
		}
		if u.Scheme != "file" || (u.Host != "" && u.Host != "localhost") || u.Path == "" {
			return nil, fmt.Errorf("the file dialog returned %q, which is not a local file", raw)
		}
		paths = append(paths, u.Path)
	}
	return paths, nil
}

// requestToken is a fresh handle_token: a valid object path element.
func requestToken() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a request token: %w", err)
	}
	return "hoist" + hex.EncodeToString(b), nil
}

// requestPath is where the portal puts the request for token: its sender
// part is the caller's unique name without ":" and with "_" for ".".
func requestPath(conn *dbus.Conn, token string) dbus.ObjectPath {
	var sender string
	if names := conn.Names(); len(names) > 0 {
		sender = strings.ReplaceAll(strings.TrimPrefix(names[0], ":"), ".", "_")
	}
	return dbus.ObjectPath(portalPath + "/request/" + sender + "/" + token)
}
