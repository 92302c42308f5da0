/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: inter-VM messages, the IVC hypercalls, shared buffers in stage 2 and the
 * guest device-tree node.
 *
 * The doorbell callback records every call. The stage-2 environment hands out table pages
 * from an arena whose physical addresses are an offset of their virtual ones (as in
 * test_s2.c), so the isolation checker can tell table pages from guest memory. The device
 * tree is built with av_fdt_build() and read back with libfdt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <armvirt/ivc.h>

#include "check_err.h"

#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)

/* ---- doorbell recorder ---- */

struct db_call {
	unsigned vm;
	uint32_t intid;
	enum av_ivc_db_op op;
};

static struct db_call DB[64];
static unsigned NDB;

static void doorbell(void *cookie, unsigned vm, uint32_t intid, enum av_ivc_db_op op)
{
	(void)cookie;
	if (NDB < 64)
		DB[NDB] = (struct db_call){ vm, intid, op };
	NDB++;
}

static const struct av_ivc_ops OPS = { .doorbell = doorbell };

/* ---- the configuration most tests use ---- */

/*
 * Three VMs. VM 0: SPI 64 (INTID 96) edge; VM 1: SPI 65 (INTID 97) level; VM 2: PPI 4
 * (INTID 20) level. Pairs: 0->1, 1->0, 0->2. VM 2 may send to nobody.
 * Buffers: "ring" (8 KiB): VM 0 RW at 0x1000_0000, VM 1 RO at 0x2000_0000, VM 2 none.
 *          "bulk" (2 MiB): VM 0 RO at 0x1020_0000, VM 2 RW at 0x3000_0000, VM 1 none.
 */
#define RING_PA 0x90000000ull
#define BULK_PA 0x90200000ull

static const struct av_ivc_vm_cfg VMS[3] = {
	{ 96, AV_IVC_EDGE }, { 97, AV_IVC_LEVEL }, { 20, AV_IVC_LEVEL },
};
static const struct av_ivc_pair PAIRS[] = { { 0, 1 }, { 1, 0 }, { 0, 2 }, { 0, 1 } };

static struct av_ivc_buf_cfg BUFS[2];
static struct av_ivc_config CFG;
static struct av_ivc IVC;

static void make_cfg(void)
{
	memset(BUFS, 0, sizeof(BUFS));
	BUFS[0].name = "ring";
	BUFS[0].pa = RING_PA;
	BUFS[0].size = KIB(8);
	BUFS[0].view[0] = (struct av_ivc_view){ AV_IVC_ACCESS_RW, 0x10000000 };
	BUFS[0].view[1] = (struct av_ivc_view){ AV_IVC_ACCESS_RO, 0x20000000 };
	BUFS[1].name = "bulk";
	BUFS[1].pa = BULK_PA;
	BUFS[1].size = MIB(2);
	BUFS[1].view[0] = (struct av_ivc_view){ AV_IVC_ACCESS_RO, 0x10200000 };
	BUFS[1].view[2] = (struct av_ivc_view){ AV_IVC_ACCESS_RW, 0x30000000 };
	CFG = (struct av_ivc_config){
		.nr_vms = 3, .vms = VMS, .pairs = PAIRS, .npairs = 4, .bufs = BUFS, .nbufs = 2,
		.ops = &OPS, .cookie = NULL,
	};
}

static int setup(void **state)
{
	struct av_error err;

	(void)state;
	make_cfg();
	NDB = 0;
	assert_int_equal(av_ivc_init(&IVC, &CFG, &err), 0);
	assert_string_equal(err.msg, "");
	return 0;
}

/* ---- configuration ---- */

static int init_with(void (*change)(void), struct av_error *err)
{
	make_cfg();
	change();
	return av_ivc_init(&IVC, &CFG, err);
}

static struct av_ivc_vm_cfg BAD_VMS[3];
static struct av_ivc_pair BAD_PAIRS[1];

static void c_no_vms(void) { CFG.nr_vms = 0; }
static void c_many_vms(void) { CFG.nr_vms = AV_IVC_MAX_VMS + 1; }
static void c_no_ops(void) { CFG.ops = NULL; }
static void c_null_vms(void) { CFG.vms = NULL; }
static void c_sgi(void) { memcpy(BAD_VMS, VMS, sizeof(VMS)); BAD_VMS[1].doorbell = 7; CFG.vms = BAD_VMS; }
static void c_intid(void) { memcpy(BAD_VMS, VMS, sizeof(VMS)); BAD_VMS[1].doorbell = 1020; CFG.vms = BAD_VMS; }
static void c_trigger(void) { memcpy(BAD_VMS, VMS, sizeof(VMS)); BAD_VMS[0].trigger = (enum av_ivc_trigger)5; CFG.vms = BAD_VMS; }
static void c_pair_range(void) { BAD_PAIRS[0] = (struct av_ivc_pair){ 0, 3 }; CFG.pairs = BAD_PAIRS; CFG.npairs = 1; }
static void c_pair_self(void) { BAD_PAIRS[0] = (struct av_ivc_pair){ 2, 2 }; CFG.pairs = BAD_PAIRS; CFG.npairs = 1; }
static void c_pair_null(void) { CFG.pairs = NULL; }
static void c_nbufs(void) { CFG.nbufs = AV_IVC_MAX_BUFS + 1; }
static void c_bufs_null(void) { CFG.bufs = NULL; }
static void c_noname(void) { BUFS[1].name = ""; }
static void c_longname(void) { BUFS[1].name = "a-name-that-is-far-too-long-to-fit"; }
static void c_size0(void) { BUFS[0].size = 0; }
static void c_size_odd(void) { BUFS[0].size = 0x1800; }
static void c_pa_align(void) { BUFS[0].pa = RING_PA + 0x10; }
static void c_wrap(void) { BUFS[0].pa = 0xfffffffffffff000ull; BUFS[0].size = 0x2000; }
static void c_pa_overlap(void) { BUFS[1].pa = RING_PA + 0x1000; }
static void c_access(void) { BUFS[0].view[2].access = (enum av_ivc_access)3; }
static void c_view_vm(void) { BUFS[0].view[5].access = AV_IVC_ACCESS_RO; }
static void c_ipa_align(void) { BUFS[0].view[1].ipa = 0x20000800; }
static void c_ipa_wrap(void) { BUFS[0].view[1].ipa = 0xfffffffffffff000ull; }
static void c_ipa_clash(void) { BUFS[1].view[0].ipa = 0x10001000; }
static void c_ok_clash_other_vm(void) { BUFS[1].view[2].ipa = 0x10000000; }

