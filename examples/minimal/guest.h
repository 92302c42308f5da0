/* SPDX-License-Identifier: MIT */
/* The contract between the minimal hypervisor (main.c) and its guest (guest.S). */
#ifndef ARMVIRT_MINIMAL_GUEST_H
#define ARMVIRT_MINIMAL_GUEST_H

/*
 * Plain numbers only: guest.S includes this file too. main.c checks the ones the library
 * also names (AV_VIRT_*, AV_HC_ECHO, AV_PSCI_SYSTEM_OFF) against the library's values.
 */

/* Guest physical map. */
#define GUEST_RAM_IPA   0x40000000 /* 2 MiB of RAM; the image is copied to its start */
#define GUEST_RAM_SIZE  0x200000
#define GUEST_GICC_IPA  0x08010000 /* GICv2: the hardware GICV frame, mapped by stage 2 */
#define GUEST_GICC_SIZE 0x2000     /* the GICv2 CPU interface: two 4 KiB pages */
#define GUEST_DEV_IPA   0x0a000000 /* the test device: unmapped, emulated on data aborts */
#define GUEST_DEV_SIZE  0x1000

/* Test device registers (offsets from GUEST_DEV_IPA). */
#define DEV_ID       0x00 /* 32-bit RO: DEV_ID_VALUE */
#define DEV_SCRATCH  0x04 /* 32-bit RW */
#define DEV_DATA     0x08 /* 64-bit WO: a value for the hypervisor to check */
#define DEV_REPORT   0x10 /* 32-bit WO: (step << REPORT_STEP_SHIFT) | REPORT_OK if it passed */
#define DEV_FPFLUSH  0x18 /* 32-bit WO: the hypervisor takes the FP/SIMD registers away */
#define DEV_ID_VALUE 0x41565444 /* "AVTD" */
#define REPORT_STEP_SHIFT 8
#define REPORT_OK         1
#define REPORT_BYTE       0xff /* the step, and the vector of STEP_FAULT, are one byte each */

/* Steps, in the order the guest runs them. */
#define STEP_ECHO   1
#define STEP_SYSREG 2
#define STEP_MMIO   3
#define STEP_FPSIMD 4
#define STEP_VTIMER 5
#define STEP_FAULT  0xee /* the guest took an unexpected exception (low byte: vector) */

/* ARMVIRT_HC_ECHO (doc/hypercalls.md) and PSCI SYSTEM_OFF. */
#define HC_ECHO         0xc6000001 /* AV_HC_ECHO */
#define PSCI_SYSTEM_OFF 0x84000008 /* AV_PSCI_SYSTEM_OFF */

#define VTIMER_INTID 27 /* AV_VIRT_TIMER_VIRT_INTID: the EL1 virtual timer, PPI 11 */

/* The FP/SIMD step's test pattern (d0, d31; v31.d[1] holds its complement). */
#define GUEST_FP_PATTERN 0x0123456789abcdef

/* Architectural values the guest programs (Arm ARM, GIC architecture specification). */
#define CPACR_EL1_FPEN_NOTRAP (3 << 20) /* CPACR_EL1.FPEN = 0b11: FP/SIMD not trapped at EL1 */
#define ID_AA64PFR0_SVE_SHIFT 32        /* ID_AA64PFR0_EL1.SVE, bits [35:32] */
#define ID_AA64PFR0_SVE_WIDTH 4
#define CNTV_CTL_ENABLE       1         /* CNTV_CTL_EL0.ENABLE, IMASK = 0 */
#define GIC_PMR_ALLOW_ALL     0xff      /* ICC_PMR_EL1 / GICC_PMR: every priority passes */
#define GIC_INTID_MASK        0x3ff     /* INTID field of ICC_IAR1_EL1 / GICC_IAR */
#define GIC_INTID_SPECIAL     1020      /* 1020..1023: special INTIDs, nothing acknowledged */
#define GICC_CTLR             0x0000    /* GICv2 CPU interface registers (GICV frame) */
#define GICC_CTLR_ENABLE_GRP0 1
#define GICC_PMR              0x0004
#define GICC_IAR              0x000c
#define GICC_EOIR             0x0010
#define TIMER_DELAY_SHIFT     10        /* the guest's timer: CNTFRQ >> 10 ticks, about 1 ms */

#endif
