#!/usr/bin/env bash
# The reference boots of the VM-spec image (scripts/vmspec-image.sh, doc/firmware.md) on plain
# QEMU virt: what armvirt-vmm and armvirt-bm are compared against.
#
# usage: vmspec-qemu.sh MODE VMSPEC_DIR WORK_DIR [--count PLUGIN_SRC]
#   MODE  edk2    Debian's EDK2 as pflash (FW_CODE, default AAVMF_CODE.fd; a fresh copy of
#                 FW_VARS, default AAVMF_VARS.fd), booted twice with the same vars: the first
#                 run's guest sets the EFI variable, the second finds it
#         qemuefi the same with QEMU_EFI.fd (2 MiB, padded) and a vars bank of 64 MiB of 0xff
#                 (erased flash, which EDK2 formats): what armvirt-vmm --firmware gets
#         uboot   Debian's U-Boot (UBOOT, default qemu_arm64/u-boot.bin) as -bios: its EFI
#                 loader starts \EFI\BOOT\BOOTAA64.EFI from the ESP; its environment is the
#                 default one (the second flash bank is empty): 2 s autoboot countdown
#         ubootenv the same with a second flash bank that starts with the image's
#                 uboot-env.bin (the default environment with bootdelay=0), the rest 0xff
#         direct  no firmware: -kernel/-initrd with the image's kernel and initramfs (the
#                 baseline for instruction counts)
#         cache   no boot: scripts/vmspec-image.sh run again on VMSPEC_DIR (with the
#                 guest-images directory its vmspec.env names) must print the same lines
#                 and leave vmspec.img untouched (the cache hit)
#   --count PLUGIN_SRC  build test/bench/insn_count_plugin.c and run under -icount shift=0
#                 with it; print the whole-system instructions from QEMU's start to the
#                 initramfs's first command and to the root's /sbin/init (the image's marks);
#                 EDK2 is then booted once (with its fresh vars)
# The disk is QEMU's virtio-mmio virtio-blk-device (as armvirt's), -cpu max,pauth=off, 512 MiB,
# one CPU, -nic none. Passes when every run powers off (QEMU exit 0) after printing the image's
# markers: GRUB started from the ESP, the kernel took its DTB from the UEFI configuration
# table, the firmware vendor, the root partition mounted and its init reached.
set -uo pipefail

mode=$1 vmspec=$2 work=$3
shift 3
plugin_src=""
if [ "${1:-}" = --count ]; then plugin_src=$2; fi
qemu=${QEMU:-qemu-system-aarch64}
if [ "$mode" = qemuefi ]; then
  fw_code=${FW_CODE:-/usr/share/qemu-efi-aarch64/QEMU_EFI.fd}
  fw_vars=${FW_VARS:-erased}
else
  fw_code=${FW_CODE:-/usr/share/AAVMF/AAVMF_CODE.fd}
  fw_vars=${FW_VARS:-/usr/share/AAVMF/AAVMF_VARS.fd}
fi
uboot=${UBOOT:-/usr/lib/u-boot/qemu_arm64/u-boot.bin}
tmo=${VMSPEC_TIMEOUT:-240}
model=${VMSPEC_MODEL:-linux,dummy-virt}  # QEMU virt's
mkdir -p "$work"
log="$work/console-$mode"

fail() {
  echo "FAIL: vmspec $mode: $*"
  for f in "$log".*.txt; do [ -f "$f" ] && { echo "---- $f ----"; tail -n 60 "$f"; }; done
  exit 1
}

img="$vmspec/vmspec.img"
[ -s "$img" ] || fail "missing $img (run scripts/vmspec-image.sh $vmspec)"
env="$vmspec/vmspec.env"
[ -s "$env" ] || fail "missing $env (run scripts/vmspec-image.sh $vmspec)"
val() { sed -n "s/^$1=//p" "$env"; }
kver=$(val KERNEL_VERSION)
rm -f "$log".*.txt

if [ "$mode" = cache ]; then
  before=$(stat -c '%i %s %Y' "$img")
  start=$(date +%s%N)
  bash "$(dirname "$0")/../../scripts/vmspec-image.sh" "$vmspec" "$(dirname "$(val KERNEL)")" \
    >"$log.1.txt" 2>&1 || fail "vmspec-image.sh failed"
  ms=$((($(date +%s%N) - start) / 1000000))
  grep -q 'building' "$log.1.txt" && fail "the image was rebuilt"
  [ "$(stat -c '%i %s %Y' "$img")" = "$before" ] || fail "vmspec.img changed"
  diff -q "$env" "$log.1.txt" >/dev/null || fail "the printed lines differ from $env"
  echo "PASS: vmspec cache: nothing rebuilt, $ms ms"
  exit 0
fi
# The guest gets its own copy (sparse), as a user would.
cp --sparse=always "$img" "$work/disk-$mode.img" || fail "cannot copy $img"

# acpi=off: EDK2 would otherwise take QEMU's ACPI tables (through fw_cfg) and give Linux no
# device tree; armvirt has no fw_cfg, so its EDK2 always passes the tree.
qargs=(-M "virt,acpi=off" -cpu "max,pauth=off" -m 512 -smp 1 -nographic -no-reboot -nic none
       -drive "if=none,id=hd0,format=raw,file=$work/disk-$mode.img"
       -device "virtio-blk-device,drive=hd0")
