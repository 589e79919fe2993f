#!/usr/bin/env bash
# Refresh the vendored USWDS assets in assets/uswds/ from the npm package @uswds/uswds.
#
# Usage: scripts/vendor_uswds.sh [VERSION]      (default: 3, i.e. the latest 3.x)
#
# Copies only what the dashboard serves: the compiled CSS and JS, every file the CSS
# references with url(../fonts/...) or url(../img/...) (woff2 fonts and small SVGs),
# and the images our banner uses. The relative folder layout of the package's dist/ is
# kept so the CSS's "../fonts/..." and "../img/..." urls resolve. Needs node and npm.
set -euo pipefail

VERSION="${1:-3}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$REPO_ROOT/assets/uswds"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

npm install --prefix "$WORK" --no-audit --no-fund --no-save "@uswds/uswds@$VERSION" >/dev/null
PKG="$WORK/node_modules/@uswds/uswds"
DIST="$PKG/dist"
INSTALLED="$(node -p "require('$PKG/package.json').version")"

rm -rf "$DEST/css" "$DEST/js" "$DEST/fonts" "$DEST/img"
mkdir -p "$DEST/css" "$DEST/js"
cp "$DIST/css/uswds.min.css" "$DEST/css/"
cp "$DIST/js/uswds.min.js" "$DEST/js/"
cp "$PKG/LICENSE.md" "$DEST/LICENSE.md"

copy_rel() {  # copy DIST/<relative path> to DEST/<relative path>
  mkdir -p "$DEST/$(dirname "$1")"
  cp "$DIST/$1" "$DEST/$1"
}

# Every local file the stylesheet references (fonts and icons), e.g. url(../fonts/x.woff2).
grep -o 'url(\.\./[^)]*)' "$DIST/css/uswds.min.css" \
  | sed -e 's/^url(\.\.\///' -e 's/)$//' -e 's/["'"'"']//g' -e 's/[?#].*$//' \
  | sort -u \
  | while read -r rel; do copy_rel "$rel"; done

# Images referenced from our Dash markup (dashboard/components/banner.py).
for rel in img/us_flag_small.png img/icon-dot-gov.svg img/icon-https.svg img/lock.svg; do
  copy_rel "$rel"
done

cat > "$DEST/README.md" <<EOF
# Vendored USWDS $INSTALLED

Compiled assets of the U.S. Web Design System, version **$INSTALLED**, copied from the
npm package [\`@uswds/uswds\`](https://www.npmjs.com/package/@uswds/uswds) (its \`dist/\` folder).
Licence: see \`LICENSE.md\` (public domain, with the fonts and icons under their own open licences).

What is here (the folder layout of \`dist/\` is kept, so the CSS's \`../fonts/...\` and
\`../img/...\` urls resolve):

- \`css/uswds.min.css\`, \`js/uswds.min.js\` — the default theme, unmodified.
- \`fonts/\` — only the woff2 files the CSS's \`@font-face\` rules reference
  (Source Sans Pro, Merriweather, Roboto Mono; the default theme does not use Public Sans).
- \`img/\` — every image the CSS references, plus the banner images
  (\`us_flag_small.png\`, \`icon-dot-gov.svg\`, \`icon-https.svg\`, \`lock.svg\`).

Dash serves every .css/.js under \`assets/\` automatically, directories walked in sorted
order with a folder's own files before its subfolders; our overrides live in
\`assets/zz-cxdash/\` so they load after this stylesheet.

## Refresh

    scripts/vendor_uswds.sh          # latest 3.x
    scripts/vendor_uswds.sh 3.14.0   # a given version

then run \`pytest tests/test_components.py\` (it checks every url() in the CSS resolves).
Do not edit these files by hand.
EOF

echo "Vendored @uswds/uswds $INSTALLED into $DEST ($(du -sh "$DEST" | cut -f1))"
