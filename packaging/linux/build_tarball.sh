#!/usr/bin/env bash
# The Linux release: the PyInstaller one-folder app, packed as dist/emailbot-VERSION-linux-ARCH.tar.gz with a
# .desktop entry, the icon in the hicolor theme sizes, install.sh and a README.
#   packaging/linux/build_tarball.sh             build with PyInstaller (emailbot.spec), then pack
#   packaging/linux/build_tarball.sh --no-build  pack the existing dist/emailbot
# Prints the archive's path last. An AppImage is not built: appimagetool is on neither PyPI nor Debian, and the
# build may not download anything else (see docs/packaging.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}

if [[ "${1:-}" != "--no-build" ]]; then
    "$PYTHON" -m PyInstaller --noconfirm --log-level WARN emailbot.spec
fi
[[ -x dist/emailbot/emailbot ]] || { echo "build_tarball.sh: no dist/emailbot/emailbot (build it first)" >&2; exit 1; }

version=$("$PYTHON" packaging/bundle_manifest.py version)
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')  # the bundle runs on this glibc or newer
name="emailbot-$version-linux-$(uname -m)"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"

mkdir -p "$root/share/applications"
cp -a dist/emailbot "$root/emailbot"
cp packaging/linux/emailbot.desktop "$root/share/applications/emailbot.desktop"
install -m 755 packaging/linux/install.sh "$root/install.sh"
for png in resources/icons/emailbot-*.png; do
    size=${png##*-}
    size=${size%.png}
    install -D -m 644 "$png" "$root/share/icons/hicolor/${size}x${size}/apps/emailbot.png"
done
install -D -m 644 resources/icons/emailbot.svg "$root/share/icons/hicolor/scalable/apps/emailbot.svg"
cat > "$root/README.txt" <<TXT
EmailBot Console $version for Linux ($(uname -m))

Run it from here:        ./emailbot/emailbot            (or ./emailbot/emailbot --demo for the demo mailbox)
Install it for yourself: ./install.sh                    (to ~/.local, with a menu entry; --uninstall removes it)
Install for everyone:    sudo ./install.sh --prefix /usr/local

Needs a desktop with X11 or Wayland and glibc ${glibc:-of the build machine} or newer (it was built on that). The licences of everything it ships are in
emailbot/_internal/resources/licenses/THIRD_PARTY.txt and under Help > About.
TXT

if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$root/share/applications/emailbot.desktop"
fi
mkdir -p dist
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner -cf - "$name" | gzip -n -6 > "dist/$name.tar.gz"
echo "dist/$name.tar.gz"
