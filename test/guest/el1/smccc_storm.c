/* SPDX-License-Identifier: MIT */
/*
 * smccc_storm: SGI storms, PSCI CPU_ON abuse and random SMCCC calls from a 3-vCPU VM beside
 * a `victim` VM (doc/guest-tests.md, "Hostile programs"). Every call must be answered as
 * SMCCC / PSCI say, every valid SGI delivered and no invalid one anywhere:
 *  - sgi_invalid_dropped: SGIs to targets that do not exist (GICv3 ICC_SGI1R_EL1 with
 *    Aff1/Aff2/Aff3 or a range selector no vCPU has, target-list bits past the last vCPU;
 *    GICv2 GICD_SGIR target bits past the last CPU interface and the reserved filter 3),
 *    2,048 of them: none taken by any vCPU;
 *  - sgi_storm_delivered / sgi_storm_no_stray: 4,096 SGIs (all 16 INTIDs) to vCPU 1, and
 *    broadcasts (GICv3 IRM = 1, GICv2 filter 1 "all but me"): vCPU 1 took every INTID at
 *    least once and at most as often as sent; vCPU 0 took none;
 *  - psci_cpu_on_invalid: CPU_ON of MPIDRs no vCPU has (-2 INVALID_PARAMETERS);
 *    psci_cpu_on_already: CPU_ON of itself and of the running vCPU 1 (-4 ALREADY_ON);
 *    psci_cpu_on_wild_entry: CPU_ON of the OFF vCPU 2 with entry 0, unaligned, in a device,
 *    unmapped, past RAM, 2^64 - 4 (-9 INVALID_ADDRESS) and vCPU 2 still OFF afterwards;
 *    psci_cpu_on_repeat: CPU_ON of vCPU 2 with a good entry (0), then again (-4 or -5);
 *  - smccc_random_hvc / smccc_random_smc: 4,000 hvc #0 and 1,000 smc #0 with function IDs
 *    from a deterministic PRNG (none of the Arm architecture, standard secure or hypervisor
 *    vendor services, random upper half of x0) and random x1-x7: NOT_SUPPORTED (-1) each, no
 *    Undefined call; smccc_imm: hvc/smc with a non-zero immediate: -1;
 *  - smccc_known_random_args: PSCI_VERSION, SMCCC_VERSION, PSCI_FEATURES and
 *    SMCCC_ARCH_FEATURES of random IDs, AFFINITY_INFO of random MPIDRs and levels,
 *    MIGRATE_INFO_TYPE, ECHO with random x1-x3: each answer one the specification allows;
 *  - then the victim protocol (victim_alive, victim_verifying, stop_sent).
 */
#include "ivc.h"

const char *rt_prog = "smccc_storm";

#define SGI_STORM      4096u
#define SGI_INVALID    2048u
#define RANDOM_HVC     4000u
#define RANDOM_SMC     1000u
#define KNOWN_CALLS    2000u
#define WAIT_US        1000000u
#define PSCI_INVALID_ADDRESS (-9L)

static unsigned primary, secondary;
static volatile uint32_t sec_stop;
static volatile uint32_t taken[2][16];  /* [primary/secondary][INTID] */
static volatile uint32_t stray_intid;
static uint32_t sent[16];
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static rt_irq_fn ivc_hook; /* the IVC runtime's (doorbell, timer): interrupts >= 16 */

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void count_irq(unsigned who, uint32_t intid)
{
	if (intid < 16)
		taken[who][intid] = taken[who][intid] + 1;
	else
		stray_intid = intid;
}

static void pri_irq(uint32_t intid, uint32_t iar)
{
	if (intid >= 16 && ivc_hook)
		ivc_hook(intid, iar);
	else
		count_irq(0, intid);
}

static void sec_irq(uint32_t intid, uint32_t iar)
{
	(void)iar;
	count_irq(1, intid);
}

static void secondary_main(unsigned cpu)
{
	(void)cpu;
	for (uint32_t i = 1; i < 16; i++)
		gic_enable_private(i, 0x80);
	while (!sec_stop)
		__asm__ volatile("yield" : : : "memory");
	irq_disable();
}

static uint32_t total(unsigned who)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < 16; i++)
		n += taken[who][i];
	return n;
}

/* Waits until the counts stop changing for 50 ms (at most 1 s): longer than a few of the
 * hypervisor's 10 ms slices, since the target vCPU may share a pCPU with the sender and run
 * only at a slice end. */
static void settle(void)
{
	uint64_t end = rt_cntvct() + us_to_ticks(WAIT_US), quiet = 0;
	uint32_t last = ~0u;

	while (rt_cntvct() < end) {
		uint32_t now = total(0) + total(1);

		if (now != last) {
			last = now;
			quiet = rt_cntvct() + us_to_ticks(50000);
		} else if (rt_cntvct() >= quiet) {
			return;
		}
		__asm__ volatile("yield" : : : "memory");
	}
}

