/* SPDX-License-Identifier: MIT */
/* The contract between the minimal hypervisor (main.c) and its guest (guest.S). */
#ifndef ARMVIRT_MINIMAL_GUEST_H
#define ARMVIRT_MINIMAL_GUEST_H

/* Guest physical map. */
#define GUEST_RAM_IPA   0x40000000 /* 2 MiB of RAM; the image is copied to its start */
#define GUEST_RAM_SIZE  0x200000
#define GUEST_GICC_IPA  0x08010000 /* GICv2: the hardware GICV frame, mapped by stage 2 */
#define GUEST_DEV_IPA   0x0a000000 /* the test device: unmapped, emulated on data aborts */

/* Test device registers (offsets from GUEST_DEV_IPA). */
#define DEV_ID       0x00 /* 32-bit RO: DEV_ID_VALUE */
#define DEV_SCRATCH  0x04 /* 32-bit RW */
#define DEV_DATA     0x08 /* 64-bit WO: a value for the hypervisor to check */
#define DEV_REPORT   0x10 /* 32-bit WO: (step << 8) | ok */
#define DEV_FPFLUSH  0x18 /* 32-bit WO: the hypervisor takes the FP/SIMD registers away */
#define DEV_ID_VALUE 0x41565444 /* "AVTD" */

/* Steps, in the order the guest runs them. */
#define STEP_ECHO   1
#define STEP_SYSREG 2
#define STEP_MMIO   3
#define STEP_FPSIMD 4
#define STEP_VTIMER 5
#define STEP_FAULT  0xee /* the guest took an unexpected exception (low byte: vector) */

/* ARMVIRT_HC_ECHO (doc/hypercalls.md) and PSCI SYSTEM_OFF. */
#define HC_ECHO         0xc6000001
#define PSCI_SYSTEM_OFF 0x84000008

#define VTIMER_INTID 27

#endif
