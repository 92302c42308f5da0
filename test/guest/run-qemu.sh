#!/bin/sh
# Boot an image on QEMU's virt board and judge the run by its console and exit status: passes
# when QEMU exits 0, the console shows a PASS line and no FAIL line; a hang is reported as a
# timeout. run-el2.sh and el1/run-plain.sh are this script with their MODE.
# Usage: run-qemu.sh MODE IMAGE GIC_VERSION [SMP] [TIMEOUT_S] [EXTRA QEMU ARGS...]
#   MODE el2:   EL2 image (a hypervisor), virtualization=on, 1 GiB, semihosting exit status;
#               any line containing PASS counts (guest lines carry a "vmN: " prefix)
#   MODE plain: EL1 guest program without a hypervisor (x0 = QEMU's DTB, PSCI to QEMU),
#               512 MiB; a line starting with PASS counts
set -u
if [ $# -lt 3 ]; then
  echo "usage: $0 el2|plain IMAGE GIC_VERSION [SMP] [TIMEOUT_S] [QEMU ARGS...]" >&2
  exit 2
fi
mode=$1
image=$2
gic=$3
smp=${4:-2}
case $mode in
  el2) name=run-el2 machine="virt,virtualization=on,gic-version=$gic" mem=1G pass='PASS'
       limit=${5:-60} ;;
  plain) name=run-plain machine="virt,gic-version=$gic" mem=512 pass='^PASS' limit=${5:-30} ;;
  *) echo "$0: unknown mode $mode" >&2; exit 2 ;;
esac
if [ $# -ge 5 ]; then shift 5; else shift $#; fi
set -- -M "$machine" -cpu max,pauth=off -m "$mem" -smp "$smp" -nographic -nic none "$@"
[ "$mode" = el2 ] && set -- "$@" -semihosting
log=$(mktemp)
trap 'rm -f "$log"' EXIT

timeout "$limit" qemu-system-aarch64 "$@" -kernel "$image" </dev/null >"$log" 2>&1
status=$?
cat "$log"
if [ "$status" -eq 124 ]; then
  echo "$name: TIMEOUT after ${limit}s"
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "$name: QEMU exit status $status"
  exit 1
fi
if grep -q 'FAIL' "$log"; then
  echo "$name: a FAIL line was printed"
  exit 1
fi
if ! grep -q "$pass" "$log"; then
  echo "$name: no PASS line"
  exit 1
fi
echo "$name: ok"
