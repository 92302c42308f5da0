#!/usr/bin/env bash
# Several VMs of armvirt-bm at once (issue 7), and the pass-through demo.
#
# usage: baremetal-multi.sh multi HYP_IMAGE IMAGES_DIR WORK_DIR GIC_VERSION SMP
#        baremetal-multi.sh pt    HYP_IMAGE IMAGES_DIR WORK_DIR GIC_VERSION SMP
#
# multi: armvirt-bm-linux-multi.bin runs two Debian Linux VMs (2 vCPUs each, scenario
#   `multi`) and the sgi guest test program (2 vCPUs) at once on -smp SMP (4: one vCPU per
#   pCPU at best; 2: overcommitted). Passes when QEMU exits 0 before the timeout, each Linux
#   VM reached init, reported 2 CPUs and both processors in /proc/cpuinfo, finished its
#   workload and powered off, the sgi VM printed its PASS line, nothing printed FAIL, and
#   the hypervisor printed its statistics after all VMs were off.
# pt: armvirt-bm-linux-pt.bin runs one Linux VM that owns the board's virtio-blk device
#   (scenario `passthrough`: insmod virtio_mmio, virtio_blk, ext4 and its dependencies,
#   mount the ext4 image read-only, print its file). Passes when the file's line appears,
#   the hypervisor found the device by probing, its own virtio-rng took slot 0 and no slot
#   made Linux print "Wrong magic value", and QEMU exits 0.
set -uo pipefail

mode=$1 hyp=$2 images=$3 work=$4 gic=$5 smp=$6
qemu=${QEMU:-qemu-system-aarch64}
mkdir -p "$work"
log="$work/console-$mode-gicv$gic-smp$smp.log"

fail() { echo "FAIL: $*"; echo "---- console ($log) ----"; tail -n 80 "$log" 2>/dev/null; exit 1; }

for f in "$hyp" "$images/Image" "$images/initramfs.gz"; do
  [ -s "$f" ] || fail "missing $f"
done

args=()
case "$mode" in
  multi)
    mem=2G
    bootargs="console=ttyAMA0 panic=-1 armvirt.scenario=multi"
    ;;
  pt)
    mem=1G
    [ -s "$images/disk.ext4" ] || fail "missing $images/disk.ext4"
    cp "$images/disk.ext4" "$work/disk-gicv$gic.ext4"
    bootargs="console=ttyAMA0 panic=-1 armvirt.scenario=passthrough"
    args=(-drive "if=none,file=$work/disk-gicv$gic.ext4,format=raw,id=disk0,readonly=on"
          -device virtio-blk-device,drive=disk0)
    ;;
  *) fail "unknown mode $mode" ;;
esac

start=$(date +%s)
timeout 100 "$qemu" -M "virt,virtualization=on,gic-version=$gic" -cpu max,pauth=off \
  -smp "$smp" -m "$mem" -nographic -nic none -semihosting -kernel "$hyp" \
  -device "loader,file=$images/Image,addr=0x44000000,force-raw=on" \
  -initrd "$images/initramfs.gz" -append "$bootargs" "${args[@]}" >"$log" 2>&1 </dev/null
rc=$?
end=$(date +%s)
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"

[ "$rc" -eq 0 ] || fail "QEMU exit status $rc (124 = timeout)"
! grep -q 'FAIL' "$log" || fail "a FAIL line was printed"
grep -q 'armvirt-bm: all VMs are off; exit statistics:' "$log" || fail "no exit statistics"
case "$mode" in
  multi)
    for vm in linux0 linux1; do
      grep -q "^$vm: ARMVIRT-INIT: start" "$log" || fail "$vm: init never started"
      grep -q "^$vm: ARMVIRT-MODEL: armvirt\$" "$log" || fail "$vm: not armvirt's DTB"
      grep -q "^$vm: ARMVIRT-CPUS: 2\$" "$log" || fail "$vm: /proc/cpuinfo does not show 2 CPUs"
      # A line may arrive in pieces: the console shows a VM's partial line when its vCPU
      # blocks (a prompt), so another VM's line can fall between the pieces.
      sed -n "s/^$vm: //p" "$log" | tr -d '\n' | grep -q "processor[[:space:]]*: 1" ||
        fail "$vm: no second processor"
      grep -q "^$vm: ARMVIRT-WORK: 5999 5999 *\$" "$log" || fail "$vm: workload result wrong"
      grep -q "^$vm: ARMVIRT-INIT: done" "$log" || fail "$vm: init did not finish"
      grep -q "^$vm: .*reboot: Power down" "$log" || fail "$vm: did not power off"
    done
    grep -q '^sgi: PASS sgi (' "$log" || fail "the sgi test VM did not pass"
    echo "PASS: armvirt-bm GICv$gic -smp $smp: two Linux VMs (2 vCPUs each) and the sgi VM ran at once and powered off in $((end - start)) s"
    grep -E '^armvirt-bm: |ARMVIRT-(CPUS|WORK)|PASS sgi \(|reboot:|: vCPU [0-9]: priority' "$log"
    ;;
  pt)
    grep -q '^armvirt-bm: linuxpt: virtio device 2 found at' "$log" || fail "the device was not found by probing"
    grep -q '^linuxpt: ARMVIRT-INSMOD: ext4' "$log" || fail "ext4 did not load"
    grep -q '^linuxpt: ARMVIRT-FILE: ARMVIRT-EXT4-OK ' "$log" || fail "the file was not read from the ext4 disk"
    # The VM's own slots (empty, and a virtio-rng where the CPU has RNDR) beside it.
    ! grep -q 'Wrong magic value' "$log" || fail "Linux printed 'Wrong magic value'"
    grep -q '^armvirt-bm: linuxpt: virtio-rng at 0xa000000 (slot 0, SPI 16)' "$log" ||
      fail "no virtio-rng in the VM's first slot"
    echo "PASS: armvirt-bm GICv$gic: virtio-blk passed through, ext4 mounted and read in $((end - start)) s"
    grep -E '^armvirt-bm: |ARMVIRT-(INSMOD|DISK|FILE)|virtio_blk|EXT4-fs' "$log"
    ;;
esac
