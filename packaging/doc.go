// Package packaging holds the tests of Hoist's installable packages: they
// install and run what `make package` wrote (packaging/package.sh, with the
// templates in linux/ and windows/) as a customer would — the .deb unpacked
// into a temporary prefix and opened under Xvfb, the Windows program and
// installer under wine. `make test` builds the packages first and names the
// folder in $HOIST_DIST; without it the tests build them into a temporary
// folder (minutes).
package packaging
