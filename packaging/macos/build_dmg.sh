#!/usr/bin/env bash
# The macOS release: "EmailBot Console.app", made by the BUNDLE step of emailbot.spec (Info.plist merged from
# packaging/macos/Info.plist, icon resources/icons/emailbot.icns), in a compressed disk image
# dist/emailbot-VERSION-macos-ARCH.dmg with a link to /Applications to drag it onto.
#
# On a Mac with Python 3.11+ and the Xcode command-line tools (hdiutil, codesign, xcrun), from the repo root:
#   python3 -m pip install -e . -r packaging/requirements-build.txt
#   packaging/macos/build_dmg.sh              build with PyInstaller, smoke-test, make the .dmg
#   packaging/macos/build_dmg.sh --no-build   make the .dmg from the existing dist/
# The app is built for the Mac's own architecture (arm64 or x86_64): build on each, or from a universal2 Python
# with target_arch="universal2" added to the spec's EXE.
# Signing and notarization happen only when these are set (without them Gatekeeper asks users to confirm):
#   CODESIGN_IDENTITY="Developer ID Application: Name (TEAMID)"   signs the .app (hardened runtime) and the .dmg
#   NOTARY_PROFILE=profile   a `xcrun notarytool store-credentials` profile: notarizes and staples the .dmg
set -euo pipefail
[[ "$(uname -s)" == Darwin ]] || { echo "build_dmg.sh: run this on macOS (hdiutil and codesign are Mac tools)" >&2; exit 1; }
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}

if [[ "${1:-}" != "--no-build" ]]; then
    "$PYTHON" -m PyInstaller --noconfirm emailbot.spec
fi
version=$("$PYTHON" packaging/bundle_manifest.py version)
app_name=$("$PYTHON" packaging/bundle_manifest.py name)
app="dist/$app_name.app"
[[ -d "$app" ]] || { echo "build_dmg.sh: $app is missing (build it first)" >&2; exit 1; }

"$PYTHON" packaging/smoke_test.py dist/emailbot
"$app/Contents/MacOS/emailbot" --version

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$app"
    codesign --verify --strict --verbose=2 "$app"
fi

dmg="dist/emailbot-$version-macos-$(uname -m).dmg"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
ditto "$app" "$stage/$app_name.app"
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
hdiutil create -volname "$app_name $version" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg"

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$dmg"
fi
if [[ -n "${NOTARY_PROFILE:-}" ]]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
fi
echo "$dmg"
