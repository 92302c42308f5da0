#!/usr/bin/env bash
# The armvirt-dtcheck CLI's exit status: 0 on QEMU's DTBs and armvirt's own, 1 on a tree with
# an error (armvirt's, with /psci removed by fdtput), 2 on a file that is not a DTB.
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
[ "$status" -eq 0 ] && echo "PASS"
exit "$status"
