#!/usr/bin/env bash
# eseal and pyHanko on the same machine, in the same run, on the same
# document and seal key: signing (B-B, B-LT), issuing (render + sign +
# timestamp + DSS) and verifying a B-LT document. Prints a Markdown table
# with the ratios (the README's performance section comes from it).
# Usage: bash scripts/bench-vs-pyhanko.sh [SECONDS_PER_FIGURE]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-3}"
OUT="target/bench-vs-pyhanko"
rm -rf "$OUT"; mkdir -p "$OUT"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import pyhanko" 2>/dev/null; then
  echo "pyHanko is not installed: run scripts/test.sh once (it creates .venv)"; exit 1
fi
cargo bench --bench throughput -- --out "$OUT" --secs "$SECS"
.venv/bin/python scripts/bench_pyhanko.py "$OUT" "$SECS"
.venv/bin/python - "$OUT" <<'PY'
import json, os, sys
d = sys.argv[1]
e = json.load(open(os.path.join(d, "eseal.json")))
p = json.load(open(os.path.join(d, "pyhanko.json")))
cores = e["cores"]
print()
print(f"| figure (documents/s) | eseal, 1 core | eseal, {cores} cores | pyHanko, 1 core | eseal / pyHanko (1 core) |")
print("|---|---:|---:|---:|---:|")
rows = [("sign B-B", "sign B-B"), ("sign B-LT", "sign B-LT"), ("issue B-B", "sign B-B"),
        ("issue B-LT", "sign B-LT"), ("issue B-LT, new applicant", "sign B-LT"), ("verify B-LT", "verify B-LT")]
for name, py in rows:
    one = e.get(f"{name}@1")
    many = e.get(f"{name}@{cores}")
    ref = p.get(py)
    ratio = f"{one / ref:.0f}x" if one and ref else ""
    fmt = lambda v: f"{v:,.0f}" if v else "–"
    note = " (pyHanko: sign only)" if name.startswith("issue") else ""
    print(f"| {name}{note} | {fmt(one)} | {fmt(many)} | {fmt(ref)} | {ratio} |")
bound = e["bound: 2 ECDSA + SHA-256@1"]
blt = e["sign B-LT@1"]
print()
print(f"sign B-LT against the bound of its own cryptography (two ECDSA P-256 signatures and SHA-256 over the document, key in memory): "
      f"{1e6 / blt:.0f} µs vs {1e6 / bound:.0f} µs = {bound / blt:.2f}x the bound (target: within 3x)")
PY
