#!/usr/bin/env bash
# Peak memory and time of `itam sync` against the Graph emulator (a separate process, so its
# memory is not counted), for each tenant size given (default: 10000 100000 users).
#
#   bench/sync_memory.sh            # debug build
#   PROFILE=release bench/sync_memory.sh 10000 100000
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-debug}
flag=$([ "$profile" = release ] && echo --release || true)
cargo build -q $flag -p itam-host -p graph-emulator
bin=target/$profile
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
printf '%8s %10s %9s %s\n' users peak_MiB seconds counts
for users in "${sizes[@]}"; do
  dir=$work/$users
  mkdir -p "$dir"
  "$bin/graph-emulator" --users "$users" --port 0 --info-out "$dir/info.json" \
    --roles Directory.Read.All,User.Read.All,AuditLog.Read.All >"$dir/emulator.log" 2>&1 &
  emulator=$!
  for _ in $(seq 600); do [ -s "$dir/info.json" ] && break; sleep 0.1; done
  python3 bench/write_config.py "$dir/info.json" "$dir"
  ITAM_CACHE_DIR=$work/cache "$bin/itam" --config "$dir/itam.toml" sync >/dev/null 2>&1 # warm the compiled cache
  rm -f "$dir/itam.db"*
  ITAM_CACHE_DIR=$work/cache /usr/bin/time -f '%M %e' -o "$dir/time" \
    "$bin/itam" --config "$dir/itam.toml" sync >"$dir/out"
  read -r kib secs <"$dir/time"
  printf '%8s %10.1f %9s %s\n' "$users" "$(echo "$kib/1024" | bc -l)" "$secs" "$(cut -d: -f3- "$dir/out")"
  kill "$emulator"
done