static void test_init_validation(void **state)
{
	static const struct {
		void (*change)(void);
		int rc;
	} cases[] = {
		{ c_no_vms, -AV_ERANGE },      { c_many_vms, -AV_ERANGE },
		{ c_no_ops, -AV_EINVAL },      { c_null_vms, -AV_EINVAL },
		{ c_sgi, -AV_ERANGE },         { c_intid, -AV_ERANGE },
		{ c_trigger, -AV_EINVAL },     { c_pair_range, -AV_ERANGE },
		{ c_pair_self, -AV_EINVAL },   { c_pair_null, -AV_EINVAL },
		{ c_nbufs, -AV_ERANGE },       { c_bufs_null, -AV_EINVAL },
		{ c_noname, -AV_EINVAL },      { c_longname, -AV_EINVAL },
		{ c_size0, -AV_EINVAL },       { c_size_odd, -AV_EINVAL },
		{ c_pa_align, -AV_EINVAL },    { c_wrap, -AV_ERANGE },
		{ c_pa_overlap, -AV_EEXIST },  { c_access, -AV_EINVAL },
		{ c_view_vm, -AV_ERANGE },     { c_ipa_align, -AV_EINVAL },
		{ c_ipa_wrap, -AV_ERANGE },    { c_ipa_clash, -AV_EEXIST },
		{ c_ok_clash_other_vm, 0 },
	};
	struct av_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 'x', sizeof(err));
		err.msg[sizeof(err.msg) - 1] = '\0';
		print_message("case %zu\n", i);
		assert_int_equal(init_with(cases[i].change, &err), cases[i].rc);
		if (cases[i].rc)
			assert_true(strlen(err.field) > 0 && err.field[0] != 'x' &&
				    strlen(err.msg) > 0 && err.msg[0] != 'x');
		else
			assert_string_equal(err.msg, "");
	}
	make_cfg();
	assert_int_equal(av_ivc_init(NULL, &CFG, NULL), -AV_EINVAL);
	assert_int_equal(av_ivc_init(&IVC, NULL, NULL), -AV_EINVAL);
	/* The detail: the entry, then the reason. */
	check_err(av_ivc_init(NULL, &CFG, &err), &err, -AV_EINVAL, "ivc", "NULL");
	check_err(init_with(c_ipa_align, &err), &err, -AV_EINVAL, "bufs[0].view[1].ipa",
		  "0x20000800 is not 4 KiB aligned");
	check_err(init_with(c_no_vms, &err), &err, -AV_ERANGE, "nr_vms", "0 (1..16)");
	check_err(init_with(c_ok_clash_other_vm, &err), &err, 0, "", "");
	/* Names are copied: the configuration may go away. */
	{
		char name[8] = "tmp";

		make_cfg();
		BUFS[0].name = name;
		assert_int_equal(av_ivc_init(&IVC, &CFG, NULL), 0);
		strcpy(name, "zzz");
		assert_string_equal(av_ivc_buf(&IVC, 0)->name, "tmp");
	}
	assert_int_equal(av_ivc_nr_bufs(&IVC), 2);
	assert_null(av_ivc_buf(&IVC, 2));
	assert_int_equal(av_ivc_nr_bufs(NULL), 0);
}

/* ---- messages ---- */

