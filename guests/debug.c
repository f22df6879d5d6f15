/* debug.c: the guest's own debug facility: instruction-complete (ICMP)
 * single-stepping through DBCR0[IDM|ICMP] with MSR[DE], the debug interrupt
 * (critical class on the e500v2: CSRR0/CSRR1 and rfci; debug level on the
 * e500mc: DSRR0/DSRR1 and rfdi), DBSR as write-1-to-clear.
 *
 * Only what QEMU 7.2 and the e500 manual agree on is exercised: QEMU steps on
 * ICMP whether or not DBCR0[IDM] is set and implements no IAC/DAC/trap/branch
 * events the way the manual describes, so stepping is only ever enabled with
 * IDM set, entered by an rfi that sets MSR[DE], and left by returning with
 * MSR[DE] clear; CSRR0 is not looked at on the e500mc (QEMU writes it too).
 * QEMU's DBSR write ANDs with the negated value instead of its complement, so
 * only writing all ones clears DBSR the way the manual says: that is all this
 * program writes to it. */
#include "rt.h"

#define DBCR0_IDM 0x40000000u
#define DBCR0_ICMP 0x08000000u
#define DBSR_ICMP 0x08000000u
/* Event bits compared (not IDE, MRR or the reserved ones). */
#define DBSR_EVENTS 0x0FFF0000u

static volatile u32 steps, step_msr_de;
static volatile u32 step_offset[32], step_dbsr[32];
static volatile u32 work;

extern char step_start[], step_end[];

static void on_debug(struct frame *f)
{
	u32 dbsr = mfspr(SPR_DBSR);

	if (steps < ARRAY_SIZE(step_offset)) {
		step_offset[steps] = f->srr0 - (u32)step_start;
		step_dbsr[steps] = dbsr & DBSR_EVENTS;
	}
	steps++;
	step_msr_de += !!(f->srr1 & MSR_DE);
	mtspr(SPR_DBSR, 0xFFFFFFFF); /* write 1 to clear (all: see above) */
	if (f->srr0 == (u32)step_end)
		f->srr1 &= ~MSR_DE;
}

/* Step through a short sequence with a taken and a not-taken branch, a call
 * and a return; the handler stops stepping when it reaches step_end. */
static NOINLINE u32 stepped_code(u32 x)
{
	u32 r = x;

	__asm__ volatile(
		"lis 9, step_start@ha\n\t"
		"addi 9, 9, step_start@l\n\t"
		"mtsrr0 9\n\t"
		"mfmsr 9\n\t"
		"ori 9, 9, 0x0200\n\t" /* MSR[DE] */
		"mtsrr1 9\n\t"
		"rfi\n"
		".globl step_start\n"
		"step_start:\n\t"
		"addi %0, %0, 1\n\t"
		"b 1f\n\t"
		"addi %0, %0, 100\n"       /* skipped */
		"1:\tmullw %0, %0, %0\n\t"
		"cmpwi %0, 9\n\t"
		"beq 2f\n\t"             /* taken for x = 2 */
		"addi %0, %0, 1000\n"
		"2:\tcmpwi %0, 0\n\t"
		"beq 3f\n\t"             /* not taken */
		"bl 4f\n"
		"3:\tb 5f\n"
		"4:\taddi %0, %0, 7\n\t"
		"blr\n"
		"5:\tnop\n"
		".globl step_end\n"
		"step_end:\n\t"
		"nop"
		: "+b"(r)
		:
		: "r9", "cr0", "lr", "memory");
	return r;
}

static void single_step(void)
{
	u32 r, i;

	rt_set_handler(IVOR_DEBUG, on_debug);
	mtspr(SPR_DBSR, 0xFFFFFFFF);
	mtspr(SPR_DBCR0, DBCR0_IDM | DBCR0_ICMP);
	isync();
	r = stepped_code(2);
	mtspr(SPR_DBCR0, 0);
	isync();
	printf("stepped_code(2) = %u in %u steps (MSR[DE] set in the saved MSR %u times)\n", r,
	       steps, step_msr_de);
	for (i = 0; i < steps && i < ARRAY_SIZE(step_offset); i++)
		printf("  step %2u: at step_start%+d, DBSR %08x\n", i + 1, (int)step_offset[i],
		       step_dbsr[i]);
	printf("DBSR events now %08x, DBCR0 %08x, MSR[DE] %u\n", mfspr(SPR_DBSR) & DBSR_EVENTS,
	       mfspr(SPR_DBCR0), !!(mfmsr() & MSR_DE));

	/* Nothing is stepped while MSR[DE] is clear, whatever DBCR0 says. */
	steps = 0;
	mtspr(SPR_DBCR0, DBCR0_IDM | DBCR0_ICMP);
	isync();
	for (i = 0; i < 10; i++)
		work += i;
	mtspr(SPR_DBCR0, 0);
	isync();
	printf("with MSR[DE] clear: %u steps, work %u\n", steps, work);
}

int main(void)
{
	printf("== debug ==\n");
	single_step();
	printf("== debug done ==\n");
	return 0;
}
