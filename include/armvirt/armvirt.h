/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/armvirt.h
 * @brief The whole portable armvirt API in one include.
 */
#ifndef ARMVIRT_ARMVIRT_H
#define ARMVIRT_ARMVIRT_H

#include <armvirt/bits.h>
#include <armvirt/boot.h>
#include <armvirt/esr.h>
#include <armvirt/insn.h>
#include <armvirt/ivc.h>
#include <armvirt/log.h>
#include <armvirt/mmio.h>
#include <armvirt/platform.h>
#include <armvirt/pmu.h>
#include <armvirt/psci.h>
#include <armvirt/regs.h>
#include <armvirt/s2.h>
#include <armvirt/sched.h>
#include <armvirt/sysreg.h>
#include <armvirt/traps.h>
#include <armvirt/types.h>
#include <armvirt/vcpu.h>
#include <armvirt/version.h>
#include <armvirt/virtio.h>
#include <armvirt/vgic.h>
#include <armvirt/vgic_bus.h>
#include <armvirt/vm.h>
#include <armvirt/vswitch.h>
#include <armvirt/vtimer.h>

#endif /* ARMVIRT_ARMVIRT_H */
