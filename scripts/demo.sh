#!/usr/bin/env bash
# Run eseal with its demo data: installs what the service needs, then
# `cargo run --release -- demo`. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release -- demo "$@"
