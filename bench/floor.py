#!/usr/bin/env python3
"""The transfer floor: replays the Graph requests a sync made, over one keep-alive connection.

Reads the emulator's request log (one JSON line per request, see the emulator's
--request-log), takes a token once, then sends every Graph request of the log again, in order,
with the same method, URI and body, and reads each answer whole. With --parse each answer is
also given to json.loads. Prints one JSON line: seconds (fetching only, not the token),
requests, bytes.

Usage: floor.py INFO_JSON REQUEST_LOG [--parse]
"""
import http.client
import json
import sys
import time
import urllib.parse
import urllib.request


def token(info):
    form = urllib.parse.urlencode({
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "grant_type": "client_credentials",
        "scope": "https://graph.microsoft.com/.default",
    }).encode()
    url = f'{info["url"]}/{info["tenant_id"]}/oauth2/v2.0/token'
    with urllib.request.urlopen(url, data=form) as answer:
        return json.load(answer)["access_token"]


def graph_requests(log_path):
    with open(log_path) as log:
        for line in log:
            request = json.loads(line)
            if request["uri"].startswith("/v1.0/"):
                yield request["method"], request["uri"], request["body"].encode()


def main():
    info = json.load(open(sys.argv[1]))
    requests = list(graph_requests(sys.argv[2]))
    parse = "--parse" in sys.argv[3:]
    url = urllib.parse.urlsplit(info["url"])
    headers = {"Authorization": f"Bearer {token(info)}", "Accept": "application/json"}
    connection = http.client.HTTPConnection(url.hostname, url.port)
    total = 0
    started = time.perf_counter()
    for method, uri, body in requests:
        extra = {"Content-Type": "application/json"} if body else {}
        connection.request(method, uri, body=body or None, headers={**headers, **extra})
        answer = connection.getresponse()
        data = answer.read()
        if answer.status != 200:
            sys.exit(f"{method} {uri} answered {answer.status}: {data[:200]!r}")
        total += len(data)
        if parse:
            json.loads(data)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "requests": len(requests), "bytes": total}))


if __name__ == "__main__":
    main()
