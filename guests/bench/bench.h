/* bench.h: what every benchmark workload shares with scripts/bench.
 *
 * bench_scale is the workload's size. scripts/bench writes it into a copy of
 * the ELF (the word at the symbol's file offset) and runs the copy at two
 * sizes on vmgdb and on QEMU: the difference in time between the two sizes is
 * the workload alone, without start-up.
 *
 * bench_quiet_code_1/2, bench_quiet_data[] and bench_quiet_page[] are never
 * executed, read or written: scripts/bench arms hardware breakpoints and
 * watchpoints on them to measure what armed debug events cost when they never
 * fire. */
#ifndef BENCH_H
#define BENCH_H

#include "rt.h"

/* Patched by scripts/bench; volatile so the compiler reads it at run time. */
volatile u32 bench_scale = 1;

/* Two words never accessed, defined by each workload next to its hot data
 * (where a variable someone watches usually is). */
extern u32 bench_quiet_data[2];

/* A page of its own, never accessed. */
u32 bench_quiet_page[1024] __attribute__((aligned(4096)));

__attribute__((used, noinline)) void bench_quiet_code_1(void)
{
	bench_quiet_data[0]++;
}

__attribute__((used, noinline)) void bench_quiet_code_2(void)
{
	bench_quiet_data[1]--;
}

#endif
