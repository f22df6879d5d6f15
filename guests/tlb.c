/* tlb.c: the program builds its own TLB0/TLB1 mappings with tlbwe, reads them
 * back with tlbre, searches them with tlbsx (hits and misses, both address
 * spaces, PIDs), maps one physical page at two virtual addresses, takes data
 * and instruction TLB-miss interrupts and services them by installing
 * entries, takes data/instruction storage interrupts on permission faults and
 * fixes the permissions, and invalidates with tlbivax and MMUCSR0.
 *
 * Only MAS fields the e500 manual and QEMU 7.2 agree on are written: no X0/X1
 * bits in MAS2, no reserved MAS1 bits, MAS7 within 4 bits, the 4-bit TSIZE.
 * ESR and DEAR are shown for data-side interrupts only: on an instruction TLB
 * miss QEMU clears ESR and writes DEAR, which the manual does not ask for. */
#include "rt.h"

/* MAS field helpers (e500 layout). */
#define MAS0_TLBSEL(n) ((u32)(n) << 28)
#define MAS0_ESEL(n) ((u32)(n) << 16)
#define MAS1_V 0x80000000u
#define MAS1_IPROT 0x40000000u
#define MAS1_TID(n) ((u32)(n) << 16)
#define MAS1_TS 0x00001000u
#define MAS1_TSIZE(n) ((u32)(n) << 8)
#define TSIZE_4K 1
#define TSIZE_16K 2
#define TSIZE_1M 5
#define MAS2_I 0x08
#define MAS2_G 0x02
#define MAS2_M 0x04
#define MAS3_SR 0x01
#define MAS3_UR 0x02
#define MAS3_SW 0x04
#define MAS3_UW 0x08
#define MAS3_SX 0x10
#define MAS3_UX 0x20
#define MAS3_RW (MAS3_SR | MAS3_SW)
#define MAS3_RWX (MAS3_SR | MAS3_SW | MAS3_SX)
#define MAS4_TSIZED(n) ((u32)(n) << 8)
#define MAS6_SPID(n) ((u32)(n) << 16)
#define MAS6_SAS 1u
#define HID0_EN_MAS7_UPDATE 0x00000080u

/* Physical pages used (identity-mapped by the board's TLB1[0] too). */
#define PA_A 0x00800000u /* aliased data page */
#define PA_C 0x00801000u /* TS=1 view */
#define PA_CODE 0x00802000u /* code copied here (two pages) */
#define PA_B 0x00804000u /* four data pages for demand paging */
#define PA_BIG 0x00900000u /* 1 MiB region for TLB1 */

/* Virtual addresses, unmapped until this program maps them. */
#define EA_ALIAS1 0x40000000u
#define EA_ALIAS2 0x40010000u
#define EA_BIG 0x50000000u
#define EA_MISS 0x60000000u /* four pages, mapped on demand */
#define EA_RO 0x60010000u   /* read-only until a DSI upgrades it */
#define EA_TID 0x60020000u  /* TID 7 */
#define EA_TS 0x60030000u   /* different pages in AS0 and AS1 */
#define EA_CODE 0x70000000u /* code, mapped on demand */
#define EA_NOEXEC 0x70010000u

struct mas {
	u32 mas0, mas1, mas2, mas3, mas7;
};

static void read_mas(struct mas *m)
{
	m->mas0 = mfspr(SPR_MAS0);
	m->mas1 = mfspr(SPR_MAS1);
	m->mas2 = mfspr(SPR_MAS2);
	m->mas3 = mfspr(SPR_MAS3);
	m->mas7 = mfspr(SPR_MAS7);
}

static void print_mas(const char *what, const struct mas *m)
{
	printf("%-30s MAS0 %08x MAS1 %08x MAS2 %08x MAS3 %08x MAS7 %08x\n", what, m->mas0,
	       m->mas1, m->mas2, m->mas3, m->mas7);
}

