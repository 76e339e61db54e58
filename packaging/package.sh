#!/usr/bin/env bash
# Build Hoist's installable packages into $DIST (`make package`):
#
#   hoist_VERSION_amd64.deb                Debian, Ubuntu (dpkg-deb)
#   hoist-VERSION-linux-amd64.tar.xz       other Linux (made by `fyne package`)
#   hoist-VERSION-windows-amd64.exe        the Windows program (mingw-w64, `fyne package`)
#   hoist-VERSION-windows-amd64-setup.exe  its per-user installer (NSIS)
#
# each with NAME.sha256 beside it (`sha256sum -c` format). A branded build
# (ORG=org.toml) is named hoist-<organisation>… instead, shows the
# organisation's name and logo and embeds its settings (internal/cmd/brand,
# build tag hoist_branded).
#
# Environment: VERSION, COMMIT (stamped into the binaries), DIST, FYNE (the
# pinned fyne tool), and optionally ORG; HOMEPAGE (the AppStream homepage,
# where docs/screenshots are published as HOMEPAGE/screenshots/); and, to
# sign the Windows program and installer with osslsigncode (Authenticode),
# SIGN_CERT and SIGN_KEY (PEM or DER files), SIGN_PASS (the key's password
# file, if any) and SIGN_TIMESTAMP (a timestamp server URL, if any).
set -euo pipefail

