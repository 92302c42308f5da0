#!/bin/sh
# Issue 17's trap-path table for one GIC version (doc/benchmarks.md, "Trap paths"): the EL1
# trapbench program under armvirt-bm and on plain QEMU without a hypervisor (the bracketed
# reference), plus the VM -> VM world switch of ivc_bench, all under
# -icount shift=0 -cpu max,pauth=off (one instruction = 1 ns of virtual time).
# Figures, not pass/fail: fails when a run fails or a row is missing.
# Usage: trapbench.sh GIC_VERSION ARMVIRT_BM_TRAPBENCH.bin TRAPBENCH.bin [ARMVIRT_BM_IVC_BENCH.bin]
set -u
if [ $# -lt 3 ]; then
  echo "usage: $0 GIC_VERSION BM_IMAGE PLAIN_IMAGE [IVC_BENCH_IMAGE]" >&2
  exit 2
fi
gic=$1
bm=$2
plain=$3
ivc=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
rows="hvc_smccc_unknown mmio_gicd_iidr mmio_virtio_empty sysreg_id_aa64pfr0 sgi_roundtrip vtimer_latency"

# run NAME COMMAND...: the run's output in $out; prints it and fails the script if it failed
run() {
  name=$1
  shift
  out=$("$@" 2>&1)
  if [ $? -ne 0 ]; then
    echo "$out"
    echo "trapbench: the $name run failed"
    exit 1
  fi
}
# figure OUTPUT ROW: the row's value from BENCH lines, empty if missing
figure() {
  echo "$1" | sed -n "s/.*BENCH $2 \([0-9.]*\) .*/\1/p" | head -n 1
}

run armvirt-bm sh "$here/run-el2.sh" "$bm" "$gic" 2 90 -icount shift=0
bm_out=$out
run plain-QEMU sh "$here/el1/run-plain.sh" "$plain" "$gic" 2 60 -icount shift=0
plain_out=$out
ivc_out=
if [ -n "$ivc" ]; then
  run ivc_bench sh "$here/run-el2.sh" "$ivc" "$gic" 1 60 -icount shift=0
  ivc_out=$out
fi

echo "trap paths, GICv$gic, -icount shift=0 -cpu max,pauth=off, instructions per operation"
echo "(guest + hypervisor; plain QEMU without a hypervisor in brackets):"
missing=0
for r in $rows; do
  b=$(figure "$bm_out" "$r")
  p=$(figure "$plain_out" "$r")
  [ -n "$b" ] && [ -n "$p" ] || missing=1
  printf '  %-20s %10s  (%s)\n' "$r" "${b:-MISSING}" "${p:-MISSING}"
done
if [ -n "$ivc" ]; then
  s=$(figure "$ivc_out" vm_switch)
  [ -n "$s" ] || missing=1
  printf '  %-20s %10s\n' vm_switch "${s:-MISSING}"
fi
if [ "$missing" -ne 0 ]; then
  echo "$bm_out"
  echo "$plain_out"
  echo "$ivc_out"
  echo "trapbench: a figure is missing"
  exit 1
fi
