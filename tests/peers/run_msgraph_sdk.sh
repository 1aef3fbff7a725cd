#!/usr/bin/env bash
# Runs Microsoft's Python Graph SDK against the emulator over TLS (see msgraph_sdk_check.py).
# Installs msgraph-sdk and azure-identity from PyPI into a virtualenv under target/; if that is
# impossible it says so and exits 0, since it checks the emulator, not the product.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=target/peers
mkdir -p "$work"
venv=$work/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { echo "SKIP msgraph-sdk check: python3 -m venv failed"; exit 0; }
fi
if ! "$venv/bin/python" -c "import msgraph, azure.identity" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "msgraph-sdk>=1.65,<2" "azure-identity>=1.27,<2" \
    || { echo "SKIP msgraph-sdk check: could not install msgraph-sdk and azure-identity from PyPI"; exit 0; }
fi
cargo build --quiet -p graph-emulator
rm -f "$work/info.json" "$work/ca.pem"
target/debug/graph-emulator --users 1234 --port 0 --tls --ca-out "$work/ca.pem" --info-out "$work/info.json" > "$work/emulator.log" 2>&1 &
emulator=$!
trap 'kill $emulator 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -f "$work/info.json" ] && break; sleep 0.1; done
[ -f "$work/info.json" ] || { echo "the emulator did not start:"; cat "$work/emulator.log"; exit 1; }
SSL_CERT_FILE="$work/ca.pem" REQUESTS_CA_BUNDLE="$work/ca.pem" \
  "$venv/bin/python" tests/peers/msgraph_sdk_check.py "$work/info.json" "$work/ca.pem"
