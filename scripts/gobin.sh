#!/usr/bin/env bash
# Build a pinned Go tool into .cache/bin, once.
#
#   scripts/gobin.sh PACKAGE VERSION
#
# Installs PACKAGE@VERSION as .cache/bin/NAME, NAME being the last element of
# PACKAGE (what `go install` names it), and records VERSION in
# .cache/bin/NAME.version. Does nothing when the binary exists and the
# recorded version matches (or, with no record, when `go version -m` shows the
# binary was built from VERSION). The build runs outside the hoist module
# (GOWORK=off, -mod=mod, from a temp dir) so the project's go.mod never
# influences the tool's dependencies.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 PACKAGE VERSION" >&2
	exit 2
fi
pkg=$1 version=$2
name=${pkg##*/}

cd "$(dirname "$0")/.."
bindir="$PWD/.cache/bin"
bin="$bindir/$name"
stamp="$bin.version"

if [ -x "$bin" ]; then
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
		exit 0
	fi
	# A binary built before stamps existed: trust its build info.
	if [ ! -f "$stamp" ] && go version -m "$bin" 2>/dev/null |
		awk -v v="$version" '$1 == "mod" && $3 == v { found = 1 } END { exit !found }'; then
		echo "$version" >"$stamp"
		exit 0
	fi
fi

mkdir -p "$bindir"
rm -f "$stamp"
echo "building $name ($pkg@$version) into .cache/bin; the first build can take minutes" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
(cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod GOBIN="$bindir" go install "$pkg@$version")
echo "$version" >"$stamp"
echo "built $name in $((SECONDS - start)) s" >&2