static void test_send_recv_ack(void **state)
{
	struct av_ivc_msg m;

	(void)state;
	assert_true(av_ivc_may_send(&IVC, 0, 1));
	assert_false(av_ivc_may_send(&IVC, 2, 0));
	assert_false(av_ivc_may_send(&IVC, 0, 3));
	assert_false(av_ivc_may_send(NULL, 0, 1));

	assert_int_equal(av_ivc_recv(&IVC, 1, &m), -AV_ENOENT);
	assert_false(av_ivc_pending(&IVC, 1));
	assert_int_equal(av_ivc_send(&IVC, 0, 1, 11, 22, 33), 0);
	assert_true(av_ivc_pending(&IVC, 1));
	/* Level doorbell of VM 1 raised. */
	assert_int_equal(NDB, 1);
	assert_int_equal(DB[0].vm, 1);
	assert_int_equal(DB[0].intid, 97);
	assert_int_equal(DB[0].op, AV_IVC_DB_RAISE);

	/* Read twice: the message stays until acknowledged. */
	for (int i = 0; i < 2; i++) {
		memset(&m, 0, sizeof(m));
		assert_int_equal(av_ivc_recv(&IVC, 1, &m), 0);
		assert_int_equal(m.from, 0);
		assert_int_equal(m.w[0], 11);
		assert_int_equal(m.w[1], 22);
		assert_int_equal(m.w[2], 33);
	}
	/* Busy until the acknowledgement; the message is unchanged; no doorbell. */
	assert_int_equal(av_ivc_send(&IVC, 0, 1, 44, 55, 66), -AV_EBUSY);
	assert_int_equal(av_ivc_send(&IVC, 0, 1, 44, 55, 66), -AV_EBUSY);
	assert_int_equal(NDB, 1);
	assert_int_equal(av_ivc_recv(&IVC, 1, &m), 0);
	assert_int_equal(m.w[0], 11);
	assert_int_equal(IVC.mbox[1].busy, 2);

	assert_int_equal(av_ivc_ack(&IVC, 1), 0);
	assert_int_equal(NDB, 2);
	assert_int_equal(DB[1].vm, 1);
	assert_int_equal(DB[1].op, AV_IVC_DB_LOWER);
	assert_int_equal(av_ivc_ack(&IVC, 1), -AV_ENOENT);
	assert_int_equal(av_ivc_recv(&IVC, 1, &m), -AV_ENOENT);
	assert_int_equal(NDB, 2);

	/* Free again. */
	assert_int_equal(av_ivc_send(&IVC, 0, 1, 44, 55, 66), 0);
	assert_int_equal(av_ivc_take(&IVC, 1, &m), 0);
	assert_int_equal(m.w[2], 66);
	assert_int_equal(av_ivc_take(&IVC, 1, &m), -AV_ENOENT);
	assert_int_equal(IVC.mbox[1].delivered, 2);

	/* Edge doorbell (VM 0): pulsed at the deposit, nothing at the acknowledgement. */
	NDB = 0;
	assert_int_equal(av_ivc_send(&IVC, 1, 0, 1, 2, 3), 0);
	assert_int_equal(NDB, 1);
	assert_int_equal(DB[0].vm, 0);
	assert_int_equal(DB[0].intid, 96);
	assert_int_equal(DB[0].op, AV_IVC_DB_PULSE);
	assert_int_equal(av_ivc_recv(&IVC, 0, &m), 0);
	assert_int_equal(m.from, 1);
	assert_int_equal(av_ivc_ack(&IVC, 0), 0);
	assert_int_equal(NDB, 1);

	/* Bad arguments. */
	assert_int_equal(av_ivc_recv(NULL, 0, &m), -AV_EINVAL);
	assert_int_equal(av_ivc_recv(&IVC, 0, NULL), -AV_EINVAL);
	assert_int_equal(av_ivc_recv(&IVC, 3, &m), -AV_ENOENT);
	assert_int_equal(av_ivc_ack(NULL, 0), -AV_EINVAL);
	assert_int_equal(av_ivc_ack(&IVC, 3), -AV_ENOENT);
	assert_int_equal(av_ivc_take(&IVC, 0, NULL), -AV_EINVAL);
	assert_false(av_ivc_pending(&IVC, 3));
}

static void test_denied(void **state)
{
	(void)state;
	/* No declaration, no send: nothing deposited, no doorbell. */
	assert_int_equal(av_ivc_send(&IVC, 2, 0, 1, 2, 3), -AV_EPERM);
	assert_int_equal(av_ivc_send(&IVC, 1, 2, 1, 2, 3), -AV_EPERM);
	assert_int_equal(av_ivc_send(&IVC, 2, 1, 1, 2, 3), -AV_EPERM);
	assert_int_equal(av_ivc_send(&IVC, 1, 1, 1, 2, 3), -AV_EINVAL);
	assert_int_equal(av_ivc_send(&IVC, 0, 3, 1, 2, 3), -AV_ENOENT);
	assert_int_equal(av_ivc_send(&IVC, 7, 0, 1, 2, 3), -AV_ENOENT);
	assert_int_equal(av_ivc_send(NULL, 0, 1, 1, 2, 3), -AV_EINVAL);
	assert_int_equal(NDB, 0);
	for (unsigned v = 0; v < 3; v++)
		assert_false(av_ivc_pending(&IVC, v));
}

static void test_broadcast(void **state)
{
	struct av_ivc_bcast r;
	struct av_ivc_msg m;

	(void)state;
	/* VM 1's mailbox is full: VM 0's broadcast reaches VM 2 only. */
	assert_int_equal(av_ivc_send(&IVC, 0, 1, 9, 9, 9), 0);
	NDB = 0;
	assert_int_equal(av_ivc_broadcast(&IVC, 0, 7, 8, 9, &r), 1);
	assert_int_equal(r.delivered, 1u << 2);
	assert_int_equal(r.busy, 1u << 1);
	assert_int_equal(r.denied, 0);
	assert_int_equal(NDB, 1);
	assert_int_equal(DB[0].vm, 2);
	assert_int_equal(DB[0].intid, 20);
	assert_int_equal(DB[0].op, AV_IVC_DB_RAISE);
	assert_int_equal(av_ivc_recv(&IVC, 2, &m), 0);
	assert_int_equal(m.from, 0);
	assert_int_equal(m.w[0], 7);
	assert_int_equal(av_ivc_recv(&IVC, 1, &m), 0);
	assert_int_equal(m.w[0], 9); /* the earlier message, untouched */

	/* VM 2 may send to nobody: everyone denied, 0 delivered (not an error). */
	assert_int_equal(av_ivc_broadcast(&IVC, 2, 1, 2, 3, &r), 0);
	assert_int_equal(r.delivered, 0);
	assert_int_equal(r.busy, 0);
	assert_int_equal(r.denied, (1u << 0) | (1u << 1));

	/* VM 1: VM 0 delivered, VM 2 denied. */
	assert_int_equal(av_ivc_broadcast(&IVC, 1, 4, 5, 6, &r), 1);
	assert_int_equal(r.delivered, 1u << 0);
	assert_int_equal(r.denied, 1u << 2);
	assert_int_equal(r.busy, 0);

	/* After acknowledgements, VM 0 reaches both. */
	assert_int_equal(av_ivc_ack(&IVC, 1), 0);
	assert_int_equal(av_ivc_ack(&IVC, 2), 0);
	assert_int_equal(av_ivc_broadcast(&IVC, 0, 1, 1, 1, NULL), 2);

	assert_int_equal(av_ivc_broadcast(&IVC, 3, 1, 1, 1, &r), -AV_ENOENT);
	assert_int_equal(r.delivered | r.busy | r.denied, 0);
	assert_int_equal(av_ivc_broadcast(NULL, 0, 1, 1, 1, &r), -AV_EINVAL);
}

