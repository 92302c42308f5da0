#!/bin/sh
# Run armvirt-bm-bench.bin (the EL1 bench program under armvirt-bm) with -icount shift=0,
# where one instruction advances virtual time by 1 ns, and print the instruction counts of
# the exit paths as a table. Figures, not pass/fail: fails only if the run itself fails.
# Usage: bench-report.sh IMAGE GIC_VERSION
set -u
image=$1
gic=$2
here=$(cd "$(dirname "$0")" && pwd)
out=$(sh "$here/../../test/guest/run-el2.sh" "$image" "$gic" 2 60 -icount shift=0)
status=$?
if [ "$status" -ne 0 ]; then
  echo "$out"
  exit "$status"
fi
echo "armvirt-bm exit costs, GICv$gic, -icount shift=0 (instructions per operation, guest + EL2):"
echo "$out" | sed -n 's/.*BENCH \([a-z0-9_]*\)\.vtime \([0-9.]*\) ns\/op.*/\1 \2/p' |
  awk '{ names["hvc_echo"] = "hypercall round trip (ECHO)";
         names["sysreg_id_aa64pfr0"] = "trapped sysreg read (ID_AA64PFR0_EL1)";
         names["mmio_gicd_typer"] = "vGIC distributor read (GICD_TYPER)";
         names["mmio_pl011_fr"] = "PL011 read (UARTFR)";
         names["loop_nop"] = "empty loop iteration (subtracted)";
         n = ($1 in names) ? names[$1] : $1;
         printf "  %-42s %8s\n", n, $2 }'
