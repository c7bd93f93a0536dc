#!/usr/bin/env bash
# Prints the highest GLIBC_ symbol version an ELF binary needs (the oldest glibc it loads on).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 <binary.node>" >&2; exit 2; }
readelf --wide --version-info "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u -V | tail -n 1