/* ---- hypercalls ---- */

static void hc(unsigned vm, uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t x4,
	       struct av_regs *r, int rc)
{
	memset(r, 0, sizeof(*r));
	r->x[0] = x0;
	r->x[1] = x1;
	r->x[2] = x2;
	r->x[3] = x3;
	r->x[4] = x4;
	r->x[5] = 0x5555;
	assert_int_equal(av_ivc_hypercall(&IVC, vm, r), rc);
	assert_int_equal(r->x[5], 0x5555);
}

static void test_hypercalls(void **state)
{
	struct av_regs r;

	(void)state;
	/* INFO. */
	hc(1, AV_IVC_HC_INFO, 0, 0, 0, 0, &r, 0);
	assert_int_equal(r.x[0], 0);
	assert_int_equal(r.x[1], 1);
	assert_int_equal(r.x[2], 3);
	assert_int_equal(r.x[3], 1u << 0);
	hc(0, AV_IVC_HC_INFO, 0, 0, 0, 0, &r, 0);
	assert_int_equal(r.x[3], (1u << 1) | (1u << 2));
	/* Only W0 is the function ID. */
	hc(2, 0xffffffff00000000ull | AV_IVC_HC_INFO, 0, 0, 0, 0, &r, 0);
	assert_int_equal(r.x[1], 2);

	/* SEND, then BUSY, DENIED, NO_VM, INVALID. */
	hc(0, AV_IVC_HC_SEND, 1, 0xa, 0xb, 0xc, &r, 0);
	assert_int_equal((int64_t)r.x[0], AV_IVC_HC_SUCCESS);
	hc(0, AV_IVC_HC_SEND, 1, 0xa, 0xb, 0xc, &r, 0);
	assert_int_equal((int64_t)r.x[0], AV_IVC_HC_BUSY);
	assert_int_equal((int64_t)r.x[0], -16);
	hc(2, AV_IVC_HC_SEND, 0, 1, 2, 3, &r, 0);
	assert_int_equal((int64_t)r.x[0], AV_IVC_HC_DENIED);
	hc(0, AV_IVC_HC_SEND, 3, 1, 2, 3, &r, 0);
	assert_int_equal((int64_t)r.x[0], AV_IVC_HC_NO_VM);
	hc(0, AV_IVC_HC_SEND, 1ull << 32, 1, 2, 3, &r, 0);
	assert_int_equal((int64_t)r.x[0], AV_IVC_HC_NO_VM);
	hc(0, AV_IVC_HC_SEND, 0, 1, 2, 3, &r, 0);
	assert_int_equal((int64_t)r.x[0], AV_IVC_HC_INVALID);

	/* RECV without and with ACK. */
	hc(1, AV_IVC_HC_RECV, 0, 0, 0, 0, &r, 0);
	assert_int_equal(r.x[0], 0);
	assert_int_equal(r.x[1], 0);
	assert_int_equal(r.x[2], 0xa);
	assert_int_equal(r.x[3], 0xb);
	assert_int_equal(r.x[4], 0xc);
	hc(1, AV_IVC_HC_RECV, 2, 0, 0, 0, &r, 0);
	assert_int_equal((int64_t)r.x[0], AV_IVC_HC_INVALID);
	NDB = 0;
	hc(1, AV_IVC_HC_RECV, AV_IVC_RECV_ACK, 0, 0, 0, &r, 0);
	assert_int_equal(r.x[0], 0);
	assert_int_equal(r.x[4], 0xc);
	assert_int_equal(NDB, 1);
	assert_int_equal(DB[0].op, AV_IVC_DB_LOWER);
	hc(1, AV_IVC_HC_RECV, 0, 0, 0, 0, &r, 0);
	assert_int_equal((int64_t)r.x[0], AV_IVC_HC_NO_MESSAGE);
	assert_int_equal(r.x[1] | r.x[2] | r.x[3] | r.x[4], 0);

	/* ACK. */
	hc(1, AV_IVC_HC_ACK, 0, 0, 0, 0, &r, 0);
	assert_int_equal((int64_t)r.x[0], AV_IVC_HC_NO_MESSAGE);
	hc(1, AV_IVC_HC_SEND, 0, 5, 6, 7, &r, 0);
	assert_int_equal(r.x[0], 0);
	hc(0, AV_IVC_HC_ACK, 0, 0, 0, 0, &r, 0);
	assert_int_equal(r.x[0], 0);

	/* BROADCAST: count in x0, masks in x1..x3. */
	hc(0, AV_IVC_HC_SEND, 2, 0, 0, 0, &r, 0);
	hc(0, AV_IVC_HC_BROADCAST, 1, 2, 3, 0, &r, 0);
	assert_int_equal(r.x[0], 1);
	assert_int_equal(r.x[1], 1u << 1);
	assert_int_equal(r.x[2], 1u << 2);
	assert_int_equal(r.x[3], 0);
	hc(1, AV_IVC_HC_RECV, 0, 0, 0, 0, &r, 0);
	assert_int_equal(r.x[2], 1);
	assert_int_equal(r.x[3], 2);
	assert_int_equal(r.x[4], 3);

	/* Not mine: nothing written. */
	hc(0, 0xc6000015, 1, 2, 3, 4, &r, -AV_ENOTSUP);
	assert_int_equal(r.x[0], 0xc6000015);
	assert_int_equal(r.x[1], 1);
	hc(0, 0xc6000001, 1, 2, 3, 4, &r, -AV_ENOTSUP);
	hc(0, 0x86000010, 1, 2, 3, 4, &r, -AV_ENOTSUP); /* SMC32 form */
	hc(0, 0x84000000, 0, 0, 0, 0, &r, -AV_ENOTSUP); /* PSCI_VERSION */
	hc(3, AV_IVC_HC_INFO, 0, 0, 0, 0, &r, -AV_EINVAL);
	assert_int_equal(r.x[0], AV_IVC_HC_INFO);
	assert_int_equal(av_ivc_hypercall(NULL, 0, &r), -AV_EINVAL);
	assert_int_equal(av_ivc_hypercall(&IVC, 0, NULL), -AV_EINVAL);

	assert_string_equal(av_ivc_hc_status_name(AV_IVC_HC_BUSY), "BUSY");
	assert_string_equal(av_ivc_hc_status_name(AV_IVC_HC_DENIED), "DENIED");
	assert_string_equal(av_ivc_hc_status_name(-99), "?");
}

