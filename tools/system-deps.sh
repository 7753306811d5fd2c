#!/bin/sh
# Installs the Debian packages the build needs when any is missing.
# As root it runs apt-get; otherwise it says which packages to install and fails.
set -e
missing=""
command -v neato >/dev/null 2>&1 || missing="$missing graphviz"
[ -f /usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf ] || missing="$missing fonts-liberation"
# Fallbacks for text Liberation Serif cannot print (Hebrew, accents, CJK, emoji):
# worksheets/typeset/fonts.py
fonts=/usr/share/fonts/truetype
[ -f $fonts/dejavu/DejaVuSerif.ttf ] && [ -f $fonts/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
[ -f $fonts/droid/DroidSansFallbackFull.ttf ] || missing="$missing fonts-droid-fallback"
[ -f $fonts/ancient-scripts/Symbola_hint.ttf ] || missing="$missing fonts-symbola"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
command -v qpdf >/dev/null 2>&1 || missing="$missing qpdf"
# The browser tests of the HTML pages (tests/test_html.py): headless Chromium driven by
# Selenium through chromedriver, with axe-core installed by npm (Makefile).
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
    echo "missing system packages:$missing -- install them with: sudo apt-get install -y$missing" >&2
    exit 1
fi
