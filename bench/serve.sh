#!/usr/bin/env bash
# `itam serve` at scale: the dashboard's and the API's response times on a large tenant, and the
# service's memory idle and at its peak (during a scheduled run).
#
# It starts the Graph emulator (its own process, pre-rendered answers) for N users (default
# 100000), then `itam serve` on a configuration whose source runs every hour with no splay: the
# first run happens at start-up. Once it has succeeded, each URL is fetched REPS times (default
# 5) over loopback with curl and the median and worst times are printed; VmRSS is read idle,
# then a run is asked for through the API and VmHWM (the peak) read once it has ended.
#
#   bench/serve.sh            # 100k users
#   REPS=9 bench/serve.sh 20000
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-100000}
reps=${REPS:-5}
command -v rustup >/dev/null && rustup target add wasm32-wasip2 >/dev/null 2>&1
cargo build -q --release -p itam -p graph-emulator
bin=target/release
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export ITAM_CACHE_DIR=$work/cache

"$bin/graph-emulator" --users "$users" --port 0 --memoize --itam-config-out "$work" --info-out "$work/info.json" \
  --roles Directory.Read.All,User.Read.All,AuditLog.Read.All >"$work/emulator.log" 2>&1 &
for _ in $(seq 1200); do [ -s "$work/info.json" ] && break; sleep 0.1; done
[ -s "$work/info.json" ] || { cat "$work/emulator.log" >&2; exit 1; }
sed -i 's/^plugin = "m365"$/plugin = "m365"\nschedule = "1h"/' "$work/itam.toml"
printf '\n[serve]\nlisten = "127.0.0.1:0"\nsplay = "0"\n' >>"$work/itam.toml"

"$bin/itam" --config "$work/itam.toml" serve 2>"$work/serve.log" &
pid=$!
for _ in $(seq 600); do grep -q ' on http://' "$work/serve.log" && break; sleep 0.1; done
base=$(sed -n 's/.* on \(http:\/\/[0-9.:]*\)\/.*/\1/p' "$work/serve.log" | head -n 1)
[ -n "$base" ] || { cat "$work/serve.log" >&2; exit 1; }
source=$(sed -n 's/^name = "\(.*\)"$/\1/p' "$work/itam.toml" | head -n 1)

succeeded() { curl -sf "$base/api/v1/sources/$source/runs" | python3 -c 'import json,sys; print(sum(r["status"] == "succeeded" for r in json.load(sys.stdin)))'; }
echo "== $users users: waiting for the start-up run" >&2
until [ "$(succeeded)" -ge 1 ]; do sleep 1; done
sleep 2
idle_kib=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")

sku=$(curl -sf "$base/api/v1/sources/$source/balance" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
print(max(rows, key=lambda r: r["consumed"])["sku_id"])')
account=$(curl -sf "$base/api/v1/sources/$source/products/$sku/holders?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["holders"][0]["id"])')

# Prints the median and worst of $reps fetches of $1.
timed() {
  local url=$1 times=()
  for _ in $(seq "$reps"); do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' "$base$url")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v url="$url" '{ t[NR] = $1 } END { printf "%-70s median %6.0f ms   worst %6.0f ms\n", url, t[int((NR + 1) / 2)] * 1000, t[NR] * 1000 }'
}
echo "== response times ($reps fetches each)"
for url in / "/sources/$source/products/$sku" "/sources/$source/products/$sku?q=a&page=3" \
  "/sources/$source/accounts/$account" /runs /metrics \
  "/api/v1/sources" "/api/v1/sources/$source/balance" "/api/v1/sources/$source/waste" \
  "/api/v1/sources/$source/subscriptions" "/api/v1/sources/$source/changes" \
  "/api/v1/sources/$source/products/$sku/holders?page=1" "/api/v1/sources/$source/products/$sku/holders?page=100&per_page=500" \
  "/api/v1/sources/$source/accounts/$account"; do
  timed "$url"
done

curl -sf -X POST -H 'content-type: application/json' "$base/api/v1/sources/$source/runs" >/dev/null
until [ "$(succeeded)" -ge 2 ]; do sleep 1; done
peak_kib=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
after_kib=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
echo "== memory: idle after the first run $((idle_kib / 1024)) MiB, peak $((peak_kib / 1024)) MiB, after a second run $((after_kib / 1024)) MiB"
kill -TERM "$pid"
wait "$pid"
