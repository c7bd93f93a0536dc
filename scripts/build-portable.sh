#!/usr/bin/env bash
# Builds the Linux engine binaries of the npm platform packages on this machine, with tools from the
# package registries: zig from PyPI (`ziglang`) as the C compiler and linker, through cargo-zigbuild
# from crates.io.
#   linux-x64-gnu    glibc 2.17 baseline
#   linux-arm64-gnu  glibc 2.17 baseline, cross-built
#   linux-x64-musl   cross-built
# macOS and Windows binaries are built by .github/workflows/release.yml on native runners.
#
# Usage: scripts/build-portable.sh [platform ...]      (default: all three)
# Each stripped binary is written to npm/<platform>/s3db-native.<platform>.node.
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC_BASELINE=2.17
declare -A TRIPLE=(
  [linux-x64-gnu]=x86_64-unknown-linux-gnu
  [linux-arm64-gnu]=aarch64-unknown-linux-gnu
  [linux-x64-musl]=x86_64-unknown-linux-musl
)
platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || platforms=(linux-x64-gnu linux-arm64-gnu linux-x64-musl)

pip_install() { python3 -m pip install --quiet --disable-pip-version-check "$@"; }
if ! command -v zig >/dev/null 2>&1 && ! python3 -c 'import ziglang' 2>/dev/null; then
  pip_install ziglang || pip_install --break-system-packages ziglang
fi
command -v cargo-zigbuild >/dev/null 2>&1 || cargo install --locked cargo-zigbuild

# A musl cdylib must link libc dynamically: Node loads it into its own process.
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=-crt-static"
export CARGO_PROFILE_RELEASE_STRIP=symbols

for platform in "${platforms[@]}"; do
  triple=${TRIPLE[$platform]:-}
  if [ -z "$triple" ]; then
    echo "unknown platform '$platform' (one of: ${!TRIPLE[*]})" >&2
    exit 2
  fi
  if command -v rustup >/dev/null 2>&1; then rustup target add "$triple" >/dev/null; fi
  zig_target=$triple
  [[ $triple == *-gnu ]] && zig_target="$triple.$GLIBC_BASELINE"
  echo "== $platform ($zig_target)"
  cargo zigbuild --release --package s3db-native --target "$zig_target"
  out="npm/$platform/s3db-native.$platform.node"
  cp "target/$triple/release/libs3db_native.so" "$out"
  echo "$out: $(du -h "$out" | cut -f1)"
  if [[ $triple == *-gnu ]]; then echo "highest glibc symbol version needed: $(scripts/glibc-baseline.sh "$out")"; fi
done
