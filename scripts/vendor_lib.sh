# Shared by scripts/vendor_assets.sh and scripts/vendor_test_assets.sh (sourced, not run):
# `npm pack` a package at an exact version into a temporary folder, check the tarball against
# its pinned sha512 integrity and its name@version against the spec, and unpack it.
#
# The sourcing script sets VENDOR_NAME (the prefix of its error messages) first.
# To upgrade a package: change its spec, run once with VENDOR_UPDATE_INTEGRITY=1 to print the
# new integrity, paste it, re-run.

die() { echo "${VENDOR_NAME:-vendor}: $*" >&2; exit 1; }

for tool in node npm tar; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required"
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/mahalleh-${VENDOR_NAME:-vendor}.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

sha512_of() {
  node -e 'const c=require("crypto"),fs=require("fs");
process.stdout.write("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$1"
}

pkg_dir() { echo "$TMP/$1/package"; }

pkg_version() {
  node -e 'process.stdout.write(require(process.argv[1]).name+"@"+require(process.argv[1]).version)' \
    "$(pkg_dir "$1")/package.json"
}

# fetch FOLDER SPEC INTEGRITY -> unpacks into $TMP/FOLDER/package
fetch() {
  local folder="$1" spec="$2" integrity="$3" work tarball actual got
  work="$TMP/$folder"
  mkdir -p "$work"
  echo "==> $spec"
  (cd "$work" && npm pack --silent --ignore-scripts "$spec" >/dev/null)
  tarball="$(find "$work" -maxdepth 1 -name '*.tgz' | head -n1)"
  [[ -n "$tarball" ]] || die "npm pack produced no tarball for $spec"
  actual="$(sha512_of "$tarball")"
  if [[ "$actual" != "$integrity" ]]; then
    if [[ "${VENDOR_UPDATE_INTEGRITY:-}" == "1" ]]; then
      echo "    new integrity for $spec: $actual"
    else
      die "integrity mismatch for $spec: expected $integrity, got $actual"
    fi
  fi
  tar -xzf "$tarball" -C "$work"
  [[ -f "$work/package/package.json" ]] || die "unexpected tarball layout for $spec"
  got="$(pkg_version "$folder")"
  [[ "$got" == "$spec" ]] || die "asked for $spec but the tarball is $got"
}
