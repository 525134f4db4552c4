#!/usr/bin/env bash
# Vendor the browser-test assets into tests/e2e/vendor/ (committed; the tests never fetch anything).
#
# Usage:  scripts/vendor_test_assets.sh
#
# Today this is axe-core, the accessibility engine the page walk (tests/e2e/test_every_page.py)
# injects into every page. Same fetch as scripts/vendor_assets.sh (scripts/vendor_lib.sh): `npm pack` at an exact
# version, the tarball checked against the pinned sha512 integrity, only the dist file and its
# license kept. Test assets are kept out of the app's static files on purpose: they are never
# served to a user.
#
# To upgrade: change the spec, run once with VENDOR_UPDATE_INTEGRITY=1, paste the printed integrity.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/tests/e2e/vendor"
SPEC="axe-core@4.14.1"
INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="

VENDOR_NAME=vendor_test_assets
# shellcheck source=scripts/vendor_lib.sh
source "$ROOT/scripts/vendor_lib.sh"

fetch axe "$SPEC" "$INTEGRITY"
PKG="$(pkg_dir axe)"

mkdir -p "$DEST"
install -m 0644 "$PKG/axe.min.js" "$DEST/axe.min.js"
install -m 0644 "$PKG/LICENSE" "$DEST/axe-LICENSE.txt"
[[ -f "$PKG/LICENSE-3RD-PARTY.txt" ]] && install -m 0644 "$PKG/LICENSE-3RD-PARTY.txt" "$DEST/axe-LICENSE-3RD-PARTY.txt"
printf '# Written by scripts/vendor_test_assets.sh (do not edit by hand).\n%s  %s\n' "$SPEC" "$INTEGRITY" >"$DEST/VERSIONS.txt"
echo "Vendored $SPEC into ${DEST#"$ROOT"/}"
