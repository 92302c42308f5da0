#!/usr/bin/env bash
# armvirt-bm's virtio devices with Debian's kernel (doc/baremetal.md, "Virtio devices").
#
# usage: baremetal-virtio.sh root  HYP_IMAGE IMAGES_DIR WORK_DIR GIC_VERSION
#        baremetal-virtio.sh disks HYP_IMAGE IMAGES_DIR WORK_DIR GIC_VERSION
#        baremetal-virtio.sh hvc   HYP_IMAGE IMAGES_DIR WORK_DIR GIC_VERSION [DTCHECK]
#        baremetal-virtio.sh nornd HYP_IMAGE IMAGES_DIR WORK_DIR GIC_VERSION
#
# root (armvirt-bm-linux.bin): an ext4 root file system built here (mkfs.ext4 -d: busybox,
#   /sbin/init, a marker, a reference file) is loaded by QEMU at 0x5000_0000 (the disk of
#   linux0, bm_vm_desc::disk). The initramfs (rdinit=/vdainit, appended to the cached one)
#   loads the virtio modules, checksums the whole /dev/vda, mounts it and switch_roots; the
#   root's init checks the reference file, writes a file, syncs, drops the caches, reads it
#   back and compares the checksums, then powers off. Passes when the device's checksum is
#   the image's, the reference file's checksum is the host's, the written file read back
#   the same, the hypervisor counted the writes, Linux printed no "Wrong magic value" and
#   QEMU exited 0.
# disks (armvirt-bm-linux-multi.bin, -m 2G): two images with different markers at
#   0x5000_0000 (linux0, read-write) and 0x5200_0000 (linux1, read-only), both VMs at once
#   (and the sgi VM). Passes when each VM's /dev/vda is byte for byte its own image (md5 of
#   the device = md5 of its file), each VM has one block device and prints its own marker,
#   linux0 wrote and read back its file, linux1's writes were refused, QEMU exited 0.
# hvc (armvirt-bm-linux.bin, no disk loaded): console=hvc0; the initramfs (rdinit=/hvcinit)
#   loads the modules, reads /dev/hwrng twice, prints the DTB Linux got (base64) and starts
#   a shell on /dev/hvc0. The test types a command into the board's UART (routed to the
#   VM's virtio-console) and checks its output, then `poweroff -f`. Passes when the
#   hypervisor said the disk is absent and the VM still booted, the command's output came
#   back from /dev/hvc0, the hwrng is virtio_rng and gave two different non-zero reads, the
#   DTB has 32 virtio_mmio nodes and armvirt-dtcheck (if given) accepts it, no "Wrong magic
#   value", QEMU exited 0.
# nornd (armvirt-bm-linux.bin on -cpu cortex-a72, which has no RNDR): the hypervisor says
#   the virtio-rng is absent, the VM boots to its init (scenario baremetal) without it.
#
# QEMU's loader copies an image into the board's RAM: the guest's writes change that RAM,
# never the file. So the written data is checked inside the VM.
set -uo pipefail

mode=$1 hyp=$2 images=$3 work=$4 gic=$5 dtcheck=${6:-}
qemu=${QEMU:-qemu-system-aarch64}
# Each mode and GIC version gets its own directory: ctest runs them in parallel.
work="$work/$mode-gicv$gic"
mkdir -p "$work"
work=$(cd "$work" && pwd)
log="$work/console-$mode-gicv$gic.log"
disk_size=$((32 << 20))   # bm_vm_desc::disk.size of the configurations

fail() { echo "FAIL: $*"; echo "---- console ($log) ----"; tail -n 80 "$log" 2>/dev/null; exit 1; }

for f in "$hyp" "$images/Image" "$images/initramfs.gz"; do
  [ -s "$f" ] || fail "missing $f"
done
mkfs_ext4=$(command -v mkfs.ext4 || ls /usr/sbin/mkfs.ext4 /sbin/mkfs.ext4 2>/dev/null | head -n 1)
[ -n "$mkfs_ext4" ] || fail "mkfs.ext4 not found (e2fsprogs)"
bdeb=$(ls -t "$images"/debs/busybox-static_*_arm64.deb 2>/dev/null | head -n 1)
[ -n "$bdeb" ] || fail "no busybox-static deb in $images/debs"

