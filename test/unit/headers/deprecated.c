/* SPDX-License-Identifier: MIT */
/*
 * The names deprecated before 1.0 still compile to the new ones (code written against 0.1
 * builds unchanged until AV_NO_DEPRECATED is defined); called from main.cpp. The tree is
 * built with AV_NO_DEPRECATED, so this file turns the names back on.
 */
#undef AV_NO_DEPRECATED
#include <armvirt/armvirt.h>

int av_test_deprecated_names(void);

static enum av_sysreg_result old_handler(void)
{
	return AV_SYSREG_HANDLED;
}

/* MMIO ops written against 0.1 (enum av_mmio_result, AV_MMIO_*) still fit the bus. */
static enum av_mmio_result old_read(void *dev, struct av_vcpu *vcpu, uint64_t off,
				    unsigned size, uint64_t *val)
{
	(void)dev, (void)vcpu, (void)size;
	*val = off == 0 ? 0x5a : 0;
	return off == 0 ? AV_MMIO_HANDLED : AV_MMIO_INJECT_DABT;
}

static enum av_mmio_result old_write(void *dev, struct av_vcpu *vcpu, uint64_t off,
				     unsigned size, uint64_t val)
{
	(void)dev, (void)vcpu, (void)off, (void)size, (void)val;
	return AV_MMIO_TO_CALLER;
}

static int old_mmio(void)
{
	static const struct av_mmio_ops ops = {.read = old_read, .write = old_write};
	static struct av_mmio_dev dev = {.base = 0x1000, .size = 0x10, .ops = &ops};
	struct av_mmio_dev *slot[1];
	struct av_mmio_bus bus;
	uint64_t v = 0;

	if (av_mmio_bus_init(&bus, slot, 1, AV_MMIO_UNCLAIMED_ABORT, NULL) ||
	    av_mmio_register(&bus, &dev, NULL))
		return 0;
	return av_mmio_read(&bus, NULL, 0x1000, 4, &v) == AV_ACCESS_HANDLED && v == 0x5a &&
	       av_mmio_read(&bus, NULL, 0x1004, 4, &v) == AV_ACCESS_INJECT &&
	       av_mmio_write(&bus, NULL, 0x1000, 4, 1) == AV_ACCESS_TO_CALLER;
}

int av_test_deprecated_names(void)
{
	static struct av_vcpu_ctxt ctxt;
	struct av_ctxt *now = &ctxt;
	struct av_ivc_error ivc_err; /* struct av_error */

	av_vcpu_inject_undef(&ctxt); /* av_ctxt_inject_undef() */
	return old_mmio() && av_ivc_init(NULL, NULL, &ivc_err) == -AV_EINVAL &&
	       ivc_err.field[0] == 'i' && old_handler() == AV_ACCESS_HANDLED &&
	       AV_SYSREG_INJECT_UNDEF == AV_ACCESS_INJECT && AV_SYSREG_TO_CALLER == AV_ACCESS_TO_CALLER &&
	       AV_VGIC_ACCESS_OK == AV_ACCESS_HANDLED &&
	       AV_VGIC_ACCESS_ABORT == AV_ACCESS_INJECT && av_ctxt_dabt_esr(now, 0x10, false) != 0 &&
	       ctxt.el1.esr == 0x02000000u; /* EC 0 (unknown), IL 1 */
}
