#!/usr/bin/env python3
"""Writes DIR/itam.toml and DIR/secret.txt (mode 600) for the emulator described by INFO_JSON
(the emulator's --info-out), with the store at DIR/itam.db.

Usage: write_config.py INFO_JSON DIR
"""
import json
import os
import sys

info = json.load(open(sys.argv[1]))
directory = sys.argv[2]
secret = os.path.join(directory, "secret.txt")
with open(os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
    f.write(info["client_secret"])
config = f'''[store]
path = "itam.db"

[[source]]
name = "bench"
plugin = "m365"

[source.credential]
client_id = "{info['client_id']}"
client_secret = {{ file = "secret.txt" }}

[source.settings]
tenant_id = "{info['tenant_id']}"
login_url = "{info['url']}"
graph_url = "{info['url']}"
'''
with open(os.open(os.path.join(directory, "itam.toml"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
    f.write(config)