# ---- the initramfs addition: /vdainit or /hvcinit, appended to the cached initramfs ----
extra="$work/extra-$mode"
rm -rf "$extra"
mkdir -p "$extra"
# Both start alike (/prelude: mount, load the modules, wait for $node to be a $kind file).
cat >"$extra/prelude" <<'EOF'
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "ARMVIRT-INIT: ${0##*/}"
/bin/load-virtio || echo "ARMVIRT-ERROR: load-virtio"
k=0
while [ ! "$kind" "$node" ] && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
EOF
cat >"$extra/vdainit" <<'EOF'
#!/bin/busybox sh
node=/dev/vda kind=-b
. /prelude
[ -b /dev/vda ] || { echo "ARMVIRT-ERROR: no /dev/vda"; poweroff -f; }
echo "ARMVIRT-BLOCK: $(ls /sys/block | tr '\n' ' ')"
echo "ARMVIRT-VDA-MD5: $(md5sum /dev/vda | cut -d' ' -f1)"
echo "ARMVIRT-VDA-RO: $(cat /sys/block/vda/ro)"
echo "ARMVIRT-MAGIC-WARNINGS: $(dmesg | grep -c 'Wrong magic')"
opt=rw
[ "$(cat /sys/block/vda/ro)" = 1 ] && opt=ro
mkdir -p /newroot
mount -t ext4 -o "$opt" /dev/vda /newroot || { echo "ARMVIRT-ERROR: mount /dev/vda"; poweroff -f; }
umount /proc /sys
umount /dev
exec switch_root /newroot /sbin/init
EOF
cat >"$extra/hvcinit" <<'EOF'
#!/bin/busybox sh
node=/dev/hvc0 kind=-c
. /prelude
echo "ARMVIRT-BLOCK: $(ls /sys/block | tr '\n' ' ')"
echo "ARMVIRT-RNG-CURRENT: $(cat /sys/class/misc/hw_random/rng_current)"
for i in 1 2; do
  echo "ARMVIRT-RNG: $(timeout 10 dd if=/dev/hwrng bs=32 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')"
done
echo "ARMVIRT-VIRTIO-NODES: $(ls -d /proc/device-tree/virtio_mmio@* | wc -l)"
echo "ARMVIRT-MAGIC-WARNINGS: $(dmesg | grep -c 'Wrong magic')"
echo "ARMVIRT-FDT-BEGIN"
base64 /sys/firmware/fdt | sed 's/^/ARMVIRT-FDT: /'
echo "ARMVIRT-FDT-END"
echo "ARMVIRT-HVC-READY" >/dev/hvc0
setsid -c sh -i </dev/hvc0 >/dev/hvc0 2>&1
echo "ARMVIRT-ERROR: the hvc0 shell exited"
poweroff -f
EOF
chmod 0755 "$extra/vdainit" "$extra/hvcinit" "$extra/prelude"
initrd="$work/initramfs-$mode.gz"
(cd "$extra" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) |
  gzip -9 >"$work/extra-$mode.gz" || fail "cannot build the initramfs addition"
cat "$images/initramfs.gz" "$work/extra-$mode.gz" >"$initrd"

# ---- root file systems: busybox, /sbin/init, a marker and a reference file ----
broot="$work/busybox-root"
if [ ! -x "$broot/bin/busybox" ]; then
  rm -rf "$broot"
  mkdir -p "$broot"
  dpkg -x "$bdeb" "$broot" || fail "cannot unpack $bdeb"
fi

