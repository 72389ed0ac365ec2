/* CHECK for the fuzz targets: an invariant that fails aborts, which
 * libFuzzer reports as a crash and saves the input. */
#ifndef VN_FUZZ_CHECK_H
#define VN_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                                     \
	do {                                                                         \
		if (!(c)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                     \
		}                                                                    \
	} while (0)

#endif
