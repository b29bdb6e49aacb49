#!/usr/bin/env bash
# Runs every benchmark binary in BUILD/bench and the end-to-end replay measurement; prints
# what bench/RESULTS.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
for b in "$build"/bench/*_bench; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" --benchmark_min_time=0.5
done
echo "== end-to-end replay of the demo history (embedded broker, one process)"
"$build"/atomd-demo-history --out "$build"/demo-history.jsonl
/usr/bin/time -v "$build"/atomd --config config/demo.yaml --replay "$build"/demo-history.jsonl --exit-after-replay \
  --http-listen 127.0.0.1:0 --state-dir "$build"/bench-state 2>"$build"/bench-replay.err | grep "Replay summary"
grep -E "Maximum resident|Elapsed" "$build"/bench-replay.err
