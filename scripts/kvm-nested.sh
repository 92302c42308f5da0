#!/usr/bin/env bash
# Run a scenario inside Linux inside QEMU, with KVM available to it (nested virtualization):
# an outer qemu-system-aarch64 (virt, virtualization=on, -cpu max,pauth=off) boots Debian's
# arm64 kernel (KVM comes up at EL2) with an initramfs holding busybox, the static
# armvirt-vmm, the kernel's tun module and the files the scenario needs; the outer init
# mounts proc/sys/devtmpfs, loads tun (/dev/net/tun for --network tap), runs the scenario
# script, prints its exit status between markers and powers off. The outer QEMU has no
# network card: TAP interfaces are the only way out of the inner guests.
#
# usage: scripts/kvm-nested.sh --images DIR --vmm FILE --work DIR --scenario FILE
#                              [--file PATH]... [--gic 3|2] [--smp N] [--mem MiB]
#                              [--icount] [--cpu MODEL] [--timeout SECONDS]
#
#   --images DIR    cache of scripts/guest-images.sh (Image, debs/busybox-static_*.deb)
#   --vmm FILE      the static aarch64 armvirt-vmm (goes to /bin/armvirt-vmm)
#   --work DIR      where the initramfs and the console log (console.log) are written
#   --scenario FILE a busybox sh script, run by the outer init as /scenario.sh
#   --file PATH     copied to /guest/<basename> in the initramfs (repeatable)
#   --gic N         outer GIC version (default 3; with 2, KVM offers only a vGICv2)
#   --icount        add -icount shift=0 (1 instruction = 1 ns of virtual time)
#   --cpu MODEL     the outer -cpu (default max,pauth=off; pointer authentication is slow
#                   under TCG: max,pauth=on,pauth-impdef=on gives it at a lower cost)
# Environment: KVM_NESTED_QEMU_ARGS, more outer QEMU arguments (split at spaces), e.g. the
#   instruction-counting plugin of test/bench/virtio-bench.sh.
#
# Console markers written by the outer init:
#   KVM-NESTED: start | KVM-NESTED: /dev/kvm present | KVM-NESTED: no /dev/kvm
#   KVM-NESTED: scenario exit N | KVM-NESTED: done
# Exit status: QEMU's (0 after the outer poweroff; 124 = timeout). The console log is also
# copied to stdout.
set -uo pipefail

images="" vmm="" work="" scenario="" gic=3 smp=2 mem=2048 icount=0 timeout_s=150
cpu=max,pauth=off
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --images) images=$2; shift 2 ;;
    --vmm) vmm=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    --gic) gic=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --icount) icount=1; shift ;;
    --cpu) cpu=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) echo "kvm-nested: unknown argument $1" >&2; exit 2 ;;
  esac
done
for v in images vmm work scenario; do
  if [ -z "${!v}" ]; then echo "kvm-nested: --$v is required" >&2; exit 2; fi
done
qemu=${QEMU:-qemu-system-aarch64}
kernel="$images/Image"
[ -s "$kernel" ] || { echo "kvm-nested: missing $kernel (run scripts/guest-images.sh $images)" >&2; exit 2; }
[ -x "$vmm" ] || { echo "kvm-nested: missing or not executable: $vmm" >&2; exit 2; }
[ -f "$scenario" ] || { echo "kvm-nested: missing scenario $scenario" >&2; exit 2; }
bdeb=$(ls -t "$images"/debs/busybox-static_*_arm64.deb 2>/dev/null | head -n 1)
[ -n "$bdeb" ] || { echo "kvm-nested: no busybox-static deb in $images/debs" >&2; exit 2; }

mkdir -p "$work"
work=$(cd "$work" && pwd)
root="$work/initramfs-root"
rm -rf "$root"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/guest"
dpkg -x "$bdeb" "$work/busybox-root"
cp "$work/busybox-root/bin/busybox" "$root/bin/busybox"
rm -rf "$work/busybox-root"
cp "$vmm" "$root/bin/armvirt-vmm"
# tun.ko from the kernel's package, extracted once into the images cache.
tun="$images/modules/tun.ko"
if [ ! -s "$tun" ]; then
  kdeb=$(ls -t "$images"/debs/linux-image-*-arm64_*_arm64.deb 2>/dev/null | head -n 1)
  [ -n "$kdeb" ] || { echo "kvm-nested: no linux-image deb in $images/debs" >&2; exit 2; }
  mkdir -p "$images/modules" "$work/tun-root"
  dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work/tun-root" --wildcards '*/drivers/net/tun.ko'
  cp "$(ls "$work"/tun-root/lib/modules/*/kernel/drivers/net/tun.ko)" "$tun.tmp.$$" &&
    mv "$tun.tmp.$$" "$tun"
  rm -rf "$work/tun-root"
  [ -s "$tun" ] || { echo "kvm-nested: no tun.ko in $kdeb" >&2; exit 2; }
fi
mkdir -p "$root/lib/modules"
cp "$tun" "$root/lib/modules/tun.ko"
cp "$scenario" "$root/scenario.sh"
for f in "${files[@]+"${files[@]}"}"; do
  [ -f "$f" ] || { echo "kvm-nested: missing file $f" >&2; exit 2; }
  cp "$f" "$root/guest/$(basename "$f")"
done
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "KVM-NESTED: start"
if [ -c /dev/kvm ]; then echo "KVM-NESTED: /dev/kvm present"; else echo "KVM-NESTED: no /dev/kvm"; fi
dmesg | grep -E 'kvm \[|KVM' | sed 's/^/KVM-NESTED: dmesg: /' | head -n 4
insmod /lib/modules/tun.ko || echo "KVM-NESTED: insmod tun failed"
cd /tmp
sh /scenario.sh
echo "KVM-NESTED: scenario exit $?"
echo "KVM-NESTED: done"
sync
poweroff -f
INIT
chmod 0755 "$root/init" "$root/bin/busybox" "$root/bin/armvirt-vmm" "$root/scenario.sh"
initrd="$work/outer-initramfs.cpio"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$initrd"
rm -rf "$root"

extra=()
if [ "$icount" = 1 ]; then extra+=(-icount shift=0); fi
# KVM_NESTED_QEMU_ARGS: more outer QEMU arguments, split at spaces (e.g. a counting plugin).
# shellcheck disable=SC2206
if [ -n "${KVM_NESTED_QEMU_ARGS:-}" ]; then extra+=($KVM_NESTED_QEMU_ARGS); fi
log="$work/console.log"
start=$(date +%s.%N)
timeout "$timeout_s" "$qemu" -M "virt,virtualization=on,gic-version=$gic" -cpu "$cpu" \
  -m "$mem" -smp "$smp" -nographic -nic none -no-reboot "${extra[@]+"${extra[@]}"}" \
  -kernel "$kernel" -initrd "$initrd" \
  -append "console=ttyAMA0 panic=-1 quiet loglevel=3" </dev/null >"$log.raw" 2>&1
rc=$?
end=$(date +%s.%N)
tr -d '\r' <"$log.raw" >"$log"
rm -f "$log.raw"
cat "$log"
echo "KVM-NESTED-HOST: qemu exit $rc after $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"
exit "$rc"
