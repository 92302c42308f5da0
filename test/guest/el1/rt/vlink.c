/* SPDX-License-Identifier: MIT */
/*
 * The hostile side of the victim protocol (doc/guest-tests.md, "Multi-VM programs"): the
 * victim is the lowest VM of the send mask; PING n is answered by PONG n with the victim's
 * verification passes so far; STOP ends its run. See ivc.h.
 */
#include "ivc.h"

#define VLINK_STEP_US  5000000ul
#define VLINK_HELLO_US 20000000ul /* the first PING also waits for the victim's fill */
#define VLINK_PASS_US  30000000ul /* for a full verification pass at the end */

struct vlink vlink = { .vm = IVC_ANY };

bool vlink_start(void)
{
	if (!ivc.up)
		return false;
	vlink.vm = ivc.send_mask ? (uint32_t)__builtin_ctz(ivc.send_mask) : IVC_ANY;
	if (!rt_check(vlink.vm != IVC_ANY, "victim", "send mask 0x%x names no victim",
		      ivc.send_mask))
		return false;
	vlink_ping();
	vlink.first_passes = vlink.passes;
	return true;
}

int ivc_dt_scan(void);

bool vlink_maybe_start(void)
{
	if (ivc_dt_scan() != 0 || !ivc.node)
		return false;
	return ivc_start() && vlink_start();
}

bool vlink_ping(void)
{
	struct ivc_msg m;
	int64_t rc;

	if (!ivc.up || vlink.vm == IVC_ANY)
		return false;
	vlink.pings++;
	rc = ivc_send_retry(vlink.vm, VLINK_PING, vlink.pings, 0, VLINK_STEP_US);
	if (rc == IVC_OK &&
	    ivc_expect(vlink.vm, VLINK_PONG, vlink.pings == 1 ? VLINK_HELLO_US : VLINK_STEP_US, &m) &&
	    m.w[1] == vlink.pings) {
		vlink.pongs++;
		vlink.passes = m.w[2];
		return true;
	}
	rt_printf("%s: ping %u of VM %u: send %ld, no matching PONG\n", rt_prog, vlink.pings,
		  vlink.vm, rc);
	return false;
}

void vlink_stop(void)
{
	int64_t rc;

	if (vlink.vm == IVC_ANY)
		return;
	/* The victim must finish a verification pass that began after vlink_start(). */
	for (uint64_t end = rt_cntvct() + us_to_ticks(VLINK_PASS_US);;) {
		vlink_ping();
		if (vlink.passes > vlink.first_passes + 1 || rt_cntvct() >= end)
			break;
		ivc_sleep_us(100000);
	}
	rt_check(vlink.pongs == vlink.pings, "victim_alive", "%u of %u pings answered",
		 vlink.pongs, vlink.pings);
	rt_check(vlink.passes > vlink.first_passes + 1, "victim_verifying",
		 "the victim's verification passes went only from %lu to %lu in 30 s",
		 vlink.first_passes,
		 vlink.passes);
	rt_printf("%s: victim VM %u: %lu verification passes meanwhile\n", rt_prog, vlink.vm,
		  vlink.passes - vlink.first_passes);
	rc = ivc_send_retry(vlink.vm, VLINK_STOP, 0, 0, VLINK_STEP_US);
	rt_check(rc == IVC_OK, "stop_sent", "STOP to VM %u returned %ld (%s)", vlink.vm, rc,
		 ivc_status_name(rc));
}