/* One copy only (noclone): its tlbwe has a global label. */
static __attribute__((noinline, noclone)) void tlbwe(u32 mas0, u32 mas1, u32 mas2, u32 mas3,
						     u32 mas7)
{
	mtspr(SPR_MAS0, mas0);
	mtspr(SPR_MAS1, mas1);
	mtspr(SPR_MAS2, mas2);
	mtspr(SPR_MAS3, mas3);
	mtspr(SPR_MAS7, mas7);
	__asm__ volatile("isync\n.globl tlbwe_insn\ntlbwe_insn:\n\ttlbwe\n\tisync" : : : "memory");
}

/* For TLB0, MAS2[EPN] picks the set. */
static void tlbre(u32 mas0, u32 mas2, struct mas *m)
{
	mtspr(SPR_MAS0, mas0);
	mtspr(SPR_MAS2, mas2);
	__asm__ volatile("tlbre\n\tisync" : : : "memory");
	read_mas(m);
}

static void tlbsx(u32 ea, u32 mas6, struct mas *m)
{
	mtspr(SPR_MAS6, mas6);
	__asm__ volatile("tlbsx 0, %0\n\tisync" : : "r"(ea) : "memory");
	read_mas(m);
}

static void tlbivax(u32 ea)
{
	__asm__ volatile("tlbivax 0, %0\n\ttlbsync\n\tmsync\n\tisync" : : "r"(ea) : "memory");
}

/* A 4 KiB TLB0 mapping (way chosen by the caller). */
static void map4k(int way, u32 ea, u32 pa, u32 perms, u32 tid, int ts)
{
	tlbwe(MAS0_TLBSEL(0) | MAS0_ESEL(way), MAS1_V | MAS1_TID(tid) | (ts ? MAS1_TS : 0) |
	      MAS1_TSIZE(TSIZE_4K), ea, pa | perms, 0);
}

static u32 peek(u32 ea)
{
	return *(volatile u32 *)ea;
}

static void poke(u32 ea, u32 v)
{
	*(volatile u32 *)ea = v;
}

/* ---------------------------------------------------------------- interrupt handlers */

static volatile u32 dtlb_misses, itlb_misses, dsi_count, isi_count, program_count;
static volatile u32 miss_log_n;
static struct {
	u32 vector, ea, esr, mas0, mas1, mas2, mas3, mas6, mas7;
} miss_log[16];

static void log_miss(struct frame *f, u32 ea)
{
	if (miss_log_n < ARRAY_SIZE(miss_log)) {
		u32 i = miss_log_n++;

		miss_log[i].vector = f->vector;
		miss_log[i].ea = ea;
		miss_log[i].esr = f->vector == IVOR_ITLB || f->vector == IVOR_ISI
			? 0 : mfspr(SPR_ESR) & (ESR_ST | ESR_PIL | ESR_PPR | ESR_PTR);
		miss_log[i].mas0 = mfspr(SPR_MAS0);
		miss_log[i].mas1 = mfspr(SPR_MAS1);
		miss_log[i].mas2 = mfspr(SPR_MAS2);
		miss_log[i].mas3 = mfspr(SPR_MAS3);
		miss_log[i].mas6 = mfspr(SPR_MAS6);
		miss_log[i].mas7 = mfspr(SPR_MAS7);
	}
}

static void print_miss_log(void)
{
	u32 i;

	for (i = 0; i < miss_log_n; i++)
		printf("  IVOR%-2u ea %08x esr %08x | MAS0 %08x MAS1 %08x MAS2 %08x MAS3 %08x "
		       "MAS6 %08x MAS7 %08x\n", miss_log[i].vector, miss_log[i].ea, miss_log[i].esr,
		       miss_log[i].mas0, miss_log[i].mas1, miss_log[i].mas2, miss_log[i].mas3,
		       miss_log[i].mas6, miss_log[i].mas7);
	miss_log_n = 0;
}

/* Data TLB miss: the MAS registers come preloaded (TLB0, victim way, EPN, TID,
 * TS): fill in the RPN and permissions and write the entry. */
