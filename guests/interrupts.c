/* interrupts.c: the program's own handlers on its own IVPR/IVORs: system calls
 * (sc with arguments, SRR0/SRR1), program interrupts (traps, illegal and
 * privileged instructions, the latter from user mode entered with rfi),
 * data storage interrupts from user mode, floating-point / SPE unavailable,
 * alignment, decrementer interrupts (auto-reload and one-shot), wait (e500mc),
 * and wrteei/wrtee.
 *
 * Printed only what QEMU 7.2 and the e500 manual agree on: SRR1 masked to the
 * MSR bits this program sets (QEMU ORs Book-S reason bits into SRR1 and
 * clears CE/DE on entry), ESR masked to PIL/PPR/PTR/FP/ST/SPV, counts of timer
 * events but never times, and DEC is never read after it expired. Not tested
 * because QEMU 7.2 departs from the manual: the fixed-interval timer (QEMU
 * only arms it while TSR[FIS] is already set, so it never starts) and writing
 * DEC with 0..2 (QEMU raises the interrupt at once). */
#include "rt.h"

/* MSR bits worth comparing in SRR1. */
#define SRR1_SHOWN (MSR_EE | MSR_PR | MSR_FP | MSR_IS | MSR_DS)
#define ESR_FP 0x01000000u
#define ESR_SPV 0x00000080u
#define ESR_SHOWN (ESR_PIL | ESR_PPR | ESR_PTR | ESR_FP | ESR_ST | ESR_SPV)

/* ---------------------------------------------------------------- recording faults */

struct fault {
	u32 count, vector, esr, dear, srr0, srr1;
};

static volatile struct fault last;

/* Record the interrupt and resume after the faulting instruction. */
static void record_and_skip(struct frame *f)
{
	last.count++;
	last.vector = f->vector;
	last.esr = mfspr(SPR_ESR);
	last.dear = mfspr(SPR_DEAR);
	last.srr0 = f->srr0;
	last.srr1 = f->srr1;
	f->srr0 += 4;
}

static void clear_fault(void)
{
	last.count = 0;
	last.vector = last.esr = last.dear = last.srr0 = last.srr1 = 0;
	mtspr(SPR_ESR, 0);
}

/* Print what the last probe saw, SRR0 relative to `where`. */
static void report(const char *what, const void *where)
{
	if (!last.count) {
		printf("%-28s no interrupt\n", what);
		return;
	}
	printf("%-28s %u x IVOR%u ESR %08x SRR0 %s%+d SRR1 %08x", what, last.count, last.vector,
	       last.esr & ESR_SHOWN, where ? "insn" : "abs",
	       where ? (int)(last.srr0 - (u32)where) : (int)last.srr0, last.srr1 & SRR1_SHOWN);
	if (last.vector == IVOR_DSI || last.vector == IVOR_ALIGN || last.vector == IVOR_DTLB)
		printf(" DEAR %08x", last.dear);
	putc('\n');
}

/* One instruction at a global label, so its address is known. */
#define PROBE(label, insn) __asm__ volatile(".globl " #label "\n" #label ":\n\t" insn : : : "memory")
#define DECLARE(label) extern char label[]

/* ---------------------------------------------------------------- system calls */

enum { SC_ENTER_USER = 0x100, SC_EXIT_USER, SC_PUTC, SC_MULADD, SC_REGS };

static volatile u32 syscalls, sc_srr0, sc_srr1;

/* The supervisor state to return to when user code exits (no back chain/LR slot:
 * those belong to the interrupt entry's own call). */
static u32 kernel_regs[sizeof(struct frame) / 4];
#define FRAME_REGS_OFF 2

static void save_frame(struct frame *f)
{
	memcpy(kernel_regs, (u32 *)f + FRAME_REGS_OFF, sizeof(*f) - 4 * FRAME_REGS_OFF);
}

