#!/usr/bin/env bash
# imgcheck.cli: the armvirt-imgcheck command line on real images and awkward inputs.
#  - arguments: none, two, an unknown option -> 2; -h/--help -> 0 with the usage text;
#  - inputs: a missing file, a directory -> 2 with one line naming it; an empty file -> 1;
#    /dev/zero (endless, not seekable) -> 2 "larger than" within seconds; a 1 TiB sparse
#    file -> 1 within seconds (only a few sectors are read);
#  - images made as a user would (sgdisk, mkfs.vfat, mmd/mcopy; nothing mounted): GPT +
#    FAT32 ESP + \EFI\BOOT\BOOTAA64.EFI (a PE32+ AArch64 header) -> 0, also read through a
#    pipe and a FIFO; the same with mkfs.vfat -F 16 -> 1 naming FAT16; with the ESP's type
#    8300 -> 1; without BOOTAA64.EFI -> 1; with an x86-64 BOOTX64.EFI copied as
#    BOOTAA64.EFI -> 1;
#  - an unreadable image (as nobody when run as root) -> 2 with one line; random bytes -> 1;
#    standard output closed or /dev/full -> 2 with one line (the report was not written).
# usage: imgcheck-cli.sh ARMVIRT-IMGCHECK WORK_DIR     (exit 77: sgdisk/mkfs.vfat/mtools
#                                                       missing, the test is skipped)
set -uo pipefail
check=$1 work=$2
for tool in sgdisk mkfs.vfat mmd mcopy; do
	if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ] && [ ! -x "/sbin/$tool" ]; then
		echo "SKIP: $tool not installed (scripts/deps.sh installs gdisk, dosfstools, mtools)"
		exit 77
	fi
done
export PATH=$PATH:/usr/sbin:/sbin
rm -rf "$work"
mkdir -p "$work"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# run WANT_STATUS DESCRIPTION ARGS...: armvirt-imgcheck ARGS (run through the command in
# the array as_user, if any) must exit WANT_STATUS within 60 s; its output is in $work/out.
as_user=()
run() {
	local want=$1 what=$2 rc
	shift 2
	timeout 60 "${as_user[@]}" "$check" "$@" >"$work/out" 2>&1
	rc=$?
	sed 's/^/    /' "$work/out" | head -n 8
	if [ "$rc" -ne "$want" ]; then
		fail "$what: exit $rc, expected $want"
	else
		echo "ok: $what: exit $rc"
	fi
}
# expect_out TEXT: the last run's output contains TEXT.
expect_out() {
	grep -qF -- "$1" "$work/out" || fail "output lacks \"$1\""
}

run 2 "no arguments"
expect_out "usage: armvirt-imgcheck IMAGE"
run 2 "two arguments" a b
run 2 "unknown option" -x
run 0 "-h" -h
expect_out "usage: armvirt-imgcheck IMAGE"
run 0 "--help" --help
run 2 "missing file" "$work/nonexistent.img"
expect_out "nonexistent.img"
[ "$(wc -l <"$work/out")" -eq 1 ] || fail "missing file: more than one line"
run 2 "a directory" "$work"
expect_out "is a directory"
: >"$work/empty.img"
run 1 "empty file" "$work/empty.img"
expect_out "error: image: 0 bytes"
start=$(date +%s)
run 2 "/dev/zero" /dev/zero
expect_out "larger than"
truncate -s 1T "$work/huge.img"
run 1 "1 TiB of zeros (sparse)" "$work/huge.img"
expect_out "no partition table"
[ $(($(date +%s) - start)) -le 60 ] || fail "/dev/zero and the sparse file took more than 60 s"
rm -f "$work/huge.img"

# A PE32+ header for AArch64 (machine 0xaa64, EFI application) or x86-64 (0x8664).
make_pe() { # FILE MACHINE_LO MACHINE_HI
	dd if=/dev/zero of="$1" bs=4096 count=1 status=none
	printf 'MZ' | dd of="$1" bs=1 seek=0 conv=notrunc status=none
	printf '\x40' | dd of="$1" bs=1 seek=60 conv=notrunc status=none
	printf "PE\\0\\0\\x$2\\x$3" | dd of="$1" bs=1 seek=64 conv=notrunc status=none
	printf '\xf0\x00\x06\x02\x0b\x02' | dd of="$1" bs=1 seek=84 conv=notrunc status=none
	printf '\x0a' | dd of="$1" bs=1 seek=156 conv=notrunc status=none
}
make_pe "$work/aa64.efi" 64 aa
make_pe "$work/x64.efi" 64 86

