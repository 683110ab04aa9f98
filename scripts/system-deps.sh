#!/bin/sh
# Makes sure the system libraries WeasyPrint needs (Pango, HarfBuzz) and fonts
# for every script Plenary prints (Latin, Greek, Cyrillic, Arabic, Chinese,
# Japanese, Korean) are present, and with WITH_BROWSER=1 Chromium and npm for the browser tests. Installs them with apt when running as root on
# Debian/Ubuntu; otherwise says exactly what to install and stops.
set -eu

PYTHON="${PYTHON:-python3}"
PACKAGES="python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig fonts-dejavu-core fonts-noto-core fonts-noto-cjk"

missing=""
# ldconfig lives in /sbin, which is not on an ordinary user's PATH on Debian.
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
have_lib() { "$LDCONFIG" -p 2>/dev/null | grep -q "$1"; }
have_font_for() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list ":lang=$1" family 2>/dev/null | head -n 1)" ]; }

"$PYTHON" -c "import ensurepip, venv" 2>/dev/null || missing="$missing python3-venv"
have_lib libpango-1.0.so || missing="$missing pango"
have_lib libpangoft2-1.0.so || missing="$missing pangoft2"
have_lib libharfbuzz-subset.so || missing="$missing harfbuzz-subset"
for lang in en ru el ar zh-cn ja ko; do
    have_font_for "$lang" || missing="$missing font:$lang"
done
# The browser tests drive Debian's Chromium through Playwright (Playwright's own download does not work here).
if [ "${WITH_BROWSER:-0}" = "1" ]; then
    # ... and poppler's pdftoppm, which the badge tests use to read a printed QR code back.
    PACKAGES="$PACKAGES chromium poppler-utils"
    [ -x /usr/bin/chromium ] || missing="$missing chromium"
    command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
    # ... and npm, which installs axe-core, the accessibility checker the browser tests inject into pages.
    command -v npm >/dev/null 2>&1 || { missing="$missing npm"; PACKAGES="$PACKAGES npm"; }
fi

[ -z "$missing" ] && exit 0

echo "system-deps: missing:$missing"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing $PACKAGES"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
    fc-cache -f >/dev/null 2>&1 || true
    exit 0
fi
echo "system-deps: please install, as root: apt-get install $PACKAGES"
echo "system-deps: (on other systems: Pango >= 1.44, HarfBuzz with its subset library, Noto fonts incl. Noto CJK)"
exit 1
