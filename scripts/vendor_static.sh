#!/usr/bin/env bash
# Vendor the browser libraries from the npm registry into dajiuzhu/web/static/vendor/.
# Government intranets have no CDN access, so the files are kept in the repository.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/dajiuzhu/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$DEST"
cd "$WORK"

unpack() {  # $1 = npm spec, $2 = directory name
    local tarball
    tarball="$(npm pack --silent "$1" | tail -n 1)"
    mkdir -p "$2"
    tar -xzf "$tarball" -C "$2" --strip-components=1
}

unpack "htmx.org@2" htmx
unpack "echarts@5" echarts

cp htmx/dist/htmx.min.js "$DEST/htmx.min.js"
cp htmx/LICENSE "$DEST/htmx.LICENSE"
cp echarts/dist/echarts.min.js "$DEST/echarts.min.js"
cp echarts/LICENSE "$DEST/echarts.LICENSE"
if [ -f echarts/NOTICE ]; then cp echarts/NOTICE "$DEST/echarts.NOTICE"; fi

htmx_version="$(node -p "require('./htmx/package.json').version")"
echarts_version="$(node -p "require('./echarts/package.json').version")"
{
    echo "# Vendored by scripts/vendor_static.sh from the npm registry; do not edit by hand."
    echo "htmx.org ${htmx_version} htmx.min.js sha256=$(sha256sum "$DEST/htmx.min.js" | cut -d' ' -f1)"
    echo "echarts ${echarts_version} echarts.min.js sha256=$(sha256sum "$DEST/echarts.min.js" | cut -d' ' -f1)"
} > "$DEST/VERSIONS.txt"

echo "vendored htmx.org ${htmx_version} and echarts ${echarts_version} into $DEST"
