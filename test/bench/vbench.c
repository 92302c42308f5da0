/* SPDX-License-Identifier: MIT */
/*
 * vbench: the guest side of test/bench/virtio-bench.sh (a static aarch64 Linux program in
 * the benchmark's initramfs, doc/benchmarks.md "virtio").
 *
 *   vbench mark LABEL [start|stop]
 *       Read CNTVCT_EL0, execute the marker instruction the counting plugin watches
 *       (test/bench/insn_count_plugin.c: hint #0x70; with start/stop #0x71/#0x72, which
 *       also start and write the plugin's profile), and append "LABEL CNTVCT" to
 *       /tmp/vbench.marks. Prints nothing, so that a region between two marks carries no
 *       console output of its own.
 *   vbench stride DEV COUNT STRIDE_KIB LABEL
 *       COUNT reads of 4 KiB with O_DIRECT from DEV at offsets i * STRIDE_KIB KiB (wrapping
 *       at the device's end), in one process, between two marks LABEL.start and LABEL.stop:
 *       the per-request cost without process creation.
 *   vbench report
 *       Print the marks file as "VBENCH-MARK LABEL CNTVCT" lines and the counter frequency.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MARKS "/tmp/vbench.marks"
#define BLKGETSIZE64_REQ 0x80081272ul /* _IOR(0x12, 114, size_t) */

static inline uint64_t cntvct(void)
{
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
}

static inline uint64_t cntfrq(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

/* Execute the marker; kind 0 = mark, 1 = profile start, 2 = profile stop. */
static uint64_t mark(int kind)
{
	uint64_t t = cntvct();
	if (kind == 1)
		__asm__ volatile("hint #0x71" ::: "memory");
	else if (kind == 2)
		__asm__ volatile("hint #0x72" ::: "memory");
	else
		__asm__ volatile("hint #0x70" ::: "memory");
	return t;
}

static void record(const char *label, const char *suffix, uint64_t t)
{
	FILE *f = fopen(MARKS, "a");
	if (!f) {
		perror(MARKS);
		exit(1);
	}
	fprintf(f, "%s%s %" PRIu64 "\n", label, suffix, t);
	fclose(f);
}

static int kind_of(const char *s)
{
	if (!s)
		return 0;
	if (!strcmp(s, "start"))
		return 1;
	if (!strcmp(s, "stop"))
		return 2;
	fprintf(stderr, "vbench: mark kind must be start or stop\n");
	exit(2);
}

static int stride(const char *dev, long count, long stride_kib, const char *label)
{
	int fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "vbench: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	uint64_t size = 0;
	if (ioctl(fd, BLKGETSIZE64_REQ, &size) < 0 || size < 4096) {
		fprintf(stderr, "vbench: %s: cannot read its size\n", dev);
		return 1;
	}
	void *buf;
	if (posix_memalign(&buf, 4096, 4096))
		return 1;
	uint64_t blocks = size / 4096, step = (uint64_t)stride_kib / 4;
	/* one read first, so that the loop's first iteration is like the others */
	if (pread(fd, buf, 4096, 0) != 4096)
		return 1;
	uint64_t t0 = mark(1);
	for (long i = 0; i < count; i++) {
		uint64_t blk = ((uint64_t)i * step) % blocks;
		if (pread(fd, buf, 4096, (off_t)(blk * 4096)) != 4096) {
			fprintf(stderr, "vbench: read at block %" PRIu64 ": %s\n", blk, strerror(errno));
			return 1;
		}
	}
	uint64_t t1 = mark(2);
	record(label, ".start", t0);
	record(label, ".stop", t1);
	close(fd);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "mark")) {
		uint64_t t = mark(kind_of(argc > 3 ? argv[3] : NULL));
		record(argv[2], "", t);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "stride"))
		return stride(argv[2], atol(argv[3]), atol(argv[4]), argv[5]);
	if (argc == 2 && !strcmp(argv[1], "report")) {
		printf("VBENCH-CNTFRQ %" PRIu64 "\n", cntfrq());
		FILE *f = fopen(MARKS, "r");
		char line[256];
		while (f && fgets(line, sizeof(line), f))
			printf("VBENCH-MARK %s", line);
		if (f)
			fclose(f);
		return 0;
	}
	fprintf(stderr, "usage: vbench mark LABEL [start|stop] | stride DEV COUNT STRIDE_KIB LABEL | report\n");
	return 2;
}