# make_root NAME IMAGE: an ext4 image of exactly disk_size bytes; prints the marker token.
make_root() {
  local name=$1 img=$2 root="$work/root-$1" token
  token=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
  rm -rf "$root"
  mkdir -p "$root"/{bin,sbin,etc,data,proc,sys,dev,tmp}
  cp "$broot/bin/busybox" "$root/bin/busybox"
  for a in sh mount umount cat echo sync dd sha256sum md5sum poweroff sleep grep cut tr ls \
           mkdir rm touch wc head; do
    ln -s busybox "$root/bin/$a"
  done
  echo "ARMVIRT-DISK $name ARMVIRT-TOKEN-$token" >"$root/etc/armvirt-disk"
  head -c 131072 /dev/urandom >"$root/data/ref.bin"
  cat >"$root/sbin/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "ARMVIRT-ROOT: $(cat /etc/armvirt-disk) on $(grep ' / ' /proc/mounts | cut -d' ' -f1-4)"
echo "ARMVIRT-REF: $(sha256sum /data/ref.bin | cut -d' ' -f1)"
if [ "$(cat /sys/block/vda/ro)" = 1 ]; then
  if touch /data/new.bin 2>/dev/null || dd if=/dev/zero of=/dev/vda bs=512 count=1 seek=64 conv=notrunc 2>/dev/null; then
    echo "ARMVIRT-RO: a write went through"
  else
    echo "ARMVIRT-RO: writes refused"
  fi
else
  dd if=/dev/urandom of=/data/new.bin bs=64k count=16 2>/dev/null
  a=$(sha256sum /data/new.bin | cut -d' ' -f1)
  sync
  echo 3 >/proc/sys/vm/drop_caches
  b=$(sha256sum /data/new.bin | cut -d' ' -f1)
  set -- $(cat /sys/block/vda/stat)
  w=$7
  if [ -n "$a" ] && [ "$a" = "$b" ]; then echo "ARMVIRT-WRITE: ok $b, $w sectors written"; else echo "ARMVIRT-WRITE: mismatch $a $b"; fi
fi
echo "ARMVIRT-INIT: done"
sync
poweroff -f
EOF
  chmod 0755 "$root/sbin/init"
  rm -f "$img"
  truncate -s "$disk_size" "$img"
  "$mkfs_ext4" -q -F -t ext4 -L "$name" -d "$root" "$img" >&2 ||
    fail "mkfs.ext4 $img"
  sha256sum "$root/data/ref.bin" | cut -d' ' -f1 >"$img.ref"
  echo "$token"
}

args=()
cpu=max,pauth=off
mem=1G
smp=2
vms=(linux0)
case "$mode" in
  root)
    tok0=$(make_root linux0 "$work/root0-gicv$gic.ext4") || exit 1
    args=(-device "loader,file=$work/root0-gicv$gic.ext4,addr=0x50000000,force-raw=on")
    bootargs="console=ttyAMA0 panic=-1 rdinit=/vdainit"
    ;;
  disks)
    tok0=$(make_root linux0 "$work/root0-gicv$gic.ext4") || exit 1
    tok1=$(make_root linux1 "$work/root1-gicv$gic.ext4") || exit 1
    args=(-device "loader,file=$work/root0-gicv$gic.ext4,addr=0x50000000,force-raw=on"
          -device "loader,file=$work/root1-gicv$gic.ext4,addr=0x52000000,force-raw=on")
    bootargs="console=ttyAMA0 panic=-1 rdinit=/vdainit"
    mem=2G
    smp=4
    vms=(linux0 linux1)
    ;;
  hvc)
    bootargs="console=ttyAMA0 console=hvc0 panic=-1 rdinit=/hvcinit"
    ;;
  nornd)
    bootargs="console=ttyAMA0 panic=-1 armvirt.scenario=baremetal"
    cpu=cortex-a72
    vms=()
    ;;
  *) fail "unknown mode $mode" ;;
esac

qargs=(-M "virt,virtualization=on,gic-version=$gic" -cpu "$cpu" -smp "$smp" -m "$mem"
       -nographic -nic none -semihosting -kernel "$hyp"
       -device "loader,file=$images/Image,addr=0x44000000,force-raw=on"
       -initrd "$initrd" -append "$bootargs" "${args[@]}")

start=$(date +%s)
if [ "$mode" != hvc ]; then
  timeout 150 "$qemu" "${qargs[@]}" >"$log" 2>&1 </dev/null
  rc=$?