/* ---- shared buffers in stage 2 ---- */

#define ARENA_PAGES 256
#define ARENA_PA 0x800000000ull /* table pages live far from guest memory */

static uint8_t *Arena;
static size_t Bump;

static void *mm_zalloc(void *cookie, size_t size)
{
	void *p;

	(void)cookie;
	if (Bump + size > ARENA_PAGES * KIB(4))
		return NULL;
	p = Arena + Bump;
	Bump += size;
	memset(p, 0, size);
	return p;
}

static void mm_free(void *cookie, void *va, size_t size)
{
	(void)cookie;
	(void)va;
	(void)size;
}

static void *mm_p2v(void *cookie, uint64_t pa)
{
	(void)cookie;
	return Arena + (pa - ARENA_PA);
}

static uint64_t mm_v2p(void *cookie, void *va)
{
	(void)cookie;
	return ARENA_PA + (uint64_t)((uint8_t *)va - Arena);
}

static void mm_tlbi_ipa(void *cookie, uint64_t ipa, unsigned level, bool leaf)
{
	(void)cookie;
	(void)ipa;
	(void)level;
	(void)leaf;
}

static void mm_tlbi_vmid(void *cookie)
{
	(void)cookie;
}

static const struct av_mm_ops MM = {
	.zalloc = mm_zalloc, .free = mm_free, .phys_to_virt = mm_p2v, .virt_to_phys = mm_v2p,
	.tlbi_ipa = mm_tlbi_ipa, .tlbi_vmid = mm_tlbi_vmid,
};

/* Guest RAM of VM v: 2 MiB at IPA 0x4000_0000, PA 0x4000_0000 + v * 16 MiB. */
static struct av_s2_pa_range ram_of(unsigned v)
{
	return (struct av_s2_pa_range){ 0x40000000ull + v * MIB(16), MIB(2) };
}

static void s2_for(struct av_s2 *s2, unsigned v, struct av_memcache *mc, void **slots)
{
	const struct av_s2_cfg cfg = {
		.granule = AV_S2_GRANULE_4K, .ipa_bits = 40, .pa_bits = 40,
		.start_level = AV_S2_START_LEVEL_AUTO, .vmid_bits = 8, .walk = AV_S2_WALK_WB_INNER,
	};
	struct av_s2_pa_range ram = ram_of(v);

	assert_int_equal(av_s2_init(s2, &cfg, &MM, NULL, NULL), 0);
	av_memcache_init(mc, slots, 32);
	assert_int_equal(av_s2_memcache_topup(s2, mc, 32), 0);
	assert_int_equal(av_s2_map(s2, 0x40000000, ram.size, ram.pa, AV_S2_RWX, 0, mc, NULL), 0);
}

static unsigned long check(struct av_s2 *s2, unsigned v, bool with_bufs)
{
	struct av_s2_pa_range ram = ram_of(v), owned[4];
	size_t n = 1;

	owned[0] = ram;
	if (with_bufs)
		assert_int_equal(av_ivc_owned_ranges(&IVC, v, &ram, 1, owned, 4, &n), 0);
	return av_s2_check(s2, owned, n, NULL, NULL);
}

static void expect_prot(struct av_s2 *s2, uint64_t ipa, uint64_t pa, uint32_t prot)
{
	struct av_s2_leaf l;

	assert_int_equal(av_s2_translate(s2, ipa, &l), 0);
	assert_int_equal(l.pa, pa);
	assert_int_equal(l.prot & (AV_S2_R | AV_S2_W | AV_S2_X), prot);
	assert_int_equal(AV_FIELD_GET(AV_S2_MT, l.prot), AV_S2_MT_NORMAL);
}