: "${VERSION:?} ${COMMIT:?} ${DIST:?} ${FYNE:?}"
ORG=${ORG:-} HOMEPAGE=${HOMEPAGE:-https://hoist.example/}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

appid=org.hoist.Hoist
build=$(sed -n 's/^ *Build *= *\([0-9]*\).*/\1/p' FyneApp.toml)
# `fyne package` and Windows version resources take digits only.
numver=${VERSION%%[-+~]*}
if ! [[ $numver =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
	echo "package: VERSION must start with MAJOR.MINOR.PATCH (got $VERSION)" >&2
	exit 2
fi
version4=$numver.$build

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$DIST"

name=Hoist slug=hoist icon=$root/assets/icon.png tags=()
if [ -n "$ORG" ]; then
	label=$(go run ./internal/cmd/brand -out assets/branding -label "$ORG")
	tags=(-tags hoist_branded)
	[ ! -f assets/branding/logo.png ] || icon=$root/assets/branding/logo.png
	name="Hoist for $label"
	slug=hoist-$(tr '[:upper:]' '[:lower:]' <<<"$label" | tr -cs 'a-z0-9' '-' | sed 's/^-*//; s/-*$//')
fi
echo "package: $name $VERSION (commit $COMMIT) into $DIST"

# The stamp, through GOFLAGS: `fyne package` adds its own -ldflags (-s -w,
# -H=windowsgui) and collects -ldflags= entries from GOFLAGS.
export GOFLAGS="${GOFLAGS:-} -ldflags=-X=hoist/app.Version=$VERSION -ldflags=-X=hoist/app.Commit=$COMMIT"
fyne_args=(-release -src "$root" -name "$name" -app-id "$appid" -app-version "$numver" -app-build "$build" -icon "$icon" "${tags[@]}")

sum() { (cd "$DIST" && sha256sum "$1" >"$1.sha256"); }
subst() {
	sed -e "s|@APPID@|$appid|g" -e "s|@NAME@|$name|g" -e "s|@VERSION@|$VERSION|g" \
		-e "s|@VERSION4@|$version4|g" -e "s|@HOMEPAGE@|$HOMEPAGE|g" "$1"
}

# ---- Linux: the release build and tarball by `fyne package` (-trimpath,
# -s -w, its hardening CFLAGS/LDFLAGS), our desktop entry in it.
echo "package: linux"
mkdir -p "$work/linux"
(cd "$work/linux" && "$FYNE" package -os linux "${fyne_args[@]}" -exe "$work/linux/hoist")
mkdir "$work/tar"
tar -xJf "$work/linux/$name.tar.xz" -C "$work/tar"
tarroot=$(find "$work/tar" -mindepth 1 -maxdepth 1 -type d)
exe=$(find "$tarroot" -path '*/bin/hoist' -type f)
# fyne writes Exec=hoist %F for a MimeType, which is for files; an
# invitation link is a URL (%u), and the window class is the app ID.
desktop=$(find "$tarroot" -name "$appid.desktop")
subst packaging/linux/hoist.desktop.in >"$desktop"
desktop-file-validate "$desktop"
linux_tar=$slug-$VERSION-linux-amd64.tar.xz
tar -cJf "$DIST/$linux_tar" -C "$work/tar" "$(basename "$tarroot")"
sum "$linux_tar"

# ---- Linux: the .deb, from the same binary.
echo "package: deb"
deb=$work/deb
install -Dm0755 "$exe" "$deb/usr/bin/hoist"
subst packaging/linux/hoist.desktop.in >"$work/hoist.desktop"
install -Dm0644 "$work/hoist.desktop" "$deb/usr/share/applications/$appid.desktop"
for size in 16 24 32 48 64 128 256 512; do
	d=$deb/usr/share/icons/hicolor/${size}x${size}/apps
	mkdir -p "$d"
	convert "$icon" -resize "${size}x${size}" -strip "PNG32:$d/$appid.png"
done
subst packaging/linux/metainfo.xml.in >"$work/metainfo.xml"
appstreamcli validate --no-net --strict "$work/metainfo.xml"
install -Dm0644 "$work/metainfo.xml" "$deb/usr/share/metainfo/$appid.metainfo.xml"
install -Dm0644 packaging/linux/copyright "$deb/usr/share/doc/hoist/copyright"
# Shared-library dependencies as dpkg-shlibdeps finds them (it wants a
# debian/control beside it).
mkdir -p "$work/shlibs/debian"
printf 'Source: hoist\n\nPackage: hoist\nArchitecture: amd64\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$deb/usr/bin/hoist" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
mkdir -p "$deb/DEBIAN"
cat >"$deb/DEBIAN/control" <<EOF
Package: hoist
Version: $VERSION
Architecture: amd64
Maintainer: The Hoist developers <hoist@hoist.example>
Installed-Size: $(du -sk --exclude=DEBIAN "$deb" | cut -f1)
Depends: $depends, xdg-utils
Section: net
Priority: optional
Description: $name: send very large files to your organisation
 Hoist sends very large files to an organisation's S3 storage as resumable
 parallel multipart uploads, and survives dropped connections, sleep,
 expired sign-ins, crashes and reboots. hoist:// invitation links open it.
EOF
deb_file=${slug}_${VERSION}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$deb" "$DIST/$deb_file" >/dev/null
sum "$deb_file"

# ---- Windows: hoist.exe cross-built with mingw-w64 by `fyne package`, which
# embeds the icon, version information and our manifest (hoist.exe.manifest
# beside the output) as a resource.
echo "package: windows"
mkdir -p "$work/windows"
subst packaging/windows/hoist.exe.manifest >"$work/windows/hoist.exe.manifest"
(cd "$work/windows" && GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc \
	"$FYNE" package -os windows "${fyne_args[@]}" -exe "$work/windows/hoist.exe")
winexe=$work/windows/hoist.exe
[ -f "$winexe" ] || mv "$work/windows/$name.exe" "$winexe"

sign() { packaging/windows/sign.sh "$1" "$name"; }
sign "$winexe"
win_exe=$slug-$VERSION-windows-amd64.exe
cp "$winexe" "$DIST/$win_exe"
sum "$win_exe"

# ---- Windows: the per-user installer (NSIS).
echo "package: windows installer"
convert "$icon" -define icon:auto-resize=256,64,48,32,16 "$work/windows/hoist.ico"
setup=$slug-$VERSION-windows-amd64-setup.exe
makensis -V2 -DAPPNAME="$name" -DAPPID="$appid" -DVERSION="$VERSION" -DVERSION4="$version4" \
	-DEXE="$winexe" -DICON="$work/windows/hoist.ico" -DOUTFILE="$work/windows/$setup" packaging/windows/installer.nsi
sign "$work/windows/$setup"
cp "$work/windows/$setup" "$DIST/$setup"
sum "$setup"

echo "package: done"
(cd "$DIST" && ls -l "$deb_file" "$linux_tar" "$win_exe" "$setup")
