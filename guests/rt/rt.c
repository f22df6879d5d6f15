/* rt.c: runtime set-up, interrupt dispatch and power-off. */
#include "rt.h"

extern char rt_vectors[];

static handler_t handlers[RT_VECTORS];

/* Offset of vector n's stub in the table (start.S); slot 42 is the e500mc's
 * debug-level entry. */
#define VEC_OFFSET(n) (0x100 + (n) * 16)
#define DEBUG_LEVEL_SLOT 42

#define SET_IVOR(n) mtspr(SPR_IVOR0 + (n), VEC_OFFSET(n))
#define SET_IVOR_HI(n) mtspr(SPR_IVOR32 + (n) - 32, VEC_OFFSET(n))

void rt_init(void)
{
	mtspr(SPR_IVPR, (u32)rt_vectors);
	SET_IVOR(0); SET_IVOR(1); SET_IVOR(2); SET_IVOR(3);
	SET_IVOR(4); SET_IVOR(5); SET_IVOR(6); SET_IVOR(7);
	SET_IVOR(8); SET_IVOR(9); SET_IVOR(10); SET_IVOR(11);
	SET_IVOR(12); SET_IVOR(13); SET_IVOR(14); SET_IVOR(15);
	if (is_e500mc()) {
		/* The debug interrupt saves into DSRR0/DSRR1 and returns with rfdi. */
		mtspr(SPR_IVOR0 + IVOR_DEBUG, VEC_OFFSET(DEBUG_LEVEL_SLOT));
		/* Classic FPU: let compiled code use it. */
		mtmsr(mfmsr() | MSR_FP);
	} else {
		/* SPE/embedded FP unavailable, data, round. */
		SET_IVOR_HI(32); SET_IVOR_HI(33); SET_IVOR_HI(34);
	}
	SET_IVOR_HI(35);
	isync();
}

void rt_set_handler(int vector, handler_t h)
{
	if (vector >= 0 && vector < RT_VECTORS)
		handlers[vector] = h;
}

void rt_interrupt(struct frame *f)
{
	u32 v = f->vector;

	if (v < RT_VECTORS && handlers[v]) {
		handlers[v](f);
		return;
	}
	printf("unexpected interrupt %u at %08x (msr %08x esr %08x dear %08x)\n",
	       v, f->srr0, f->srr1, mfspr(SPR_ESR), mfspr(SPR_DEAR));
	poweroff();
}

void rt_fatal(u32 vector)
{
	printf("unexpected machine check (vector %u)\n", vector);
	poweroff();
}

#define GPIO ((volatile u32 *)0xE00FF000)

void poweroff(void)
{
	GPIO[0] = 0x80000000;	/* GPDIR: pin 0 is an output */
	GPIO[2] = 0x80000000;	/* GPDAT: drive it: power off */
	for (;;)
		;
}