# make_image NAME FAT_BITS ESP_TYPE LOADER: 64 MiB, ESP of 40 MiB at 1 MiB, a Linux
# partition after it; LOADER copied as \EFI\BOOT\BOOTAA64.EFI (none if empty).
make_image() {
	local img=$work/$1.img fat=$work/$1.fat
	rm -f "$img" "$fat"
	truncate -s 64M "$img"
	sgdisk -n 1:2048:+40M -t "1:$3" -n 2:0:0 -t 2:8300 "$img" >"$work/sgdisk.log" 2>&1 ||
		{ cat "$work/sgdisk.log"; fail "sgdisk $1"; return; }
	truncate -s 40M "$fat"
	mkfs.vfat -F "$2" "$fat" >/dev/null || { fail "mkfs.vfat -F $2"; return; }
	mmd -i "$fat" ::/EFI ::/EFI/BOOT || { fail "mmd"; return; }
	if [ -n "$4" ]; then
		mcopy -i "$fat" "$4" ::/EFI/BOOT/BOOTAA64.EFI || { fail "mcopy"; return; }
	fi
	dd if="$fat" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
	rm -f "$fat"
}

make_image good 32 EF00 "$work/aa64.efi"
run 0 "GPT + FAT32 ESP + BOOTAA64.EFI" "$work/good.img"
expect_out "0 error(s), 0 warning(s)"
cat "$work/good.img" | run 0 "the good image through a pipe" /dev/stdin
mkfifo "$work/fifo"
(cat "$work/good.img" >"$work/fifo" &)
run 0 "the good image through a FIFO" "$work/fifo"
make_image fat16 16 EF00 "$work/aa64.efi"
run 1 "FAT16 ESP (mkfs.vfat -F 16)" "$work/fat16.img"
expect_out "error: ESP: FAT16"
make_image linuxtype 32 8300 "$work/aa64.efi"
run 1 "ESP with type 8300" "$work/linuxtype.img"
expect_out "no EFI System Partition"
make_image noloader 32 EF00 ""
run 1 "no BOOTAA64.EFI" "$work/noloader.img"
expect_out "not found: no BOOTAA64.EFI in \\EFI\\BOOT"
make_image x64 32 EF00 "$work/x64.efi"
run 1 "an x86-64 loader" "$work/x64.img"
expect_out "machine 0x8664, not AArch64"

# Bad inputs of issue 18, finding 8 (as for armvirt-dtcheck): exit 2 with one line.
one_line() { # TEXT: the last run's output is one line containing TEXT
	expect_out "$1"
	[ "$(wc -l <"$work/out")" -eq 1 ] || fail "more than one line for '$1'"
}
cp "$work/good.img" "$work/noperm.img"
chmod 000 "$work/noperm.img"
if [ "$(id -u)" -ne 0 ]; then
	run 2 "an unreadable image" "$work/noperm.img"
	one_line "noperm.img: Permission denied"
elif command -v setpriv >/dev/null 2>&1; then
	chmod o+x "$work"
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	run 2 "an unreadable image (as nobody)" "$work/noperm.img"
	as_user=()
	one_line "noperm.img: Permission denied"
else
	echo "SKIP: an unreadable image: running as root without setpriv to drop privileges"
fi
head -c 3000 /dev/urandom >"$work/random.img"
run 1 "3000 random bytes" "$work/random.img"
expect_out "error: image:"
check_out_closed() { "$check" "$work/good.img" 2>&1 >&-; }
check_out_full() { "$check" "$work/good.img" 2>&1 >/dev/full; }
out=$(check_out_closed)
rc=$?
echo "stdout closed: exit $rc: $out"
[ "$rc" -eq 2 ] && [ "$out" = "armvirt-imgcheck: standard output: Bad file descriptor" ] ||
	fail "stdout closed: exit $rc, '$out'"
out=$(check_out_full)
rc=$?
echo "stdout /dev/full: exit $rc: $out"
[ "$rc" -eq 2 ] && [ "$out" = "armvirt-imgcheck: standard output: No space left on device" ] ||
	fail "stdout /dev/full: exit $rc, '$out'"

if [ $failed -ne 0 ]; then
	echo "FAIL: imgcheck.cli"
	exit 1
fi
rm -f "$work"/*.img
echo "PASS: imgcheck.cli"