case "$mode" in
  edk2 | qemuefi)
    [ -s "$fw_code" ] || fail "missing $fw_code (package qemu-efi-aarch64)"
    # A pflash bank is 64 MiB on virt: pad a smaller code image (QEMU_EFI.fd is 2 MiB).
    cp "$fw_code" "$work/code-$mode.fd" && truncate -s '>64M' "$work/code-$mode.fd" ||
      fail "cannot copy $fw_code"
    if [ "$fw_vars" = erased ]; then
      head -c 64M /dev/zero | tr '\000' '\377' >"$work/vars-$mode.fd"
    else
      cp --sparse=always "$fw_vars" "$work/vars-$mode.fd"
    fi || fail "cannot make the vars bank from $fw_vars"
    qargs+=(-drive "if=pflash,format=raw,readonly=on,file=$work/code-$mode.fd"
            -drive "if=pflash,format=raw,file=$work/vars-$mode.fd")
    runs=2 vendor="EDK II"
    [ -z "$plugin_src" ] || runs=1 ;;
  uboot | ubootenv)
    [ -s "$uboot" ] || fail "missing $uboot (package u-boot-qemu)"
    qargs+=(-bios "$uboot")
    if [ "$mode" = ubootenv ]; then
      env_bin=$(val UBOOT_ENV)
      [ -s "$env_bin" ] || fail "missing the U-Boot environment ${env_bin:-UBOOT_ENV in $env}"
      { cat "$env_bin"; head -c $((64 * 1048576 - $(stat -c %s "$env_bin"))) /dev/zero | tr '\000' '\377'; } \
        >"$work/uboot-vars.fd" || fail "cannot make the U-Boot variable bank"
      qargs+=(-drive "if=pflash,unit=1,format=raw,file=$work/uboot-vars.fd")
    fi
    runs=1 vendor="Das U-Boot" ;;
  direct)
    # The kernel command line of the image's grub.cfg.
    qargs+=(-kernel "$(val KERNEL)" -initrd "$(val INITRD)"
            -append "$(sed -n 's/^ *linux [^ ]* //p' "$(val GRUB_CFG)")")
    runs=1 vendor="" ;;
  *) echo "usage: $0 edk2|qemuefi|uboot|ubootenv|direct|cache VMSPEC_DIR WORK_DIR [--count PLUGIN_SRC]" >&2; exit 2 ;;
esac

if [ -n "$plugin_src" ]; then
  ${CC:-cc} -shared -fPIC -O2 -fvisibility=hidden -o "$work/insn_count.so" "$plugin_src" ||
    fail "cannot build the plugin"
fi

summary=""
for ((run = 1; run <= runs; run++)); do
  out="$log.$run.txt"
  extra=()
  if [ -n "$plugin_src" ]; then
    extra=(-icount shift=0 -plugin "$work/insn_count.so,out=$work/marks-$mode.$run.txt")
  fi
  start=$(date +%s)
  timeout "$tmo" "$qemu" "${qargs[@]}" "${extra[@]}" </dev/null 2>&1 | tr -d '\r' >"$out"
  rc=${PIPESTATUS[0]}
  secs=$(($(date +%s) - start))
  [ "$rc" -eq 0 ] || fail "run $run: QEMU exit status $rc (124 = timeout)"
  has() { grep -aq "$1" "$out" || fail "run $run: no \"$1\" on the console"; }
  has '^ARMVIRT-VMSPEC: initramfs$'
  case "$mode" in
    uboot) has 'Hit any key to stop autoboot:  2' ;;
    ubootenv) has 'Loading Environment from Flash... OK'
              grep -aq 'Hit any key to stop autoboot:  [1-9]' "$out" && fail "run $run: U-Boot counted down" ;;
  esac
  has "^ARMVIRT-MODEL: $model\$"
  has '^ARMVIRT-VMSPEC: root /dev/vda2$'
  has "^ARMVIRT-VMSPEC-INIT: ${kver:-.}"
  grep -aq '^ARMVIRT-ERROR' "$out" && fail "run $run: $(grep -a '^ARMVIRT-ERROR' "$out" | head -n 1)"
  if [ "$mode" = direct ]; then
    has '^ARMVIRT-EFI: no$'
  else
    has 'Welcome to GRUB!'
    has 'EFI stub: Using DTB from configuration table'
    has '^ARMVIRT-EFI: yes$'
    has "^ARMVIRT-FW-VENDOR: $vendor\$"
  fi
  efivar=$(grep -a '^ARMVIRT-EFIVAR: ' "$out" | head -n 1)
  if [ "$mode" = edk2 ] || [ "$mode" = qemuefi ]; then
    if [ "$run" = 1 ]; then want="ARMVIRT-EFIVAR: set"; else want="ARMVIRT-EFIVAR: found armvirt-vmspec"; fi
    [ "$efivar" = "$want" ] || fail "run $run: \"${efivar:-no ARMVIRT-EFIVAR line}\", expected \"$want\""
  fi
  summary+="${summary:+;} run $run: ${secs} s${efivar:+, ${efivar#ARMVIRT-}}"
  if [ -n "$plugin_src" ]; then
    marks="$work/marks-$mode.$run.txt"
    mapfile -t m < <(sed -n 's/^MARK [0-9]* 0x70 \([0-9]*\).*/\1/p' "$marks")
    [ "${#m[@]}" -eq 2 ] || fail "run $run: ${#m[@]} marks in $marks, expected 2"
    echo "INSNS $mode run $run: to initramfs ${m[0]}, to init ${m[1]}"
  fi
done
echo "PASS: vmspec $mode:$summary"
grep -a -E '^ARMVIRT-(MODEL|FW-VENDOR)' "$log.1.txt"
