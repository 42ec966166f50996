#!/usr/bin/env bash
# The full test suite, with every install step it needs (idempotent).
# Usage: bash scripts/test.sh
# With CI=true a missing outside tool or an unreachable PostgreSQL fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

say() { printf '== %s\n' "$*"; }

# --- Debian packages (poppler-utils: pdfsig/pdftotext/pdftoppm; qpdf; openssl;
#     libnss3-tools: certutil for pdfsig's trust store; fonts: the CJK font;
#     softhsm2: the PKCS#11 token the seal keys live on in the PKCS#11 tests,
#     opensc: pkcs11-tool, which reads the token's key attributes) ---
# shellcheck source=scripts/lib-apt.sh
source scripts/lib-apt.sh
apt_ensure poppler-utils qpdf openssl libnss3-tools python3-venv fonts-noto-cjk chromium softhsm2 opensc

# --- Python tools in a virtualenv (pyHanko for interop, Playwright to
#     drive Debian's Chromium in the browser test); reinstalled when
#     scripts/requirements-test.txt changes ---
VENV="$ROOT/.venv"
REQ_STAMP="$VENV/.requirements-$(sha256sum scripts/requirements-test.txt | cut -c1-16)"
if [ ! -e "$REQ_STAMP" ]; then
  say "installing Python test tools into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-test.txt
  touch "$REQ_STAMP"
fi
export PATH="$VENV/bin:$PATH"

# --- PostgreSQL: used when reachable; required under CI ---
export ESEAL_TEST_PG_URL="${ESEAL_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
if ! python3 - "$ESEAL_TEST_PG_URL" <<'PY' 2>/dev/null
import socket, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
socket.create_connection((u.hostname, u.port or 5432), timeout=2).close()
PY
then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: PostgreSQL at $ESEAL_TEST_PG_URL is unreachable (required with CI=true)"; exit 1
  fi
  echo "note: PostgreSQL unreachable at $ESEAL_TEST_PG_URL: PostgreSQL tests are skipped"
  unset ESEAL_TEST_PG_URL
fi

mkdir -p artifacts
# The verifier's pyHanko-signed corpus, built once for all test binaries.
export ESEAL_VERIFY_CORPUS="$ROOT/target/verify-corpus-$$"
say "building the verifier corpus with pyHanko"
"$VENV/bin/python" tests/support/make_corpus.py "$ESEAL_VERIFY_CORPUS"

say "cargo test"
cargo test --release --all-targets

say "cargo clippy (warnings are errors)"
cargo clippy --release --all-targets --quiet -- -D warnings
