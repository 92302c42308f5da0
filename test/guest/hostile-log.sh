#!/bin/sh
# A hostile guest program beside a victim under armvirt-bm (doc/guest-tests.md, "Hostile
# programs"): run-el2.sh's verdict, and the hypervisor's console lines while the program
# misbehaves (between its "PROG: log window begin" and "PROG: log window end (N ms)" lines)
# must stay within the per-VM budget of guest-triggered lines (struct av_log_budget: at
# most AV_VM_LOG_LINES = 10 lines per second of counter time plus one "suppressed" line per
# window), i.e. at most 11 * (seconds + 2) lines.
# Usage: hostile-log.sh IMAGE GIC_VERSION [SMP] [TIMEOUT_S] [EXTRA QEMU ARGS...]
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 IMAGE GIC_VERSION [SMP] [TIMEOUT_S] [QEMU ARGS...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$(sh "$here/run-el2.sh" "$@" 2>&1)
status=$?
echo "$out"
[ "$status" -eq 0 ] || exit 1
win=$(echo "$out" | tr -d '\r' | sed -n '/: log window begin$/,/: log window end (/p')
ms=$(echo "$win" | sed -n 's/.*: log window end (\([0-9]*\) ms).*/\1/p' | head -n 1)
if [ -z "$ms" ]; then
  echo "hostile-log: FAIL: no complete log window in the output"
  exit 1
fi
# Guest lines carry their VM's name; everything else is the hypervisor's.
lines=$(echo "$win" | grep -c -v -E '^(hostile|victim): ')
budget=$((11 * (ms / 1000 + 2)))
echo "hostile-log: $lines hypervisor line(s) in the ${ms} ms log window, budget $budget"
if [ "$lines" -gt "$budget" ]; then
  echo "hostile-log: FAIL: the hypervisor printed more than its budget"
  exit 1
fi
echo "hostile-log: PASS"
