#!/usr/bin/env bash
# Boot Debian's arm64 kernel on QEMU virt with the DTB armvirt generates (not QEMU's), to the
# busybox init of scripts/guest-images.sh, and check the console.
#
# usage: linux-boot.sh MKDTB IMAGES_DIR WORK_DIR GIC_VERSION NCPUS
#
# Passes when: QEMU exits 0 (poweroff -f) before the timeout; the init's start/done markers
# appear; the kernel's /proc/device-tree shows armvirt's model and bootargs (so the kernel
# used armvirt's tree); /proc/interrupts lists the GIC (GICv3 / GIC-0) and a nonzero
# arch_timer count; Linux brought up every vCPU.
set -uo pipefail

mkdtb=$1 images=$2 work=$3 gic=$4 ncpus=$5
mem=512
qemu=${QEMU:-qemu-system-aarch64}
mkdir -p "$work"
dtb="$work/armvirt-gicv$gic-$ncpus.dtb"
log="$work/console-gicv$gic-$ncpus.log"
tag="armvirt-test=gicv$gic-smp$ncpus"
bootargs="console=ttyAMA0 earlycon panic=-1 $tag armvirt.scenario=info"

fail() { echo "FAIL: $*"; echo "---- console ($log) ----"; cat "$log" 2>/dev/null | tail -n 80; exit 1; }

for f in "$images/Image" "$images/initramfs.gz"; do
  [ -s "$f" ] || fail "missing $f (run scripts/guest-images.sh $images)"
done
"$mkdtb" -g "$gic" -c "$ncpus" -m "$mem" -b "$bootargs" -o "$dtb" || fail "armvirt-mkdtb failed"

start=$(date +%s)
timeout 120 "$qemu" -M "virt,gic-version=$gic" -cpu max,pauth=off -smp "$ncpus" -m "$mem" \
  -nographic -no-reboot -net none \
  -kernel "$images/Image" -initrd "$images/initramfs.gz" -dtb "$dtb" >"$log" 2>&1 </dev/null
rc=$?
end=$(date +%s)
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"

[ "$rc" -eq 0 ] || fail "QEMU exit status $rc (124 = timeout)"
grep -q '^ARMVIRT-INIT: start' "$log" || fail "init never started"
grep -q '^ARMVIRT-INIT: done' "$log" || fail "init did not finish"
grep -q '^ARMVIRT-MODEL: armvirt$' "$log" || fail "the kernel did not use armvirt's DTB (model)"
grep -qF "ARMVIRT-BOOTARGS: $bootargs" "$log" || fail "bootargs in /proc/device-tree differ"
grep -q "^ARMVIRT-CPUS: $ncpus\$" "$log" || fail "Linux did not bring up $ncpus CPU(s)"

irqs=$(sed -n '/^ARMVIRT-INTERRUPTS-BEGIN/,/^ARMVIRT-INTERRUPTS-END/p' "$log")
if [ "$gic" = 3 ]; then gicname=GICv3; else gicname=GIC-0; fi
echo "$irqs" | grep -q "$gicname" || fail "no $gicname interrupts in /proc/interrupts"
timer=$(echo "$irqs" | grep 'arch_timer' | head -n 1)
[ -n "$timer" ] || fail "no arch_timer line in /proc/interrupts"
count=0
for ((i = 2; i < 2 + ncpus; i++)); do
  n=$(echo "$timer" | awk -v f="$i" '{print $f}')
  count=$((count + n))
done
[ "$count" -gt 0 ] || fail "arch_timer count is 0"

echo "PASS: GICv$gic, $ncpus vCPU(s): booted to init in $((end - start)) s, arch_timer count $count"
grep -E '^ARMVIRT-|arch_timer|GICv3: |GIC: |psci: PSCIv|Machine model' "$log" | grep -v INTERRUPTS
