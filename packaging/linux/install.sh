#!/bin/sh
# Installs EmailBot Console from this folder for the current user (or system-wide with --prefix /usr/local as root):
#   ./install.sh [--prefix DIR]            default prefix: ~/.local
#   ./install.sh --uninstall [--prefix DIR]
# The app goes to PREFIX/lib/emailbot, a link to it to PREFIX/bin/emailbot, the menu entry and icons to
# PREFIX/share. Your queue, settings and outbox (in ~/.local/share/EmailBotConsole and ~/.config/EmailBotConsole)
# are never touched, not even by --uninstall.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix="${HOME}/.local"
action=install
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --uninstall) action=uninstall; shift ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

app="$prefix/lib/emailbot"
desktop="$prefix/share/applications/emailbot.desktop"
icons="$prefix/share/icons/hicolor"

refresh_menus() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$prefix/share/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
}

if [ "$action" = uninstall ]; then
    rm -rf "$app"
    rm -f "$prefix/bin/emailbot" "$desktop"
    find "$icons" -path '*/apps/emailbot.*' -delete 2>/dev/null || true
    refresh_menus
    echo "EmailBot Console removed from $prefix (your data in ~/.local/share/EmailBotConsole is kept)."
    exit 0
fi

mkdir -p "$prefix/lib" "$prefix/bin" "$prefix/share/applications"
rm -rf "$app.new"
cp -a "$here/emailbot" "$app.new"
rm -rf "$app"
mv "$app.new" "$app"
ln -sf "$app/emailbot" "$prefix/bin/emailbot"
(cd "$here/share/icons/hicolor" && find . -type f) | while read -r icon; do
    mkdir -p "$icons/$(dirname "$icon")"
    cp "$here/share/icons/hicolor/$icon" "$icons/$icon"
done
# The menu entry runs the installed binary by its full path: ~/.local/bin is not on every session's PATH.
sed -e "s|^Exec=emailbot|Exec=\"$app/emailbot\"|" -e "s|^TryExec=emailbot|TryExec=$app/emailbot|" \
    "$here/share/applications/emailbot.desktop" > "$desktop"
refresh_menus
echo "EmailBot Console installed: $prefix/bin/emailbot, and in your applications menu."
