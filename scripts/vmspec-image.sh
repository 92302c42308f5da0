#!/usr/bin/env bash
# Build a VM-spec disk image (doc/firmware.md): a raw disk with a GPT, an EFI System Partition
# (FAT32) holding \EFI\BOOT\BOOTAA64.EFI (GRUB) that boots Debian's arm64 kernel and an
# initramfs, and an ext4 root partition with busybox and /sbin/init. Made from Debian
# packages only (the kernel and busybox through scripts/guest-images.sh, GRUB from
# grub-efi-arm64-bin:arm64), with sgdisk, mkfs.vfat, mtools and mkfs.ext4: nothing mounted,
# no root rights needed beyond installing missing tools.
#
# usage: scripts/vmspec-image.sh OUTDIR [GUEST_IMAGES]
#   GUEST_IMAGES  the scripts/guest-images.sh cache to take the kernel and initramfs from
#                 (default OUTDIR/guest-images; it is filled if needed)
#
# Idempotent and cached: the image is rebuilt only when its inputs (this script, the kernel,
# the base initramfs, the GRUB package) change. Safe to run concurrently (flock on OUTDIR).
#
# OUTDIR afterwards (also printed as KEY=PATH lines on stdout):
#   vmspec.img     the disk image (47 MiB, sparse: about 39 MiB on disk):
#                    LBA 0        protective MBR, GPT header and entries (fixed disk GUID)
#                    1 MiB        partition 1 "EFI system partition" (type EF00), FAT32:
#                                   /EFI/BOOT/BOOTAA64.EFI  GRUB, arm64-efi, embedded config
#                                   /EFI/BOOT/grub.cfg      timeout 0, one entry
#                                   /EFI/armvirt/Image      Debian's kernel (EFI stub)
#                                   /EFI/armvirt/initrd.img guest-images' initramfs + addition
#                    after it     partition 2 "armvirt-root" (type 8305, Linux ARM64 root),
#                                   ext4: /bin/busybox (+ applet links), /sbin/init
#                    last 33 LBAs the backup GPT
#   BOOTAA64.EFI, grub.cfg, initrd.img   copies of what the ESP holds
#   vmspec.env     the KEY=VALUE lines printed: VMSPEC_IMAGE, KERNEL (guest-images' Image,
#                  the ESP's /EFI/armvirt/Image), INITRD, GRUB_CFG, KERNEL_VERSION
#   uboot-env.bin  a U-Boot environment (mkenvimage, 256 KiB): Debian's qemu_arm64 U-Boot's
#                  default environment, taken from u-boot.bin (UBOOT, default
#                  /usr/lib/u-boot/qemu_arm64/u-boot.bin), with bootdelay=0. U-Boot reads its
#                  environment from the start of the second flash bank: a variable bank that
#                  starts with this file (the rest 0xff) boots without the 2 s countdown
#   debs/          the downloaded grub-efi-arm64-bin .deb
#
# Boot markers on the console (ttyAMA0), in order:
#   ARMVIRT-VMSPEC: initramfs
#   ARMVIRT-MODEL: <the DT model>        /proc/device-tree/model, or "(none)" for a tree
#                                        without one, "(no device tree)" (booted with ACPI)
#   ARMVIRT-EFI: yes|no                  /sys/firmware/efi exists
#   ARMVIRT-FW-VENDOR: <vendor>          the EFI system table's vendor (EDK II, Das U-Boot)
#   ARMVIRT-EFIVAR: found <value>        variable ArmvirtTest-<GUID below> existed, or
#   ARMVIRT-EFIVAR: set                  it did not and the initramfs created it, or
#   ARMVIRT-EFIVAR: unsupported          efivarfs refused to create it (no runtime
#                                        SetVariable, as with U-Boot 2023.01)
#   ARMVIRT-VMSPEC: root /dev/vdXN       the root partition found (by its GPT name), mounted
#   ARMVIRT-VMSPEC-INIT: <kernel release>   the root partition's /sbin/init, then poweroff -f
# Errors print ARMVIRT-ERROR: lines. For instruction counts, /bin/armvirt-mark (in the initramfs
# and on the root) executes the mark of test/bench/insn_count_plugin.c: once as the initramfs's
# first command, once as the root init's first command.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 OUTDIR [GUEST_IMAGES]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
mkdir -p "$1"
out=$(cd "$1" && pwd)
guest=${2:-$out/guest-images}
mkdir -p "$guest"
guest=$(cd "$guest" && pwd)