static void test_shmem_map(void **state)
{
	struct av_s2 s2[3];
	struct av_memcache mc[3];
	void *slots[3][32];
	struct av_s2_leaf l;
	struct av_s2_pa_range ram = ram_of(0), out[4];
	size_t n;

	(void)state;
	Arena = aligned_alloc(KIB(4), ARENA_PAGES * KIB(4));
	assert_non_null(Arena);
	Bump = 0;
	for (unsigned v = 0; v < 3; v++) {
		s2_for(&s2[v], v, &mc[v], slots[v]);
		assert_true(av_ivc_shmem_pages_max(&IVC, v, &s2[v]) <= mc[v].nr);
		assert_int_equal(av_ivc_shmem_map(&IVC, v, &s2[v], &mc[v]), 0);
	}
	assert_int_equal(av_ivc_shmem_pages_max(&IVC, 1, NULL), 0);

	/* VM 0: ring RW, bulk RO (one 2 MiB block). */
	expect_prot(&s2[0], 0x10000000, RING_PA, AV_S2_R | AV_S2_W);
	expect_prot(&s2[0], 0x10001ff8, RING_PA + 0x1ff8, AV_S2_R | AV_S2_W);
	expect_prot(&s2[0], 0x10200000 + 0x12345, BULK_PA + 0x12345, AV_S2_R);
	assert_int_equal(av_s2_translate(&s2[0], 0x10200000, &l), 0);
	assert_int_equal(l.size, MIB(2));
	assert_int_equal(av_s2_translate(&s2[0], 0x10002000, &l), -AV_ENOENT);
	/* VM 1: ring RO (a write takes a permission fault), no bulk. */
	expect_prot(&s2[1], 0x20000000, RING_PA, AV_S2_R);
	expect_prot(&s2[1], 0x20001000, RING_PA + 0x1000, AV_S2_R);
	assert_int_equal(av_s2_translate(&s2[1], 0x10200000, &l), -AV_ENOENT);
	assert_int_equal(av_s2_translate(&s2[1], 0x30000000, &l), -AV_ENOENT);
	/* VM 2: bulk RW, no ring anywhere. */
	expect_prot(&s2[2], 0x30000000, BULK_PA, AV_S2_R | AV_S2_W);
	assert_int_equal(av_s2_translate(&s2[2], 0x10000000, &l), -AV_ENOENT);
	assert_int_equal(av_s2_translate(&s2[2], 0x20000000, &l), -AV_ENOENT);

	/* Isolation: clean with the helper's owned ranges; the buffers are flagged without. */
	for (unsigned v = 0; v < 3; v++) {
		assert_int_equal(check(&s2[v], v, true), 0);
		assert_true(check(&s2[v], v, false) > 0);
	}
	/* VM 1 does not own bulk, VM 2 not the ring. */
	assert_int_equal(av_ivc_owned_ranges(&IVC, 1, &ram, 1, out, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].pa, ram.pa);
	assert_int_equal(out[1].pa, RING_PA);
	assert_int_equal(out[1].size, KIB(8));
	assert_int_equal(av_ivc_owned_ranges(&IVC, 2, &ram, 1, out, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].pa, BULK_PA);
	assert_int_equal(av_ivc_owned_ranges(&IVC, 0, &ram, 1, out, 2, &n), -AV_ENOSPC);
	assert_int_equal(av_ivc_owned_ranges(&IVC, 0, NULL, 0, out, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(av_ivc_owned_ranges(&IVC, 3, &ram, 1, out, 4, &n), -AV_ENOENT);
	assert_int_equal(av_ivc_owned_ranges(NULL, 0, &ram, 1, out, 4, &n), -AV_EINVAL);

	/* Mapping again collides and leaves the table as it was. */
	assert_int_equal(av_ivc_shmem_map(&IVC, 0, &s2[0], &mc[0]), -AV_EEXIST);
	expect_prot(&s2[0], 0x10000000, RING_PA, AV_S2_R | AV_S2_W);

	/* Unmap. */
	assert_int_equal(av_ivc_shmem_unmap(&IVC, 0, &s2[0], &mc[0]), 0);
	assert_int_equal(av_s2_translate(&s2[0], 0x10000000, &l), -AV_ENOENT);
	assert_int_equal(av_s2_translate(&s2[0], 0x10200000, &l), -AV_ENOENT);
	expect_prot(&s2[0], 0x40000000, ram.pa, AV_S2_RWX);

	/* A failure on the second view undoes the first: block bulk's IPA in VM 0. */
	assert_int_equal(av_s2_map(&s2[0], 0x10300000, KIB(4), 0x40000000, AV_S2_R, 0, &mc[0],
				   NULL), 0);
	assert_int_equal(av_ivc_shmem_map(&IVC, 0, &s2[0], &mc[0]), -AV_EEXIST);
	assert_int_equal(av_s2_translate(&s2[0], 0x10000000, &l), -AV_ENOENT);
	assert_int_equal(av_s2_translate(&s2[0], 0x10200000, &l), -AV_ENOENT);

	assert_int_equal(av_ivc_shmem_map(NULL, 0, &s2[0], &mc[0]), -AV_EINVAL);
	assert_int_equal(av_ivc_shmem_map(&IVC, 0, NULL, &mc[0]), -AV_EINVAL);
	assert_int_equal(av_ivc_shmem_map(&IVC, 3, &s2[0], &mc[0]), -AV_ENOENT);
	assert_int_equal(av_ivc_shmem_unmap(&IVC, 3, &s2[0], &mc[0]), -AV_ENOENT);

	for (unsigned v = 0; v < 3; v++) {
		av_s2_memcache_drain(&s2[v], &mc[v]);
		av_s2_destroy(&s2[v]);
	}
	free(Arena);
}

/* ---- device tree ---- */

static uint8_t DTB[64 * 1024] __attribute__((aligned(8)));

static void dt_findings(const struct av_dtcheck_finding *f, void *cookie)
{
	(void)cookie;
	if (f->severity == AV_DTCHECK_ERROR)
		print_message("dtcheck: %s: %s\n", f->node, f->msg);
}

static const fdt32_t *prop(int node, const char *name, int *len)
{
	const fdt32_t *p = fdt_getprop(DTB, node, name, len);

	assert_non_null(p);
	return p;
}

static uint64_t cell64(const fdt32_t *p)
{
	return ((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]);
}

static void build(struct av_vmspec *spec)
{
	struct av_vmspec_error err;
	struct av_dtcheck_summary sum;
	size_t used;

	if (av_vmspec_validate(spec, &err) != 0)
		print_message("vmspec: %s: %s\n", err.field, err.msg);
	assert_int_equal(av_vmspec_validate(spec, &err), 0);
	assert_int_equal(av_fdt_build(spec, DTB, sizeof(DTB), &used), 0);
	assert_int_equal(fdt_check_header(DTB), 0);
	assert_int_equal(av_dtcheck(DTB, sizeof(DTB), dt_findings, NULL, &sum), 0);
	assert_int_equal(sum.errors, 0);
}

static void test_dt_node(void **state)
{
	struct av_vmspec spec;
	struct av_ivc_dt dt;
	const fdt32_t *p;
	int node, child, len;
	unsigned seen = 0;

	(void)state;
	/* VM 0: SPI 64 edge; ring RW at 0x1000_0000, bulk RO at 0x1020_0000. */
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 2, MIB(256)), 0);
	assert_int_equal(av_ivc_vmspec_add(&IVC, 0, &spec, &dt, 0x0b000000), 0);
	assert_int_equal(spec.nr_shmem, 2);
	assert_int_equal(spec.shmem[0].region.base, 0x10000000);
	assert_int_equal(spec.shmem[0].region.size, KIB(8));
	assert_int_equal(spec.shmem[1].region.base, 0x10200000);
	assert_int_equal(spec.nr_devs, 1);
	assert_int_equal(spec.devs[0].spi, 64);
	build(&spec);

	node = fdt_path_offset(DTB, "/ivc@b000000");
	assert_true(node >= 0);
	assert_int_equal(fdt_node_check_compatible(DTB, node, "armvirt,ivc-1.0"), 0);
	p = prop(node, "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cell64(p), 0x0b000000);
	assert_int_equal(cell64(p + 2), AV_IVC_DT_WINDOW_SIZE);
	p = prop(node, "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(fdt32_to_cpu(p[0]), 0);  /* GIC_SPI */
	assert_int_equal(fdt32_to_cpu(p[1]), 64);
	assert_int_equal(fdt32_to_cpu(p[2]), 1);  /* edge rising */
	assert_int_equal(fdt32_to_cpu(*prop(node, "armvirt,vm-id", &len)), 0);
	assert_int_equal(fdt32_to_cpu(*prop(node, "armvirt,nr-vms", &len)), 3);
	assert_int_equal(fdt32_to_cpu(*prop(node, "armvirt,send-mask", &len)), 6);
	assert_string_equal((const char *)prop(node, "method", &len), "hvc");
	fdt_for_each_subnode(child, DTB, node) {
		const char *name = fdt_get_name(DTB, child, NULL);
		const char *label = (const char *)prop(child, "label", &len);
		const char *access = (const char *)prop(child, "armvirt,access", &len);

		p = prop(child, "reg", &len);
		assert_int_equal(len, 16);
		if (strcmp(name, "buffer@10000000") == 0) {
			assert_string_equal(label, "ring");
			assert_string_equal(access, "rw");
			assert_int_equal(cell64(p), 0x10000000);
			assert_int_equal(cell64(p + 2), KIB(8));
			seen |= 1;
		} else {
			assert_string_equal(name, "buffer@10200000");
			assert_string_equal(label, "bulk");
			assert_string_equal(access, "ro");
			assert_int_equal(cell64(p + 2), MIB(2));
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
	/* The buffers are reserved memory with no-map. */
	node = fdt_path_offset(DTB, "/reserved-memory/shmem@10000000");
	assert_true(node >= 0);
	assert_non_null(fdt_getprop(DTB, node, "no-map", NULL));
	p = prop(node, "reg", &len);
	assert_int_equal(cell64(p + 2), KIB(8));
	assert_true(fdt_path_offset(DTB, "/reserved-memory/shmem@10200000") >= 0);

	/* VM 1: level SPI 65, only the ring, read-only; SMC conduit. */
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 1, MIB(256)), 0);
	spec.psci.conduit = AV_VMSPEC_CONDUIT_SMC;
	assert_int_equal(av_ivc_vmspec_add(&IVC, 1, &spec, &dt, 0x0b000000), 0);
	assert_int_equal(spec.nr_shmem, 1);
	build(&spec);
	node = fdt_path_offset(DTB, "/ivc@b000000");
	assert_true(node >= 0);
	p = prop(node, "interrupts", &len);
	assert_int_equal(fdt32_to_cpu(p[1]), 65);
	assert_int_equal(fdt32_to_cpu(p[2]), 4); /* level high */
	assert_int_equal(fdt32_to_cpu(*prop(node, "armvirt,vm-id", &len)), 1);
	assert_string_equal((const char *)prop(node, "method", &len), "smc");
	child = fdt_subnode_offset(DTB, node, "buffer@20000000");
	assert_true(child >= 0);
	assert_string_equal((const char *)prop(child, "armvirt,access", &len), "ro");
	assert_true(fdt_subnode_offset(DTB, node, "buffer@10200000") < 0);

	/* VM 2 on a GICv2 with 2 vCPUs: PPI 4 level, CPU mask 0b11. Not an SPI user. */
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV2, 2, MIB(256)), 0);
	assert_int_equal(av_ivc_vmspec_add(&IVC, 2, &spec, &dt, 0x0b000000), 0);
	assert_int_equal(spec.devs[0].spi, AV_VMSPEC_NO_IRQ);
	build(&spec);
	node = fdt_path_offset(DTB, "/ivc@b000000");
	p = prop(node, "interrupts", &len);
	assert_int_equal(fdt32_to_cpu(p[0]), 1); /* GIC_PPI */
	assert_int_equal(fdt32_to_cpu(p[1]), 4);
	assert_int_equal(fdt32_to_cpu(p[2]), 0x304);
	assert_int_equal(fdt32_to_cpu(*prop(node, "armvirt,send-mask", &len)), 0);

	/* A view inside the VM's RAM is found by the description's validation. */
	make_cfg();
	BUFS[0].view[1].ipa = 0x40001000;
	assert_int_equal(av_ivc_init(&IVC, &CFG, NULL), 0);
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 1, MIB(256)), 0);
	assert_int_equal(av_ivc_vmspec_add(&IVC, 1, &spec, &dt, 0x0b000000), 0);
	assert_int_equal(av_vmspec_validate(&spec, NULL), -AV_EEXIST);
	/* So is a doorbell SPI that a device already uses (SPI 1: the UART). */
	BUFS[0].view[1].ipa = 0x20000000;
	{
		struct av_ivc_vm_cfg vms[3] = { VMS[0], { 33, AV_IVC_LEVEL }, VMS[2] };

		CFG.vms = vms;
		assert_int_equal(av_ivc_init(&IVC, &CFG, NULL), 0);
		assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 1, MIB(256)), 0);
		assert_int_equal(av_ivc_vmspec_add(&IVC, 1, &spec, &dt, 0x0b000000), 0);
		assert_int_equal(av_vmspec_validate(&spec, NULL), -AV_EEXIST);
		/* A PPI doorbell on the virtual timer's PPI is refused at once. */
		vms[1].doorbell = 27;
		assert_int_equal(av_ivc_init(&IVC, &CFG, NULL), 0);
		assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 1, MIB(256)), 0);
		assert_int_equal(av_ivc_vmspec_add(&IVC, 1, &spec, &dt, 0x0b000000), -AV_EEXIST);
	}
	/* No room: nothing added. */
	make_cfg();
	assert_int_equal(av_ivc_init(&IVC, &CFG, NULL), 0);
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 1, MIB(256)), 0);
	spec.nr_shmem = AV_VMSPEC_MAX_SHMEM - 1;
	assert_int_equal(av_ivc_vmspec_add(&IVC, 0, &spec, &dt, 0x0b000000), -AV_ENOSPC);
	assert_int_equal(spec.nr_shmem, AV_VMSPEC_MAX_SHMEM - 1);
	assert_int_equal(spec.nr_devs, 0);
	spec.nr_shmem = 0;
	spec.nr_devs = AV_VMSPEC_MAX_DEVS;
	assert_int_equal(av_ivc_vmspec_add(&IVC, 0, &spec, &dt, 0x0b000000), -AV_ENOSPC);
	spec.nr_devs = 0;
	assert_int_equal(av_ivc_vmspec_add(&IVC, 0, &spec, &dt, 0x0b000800), -AV_EINVAL);
	assert_int_equal(av_ivc_vmspec_add(&IVC, 3, &spec, &dt, 0x0b000000), -AV_ENOENT);
	assert_int_equal(av_ivc_vmspec_add(NULL, 0, &spec, &dt, 0x0b000000), -AV_EINVAL);
	assert_int_equal(av_ivc_vmspec_add(&IVC, 0, &spec, NULL, 0x0b000000), -AV_EINVAL);
}

