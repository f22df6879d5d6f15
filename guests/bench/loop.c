/* loop.c: the tight loop `add; addi; bdnz` (3 instructions an iteration),
 * bench_scale << 20 iterations: the core's best case, QEMU's JIT's too.
 * Everything around the loop retires the same instructions at every size
 * (the sum is checked, not printed), so the count is 3 << 20 per size unit
 * plus a constant. */
#include "bench.h"

/* The loop accesses no data: these words only need to exist. */
u32 bench_quiet_data[2];

int main(void)
{
	u32 scale = bench_scale;
	u32 iterations, sum = 0, step = 1;

	if (scale == 0 || scale > 4095)
		scale = 1;
	iterations = scale << 20;
	__asm__ volatile("mtctr %2\n"
			 "1:\tadd %0, %0, %1\n"
			 "\taddi %1, %1, 1\n"
			 "\tbdnz 1b"
			 : "+r"(sum), "+r"(step)
			 : "r"(iterations)
			 : "ctr");
	/* 1 + 2 + ... + iterations, modulo 2^32 (iterations is even). */
	puts(sum == (iterations / 2) * (iterations + 1) ? "loop: sum ok\n" : "loop: wrong sum\n");
	return 0;
}
