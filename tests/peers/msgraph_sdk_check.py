#!/usr/bin/env python3
"""Microsoft's own Graph SDK (msgraph-sdk + azure-identity) against the Graph emulator.

Proves that the emulator speaks Graph as Microsoft's clients expect: OIDC discovery and the
client-credentials token endpoint over TLS, then users, groups and subscribed SKUs with paging
through @odata.nextLink. Every count is compared with the emulator's ground truth.

Usage: msgraph_sdk_check.py INFO_JSON CA_PEM
"""
import asyncio
import json
import sys

from azure.identity.aio import ClientSecretCredential
from msgraph import GraphServiceClient
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from kiota_abstractions.base_request_configuration import RequestConfiguration

info = json.load(open(sys.argv[1]))
ca = sys.argv[2]


async def all_pages(builder, config):
    page = await builder.get(request_configuration=config)
    items, pages = list(page.value), 1
    while page.odata_next_link:
        page = await builder.with_url(page.odata_next_link).get()
        items.extend(page.value)
        pages += 1
    return items, pages


async def main():
    credential = ClientSecretCredential(
        info["tenant_id"], info["client_id"], info["client_secret"],
        authority=info["url"], disable_instance_discovery=True, connection_verify=ca)
    client = GraphServiceClient(credentials=credential, scopes=["https://graph.microsoft.com/.default"])
    client.request_adapter.base_url = info["url"] + "/v1.0"

    users, user_pages = await all_pages(client.users, RequestConfiguration(
        query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            select=["id", "userPrincipalName", "assignedLicenses"], top=100)))
    groups, _ = await all_pages(client.groups, RequestConfiguration(
        query_parameters=GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(top=999)))
    skus = (await client.subscribed_skus.get()).value
    await credential.close()

    failures = []
    def check(what, got, want):
        print(f"{'ok  ' if got == want else 'FAIL'} {what}: {got} (expected {want})")
        if got != want:
            failures.append(what)

    check("users", len(users), info["users"])
    check("distinct user ids", len({u.id for u in users}), info["users"])
    check("user pages > 1", user_pages > 1, True)
    check("guest UPNs with #EXT#", any("#EXT#" in u.user_principal_name for u in users), True)
    check("groups", len(groups), info["groups"])
    expected = {s["sku_id"]: s for s in info["skus"]}
    check("subscribed SKUs", sorted(str(s.sku_id) for s in skus), sorted(expected))
    for s in skus:
        want = expected[str(s.sku_id)]
        check(f"{s.sku_part_number} consumed", s.consumed_units, want["consumed"])
        check(f"{s.sku_part_number} enabled", s.prepaid_units.enabled, want["enabled"])
    held = sum(len(u.assigned_licenses or []) for u in users)
    check("users hold licences", held > 0, True)
    print(f"{len(failures)} failed" if failures else "msgraph-sdk: all checks passed")
    return 1 if failures else 0


sys.exit(asyncio.run(main()))
