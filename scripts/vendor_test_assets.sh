#!/usr/bin/env bash
# Vendor the browser-test assets into tests/e2e/vendor/ (committed; the tests never fetch anything).
#
# Usage:  scripts/vendor_test_assets.sh
#
# Today this is axe-core, the accessibility engine the page walk (tests/e2e/test_every_page.py)
# injects into every page. Same pattern as scripts/vendor_assets.sh: `npm pack` at an exact
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

die() { echo "vendor_test_assets: $*" >&2; exit 1; }
for tool in node npm tar; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required"
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/mahalleh-vendor-test.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

(cd "$TMP" && npm pack --silent --ignore-scripts "$SPEC" >/dev/null)
tarball="$(find "$TMP" -maxdepth 1 -name '*.tgz' | head -n1)"
[[ -n "$tarball" ]] || die "npm pack produced no tarball for $SPEC"
actual="$(node -e 'const c=require("crypto"),fs=require("fs");
process.stdout.write("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
if [[ "$actual" != "$INTEGRITY" ]]; then
  if [[ "${VENDOR_UPDATE_INTEGRITY:-}" == "1" ]]; then
    echo "new integrity for $SPEC: $actual"
  else
    die "integrity mismatch for $SPEC: expected $INTEGRITY, got $actual"
  fi
fi
tar -xzf "$tarball" -C "$TMP"
got="$(node -e 'const p=require(process.argv[1]);process.stdout.write(p.name+"@"+p.version)' "$TMP/package/package.json")"
[[ "$got" == "$SPEC" ]] || die "asked for $SPEC but the tarball is $got"

mkdir -p "$DEST"
install -m 0644 "$TMP/package/axe.min.js" "$DEST/axe.min.js"
install -m 0644 "$TMP/package/LICENSE" "$DEST/axe-LICENSE.txt"
[[ -f "$TMP/package/LICENSE-3RD-PARTY.txt" ]] && install -m 0644 "$TMP/package/LICENSE-3RD-PARTY.txt" "$DEST/axe-LICENSE-3RD-PARTY.txt"
printf '# Written by scripts/vendor_test_assets.sh (do not edit by hand).\n%s  %s\n' "$got" "$INTEGRITY" >"$DEST/VERSIONS.txt"
echo "Vendored $got into ${DEST#"$ROOT"/}"
