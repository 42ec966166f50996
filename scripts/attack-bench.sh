#!/usr/bin/env bash
# Attack benchmark of the public edge: each case against a fresh
# `eseal serve` (new data directory, default settings), on its own:
#   logins   300 concurrent logins from 40 loopback client addresses
#   guesses  60 parallel wrong passwords at one account
#   uploads  100 concurrent 30 MiB verify uploads
#   idle     20,000 idle connections (half with an unfinished request head)
#   junk     1,000 junk applications
# For each it prints the server's peak RSS (VmHWM), whether /healthz and a
# genuine clerk approval answered within 1 s during the attack, and how many
# attempts the server evaluated. Targets: peak RSS < 400 MB; /healthz and
# the approval within 1 s; <= 5 wrong passwords evaluated; no genuine
# application missing from the queue.
# Usage: bash scripts/attack-bench.sh [CASE...]   (default: all five)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(logins guesses uploads idle junk)
[ -n "${ATTACK_NO_BUILD:-}" ] || cargo build --release --quiet
BIN="$ROOT/target/release/eseal"
PORT=18090
SERVER=""
WORK=""
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    [ -z "$WORK" ] || rm -rf "$WORK"
}
trap cleanup EXIT
echo "== attack bench: $(nproc) cores, fd limit $(ulimit -n), load $(cut -d' ' -f1-3 /proc/loadavg)"
SEAL=320707100002-01
FIELDS=$(python3 -c 'import json,tomllib; t=tomllib.load(open("templates/business_premises.toml","rb")); print(json.dumps({f["name"]: f["example"] for f in t["fields"]}, ensure_ascii=False))')
export ATTACK_SEAL=$SEAL ATTACK_FIELDS="$FIELDS"
for case in "${CASES[@]}"; do
    WORK=$(mktemp -d)
    export ESEAL_DATA_DIR="$WORK/data" ESEAL_LOG=warn ESEAL_PUBLIC_URL=http://127.0.0.1:$PORT
    "$BIN" init >/dev/null
    head -1 keys-example/roster.csv > "$WORK/roster.csv"
    grep -E "^(320707100002-01|320707100004-01|320707100000-01)," keys-example/roster.csv >> "$WORK/roster.csv"
    "$BIN" seals provision --roster "$WORK/roster.csv" >/dev/null 2>&1
    echo "attack-bench-password-2026" | "$BIN" users add --username clerk --role clerk --seal $SEAL --password-stdin >/dev/null
    echo "attack-bench-password-2026" | "$BIN" users add --username victim --role clerk --seal $SEAL --password-stdin >/dev/null
    "$BIN" serve --listen 127.0.0.1:$PORT > "$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/readyz >/dev/null && break; sleep 0.1; done
    # The clerk's token and two genuine applications (one to approve during
    # the attack, one that must still be found in the queue after it).
    read -r TOKEN APP KEEP < <(python3 - $PORT <<'PY'
import json, os, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
def call(method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req) as r:
        return r, json.loads(r.read() or b"null")
r, s = call("POST", "/api/v1/session", {"username": "clerk", "password": "attack-bench-password-2026"})
cookie = r.headers["Set-Cookie"].split(";")[0]
_, t = call("POST", "/api/v1/tokens", {"name": "bench"}, {"Cookie": cookie, "X-CSRF-Token": s["csrf_token"]})
ids = []
for name in ["王建国", "李秀英"]:
    body = {"kind": "business_premises", "seal_id": os.environ["ATTACK_SEAL"],
            "fields": dict(json.loads(os.environ["ATTACK_FIELDS"]), applicant_name=name)}
    _, a = call("POST", "/api/v1/applications", body)
    _, v = call("GET", f"/api/v1/track/{a['tracking_token']}")
    ids.append(v["application_id"])
print(t["token"], ids[0], ids[1])
PY
)
    echo "-- $case (load $(cut -d' ' -f1-3 /proc/loadavg)); server at start: $(awk '/VmRSS/{print int($2/1024)}' /proc/$SERVER/status) MB"
    python3 scripts/attack/bench.py "$case" $PORT "$SERVER" "$TOKEN" "$APP" "$KEEP"
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
    SERVER=""
    rm -rf "$WORK"; WORK=""
done