static void sgi_raw(uint64_t v3, uint32_t v2)
{
	dsb(sy);
	if (rt_plat.gic_version == 3) {
		write_sysreg(icc_sgi1r_el1, v3);
		isb();
	} else {
		mmio_write32(rt_plat.gicd + 0xf00, v2); /* GICD_SGIR */
	}
}

/* An SGI value that names no vCPU of this VM (all MPIDRs have Aff3..1 = 0, Aff0 < 16). */
static void sgi_invalid(uint32_t intid)
{
	uint64_t r = rnd(), v3 = (uint64_t)intid << 24 | (r & 0xffff);
	uint32_t known = 0, v2;

	for (unsigned c = 0; c < rt_plat.ncpus; c++)
		known |= 1u << (rt_plat.mpidr[c] & 0xf);
	switch (r >> 62) {
	case 0: v3 |= (uint64_t)(1 + ((r >> 16) & 0xfe)) << 16; break;     /* Aff1 != 0 */
	case 1: v3 |= (uint64_t)(1 + ((r >> 24) & 0xfe)) << 32; break;     /* Aff2 != 0 */
	case 2: v3 |= (uint64_t)(1 + ((r >> 32) & 0xfe)) << 48; break;     /* Aff3 != 0 */
	default: v3 = (v3 & ~0xffffull) | (r & 0xffff & ~known) |          /* no vCPU's bit, */
		      (uint64_t)(1 + ((r >> 40) & 0xe)) << 44;             /* or RS != 0 */
	}
	known = 0;
	for (unsigned c = 0; c < rt_plat.ncpus; c++)
		known |= gic_v2_cpumask(c);
	if (r & 1)
		v2 = 3u << 24 | 0xffu << 16 | intid;               /* reserved filter */
	else
		v2 = ((uint32_t)(r >> 8) & 0xff & ~known) << 16 | intid; /* absent CPUs */
	sgi_raw(v3, v2);
}

static void sgi_storms(void)
{
	uint32_t bad = 0, missing = 0, over = 0;

	for (unsigned i = 0; i < SGI_INVALID; i++)
		sgi_invalid(i & 15);
	settle();
	rt_check(total(0) == 0 && total(1) == 0, "sgi_invalid_dropped",
		 "%u SGI(s) to nobody were taken (vCPU 0: %u, vCPU 1: %u)", SGI_INVALID,
		 total(0), total(1));
	for (unsigned i = 0; i < SGI_STORM; i++) {
		uint32_t intid = (uint32_t)(rnd() & 15);

		if (intid == 0)
			intid = 1 + (i % 15); /* SGIs 1-15: SGI 0 stays disabled */
		sent[intid]++;
		if (i % 16 == 15)
			sgi_raw((uint64_t)intid << 24 | 1ull << 40, 1u << 24 | intid); /* all but me */
		else
			gic_send_sgi(secondary, intid);
	}
	settle();
	for (unsigned i = 1; i < 16; i++) {
		missing += sent[i] && !taken[1][i];
		over += taken[1][i] > sent[i];
	}
	bad = total(0);
	rt_check(missing == 0 && over == 0, "sgi_storm_delivered",
		 "%u INTID(s) sent but never taken, %u taken more often than sent", missing, over);
	rt_check(bad == 0 && stray_intid == 0, "sgi_storm_no_stray",
		 "vCPU 0 took %u SGI(s), stray INTID %u", bad, stray_intid);
	rt_printf("%s: SGIs: %u invalid, %u sent, %u taken by vCPU 1 (pending ones merge)\n",
		  rt_prog, SGI_INVALID, SGI_STORM, total(1));
}

