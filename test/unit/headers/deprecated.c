/* SPDX-License-Identifier: MIT */
/*
 * The names deprecated before 1.0 still compile to the new ones (code written against 0.1
 * builds unchanged until AV_NO_DEPRECATED is defined); called from main.cpp.
 */
#include <armvirt/armvirt.h>

int av_test_deprecated_names(void);

static enum av_sysreg_result old_handler(void)
{
	return AV_SYSREG_HANDLED;
}

int av_test_deprecated_names(void)
{
	static struct av_vcpu_ctxt ctxt;
	struct av_ctxt *now = &ctxt;

	av_vcpu_inject_undef(&ctxt); /* av_ctxt_inject_undef() */
	return old_handler() == AV_ACCESS_HANDLED && AV_SYSREG_INJECT_UNDEF == AV_ACCESS_INJECT &&
	       AV_SYSREG_TO_CALLER == AV_ACCESS_TO_CALLER && AV_VGIC_ACCESS_OK == AV_ACCESS_HANDLED &&
	       AV_VGIC_ACCESS_ABORT == AV_ACCESS_INJECT && av_ctxt_dabt_esr(now, 0x10, false) != 0 &&
	       ctxt.el1.esr == 0x02000000u; /* EC 0 (unknown), IL 1 */
}
