#!/usr/bin/env bash
# Prepare the Linux guest images the `linux` tests boot: Debian's arm64 kernel and a small
# busybox initramfs. Idempotent: everything is cached in OUTDIR and rebuilt only when missing
# (or, for the initramfs, when its init script changes).
#
# usage: scripts/guest-images.sh OUTDIR
#
# Layout of OUTDIR afterwards (also printed as KEY=PATH lines on stdout):
#   Image           the uncompressed arm64 kernel Image (magic "ARM\x64" checked)
#   initramfs.gz    gzip'd newc cpio: /bin/busybox, /init, /lib/modules/*.ko (virtio_mmio,
#                   virtio_blk, virtio_console, virtio-rng, virtio_net with net_failover and
#                   failover, ext4 with jbd2, mbcache, crc16,
#                   crc32c_generic: uncompressed modules of the same kernel package, loaded
#                   by the `passthrough` scenario; `/bin/load-virtio` loads them all in
#                   dependency order, for scenario scripts)
#   disk.ext4       an 8 MiB ext4 image (mkfs.ext4 -d, nothing mounted) holding
#                   /armvirt.txt = "ARMVIRT-EXT4-OK <kernel version>"
#   kernel-version  the Debian kernel ABI name, e.g. 6.1.0-56-arm64
#   debs/           the downloaded .deb files
#
# The init script mounts proc, sysfs and devtmpfs, runs the scenario named by
# `armvirt.scenario=NAME` on the kernel command line (default: info), then `poweroff -f`.
# Scenarios: info (prints ARMVIRT-* marker lines, /proc/device-tree/chosen/bootargs and
# /proc/interrupts), shell (an interactive shell), baremetal (armvirt-bm's checks: the DT
# model, /proc/cpuinfo, /proc/interrupts, the date from the RTC), or /scenario.sh if the
# initramfs has one; multi (armvirt-bm with several VMs: CPUs, /proc/cpuinfo, a short
# workload on every CPU) and passthrough (load the virtio and ext4 modules, mount the
# virtio-blk disk read-only, print its file).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi

log() { echo "guest-images: $*" >&2; }

updated=0
apt_update() {
  if [ "$updated" -eq 0 ]; then
    log "apt-get update"
    $sudo apt-get update -qq
    updated=1
  fi
}

# Host tools: cpio and gzip build the initramfs, e2fsprogs (mkfs.ext4) the disk image.
for tool in cpio:cpio gzip:gzip mkfs.ext4:e2fsprogs; do
  if ! command -v "${tool%%:*}" >/dev/null 2>&1 && ! [ -x "/usr/sbin/${tool%%:*}" ] &&
     ! [ -x "/sbin/${tool%%:*}" ]; then
    log "installing ${tool#*:}"
    apt_update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${tool#*:}" >/dev/null
  fi
done
mkfs_ext4=$(command -v mkfs.ext4 || ls /usr/sbin/mkfs.ext4 /sbin/mkfs.ext4 2>/dev/null | head -n 1)

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  log "adding the arm64 architecture"
  $sudo dpkg --add-architecture arm64
  updated=0
  apt_update
fi

# apt-get download, in a directory the _apt user can write; refresh the lists once if the
# package is unknown.
debs="$out/debs"
mkdir -p "$debs"
chmod 0777 "$debs"
download() {
  if ! (cd "$debs" && apt-get download -qq "$@" >/dev/null 2>&1); then
    apt_update
    (cd "$debs" && apt-get download -qq "$@" >/dev/null)
  fi
}

# Resolve the versioned kernel package through the metapackage's dependency.
resolve_kernel() {
  apt-cache depends linux-image-arm64:arm64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[^ :]*-arm64\).*/\1/p' | head -n 1
}