static void on_dtlb(struct frame *f)
{
	u32 ea = mfspr(SPR_DEAR), page = ea & ~0xFFFu;

	dtlb_misses++;
	log_miss(f, ea);
	if (page >= EA_MISS && page < EA_MISS + 0x4000) {
		mtspr(SPR_MAS3, (PA_B + (page - EA_MISS)) | MAS3_RW);
		mtspr(SPR_MAS7, 0);
		__asm__ volatile("tlbwe\n\tisync" : : : "memory");
	} else if (page == EA_ALIAS1 || page == EA_ALIAS2) {
		mtspr(SPR_MAS3, PA_A | MAS3_RW);
		mtspr(SPR_MAS7, 0);
		__asm__ volatile("tlbwe\n\tisync" : : : "memory");
	} else if (page == EA_TID) {
		/* The entry exists with TID 7: make PID1 match it instead. */
		mtspr(SPR_PID1, 7);
		isync();
	} else {
		printf("unexpected DTLB miss at %08x (srr0 %08x)\n", ea, f->srr0);
		poweroff();
	}
}

/* Instruction TLB miss: SRR0 is the address. */
static void on_itlb(struct frame *f)
{
	u32 page = f->srr0 & ~0xFFFu;

	itlb_misses++;
	log_miss(f, f->srr0);
	if (page == EA_CODE || page == EA_CODE + 0x1000) {
		mtspr(SPR_MAS3, (PA_CODE + (page - EA_CODE)) | MAS3_SR | MAS3_SX);
		mtspr(SPR_MAS7, 0);
		__asm__ volatile("tlbwe\n\tisync" : : : "memory");
	} else {
		printf("unexpected ITLB miss at %08x\n", f->srr0);
		poweroff();
	}
}

/* Permission faults: find the entry with tlbsx and grant what was missing. */
static void grant(u32 ea, u32 perms)
{
	mtspr(SPR_MAS6, 0);
	__asm__ volatile("tlbsx 0, %0" : : "r"(ea) : "memory");
	mtspr(SPR_MAS3, mfspr(SPR_MAS3) | perms);
	__asm__ volatile("tlbwe\n\tisync" : : : "memory");
}

static void on_dsi(struct frame *f)
{
	u32 ea = mfspr(SPR_DEAR);

	dsi_count++;
	log_miss(f, ea);
	grant(ea, MAS3_SW);
}

static void on_isi(struct frame *f)
{
	isi_count++;
	log_miss(f, f->srr0);
	grant(f->srr0, MAS3_SX);
}

extern char tlbwe_insn[];

static void on_program(struct frame *f)
{
	program_count++;
	log_miss(f, f->srr0 - (u32)tlbwe_insn);
	f->srr0 += 4;
}

/* ---------------------------------------------------------------- code to copy */

/* Position-independent: r3 = r3 * r3 + 7, with a second page reached by a
 * fall-through from the last word of the first page. */
extern char blob_start[], blob_end[];
__asm__(".text\n"
	"blob_start:\n\t"
	"mullw 3, 3, 3\n\t"
	"addi 3, 3, 7\n\t"
	"blr\n"
	"blob_end:\n");

extern char tail_start[], tail_end[];
__asm__(".text\n"
	"tail_start:\n\t"
	"addi 3, 3, 1\n\t"  /* last word of the first page */
	"addi 3, 3, 100\n\t" /* first word of the second page */
	"blr\n"
	"tail_end:\n");

typedef u32 (*fn_t)(u32);

/* ---------------------------------------------------------------- tests */

