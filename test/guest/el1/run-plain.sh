#!/bin/sh
# Validate an EL1 guest test image without a hypervisor: QEMU's virt board enters the Image
# at EL1 (no virtualization=on) with x0 = QEMU's DTB; PSCI goes to QEMU over hvc.
# Usage: run-plain.sh PROG.bin GIC_VERSION [SMP] [TIMEOUT_S] [EXTRA QEMU ARGS...]
# Passes when QEMU exits 0, the console has a PASS line and no FAIL line.
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 PROG.bin GIC_VERSION [SMP] [TIMEOUT_S] [QEMU ARGS...]" >&2
  exit 2
fi
image=$1
gic=$2
smp=${3:-2}
limit=${4:-30}
if [ $# -ge 4 ]; then shift 4; else shift $#; fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT

timeout "$limit" qemu-system-aarch64 -M virt,gic-version="$gic" -cpu max,pauth=off -m 512 \
  -smp "$smp" -nographic -nic none -kernel "$image" "$@" </dev/null >"$log" 2>&1
status=$?
cat "$log"
if [ "$status" -eq 124 ]; then
  echo "run-plain: TIMEOUT after ${limit}s"
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "run-plain: QEMU exit status $status"
  exit 1
fi
if grep -q 'FAIL' "$log"; then
  echo "run-plain: a FAIL line was printed"
  exit 1
fi
if ! grep -q '^PASS' "$log"; then
  echo "run-plain: no PASS line"
  exit 1
fi
echo "run-plain: ok"
