#!/usr/bin/env bash
# Kernel formats under armvirt-bm (doc/baremetal.md, "Kernel formats"): boot a guest given as
# an arm64 Image, an ELF file or a raw binary and check the hypervisor's one format line.
#
# usage: kernel-format.sh HYP_IMAGE GIC FORMAT [KERNEL_FILE]
#   FORMAT image|elf|raw: the guest program (test/guest/el1 mmio) must PASS and the console
#          must hold exactly one "armvirt-bm: VM: kernel: ..." line naming FORMAT, loaded at
#          and entered at 0x40080000.
#   FORMAT bad: KERNEL_FILE is an ELF file (mmio-elf.elf) turned into bad ones here (another
#          machine, 32-bit, a segment outside RAM, overlapping segments); each must be
#          refused with exactly one "not started: kernel: ..." line and a non-zero exit.
# With KERNEL_FILE, HYP_IMAGE is armvirt-bm-linux.bin and QEMU's loader puts the file at
# 0x44000000 (as for Linux; a dummy initrd satisfies the configuration's BM_BOARD_INITRD);
# without it the guest is embedded in HYP_IMAGE.
set -uo pipefail

hyp=$1 gic=$2 fmt=$3 file=${4:-}
qemu=${QEMU:-qemu-system-aarch64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

# boot [KERNEL_FILE]: console in $work/log, QEMU status in $rc.
boot() {
  local extra=()
  if [ -n "${1:-}" ]; then
    printf 'not an initramfs\n' >"$work/initrd"
    extra=(-device "loader,file=$1,addr=0x44000000,force-raw=on" -initrd "$work/initrd")
  fi
  timeout 60 "$qemu" -M "virt,virtualization=on,gic-version=$gic" -cpu max,pauth=off -smp 2 \
    -m 1G -nographic -nic none -semihosting -kernel "$hyp" "${extra[@]}" </dev/null 2>&1 |
    tr -d '\r' >"$work/log"
  rc=${PIPESTATUS[0]}
}

# put FILE OFFSET HEXBYTES: overwrite bytes of FILE (little-endian values as hex bytes).
put() {
  printf "$(echo "$3" | sed 's/\(..\)/\\x\1/g')" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none
}

case "$fmt" in
image) want='arm64 Image' ;;
elf) want='ELF64 AArch64 executable' ;;
raw) want='raw binary (no arm64 Image header)' ;;
bad)
  [ -s "$file" ] || fail "missing $file"
  bad=0
  for case in machine:18:3e00 class32:4:01 outside-ram:88:0010000000000000 \
              overlap:56:0200; do
    name=${case%%:*} rest=${case#*:}
    off=${rest%%:*} bytes=${rest#*:}
    cp "$file" "$work/$name.elf"
    put "$work/$name.elf" "$off" "$bytes"
    if [ "$name" = overlap ]; then
      # A second PT_LOAD, a copy of the first one (same addresses): e_phnum = 2 above.
      phoff=$(od -An -tu8 -j32 -N8 "$work/$name.elf" | tr -d ' ')
      dd if="$work/$name.elf" of="$work/ph" bs=1 skip="$phoff" count=56 status=none
      dd if="$work/ph" of="$work/$name.elf" bs=1 seek=$((phoff + 56)) conv=notrunc status=none
    fi
    boot "$work/$name.elf"
    lines=$(grep -c '^armvirt-bm: [^:]*: not started' "$work/log")
    line=$(grep '^armvirt-bm: [^:]*: not started' "$work/log" | head -n 1)
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || [ "$lines" -ne 1 ] ||
       ! echo "$line" | grep -q ': not started: kernel: .*ELF'; then
      echo "bad: $name: QEMU exit $rc, $lines line(s): $line"
      bad=1
    else
      echo "ok: $name: QEMU exit $rc: $line"
    fi
  done
  [ "$bad" = 0 ] || { tail -n 30 "$work/log"; fail "a bad ELF file was not refused with one clear line"; }
  echo "PASS: armvirt-bm GICv$gic refuses ELF files for another machine, 32-bit, with a segment outside RAM or overlapping segments: one line each, non-zero exit"
  exit 0
  ;;
*) fail "unknown format $fmt" ;;
esac

[ -s "$hyp" ] || fail "missing $hyp"
[ -z "$file" ] || [ -s "$file" ] || fail "missing $file"
boot "$file"
cat "$work/log"
[ "$rc" -eq 0 ] || fail "QEMU exit status $rc (124 = timeout)"
lines=$(grep -c '^armvirt-bm: [^:]*: kernel: ' "$work/log")
[ "$lines" -eq 1 ] || fail "$lines kernel format lines (want 1)"
grep -qF ": kernel: $want, loaded at 0x40080000, entry 0x40080000" "$work/log" ||
  fail "no 'kernel: $want, loaded at 0x40080000' line"
grep -q 'PASS mmio (' "$work/log" || fail "the guest did not PASS"
if grep -q 'FAIL' "$work/log"; then fail "a FAIL line was printed"; fi
how=embedded
[ -z "$file" ] || how="put at 0x44000000 by QEMU's loader"
echo "PASS: armvirt-bm GICv$gic booted the guest given as $want ($how)"
