#!/usr/bin/env bash
# imgcheck.vmspec: the image scripts/vmspec-image.sh builds (GRUB as BOOTAA64.EFI on a FAT32
# ESP, doc/firmware.md) passes armvirt-imgcheck with no error and no warning; a copy whose
# ESP has the Linux type instead, and one whose loader is cut to 32 bytes, are refused
# (exit 1), so the check is not vacuous.
# usage: imgcheck-vmspec.sh ARMVIRT-IMGCHECK VMSPEC.IMG WORK_DIR
#        (VMSPEC.IMG is only read; the broken copies are made in WORK_DIR)
set -uo pipefail
check=$1 img=$2 work=$3
export PATH=$PATH:/usr/sbin:/sbin
fail() { echo "FAIL: $*"; exit 1; }
[ -s "$img" ] || fail "no $img (scripts/vmspec-image.sh makes it: ctest fixture av_vmspec_image)"
rm -rf "$work"
mkdir -p "$work"

"$check" "$img" | tee "$work/out"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || fail "armvirt-imgcheck $img exited $rc"
grep -q ": 0 error(s), 0 warning(s)$" "$work/out" || fail "findings on $img"

cp --sparse=always "$img" "$work/linuxtype.img"
sgdisk -t 1:8300 "$work/linuxtype.img" >/dev/null || fail "sgdisk"
"$check" "$work/linuxtype.img" | tee "$work/out"
[ "${PIPESTATUS[0]}" -eq 1 ] || fail "an ESP of type 8300 passed"
grep -q "no EFI System Partition" "$work/out" || fail "no finding about the ESP type"

# Replace the loader by its first 32 bytes (mtools on the ESP at its partition offset).
cp --sparse=always "$img" "$work/cut.img"
start=$(sgdisk -i 1 "$work/cut.img" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
[ -n "$start" ] || fail "no ESP start from sgdisk"
mcopy -n -i "$work/cut.img@@$((start * 512))" ::/EFI/BOOT/BOOTAA64.EFI "$work/loader.efi" || fail "mcopy out"
head -c 32 "$work/loader.efi" >"$work/short.efi"
mcopy -o -i "$work/cut.img@@$((start * 512))" "$work/short.efi" ::/EFI/BOOT/BOOTAA64.EFI || fail "mcopy in"
"$check" "$work/cut.img" | tee "$work/out"
[ "${PIPESTATUS[0]}" -eq 1 ] || fail "a 32-byte BOOTAA64.EFI passed"
grep -q "32 bytes, too small" "$work/out" || fail "no finding about the loader"

rm -rf "$work"
echo "PASS: imgcheck.vmspec: $(basename "$img") ($(stat -c %s "$img") bytes) passes armvirt-imgcheck"
