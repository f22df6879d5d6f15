/* start.S: entry point, CCSR mapping, vector table and interrupt entry/exit.
 *
 * The board enters _start with MSR=0 and TLB1[0] mapping 64 MiB of RAM at 0.
 * We map the CCSR (physical 0xF_E000_0000) at virtual 0xE0000000 through
 * TLB1[1], take our own stack, clear .bss, let rt_init() point IVPR/IVORs at
 * the table below, run main() and power off.
 *
 * Vector table: one 16-byte stub per IVOR number n at rt_vectors + 0x100 + 16n
 * (16-byte aligned offsets: QEMU masks IVORs with 0xFFF7, the manual with 0xFFF0),
 * plus slot 42 for the e500mc's debug-level debug interrupt (rt_init points
 * IVOR15 there on the e500mc). A stub saves r3 in a scratch SPRG, loads n and
 * enters the common code of its class, which builds a struct frame (rt.h) on
 * the interrupted stack, calls rt_interrupt(frame) and returns through the
 * (possibly modified) frame with the class's return instruction:
 *   base       SRR0/SRR1,   rfi,  scratch SPRG0/SPRG1
 *   critical   CSRR0/CSRR1, rfci, scratch SPRG2/SPRG3 (critical input, watchdog,
 *              and the e500v2's debug interrupt)
 *   debug      DSRR0/DSRR1, rfdi, scratch SPRG2/SPRG3 (e500mc debug interrupt)
 * Machine checks report and power off. SPRG0..SPRG3 belong to this file;
 * programs may use SPRG4..SPRG7. */

#define SPRG0 272
#define SPRG1 273
#define SPRG2 274
#define SPRG3 275
#define CSRR0 58
#define CSRR1 59
#define DSRR0 574
#define DSRR1 575

/* struct frame offsets (rt.h) */
#define F_GPR   8
#define F_CR    136
#define F_LR    140
#define F_CTR   144
#define F_XER   148
#define F_SRR0  152
#define F_SRR1  156
#define F_VEC   160
#define F_SIZE  176

	.section .text.vectors, "ax"
	.globl rt_vectors
	.balign 0x10000
rt_vectors:
	/* The stub in `slot` for vector n. */
	.macro STUB slot, n, entry, scratch
	.org rt_vectors + 0x100 + \slot * 16
	mtspr \scratch, 3
	li 3, \n
	b \entry
	.endm
	.macro VEC n, entry, scratch=SPRG0
	STUB \n, \n, \entry, \scratch
	.endm

	VEC 0, rt_critical_common, SPRG2	/* critical input */
	VEC 1, rt_machine_check, SPRG2		/* machine check */
	VEC 2, rt_common	/* data storage */
	VEC 3, rt_common	/* instruction storage */
	VEC 4, rt_common	/* external input */
	VEC 5, rt_common	/* alignment */
	VEC 6, rt_common	/* program */
	VEC 7, rt_common	/* floating-point unavailable */
	VEC 8, rt_common	/* system call */
	VEC 9, rt_common	/* auxiliary processor unavailable */
	VEC 10, rt_common	/* decrementer */
	VEC 11, rt_common	/* fixed-interval timer */
	VEC 12, rt_critical_common, SPRG2	/* watchdog */
	VEC 13, rt_common	/* data TLB error */
	VEC 14, rt_common	/* instruction TLB error */
	VEC 15, rt_critical_common, SPRG2	/* debug (e500v2: critical class) */
	.set n, 16
	.rept 26		/* 16..41: SPE/EFP, performance monitor, doorbells, ... */
	VEC n, rt_common
	.set n, n + 1
	.endr
	STUB 42, 15, rt_debug_common, SPRG2	/* debug (e500mc: debug level) */

	/* The common entry and exit of one interrupt class. */
	.macro COMMON name, scratch3, scratch1, save0, save1, return
\name:
	mtspr \scratch1, 1
	stwu 1, -F_SIZE(1)
	stw 0, F_GPR + 0(1)
	stw 2, F_GPR + 8(1)
	stmw 4, F_GPR + 16(1)
	stw 3, F_VEC(1)
	mfspr 0, \scratch3
	stw 0, F_GPR + 12(1)
	mfspr 0, \scratch1
	stw 0, F_GPR + 4(1)
	mfcr 0
	stw 0, F_CR(1)
	mflr 0
	stw 0, F_LR(1)
	mfctr 0
	stw 0, F_CTR(1)
	mfxer 0
	stw 0, F_XER(1)
	mfspr 0, \save0
	stw 0, F_SRR0(1)
	mfspr 0, \save1
	stw 0, F_SRR1(1)
	/* Give the handler the FPU if the interrupted code had it (e500mc). */
	andi. 0, 0, 0x2000
	beq 1f
	mfmsr 0
	ori 0, 0, 0x2000
	mtmsr 0
	isync
1:	mr 3, 1
	bl rt_interrupt
	lwz 0, F_CR(1)
	mtcr 0
	lwz 0, F_LR(1)
	mtlr 0
	lwz 0, F_CTR(1)
	mtctr 0
	lwz 0, F_XER(1)
	mtxer 0
	lwz 0, F_SRR0(1)
	mtspr \save0, 0
	lwz 0, F_SRR1(1)
	mtspr \save1, 0
	lwz 0, F_GPR + 0(1)
	lwz 2, F_GPR + 8(1)
	lwz 3, F_GPR + 12(1)
	lmw 4, F_GPR + 16(1)
	lwz 1, F_GPR + 4(1)
	\return
	.endm

	COMMON rt_common, SPRG0, SPRG1, 26, 27, rfi
	COMMON rt_critical_common, SPRG2, SPRG3, CSRR0, CSRR1, rfci
	/* rfdi, spelled out: the e500v2 assembler does not know it. */
	COMMON rt_debug_common, SPRG2, SPRG3, DSRR0, DSRR1, ".long 0x4C00004E"

rt_machine_check:
	/* r3 = vector; report it (from C) and power off. */
	stwu 1, -16(1)
	bl rt_fatal
1:	b 1b

	.section .note.GNU-stack, "", @progbits

	.section .text.start, "ax"
	.globl _start
_start:
	lis 1, _stack_top@ha
	addi 1, 1, _stack_top@l
	li 0, 0
	stwu 0, -16(1)		/* end of the back chain */

	/* TLB1[1]: EA 0xE0000000 -> PA 0xF_E000_0000, 1 MiB, I|G, SR|SW, IPROT. */
	lis 3, 0x1001		/* MAS0: TLBSEL 1, ESEL 1 */
	mtspr 624, 3
	lis 3, 0xC000
	ori 3, 3, 0x0500	/* MAS1: V|IPROT, TSIZE 5 (1 MiB) */
	mtspr 625, 3
	lis 3, 0xE000
	ori 3, 3, 0x000A	/* MAS2: EPN, I|G */
	mtspr 626, 3
	lis 3, 0xE000
	ori 3, 3, 0x0005	/* MAS3: RPN, SW|SR */
	mtspr 627, 3
	li 3, 0xF
	mtspr 944, 3		/* MAS7: PA[32:35] */
	isync
	tlbwe
	isync

	/* Clear .bss (word aligned by the linker script). */
	lis 3, __bss_start@ha
	addi 3, 3, __bss_start@l
	lis 4, __bss_end@ha
	addi 4, 4, __bss_end@l
	li 5, 0
1:	cmplw 3, 4
	bge 2f
	stw 5, 0(3)
	addi 3, 3, 4
	b 1b
2:
	bl rt_init
	bl main
	bl poweroff
