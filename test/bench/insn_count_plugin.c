/* SPDX-License-Identifier: MIT */
/*
 * A QEMU TCG plugin (host shared object) that counts every instruction the emulated
 * machine executes, on all its CPUs and at every exception level, and writes the running
 * total each time a guest executes a marker instruction. Used by test/bench/virtio-bench.sh
 * (doc/benchmarks.md, "virtio"): a region's whole-system instruction count is the difference
 * of two marks, with no idle time in it (a CPU waiting in WFI executes nothing).
 *
 * Markers (unallocated hints, NOPs on every Arm CPU and in QEMU):
 *   hint #0x70  mark
 *   hint #0x71  mark, then start a profile (per translation-block start address)
 *   hint #0x72  mark, then write the profile since the last #0x71
 * Output (file named by the argument out=FILE):
 *   MARK <seq> <hint> <total instructions before the marker>
 *   PROF <seq> <block address> <its first instruction> <instructions>  (after #0x72)
 *   TOTAL <instructions>                           (at exit)
 *
 * Debian's QEMU 7.2 ships no qemu-plugin.h: the few API entry points used here are declared
 * below as QEMU 7.2 defines them (plugin API version 1). Under -icount (single-threaded TCG)
 * all callbacks run on one thread, so the counters need no atomics.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- QEMU 7.2 plugin API (include/qemu/qemu-plugin.h), the parts used ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t; /* only passed through */
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
                                                enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;
EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);
/* ---- end of the API declarations ---- */

#define HINT_MARK 0xd5032e1fu       /* hint #0x70 */
#define HINT_PROF_START 0xd5032e3fu /* hint #0x71 */
#define HINT_PROF_STOP 0xd5032e5fu  /* hint #0x72 */

static uint64_t total;
static uint64_t seq;
static FILE *out;
static bool profile;

/* One translation of a block: its start address, length and executions. Blocks are kept in
 * fixed chunks so that the inline counters' addresses stay valid. */
struct tb_rec {
	uint64_t vaddr;
	uint32_t word; /* the block's first instruction: tells apart programs at one address */
	uint64_t n;
	uint64_t count; /* incremented inline on each execution */
	uint64_t base;  /* count at the last profile start */
};
#define CHUNK 4096
struct chunk {
	struct chunk *next;
	size_t used;
	struct tb_rec rec[CHUNK];
};
static struct chunk *chunks;

static struct tb_rec *tb_rec_new(uint64_t vaddr, uint32_t word, uint64_t n)
{
	if (!chunks || chunks->used == CHUNK) {
		struct chunk *c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		c->next = chunks;
		chunks = c;
	}
	struct tb_rec *r = &chunks->rec[chunks->used++];
	r->vaddr = vaddr;
	r->word = word;
	r->n = n;
	return r;
}

static int cmp_vaddr(const void *a, const void *b)
{
	const struct tb_rec *x = *(struct tb_rec *const *)a, *y = *(struct tb_rec *const *)b;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return x->word < y->word ? -1 : x->word > y->word;
}

static void profile_start(void)
{
	for (struct chunk *c = chunks; c; c = c->next)
		for (size_t i = 0; i < c->used; i++)
			c->rec[i].base = c->rec[i].count;
}

/* Write the instructions per block start address (and first instruction) since the last
 * profile start. */
static void profile_write(uint64_t at)
{
	size_t n = 0, k = 0;
	for (struct chunk *c = chunks; c; c = c->next)
		n += c->used;
	struct tb_rec **v = malloc(n * sizeof(*v) + 1);
	if (!v)
		return;
	for (struct chunk *c = chunks; c; c = c->next)
		for (size_t i = 0; i < c->used; i++)
			if (c->rec[i].count != c->rec[i].base)
				v[k++] = &c->rec[i];
	qsort(v, k, sizeof(*v), cmp_vaddr);
	for (size_t i = 0; i < k;) {
		uint64_t a = v[i]->vaddr, sum = 0;
		uint32_t w = v[i]->word;
		for (; i < k && v[i]->vaddr == a && v[i]->word == w; i++)
			sum += (v[i]->count - v[i]->base) * v[i]->n;
		fprintf(out, "PROF %" PRIu64 " %016" PRIx64 " %08" PRIx32 " %" PRIu64 "\n", at, a, w, sum);
	}
	free(v);
}

static void on_mark(unsigned int vcpu, void *udata)
{
	uint32_t hint = (uint32_t)(uintptr_t)udata;
	uint64_t s = seq++;
	fprintf(out, "MARK %" PRIu64 " %#x %" PRIu64 " cpu%u\n", s, (hint >> 5) & 0x7f, total, vcpu);
	if (profile && hint == HINT_PROF_START)
		profile_start();
	else if (profile && hint == HINT_PROF_STOP)
		profile_write(s);
	fflush(out);
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb);
	if (profile && n) {
		uint32_t w0 = 0;
		struct qemu_plugin_insn *first = qemu_plugin_tb_get_insn(tb, 0);
		if (qemu_plugin_insn_size(first) == 4)
			memcpy(&w0, qemu_plugin_insn_data(first), 4);
		struct tb_rec *r = tb_rec_new(qemu_plugin_tb_vaddr(tb), w0, n);
		if (r)
			qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &r->count, 1);
	}
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &total, 1);
		if (qemu_plugin_insn_size(insn) != 4)
			continue;
		uint32_t w;
		memcpy(&w, qemu_plugin_insn_data(insn), 4);
		if (w == HINT_MARK || w == HINT_PROF_START || w == HINT_PROF_STOP)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS,
			                                       (void *)(uintptr_t)w);
	}
}

static void on_atexit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	fprintf(out, "TOTAL %" PRIu64 "\n", total);
	fclose(out);
}

int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	const char *path = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strcmp(argv[i], "profile=on"))
			profile = true;
		else {
			fprintf(stderr, "insn_count_plugin: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	out = path ? fopen(path, "w") : stderr;
	if (!out) {
		perror(path);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
	return 0;
}
