/* fuzz_core's seeds, written through put (gen_corpus.c). */
#ifndef VN_GEN_CORE_SEEDS_H
#define VN_GEN_CORE_SEEDS_H

#include <stddef.h>

void gen_core_seeds(void (*put)(const char *name, const void *p, size_t n));

#endif
