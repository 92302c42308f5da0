#!/bin/sh
# Run armvirt-bm-ivc_bench.bin (two VMs pinned to one pCPU, equal priorities) with
# -icount shift=0 (one instruction = 1 ns of virtual time) and print the figures: an IVC
# hypercall, a PING/PONG round trip, one VM -> VM world switch (doc/guest-tests.md) and
# the message send -> receive latency (half a round trip). Figures, not pass/fail: fails
# only if the run fails.
# Usage: ivc-bench.sh IMAGE GIC_VERSION
set -u
image=$1
gic=$2
here=$(cd "$(dirname "$0")" && pwd)
out=$(sh "$here/run-el2.sh" "$image" "$gic" 1 60 -icount shift=0)
status=$?
if [ "$status" -ne 0 ]; then
  echo "$out"
  exit "$status"
fi
echo "armvirt-bm IVC figures, GICv$gic, one pCPU, -icount shift=0 (instructions, guest + EL2):"
echo "$out" | sed -n 's/.*BENCH \([a-z_]*\) \([0-9.]*\) ns\/op.*/\1 \2/p' |
  awk '{ v[$1] = $2; printf "  %-16s %8s\n", $1, $2 }
       END { if ("ivc_roundtrip" in v) printf "  %-16s %8.1f\n", "send_to_receive", v["ivc_roundtrip"] / 2 }'