static void psci_abuse(void)
{
	const uint64_t bad_mpidr[] = { 0xff, 0x100, 0x10000, 1ull << 32, 0x80000000ull,
				       ~0ull, 0xff00ff00ffull };
	uint64_t ram_end = 0x40000000ul + (128ul << 20);
	const uint64_t bad_entry[] = { 0, (uint64_t)rt_park + 2, RT_UART_BASE, RT_UNMAPPED_IPA,
				       ram_end, ram_end + 0x1000, ~3ull, 0x4000000000ull };
	unsigned fails = 0, third = 2;
	int64_t rc;

	for (unsigned i = 0; i < sizeof(bad_mpidr) / sizeof(bad_mpidr[0]); i++) {
		bool mine = false;

		for (unsigned c = 0; c < rt_plat.ncpus; c++)
			mine |= rt_plat.mpidr[c] == bad_mpidr[i];
		rc = rt_psci(PSCI_CPU_ON_64, bad_mpidr[i], (uint64_t)rt_park, 0);
		if (!mine && rc != PSCI_RET_INVALID_PARAMS) {
			fails++;
			rt_printf("%s: CPU_ON(0x%lx) = %ld\n", rt_prog, bad_mpidr[i], rc);
		}
	}
	rt_check(fails == 0, "psci_cpu_on_invalid", "%u CPU_ON(s) of absent MPIDRs not -2", fails);
	fails = 0;
	rc = rt_psci(PSCI_CPU_ON_64, rt_plat.mpidr[primary], (uint64_t)rt_park, 0);
	fails += rc != PSCI_RET_ALREADY_ON;
	for (unsigned k = 0; k < 8; k++)
		fails += rt_psci(PSCI_CPU_ON_64, rt_plat.mpidr[secondary], (uint64_t)rt_park, 0) !=
			 PSCI_RET_ALREADY_ON;
	rt_check(fails == 0, "psci_cpu_on_already", "%u CPU_ON(s) of running vCPUs not -4 "
		 "(self: %ld)", fails, rc);
	if (!rt_need_cpus(3))
		return;
	fails = 0;
	for (unsigned i = 0; i < sizeof(bad_entry) / sizeof(bad_entry[0]); i++) {
		rc = rt_psci(PSCI_CPU_ON_64, rt_plat.mpidr[third], bad_entry[i], third);
		if (rc != PSCI_INVALID_ADDRESS) {
			fails++;
			rt_printf("%s: CPU_ON(vCPU %u, entry 0x%lx) = %ld\n", rt_prog, third,
				  bad_entry[i], rc);
		}
	}
	rc = rt_psci(PSCI_AFFINITY_INFO_64, rt_plat.mpidr[third], 0, 0);
	rt_check(fails == 0 && rc == PSCI_AFF_OFF, "psci_cpu_on_wild_entry",
		 "%u wild entry point(s) not -9; vCPU %u AFFINITY_INFO %ld", fails, third, rc);
	rc = rt_psci(PSCI_CPU_ON_64, rt_plat.mpidr[third], (uint64_t)rt_park, third);
	{
		int64_t again = rt_psci(PSCI_CPU_ON_64, rt_plat.mpidr[third], (uint64_t)rt_park, third);

		rt_check(rc == PSCI_RET_SUCCESS &&
			 (again == PSCI_RET_ALREADY_ON || again == PSCI_RET_ON_PENDING),
			 "psci_cpu_on_repeat", "CPU_ON %ld, then %ld", rc, again);
	}
}

/* An SMCCC call with x0..x7 through hvc #0 (smc: smc #0); returns x0..x3. */
static struct smccc_res call8(bool smc, const uint64_t a[8])
{
	register uint64_t x0 __asm__("x0") = a[0];
	register uint64_t x1 __asm__("x1") = a[1];
	register uint64_t x2 __asm__("x2") = a[2];
	register uint64_t x3 __asm__("x3") = a[3];
	register uint64_t x4 __asm__("x4") = a[4];
	register uint64_t x5 __asm__("x5") = a[5];
	register uint64_t x6 __asm__("x6") = a[6];
	register uint64_t x7 __asm__("x7") = a[7];

	if (smc)
		__asm__ volatile("smc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5),
				   "+r"(x6), "+r"(x7)
				 :
				 : "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16",
				   "x17", "memory");
	else
		__asm__ volatile("hvc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5),
				   "+r"(x6), "+r"(x7)
				 :
				 : "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16",
				   "x17", "memory");
	return (struct smccc_res){ x0, x1, x2, x3 };
}

/* A function ID of no service armvirt implements (not owners 0, 4, 6 as fast calls). */
static uint64_t unknown_fid(void)
{
	for (;;) {
		uint64_t x0 = rnd();
		uint32_t fid = (uint32_t)x0;
		unsigned oen = (fid >> 24) & 0x3f;

		if ((fid >> 31) && (oen == 0 || oen == 4 || oen == 6))
			continue;
		return x0;
	}
}

static void random_calls(bool smc, unsigned n, const char *name)
{
	unsigned wrong = 0, undef0 = rt_undef_calls;
	uint64_t first_fid = 0, first_ret = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t a[8];
		struct smccc_res r;

		a[0] = unknown_fid();
		for (unsigned k = 1; k < 8; k++)
			a[k] = rnd();
		r = call8(smc, a);
		if ((uint32_t)r.a0 != 0xffffffffu) {
			if (!wrong++) {
				first_fid = a[0];
				first_ret = r.a0;
			}
		}
	}
	rt_check(wrong == 0 && rt_undef_calls == undef0, name,
		 "%u of %u calls not NOT_SUPPORTED (first x0 0x%lx -> 0x%lx), %u Undefined",
		 wrong, n, first_fid, first_ret, rt_undef_calls - undef0);
}

