/* gdbtarget.c: a program for GDB to debug (crates/vmgdb/tests/gdb.rs and the
 * GDB speed measurements, crates/vmgdb/examples/gdbbench.rs). Small functions
 * that are never inlined, to break on, step through and finish; globals to
 * watch, read and rewrite; a loop of calls to hit a breakpoint in many times; a
 * loop for Ctrl-C to interrupt. Built at -O0 (Makefile) so every source line and
 * local stays where GDB expects it.
 *
 * Left alone it prints the same lines on QEMU and vmgdb (differential suite).
 * A debugger changes what it prints by setting variables: `rounds` (calls of
 * tick), `spin` (1: loop in spin_here until it is cleared; 2 on the e500mc:
 * idle in `wait` for good) and `answer` (printed last). */
#include "rt.h"

volatile u32 counter;
volatile u32 readme = 7;
/* In .data, not .bss: a debugger may set it before start.S clears .bss. */
volatile u32 spin __attribute__((section(".data")));
volatile u32 rounds = 3;
volatile u32 ticks;
volatile u32 answer = 42;
volatile u32 table[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
volatile u8 bytes[8];
volatile u64 wide;

NOINLINE int add(int a, int b)
{
	int sum = a + b;

	return sum;
}

NOINLINE void bump(void)
{
	counter = counter + 1;
}

NOINLINE u32 peek(void)
{
	return readme;
}

NOINLINE u32 square(u32 x)
{
	u32 r = x * x;

	return r;
}

/* The call a breakpoint-hit loop stops in. */
NOINLINE void tick(u32 i)
{
	ticks = ticks + i;
}

NOINLINE void done_spinning(void)
{
	bump();
	printf("spin done\n");
}

/* Loops while a debugger keeps `spin` set (a tight loop to interrupt); with
 * spin == 2 on the e500mc, waits for an interrupt that never comes. */
NOINLINE void spin_here(void)
{
	if (spin == 2 && is_e500mc()) {
		printf("idle\n");
		__asm__ volatile(".long 0x7c00007c"); /* wait (e500mc only) */
	}
	if (spin)
		printf("spin\n");
	while (spin) {
	}
	done_spinning();
}

int main(void)
{
	int total = 0;
	u32 i;

	printf("gdbtarget: hello\n");
	for (i = 0; i < 3; i++) {
		total = add(total, i);
		bump();
	}
	total += peek();
	bytes[3] = 5;
	wide = 0x0102030405060708ULL;
	table[2] = 0x12345678;
	for (i = 0; i < rounds; i++)
		tick(i);
	printf("total %d, counter %u, square %u, ticks %u\n", total, counter, square(total),
	       ticks);
	spin_here();
	printf("answer %u\n", answer);
	return 0;
}