static void configuration(void)
{
	struct mas m;

	printf("TLB0CFG %08x TLB1CFG %08x\n", mfspr(SPR_TLB0CFG), mfspr(SPR_TLB1CFG));
	tlbre(MAS0_TLBSEL(1) | MAS0_ESEL(0), 0, &m);
	print_mas("tlbre TLB1[0] (board's RAM)", &m);
	tlbre(MAS0_TLBSEL(1) | MAS0_ESEL(1), 0, &m);
	print_mas("tlbre TLB1[1] (our CCSR)", &m);
	tlbre(MAS0_TLBSEL(1) | MAS0_ESEL(2), 0, &m);
	print_mas("tlbre TLB1[2] (unused)", &m);
	tlbre(MAS0_TLBSEL(0) | MAS0_ESEL(3), 0, &m);
	print_mas("tlbre TLB0 way 3 of set 0", &m);
	tlbsx(0x00123456, 0, &m);
	print_mas("tlbsx 00123456", &m);
	tlbsx(0xE0004500, 0, &m);
	print_mas("tlbsx e0004500", &m);
	tlbsx(0x00123456, MAS6_SAS, &m);
	print_mas("tlbsx 00123456 AS1 (miss)", &m);
	tlbsx(0x40001234, MAS6_SPID(5), &m);
	print_mas("tlbsx 40001234 SPID 5 (miss)", &m);
	mtspr(SPR_MAS4, MAS4_TSIZED(TSIZE_16K) | MAS2_I | MAS2_G);
	tlbsx(0x40001234, MAS6_SPID(3) | MAS6_SAS, &m);
	print_mas("tlbsx with MAS4 defaults", &m);
	mtspr(SPR_MAS4, MAS4_TSIZED(TSIZE_4K));
}

static void aliases(void)
{
	struct mas m;

	poke(PA_A, 0x11111111);
	map4k(0, EA_ALIAS1, PA_A, MAS3_RW, 0, 0);
	map4k(1, EA_ALIAS2, PA_A, MAS3_RW, 0, 0);
	printf("alias1 reads %08x\n", peek(EA_ALIAS1));
	poke(EA_ALIAS1 + 4, 0xA1A1A1A1);
	poke(EA_ALIAS2 + 8, 0xB2B2B2B2);
	printf("alias2 sees %08x, alias1 sees %08x, physical %08x %08x\n", peek(EA_ALIAS2 + 4),
	       peek(EA_ALIAS1 + 8), peek(PA_A + 4), peek(PA_A + 8));
	tlbsx(EA_ALIAS2 + 0x10, 0, &m);
	print_mas("tlbsx alias2", &m);
	tlbre(MAS0_TLBSEL(0) | MAS0_ESEL(0), EA_ALIAS1, &m);
	print_mas("tlbre TLB0 alias1's set, way 0", &m);
	tlbre(MAS0_TLBSEL(0) | MAS0_ESEL(1), EA_ALIAS2, &m);
	print_mas("tlbre TLB0 alias2's set, way 1", &m);

	/* tlbivax one of them: the next access misses and the handler remaps it. */
	tlbivax(EA_ALIAS1);
	printf("after tlbivax alias1: alias2 %08x, alias1 %08x, %u DTLB misses\n",
	       peek(EA_ALIAS2), peek(EA_ALIAS1), dtlb_misses);
	print_miss_log();

	/* A 16 KiB TLB1 entry written with an unaligned EPN, and a 1 MiB one. */
	tlbwe(MAS0_TLBSEL(1) | MAS0_ESEL(5), MAS1_V | MAS1_TSIZE(TSIZE_16K), (EA_BIG + 0x2000) | MAS2_M,
	      PA_A | MAS3_RW, 0);
	tlbre(MAS0_TLBSEL(1) | MAS0_ESEL(5), 0, &m);
	print_mas("TLB1[5] 16K, EPN written +2000", &m);
	printf("through TLB1[5]: %08x %08x\n", peek(EA_BIG + 4), peek(EA_BIG + 8));
	tlbwe(MAS0_TLBSEL(1) | MAS0_ESEL(6), MAS1_V | MAS1_IPROT | MAS1_TSIZE(TSIZE_1M),
	      EA_BIG + 0x100000, PA_BIG | MAS3_RW, 0);
	poke(PA_BIG + 0xABCD0, 0xCAFE0001);
	printf("through TLB1[6] (1M): %08x\n", peek(EA_BIG + 0x1ABCD0));
	tlbsx(EA_BIG + 0x1FFFFC, 0, &m);
	print_mas("tlbsx in TLB1[6]", &m);

	/* tlbivax on TLB1 spares IPROT entries; the whole-TLB form too. */
	tlbivax(EA_BIG | 0x8);
	tlbivax((EA_BIG + 0x100000) | 0x8);
	tlbsx(EA_BIG, 0, &m);
	print_mas("tlbsx TLB1[5] after tlbivax", &m);
	tlbsx(EA_BIG + 0x100000, 0, &m);
	print_mas("tlbsx TLB1[6] (IPROT) after", &m);
	tlbivax(0x4 | 0x8);
	tlbsx(EA_BIG + 0x100000, 0, &m);
	print_mas("tlbsx TLB1[6] after all-TLB1", &m);
	tlbsx(0x00100000, 0, &m);
	print_mas("tlbsx TLB1[0] after all-TLB1", &m);
	tlbwe(MAS0_TLBSEL(1) | MAS0_ESEL(6), 0, 0, 0, 0);
	tlbivax(0x4);
	tlbsx(EA_ALIAS2, 0, &m);
	print_mas("tlbsx alias2 after all-TLB0", &m);
}

