#!/usr/bin/env bash
# Vendor every front-end asset into mahalleh/core/static/vendor/ so the app
# works on an office intranet with no internet access (no CDN at run time).
#
# Usage:  scripts/vendor_assets.sh
#
# Needs node + npm (only when (re)vendoring; the result is committed, the app
# itself never needs node). Each package is fetched with `npm pack` at an
# exact pinned version, its tarball is checked against the pinned sha512
# integrity, and only the distribution files the templates use are copied,
# each next to the package's own license file. Source-map comments are
# stripped (we ship no .map files, and Django's ManifestStaticFilesStorage
# fails collectstatic on a sourceMappingURL that points to a missing file).
#
# To upgrade a package: change its spec below, run the script once with
# VENDOR_UPDATE_INTEGRITY=1 to print the new integrity, paste it, re-run
# (the fetching and checking is scripts/vendor_lib.sh, shared with the test assets).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/mahalleh/core/static/vendor"

# folder | exact npm spec | sha512 integrity of the registry tarball
PACKAGES=(
  "bootstrap|bootstrap@5.3.8|sha512-HP1SZDqaLDPwsNiqRqi5NcP0SSXciX2s9E+RyqJIIqGo+vJeN5AJVM98CXmW/Wux0nQ5L7jeWUdplCEf0Ee+tg=="
  # htmx: stay on 2.0.x (4.x is a different API).
  "htmx|htmx.org@2.0.11|sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
  "leaflet|leaflet@1.9.4|sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
  "echarts|echarts@6.1.0|sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
  "vazirmatn|vazirmatn@33.0.3|sha512-fbjNc0CMjazZpIegWzz9OHGzI1APFboT+x7ZecXlUCtDe/nkyx7gtCTZnWS/+eeXG7fbfXymCPKJI8EsnM3iqw=="
  "jalalidatepicker|@majidh1/jalalidatepicker@0.9.12|sha512-KsQ8yEXQph46CLeKxhrUvdYxD3now5EvhulDWlAOnV5YZKwX8PHcEBUy0EZUxDBgN54H9n31uy2kBMARgi7OWA=="
)

VENDOR_NAME=vendor_assets
# shellcheck source=scripts/vendor_lib.sh
source "$ROOT/scripts/vendor_lib.sh"

# put FOLDER RELATIVE_SRC [TARGET_NAME] -> copies into $OUT/FOLDER/
put() {
  local folder="$1" src target
  src="$(pkg_dir "$folder")/$2"
  target="${3:-$(basename "$2")}"
  [[ -f "$src" ]] || die "missing $2 in package for $folder"
  install -m 0644 -D "$src" "$OUT/$folder/$target"
}

strip_sourcemap() {
  local f
  for f in "$@"; do
    sed -i -E \
      -e 's#/\*[#@] sourceMappingURL=[^*]*\*/##g' \
      -e 's#^//[#@] sourceMappingURL=.*$##' \
      "$f"
    if grep -q 'sourceMappingURL=' "$f"; then
      die "could not strip sourceMappingURL from $f"
    fi
  done
}

OUT="$TMP/out"   # built here first; copied over $DEST only when all succeeded
mkdir -p "$OUT"
VERSIONS="$OUT/VERSIONS.txt"
{
  echo "# Front-end assets vendored by scripts/vendor_assets.sh (do not edit by hand)."
  echo "# Only the dist files listed by the script are kept; sourceMappingURL comments"
  echo "# are stripped (no .map files shipped). vazirmatn/Vazirmatn-Variable.woff2 is"
  echo "# the package's fonts/webfonts/Vazirmatn[wght].woff2, renamed; vazirmatn.css is ours."
  echo "# folder/  package@version  tarball-integrity"
} >"$VERSIONS"

for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r folder spec integrity <<<"$entry"
  fetch "$folder" "$spec" "$integrity"
  printf '%-18s %-34s %s\n' "$folder/" "$spec" "$integrity" >>"$VERSIONS"
done

# --- bootstrap -------------------------------------------------------------
put bootstrap dist/css/bootstrap.rtl.min.css
put bootstrap dist/css/bootstrap.min.css
put bootstrap dist/js/bootstrap.bundle.min.js
put bootstrap LICENSE
strip_sourcemap "$OUT"/bootstrap/*.min.css "$OUT"/bootstrap/*.min.js

# --- htmx (2.0.x) ----------------------------------------------------------
put htmx dist/htmx.min.js
put htmx LICENSE
strip_sourcemap "$OUT/htmx/htmx.min.js"

# --- leaflet ---------------------------------------------------------------
put leaflet dist/leaflet.js
put leaflet dist/leaflet.css
for img in "$(pkg_dir leaflet)"/dist/images/*; do
  put leaflet "dist/images/$(basename "$img")" "images/$(basename "$img")"
done
put leaflet LICENSE
strip_sourcemap "$OUT/leaflet/leaflet.js" "$OUT/leaflet/leaflet.css"

# --- echarts (Apache-2.0: LICENSE + NOTICE, plus the embedded d3 license) ---
put echarts dist/echarts.min.js
put echarts LICENSE
put echarts NOTICE
put echarts licenses/LICENSE-d3 LICENSE-d3
strip_sourcemap "$OUT/echarts/echarts.min.js"

# --- vazirmatn: the variable font only --------------------------------------
# Renamed from "Vazirmatn[wght].woff2" so the URL has no brackets to quote.
put vazirmatn 'fonts/webfonts/Vazirmatn[wght].woff2' Vazirmatn-Variable.woff2
put vazirmatn OFL.txt
cat >"$OUT/vazirmatn/vazirmatn.css" <<'CSS'
/* Vazirmatn variable font (SIL OFL 1.1, see OFL.txt). Written by
   scripts/vendor_assets.sh; the woff2 sits next to this file. */
@font-face {
  font-family: Vazirmatn;
  src: url("Vazirmatn-Variable.woff2") format("woff2-variations"),
       url("Vazirmatn-Variable.woff2") format("woff2");
  font-weight: 100 900;
  font-style: normal;
  font-display: swap;
}
CSS

# --- Jalali date picker (no dependencies) -----------------------------------
put jalalidatepicker dist/jalalidatepicker.min.js
put jalalidatepicker dist/jalalidatepicker.min.css
put jalalidatepicker LICENSE
strip_sourcemap "$OUT/jalalidatepicker/jalalidatepicker.min.js" "$OUT/jalalidatepicker/jalalidatepicker.min.css"

if find "$OUT" -name '*.map' | grep -q .; then
  die "source maps found in the build"
fi

mkdir -p "$DEST"
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r folder _ <<<"$entry"
  rm -rf "${DEST:?}/$folder"
  cp -R "$OUT/$folder" "$DEST/$folder"
done
install -m 0644 "$VERSIONS" "$DEST/VERSIONS.txt"

echo
echo "Vendored into ${DEST#"$ROOT"/}:"
(cd "$DEST" && find . -type f | sort | while read -r f; do
  printf '  %8s  %s\n' "$(du -k "$f" | cut -f1)K" "${f#./}"
done)
echo "  total: $(du -sh "$DEST" | cut -f1)"
