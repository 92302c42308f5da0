/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/vgic_bus.h
 * @brief The vGIC as devices of an MMIO bus: its distributor frame and, for GICv3, its
 *        redistributor region, in one call.
 *
 * av_vgic_bus_add() registers the frames of an initialised `struct av_vgic` on a
 * `struct av_mmio_bus`; guest loads and stores then reach av_vgic_v3_dist_access(),
 * av_vgic_v3_redist_region_access() or av_vgic_v2_dist_access() (banked on the accessing
 * vCPU's index, which the bus hands to the device; vCPU 0 when none is given). Reads of the
 * distributor's ID registers take av_vgic_dist_read_id(). After every guest write, the
 * optional `written` hook tells the host which vCPU wrote (a write may change what that
 * vCPU's list registers need: a host that flushes them lazily marks it dirty).
 *
 * The vGIC locks itself: the bus devices need no lock of their own.
 */
#ifndef ARMVIRT_VGIC_BUS_H
#define ARMVIRT_VGIC_BUS_H

#include <armvirt/mmio.h>
#include <armvirt/vgic.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The vGIC's bus devices. Caller-allocated; filled by av_vgic_bus_add(). */
struct av_vgic_bus {
	struct av_vgic *vgic;       /**< the vGIC */
	struct av_mmio_dev dist;    /**< the distributor frame ("gicd") */
	struct av_mmio_dev redist;  /**< GICv3: the redistributors, one 128 KiB pair per vCPU ("gicr") */
	/** Called after each guest write to a frame, with the writing vCPU (may be NULL);
	 *  NULL: nothing to tell. */
	void (*written)(void *cookie, struct av_vcpu *vcpu);
	void *cookie;               /**< for @c written */
};

/**
 * Put @p vgic on @p bus: the distributor frame at @p dist_base (#AV_GICD_V3_SIZE or
 * #AV_GICD_V2_SIZE bytes) and, for GICv3, the redistributors of its vCPUs at
 * @p redist_base (`nr_vcpus * #AV_GICR_STRIDE` bytes; ignored for GICv2). Every access
 * width is accepted; the vGIC answers what the GIC architecture does not allow with an
 * abort. @p written and @p cookie: av_vgic_bus::written (may be NULL). Nothing is
 * registered on failure.
 *
 * A GICv2 distributor access reaches the banked registers of the accessing vCPU. An access
 * without a vCPU (NULL, e.g. from the host) to a banked register (IGROUPR0, ISENABLER0,
 * ICENABLER0, ISPENDR0, ICPENDR0, ISACTIVER0, ICACTIVER0, IPRIORITYR0-7, ITARGETSR0-7,
 * ICFGR0-1, SGIR, CPENDSGIR, SPENDSGIR) is answered #AV_ACCESS_INJECT and changes nothing;
 * use av_vgic_v2_dist_access() with an explicit vCPU index for those.
 *
 * @param vb receives the devices (caller-allocated, kept while they are on the bus)
 * @param vgic an initialised vGIC
 * @param bus the VM's MMIO bus
 * @param dist_base guest-physical base of the distributor frame
 * @param redist_base guest-physical base of the redistributors (GICv3)
 * @param written called after each guest write to a frame (may be NULL)
 * @param cookie passed to @p written
 * @param err receives the field and the reason on failure (an overlap names both
 *            devices, as av_mmio_register()); may be NULL (see struct av_error); cleared
 *            on success
 * @return 0; -AV_EINVAL (NULL pointers, a vGIC that is not initialised); an error of
 *         av_mmio_register() (overlap, bus full)
 */
int av_vgic_bus_add(struct av_vgic_bus *vb, struct av_vgic *vgic, struct av_mmio_bus *bus,
		    uint64_t dist_base, uint64_t redist_base,
		    void (*written)(void *cookie, struct av_vcpu *vcpu), void *cookie,
		    struct av_error *err);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_VGIC_BUS_H */
