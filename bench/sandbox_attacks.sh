#!/usr/bin/env bash
# Peak memory and wall time of the host under the attacks SECURITY.md lists, with the release
# `itam` and the hostile fixture plugins of tests/hostile (built by tests/hostile-build). Each
# attack runs as `itam sync` of one source (or `itam plugin inspect` for the compiler bombs)
# with a fresh compiled-component cache, and prints one Markdown row: attack, exit code, wall
# time, peak RSS of `itam` and its compiler child, the bytes printed on stdout and stderr, and
# the host's words about the limit.
#
#   bench/sandbox_attacks.sh
#
# Needs GNU time (/usr/bin/time) and the wasm32-wasip2 target.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
command -v rustup >/dev/null && rustup target add wasm32-wasip2 >/dev/null 2>&1
cargo build -q --release -p itam
cargo build -q -p hostile-build
itam=$PWD/target/release/itam
rust=$PWD/target/wasm-hostile/wasm32-wasip2/release
generated=$PWD/$(dirname "$(ls -t target/debug/build/hostile-build-*/out/nested-blocks.wasm | head -n 1)")

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# A server that answers every request `200 ok`, for the plugins' declared origin.
python3 - "$work/port" <<'PY' &
import http.server, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("content-length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")"

# Runs `itam` with config text $2 and arguments $3…, as attack $1.
attack() {
  local name=$1 config=$2
  shift 2
  local dir=$work/$RANDOM
  mkdir -p "$dir"
  printf '%s\n' "$config" >"$dir/itam.toml"
  chmod 600 "$dir/itam.toml"
  local code=0
  ITAM_CACHE_DIR=$dir/cache /usr/bin/time -f '%e %M' -o "$dir/time" \
    "$itam" --config "$dir/itam.toml" "$@" >"$dir/out" 2>"$dir/err" || code=$?
  read -r wall kib < <(tail -n 1 "$dir/time")
  local said bytes
  said=$(cat "$dir/err" "$dir/out" | grep -m1 -oE '(the plugin [a-z]|compiling the plugin|the run exceeded|hoard: |more warnings from|more bytes cut)[^;]{0,100}' || true)
  bytes=$(cat "$dir/err" "$dir/out" | wc -c)
  printf '| %s | %s | %s s | %s MiB | %s | %s |\n' "$name" "$code" "$wall" "$((kib / 1024))" "$bytes" "$said"
}

# A config with one source `a` running plugin file $1 with settings $2 and [runtime] $3.
source_config() {
  printf '[store]\npath = "itam.db"\n\n[runtime]\n%s\n\n[[source]]\nname = "a"\nplugin = "%s"\n\n[source.settings]\nurl = "%s"\n%s\n' "$3" "$1" "$url" "$2"
}

echo "| attack | exit | wall | peak RSS | bytes printed | what the host says |"
echo "|---|---|---|---|---|---|"
attack "8 memories of 120 MiB, memory_limit_mb = 128" \
  "$(source_config "$generated/eight-memories.wasm" "" "memory_limit_mb = 128")" sync
attack "20,000 kept header sets of 1 KiB" \
  "$(source_config "$rust/hoard.wasm" 'mode = "many-fields"' "")" sync
attack "20,000 header sets of 100 KiB" \
  "$(source_config "$rust/hoard.wasm" 'mode = "big-fields"' "")" sync
attack "300 requests in flight" \
  "$(source_config "$rust/hoard.wasm" 'mode = "in-flight"' "")" sync
attack "a 6 MB function" "" plugin inspect "$generated/big-function.wasm"
attack "300,000 nested blocks" "" plugin inspect "$generated/nested-blocks.wasm"
attack "200,000 functions" "" plugin inspect "$generated/many-functions.wasm"
attack "2,000 functions nesting 1,500 (within the caps), compile_timeout = 1s" \
  "$(source_config "$generated/slow-compile.wasm" "" 'compile_timeout = "1s"')" sync
attack "a start function blocking for an hour" \
  "$(source_config "$generated/start-blocks.wasm" "" "")" sync
attack "twenty 10 MiB log lines" \
  "$(source_config "$rust/flood.wasm" 'mode = "huge-log"' "")" sync
attack "a million log lines" \
  "$(source_config "$rust/flood.wasm" 'mode = "many-logs"' "")" sync
attack "100,000 warnings of 512 bytes" \
  "$(source_config "$rust/flood.wasm" 'mode = "huge-warnings"' "")" sync
attack "a 100 MiB error message" \
  "$(source_config "$rust/flood.wasm" 'mode = "huge-error"' "")" sync
