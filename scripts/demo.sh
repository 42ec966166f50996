#!/usr/bin/env bash
# Run eseal with its demo data: installs what the service needs at run time
# (the CJK font), then `cargo run --release -- demo`. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib-apt.sh
source scripts/lib-apt.sh
apt_ensure fonts-noto-cjk
exec cargo run --release -- demo "$@"
