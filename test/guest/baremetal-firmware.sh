#!/usr/bin/env bash
# Firmware boot under armvirt-bm (doc/baremetal.md "Firmware", doc/firmware.md): two VMs at
# the same time, one running EDK2 (QEMU_EFI.fd), one U-Boot (qemu_arm64 u-boot.bin), each
# from CFI flash and each with its own copy of the VM-spec disk image
# (scripts/vmspec-image.sh), to the image's init.
#
# usage: baremetal-firmware.sh MODE BM_DIR VMSPEC_DIR GUEST_IMAGES WORK_DIR GIC [--count PLUGIN_SRC]
#   MODE          both: armvirt-bm-firmware.bin, the two VMs (the test); edk2, uboot,
#                 direct: armvirt-bm-firmware-MODE.bin, that VM alone (the benchmark's runs;
#                 direct: the image's kernel, initramfs and command line, no firmware)
#   BM_DIR        where the armvirt-bm-*.bin images are (examples/baremetal/vm_firmware.c)
#   VMSPEC_DIR    where scripts/vmspec-image.sh keeps vmspec.img (built there if missing)
#   GUEST_IMAGES  the scripts/guest-images.sh cache the image is made from
#   --count PLUGIN_SRC  build test/bench/insn_count_plugin.c, run under -icount shift=0 with
#                 it and print the whole-system instructions (hypervisor included) from
#                 QEMU's start to the initramfs's first command and to the root's init (the
#                 image's two marks), as test/guest/vmspec-qemu.sh does on plain QEMU
#                 refused: armvirt-bm-firmware.bin with nothing loaded: each VM is refused
#                 with one line, the hypervisor exits with a failure status
# Environment: QEMU, EDK2_FD (default /usr/share/qemu-efi-aarch64/QEMU_EFI.fd), UBOOT_BIN
# (default /usr/lib/u-boot/qemu_arm64/u-boot.bin).
#
# QEMU loads the hypervisor (-kernel), the firmware files, the U-Boot environment that
# starts the uboot VM's variable bank (the image's uboot-env.bin: bootdelay=0) and the disk
# images (-device loader) where vm_firmware.c says. Each disk copy is grown to the VM's 128 MiB
# disk with its backup GPT moved to the new end (sgdisk -e), as a disk image written to a
# larger disk is.
#
# Passes when QEMU exits 0 before the timeout (the VMs powered off, exit statistics
# printed) and, for each VM: the firmware booted the image's GRUB and kernel through UEFI
# (ARMVIRT-EFI: yes, the vendor EDK II or Das U-Boot, U-Boot's environment read from flash;
# direct: no UEFI), Linux saw armvirt's
# device tree (model armvirt), mounted the image's root partition from its own virtio disk
# and ran its init (ARMVIRT-VMSPEC-INIT); the EDK2 VM set its UEFI variable (non-volatile,
# so written to flash bank 1: the hypervisor counted programs there) and nothing was
# written to a code bank; both: the VMs ran at once (each printed its first line before
# the other reached its init); no ARMVIRT-ERROR line.
set -uo pipefail

mode=$1 bm=$2 vmspec=$3 images=$4 work=$5 gic=$6
shift 6
plugin_src=""
if [ "${1:-}" = --count ]; then plugin_src=$2; fi
qemu=${QEMU:-qemu-system-aarch64}
edk2=${EDK2_FD:-/usr/share/qemu-efi-aarch64/QEMU_EFI.fd}
uboot=${UBOOT_BIN:-/usr/lib/u-boot/qemu_arm64/u-boot.bin}
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
log="$work/console-$mode-gicv$gic.log"
case "$mode" in
  both) hyp="$bm/armvirt-bm-firmware.bin" vms=(edk2 uboot) ;;
  edk2 | uboot | direct) hyp="$bm/armvirt-bm-firmware-$mode.bin" vms=("$mode") ;;
  refused) hyp="$bm/armvirt-bm-firmware.bin" vms=() ;;
  *) echo "usage: $0 both|edk2|uboot|direct|refused BM_DIR VMSPEC_DIR GUEST_IMAGES WORK_DIR GIC [--count PLUGIN_SRC]" >&2; exit 2 ;;
