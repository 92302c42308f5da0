#!/usr/bin/env bash
# Where the instructions of one armvirt-vmm exit go (doc/benchmarks.md, "armvirt-vmm
# exits"): the exit-cost guest (test/kvm/guest/bench.c) under armvirt-vmm in nested KVM
# (scripts/kvm-nested.sh, -icount shift=0), counted by test/bench/insn_count_plugin.c with
# profiles on: the guest brackets each of its loops with the profile hints, and every
# translation block executed in between, on either outer CPU and at any exception level, is
# attributed to a function (test/bench/virtio-bench-profile.sh): the outer Linux kernel,
# KVM in VHE mode included, through its /proc/kallsyms (taken once from a plain QEMU boot
# of the same kernel by test/bench/virtio-bench.sh and rebased by the outer kernel's
# _stext, which the scenario prints), armvirt-vmm through its ELF, the guest through
# bench's ELF. Prints, per loop, instructions per iteration by part and the top functions.
# A benchmark: prints figures, fails only if the run fails.
#
# usage: kvm-exit-profile.sh [--images DIR] [--vmm FILE] [--guest ELF] [--work DIR]
#                            [--vmm-args ARGS] [--top N] [--timeout S]
#   --images DIR    scripts/guest-images.sh cache (default build/host/guest-images)
#   --vmm FILE      armvirt-vmm (default build/linux/examples/kvm-vmm/armvirt-vmm)
#   --guest ELF     the bench guest's ELF (default build/linux/test/kvm/guest/kvm-guest-bench.elf;
#                   its .bin beside it is what runs)
#   --work DIR      work directory (default build/kvm-exit-profile)
#   --vmm-args S    more `armvirt-vmm run` arguments (e.g. --no-sve)
#   --top N         functions listed per loop (default 25)
#   --timeout S     the nested run's timeout (default 600)
set -uo pipefail

main() {
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
images=$top/build/host/guest-images work=$top/build/kvm-exit-profile
vmm=$top/build/linux/examples/kvm-vmm/armvirt-vmm
guest=$top/build/linux/test/kvm/guest/kvm-guest-bench.elf
vargs="" ntop=25 timeout_s=600
while [ $# -gt 0 ]; do
  case "$1" in
    --images) images=$2; shift 2 ;;
    --vmm) vmm=$2; shift 2 ;;
    --guest) guest=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --vmm-args) vargs=$2; shift 2 ;;
    --top) ntop=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 2 ;;
  esac
done
fail() { echo "kvm-exit-profile: $*" >&2; exit 1; }
bin=$(dirname "$guest")/bench.bin
for f in "$vmm" "$guest" "$bin" "$images/Image"; do [ -s "$f" ] || fail "missing $f"; done
mkdir -p "$work"
work=$(cd "$work" && pwd)
. "$here/mark-tools.sh"
ksyms=$(kernel_symbols "$images" "$work") || fail "no kernel symbols"
build_mark_tools "$work" || fail "cannot build the counting tools"
scen="$work/scenario.sh"
cat >"$scen" <<SCEN
echo "VBENCH-OUTER-TEXT: \$(grep -m1 ' _stext\$' /proc/kallsyms)"
armvirt-vmm run --kernel /guest/bench.bin --rng $vargs --stats 2>&1
echo "BENCH-EXIT: \$?"
SCEN
MARK_PROFILE=1 run_marked kvm-exit-profile "$work" "$timeout_s" --images "$images" --vmm "$vmm" \
  --scenario "$scen" --file "$bin" || fail "the nested run failed"
log="$work/run.log"
[ "$(sed -n 's/^BENCH-EXIT: //p' "$log")" = 0 ] || fail "armvirt-vmm failed (console $log)"
grep '^KVM-BENCH ' "$log"
# The bench's loops in order, each a profile start and stop: label the stops.
loops=(empty-loop mmio-read-to-vmm nisv-ldp-to-vmm hvc-psci-version-in-kvm virtio-queue-notify)
[ "$(wc -l <"$work/marks.txt")" = $((2 * ${#loops[@]})) ] || fail "expected $((2 * ${#loops[@]})) marks"
for l in "${loops[@]}"; do echo "$l.start"; echo "$l"; done >"$work/marks.txt"
n=$(sed -n 's/.* iters=\([0-9]*\) .*/\1/p' "$log" | head -n 1)
PROFILE_GUEST_ELF=$guest bash "$here/virtio-bench-profile.sh" "$work" vmm "$ksyms" "$vmm" "$ntop" \
  >"$work/profile-total.txt" || fail "profile attribution failed"
# Per iteration, one decimal.
awk -v n="${n:-2000}" '
  /^profile / { sub(/instructions per run/, "instructions per iteration"); print; next }
  match($0, /[0-9]+ +[0-9.]+ %$/) {
    split(substr($0, RSTART, RLENGTH), a, " ")
    printf "%s%10.1f %5s %%\n", substr($0, 1, RSTART - 1), a[1] / n, a[2]; next }
  { print }' "$work/profile-total.txt"
}
main "$@"