static void demand_paging(void)
{
	u32 i, sum = 0;
	static const struct { u32 off; int store; } touches[] = {
		{ 0x0000, 0 }, { 0x1004, 1 }, { 0x0008, 0 }, { 0x2ffc, 1 }, { 0x3000, 0 },
		{ 0x1000, 0 }, { 0x2000, 0 },
	};

	dtlb_misses = 0;
	for (i = 0; i < 4; i++)
		poke(PA_B + i * 0x1000, 0x100 * (i + 1));
	for (i = 0; i < ARRAY_SIZE(touches); i++) {
		u32 ea = EA_MISS + touches[i].off;

		if (touches[i].store)
			poke(ea, 0xD000 + i);
		else
			sum += peek(ea);
	}
	printf("demand paging: %u DTLB misses, sum %08x, stored %08x %08x\n", dtlb_misses, sum,
	       peek(PA_B + 0x1004), peek(PA_B + 0x2ffc));
	print_miss_log();

	/* Flash-invalidate TLB0 through MMUCSR0: the pages miss again. */
	mtspr(SPR_MMUCSR0, 0x4);
	isync();
	printf("MMUCSR0 reads %08x\n", mfspr(SPR_MMUCSR0));
	dtlb_misses = 0;
	for (i = 0; i < 4; i++)
		sum += peek(EA_MISS + i * 0x1000);
	printf("after flash invalidate: %u DTLB misses, sum %08x\n", dtlb_misses, sum);
	print_miss_log();
}

