#!/usr/bin/env bash
# unit.kvm_boot_check: guest-boot-check.sh (what kvm.virtio reruns for) on console excerpts
# in boot-check/: a real failure (oops, vCPU 1's counter 14.4 s ahead), a real clean boot,
# and constructed ones (an oops with agreeing counters, an oops before the secondaries are
# up, a clean boot followed by one with a skew and no oops, and both kinds of oops in one
# console). Prints "PASS: ..." or "FAIL: ...".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
check=$here/guest-boot-check.sh
dir=$here/boot-check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# expect NAME LOG PREFIX STATUS PATTERN...: the status, and each PATTERN (ERE) on some line.
expect() {
  local name=$1 log=$2 prefix=$3 status=$4 out rc
  shift 4
  out=$(bash "$check" "$log" "$prefix")
  rc=$?
  if [ "$rc" != "$status" ]; then
    echo "bad: $name: exit status $rc, expected $status"
    failed=1
  fi
  for pat in "$@"; do
    if ! printf '%s\n' "$out" | grep -qE "$pat"; then
      echo "bad: $name: no line matching '$pat'"
      failed=1
    fi
  done
  printf '%s\n' "$out" | sed "s/^/  $name: /"
}

expect skew-oops "$dir/skew-oops.log" 'HVC-OUT: ' 3 \
  '^GUEST-BOOT 1: clock skew CPU1 \+14\.4 s, oops 2: Unable to handle kernel execute'
expect ok "$dir/ok.log" 'HVC-OUT: ' 0 '^GUEST-BOOT 1: clock ok, oops 0$'
expect oops-agree "$dir/oops-agree.log" 'HVC-OUT: ' 1 '^GUEST-BOOT 1: clock ok, oops 2: '
# Another prefix's lines are not this guest's.
expect other-prefix "$dir/skew-oops.log" 'VM: ' 0
expect two-boots "$dir/two-boots.log" 'VM: ' 0 '^GUEST-BOOT 1: clock ok, oops 0$' \
  '^GUEST-BOOT 2: clock skew CPU2 -9\.4 s, oops 0$'
# An oops before "smp: Brought up": the counters cannot be compared, so not the known case.
grep -v 'Brought up\|Detected PIPT I-cache on CPU1\|CPU1: Booted' "$dir/skew-oops.log" >"$tmp/early.log"
expect early-oops "$tmp/early.log" 'HVC-OUT: ' 1 '^GUEST-BOOT 1: clock unknown, oops 2: '
# Both kinds in one console: the oops with agreeing counters decides.
cat "$dir/skew-oops.log" "$dir/oops-agree.log" >"$tmp/both.log"
expect both "$tmp/both.log" 'HVC-OUT: ' 1 '^GUEST-BOOT 1: clock skew' '^GUEST-BOOT 2: clock ok, oops 2'
# Usage errors.
expect missing-log "$tmp/none.log" '' 2

if [ "$failed" = 0 ]; then
  echo "PASS: guest-boot-check.sh tells an oops on skewed vCPU counters from any other oops"
else
  echo "FAIL: guest-boot-check.sh"
  exit 1
fi
