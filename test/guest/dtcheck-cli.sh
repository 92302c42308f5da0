#!/usr/bin/env bash
# The armvirt-dtcheck CLI's exit status: 0 on QEMU's DTBs and armvirt's own, 1 on a tree with
# an error (armvirt's, with /psci removed by fdtput), 2 on a file that is not a DTB. Bad
# inputs (issue 18, finding 8: empty, truncated, random, unreadable, a directory, /dev/zero,
# a pipe; standard output closed or full) give exit 2 and exactly one line naming the reason
# (doc/man/armvirt-dtcheck.1); a DTB through a pipe or a FIFO is checked like a file.
#
# usage: dtcheck-cli.sh DTCHECK MKDTB QEMU_DTB_DIR WORK_DIR
set -uo pipefail
dtcheck=$1 mkdtb=$2 qdir=$3 work=$4
mkdir -p "$work"
status=0
expect() {
  local want=$1 file=$2 out rc
  out=$("$dtcheck" "$file" 2>&1)
  rc=$?
  echo "$out"
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL: armvirt-dtcheck $file exited $rc, expected $want"
    status=1
  fi
}
for f in "$qdir"/qemu-virt-*.dtb; do expect 0 "$f"; done
for g in 2 3; do
  "$mkdtb" -g $g -c 2 -o "$work/cli-gicv$g.dtb" >/dev/null || status=1
  expect 0 "$work/cli-gicv$g.dtb"
done
if command -v fdtput >/dev/null 2>&1; then
  cp "$work/cli-gicv3.dtb" "$work/cli-nopsci.dtb"
  fdtput -r "$work/cli-nopsci.dtb" /psci
  expect 1 "$work/cli-nopsci.dtb"
  msg=$("$dtcheck" "$work/cli-nopsci.dtb")
  grep -q "^error: /: no PSCI node" <<<"$msg" || { echo "FAIL: no PSCI message"; status=1; }
fi
# The size limit: a valid tree padded to exactly 16 MiB is read; one byte more is refused.
cp "$work/cli-gicv3.dtb" "$work/cli-16m.dtb"
truncate -s 16777216 "$work/cli-16m.dtb"
expect 0 "$work/cli-16m.dtb"
cp "$work/cli-gicv3.dtb" "$work/cli-16m1.dtb"
truncate -s 16777217 "$work/cli-16m1.dtb"
expect 2 "$work/cli-16m1.dtb"
msg=$("$dtcheck" "$work/cli-16m1.dtb" 2>&1)
grep -q "larger than 16777216 bytes" <<<"$msg" ||
  { echo "FAIL: no size message for a file over 16 MiB"; status=1; }
rm -f "$work/cli-16m.dtb" "$work/cli-16m1.dtb"
printf 'not a device tree\n' >"$work/cli-junk.dtb"
expect 2 "$work/cli-junk.dtb"
expect 2 "$work/does-not-exist.dtb"

# one_line WANT_STATUS TEXT DESCRIPTION CMD...: CMD exits WANT_STATUS within 60 s with one
# line of output (stdout and stderr together) that contains TEXT.
one_line() {
  local want=$1 text=$2 what=$3 out rc
  shift 3
  out=$(timeout 60 "$@" 2>&1)
  rc=$?
  echo "$what: exit $rc: $out"
  if [ "$rc" -ne "$want" ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] ||
     ! grep -qF -- "$text" <<<"$out"; then
    echo "FAIL: armvirt-dtcheck $what: expected exit $want and one line with '$text'"
    status=1
  fi
}
good="$work/cli-gicv3.dtb"
: >"$work/cli-empty.dtb"
one_line 2 "cli-empty.dtb: empty file" "empty file" "$dtcheck" "$work/cli-empty.dtb"
head -c 100 "$good" >"$work/cli-trunc.dtb"
one_line 2 "not a valid device tree blob" "truncated DTB" "$dtcheck" "$work/cli-trunc.dtb"
head -c 4096 /dev/urandom >"$work/cli-random.dtb"
one_line 2 "not a valid device tree blob" "4096 random bytes" "$dtcheck" "$work/cli-random.dtb"
one_line 2 "dtcheck-cli: Is a directory" "a directory" "$dtcheck" "$work"
one_line 2 "/dev/zero: larger than 16777216 bytes" "/dev/zero" "$dtcheck" /dev/zero
cp "$good" "$work/cli-noperm.dtb"
chmod 000 "$work/cli-noperm.dtb"
if [ "$(id -u)" -ne 0 ]; then
  one_line 2 "cli-noperm.dtb: Permission denied" "unreadable file" "$dtcheck" "$work/cli-noperm.dtb"
elif command -v setpriv >/dev/null 2>&1; then
  chmod o+x "$work"
  one_line 2 "cli-noperm.dtb: Permission denied" "unreadable file (as nobody)" \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$dtcheck" "$work/cli-noperm.dtb"
else
  echo "SKIP: unreadable file: running as root without setpriv to drop privileges"
fi
rm -f "$work/cli-noperm.dtb"
# a pipe and a FIFO: read to their end
out=$(cat "$good" | "$dtcheck" /dev/stdin 2>&1)
rc=$?
echo "a DTB through a pipe: exit $rc: $out"
[ "$rc" -eq 0 ] || { echo "FAIL: a DTB through a pipe: exit $rc, expected 0"; status=1; }
one_line 2 "not a valid device tree blob" "junk through a pipe" \
  bash -c "head -c 3000 /dev/urandom | '$dtcheck' /dev/stdin"
rm -f "$work/cli-fifo"
mkfifo "$work/cli-fifo"
(cat "$good" >"$work/cli-fifo" &)
out=$(timeout 60 "$dtcheck" "$work/cli-fifo" 2>&1)
rc=$?
echo "a DTB through a FIFO: exit $rc: $out"
[ "$rc" -eq 0 ] || { echo "FAIL: a DTB through a FIFO: exit $rc, expected 0"; status=1; }
rm -f "$work/cli-fifo"
# a report that cannot be written is an error, not a pass
one_line 2 "standard output: Bad file descriptor" "stdout closed" \
  bash -c "'$dtcheck' '$good' 2>&1 >&-"
one_line 2 "standard output: No space left on device" "stdout /dev/full" \
  bash -c "'$dtcheck' '$good' 2>&1 >/dev/full"
[ "$status" -eq 0 ] && echo "PASS"
exit "$status"
