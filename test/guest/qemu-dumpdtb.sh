#!/usr/bin/env bash
# Dump QEMU's own virt DTBs (the independent reference for the conformance check) into OUTDIR:
#   qemu-virt-gicv3.dtb       gic-version=3, 1 CPU
#   qemu-virt-gicv2-smp2.dtb  gic-version=2, 2 CPUs
#   qemu-virt-gicv3-el2.dtb   gic-version=3, virtualization=on (PSCI over SMC), 4 CPUs
#   qemu-virt-gicv2-el2.dtb   gic-version=2, virtualization=on (GICH/GICV), 2 CPUs
set -euo pipefail
out=$1
qemu=${QEMU:-qemu-system-aarch64}
mkdir -p "$out"
dump() {
  local name=$1
  shift
  "$qemu" -cpu max -m 512 -nographic -net none "$@" -machine dumpdtb="$out/$name" >/dev/null 2>&1
  [ -s "$out/$name" ] || { echo "qemu did not dump $name" >&2; exit 1; }
}
dump qemu-virt-gicv3.dtb -M virt,gic-version=3
dump qemu-virt-gicv2-smp2.dtb -M virt,gic-version=2 -smp 2
dump qemu-virt-gicv3-el2.dtb -M virt,gic-version=3,virtualization=on -smp 4
dump qemu-virt-gicv2-el2.dtb -M virt,gic-version=2,virtualization=on -smp 2
ls "$out"/qemu-virt-*.dtb
