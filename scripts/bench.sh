#!/usr/bin/env bash
# Build the benchmarks optimised and without sanitizers, then run them. They print figures;
# nothing here passes or fails on a timing. Results are recorded in doc/benchmarks.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ARMVIRT_BUILD_DIR:-$top/build}/bench
"$top/scripts/deps.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DARMVIRT_SANITIZE=OFF -DARMVIRT_FUZZ=OFF >/dev/null
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
for b in "$build"/test/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" "$@"
done
