#!/bin/sh
# Boot an EL2 image on QEMU's virt board and judge the run by its console and exit status.
# Usage: run-el2.sh IMAGE GIC_VERSION [SMP] [TIMEOUT_S] [EXTRA QEMU ARGS...]
# Passes when QEMU exits 0 (semihosting exit status), the console shows at least one
# "PASS" line and no "FAIL" line. A hang is reported as a timeout (status 124).
set -u
image=$1
gic=$2
smp=${3:-2}
limit=${4:-60}
if [ $# -ge 4 ]; then shift 4; else shift $#; fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT

timeout "$limit" qemu-system-aarch64 -M virt,virtualization=on,gic-version="$gic" \
  -cpu max,pauth=off -m 1G -smp "$smp" -nographic -nic none -semihosting \
  -kernel "$image" "$@" </dev/null >"$log" 2>&1
status=$?
cat "$log"
if [ "$status" -eq 124 ]; then
  echo "run-el2: TIMEOUT after ${limit}s"
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "run-el2: QEMU exit status $status"
  exit 1
fi
if grep -q 'FAIL' "$log"; then
  echo "run-el2: a FAIL line was printed"
  exit 1
fi
if ! grep -q 'PASS' "$log"; then
  echo "run-el2: no PASS line"
  exit 1
fi
echo "run-el2: ok"
