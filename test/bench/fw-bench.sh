#!/usr/bin/env bash
# Whole-system instructions from armvirt-vmm's start to Linux's init (doc/benchmarks.md,
# "Firmware boot"): the VM-spec image of scripts/vmspec-image.sh booted directly (--kernel
# with the image's kernel and initramfs, the root on its --disk) and through firmware
# (--firmware: EDK2 with a new variable store, EDK2 again with the store the first run
# wrote, U-Boot with an erased variable bank (its default environment: a 2 s countdown),
# U-Boot with the image's uboot-env.bin (bootdelay=0) there), in nested KVM (scripts/kvm-nested.sh) under -icount shift=0, counted by
# the QEMU TCG plugin test/bench/insn_count_plugin.c. Counted: every instruction of the
# outer machine (guest, KVM, the host kernel, armvirt-vmm), idle excluded.
# Marks (hint #0x70): `vbench mark` (test/bench/vbench.c) in the outer Linux just before
# armvirt-vmm starts, then the image's own: the initramfs's first command and the root
# partition's init.
# A benchmark: prints figures, fails only if a run fails.
#
# usage: fw-bench.sh [--images DIR] [--vmspec DIR] [--vmm FILE] [--work DIR]
#                    [--efi FILE] [--uboot FILE] [--mem MiB] [--timeout S] [--runs LIST]
#   --images DIR   scripts/guest-images.sh cache (default build/host/guest-images)
#   --vmspec DIR   scripts/vmspec-image.sh output (default build/host/vmspec; built if needed)
#   --vmm FILE     armvirt-vmm (default build/linux/examples/kvm-vmm/armvirt-vmm)
#   --work DIR     work directory (default build/fwbench)
#   --efi FILE     EDK2 (default /usr/share/qemu-efi-aarch64/QEMU_EFI.fd)
#   --uboot FILE   U-Boot (default /usr/lib/u-boot/qemu_arm64/u-boot.bin)
#   --mem MiB      the VM's RAM (default 512)
#   --timeout S    the whole run's timeout (default 2400)
#   --runs LIST    the boots, in order (default: direct edk2-new-vars edk2-same-vars uboot
#                  uboot-env; edk2-same-vars needs edk2-new-vars before it)
set -uo pipefail

main() {
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
images=$top/build/host/guest-images vmspec=$top/build/host/vmspec work=$top/build/fwbench
vmm=$top/build/linux/examples/kvm-vmm/armvirt-vmm mem=512 timeout_s=2400
runs="direct edk2-new-vars edk2-same-vars uboot uboot-env"
efi=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd uboot=/usr/lib/u-boot/qemu_arm64/u-boot.bin
while [ $# -gt 0 ]; do
  case "$1" in
    --images) images=$2; shift 2 ;;
    --vmspec) vmspec=$2; shift 2 ;;
    --vmm) vmm=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --efi) efi=$2; shift 2 ;;
    --uboot) uboot=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 2 ;;
  esac
done
fail() { echo "fw-bench: $*" >&2; exit 1; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
for f in "$vmm" "$efi" "$uboot" "$images/Image"; do [ -s "$f" ] || fail "missing $f"; done
bash "$top/scripts/vmspec-image.sh" "$vmspec" "$images" >"$work/vmspec.log" 2>&1 ||
  { cat "$work/vmspec.log"; fail "scripts/vmspec-image.sh failed"; }
for f in vmspec.img initrd.img grub.cfg uboot-env.bin; do [ -s "$vmspec/$f" ] || fail "missing $vmspec/$f"; done
. "$here/mark-tools.sh"
build_mark_tools "$work" || fail "cannot build the counting tools"
# The direct boot takes the kernel command line of the image's grub.cfg.
params=$(sed -n 's|^ *linux /EFI/armvirt/Image ||p' "$vmspec/grub.cfg")
[ -n "$params" ] || fail "no kernel command line in $vmspec/grub.cfg"
# U-Boot's variable bank with the image's environment, then erased flash: 64 MiB.
{ cat "$vmspec/uboot-env.bin"
  head -c $((64 * 1048576 - $(stat -c %s "$vmspec/uboot-env.bin"))) /dev/zero | tr '\000' '\377'
} >"$work/uboot-vars.fd"
scen="$work/scenario.sh"
cat >"$scen" <<SCEN
chmod 0755 /guest/vbench
r() {
  name=\$1
  shift
  echo "BENCH-BEGIN \$name"
  /guest/vbench mark "\$name"
  armvirt-vmm run --mem $mem --disk /guest/vmspec.img "\$@" >/tmp/run.log 2>&1 </dev/null
  echo "BENCH-EXIT \$name: \$?"
  tr -d '\\000' </tmp/run.log | grep -a -E '^(ARMVIRT|armvirt-vmm)'
}
SCEN
for r in $runs; do
  case $r in
  direct) echo "r direct --kernel /guest/Image --initrd /guest/initrd.img --params \"$params\"" ;;
  edk2-new-vars|edk2-same-vars) echo "r $r --firmware /guest/$(basename "$efi") --firmware-vars /tmp/vars.fd" ;;
  uboot) echo "r uboot --firmware /guest/$(basename "$uboot") --firmware-vars /tmp/uboot-erased.fd" ;;
  uboot-env) echo "r uboot-env --firmware /guest/$(basename "$uboot") --firmware-vars /guest/uboot-vars.fd" ;;
  *) fail "unknown run $r" ;;
  esac
done >>"$scen"
log="$work/run.log"
run_marked fw-bench "$work" "$timeout_s" --images "$images" --vmm "$vmm" \
  --scenario "$scen" --file "$images/Image" --file "$vmspec/initrd.img" \
  --file "$vmspec/vmspec.img" --file "$efi" --file "$uboot" --file "$work/vbench" --file "$work/uboot-vars.fd" ||
  fail "the nested run failed"
n=$(wc -l <"$work/marks.txt")
nruns=$(wc -w <<<"$runs")
[ "$n" = $((3 * nruns)) ] || fail "$n marks, expected 3 per run ($((3 * nruns)))"
bad=0
for r in $runs; do
  st=$(sed -n "s/^BENCH-EXIT $r: //p" "$log")
  out=$(sed -n "/^BENCH-BEGIN $r\$/,/^BENCH-BEGIN /p" "$log")
  if [ "$st" != 0 ] || ! grep -q '^ARMVIRT-VMSPEC-INIT' <<<"$out"; then
    echo "fw-bench: $r: exit '$st' or no ARMVIRT-VMSPEC-INIT" >&2
    bad=1
  fi
done
[ "$bad" = 0 ] || fail "some runs did not reach the image's init"
echo "whole-system instructions (outer QEMU -icount shift=0, all CPUs and ELs, idle excluded)"
echo "| boot | armvirt-vmm start -> initramfs | armvirt-vmm start -> root init |"
echo "| --- | ---: | ---: |"
i=0
for r in $runs; do
  a=$(sed -n "$((3 * i + 1))p" "$work/marks.txt")
  b=$(sed -n "$((3 * i + 2))p" "$work/marks.txt")
  c=$(sed -n "$((3 * i + 3))p" "$work/marks.txt")
  awk -v r="$r" -v a="$a" -v b="$b" -v c="$c" \
    'BEGIN { printf "| %s | %.1f M | %.1f M |\n", r, (b - a) / 1e6, (c - a) / 1e6 }'
  i=$((i + 1))
done
}
main "$@"