esac
disk_size=$((128 << 20))   # bm_vm_desc::disk.size in vm_firmware.c

fail() { echo "FAIL: $*"; echo "---- console ($log) ----"; tail -n 80 "$log" 2>/dev/null; exit 1; }

for f in "$hyp" "$edk2" "$uboot"; do
  [ -s "$f" ] || fail "missing $f"
done
bash "$top/scripts/vmspec-image.sh" "$vmspec" "$images" >"$work/vmspec-image.log" 2>&1 ||
  { cat "$work/vmspec-image.log"; fail "scripts/vmspec-image.sh failed"; }
img="$vmspec/vmspec.img"
[ -s "$img" ] || fail "no $img"
sgdisk=$(command -v sgdisk || ls /usr/sbin/sgdisk /sbin/sgdisk 2>/dev/null | head -n 1)
[ -n "$sgdisk" ] || fail "sgdisk not found (gdisk)"
size=$(stat -c %s "$img")
[ "$size" -le "$disk_size" ] || fail "$img is $size bytes, more than the VMs' $disk_size-byte disks"

val() { sed -n "s/^$1=//p" "$vmspec/vmspec.env"; }
[ -s "$(val UBOOT_ENV)" ] || fail "no UBOOT_ENV in $vmspec/vmspec.env"
# Each VM's own copy, grown to its disk's size; what QEMU loads for it.
args=()
for vm in "${vms[@]}"; do
  rm -f "$work/$vm.img"
  cp --sparse=always "$img" "$work/$vm.img" || fail "cannot copy $img"
  truncate -s "$disk_size" "$work/$vm.img"
  "$sgdisk" -e "$work/$vm.img" >/dev/null || fail "sgdisk -e $vm.img"
  case $vm in
    edk2) args+=(-device "loader,file=$edk2,addr=0x4c000000,force-raw=on") ;;
    uboot)
      # The image's U-Boot environment without the countdown starts the variable bank.
      args+=(-device "loader,file=$uboot,addr=0x4c400000,force-raw=on"
             -device "loader,file=$(val UBOOT_ENV),addr=0x4c800000,force-raw=on") ;;
    direct)
      # The image's kernel, initramfs and the command line of its grub.cfg.
      args+=(-device "loader,file=$(val KERNEL),addr=0x44000000,force-raw=on" -initrd "$(val INITRD)"
             -append "$(sed -n 's/^ *linux [^ ]* //p' "$(val GRUB_CFG)")") ;;
  esac
  # Its disk's address in vm_firmware.c.
  disk_pa=0x50000000
  [ "$vm" = uboot ] && disk_pa=0x58000000
  args+=(-device "loader,file=$work/$vm.img,addr=$disk_pa,force-raw=on")
done
extra=()
if [ -n "$plugin_src" ]; then
  ${CC:-cc} -shared -fPIC -O2 -fvisibility=hidden -o "$work/insn_count.so" "$plugin_src" ||
    fail "cannot build the plugin"
  extra=(-icount shift=0 -plugin "$work/insn_count.so,out=$work/marks-$mode.txt")
fi

start=$(date +%s)
timeout 400 "$qemu" -M "virt,virtualization=on,gic-version=$gic" -cpu max,pauth=off -smp 2 -m 2G \
  -nographic -nic none -semihosting -kernel "$hyp" "${args[@]}" "${extra[@]}" >"$log" 2>&1 </dev/null
rc=$?
end=$(date +%s)
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"

if [ "$mode" = refused ]; then
  # Nothing loaded: each VM refused with one line, the hypervisor ends with status 2.
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "QEMU exit status $rc: expected the hypervisor's failure"
  for f in edk2:0x4c000000 uboot:0x4c400000; do
    n=$(grep -c "^armvirt-bm: ${f%%:*}: not started: firmware: nothing loaded at ${f#*:} (-device loader" "$log")
    [ "$n" -eq 1 ] || fail "${f%%:*}: $n lines saying no firmware was loaded, expected 1"
  done
  ! grep -q '^armvirt-bm: .*: not started: [^f]' "$log" || fail "a second line for a refused VM"
  ! grep -q ': flash[01]: ' "$log" || fail "a refused VM has flash statistics"
  echo "PASS: armvirt-bm GICv$gic: refused: no firmware loaded, both VMs refused with one line each, status $rc"
  grep '^armvirt-bm: ' "$log"
  exit 0
