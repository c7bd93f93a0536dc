#!/usr/bin/env bash
# Starts a single-node Garage (the benchmark S3 server) on 127.0.0.1:3900 with a `bench` bucket,
# and prints its connection string. Garage is not in CI (building it takes ~30 min on 2 cores):
#   cargo install garage --locked --no-default-features --features bundled-libs,lmdb --root ~/.garage
# Usage: bench/start-garage.sh [state-dir]    (GARAGE=/path/to/garage to pick the binary)
# Stop it with: kill "$(cat <state-dir>/garage.pid)"
set -euo pipefail

GARAGE="${GARAGE:-$(command -v garage || echo "$HOME/.garage/bin/garage")}"
STATE="${1:-${TMPDIR:-/tmp}/s3db-garage}"
KEY_ID=GKbench0123456789abcdef00
SECRET=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

[ -x "$GARAGE" ] || { echo "garage not found (set GARAGE=...)" >&2; exit 1; }
mkdir -p "$STATE"
CONFIG="$STATE/garage.toml"
cat > "$CONFIG" <<EOF
metadata_dir = "$STATE/meta"
data_dir = "$STATE/data"
db_engine = "lmdb"
replication_factor = 1
consistency_mode = "consistent"
metadata_fsync = false
data_fsync = false
rpc_bind_addr = "127.0.0.1:3901"
rpc_public_addr = "127.0.0.1:3901"
rpc_secret = "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"

[s3_api]
s3_region = "us-east-1"
api_bind_addr = "127.0.0.1:3900"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:3903"
admin_token = "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
EOF

g() { "$GARAGE" -c "$CONFIG" "$@"; }
g server > "$STATE/server.log" 2>&1 &
echo $! > "$STATE/garage.pid"
for _ in $(seq 50); do g status > /dev/null 2>&1 && break; sleep 0.2; done
NODE=$(g node id -q | cut -d@ -f1)
g layout assign -z dc1 -c 1G "$NODE" > /dev/null
g layout apply --version 1 > /dev/null
g key import -n bench --yes "$KEY_ID" "$SECRET" > /dev/null
g bucket create bench > /dev/null
g bucket allow --read --write --owner bench --key bench > /dev/null
echo "http://$KEY_ID:$SECRET@127.0.0.1:3900/bench/db"