static void restore_frame(struct frame *f)
{
	memcpy((u32 *)f + FRAME_REGS_OFF, kernel_regs, sizeof(*f) - 4 * FRAME_REGS_OFF);
}

static u8 user_stack[16384] __attribute__((aligned(16)));
extern char user_exit[];

/* Returning from a user function lands here: leave through sc. */
__asm__(".text\n.globl user_exit\nuser_exit:\n\tli 0, 0x101\n\tsc\n1:\tb 1b\n");

static void on_syscall(struct frame *f)
{
	syscalls++;
	sc_srr0 = f->srr0;
	sc_srr1 = f->srr1;
	switch (f->gpr[0]) {
	case SC_ENTER_USER:
		save_frame(f);
		f->srr0 = f->gpr[3];
		f->gpr[3] = f->gpr[4];
		f->gpr[1] = (u32)user_stack + sizeof(user_stack) - 16;
		f->lr = (u32)user_exit;
		f->srr1 |= MSR_PR;
		break;
	case SC_EXIT_USER: {
		u32 ret = f->gpr[3];

		restore_frame(f);
		f->gpr[3] = ret;
		break;
	}
	case SC_PUTC:
		putc(f->gpr[3]);
		break;
	case SC_MULADD:
		f->gpr[3] = f->gpr[3] * f->gpr[4] + f->gpr[5];
		break;
	case SC_REGS:
		/* Change registers the caller can see. */
		f->gpr[4] = ~f->gpr[4];
		f->gpr[5] = f->srr0 - f->gpr[5];
		f->cr = 0x12345678;
		f->ctr = 77;
		break;
	default:
		f->gpr[3] = (u32)-1;
		break;
	}
}

static u32 syscall3(u32 nr, u32 a, u32 b, u32 c)
{
	register u32 r0 __asm__("r0") = nr;
	register u32 r3 __asm__("r3") = a;
	register u32 r4 __asm__("r4") = b;
	register u32 r5 __asm__("r5") = c;

	__asm__ volatile("sc" : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5) : : "memory");
	return r3;
}

static void system_calls(void)
{
	DECLARE(sc_probe);
	u32 cr, ctr, v4, v5;

	rt_set_handler(IVOR_SYSCALL, on_syscall);
	printf("muladd(6, 7, 8) = %u\n", syscall3(SC_MULADD, 6, 7, 8));
	printf("unknown syscall = %d\n", (int)syscall3(0x999, 1, 2, 3));
	{
		/* Register variables: set right before the asm (calls clobber them). */
		register u32 r0 __asm__("r0") = SC_REGS;
		register u32 r4 __asm__("r4") = 0x0F0F0F0F;
		register u32 r5 __asm__("r5");

		__asm__ volatile("lis %1, sc_probe@ha\n\taddi %1, %1, sc_probe@l\n\t"
				 ".globl sc_probe\nsc_probe:\n\tsc\n\tmfcr %2\n\tmfctr %3"
				 : "+r"(r0), "=&b"(r5), "=&r"(cr), "=&r"(ctr), "+r"(r4)
				 : : "memory", "cr0", "cr1", "cr2", "cr3", "cr4", "cr5", "cr6",
				   "cr7", "ctr");
		v4 = r4;
		v5 = r5;
	}
	printf("sc: SRR0 insn%+d SRR1 %08x; r4 %08x, srr0 - &sc = %d, cr %08x ctr %u\n",
	       (int)(sc_srr0 - (u32)sc_probe), sc_srr1 & SRR1_SHOWN, v4, (int)v5, cr, ctr);
	printf("%u system calls\n", syscalls);
}

/* ---------------------------------------------------------------- program interrupts */

