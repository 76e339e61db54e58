#!/usr/bin/env bash
# Build, sign and notarise Hoist for macOS. Runs ON A MAC (Xcode command
# line tools, Go, the fyne tool) — it has never been run by Hoist's CI,
# which has no Mac. From the repository root:
#
#   IDENTITY="Developer ID Application: Acme Ltd (TEAMID1234)" \
#   NOTARY_PROFILE=hoist-notary [ORG=org.toml] packaging/darwin/build-app.sh
#
# NOTARY_PROFILE is a keychain profile made once with
#   xcrun notarytool store-credentials hoist-notary --apple-id … --team-id … --password <app-specific password>
# Writes dist/hoist-VERSION-macos-ARCH.dmg (+ .sha256).
set -euo pipefail
: "${IDENTITY:?the Developer ID Application certificate name (security find-identity -v -p codesigning)}"
: "${NOTARY_PROFILE:?a notarytool keychain profile}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
VERSION=${VERSION:-$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)}
COMMIT=${COMMIT:-$(git rev-parse --short=12 HEAD)}
arch=$(go env GOARCH)
name=Hoist tags=()
if [ -n "${ORG:-}" ]; then
	name="Hoist for $(go run ./internal/cmd/brand -out assets/branding -label "$ORG")"
	tags=(-tags hoist_branded)
fi
mkdir -p dist
export GOFLAGS="-ldflags=-X=hoist/app.Version=$VERSION -ldflags=-X=hoist/app.Commit=$COMMIT"
go install fyne.io/tools/cmd/fyne@v1.7.4
fyne package -os darwin -release -name "$name" -app-id org.hoist.Hoist -app-version "${VERSION%%[-+]*}" \
	-icon assets/icon.png "${tags[@]}"
app="$name.app"
# hoist:// links open Hoist.
/usr/libexec/PlistBuddy -c "Merge packaging/darwin/url-types.plist" "$app/Contents/Info.plist"
# Hardened runtime (required for notarisation), secure timestamp.
codesign --force --deep --options runtime --timestamp --sign "$IDENTITY" "$app"
codesign --verify --strict --verbose=2 "$app"
dmg=dist/hoist-$VERSION-macos-$arch.dmg
hdiutil create -volname "$name" -srcfolder "$app" -ov -format UDZO "$dmg"
codesign --force --timestamp --sign "$IDENTITY" "$dmg"
xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
xcrun stapler staple "$dmg"
spctl --assess --type open --context context:primary-signature --verbose "$dmg"
(cd dist && shasum -a 256 "$(basename "$dmg")" >"$(basename "$dmg").sha256")
echo "built $dmg"