else
  # Type into the board's UART: the hypervisor routes it to the VM's virtio-console.
  fifo="$work/in-gicv$gic"
  rm -f "$fifo"
  mkfifo "$fifo"
  timeout 150 "$qemu" "${qargs[@]}" <"$fifo" >"$log" 2>&1 &
  qpid=$!
  exec 3>"$fifo"
  wait_for() { # PATTERN SECONDS
    local end=$((SECONDS + $2))
    while [ "$SECONDS" -lt "$end" ]; do
      tr -d '\r' <"$log" | grep -q -- "$1" && return 0
      kill -0 "$qpid" 2>/dev/null || return 1
      sleep 0.5
    done
    return 1
  }
  typed=0
  if wait_for '^linux0: ARMVIRT-HVC-READY' 120 && wait_for '^linux0: .*# ' 30; then
    printf 'echo ARMVIRT-HVC $((6 * 7)) $(tty)\n' >&3
    wait_for '^linux0: ARMVIRT-HVC 42 ' 30 && typed=1
  fi
  if [ "$typed" -eq 1 ]; then printf 'poweroff -f\n' >&3; else kill "$qpid" 2>/dev/null; fi
  wait "$qpid"
  rc=$?
  exec 3>&-
  rm -f "$fifo"
fi
end=$(date +%s)
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"

if [ "$mode" = hvc ]; then
  # What the initramfs printed before the shell: the devices, the DT.
  grep -q '^armvirt-bm: linux0: virtio-blk: nothing loaded at 0x50000000' "$log" ||
    fail "no line saying the disk is absent"
  grep -q '^linux0: ARMVIRT-BLOCK: *$' "$log" || fail "a block device without a disk image"
  grep -q '^linux0: ARMVIRT-RNG-CURRENT: virtio_rng' "$log" || fail "the hwrng is not virtio-rng"
  mapfile -t rng < <(sed -n 's/^linux0: ARMVIRT-RNG: //p' "$log")
  [ "${#rng[@]}" -eq 2 ] && [ "${#rng[0]}" -eq 64 ] && [ "${#rng[1]}" -eq 64 ] ||
    fail "/dev/hwrng reads: ${rng[*]:-none}"
  [ "${rng[0]}" != "${rng[1]}" ] || fail "/dev/hwrng gave the same bytes twice"
  [ "${rng[0]}" != "$(printf '0%.0s' {1..64})" ] || fail "/dev/hwrng gave zeroes"
  grep -q '^linux0: ARMVIRT-VIRTIO-NODES: 32$' "$log" || fail "not 32 virtio_mmio nodes in the DT"
  sed -n 's/^linux0: ARMVIRT-FDT: //p' "$log" | base64 -d >"$work/vm-gicv$gic.dtb" ||
    fail "cannot decode the VM's DTB"
  if [ -n "$dtcheck" ]; then
    "$dtcheck" "$work/vm-gicv$gic.dtb" || fail "armvirt-dtcheck refused the VM's DTB"
  fi
  [ "$typed" -eq 1 ] || fail "no hvc0 prompt, or the command typed into it gave no output"
fi
[ "$rc" -eq 0 ] || fail "QEMU exit status $rc (124 = timeout)"
! grep -q 'Wrong magic value' "$log" || fail "Linux printed 'Wrong magic value'"
grep -q 'armvirt-bm: all VMs are off; exit statistics:' "$log" || fail "no exit statistics"
for vm in "${vms[@]}"; do
  ! grep -q "^$vm: ARMVIRT-ERROR" "$log" || fail "$(grep "^$vm: ARMVIRT-ERROR" "$log" | head -n 1)"
  grep -q "^$vm: ARMVIRT-MAGIC-WARNINGS: 0\$" "$log" || fail "$vm: 'Wrong magic value' in dmesg"
done

