#!/usr/bin/env bash
# The fleet on PostgreSQL (BENCHMARKS.md, "A fleet on PostgreSQL"): a PostgreSQL server with
# durable settings in a temporary directory (Debian's postgresql package), then
#   1. TENANTS (default 1000) emulated tenants of USERS (20) users, kept in the database as
#      sources, synced once each by HOSTS (2) `itam serve` processes with SLOTS (4) runs at a
#      time each: tenants per minute, database size per tenant, the cost of a lease;
#   2. one tenant of LARGE (100000) users synced RUNS (3) times into a new database and RUNS
#      times over its last snapshot, on SQLite and on PostgreSQL.
# Prints one JSON object per measurement.
#
#   bench/fleet.sh
#   TENANTS=200 LARGE=10000 bench/fleet.sh
#
# Needs GNU time (/usr/bin/time) and PostgreSQL 15 or newer (apt-get install postgresql time).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rustup >/dev/null && rustup target add wasm32-wasip2 >/dev/null 2>&1
cargo build -q --release -p itam -p itam-bench-fleet
# A thousand emulators listen on a thousand sockets, and the services connect to them.
ulimit -n "$(ulimit -Hn)"
target/release/itam-bench-fleet fleet target/release/itam "${TENANTS:-1000}" "${HOSTS:-2}" "${USERS:-20}" "${SLOTS:-4}"
target/release/itam-bench-fleet large target/release/itam "${LARGE:-100000}" "${RUNS:-3}"
