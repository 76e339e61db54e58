#!/usr/bin/env bash
# go vet and go build, for each GOOS/GOARCH given, every package of the
# module that compiles without cgo (make cross-check; CI runs it). The
# window (Fyne) needs cgo and is left out: for Windows `make package`
# cross-builds it with mingw-w64; for macOS it can only be built on a Mac.
# The dev stack and the benchmark (hoist/devstack/..., hoist/bench) are
# development tools for the Debian reference system and are left out too.
# Fails if a package that must never need cgo is missing from the list, so
# the check cannot pass by checking nothing.
#
#   scripts/cross-check.sh darwin/arm64 windows/amd64 ...
set -euo pipefail
cd "$(dirname "$0")/.."

# Packages that must build anywhere without cgo: the engine, its journal and
# S3 store, config, sign-in, descriptors, the CLI, one-Hoist-at-a-time.
required=(hoist/uploader hoist/uploader/journal hoist/uploader/s3store hoist/app/config
	hoist/app/signin hoist/app/org hoist/app/cli hoist/internal/instance)

for target in "$@"; do
	export GOOS=${target%/*} GOARCH=${target#*/} CGO_ENABLED=0
	# Leave out what needs Fyne's window (its OpenGL and GLFW bindings are
	# cgo; Fyne's lang package and core types are plain Go and stay in) and
	# the dev tools.
	mapfile -t pkgs < <(go list -e -f '{{.ImportPath}} {{join .Imports " "}} {{join .Deps " "}}' ./... |
		awk '$1 !~ /^hoist\/(devstack|bench)(\/|$)/ && !/ github\.com\/go-gl\// && !/ fyne\.io\/systray/ && !/ fyne\.io\/fyne\/v2\/internal\/driver/ { print $1 }')
	for r in "${required[@]}"; do
		grep -qxF "$r" <<<"$(printf '%s\n' "${pkgs[@]}")" || {
			echo "cross-check: $r does not compile for $target without cgo" >&2
			go list -e -f '{{.ImportPath}}: {{.Error}} {{.DepsErrors}}' "$r" >&2
			exit 1
		}
	done
	# go vet also compiles the tests; on Windows leave out the packages
	# whose tests start the dev stack (Unix processes and signals).
	vet=("${pkgs[@]}")
	if [ "$GOOS" = windows ]; then
		mapfile -t vet < <(go list -e -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' "${pkgs[@]}" |
			awk '!/ hoist\/devstack( |$)/ { print $1 }')
	fi
	echo "cross-check $target: go build of ${#pkgs[@]} packages, go vet of ${#vet[@]}"
	go build -o /dev/null "${pkgs[@]}"
	go vet "${vet[@]}"
done