# check_root VM IMAGE TOKEN RW: the VM's /dev/vda is IMAGE and only IMAGE.
check_root() {
  local vm=$1 img=$2 tok=$3 rw=$4 md5
  md5=$(md5sum "$img" | cut -d' ' -f1)
  grep -q "^$vm: ARMVIRT-BLOCK: vda \$" "$log" || fail "$vm: block devices: $(grep "^$vm: ARMVIRT-BLOCK" "$log")"
  grep -q "^$vm: ARMVIRT-VDA-MD5: $md5\$" "$log" ||
    fail "$vm: /dev/vda is not its image ($md5): $(grep "^$vm: ARMVIRT-VDA-MD5" "$log")"
  grep -q "^$vm: ARMVIRT-ROOT: ARMVIRT-DISK $vm ARMVIRT-TOKEN-$tok on /dev/" "$log" ||
    fail "$vm: did not switch to its root on /dev/vda"
  grep -q "^$vm: ARMVIRT-REF: $(cat "$img.ref")\$" "$log" || fail "$vm: reference file checksum"
  if [ "$rw" = rw ]; then
    grep -q "^$vm: ARMVIRT-VDA-RO: 0\$" "$log" || fail "$vm: the disk is not writable"
    grep -q "^$vm: ARMVIRT-WRITE: ok [0-9a-f]\{64\}, [1-9][0-9]* sectors written" "$log" ||
      fail "$vm: written file: $(grep "^$vm: ARMVIRT-WRITE" "$log")"
    grep -q "^$vm: virtio-blk: [0-9]* reads ([0-9]* KiB), [1-9][0-9]* writes" "$log" ||
      fail "$vm: the hypervisor counted no writes"
  else
    grep -q "^$vm: ARMVIRT-VDA-RO: 1\$" "$log" || fail "$vm: the disk is not read-only"
    grep -q "^$vm: ARMVIRT-RO: writes refused\$" "$log" || fail "$vm: a write to the read-only disk went through"
  fi
  grep -q "^$vm: ARMVIRT-INIT: done" "$log" || fail "$vm: the root's init did not finish"
}

case "$mode" in
  root)
    grep -q '^armvirt-bm: linux0: virtio-blk: 32 MiB disk image at PA 0x50000000$' "$log" ||
      fail "the hypervisor did not find the disk image"
    check_root linux0 "$work/root0-gicv$gic.ext4" "$tok0" rw
    echo "PASS: armvirt-bm GICv$gic: root file system on virtio-blk, file written and read back in $((end - start)) s"
    ;;
  disks)
    check_root linux0 "$work/root0-gicv$gic.ext4" "$tok0" rw
    check_root linux1 "$work/root1-gicv$gic.ext4" "$tok1" ro
    ! grep -q "^linux0: .*$tok1" "$log" || fail "linux0 saw linux1's marker"
    ! grep -q "^linux1: .*$tok0" "$log" || fail "linux1 saw linux0's marker"
    grep -q '^sgi: PASS sgi (' "$log" || fail "the sgi test VM did not pass"
    echo "PASS: armvirt-bm GICv$gic: two VMs, each on its own disk (linux1 read-only), in $((end - start)) s"
    ;;
  hvc)
    grep -q '^linux0: ARMVIRT-HVC 42 /dev/hvc0$' "$log" || fail "the shell is not on /dev/hvc0"
    grep -q '^linux0: virtio-console: [1-9][0-9]* bytes out, [1-9][0-9]* in' "$log" ||
      fail "the hypervisor counted no virtio-console traffic"
    echo "PASS: armvirt-bm GICv$gic: shell on virtio-console hvc0, virtio-rng, empty slots, in $((end - start)) s"
    ;;
  nornd)
    grep -q '^armvirt-bm: linux0: virtio-rng: the CPU has no RNDR' "$log" ||
      fail "no line saying the virtio-rng is absent"
    ! grep -q '^armvirt-bm: linux0: virtio-rng at ' "$log" || fail "a virtio-rng without RNDR"
    grep -q '^linux0: ARMVIRT-INIT: done' "$log" || fail "the VM did not finish its init"
    echo "PASS: armvirt-bm GICv$gic: no RNDR, no virtio-rng, the VM ran, in $((end - start)) s"
    ;;
esac
grep -E '^armvirt-bm: |ARMVIRT-(BLOCK|VDA|ROOT|REF|WRITE|RO|RNG|HVC|VIRTIO)|: virtio-' "$log" | grep -v 'ARMVIRT-FDT'
