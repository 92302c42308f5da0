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
#                           [--vmm-args S] [--profile [--top N]]
#   --images DIR   scripts/guest-images.sh cache (default build/host/guest-images)
#   --vmm FILE     armvirt-vmm (default build/linux/examples/kvm-vmm/armvirt-vmm)
#   --work DIR     work directory (default build/kvm-linux-bench)
#   --timeout S    the whole run's timeout (default 600)
#   --vmm-args S   more `armvirt-vmm run` arguments
#   --profile      also attribute the instructions between the marks to functions
#                  (test/bench/virtio-bench-profile.sh): the guest's kernel (booted with
#                  `nokaslr` for this, so that its symbols are known: the same kernel's
#                  /proc/kallsyms, test/bench/mark-tools.sh kernel_symbols), the outer
#                  kernel with KVM, armvirt-vmm; TOP functions listed (default 40)
set -uo pipefail

main() {
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
images=$top/build/host/guest-images work=$top/build/kvm-linux-bench
vmm=$top/build/linux/examples/kvm-vmm/armvirt-vmm timeout_s=600 vargs="" profile=0 ntop=40
while [ $# -gt 0 ]; do
  case "$1" in
    --images) images=$2; shift 2 ;;
    --vmm) vmm=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --vmm-args) vargs=$2; shift 2 ;;
    --profile) profile=1; shift ;;
    --top) ntop=$2; shift 2 ;;
    *) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 2 ;;
  esac
done
fail() { echo "kvm-linux-bench: $*" >&2; exit 1; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
for f in "$vmm" "$images/Image" "$images/initramfs.gz"; do [ -s "$f" ] || fail "missing $f"; done
. "$here/mark-tools.sh"
build_mark_tools "$work" || fail "cannot build the counting tools"
params="console=ttyAMA0 quiet panic=-1 armvirt.scenario=info"
start="" stop=""
if [ "$profile" = 1 ]; then
  ksyms=$(kernel_symbols "$images" "$work") || fail "no kernel symbols"
  params="$params nokaslr"
  start=" start" stop=" stop"
fi
scen="$work/scenario.sh"
cat >"$scen" <<SCEN
chmod 0755 /guest/vbench
echo "VBENCH-OUTER-TEXT: \$(grep -m1 ' _stext\$' /proc/kallsyms)"
/guest/vbench mark vmm-start$start
armvirt-vmm run --kernel /guest/Image --initrd /guest/initramfs.gz --mem 256 --cpus 2 $vargs \\
  --params "$params" --stats >/tmp/run.log 2>&1 </dev/null
st=\$?
/guest/vbench mark vmm-exit$stop
echo "BENCH-EXIT: \$st"
tr -d '\000' </tmp/run.log | grep -a -E '^(ARMVIRT-INIT|armvirt-vmm|  )'
SCEN
log="$work/run.log"
MARK_PROFILE=$profile run_marked kvm-linux-bench "$work" "$timeout_s" --images "$images" --vmm "$vmm" \
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
if [ "$profile" = 1 ]; then
  # With nokaslr the guest's kernel runs at its link address: _stext 64 KiB into the image.
  echo "VBENCH-TEXT: ffff800008010000 _stext" >>"$log"
  printf '%s\n' boot.start boot >"$work/marks.txt"
  bash "$here/virtio-bench-profile.sh" "$work" vmm "$ksyms" "$vmm" "$ntop" ||
    fail "profile attribution failed"
fi
}
main "$@"
