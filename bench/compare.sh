#!/usr/bin/env bash
# `itam sync` against the transfer floor and Microsoft's Python SDK, on loopback.
#
# For each tenant size (default: 10000 100000 users) it starts the Graph emulator in its own
# process with pre-rendered answers (--memoize) and a request log, runs one untimed warm-up
# sync (it fills the compiled-component cache and renders every answer once), then times RUNS
# syncs into a fresh database and RUNS re-syncs over the previous snapshot. It replays the
# warm-up sync's requests with Python over one keep-alive connection, reading every answer
# (the fetch floor) and also json.loads-ing it (the fetch-and-parse floor), RUNS times each.
# Then it times RUNS incremental syncs, each after CHANGE_PERCENT (default 1) % of the tenant's
# size in random day-to-day changes (joiners, leavers, restores, renames, accounts disabled and
# enabled, licences moved directly and through groups, nested groups, devices; the emulator's
# `churn` profile: no unit purchases) made through the emulator's admin endpoint. The full
# syncs above use `--full`.
# At the sizes in SDK_SIZES (default: the smallest size; the SDK needs minutes per 10k users)
# it reads the same collections SDK_RUNS times with msgraph-sdk + azure-identity, against a
# TLS emulator since azure-identity needs an https authority. bench/report.py prints the
# table of medians.
#
#   bench/compare.sh                                   # 10k and 100k users, 5 runs, SDK at 10k
#   RUNS=3 SDK_SIZES=100000 bench/compare.sh 100000    # the SDK at 100k too (about 45 minutes)
#   SDK_RUNS=0 bench/compare.sh 100000                 # without the SDK
#
# Needs python3 (with venv and pip for the SDK) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
sdk_runs=${SDK_RUNS:-1}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
sdk_sizes=" ${SDK_SIZES:-$(printf '%s\n' "${sizes[@]}" | sort -n | head -n 1)} "

[ -x /usr/bin/time ] || { echo "bench/compare.sh needs GNU time: apt-get install time" >&2; exit 1; }
command -v rustup >/dev/null && rustup target add wasm32-wasip2 >/dev/null 2>&1
cargo build -q --release -p itam -p graph-emulator
bin=target/release
venv=target/peers/venv
if [ "$sdk_runs" -gt 0 ] && ! "$venv/bin/python" -c "import msgraph, azure.identity" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "msgraph-sdk==1.65.*" "azure-identity==1.27.*"
fi

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
results=${RESULTS:-$work/results.jsonl}
: >"$results"
export ITAM_CACHE_DIR=$work/cache

# Starts an emulator for $1 users in directory $2 with extra flags; sets $emulator.
start_emulator() {
  local users=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  "$bin/graph-emulator" --users "$users" --port 0 --memoize --itam-config-out "$dir" --info-out "$dir/info.json" \
    --roles Directory.Read.All,User.Read.All,AuditLog.Read.All "$@" >"$dir/emulator.log" 2>&1 &
  emulator=$!
  for _ in $(seq 1200); do [ -s "$dir/info.json" ] && return; sleep 0.1; done
  echo "the emulator did not start:" >&2
  cat "$dir/emulator.log" >&2
  exit 1
}

record() { echo "$1" >>"$results"; }

# Times one `itam sync` of the emulator in $2 ($1 users) and records it as side $3: wall
# seconds, peak RSS, Graph requests, start-up to first request, plugin load and commit times.
# Further arguments go to `itam sync`.
time_sync() {
  local users=$1 dir=$2 side=$3 before started kib secs first requests load_us commit_ms
  shift 3
  before=$(wc -l <"$dir/requests.jsonl")
  started=$(date +%s%N)
  RUST_LOG=itam_runtime::engine=debug,itam_store::writer=debug \
    /usr/bin/time -f '%M %e' -o "$dir/time" "$bin/itam" --config "$dir/itam.toml" sync "$@" >"$dir/out" 2>"$dir/err"
  read -r kib secs <"$dir/time"
  sed -n "$((before + 1)),\$p" "$dir/requests.jsonl" >"$dir/run-requests.jsonl"
  first=$(sed -n 1p "$dir/run-requests.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["at_ns"])')
  requests=$(grep -c '"uri":"/v1.0/' "$dir/run-requests.jsonl" || true)
  load_us=$(sed -n 's/.*plugin loaded micros=\([0-9]*\).*/\1/p' "$dir/err")
  commit_ms=$(sed -n 's/.*run committed.*millis=\([0-9]*\).*/\1/p' "$dir/err")
  record "{\"users\":$users,\"side\":\"$side\",\"seconds\":$secs,\"rss_kib\":$kib,\"requests\":$requests,\"startup_ms\":$(((first - started) / 1000000)),\"load_ms\":$(awk "BEGIN { print ${load_us:-0} / 1000 }"),\"commit_s\":$(awk "BEGIN { print ${commit_ms:-0} / 1000 }")}"
}

for users in "${sizes[@]}"; do
  dir=$work/$users
  start_emulator "$users" "$dir" --request-log "$dir/requests.jsonl"
  graph=$emulator
  echo "== $users users: warm-up sync" >&2
  "$bin/itam" --config "$dir/itam.toml" sync >/dev/null
  cp "$dir/requests.jsonl" "$dir/sync-requests.jsonl"
  for side in itam itam-resync; do
    for run in $(seq "$runs"); do
      [ "$side" = itam-resync ] || rm -f "$dir/itam.db"*
      time_sync "$users" "$dir" "$side" --full
      echo "   $side run $run: $(tail -n 1 "$results")" >&2
    done
  done
  for run in $(seq "$runs"); do
    for mode in fetch parse; do
      flag=$([ $mode = parse ] && echo --parse || true)
      line=$(python3 bench/floor.py "$dir/info.json" "$dir/sync-requests.jsonl" $flag)
      record "{\"users\":$users,\"side\":\"$mode\",${line#\{}"
      echo "   $mode floor run $run: $line" >&2
    done
  done
  # Incremental syncs, each after changes to 1 % of the tenant.
  changes=$((users * ${CHANGE_PERCENT:-1} / 100))
  url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$dir/info.json")
  for run in $(seq "$runs"); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="POST")).read()' \
      "$url/_emulator/changes?seed=$run&count=$changes&profile=churn"
    time_sync "$users" "$dir" itam-incremental
    grep -q '^  read: incremental$' "$dir/out" || { echo "the sync did not read incrementally:" >&2; cat "$dir/out" >&2; exit 1; }
    echo "   incremental run $run ($changes changes): $(tail -n 1 "$results")" >&2
  done
  if [ "$sdk_runs" -gt 0 ] && [[ "$sdk_sizes" == *" $users "* ]]; then
    tls=$work/$users-tls
    start_emulator "$users" "$tls" --tls --ca-out "$tls/ca.pem"
    for run in $(seq "$sdk_runs"); do
      line=$(SSL_CERT_FILE="$tls/ca.pem" REQUESTS_CA_BUNDLE="$tls/ca.pem" /usr/bin/time -f '%M' -o "$tls/time" \
        "$venv/bin/python" bench/sdk_sync.py "$tls/info.json" "$dir/sync-requests.jsonl" "$tls/ca.pem")
      record "{\"users\":$users,\"side\":\"sdk\",\"rss_kib\":$(cat "$tls/time"),${line#\{}"
      echo "   msgraph-sdk run $run: $line" >&2
    done
    kill "$emulator"
  fi
  kill "$graph"
  wait 2>/dev/null || true
done
python3 bench/report.py "$results"
