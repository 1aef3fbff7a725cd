#!/usr/bin/env python3
"""Prints the table of bench/compare.sh: medians per tenant size and side, and the ratios.

Usage: report.py RESULTS_JSONL
"""
import json
import statistics
import sys
from collections import defaultdict

runs = defaultdict(list)
for line in open(sys.argv[1]):
    result = json.loads(line)
    runs[(result["users"], result["side"])].append(result)


def median(results, key):
    values = [r[key] for r in results if key in r]
    return statistics.median(values) if values else None


def shown(value, fmt):
    return "-" if value is None else format(value, fmt)


sides = {"itam": "itam sync, new database", "itam-resync": "itam sync --full over the last",
         "itam-incremental": "itam sync, incremental, 1 % changed",
         "fetch": "fetch floor (Python)",
         "parse": "fetch + json.loads floor (Python)", "sdk": "msgraph-sdk + azure-identity"}
print(f"{'users':>7}  {'side':<34} {'runs':>4} {'median s':>9} {'requests':>8} "
      f"{'MiB read':>8} {'peak MiB':>8} {'start ms':>8} {'load ms':>7} {'commit s':>8}")
for (users, side), results in sorted(runs.items(), key=lambda k: (k[0][0], list(sides).index(k[0][1]))):
    seconds = median(results, "seconds")
    rss = median(results, "rss_kib")
    read = median(results, "bytes")
    print(f"{users:>7}  {sides[side]:<34} {len(results):>4} {shown(seconds, '.2f'):>9} "
          f"{shown(median(results, 'requests'), '.0f'):>8} "
          f"{shown(read and read / 2**20, '.1f'):>8} {shown(rss and rss / 1024, '.1f'):>8} "
          f"{shown(median(results, 'startup_ms'), '.0f'):>8} {shown(median(results, 'load_ms'), '.1f'):>7} "
          f"{shown(median(results, 'commit_s'), '.2f'):>8}")

print()
sizes = sorted({users for users, _ in runs})
for users in sizes:
    ours = median(runs.get((users, "itam"), []), "seconds")
    for side, name in (("parse", "fetch + json.loads floor"), ("fetch", "fetch floor")):
        other = median(runs.get((users, side), []), "seconds")
        if ours and other:
            print(f"{users:>7} users: itam sync / {name} = {ours / other:.2f}x")
    full = runs.get((users, "itam-resync"), [])
    incremental = runs.get((users, "itam-incremental"), [])
    if full and incremental:
        for key, what in (("seconds", "time"), ("requests", "requests")):
            print(f"{users:>7} users: incremental / full re-sync {what} = "
                  f"{median(incremental, key) / median(full, key):.1%}")
    sdk = median(runs.get((users, "sdk"), []), "seconds")
    if ours and sdk:
        print(f"{users:>7} users: msgraph-sdk / itam sync = {sdk / ours:.0f}x")
rss = [median(runs.get((users, "itam"), []), "rss_kib") for users in sizes]
if len(sizes) > 1 and all(rss):
    print(f"peak RSS growth {sizes[0]} -> {sizes[-1]} users: {rss[-1] / rss[0]:.2f}x")