# ---- kernel ----
image="$out/Image"
if [ ! -s "$image" ]; then
  kpkg=$(resolve_kernel)
  if [ -z "$kpkg" ]; then
    apt_update
    kpkg=$(resolve_kernel)
  fi
  if [ -z "$kpkg" ]; then
    log "cannot resolve linux-image-arm64:arm64 to a kernel package"
    exit 1
  fi
  log "downloading $kpkg:arm64"
  download "$kpkg:arm64"
  kdeb=$(ls -t "$debs"/"$kpkg"_*_arm64.deb | head -n 1)
  kroot="$out/kernel-root"
  rm -rf "$kroot"
  mkdir -p "$kroot"
  dpkg -x "$kdeb" "$kroot"
  vmlinuz=$(ls "$kroot"/boot/vmlinuz-* | head -n 1)
  # Debian ships an uncompressed Image today; accept a gzip'd one too.
  if [ "$(head -c 2 "$vmlinuz" | od -An -tx1 | tr -d ' \n')" = "1f8b" ]; then
    gunzip -c "$vmlinuz" >"$image.tmp"
  else
    cp "$vmlinuz" "$image.tmp"
  fi
  # arm64 Image header: magic "ARM\x64" at offset 0x38.
  magic=$(dd if="$image.tmp" bs=1 skip=56 count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')
  if [ "$magic" != "41524d64" ]; then
    log "$vmlinuz is not an arm64 Image (magic at 0x38: $magic)"
    rm -f "$image.tmp"
    exit 1
  fi
  mv "$image.tmp" "$image"
  basename "$vmlinuz" | sed 's/^vmlinuz-//' >"$out/kernel-version"
  rm -rf "$kroot"
fi

# ---- busybox initramfs ----
init_script=$(cat <<'EOF'
#!/bin/busybox sh
export PATH=/bin
# Called as /bin/load-virtio: load the virtio (blk, console, rng, net) and ext4 modules (dependencies first), quietly
# skipping those already loaded; exit status 1 if one failed.
if [ "${0##*/}" = load-virtio ]; then
  rc=0
  for m in virtio_mmio virtio_blk virtio_console virtio-rng failover net_failover virtio_net \
           crc16 mbcache jbd2 crc32c_generic ext4; do
    n=$(echo "$m" | tr - _)
    grep -q "^$n " /proc/modules 2>/dev/null && continue
    insmod "/lib/modules/$m.ko" || { echo "ARMVIRT-ERROR: insmod $m"; rc=1; }
  done
  exit $rc
fi
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "ARMVIRT-INIT: start"
scenario=info
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    armvirt.scenario=*) scenario=${arg#armvirt.scenario=} ;;
  esac
done
echo "ARMVIRT-SCENARIO: $scenario"
case "$scenario" in
  info)
    echo "ARMVIRT-MODEL: $(tr -d '\000' </proc/device-tree/model)"
    echo "ARMVIRT-BOOTARGS: $(tr -d '\000' </proc/device-tree/chosen/bootargs)"
    echo "ARMVIRT-CPUS: $(grep -c '^processor' /proc/cpuinfo)"
    echo "ARMVIRT-INTERRUPTS-BEGIN"
    cat /proc/interrupts
    echo "ARMVIRT-INTERRUPTS-END"
    ;;
  shell)
    setsid cttyhack sh
    ;;
  baremetal)
    echo "ARMVIRT-MODEL: $(tr -d '\000' </proc/device-tree/model)"
    echo "ARMVIRT-CPUS: $(grep -c '^processor' /proc/cpuinfo)"
    echo "ARMVIRT-CPUINFO-BEGIN"
    cat /proc/cpuinfo
    echo "ARMVIRT-CPUINFO-END"
    echo "ARMVIRT-INTERRUPTS-BEGIN"
    cat /proc/interrupts
    echo "ARMVIRT-INTERRUPTS-END"
    echo "ARMVIRT-DATE: $(date -u '+%Y-%m-%d %H:%M:%S')"
    echo "ARMVIRT-RTC: $(cat /sys/class/rtc/rtc0/name 2>/dev/null) $(cat /sys/class/rtc/rtc0/date 2>/dev/null)"
    ;;
  multi)
    echo "ARMVIRT-MODEL: $(tr -d '\000' </proc/device-tree/model)"
    echo "ARMVIRT-CPUS: $(grep -c '^processor' /proc/cpuinfo)"
    grep '^processor' /proc/cpuinfo
    # A short workload on every CPU: one busy shell loop per CPU, results summed.
    n=$(grep -c '^processor' /proc/cpuinfo)
    i=0
    while [ "$i" -lt "$n" ]; do
      ( s=0; k=0; while [ $k -lt 3000 ]; do s=$((s + k * k % 7)); k=$((k + 1)); done
        echo "$s" >/tmp/work.$i ) &
      i=$((i + 1))
    done
    wait
    echo "ARMVIRT-WORK: $(cat /tmp/work.* | tr '\n' ' ')"
    ;;
  passthrough)
    echo "ARMVIRT-CPUS: $(grep -c '^processor' /proc/cpuinfo)"
    for m in virtio_mmio virtio_blk crc16 mbcache jbd2 crc32c_generic ext4; do
      if insmod "/lib/modules/$m.ko"; then echo "ARMVIRT-INSMOD: $m"; else echo "ARMVIRT-ERROR: insmod $m"; fi
    done
    k=0
    while [ ! -b /dev/vda ] && [ $k -lt 50 ]; do sleep 0.1; k=$((k + 1)); done
    echo "ARMVIRT-DISK: $(cat /sys/block/vda/size 2>/dev/null) sectors"
    mkdir -p /mnt
    if mount -t ext4 -o ro /dev/vda /mnt; then
      echo "ARMVIRT-FILE: $(cat /mnt/armvirt.txt)"
      umount /mnt
    else
      echo "ARMVIRT-ERROR: mount /dev/vda failed"
    fi
    ;;
  *)
    if [ -x /scenario.sh ]; then /scenario.sh; else echo "ARMVIRT-ERROR: unknown scenario $scenario"; fi
    ;;
