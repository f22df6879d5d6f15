/* selfdebug.c: the guest debugging itself with its own IAC, DAC, instruction-
 * complete and trap events, and what a guest can observe of an external
 * debugger (vmgdb's guest-debug model): DBCR0[EDM] set while a debugger owns
 * debugging, and on the e500mc an MSR[DE] the guest cannot clear.
 *
 * Not part of the QEMU differential suite: QEMU 7.2 implements no IAC, DAC or
 * trap debug events. The vmgdb tests run it with and without a debugger
 * attached and check every line. */
#include "rt.h"

#define DBCR0_EDM 0x80000000u
#define DBCR0_IDM 0x40000000u
#define DBCR0_ICMP 0x08000000u
#define DBCR0_TDE 0x01000000u
#define DBCR0_IAC1 0x00800000u
#define DBCR0_IAC2 0x00400000u
#define DBCR0_DAC1R 0x00080000u
#define DBCR0_DAC1W 0x00040000u
#define DBCR0_DAC2R 0x00020000u
#define DBCR0_DAC2W 0x00010000u
#define DBSR_IDE 0x80000000u
#define DBSR_EVENTS 0x0FFF0000u

struct record {
	u32 hits;
	u32 dbsr;
	u32 where;
	u32 de_in_saved_msr;
};

static volatile struct record rec;
static volatile u32 watched_a, watched_b;
static volatile u32 stepping_left;

/* The debug handler: note what fired, clear it, disarm the comparators that fired
 * so the suppressed instruction can run, return. */
static void on_debug(struct frame *f)
{
	u32 dbsr = mfspr(SPR_DBSR);

	rec.hits++;
	rec.dbsr |= dbsr & DBSR_EVENTS;
	rec.where = f->srr0;
	rec.de_in_saved_msr = !!(f->srr1 & MSR_DE);
	mtspr(SPR_DBSR, dbsr);
	if (dbsr & 0x08000000u) { /* instruction complete: keep stepping for a while */
		if (stepping_left && --stepping_left == 0)
			mtspr(SPR_DBCR0, DBCR0_IDM);
	} else {
		mtspr(SPR_DBCR0, mfspr(SPR_DBCR0) & ~(dbsr & DBSR_EVENTS));
	}
	if (dbsr & 0x01000000u) /* trap: the debug interrupt replaced it; skip it */
		f->srr0 += 4;
	isync();
}

static void reset_record(void)
{
	rec.hits = rec.dbsr = rec.where = rec.de_in_saved_msr = 0;
}

static NOINLINE u32 iac_target(u32 x)
{
	return x * 3 + 1;
}

static void report(const char *what, u32 result, u32 base)
{
	printf("%s: result %u, %u debug interrupt(s), DBSR %08x, at %s%+d, saved MSR[DE] %u\n",
	       what, result, rec.hits, rec.dbsr, base ? "target" : "absolute",
	       (int)(rec.where - base), rec.de_in_saved_msr);
}

static void own_iac(void)
{
	u32 r;

	reset_record();
	mtspr(SPR_IAC1, (u32)iac_target);
	mtspr(SPR_DBCR0, DBCR0_IDM | DBCR0_IAC1);
	isync();
	r = iac_target(5);
	report("own IAC1 on iac_target", r, (u32)iac_target);
	mtspr(SPR_DBCR0, 0);
}

static void own_dac(void)
{
	u32 r;

	reset_record();
	mtspr(SPR_DAC1, (u32)&watched_a);
	mtspr(SPR_DAC2, (u32)&watched_b);
	mtspr(SPR_DBCR0, DBCR0_IDM | DBCR0_DAC1W | DBCR0_DAC2R);
	isync();
	watched_b = 7;  /* a store: DAC2 watches reads only */
	watched_a = 11; /* DAC1W fires before the store, which then completes */
	r = watched_b;  /* DAC2R fires */
	printf("own DAC1W/DAC2R: %u debug interrupt(s), DBSR %08x, watched_a %u, read %u\n",
	       rec.hits, rec.dbsr, watched_a, r);
	mtspr(SPR_DBCR0, 0);
}

static NOINLINE u32 stepped(u32 x)
{
	x += 1;
	x *= 5;
	x ^= 3;
	return x;
}

static void own_stepping(void)
{
	u32 r;

	reset_record();
	stepping_left = 4;
	mtspr(SPR_DBCR0, DBCR0_IDM | DBCR0_ICMP);
	isync();
	r = stepped(2);
	mtspr(SPR_DBCR0, 0);
	isync();
	printf("own ICMP stepping: result %u, %u step interrupt(s), DBSR %08x\n", r, rec.hits,
	       rec.dbsr);
}

static void own_trap(void)
{
	reset_record();
	mtspr(SPR_DBCR0, DBCR0_IDM | DBCR0_TDE);
	isync();
	__asm__ volatile("twi 31, 0, 0"); /* always traps: a debug interrupt instead */
	printf("own trap event: %u debug interrupt(s), DBSR %08x\n", rec.hits, rec.dbsr);
	mtspr(SPR_DBCR0, 0);
}

static void debugger_visibility(void)
{
	u32 msr = mfmsr();
	u32 dbcr0 = mfspr(SPR_DBCR0);

	printf("DBCR0[EDM] %u (an external debugger owns debugging)\n", !!(dbcr0 & DBCR0_EDM));
	mtmsr(msr & ~MSR_DE);
	printf("MSR[DE] after clearing it: %u\n", !!(mfmsr() & MSR_DE));
	mtmsr(msr);
	/* The guest's own registers read back what it wrote, whoever else debugs. */
	mtspr(SPR_IAC2, 0x1230);
	mtspr(SPR_DAC2, 0x4560);
	printf("IAC2 %08x DAC2 %08x read back\n", mfspr(SPR_IAC2), mfspr(SPR_DAC2));
	mtspr(SPR_IAC2, 0);
	mtspr(SPR_DAC2, 0);
}

int main(void)
{
	printf("== selfdebug (%s) ==\n", is_e500mc() ? "e500mc" : "e500v2");
	rt_set_handler(IVOR_DEBUG, on_debug);
	mtspr(SPR_DBSR, 0xFFFFFFFF);
	mtmsr(mfmsr() | MSR_DE);
	debugger_visibility();
	own_iac();
	own_dac();
	own_stepping();
	own_trap();
	printf("DBSR at the end %08x\n", mfspr(SPR_DBSR));
	printf("== selfdebug done ==\n");
	return 0;
}
