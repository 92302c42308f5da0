#!/bin/sh
# Validate an EL1 guest test image without a hypervisor: QEMU's virt board enters the Image
# at EL1 (no virtualization=on) with x0 = QEMU's DTB; PSCI goes to QEMU over hvc
# (../run-qemu.sh, mode plain).
# Usage: run-plain.sh PROG.bin GIC_VERSION [SMP] [TIMEOUT_S] [EXTRA QEMU ARGS...]
exec sh "$(cd "$(dirname "$0")" && pwd)/../run-qemu.sh" plain "$@"
