#!/usr/bin/env bash
# Boot Debian's arm64 kernel as a VM of armvirt-bm, the bare-metal hypervisor
# (examples/baremetal), on QEMU virt with virtualization=on, and check the console.
#
# usage: baremetal-linux.sh HYP_IMAGE IMAGES_DIR WORK_DIR GIC_VERSION
#
# The hypervisor boots at EL2; QEMU loads the kernel Image at 0x44000000 (-device loader),
# the busybox initramfs (-initrd) and the command line (-append), which the hypervisor
# copies into the VM with the DTB it generates. The init script's "baremetal" scenario
# (scripts/guest-images.sh) prints the DT model, /proc/cpuinfo, /proc/interrupts and the
# date, then powers off.
#
# Passes when: QEMU exits 0 before the timeout (all VMs off, semihosting exit); init
# started and finished; the kernel used armvirt's DTB (model) and brought up both vCPUs;
# /proc/interrupts shows the GIC and a nonzero arch_timer count; the date came from the
# RTC (not 1970); the hypervisor printed its exit-statistics table.
set -uo pipefail

hyp=$1 images=$2 work=$3 gic=$4
qemu=${QEMU:-qemu-system-aarch64}
mkdir -p "$work"
log="$work/console-bm-gicv$gic.log"
bootargs="console=ttyAMA0 earlycon panic=-1 armvirt.scenario=baremetal"

fail() { echo "FAIL: $*"; echo "---- console ($log) ----"; tail -n 80 "$log" 2>/dev/null; exit 1; }

for f in "$hyp" "$images/Image" "$images/initramfs.gz"; do
  [ -s "$f" ] || fail "missing $f"
done

start=$(date +%s)
timeout 120 "$qemu" -M "virt,virtualization=on,gic-version=$gic" -cpu max,pauth=off -smp 2 -m 1G \
  -nographic -nic none -semihosting -kernel "$hyp" \
  -device "loader,file=$images/Image,addr=0x44000000,force-raw=on" \
  -initrd "$images/initramfs.gz" -append "$bootargs" >"$log" 2>&1 </dev/null
rc=$?
end=$(date +%s)
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"

[ "$rc" -eq 0 ] || fail "QEMU exit status $rc (124 = timeout)"
grep -q '^linux0: ARMVIRT-INIT: start' "$log" || fail "init never started"
grep -q '^linux0: ARMVIRT-INIT: done' "$log" || fail "init did not finish"
grep -q '^linux0: ARMVIRT-MODEL: armvirt$' "$log" || fail "the kernel did not use armvirt's DTB"
grep -q '^linux0: ARMVIRT-CPUS: 2$' "$log" || fail "Linux did not bring up 2 vCPUs"
grep -q '^linux0: processor[[:space:]]*: 1' "$log" || fail "no /proc/cpuinfo output"
irqs=$(sed -n '/ARMVIRT-INTERRUPTS-BEGIN/,/ARMVIRT-INTERRUPTS-END/p' "$log")
if [ "$gic" = 3 ]; then gicname=GICv3; else gicname=GIC-0; fi
echo "$irqs" | grep -q "$gicname" || fail "no $gicname interrupts in /proc/interrupts"
timer=$(echo "$irqs" | grep 'arch_timer' | head -n 1)
[ -n "$timer" ] || fail "no arch_timer line in /proc/interrupts"
count=$(echo "$timer" | awk '{print $3 + $4}')
[ "${count:-0}" -gt 0 ] || fail "arch_timer count is 0"
date_line=$(grep '^linux0: ARMVIRT-DATE: ' "$log" | head -n 1)
year=$(echo "$date_line" | sed -n 's/.*ARMVIRT-DATE: \([0-9]*\)-.*/\1/p')
[ "${year:-0}" -ge 2020 ] || fail "date is not from the RTC: $date_line"
grep -q 'armvirt-bm: all VMs are off; exit statistics:' "$log" || fail "no exit statistics"
grep -q '^linux0: [0-9]* exits: sync' "$log" || fail "no exit totals"
grep -q '^linux0: EC 0x24 DABT_LOW' "$log" || fail "no per-class statistics"
grep -q '^linux0: mmio pl011' "$log" || fail "no per-device statistics"

echo "PASS: armvirt-bm GICv$gic: Linux booted to init, ran its commands and powered off in $((end - start)) s, arch_timer count $count"
grep -E '^armvirt-bm: |Machine model|GICv3: |GIC: |psci: PSCIv|ARMVIRT-(MODEL|CPUS|DATE|RTC)|arch_timer|reboot:' "$log"
sed -n '/armvirt-bm: all VMs are off/,$p' "$log"
