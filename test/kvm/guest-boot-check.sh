#!/usr/bin/env bash
# Checks the Linux boots in a nested console log (test/kvm/kvm-test.sh) for two things:
#  - an oops ("Internal error:", "Unable to handle kernel", "Kernel panic");
#  - vCPUs that disagree on the virtual counter: each secondary CPU's first lines ("Detected
#    ... on CPUn", "CPUn: Booted secondary processor") must be stamped between CPU0's
#    "smp: Bringing up secondary CPUs" and "smp: Brought up" (CPU0 prints the latter only
#    once the secondaries are online), give or take 1 s. armvirt-vmm never reads or writes
#    a timer register (KVM keeps CNTVOFF_EL2 equal for all vCPUs of a VM): a secondary
#    outside that window means the hypervisor below armvirt-vmm (the outer Linux's KVM on
#    QEMU's emulated EL2) ran that vCPU with another counter offset (doc/kvm-vmm.md, "Known
#    issues").
#
# usage: guest-boot-check.sh LOG [PREFIX]
#   PREFIX: the guest's lines are those starting with PREFIX followed by a "[ seconds]"
#   stamp (default: none, lines starting with the stamp).
# Prints one line per boot:
#   GUEST-BOOT <n>: clock <ok|skew CPUk +/-D s|unknown>, oops <count>[: <first oops line>]
# Exit status: 0 no oops; 1 an oops in a boot whose vCPUs agree on the counter (or where it
# cannot be told); 3 every oops is in a boot with the counter disagreement; 2 usage.
set -uo pipefail

log=${1:-}
prefix=${2:-}
if [ -z "$log" ] || [ ! -r "$log" ]; then
  echo "usage: guest-boot-check.sh LOG [PREFIX]" >&2
  exit 2
fi

LC_ALL=C awk -v prefix="$prefix" '
function finish(   i, d, worst, wcpu, clock) {
  if (!nboot) return
  worst = 0; wcpu = -1
  for (i in sec) {
    d = 0
    if (up != "" && sec[i] < up - 1) d = sec[i] - up
    if (brought != "" && sec[i] > brought + 1) d = sec[i] - brought
    if ((d < 0 ? -d : d) > (worst < 0 ? -worst : worst)) { worst = d; wcpu = i }
  }
  if (wcpu >= 0) clock = sprintf("skew CPU%d %+.1f s", wcpu, worst)
  else if (up == "" || brought == "") clock = "unknown"
  else clock = "ok"
  printf "GUEST-BOOT %d: clock %s, oops %d%s\n", nboot, clock, oops, oops ? ": " first : ""
  if (oops && wcpu >= 0) skewed_oops++
  else if (oops) plain_oops++
}
{
  if (substr($0, 1, length(prefix)) != prefix) next
  line = substr($0, length(prefix) + 1)
  if (line !~ /^\[ *[0-9]+\.[0-9]+\] /) next
  t = line; sub(/^\[ */, "", t); sub(/\].*/, "", t); t += 0
  msg = line; sub(/^\[ *[0-9]+\.[0-9]+\] /, "", msg)
  if (msg ~ /^Booting Linux on physical CPU/) {
    finish()
    nboot++; up = ""; brought = ""; oops = 0; first = ""; delete sec
    next
  }
  if (!nboot) next
  if (msg ~ /^smp: Bringing up secondary CPUs/) up = t
  else if (msg ~ /^smp: Brought up /) brought = t
  else if (msg ~ /^Detected .* on CPU[0-9]+$/ || msg ~ /^CPU[0-9]+: Booted secondary processor/) {
    c = msg
    if (c ~ /^CPU/) { sub(/^CPU/, "", c); sub(/:.*/, "", c) } else sub(/.* on CPU/, "", c)
    c += 0
    if (c > 0 && !(c in sec)) sec[c] = t
  }
  if (msg ~ /Internal error: |Unable to handle kernel |Kernel panic/) {
    if (!oops) first = msg
    oops++
  }
}
END {
  finish()
  if (plain_oops) exit 1
  if (skewed_oops) exit 3
  exit 0
}' "$log"
