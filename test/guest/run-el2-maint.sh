#!/bin/sh
# run-el2.sh, then a bound on the GIC maintenance interrupts armvirt-bm took: at most one per
# guest entry, summed over the statistics it prints at the end ("pCPU n: ... N GIC
# maintenance interrupts", "NAME: guest entries M"). A maintenance interrupt that stays
# asserted (an LR left with its EISR bit set) is taken again and again within one exit.
# Usage: run-el2-maint.sh IMAGE GIC_VERSION [SMP] [TIMEOUT_S] [EXTRA QEMU ARGS...]
set -u
log=$(mktemp)
trap 'rm -f "$log"' EXIT
sh "$(cd "$(dirname "$0")" && pwd)/run-el2.sh" "$@" >"$log" 2>&1
status=$?
cat "$log"
[ "$status" -eq 0 ] || exit "$status"
set -- $(awk '/GIC maintenance interrupts/ { for (i = 1; i < NF; i++)
                if ($(i + 1) == "GIC") { m += $i; seen = 1 } }
              /: guest entries / { for (i = 1; i < NF; i++)
                if ($i == "entries") { e += $(i + 1) } }
              END { print (seen ? m : -1), e + 0 }' "$log")
maint=$1 entries=$2
if [ "$maint" -lt 0 ] || [ "$entries" -eq 0 ]; then
  echo "run-el2-maint: no statistics (maintenance interrupts, guest entries) printed"
  exit 1
fi
if [ "$maint" -gt "$entries" ]; then
  echo "run-el2-maint: $maint GIC maintenance interrupts for $entries guest entries"
  exit 1
fi
echo "run-el2-maint: $maint GIC maintenance interrupts for $entries guest entries: ok"
