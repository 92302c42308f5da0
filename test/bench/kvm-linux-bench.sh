#!/usr/bin/env bash
# Whole-system instructions of a Linux boot under armvirt-vmm (doc/benchmarks.md,
# "armvirt-vmm exits"): the kvm tests' Debian kernel and initramfs (trivial init: prints
# a few lines and powers off; the kernel booted `quiet`, as its console is an exit per
# character), 256 MiB, 2 vCPUs, in nested KVM (scripts/kvm-nested.sh)
# under -icount shift=0, counted by the QEMU TCG plugin test/bench/insn_count_plugin.c
# between two marks (hint #0x70, `vbench mark`) in the outer Linux: just before armvirt-vmm
# starts and just after it exits. Also prints armvirt-vmm --stats: the exits that reached
# the VMM and KVM's own counts ("kvm:exits": every exit from the guest, stage-2 faults
# included).
# A benchmark: prints figures, fails only if the run fails.
#
# usage: kvm-linux-bench.sh [--images DIR] [--vmm FILE] [--work DIR] [--timeout S]
#   --images DIR   scripts/guest-images.sh cache (default build/host/guest-images)
#   --vmm FILE     armvirt-vmm (default build/linux/examples/kvm-vmm/armvirt-vmm)
#   --work DIR     work directory (default build/kvm-linux-bench)
#   --timeout S    the whole run's timeout (default 600)
set -uo pipefail

main() {
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
images=$top/build/host/guest-images work=$top/build/kvm-linux-bench
vmm=$top/build/linux/examples/kvm-vmm/armvirt-vmm timeout_s=600
while [ $# -gt 0 ]; do
  case "$1" in
    --images) images=$2; shift 2 ;;
    --vmm) vmm=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 2 ;;
  esac
done
fail() { echo "kvm-linux-bench: $*" >&2; exit 1; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
for f in "$vmm" "$images/Image" "$images/initramfs.gz"; do [ -s "$f" ] || fail "missing $f"; done
. "$here/mark-tools.sh"
build_mark_tools "$work" || fail "cannot build the counting tools"
scen="$work/scenario.sh"
cat >"$scen" <<'SCEN'
chmod 0755 /guest/vbench
/guest/vbench mark vmm-start
armvirt-vmm run --kernel /guest/Image --initrd /guest/initramfs.gz --mem 256 --cpus 2 \
  --params "console=ttyAMA0 quiet panic=-1 armvirt.scenario=info" --stats >/tmp/run.log 2>&1 </dev/null
st=$?
/guest/vbench mark vmm-exit
echo "BENCH-EXIT: $st"
tr -d '\000' </tmp/run.log | grep -a -E '^(ARMVIRT-INIT|armvirt-vmm|  )'
SCEN
log="$work/run.log"
run_marked kvm-linux-bench "$work" "$timeout_s" --images "$images" --vmm "$vmm" \
  --scenario "$scen" --file "$images/Image" --file "$images/initramfs.gz" --file "$work/vbench" ||
  fail "the nested run failed"
st=$(sed -n 's/^BENCH-EXIT: //p' "$log")
[ "$st" = 0 ] || fail "armvirt-vmm exit status '$st'"
grep -q '^ARMVIRT-INIT: done' "$log" || fail "the guest's init did not finish"
[ "$(wc -l <"$work/marks.txt")" = 2 ] || fail "expected 2 marks in $work/plugin.txt"
a=$(sed -n 1p "$work/marks.txt")
b=$(sed -n 2p "$work/marks.txt")
echo "armvirt-vmm --stats:"
sed -n '/^armvirt-vmm: exit statistics/,/^  total/p;/^  kvm:/p' "$log"
awk -v a="$a" -v b="$b" 'BEGIN { printf "KVM-LINUX-BENCH instructions armvirt-vmm start -> exit: %.1f M\n", (b - a) / 1e6 }'
}
main "$@"
