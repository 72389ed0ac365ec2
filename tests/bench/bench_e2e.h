/* bench_codec's mode = encrypt rows (bench_e2e.c). */
#ifndef VN_BENCH_E2E_H
#define VN_BENCH_E2E_H

#include <stddef.h>
#include <stdint.h>

void bench_e2e_setup(size_t plen);
uint64_t bench_e2e_seal_open(size_t n);
uint64_t bench_e2e_aesgcm(size_t n);
uint64_t bench_e2e_hop(size_t n);
uint64_t bench_e2e_tag_sealed(size_t n);
uint64_t bench_e2e_tag_poly1305(size_t n);

#endif