static void imm_calls(void)
{
	register uint64_t x0 __asm__("x0");
	unsigned wrong = 0;

	x0 = PSCI_VERSION;
	__asm__ volatile("hvc #1" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	wrong += x0 != (uint64_t)SMCCC_RET_NOT_SUPPORTED && (int64_t)x0 < 0x10000;
	x0 = 0x4b000000;
	__asm__ volatile("hvc #0xffff" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	wrong += x0 != (uint64_t)SMCCC_RET_NOT_SUPPORTED;
	x0 = PSCI_VERSION;
	__asm__ volatile("smc #0x1234" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	wrong += x0 != (uint64_t)SMCCC_RET_NOT_SUPPORTED;
	rt_check(wrong == 0, "smccc_imm", "%u call(s) with a non-zero immediate answered", wrong);
}

static void known_calls(void)
{
	unsigned wrong = 0;

	for (unsigned i = 0; i < KNOWN_CALLS; i++) {
		uint64_t r = rnd(), a1 = rnd(), a2 = rnd(), a3 = rnd();
		struct smccc_res s;
		int64_t v;
		bool ok;

		switch (i % 7) {
		case 0:
			v = rt_psci(PSCI_VERSION, a1, a2, a3);
			ok = v >= 0x10000;
			break;
		case 1:
			v = rt_psci(SMCCC_VERSION, a1, a2, a3);
			ok = v == 0x10001;
			break;
		case 2: /* PSCI_FEATURES of an ID no service has */
			v = rt_psci(PSCI_FEATURES, (uint32_t)unknown_fid(), a2, a3);
			ok = v == PSCI_RET_NOT_SUPPORTED;
			break;
		case 3: /* SMCCC_ARCH_FEATURES (0x80000001) likewise */
			v = rt_psci(0x80000001u, (uint32_t)unknown_fid(), a2, a3);
			ok = v == SMCCC_RET_NOT_SUPPORTED;
			break;
		case 4: /* AFFINITY_INFO: a state or INVALID_PARAMETERS */
			v = rt_psci(PSCI_AFFINITY_INFO_64, (r & 1) ? a1 : a1 & 0xf, a2 & 7, a3);
			ok = v == PSCI_AFF_ON || v == PSCI_AFF_OFF || v == PSCI_AFF_ON_PENDING ||
			     v == PSCI_RET_INVALID_PARAMS;
			break;
		case 5: /* MIGRATE_INFO_TYPE: 2 (not needed) or NOT_SUPPORTED */
			v = rt_psci(0x84000006u, a1, a2, a3);
			ok = v == 2 || v == PSCI_RET_NOT_SUPPORTED;
			break;
		default: /* ECHO: x0 = 0, x1-x3 unchanged */
			s = rt_hvc(ARMVIRT_HC_ECHO, a1, a2, a3);
			v = (int64_t)s.a0;
			ok = s.a0 == 0 && s.a1 == a1 && s.a2 == a2 && s.a3 == a3;
			break;
		}
		if (!ok && !wrong++)
			rt_printf("%s: known call %u (kind %u) returned %ld\n", rt_prog, i, i % 7, v);
	}
	rt_check(wrong == 0, "smccc_known_random_args", "%u of %u answers not allowed", wrong,
		 KNOWN_CALLS);
}

void test_main(void)
{
	bool use_ivc = ivc_start();
	uint64_t t0;

	primary = rt_cpu_index();
	secondary = primary == 0 ? 1 : 0;
	if (use_ivc)
		vlink_start();
	if (!rt_need_cpus(2))
		return;
	if (!use_ivc)
		gic_init_dist();
	if (!rt_check(gic_init_cpu() == 0, "gic_init", "no redistributor for vCPU %u", primary))
		return;
	ivc_hook = use_ivc ? rt_irq_hook[primary] : 0;
	rt_irq_hook[primary] = pri_irq;
	for (uint32_t i = 1; i < 16; i++)
		gic_enable_private(i, 0x80);
	if (!rt_start_secondary(secondary, 1, sec_irq, secondary_main))
		return;
	t0 = rt_cntvct();
	rt_printf("%s: log window begin\n", rt_prog);
	sgi_storms();
	if (use_ivc)
		vlink_ping();
	psci_abuse();
	random_calls(false, RANDOM_HVC, "smccc_random_hvc");
	random_calls(true, RANDOM_SMC, "smccc_random_smc");
	imm_calls();
	known_calls();
	rt_printf("%s: log window end (%lu ms)\n", rt_prog, ticks_to_us(rt_cntvct() - t0) / 1000);
	sec_stop = 1;
	dsb(sy);
	if (use_ivc)
		vlink_stop();
}