static void permissions_and_ids(void)
{
	struct mas m;
	u32 v;

	/* Read-only page: the store takes a DSI, the handler grants SW, the store retries. */
	poke(PA_B, 0x12340000);
	map4k(0, EA_RO, PA_B, MAS3_SR, 0, 0);
	v = peek(EA_RO);
	poke(EA_RO, v + 1);
	printf("read-only page: %u DSI, now %08x\n", dsi_count, peek(PA_B));
	print_miss_log();

	/* TID 7: misses while no PID holds 7; the handler sets PID1 = 7. */
	map4k(2, EA_TID, PA_B, MAS3_RW, 7, 0);
	dtlb_misses = 0;
	printf("TID 7 page: %08x after %u DTLB misses; again %08x\n", peek(EA_TID), dtlb_misses,
	       peek(EA_TID));
	print_miss_log();
	tlbsx(EA_TID, MAS6_SPID(7), &m);
	print_mas("tlbsx TID page SPID 7", &m);
	tlbsx(EA_TID, MAS6_SPID(0), &m);
	print_mas("tlbsx TID page SPID 0", &m);
	mtspr(SPR_PID1, 0);

	/* Address spaces: EA_TS maps PA_A in AS0 and PA_C in AS1. */
	poke(PA_C, 0xC0C0C0C0);
	map4k(3, EA_TS, PA_A, MAS3_RW, 0, 0);
	map4k(2, EA_TS, PA_C, MAS3_RW, 0, 1);
	{
		u32 msr = mfmsr(), as0, as1;

		__asm__ volatile("lwz %0, 0(%3)\n\t"
				 "mtmsr %2\n\tisync\n\t"
				 "lwz %1, 0(%3)\n\t"
				 "mtmsr %4\n\tisync"
				 : "=&r"(as0), "=&r"(as1)
				 : "r"(msr | MSR_DS), "b"(EA_TS), "r"(msr) : "memory");
		printf("EA %08x reads %08x in AS0, %08x in AS1\n", EA_TS, as0, as1);
	}
	tlbsx(EA_TS, MAS6_SAS, &m);
	print_mas("tlbsx EA_TS in AS1", &m);
	tlbsx(EA_TS, 0, &m);
	print_mas("tlbsx EA_TS in AS0", &m);

	/* A TLB1 entry with an invalid size (TSIZE 0) is an illegal tlbwe. */
	tlbwe(MAS0_TLBSEL(1) | MAS0_ESEL(7), MAS1_V | MAS1_TSIZE(0), 0x58000000, PA_B | MAS3_RW, 0);
	printf("tlbwe TSIZE 0: %u program interrupt(s)\n", program_count);
	print_miss_log();
}

static void instruction_side(void)
{
	fn_t f = (fn_t)EA_CODE, g = (fn_t)(EA_CODE + 0xFFC), h = (fn_t)EA_NOEXEC;
	u32 n = blob_end - blob_start, t = tail_end - tail_start;

	memcpy((void *)PA_CODE, blob_start, n);
	/* The tail's first word is the last word of the first page. */
	memcpy((void *)(PA_CODE + 0xFFC), tail_start, t);
	__asm__ volatile("msync\n\ticbi 0, %0\n\ticbi 0, %1\n\tisync"
			 : : "r"(PA_CODE), "r"(PA_CODE + 0x1000) : "memory");

	printf("f(5) = %u after %u ITLB misses\n", f(5), itlb_misses);
	printf("f(6) = %u after %u ITLB misses\n", f(6), itlb_misses);
	printf("g(1) = %u after %u ITLB misses (crosses into the second page)\n", g(1),
	       itlb_misses);
	print_miss_log();

	/* Mapped without execute permission: ISI, then the handler grants SX. */
	map4k(1, EA_NOEXEC, PA_CODE, MAS3_RW, 0, 0);
	printf("h(9) = %u after %u ISI\n", h(9), isi_count);
	print_miss_log();
}

int main(void)
{
	printf("== tlb ==\n");
	if (!is_e500mc())
		mtspr(SPR_HID0, mfspr(SPR_HID0) | HID0_EN_MAS7_UPDATE);
	rt_set_handler(IVOR_DTLB, on_dtlb);
	rt_set_handler(IVOR_ITLB, on_itlb);
	rt_set_handler(IVOR_DSI, on_dsi);
	rt_set_handler(IVOR_ISI, on_isi);
	rt_set_handler(IVOR_PROGRAM, on_program);
	mtspr(SPR_MAS4, MAS4_TSIZED(TSIZE_4K));
	/* Protect the board's RAM mapping from TLB1 invalidations (as U-Boot does). */
	{
		struct mas m;

		tlbre(MAS0_TLBSEL(1) | MAS0_ESEL(0), 0, &m);
		tlbwe(m.mas0, m.mas1 | MAS1_IPROT, m.mas2, m.mas3, m.mas7);
	}
	configuration();
	aliases();
	demand_paging();
	permissions_and_ids();
	instruction_side();
	printf("totals: %u DTLB, %u ITLB, %u DSI, %u ISI, %u program\n", dtlb_misses, itlb_misses,
	       dsi_count, isi_count, program_count);
	printf("== tlb done ==\n");
	return 0;
}
