/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the VM-spec conformance check (platform.h): av_dtcheck() on
 * untrusted device-tree blobs (issue 18).
 *
 * Input: the blob, copied into a (16-byte aligned) buffer of exactly its size (ASan
 * catches any read past it). Seeds: QEMU virt's trees (GICv3, GICv2), packed by dtc.
 * Invariants checked (a violation traps):
 *  - the result is 0 or -AV_EBADIMG, and the same on a second run with the same totals;
 *  - every finding's node starts with '/' and both strings end inside their arrays;
 *  - a check lists at most AV_DTCHECK_MAX_LISTED findings, then at most one "N more" line
 *    whose counts, added to the listed findings, give the totals exactly;
 *  - without a callback the totals are the same.
 */
#include <armvirt/platform.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

struct seen {
	unsigned listed[2];     /* by severity, "more" lines excluded */
	unsigned long more[2];  /* the counts the "more" lines give */
	unsigned more_lines;
	unsigned calls;
};

static void finding(const struct av_dtcheck_finding *f, void *cookie)
{
	struct seen *s = cookie;
	unsigned long n, e, w;

	s->calls++;
	CHECK(f->severity == AV_DTCHECK_ERROR || f->severity == AV_DTCHECK_WARNING);
	CHECK(memchr(f->node, '\0', sizeof(f->node)) != NULL && f->node[0] == '/');
	CHECK(memchr(f->msg, '\0', sizeof(f->msg)) != NULL);
	if (sscanf(f->msg, "%lu more findings of this check not listed (%lu errors, %lu warnings)",
		   &n, &e, &w) == 3) {
		CHECK(n == e + w && n > 0);
		CHECK(f->severity == (e ? AV_DTCHECK_ERROR : AV_DTCHECK_WARNING));
		s->more[0] += e;
		s->more[1] += w;
		s->more_lines++;
		return;
	}
	s->listed[f->severity]++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct av_dtcheck_summary sum, again;
	struct seen s;
	/* malloc's blocks are 16-byte aligned, and ASan's red zone starts right after the
	 * size asked for: the blob ends exactly where the check must stop reading. */
	uint8_t *blob = malloc(size ? size : 1);
	int rc;

	if (blob == NULL)
		return 0;
	memcpy(blob, data, size);
	memset(&s, 0, sizeof(s));
	rc = av_dtcheck(blob, size, finding, &s, &sum);
	CHECK(rc == 0 || rc == -AV_EBADIMG);
	if (rc == 0) {
		/* Eight checks: each lists at most the cap plus one "more" line. */
		CHECK(s.calls <= 8 * (AV_DTCHECK_MAX_LISTED + 1));
		CHECK(s.more_lines <= 8);
		CHECK(s.listed[0] + s.more[0] == sum.errors);
		CHECK(s.listed[1] + s.more[1] == sum.warnings);
	} else {
		CHECK(s.calls == 0 && sum.errors == 0 && sum.warnings == 0);
	}
	CHECK(av_dtcheck(blob, size, NULL, NULL, &again) == rc);
	CHECK(again.errors == sum.errors && again.warnings == sum.warnings);
	free(blob);
	return 0;
}
