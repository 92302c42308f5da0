#!/bin/sh
# Boot an EL2 image on QEMU's virt board (virtualization=on) and judge the run by its console
# and exit status (run-qemu.sh, mode el2).
# Usage: run-el2.sh IMAGE GIC_VERSION [SMP] [TIMEOUT_S] [EXTRA QEMU ARGS...]
exec sh "$(cd "$(dirname "$0")" && pwd)/run-qemu.sh" el2 "$@"
