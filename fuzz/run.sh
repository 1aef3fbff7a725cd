#!/usr/bin/env bash
# Runs every fuzz target (or those named in $TARGETS) for N executions each (default
# 1,000,000) and prints one summary line per target. Needs nightly and cargo-fuzz; see README.md.
#   fuzz/run.sh [N]          e.g. fuzz/run.sh 100000, or TARGETS=config fuzz/run.sh
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-1000000}
TARGETS=${TARGETS:-graph_page config catalog_csv}
# The host embeds the m365 plugin's .wasm at build time; the fuzz targets never run it.
export ITAM_PLUGIN_WASM=${ITAM_PLUGIN_WASM:-/dev/null}

# graph_page seeds: the Graph fixtures, each behind the mode byte the target reads (see its
# doc comment), plus a whole collection run built from them.
seed_graph_page() {
    local fx=../plugin/m365/collector/tests/fixtures dir=corpus/graph_page
    mkdir -p "$dir"
    seed() { { printf "\\x$(printf %02x "$1")"; cat "$fx/$2"; } > "$dir/seed_$1_${2%.json}"; }
    seed 1 users_page1.json; seed 1 users_page2.json; seed 1 deleted_users_page.json
    seed 2 subscribed_skus.json; seed 3 groups_page.json; seed 4 group_members_page2.json
    seed 5 devices_page.json; seed 6 subscriptions.json; seed 7 sign_ins_page.json
    seed 8 organization.json; seed 9 batch_inner_errors.json; seed 9 group_members_batch.json
    for e in error_401 error_403 error_403_non_premium error_429; do
        { printf '\x0a3\n'; cat "$fx/$e.json"; } > "$dir/seed_10_$e"
    done
    { printf '\x0a'; printf 'Thu, 01 Jan 2026 00:00:07 GMT\n'; cat "$fx/error_429.json"; } > "$dir/seed_10_date"
    printf '\x0binvalid_client\nAADSTS7000215: Invalid client secret provided.\r\nTrace ID: x' > "$dir/seed_11_auth"
    printf '\x0ctenant_id=contoso.onmicrosoft.com\ncloud=us-gov\ngraph_url=https://graph.test:8443/\nlogin_url=http://127.0.0.1:9\n' > "$dir/seed_12_settings"
    # A whole run: status byte 2 (200), an empty Retry-After line, the body; 0xFF between answers.
    local tenant
    tenant="{\"responses\":[{\"id\":\"1\",\"status\":200,\"body\":$(cat $fx/organization.json)},{\"id\":\"2\",\"status\":200,\"body\":$(cat $fx/subscriptions.json)},{\"id\":\"0\",\"status\":200,\"body\":$(cat $fx/subscribed_skus.json)}]}"
    {
        printf '\x00\x02\n%s' "$tenant"
        for f in users_page1 users_page2 groups_page group_members_batch group_members_page2 \
            devices_page deleted_users_page; do
            printf '\xff\x02\n'; cat "$fx/$f.json"
        done
        # Sign-in activity: throttled once (status byte 10 = 429, Retry-After 1), then refused.
        printf '\xff\x0a1\n'; cat "$fx/error_429.json"
        printf '\xff\x08\n'; cat "$fx/error_403_non_premium.json"
    } > "$dir/seed_0_full_run"
}

seed_graph_page
for t in $TARGETS; do
    mkdir -p "corpus/$t"
    if [ -d "seeds/$t" ]; then cp seeds/"$t"/* "corpus/$t/"; fi
done

start=$(date +%s)
cargo +nightly fuzz build
echo "build: $(($(date +%s) - start)) s"

mkdir -p logs
status=0
for t in $TARGETS; do
    log=logs/$t.log
    start=$(date +%s)
    dict=()
    if [ -f "dict/$t.dict" ]; then dict=(-dict="$PWD/dict/$t.dict"); fi
    if cargo +nightly fuzz run "$t" -- -runs="$RUNS" -timeout=10 -print_final_stats=1 "${dict[@]}" >"$log" 2>&1; then
        result=ok
    else
        result="FAILED (see fuzz/$log and fuzz/artifacts/$t)"
        status=1
    fi
    # libFuzzer's own duration ("Done N runs in S second(s)"), else the wall clock.
    secs=$(grep -o 'Done [0-9]* runs in [0-9]*' "$log" | grep -o '[0-9]*$' || echo $(($(date +%s) - start)))
    stat() { grep -o "^stat::$1: *[0-9]*" "$log" | grep -o '[0-9]*$' || echo '?'; }
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo '?')
    ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo '?')
    corpus=$(grep -o 'corp: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo '?')
    echo "$t: execs=$(stat number_of_executed_units) time=${secs}s exec/s=$(stat average_exec_per_sec) cov=$cov ft=$ft corpus=$corpus peak_rss=$(stat peak_rss_mb)MB result=$result"
done
exit $status