log() { echo "vmspec-image: $*" >&2; }

# The EFI variable the initramfs sets and looks for (efivarfs name: NAME-GUID).
efivar_guid=3f5b9a52-4c1e-4d7b-9a0e-61726d766972
efivar_value=armvirt-vmspec

exec 9>"$out/.lock"
flock 9

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
updated=0
apt_update() { [ "$updated" = 1 ] || { log "apt-get update"; $sudo apt-get update -qq; updated=1; }; }
find_tool() {
  command -v "$1" 2>/dev/null || ls "/usr/sbin/$1" "/sbin/$1" 2>/dev/null | head -n 1
}
# Host tools.
for tool in sgdisk:gdisk mkfs.vfat:dosfstools mcopy:mtools mkfs.ext4:e2fsprogs \
            grub-mkimage:grub-common cpio:cpio gzip:gzip flock:util-linux \
            mkenvimage:u-boot-tools; do
  if [ -z "$(find_tool "${tool%%:*}")" ]; then
    log "installing ${tool#*:}"
    apt_update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${tool#*:}" >/dev/null
  fi
done
sgdisk=$(find_tool sgdisk)
mkfs_vfat=$(find_tool mkfs.vfat)
mkfs_ext4=$(find_tool mkfs.ext4)

# Kernel, base initramfs and busybox from guest-images (cached there).
bash "$here/guest-images.sh" "$guest" >/dev/null
kernel="$guest/Image"
base_initrd="$guest/initramfs.gz"
kver=$(cat "$guest/kernel-version")
bdeb=$(ls -t "$guest"/debs/busybox-static_*_arm64.deb | head -n 1)
kdeb=$(ls -t "$guest"/debs/linux-image-"$kver"_*_arm64.deb 2>/dev/null | head -n 1 || true)

# GRUB for arm64-efi, from the arm64 package (it exists for no other architecture).
debs="$out/debs"
mkdir -p "$debs"
chmod 0777 "$debs"  # apt-get download runs as _apt
# (guest-images.sh above has added the arm64 architecture.)
if ! ls "$debs"/grub-efi-arm64-bin_*_arm64.deb >/dev/null 2>&1; then
  log "downloading grub-efi-arm64-bin:arm64"
  if ! (cd "$debs" && apt-get download -qq grub-efi-arm64-bin:arm64 >/dev/null 2>&1); then
    apt_update
    (cd "$debs" && apt-get download -qq grub-efi-arm64-bin:arm64 >/dev/null)
  fi
fi
gdeb=$(ls -t "$debs"/grub-efi-arm64-bin_*_arm64.deb | head -n 1)
uboot=${UBOOT:-/usr/lib/u-boot/qemu_arm64/u-boot.bin}
if [ ! -s "$uboot" ] && [ -z "${UBOOT:-}" ]; then
  log "installing u-boot-qemu"
  apt_update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends u-boot-qemu >/dev/null
fi

img="$out/vmspec.img"
stamp="$out/vmspec.stamp"
key=$( { cat "$self"; stat -c '%n %s %Y' "$kernel" "$base_initrd" "$bdeb" "$gdeb" "$uboot" ${kdeb:+"$kdeb"}; } |
       sha256sum | cut -d' ' -f1)
env="$out/vmspec.env"
if [ -s "$img" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && [ -s "$env" ]; then
  cat "$env"
  exit 0
fi
log "building $img"
rm -f "$stamp" "$env"
work="$out/work"
rm -rf "$work"
mkdir -p "$work"

# ---- GRUB: BOOTAA64.EFI with an embedded config that finds grub.cfg on the ESP ----
dpkg -x "$gdeb" "$work/grub"
grubdir="$work/grub/usr/lib/grub/arm64-efi"
cat >"$work/embedded.cfg" <<'EOF'
search --no-floppy --set=root --file /EFI/BOOT/grub.cfg
set prefix=($root)/EFI/BOOT
EOF
grub-mkimage -O arm64-efi -d "$grubdir" -c "$work/embedded.cfg" -p /EFI/BOOT \
  -o "$work/BOOTAA64.EFI" \
  part_gpt fat normal linux configfile search search_fs_file echo test boot
cat >"$work/grub.cfg" <<'EOF'
set timeout=0
set default=0
menuentry "armvirt VM-spec image" {
  linux /EFI/armvirt/Image console=ttyAMA0 rdinit=/vmspec-init panic=-1
  initrd /EFI/armvirt/initrd.img
}
EOF

# /bin/armvirt-mark: a 136-byte static AArch64 ELF that executes the insn_count plugin's mark
# (hint #0x70, a NOP on every CPU; test/bench/insn_count_plugin.c) and exits 0, written
# byte by byte so that the image needs no compiler.
le() {
  local v=$1 n=$2 i
  for ((i = 0; i < n; i++)); do printf "\\x$(printf %02x $(((v >> (8 * i)) & 255)))"; done
}
mark_elf() {
  local base=$((0x400000)) code=$((64 + 56)) size=$((64 + 56 + 16))
  # ELF header: ELFCLASS64, little-endian, version 1, System V ABI.
  printf '\177ELF\002\001\001\000'; le 0 8
  le 2 2; le 183 2; le 1 4                 # ET_EXEC, EM_AARCH64, EV_CURRENT
  le $((base + code)) 8; le 64 8; le 0 8   # e_entry, e_phoff, e_shoff
  le 0 4; le 64 2; le 56 2; le 1 2         # e_flags, e_ehsize, e_phentsize, e_phnum
  le 64 2; le 0 2; le 0 2                  # e_shentsize, e_shnum, e_shstrndx
  # One PT_LOAD, read + execute, the whole file at base.
  le 1 4; le 5 4; le 0 8; le $base 8; le $base 8; le $size 8; le $size 8; le 4096 8
  le $((0xd5032e1f)) 4   # hint #0x70 (the insn_count plugin's mark)
  le $((0xd2800000)) 4   # mov x0, #0
  le $((0xd2800ba8)) 4   # mov x8, #93 (exit)
  le $((0xd4000001)) 4   # svc #0
}

# ---- initramfs: guest-images' one plus an addition (/vmspec-init, efivarfs.ko) ----
# The kernel runs rdinit=/vmspec-init instead of the base /init; the base's /bin/load-virtio
# loads the virtio and ext4 modules.
cat >"$work/vmspec-init" <<EOF
#!/bin/busybox sh
export PATH=/bin
efivar=ArmvirtTest-$efivar_guid
efivar_value=$efivar_value
EOF
cat >>"$work/vmspec-init" <<'EOF'
/bin/armvirt-mark
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "ARMVIRT-VMSPEC: initramfs"
# No /proc/device-tree when the firmware gave ACPI tables instead (EDK2 on QEMU without
# acpi=off): "(no device tree)".
if [ ! -e /proc/device-tree/compatible ]; then
  echo "ARMVIRT-MODEL: (no device tree)"
elif [ ! -e /proc/device-tree/model ]; then
  echo "ARMVIRT-MODEL: (none)"
else
  echo "ARMVIRT-MODEL: $(tr -d '\000' </proc/device-tree/model)"
fi
/bin/load-virtio || echo "ARMVIRT-ERROR: modules"
if [ -d /sys/firmware/efi ]; then
  echo "ARMVIRT-EFI: yes"
  # The kernel's EFI stub logs the system table's vendor: "efi: EFI v2.70 by EDK II".
  echo "ARMVIRT-FW-VENDOR: $(dmesg | sed -n 's/.*efi: EFI v[0-9.]* by \(.*\)$/\1/p' | head -n 1)"
  insmod /lib/modules/efivarfs.ko 2>/dev/null
  vars=/sys/firmware/efi/efivars
  if ! mount -t efivarfs efivarfs "$vars"; then
    echo "ARMVIRT-EFIVAR: no efivarfs"
  elif [ -e "$vars/$efivar" ]; then
    # efivarfs: 4 bytes of attributes, then the data.
    echo "ARMVIRT-EFIVAR: found $(tail -c +5 "$vars/$efivar")"
  else
    # Non-volatile, boot service and runtime access (7); one write().
    printf '\007\000\000\000%s' "$efivar_value" >/tmp/efivar
    if cat /tmp/efivar 2>/dev/null >"$vars/$efivar" && [ -e "$vars/$efivar" ]; then
      echo "ARMVIRT-EFIVAR: set"
    else
      echo "ARMVIRT-EFIVAR: unsupported"
    fi
  fi
  umount "$vars" 2>/dev/null
else
  echo "ARMVIRT-EFI: no"
fi
# The root partition: the GPT partition named armvirt-root.
root=""
k=0
while [ -z "$root" ] && [ $k -lt 50 ]; do
  for u in /sys/class/block/*/uevent; do
    if grep -q '^PARTNAME=armvirt-root$' "$u" 2>/dev/null; then
      root=/dev/$(sed -n 's/^DEVNAME=//p' "$u")
    fi
  done
  [ -n "$root" ] || { sleep 0.1; k=$((k + 1)); }
done
if [ -z "$root" ]; then
  echo "ARMVIRT-ERROR: no armvirt-root partition"
elif ! mount -t ext4 -o ro "$root" /newroot; then
  echo "ARMVIRT-ERROR: mount $root failed"
else
  echo "ARMVIRT-VMSPEC: root $root"
  for d in dev proc sys; do mount --move /$d /newroot/$d; done
  exec switch_root /newroot /sbin/init
  echo "ARMVIRT-ERROR: switch_root failed"
fi
poweroff -f
EOF

mkdir -p "$work/addition/lib/modules" "$work/addition/bin"
mark_elf >"$work/addition/bin/armvirt-mark"
chmod 0755 "$work/addition/bin/armvirt-mark"
cp "$work/vmspec-init" "$work/addition/vmspec-init"
chmod 0755 "$work/addition/vmspec-init"
efivarfs_ko=$(ls "$guest"/modules/efivarfs.ko 2>/dev/null || true)
if [ -z "$efivarfs_ko" ]; then
  if [ -z "$kdeb" ]; then
    (cd "$guest/debs" && apt-get download -qq "linux-image-$kver:arm64" >/dev/null)
    kdeb=$(ls -t "$guest"/debs/linux-image-"$kver"_*_arm64.deb | head -n 1)
  fi
  dpkg-deb --fsys-tarfile "$kdeb" |
    tar -x -C "$work" --wildcards '*/kernel/fs/efivarfs/efivarfs.ko'
  efivarfs_ko=$(ls "$work"/lib/modules/*/kernel/fs/efivarfs/efivarfs.ko)
fi
cp "$efivarfs_ko" "$work/addition/lib/modules/efivarfs.ko"
(cd "$work/addition" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
  gzip -9n >"$work/addition.gz"
# Linux unpacks concatenated archives in order.
cat "$base_initrd" "$work/addition.gz" >"$work/initrd.img"

# ---- root partition: ext4 with busybox and /sbin/init ----
r="$work/root"
mkdir -p "$r/bin" "$r/sbin" "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/etc"
dpkg-deb --fsys-tarfile "$bdeb" | tar -x -O ./bin/busybox >"$r/bin/busybox"
chmod 0755 "$r/bin/busybox"
cp "$work/addition/bin/armvirt-mark" "$r/bin/armvirt-mark"
for a in sh cat echo tr mount umount sync uname poweroff sleep ls dmesg; do
  ln -s busybox "$r/bin/$a"
done
cat >"$r/sbin/init" <<'EOF'
#!/bin/sh
export PATH=/bin
/bin/armvirt-mark
echo "ARMVIRT-VMSPEC-INIT: $(uname -r)"
sync
poweroff -f
EOF
chmod 0755 "$r/sbin/init"
echo "armvirt VM-spec root, kernel $kver" >"$r/etc/armvirt-root"
root_mib=8
E2FSPROGS_FAKE_TIME=1 "$mkfs_ext4" -q -F -t ext4 -L armvirt-root \
  -U 6172766d-7370-6563-726f-6f7400000002 -E hash_seed=6172766d-7370-6563-6861-736800000000 \
  -d "$r" "$work/root.ext4" "${root_mib}M" >/dev/null 2>&1

# ---- U-Boot environment with bootdelay=0 ----
# The default environment is a run of NUL-terminated name=value strings in u-boot.bin; find
# the one holding bootdelay= and take the whole run (back to the first string that is no
# name=value, on to the empty string that ends it).
tr '\000' '\n' <"$uboot" | awk '
  { line[NR] = $0 }
  /^bootdelay=[0-9-]+$/ && !at { at = NR }
  END {
    if (!at) exit 1
    s = at
    while (s > 1 && line[s - 1] ~ /^[A-Za-z0-9_.]+=/) s--
    for (i = s; i <= NR && line[i] != ""; i++) print line[i]
  }' >"$work/uboot-env.txt" || { log "no default environment (bootdelay=) in $uboot"; exit 1; }
grep -q '^bootcmd=' "$work/uboot-env.txt" || { log "no bootcmd in $uboot's default environment"; exit 1; }
sed -i 's/^bootdelay=.*/bootdelay=0/' "$work/uboot-env.txt"
mkenvimage -s 0x40000 -o "$work/uboot-env.bin" "$work/uboot-env.txt"
chmod 0644 "$work/uboot-env.bin"

# ---- ESP: FAT32 with 512-byte clusters (at least 65525 clusters: 36 MiB or more) ----
content=$(( $(stat -c %s "$kernel") + $(stat -c %s "$work/initrd.img") + $(stat -c %s "$work/BOOTAA64.EFI") ))
esp_mib=$(( content / 1048576 + 4 ))
[ "$esp_mib" -ge 36 ] || esp_mib=36
"$mkfs_vfat" -F 32 -s 1 -S 512 -n ESP -i 41564d53 -C "$work/esp.fat" $((esp_mib * 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$work/esp.fat" ::/EFI ::/EFI/BOOT ::/EFI/armvirt
mcopy -i "$work/esp.fat" "$work/BOOTAA64.EFI" ::/EFI/BOOT/BOOTAA64.EFI
mcopy -i "$work/esp.fat" "$work/grub.cfg" ::/EFI/BOOT/grub.cfg
mcopy -i "$work/esp.fat" "$kernel" ::/EFI/armvirt/Image
mcopy -i "$work/esp.fat" "$work/initrd.img" ::/EFI/armvirt/initrd.img

# ---- the disk: GPT, ESP at 1 MiB, root after it, backup GPT in the last MiB ----
esp_start=2048
esp_sectors=$((esp_mib * 2048))
root_start=$((esp_start + esp_sectors))
root_sectors=$((root_mib * 2048))
total_sectors=$((root_start + root_sectors + 2048))
rm -f "$img.tmp"
truncate -s $((total_sectors * 512)) "$img.tmp"
"$sgdisk" -U 6172766d-7370-6563-6469-736b00000000 \
  -n 1:$esp_start:+$esp_sectors -t 1:EF00 -c 1:"EFI system partition" \
  -u 1:6172766d-7370-6563-6573-700000000001 \
  -n 2:$root_start:+$root_sectors -t 2:8305 -c 2:armvirt-root \
  -u 2:6172766d-7370-6563-726f-6f7400000002 \
  "$img.tmp" >/dev/null
dd if="$work/esp.fat" of="$img.tmp" bs=1M seek=$((esp_start / 2048)) conv=notrunc,sparse status=none
dd if="$work/root.ext4" of="$img.tmp" bs=1M seek=$((root_start / 2048)) conv=notrunc,sparse status=none
# (sgdisk 1.0.9 silently writes nothing when given -q with these options: check the table.)
if ! "$sgdisk" -v "$img.tmp" | grep -q 'No problems found' ||
   ! "$sgdisk" -i 1 "$img.tmp" | grep -q '^Partition GUID code: C12A7328-F81F-11D2-BA4B-00A0C93EC93B' ||
   ! "$sgdisk" -i 2 "$img.tmp" | grep -q '^Partition name: .armvirt-root.'; then
  log "the GPT of $img.tmp is not as written"
  exit 1
fi
mv "$img.tmp" "$img"
cp "$work/BOOTAA64.EFI" "$work/grub.cfg" "$work/initrd.img" "$work/uboot-env.bin" "$out/"
rm -rf "$work"
echo "$key" >"$stamp"
log "$img: ESP $esp_mib MiB, root $root_mib MiB"

cat >"$env" <<EOF
VMSPEC_IMAGE=$img
KERNEL=$kernel
INITRD=$out/initrd.img
GRUB_CFG=$out/grub.cfg
KERNEL_VERSION=$kver
UBOOT_ENV=$out/uboot-env.bin
EOF
cat "$env"
