/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the ESR decoder.
 *
 * Input: 8 bytes of ESR_ELx (little-endian), optionally followed by 8 bytes of FAR and
 * 8 bytes of HPFAR. Invariants checked (a violation traps):
 *  - av_esr_decode() succeeds for every syndrome and keeps EC/IL/ISS/ISS2;
 *  - av_esr_encode() is its exact inverse on the defined bits, and re-decoding the
 *    encoded syndrome gives the same struct;
 *  - av_esr_format() returns the same length for any buffer size, NUL-terminates
 *    within the buffer and never writes past it;
 *  - the fault predicates agree with the fault status tables;
 *  - av_esr_fault_ipa() keeps exactly FIPA and the page offset.
 */
#include <armvirt/esr.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void check_format(const struct av_esr *e)
{
	char large[1024];
	char guarded[16 + 8];
	size_t small = 16;
	int n, m;

	n = av_esr_format(e, large, sizeof(large));
	CHECK(n > 0 && (size_t)n < sizeof(large));
	CHECK(strlen(large) == (size_t)n);

	memset(guarded, 'G', sizeof(guarded));
	m = av_esr_format(e, guarded, small);
	CHECK(m == n);
	CHECK(guarded[small - 1] == '\0');
	CHECK(strlen(guarded) == small - 1);
	CHECK(memcmp(guarded, large, small - 1) == 0);
	for (size_t i = small; i < sizeof(guarded); i++)
		CHECK(guarded[i] == 'G');

	CHECK(av_esr_format(e, NULL, 0) == n);
}

static void check_faults(const struct av_esr *e)
{
	enum av_esr_fsc_class cls = av_esr_abort_class(e);
	int level = 100;
	int rc = av_esr_fault_level(e, &level);

	if (!av_esr_is_abort(e)) {
		CHECK(cls == AV_ESR_FSC_RESERVED);
		CHECK(rc == -AV_ENOENT && level == 100);
		CHECK(!av_esr_is_translation_fault(e));
		CHECK(!av_esr_is_permission_fault(e));
		CHECK(!av_esr_is_access_flag_fault(e));
		return;
	}
	CHECK(av_esr_is_translation_fault(e) == (cls == AV_ESR_FSC_TRANSLATION));
	CHECK(av_esr_is_permission_fault(e) == (cls == AV_ESR_FSC_PERMISSION));
	CHECK(av_esr_is_access_flag_fault(e) == (cls == AV_ESR_FSC_ACCESS_FLAG));
	if (rc == 0)
		CHECK(level >= -2 && level <= 3);
	else
		CHECK(rc == -AV_ENOENT && level == 100);
	/* Stage 2 faults that HPFAR reports always carry a level. */
	if (cls == AV_ESR_FSC_TRANSLATION || cls == AV_ESR_FSC_PERMISSION ||
	    cls == AV_ESR_FSC_ACCESS_FLAG || cls == AV_ESR_FSC_ADDR_SIZE)
		CHECK(rc == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct av_esr e, again;
	uint64_t esr;

	if (size < 8)
		return 0;
	esr = load_le64(data);

	CHECK(av_esr_decode(esr, &e) == 0);
	CHECK(e.raw == esr);
	CHECK(e.ec == AV_FIELD_GET(AV_ESR_EC, esr));
	CHECK(e.il == (AV_FIELD_GET(AV_ESR_IL, esr) != 0));
	CHECK(e.iss == AV_FIELD_GET(AV_ESR_ISS, esr));
	CHECK(e.iss2 == AV_FIELD_GET(AV_ESR_ISS2, esr));
	CHECK(e.kind == av_esr_ec_kind(e.ec));
	CHECK(av_esr_ec_name(e.ec) != NULL);
	CHECK(strcmp(av_esr_kind_name(e.kind), "?") != 0);

	CHECK(av_esr_encode(&e) == (esr & AV_ESR_DEFINED));
	CHECK(av_esr_decode(av_esr_encode(&e), &again) == 0);
	again.raw = e.raw;
	CHECK(memcmp(&again, &e, sizeof(e)) == 0);

	check_format(&e);
	check_faults(&e);

	if (size >= 24) {
		uint64_t far = load_le64(data + 8);
		uint64_t hpfar = load_le64(data + 16);
		uint64_t ipa = av_esr_fault_ipa(hpfar, far);

		CHECK(AV_FIELD_GET(AV_IPA_OFFSET, ipa) == AV_FIELD_GET(AV_IPA_OFFSET, far));
		CHECK(AV_FIELD_GET(AV_IPA_PAGE, ipa) == AV_FIELD_GET(AV_HPFAR_FIPA, hpfar));
		CHECK((ipa & ~(AV_IPA_PAGE | AV_IPA_OFFSET)) == 0);
	}
	return 0;
}