/* ---- concurrency ---- */

#define SENDERS 4
#define PER_SENDER 5000

static struct av_ivc CONC;
static atomic_uint Sent[SENDERS + 1];
static atomic_uint Bad; /* unexpected send results (cmocka asserts stay on the main thread) */

static void conc_doorbell(void *cookie, unsigned vm, uint32_t intid, enum av_ivc_db_op op)
{
	(void)cookie;
	(void)vm;
	(void)intid;
	(void)op;
}

static void *sender(void *arg)
{
	unsigned from = (unsigned)(uintptr_t)arg;

	for (uint64_t i = 0; i < PER_SENDER;) {
		int rc = av_ivc_send(&CONC, from, 0, i, ~i, from);

		if (rc != 0 && rc != -AV_EBUSY) {
			atomic_fetch_add(&Bad, 1);
			break;
		}
		if (rc == 0) {
			atomic_fetch_add(&Sent[from], 1);
			i++;
		}
	}
	return NULL;
}

static void test_concurrent_senders(void **state)
{
	static const struct av_ivc_ops ops = { .doorbell = conc_doorbell };
	struct av_ivc_vm_cfg vms[SENDERS + 1];
	struct av_ivc_pair pairs[SENDERS];
	struct av_ivc_config cfg;
	pthread_t t[SENDERS];
	uint64_t next[SENDERS + 1] = { 0 };
	unsigned got = 0;
	struct av_ivc_msg m;

	(void)state;
	for (unsigned v = 0; v <= SENDERS; v++)
		vms[v] = (struct av_ivc_vm_cfg){ 32 + v, AV_IVC_LEVEL };
	for (unsigned v = 0; v < SENDERS; v++)
		pairs[v] = (struct av_ivc_pair){ v + 1, 0 };
	cfg = (struct av_ivc_config){ .nr_vms = SENDERS + 1, .vms = vms, .pairs = pairs,
				      .npairs = SENDERS, .ops = &ops };
	assert_int_equal(av_ivc_init(&CONC, &cfg, NULL), 0);
	for (unsigned i = 0; i < SENDERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, sender, (void *)(uintptr_t)(i + 1)),
				 0);
	/* The receiver: every message whole, each sender's in order, none lost. */
	while (got < SENDERS * PER_SENDER && atomic_load(&Bad) == 0) {
		if (av_ivc_take(&CONC, 0, &m) != 0)
			continue;
		assert_true(m.from >= 1 && m.from <= SENDERS);
		assert_int_equal(m.w[2], m.from);
		assert_int_equal(m.w[1], ~m.w[0]);
		assert_int_equal(m.w[0], next[m.from]);
		next[m.from]++;
		got++;
	}
	for (unsigned i = 0; i < SENDERS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(atomic_load(&Bad), 0);
	for (unsigned i = 1; i <= SENDERS; i++)
		assert_int_equal(atomic_load(&Sent[i]), PER_SENDER);
	assert_false(av_ivc_pending(&CONC, 0));
	assert_int_equal(CONC.mbox[0].delivered, SENDERS * PER_SENDER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_validation),
		cmocka_unit_test_setup(test_send_recv_ack, setup),
		cmocka_unit_test_setup(test_denied, setup),
		cmocka_unit_test_setup(test_broadcast, setup),
		cmocka_unit_test_setup(test_hypercalls, setup),
		cmocka_unit_test_setup(test_shmem_map, setup),
		cmocka_unit_test_setup(test_dt_node, setup),
		cmocka_unit_test(test_concurrent_senders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
