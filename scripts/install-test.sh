#!/usr/bin/env bash
# The install test: a user's `npm install` of the packed tarballs into a clean project, with no Rust
# toolchain on PATH, then the quickstart in ESM and in CommonJS, `npx s3db` on a file:// store, and
# `tsc --noEmit --strict` over a typed program.
#
# Usage: scripts/install-test.sh [dist]   (the folder of scripts/pack.mjs's tarballs; default dist/)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=$(cd "${1:-$ROOT/dist}" && pwd)
VERSION=$(node -p "require('$ROOT/package.json').version")
PLATFORM=linux-x64-gnu
root_tarball="$DIST/s3db-native-$VERSION.tgz"
platform_tarball="$DIST/s3db-native-$PLATFORM-$VERSION.tgz"
for tarball in "$root_tarball" "$platform_tarball"; do
  [ -f "$tarball" ] || { echo "missing $tarball: run scripts/build-portable.sh $PLATFORM && node scripts/pack.mjs" >&2; exit 1; }
done

# PATH without cargo and rustc: a folder that holds them is replaced by a copy of it (symlinks)
# without the Rust tools, so node and npm stay reachable when they live beside them (/usr/bin).
project=""
shadow_root=$(mktemp -d "${TMPDIR:-/tmp}/s3db-native-path-XXXXXX")
trap 'rm -rf "$shadow_root" ${project:+"$project"}' EXIT
clean_path=""
IFS=: read -r -a path_dirs <<< "$PATH"
for dir in "${path_dirs[@]}"; do
  [ -n "$dir" ] || continue
  if [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ]; then
    shadow=$(mktemp -d "$shadow_root/bin-XXXXXX")
    for tool in "$dir"/*; do
      case "$(basename "$tool")" in cargo|cargo-*|rustc|rustup|rustdoc|rust-*) continue ;; esac
      ln -s "$tool" "$shadow/"
    done
    dir=$shadow
  fi
  clean_path="${clean_path:+$clean_path:}$dir"
done
export PATH=$clean_path
if command -v cargo >/dev/null 2>&1 || command -v rustc >/dev/null 2>&1; then
  echo "a Rust toolchain is still on PATH" >&2
  exit 1
fi

project=$(mktemp -d "${TMPDIR:-/tmp}/s3db-native-install-XXXXXX")
cp -r "$ROOT/scripts/install-test/." "$project/"
cd "$project"

echo "== tarballs"
ls -l "$root_tarball" "$platform_tarball" | awk '{print $5, $NF}'
start=$(date +%s.%N)
npm install --no-audit --no-fund --loglevel=error "$root_tarball" "$platform_tarball"
node quickstart.mjs
elapsed=$(node -p "($(date +%s.%N) - $start).toFixed(1)")
echo "== npm install of the tarballs to a running quickstart: ${elapsed} s"

echo "== CommonJS"
node quickstart.cjs

echo "== npx s3db on file://"
npx --no-install s3db create users --attributes '{"name":"string|min:2","age":"number|integer"}'
npx --no-install s3db insert users --data '{"name":"Alice","age":31}'
count=$(npx --no-install s3db count users)
echo "count: $count"
[ "$(echo "$count" | tr -dc '0-9')" = "1" ] || { echo "expected 1 record, got: $count" >&2; exit 1; }
[ -d s3db-data ] || { echo "the CLI did not write the embedded store ./s3db-data" >&2; exit 1; }

echo "== tsc --noEmit --strict"
npm install --no-audit --no-fund --loglevel=error typescript@5
npx --no-install tsc --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 typed.mts
# The typings must check record fields: misuse.mts has exactly one error, a number read as a string.
misuse=$(npx --no-install tsc --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 misuse.mts || true)
echo "$misuse"
if [ "$(echo "$misuse" | grep -c 'error TS')" != 1 ] || ! echo "$misuse" | grep -q "misuse.mts(12,7): error TS2322"; then
  echo "tsc should reject misuse.mts with exactly its one type error" >&2
  exit 1
fi

echo "install test passed"