/* Trap conditions: which (a, b) pairs trap for each TO value. */
#define TW_TEST(to)                                                               \
	static NOINLINE u32 tw_##to(void)                                         \
	{                                                                         \
		static const u32 pairs[][2] = {                                   \
			{ 1, 1 }, { (u32)-1, 1 }, { 1, (u32)-1 },                 \
			{ 0x80000000, 0x7FFFFFFF }, { 5, 3 }, { 3, 5 },           \
		};                                                                \
		u32 i, mask = 0;                                                  \
		for (i = 0; i < ARRAY_SIZE(pairs); i++) {                         \
			u32 before = last.count;                                  \
			__asm__ volatile("tw " #to ", %0, %1" : : "r"(pairs[i][0]), "r"(pairs[i][1])); \
			if (last.count != before)                                 \
				mask |= 1 << i;                                   \
		}                                                                 \
		return mask;                                                      \
	}
TW_TEST(0) TW_TEST(1) TW_TEST(2) TW_TEST(4) TW_TEST(8) TW_TEST(16) TW_TEST(5)
TW_TEST(24) TW_TEST(20) TW_TEST(12) TW_TEST(31)

static void program_interrupts(void)
{
	DECLARE(trap_probe);
	DECLARE(twi_probe);
	DECLARE(ill0_probe);
	DECLARE(ill1_probe);
	DECLARE(fp_probe);
	DECLARE(spe_probe);
	DECLARE(lwarx_probe);
	static u32 words[4];

	rt_set_handler(IVOR_PROGRAM, record_and_skip);
	rt_set_handler(IVOR_FPU, record_and_skip);
	rt_set_handler(IVOR_ALIGN, record_and_skip);
	rt_set_handler(IVOR_SPE, record_and_skip);

	clear_fault();
	PROBE(trap_probe, "trap");
	report("trap (tw 31,0,0)", trap_probe);
	clear_fault();
	PROBE(twi_probe, "twi 4, 0, 0");
	report("twi eq 0, 0", twi_probe);

	clear_fault();
	{
		static const struct {
			const char *name;
			u32 (*fn)(void);
		} tws[] = {
			{ "never", tw_0 }, { "lt", tw_16 }, { "gt", tw_8 }, { "eq", tw_4 },
			{ "ltu", tw_2 }, { "gtu", tw_1 }, { "eq|gtu", tw_5 }, { "lt|gt", tw_24 },
			{ "le", tw_20 }, { "ge", tw_12 }, { "always", tw_31 },
		};
		u32 i;

		printf("tw TO (bit i: pair i trapped):");
		for (i = 0; i < ARRAY_SIZE(tws); i++)
			printf(" %s:%02x", tws[i].name, tws[i].fn());
		printf(" (%u traps)\n", last.count);
	}

	clear_fault();
	PROBE(ill0_probe, ".long 0x00000000");
	report("illegal 0x00000000", ill0_probe);
	clear_fault();
	PROBE(ill1_probe, ".long 0x04000000 + 0x7FF");
	/* e500v2: an SPE opcode (SPE unavailable); e500mc: illegal. */
	report("opcode 4 (SPE space)", ill1_probe);

	/* A floating-point instruction: the e500v2 has none, the e500mc's needs MSR[FP]. */
	clear_fault();
	if (is_e500mc())
		mtmsr(mfmsr() & ~MSR_FP);
	PROBE(fp_probe, ".long 0xFC000890"); /* fmr f0, f1 */
	if (is_e500mc())
		mtmsr(mfmsr() | MSR_FP);
	report("fmr with MSR[FP]=0", fp_probe);

	/* evmergehi r0, r0, r0 with MSR[SPE] = 0. */
	clear_fault();
	PROBE(spe_probe, ".long 0x1000022C");
	report("evmergehi", spe_probe);

	/* lwarx on a misaligned address. */
	clear_fault();
	{
		register u32 ea __asm__("r9") = (u32)words + 2;

		__asm__ volatile(".globl lwarx_probe\nlwarx_probe:\n\tlwarx 10, 0, %0" : : "r"(ea)
				 : "r10", "memory");
	}
	report("lwarx misaligned", lwarx_probe);
	if (last.count)
		printf("  DEAR - &words = %d\n", (int)(last.dear - (u32)words));
}

/* ---------------------------------------------------------------- user mode */

static void uputs(const char *s)
{
	while (*s)
		syscall3(SC_PUTC, (u8)*s++, 0, 0);
}

static void uputhex(u32 v)
{
	int i;

	for (i = 28; i >= 0; i -= 4)
		syscall3(SC_PUTC, "0123456789abcdef"[(v >> i) & 0xF], 0, 0);
}

static volatile u32 user_faults[16];

/* Runs with MSR[PR] = 1. Each privileged attempt must trap (and be skipped). */
static NOINLINE u32 user_main(u32 arg)
{
	u32 n, v = 0;
	volatile u32 *uart = (volatile u32 *)0xE0004500;

	uputs("  user mode: hello, arg ");
	uputhex(arg);
	uputs("\n");

	n = last.count;
	__asm__ volatile("mfmsr %0" : "=r"(v));
	user_faults[0] = last.count - n;
	n = last.count;
	__asm__ volatile("mtmsr %0" : : "r"(0));
	user_faults[1] = last.count - n;
	n = last.count;
	__asm__ volatile("mfspr %0, 26" : "=r"(v)); /* SRR0 */
	user_faults[2] = last.count - n;
	n = last.count;
	__asm__ volatile("mtspr 274, %0" : : "r"(v)); /* SPRG2 */
	user_faults[3] = last.count - n;
	n = last.count;
	__asm__ volatile("wrteei 1");
	user_faults[4] = last.count - n;
	n = last.count;
	__asm__ volatile("rfi");
	user_faults[5] = last.count - n;
	n = last.count;
	__asm__ volatile("tlbsx 0, %0" : : "r"(0));
	user_faults[6] = last.count - n;
	n = last.count;
	__asm__ volatile("mfspr %0, 260" : "=r"(v)); /* SPRG4: user readable */
	user_faults[7] = last.count - n;
	n = last.count;
	__asm__ volatile("mfspr %0, 9" : "=r"(v)); /* CTR */
	user_faults[8] = last.count - n;
	/* The CCSR is mapped supervisor-only: data storage interrupts. */
	n = last.count;
	(void)uart[0];
	user_faults[9] = last.count - n;
	user_faults[10] = last.esr & ESR_SHOWN;
	n = last.count;
	uart[1] = 0x41;
	user_faults[11] = last.count - n;
	user_faults[12] = last.esr & ESR_SHOWN;
	user_faults[13] = last.dear;
	user_faults[14] = last.srr1 & SRR1_SHOWN;
	return arg * 3;
}

static void user_mode(void)
{
	static const char *const names[] = { "mfmsr", "mtmsr", "mfspr SRR0", "mtspr SPRG2",
					     "wrteei", "rfi", "tlbsx", "mfspr SPRG4", "mfspr CTR",
					     "load from CCSR", "  its ESR", "store to CCSR",
					     "  its ESR", "  its DEAR", "  its SRR1" };
	u32 ret, i;

	rt_set_handler(IVOR_DSI, record_and_skip);
	clear_fault();
	mtspr(260 + 16, 0xFEEDF00D); /* SPRG4 (write through 276) */
	ret = syscall3(SC_ENTER_USER, (u32)user_main, 0x1234, 0);
	printf("user_main returned %08x after %u interrupts; last SRR1 %08x\n", ret, last.count,
	       sc_srr1 & SRR1_SHOWN);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		printf("  %-16s %08x\n", names[i], user_faults[i]);
	printf("back in supervisor mode: MSR[PR] = %u\n", !!(mfmsr() & MSR_PR));
}

/* ---------------------------------------------------------------- timers */

static volatile u32 dec_ticks, dec_limit, dec_saw_dis, dec_srr1_ee;

static void on_decrementer(struct frame *f)
{
	dec_ticks++;
	dec_saw_dis += !!(mfspr(SPR_TSR) & TSR_DIS);
	dec_srr1_ee += !!(f->srr1 & MSR_EE);
	mtspr(SPR_TSR, TSR_DIS); /* write 1 to clear */
	if (dec_ticks >= dec_limit)
		mtspr(SPR_TCR, mfspr(SPR_TCR) & ~(TCR_DIE | TCR_ARE));
}

static void wrteei(int on)
{
	if (on)
		__asm__ volatile("wrteei 1" : : : "memory");
	else
		__asm__ volatile("wrteei 0" : : : "memory");
}

static void timers(void)
{
	u32 spins;

	rt_set_handler(IVOR_DEC, on_decrementer);

	/* Auto-reload: 20 ticks of 20000 time-base ticks. QEMU's decrementer runs
	 * on host time, so nothing may depend on how long code takes: TCR[ARE]
	 * is set before DEC is armed (an expiry without it would stop the count). */
	mtspr(SPR_DEC, 0x7FFFFFFF);
	mtspr(SPR_TSR, 0xFFFFFFFF);
	dec_limit = 20;
	mtspr(SPR_DECAR, 20000);
	mtspr(SPR_TCR, TCR_DIE | TCR_ARE);
	mtspr(SPR_DEC, 20000);
	wrteei(1);
	for (spins = 0; dec_ticks < 20; spins++)
		;
	wrteei(0);
	printf("decrementer auto-reload: %u ticks (TSR[DIS] seen %u, EE in SRR1 %u)\n", dec_ticks,
	       dec_saw_dis, dec_srr1_ee);

	/* One-shot, with EE off until the decrementer has expired: the interrupt is
	 * taken as soon as EE is set again (TSR[DIS] stays set). Park DEC far away,
	 * clear a stale TSR[DIS], then arm. */
	dec_ticks = dec_saw_dis = dec_srr1_ee = 0;
	dec_limit = 1;
	mtspr(SPR_DEC, 0x7FFFFFFF);
	mtspr(SPR_TSR, TSR_DIS);
	mtspr(SPR_TCR, TCR_DIE);
	mtspr(SPR_DEC, 100000);
	while (!(mfspr(SPR_TSR) & TSR_DIS))
		;
	printf("one-shot expired with EE off: %u interrupts so far\n", dec_ticks);
	__asm__ volatile("wrtee %0" : : "r"(MSR_EE) : "memory");
	__asm__ volatile("nop");
	wrteei(0);
	printf("after wrtee EE: %u interrupt(s), TSR[DIS] now %u\n", dec_ticks,
	       !!(mfspr(SPR_TSR) & TSR_DIS));

	/* wait (e500mc only): idle until the decrementer interrupt. */
	if (is_e500mc()) {
		/* Long enough that it cannot expire before wait (host time in QEMU). */
		dec_ticks = 0;
		dec_limit = 1;
		mtspr(SPR_DEC, 0x7FFFFFFF);
		mtspr(SPR_TSR, TSR_DIS);
		mtspr(SPR_TCR, TCR_DIE);
		mtspr(SPR_DEC, 4000000);
		wrteei(1);
		__asm__ volatile(".long 0x7C00007C" : : : "memory"); /* wait */
		wrteei(0);
		printf("wait: woken by %u decrementer interrupt(s)\n", dec_ticks);
	} else {
		printf("wait: woken by 1 decrementer interrupt(s)\n");
	}
	mtspr(SPR_TCR, 0);
	mtspr(SPR_TSR, 0xFFFFFFFF);
}

int main(void)
{
	printf("== interrupts ==\n");
	printf("PVR %08x (%s), IVPR %08x\n", pvr(), is_e500mc() ? "e500mc" : "e500v2",
	       mfspr(SPR_IVPR));
	system_calls();
	program_interrupts();
	user_mode();
	timers();
	printf("== interrupts done ==\n");
	return 0;
}
