#!/usr/bin/env python3
"""Microsoft's Python Graph SDK (msgraph-sdk + azure-identity) reading what an `itam sync` read.

Takes the first page of every collection the sync read, from the emulator's request log of
that sync (the inner requests of its `$batch`es are sent one by one, as SDK users do), and
reads each collection with the SDK as documented: a request builder's `get()`, then
`with_url(odata_next_link).get()` until the last page, counting the items of each page and
dropping it. Prints one JSON line: seconds (reading only, not the first token), requests,
items.

Usage: sdk_sync.py INFO_JSON REQUEST_LOG CA_PEM
"""
import asyncio
import json
import sys
import time
import urllib.parse

from azure.identity.aio import ClientSecretCredential
from msgraph import GraphServiceClient


def first_pages(log_path):
    """Path-and-query of the first page of every collection the sync read, in order."""
    for line in open(log_path):
        request = json.loads(line)
        uri = request["uri"]
        if not uri.startswith("/v1.0/"):
            continue
        if uri.startswith("/v1.0/$batch"):
            for inner in json.loads(request["body"])["requests"]:
                yield "/v1.0" + inner["url"]
        elif "$skiptoken=" not in uri:
            yield uri


def builder_for(client, path):
    """The SDK's request builder for a Graph collection path."""
    parts = path.strip("/").split("/")[1:]
    match parts:
        case ["users"]:
            return client.users
        case ["groups"]:
            return client.groups
        case ["groups", group_id, "members"]:
            return client.groups.by_group_id(group_id).members
        case ["subscribedSkus"]:
            return client.subscribed_skus
        case ["organization"]:
            return client.organization
        case ["directory", "subscriptions"]:
            return client.directory.subscriptions
        case ["devices"]:
            return client.devices
        case ["directory", "deletedItems", "microsoft.graph.user"]:
            return client.directory.deleted_items.graph_user
    raise SystemExit(f"no SDK request builder for {path}")


async def main():
    info = json.load(open(sys.argv[1]))
    pages = list(first_pages(sys.argv[2]))
    ca = sys.argv[3]
    credential = ClientSecretCredential(
        info["tenant_id"], info["client_id"], info["client_secret"],
        authority=info["url"], disable_instance_discovery=True, connection_verify=ca)
    client = GraphServiceClient(credentials=credential,
                                scopes=["https://graph.microsoft.com/.default"])
    client.request_adapter.base_url = info["url"] + "/v1.0"
    await credential.get_token("https://graph.microsoft.com/.default")

    requests = items = 0
    started = time.perf_counter()
    for uri in pages:
        builder = builder_for(client, urllib.parse.urlsplit(uri).path)
        page = await builder.with_url(info["url"] + uri).get()
        while True:
            requests += 1
            items += len(page.value or [])
            if not page.odata_next_link:
                break
            page = await builder.with_url(page.odata_next_link).get()
    seconds = time.perf_counter() - started
    await credential.close()
    print(json.dumps({"seconds": seconds, "requests": requests, "items": items}))


if __name__ == "__main__":
    asyncio.run(main())
