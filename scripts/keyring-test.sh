#!/usr/bin/env bash
# Runs the sign-in keyring test against a real Secret Service: a private
# D-Bus session with gnome-keyring-daemon unlocked by a throwaway password,
# in a throwaway XDG_DATA_HOME so no existing keyring gets in the way.
# HOIST_REQUIRE_KEYRING=1 makes falling back to the file store a failure.
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
XDG_DATA_HOME="$dir" dbus-run-session -- sh -c '
	echo -n hoist | gnome-keyring-daemon --unlock --components=secrets >/dev/null
	HOIST_REQUIRE_KEYRING=1 go test -race -count=1 -run Keyring -v ./app/signin
'
