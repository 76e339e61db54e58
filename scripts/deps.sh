#!/usr/bin/env bash
# Install the Debian packages Hoist's build, tests and benchmark need, if any
# is missing. Fast no-op when everything is present. Uses sudo only when not
# root. Debian 12 (bookworm) is the reference system.
set -euo pipefail

packages=(
	# toolchain for cgo (go test -race, Fyne) and for make itself
	gcc libc6-dev make pkg-config git ca-certificates
	# Fyne: GL and X11 headers; Xvfb (+ xauth for xvfb-run) for window tests
	libgl1-mesa-dev xorg-dev xvfb xauth
	# benchmark peers
	awscli rclone
	# sign-in and UI tests: browser, real drag and drop, screenshots; a
	# session bus (dbus-run-session, dbus-launch) with gnome-keyring-daemon as
	# the Secret Service that go-keyring talks to over D-Bus, and secret-tool
	# to look into it
	chromium xdotool imagemagick python3-gi gir1.2-gtk-3.0
	dbus-daemon dbus-x11 gnome-keyring libsecret-tools
	# make package: the .deb (dpkg-deb, dpkg-shlibdeps for its Depends), its
	# desktop entry and AppStream metainfo checked (desktop-file-validate,
	# appstreamcli), icons resized (imagemagick, above), the tarball (xz);
	# Windows: cgo cross-compiler, NSIS for the installer, osslsigncode for
	# Authenticode signatures
	dpkg-dev xz-utils desktop-file-utils appstream
	gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis osslsigncode
	# packaging tests: the installed .deb's links (xdg-utils: xdg-mime,
	# xdg-open), the window's class (x11-utils: xprop); Windows programs and
	# the installer under wine (wine64 and its wrappers)
	xdg-utils x11-utils wine64 wine
)
# The dev OpenID provider (devstack/_oidc) runs on Node.js 20 or later with
# npm; CI machines come with it. Only when node is missing altogether try
# the distribution's package (checked below).
if ! command -v node >/dev/null; then
	packages+=(nodejs)
fi

# check_node fails unless node >= 20 and npm are on PATH.
check_node() {
	local major
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
	if [ "$major" -lt 20 ] || ! command -v npm >/dev/null; then
		echo "deps: the dev OpenID provider needs Node.js 20 or later with npm (found node major ${major}); install it by hand" >&2
		exit 1
	fi
}

# One dpkg-query for all: "name status" per known package; unknown ones
# print nothing (and make it exit 1, which is fine here).
status=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
	grep -qxF "$p install ok installed" <<<"$status" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	check_node
	exit 0
fi

if ! command -v apt-get >/dev/null; then
	echo "deps: missing ${missing[*]}, and there is no apt-get here; install them by hand" >&2
	exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	sudo=(sudo)
fi
echo "deps: installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
check_node