esac
echo "ARMVIRT-INIT: done"
sync
poweroff -f
EOF
)

initrd="$out/initramfs.gz"
stamp="$out/initramfs.init"
if [ ! -s "$initrd" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$init_script" ]; then
  if ! ls "$debs"/busybox-static_*_arm64.deb >/dev/null 2>&1; then
    log "downloading busybox-static:arm64"
    download busybox-static:arm64
  fi
  bdeb=$(ls -t "$debs"/busybox-static_*_arm64.deb | head -n 1)
  broot="$out/busybox-root"
  rm -rf "$broot"
  mkdir -p "$broot"
  dpkg -x "$bdeb" "$broot"
  root="$out/initramfs-root"
  rm -rf "$root"
  mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/lib/modules"
  cp "$broot/bin/busybox" "$root/bin/busybox"
  # The modules the passthrough scenario loads, from the kernel package (uncompressed .ko).
  kdeb=$(ls -t "$debs"/linux-image-*-arm64_*_arm64.deb 2>/dev/null | head -n 1)
  if [ -z "$kdeb" ]; then
    download "linux-image-$(cat "$out/kernel-version"):arm64"
    kdeb=$(ls -t "$debs"/linux-image-*-arm64_*_arm64.deb | head -n 1)
  fi
  mroot="$out/modules-root"
  rm -rf "$mroot"
  mkdir -p "$mroot"
  dpkg -x "$kdeb" "$mroot"
  for m in drivers/virtio/virtio_mmio drivers/block/virtio_blk lib/crc16 fs/mbcache fs/jbd2/jbd2 \
           crypto/crc32c_generic fs/ext4/ext4 drivers/char/virtio_console \
           drivers/char/hw_random/virtio-rng net/core/failover drivers/net/net_failover \
           drivers/net/virtio_net; do
    cp "$(ls "$mroot"/lib/modules/*/kernel/$m.ko)" "$root/lib/modules/"
  done
  rm -rf "$mroot"
  printf '%s\n' "$init_script" >"$root/init"
  chmod 0755 "$root/init" "$root/bin/busybox"
  ln -s ../init "$root/bin/load-virtio"
  (cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) |
    gzip -9 >"$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  printf '%s' "$init_script" >"$stamp"
  rm -rf "$broot" "$root"
fi

# ---- ext4 disk image for the pass-through demo ----
disk="$out/disk.ext4"
if [ ! -s "$disk" ]; then
  droot="$out/disk-root"
  rm -rf "$droot"
  mkdir -p "$droot"
  echo "ARMVIRT-EXT4-OK $(cat "$out/kernel-version")" >"$droot/armvirt.txt"
  rm -f "$disk.tmp"
  "$mkfs_ext4" -q -F -t ext4 -L armvirt -d "$droot" "$disk.tmp" 8M
  mv "$disk.tmp" "$disk"
  rm -rf "$droot"
fi

echo "IMAGE=$image"
echo "INITRD=$initrd"
echo "DISK=$disk"
echo "KERNEL_VERSION=$(cat "$out/kernel-version")"
