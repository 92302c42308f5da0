#!/bin/sh
# The guest side of kvm.virtio (test/kvm/kvm-test.sh virtio): /scenario.sh in the guest's
# initramfs (scripts/guest-images.sh's init runs it for an unknown armvirt.scenario).
#   armvirt.scenario=virtio-disks armvirt.token=T  under --disk disk.ext4 --disk raw.img
#       --disk ro.ext4,ro --rng: the virtio devices and the empty slots, a file written to
#       the ext4 disk, "ARMVIRT-RAW-T" written at sector 2048 of the raw disk, writes to
#       the read-only disk refused, entropy from /dev/hwrng. Prints VIRTIO-* lines.
#   armvirt.scenario=virtio-hvc  under --console virtio with console=hvc0: a shell on
#       /dev/hvc0 (the host types into armvirt-vmm's stdin once it sees HVC-READY).
export PATH=/bin
scenario="" token=""
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    armvirt.scenario=*) scenario=${arg#armvirt.scenario=} ;;
    armvirt.token=*) token=${arg#armvirt.token=} ;;
  esac
done

# wait_for TEST ARG: up to 10 s
wait_for() {
  k=0
  while ! test "$1" "$2" && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
}

case "$scenario" in
virtio-disks)
  /bin/load-virtio || echo "VIRTIO-ERROR: load-virtio failed"
  wait_for -b /dev/vdc
  wait_for -e /sys/class/misc/hw_random/rng_current
  echo "VIRTIO-WRONG-MAGIC: $(dmesg | grep -c 'Wrong magic value')"
  echo "VIRTIO-MMIO-SLOTS: $(ls -d /sys/bus/platform/devices/*.virtio_mmio | wc -l)"
  echo "VIRTIO-DEVICES: $(ls /sys/bus/virtio/devices | wc -l)"
  for d in /sys/bus/virtio/devices/*; do
    echo "VIRTIO-DEV: ${d##*/} id=$(cat "$d/device") driver=$(readlink "$d/driver" | sed 's,.*/,,')"
  done
  for b in vda vdb vdc; do
    echo "VIRTIO-BLK: $b size=$(cat /sys/block/$b/size) ro=$(cat /sys/block/$b/ro) serial=$(cat /sys/block/$b/serial 2>/dev/null)"
  done

  # (a) the ext4 disk: a file written, synced, the file system unmounted.
  mkdir -p /mnt
  if mount -t ext4 /dev/vda /mnt; then
    echo "VIRTIO-EXT4-READ: $(cat /mnt/armvirt.txt)"
    echo "written by the guest $token" >/mnt/guest.txt
    sync
    echo "VIRTIO-FSTRIM: $(fstrim -v /mnt 2>&1)"
    umount /mnt && echo "VIRTIO-EXT4: written"
  else
    echo "VIRTIO-ERROR: mount /dev/vda failed"
  fi
  # The raw disk: a pattern at sector 2048, flushed, read back with O_DIRECT.
  if printf 'ARMVIRT-RAW-%s' "$token" | dd of=/dev/vdb bs=512 seek=2048 conv=sync,fsync 2>/dev/null; then
    echo "VIRTIO-RAW: written"
  fi
  echo "VIRTIO-RAW-READ: $(dd if=/dev/vdb bs=512 skip=2048 count=1 iflag=direct 2>/dev/null | tr -d '\000')"

  # (b) the read-only disk (a copy of the ext4 image): the block device refuses writes
  # (EPERM), ext4 mounts it read-only however asked, and a file write fails (EROFS).
  echo "VIRTIO-RO-SYSFS: $(cat /sys/block/vdc/ro)"
  if dd if=/dev/zero of=/dev/vdc bs=4096 count=1 oflag=direct 2>/tmp/err; then
    echo "VIRTIO-RO-WRITE: accepted"
  else
    echo "VIRTIO-RO-WRITE: refused: $(grep -v records /tmp/err | head -n 1)"
  fi
  mkdir -p /mnt2
  if mount -t ext4 -o rw /dev/vdc /mnt2; then
    echo "VIRTIO-RO-MOUNT: $(grep ' /mnt2 ' /proc/mounts | cut -d ' ' -f 4 | cut -d , -f 1)"
    echo "VIRTIO-RO-READ: $(cat /mnt2/armvirt.txt)"
    if echo x 2>/tmp/err >/mnt2/new.txt; then
      echo "VIRTIO-RO-FS-WRITE: accepted"
    else
      echo "VIRTIO-RO-FS-WRITE: refused: $(cat /tmp/err)"
    fi
    umount /mnt2
  else
    echo "VIRTIO-ERROR: mount /dev/vdc failed"
  fi

  # (d) entropy
  echo "VIRTIO-RNG-CURRENT: $(cat /sys/class/misc/hw_random/rng_current)"
  echo "VIRTIO-RNG-BYTES: $(head -c 4096 /dev/hwrng | wc -c)"
  echo "VIRTIO-RNG-SAMPLE: $(head -c 32 /dev/hwrng | od -An -tx1 | tr -d ' \n')"
  echo "VIRTIO-DONE"
  ;;
virtio-hvc)
  # No console until virtio_console is loaded: init has no standard streams until then.
  /bin/load-virtio
  wait_for -c /dev/hvc0
  exec setsid sh -c 'exec </dev/hvc0 >/dev/hvc0 2>&1; echo "HVC-READY"; exec sh'
  ;;
*)
  echo "ARMVIRT-ERROR: unknown scenario $scenario"
  ;;
esac