fi
[ "$rc" -eq 0 ] || fail "QEMU exit status $rc (124 = timeout)"
grep -q 'armvirt-bm: all VMs are off; exit statistics:' "$log" || fail "no exit statistics"
# line VM PATTERN: the number of the first console line of VM matching PATTERN (0: none).
line() { grep -n "^$1: $2" "$log" | head -n 1 | cut -d: -f1; }
# expect PATTERN WHY: a console line matches PATTERN (a grep regex), or the test fails.
expect() { grep -q -- "$1" "$log" || fail "$2"; }
for vm in "${vms[@]}"; do
  ! grep -q "^$vm: ARMVIRT-ERROR" "$log" || fail "$(grep "^$vm: ARMVIRT-ERROR" "$log" | head -n 1)"
  if [ "$vm" = direct ]; then
    checks="^$vm: ARMVIRT-EFI: no\$|Linux was booted through UEFI without firmware"
  else
    checks="^armvirt-bm: $vm: firmware: code bank 4 MiB at IPA 0\(x0\)\? |the hypervisor did not set up its flash
^$vm: ARMVIRT-EFI: yes\$|Linux was not booted through UEFI
^$vm: flash0: 0 programs, 0 erases|the code bank was written (or no flash statistics)"
  fi
  while IFS='|' read -r pattern why; do
    expect "$pattern" "$vm: $why"
  done <<EOF
$checks
^$vm: ARMVIRT-MODEL: armvirt\$|Linux did not get armvirt's device tree
^$vm: ARMVIRT-VMSPEC: root /dev/vda2\$|the root partition was not found on its disk
^$vm: ARMVIRT-VMSPEC-INIT: |the image's init did not run
EOF
  case $vm in
    edk2)
      expect '^edk2: ARMVIRT-FW-VENDOR: EDK II$' "edk2: the firmware vendor is not EDK II"
      expect '^edk2: ARMVIRT-EFIVAR: set$' "edk2: $(grep '^edk2: ARMVIRT-EFIVAR' "$log" || echo 'no EFI variable line')"
      expect '^edk2: flash1: [1-9][0-9]* programs' "edk2: nothing was programmed into the variable bank" ;;
    uboot)
      expect '^uboot: ARMVIRT-FW-VENDOR: Das U-Boot$' "uboot: the firmware vendor is not U-Boot"
      expect '^uboot: Loading Environment from Flash... OK$' "uboot: its environment was not read from flash bank 1" ;;
  esac
done
if [ "$mode" = both ]; then
  # Both at once: each VM's first line comes before the other's init.
  e0=$(grep -n '^edk2: ' "$log" | head -n 1 | cut -d: -f1)
  u0=$(grep -n '^uboot: ' "$log" | head -n 1 | cut -d: -f1)
  [ "${e0:-0}" -gt 0 ] && [ "${u0:-0}" -gt 0 ] &&
    [ "$e0" -lt "$(line uboot ARMVIRT-VMSPEC-INIT)" ] && [ "$u0" -lt "$(line edk2 ARMVIRT-VMSPEC-INIT)" ] ||
    fail "the two VMs did not run at the same time"
fi
if [ -n "$plugin_src" ]; then
  m=($(sed -n 's/^MARK [0-9]* 0x70 \([0-9]*\).*/\1/p' "$work/marks-$mode.txt"))
  [ "${#m[@]}" -eq 2 ] || fail "${#m[@]} marks in $work/marks-$mode.txt, expected 2"
  echo "INSNS bm $mode: to initramfs ${m[0]}, to init ${m[1]}"
fi

if [ "$mode" = both ]; then
  echo "PASS: armvirt-bm GICv$gic: EDK2 and U-Boot VMs booted their VM-spec images to init at once in $((end - start)) s"
else
  echo "PASS: armvirt-bm GICv$gic: $mode: the VM-spec image booted to init in $((end - start)) s"
fi
grep -E '^armvirt-bm: |ARMVIRT-(MODEL|EFI|FW-VENDOR|EFIVAR|VMSPEC)|: flash[01]: ' "$log"
