/* SPDX-License-Identifier: MIT */
/* What every libFuzzer harness in test/fuzz shares: the entry point's prototype and a
 * check that stops the run at the first broken invariant (libFuzzer saves the input). */
#ifndef ARMVIRT_TEST_FUZZ_H
#define ARMVIRT_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                          \
	do {                                 \
		if (!(cond))                 \
			__builtin_trap();    \
	} while (0)

#endif /* ARMVIRT_TEST_FUZZ_H */
