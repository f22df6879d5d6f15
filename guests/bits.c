/* bits.c: checksums and bit tricks, and the integer instructions' corner cases:
 * CRC32, Adler-32, popcount, rotates, clz/ctz, byte-reversed loads and stores,
 * multiply/divide edge cases (INT_MIN/-1, x/0), carry chains, XER[CA] from
 * shifts, XER[OV/SO] from the o-forms, CR0 from record forms, isel, mcrxr. */
#include "rt.h"

#define XER_SO 0x80000000u
#define XER_OV 0x40000000u
#define XER_CA 0x20000000u

/* ---------------------------------------------------------------- checksums */

static u8 buf[4096];

static u32 crc32_bitwise(const u8 *p, size_t n)
{
	u32 crc = 0xFFFFFFFF;
	int k;

	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1));
	}
	return ~crc;
}

static u32 crc_table[256];

static u32 crc32_table(const u8 *p, size_t n)
{
	u32 crc = 0xFFFFFFFF;

	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

static void crc32_init(void)
{
	u32 i, c;
	int k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static u32 adler32(const u8 *p, size_t n)
{
	u32 a = 1, b = 0;

	while (n--) {
		a = (a + *p++) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

static u32 fletcher16(const u8 *p, size_t n)
{
	u32 a = 0, b = 0;

	while (n--) {
		a = (a + *p++) % 255;
		b = (b + a) % 255;
	}
	return b << 8 | a;
}

static void checksums(void)
{
	u32 seed = 0x12345678;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)xorshift32(&seed);
	crc32_init();
	printf("crc32(\"123456789\") = %08x\n", crc32_bitwise((const u8 *)"123456789", 9));
	printf("crc32 bitwise %08x table %08x\n", crc32_bitwise(buf, sizeof(buf)),
	       crc32_table(buf, sizeof(buf)));
	printf("adler32 %08x (\"Wikipedia\" %08x)\n", adler32(buf, sizeof(buf)),
	       adler32((const u8 *)"Wikipedia", 9));
	printf("fletcher16 %04x\n", fletcher16(buf, sizeof(buf)));
	for (i = 1; i <= 4096; i *= 8)
		printf("crc32 of first %u bytes: %08x\n", (u32)i, crc32_table(buf, i));
}

/* ---------------------------------------------------------------- bit tricks */

static int popcount_loop(u32 x)
{
	int n = 0;

	while (x) {
		x &= x - 1;
		n++;
	}
	return n;
}

static u32 reverse_bits(u32 x)
{
	x = (x & 0x55555555) << 1 | ((x >> 1) & 0x55555555);
	x = (x & 0x33333333) << 2 | ((x >> 2) & 0x33333333);
	x = (x & 0x0F0F0F0F) << 4 | ((x >> 4) & 0x0F0F0F0F);
	return __builtin_bswap32(x);
}

static NOINLINE u32 rotl(u32 x, u32 n)
{
	return (x << (n & 31)) | (x >> ((32 - n) & 31));
}

static NOINLINE u32 rotr(u32 x, u32 n)
{
	return (x >> (n & 31)) | (x << ((32 - n) & 31));
}

static const u32 samples[] = {
	0, 1, 2, 3, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE,
	0x12345678, 0xDEADBEEF, 0x0000FFFF, 0xFFFF0000, 0x00010000, 0x55555555,
	0xAAAAAAAA, 0x00000040, 0xFFFFFFF9, 100, 0x0F0F0F0F,
};

static void bit_tricks(void)
{
	u32 i, n;
	u32 h = HASH_INIT;

	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		u32 x = samples[i];
		/* __builtin_clz(0) is undefined (cntlzw gives 32). */
		int clz = x ? __builtin_clz(x) : 32;

		printf("%08x: pop %2d/%2d clz %2d ctz %2d par %d rev %08x rotl7 %08x rotr13 %08x\n",
		       x, __builtin_popcount(x), popcount_loop(x), clz,
		       x ? __builtin_ctz(x) : 32, __builtin_parity(x), reverse_bits(x),
		       rotl(x, 7), rotr(x, 13));
	}
	/* cntlzw directly, including 0. */
	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		u32 r, cr;

		__asm__ volatile("cntlzw. %0, %2\n\tmfcr %1" : "=&r"(r), "=&r"(cr) : "r"(samples[i]));
		h = hash32(hash32(h, r), cr >> 28);
	}
	printf("cntlzw. hash %08x\n", h);
	for (n = 0; n < 40; n += 3)
		printf("rotl(%08x, %2u) = %08x\n", 0x80000001u, n, rotl(0x80000001u, n));
}

/* ---------------------------------------------------------------- byte reversal */

static void byte_reversal(void)
{
	static u32 words[4] = { 0x11223344, 0xAABBCCDD, 0x01020304, 0xF0E0D0C0 };
	static u16 halves[4] = { 0x1122, 0xA0B0, 0x00FF, 0x8001 };
	volatile u32 *vw = words;
	volatile u16 *vh = halves;
	u32 r, i;
	u16 rh;
	u8 bytes[8];

	for (i = 0; i < 4; i++) {
		/* gcc: lwbrx / lhbrx */
		printf("bswap32 load %08x -> %08x; bswap16 load %04x -> %04x\n", vw[i],
		       __builtin_bswap32(vw[i]), vh[i], __builtin_bswap16(vh[i]));
	}
	__asm__ volatile("lwbrx %0, 0, %1" : "=r"(r) : "r"(&words[1]), "m"(words[1]));
	printf("lwbrx %08x\n", r);
	__asm__ volatile("lhbrx %0, 0, %1" : "=r"(r) : "r"(&halves[3]), "m"(halves[3]));
	printf("lhbrx %08x\n", r);
	__asm__ volatile("stwbrx %1, 0, %2" : "=m"(*(u32 *)bytes) : "r"(0x12345678), "r"(bytes));
	__asm__ volatile("sthbrx %1, 0, %2" : "=m"(*(u16 *)(bytes + 4)) : "r"(0xCAFEBABE), "r"(bytes + 4));
	bytes[6] = bytes[7] = 0;
	printf("stwbrx/sthbrx: ");
	hexdump(bytes, 8);
	/* gcc: stwbrx */
	for (i = 0; i < 4; i++)
		vw[i] = __builtin_bswap32(vw[i] + i);
	rh = __builtin_bswap16(halves[0]);
	vh[0] = rh;
	printf("stored back: %08x %08x %08x %08x %04x\n", words[0], words[1], words[2], words[3],
	       halves[0]);
	/* 64-bit swap via two words. */
	printf("bswap64 %016llx\n", __builtin_bswap64(0x0123456789ABCDEFull));
}

/* ---------------------------------------------------------------- instruction tables */

struct res {
	u32 r, xer, cr;
};

/* One function per instruction form: XER is set to `xin` first; the result, XER
 * and CR come back. */
#define DEF_RRR(fn, insn)                                                        \
	static NOINLINE void fn(u32 a, u32 b, u32 xin, struct res *o)           \
	{                                                                        \
		u32 r, x, c;                                                     \
		__asm__ volatile("mtxer %5\n\t" insn " %0, %3, %4\n\tmfxer %1\n\tmfcr %2" \
				 : "=&r"(r), "=&r"(x), "=&r"(c)                  \
				 : "r"(a), "r"(b), "r"(xin)                      \
				 : "cr0", "xer");                                \
		o->r = r, o->xer = x, o->cr = c >> 28;                           \
	}
#define DEF_RR(fn, insn)                                                         \
	static NOINLINE void fn(u32 a, u32 b, u32 xin, struct res *o)           \
	{                                                                        \
		u32 r, x, c;                                                     \
		(void)b;                                                         \
		__asm__ volatile("mtxer %4\n\t" insn " %0, %3\n\tmfxer %1\n\tmfcr %2" \
				 : "=&r"(r), "=&r"(x), "=&r"(c)                  \
				 : "r"(a), "r"(xin)                              \
				 : "cr0", "xer");                                \
		o->r = r, o->xer = x, o->cr = c >> 28;                           \
	}
/* rb is a shift count taken from b (srawi etc. need an immediate: see below). */

DEF_RRR(op_add, "add")   DEF_RRR(op_add_, "add.")   DEF_RRR(op_addo_, "addo.")
DEF_RRR(op_addc, "addc") DEF_RRR(op_addco_, "addco.")
DEF_RRR(op_adde, "adde") DEF_RRR(op_addeo_, "addeo.")
DEF_RRR(op_subf, "subf") DEF_RRR(op_subfo_, "subfo.")
DEF_RRR(op_subfc, "subfc") DEF_RRR(op_subfco_, "subfco.")
DEF_RRR(op_subfe, "subfe") DEF_RRR(op_subfeo_, "subfeo.")
DEF_RRR(op_mullw, "mullw") DEF_RRR(op_mullwo_, "mullwo.")
DEF_RRR(op_mulhw, "mulhw") DEF_RRR(op_mulhw_, "mulhw.")
DEF_RRR(op_mulhwu, "mulhwu") DEF_RRR(op_mulhwu_, "mulhwu.")
DEF_RRR(op_divw, "divw") DEF_RRR(op_divwo_, "divwo.")
DEF_RRR(op_divwu, "divwu") DEF_RRR(op_divwuo_, "divwuo.")
DEF_RRR(op_and_, "and.") DEF_RRR(op_andc_, "andc.") DEF_RRR(op_or_, "or.")
DEF_RRR(op_orc_, "orc.") DEF_RRR(op_xor_, "xor.") DEF_RRR(op_nand_, "nand.")
DEF_RRR(op_nor_, "nor.") DEF_RRR(op_eqv_, "eqv.")
DEF_RRR(op_slw_, "slw.") DEF_RRR(op_srw_, "srw.") DEF_RRR(op_sraw_, "sraw.")
DEF_RRR(op_rotlw_, "rotlw.")
DEF_RR(op_neg_, "neg.")     DEF_RR(op_nego_, "nego.")
DEF_RR(op_addme_, "addme.") DEF_RR(op_addmeo_, "addmeo.")
DEF_RR(op_addze_, "addze.") DEF_RR(op_addzeo_, "addzeo.")
DEF_RR(op_subfme_, "subfme.") DEF_RR(op_subfmeo_, "subfmeo.")
DEF_RR(op_subfze_, "subfze.") DEF_RR(op_subfzeo_, "subfzeo.")
DEF_RR(op_extsb_, "extsb.") DEF_RR(op_extsh_, "extsh.") DEF_RR(op_cntlzw_, "cntlzw.")

/* Immediate forms, with the immediate baked in. */
#define DEF_RI(fn, insn, imm)                                                    \
	static NOINLINE void fn(u32 a, u32 b, u32 xin, struct res *o)           \
	{                                                                        \
		u32 r, x, c;                                                     \
		(void)b;                                                         \
		__asm__ volatile("mtxer %4\n\t" insn " %0, %3, " #imm "\n\tmfxer %1\n\tmfcr %2" \
				 : "=&r"(r), "=&r"(x), "=&r"(c)                  \
				 : "r"(a), "r"(xin)                              \
				 : "cr0", "xer");                                \
		o->r = r, o->xer = x, o->cr = c >> 28;                           \
	}
DEF_RI(op_srawi0_, "srawi.", 0) DEF_RI(op_srawi1_, "srawi.", 1)
DEF_RI(op_srawi17_, "srawi.", 17) DEF_RI(op_srawi31_, "srawi.", 31)
DEF_RI(op_addic_, "addic.", -1) DEF_RI(op_addic, "addic", 0x7FFF)
DEF_RI(op_subfic, "subfic", 5) DEF_RI(op_subfic_m1, "subfic", -1)
DEF_RI(op_mulli, "mulli", -3) DEF_RI(op_andi_, "andi.", 0x8001)
DEF_RI(op_andis_, "andis.", 0x8001)

static NOINLINE void op_rlwinm_(u32 a, u32 b, u32 xin, struct res *o)
{
	u32 r, x, c;
	(void)b;
	__asm__ volatile("mtxer %4\n\trlwinm. %0, %3, 5, 30, 3\n\tmfxer %1\n\tmfcr %2"
			 : "=&r"(r), "=&r"(x), "=&r"(c) : "r"(a), "r"(xin) : "cr0", "xer");
	o->r = r, o->xer = x, o->cr = c >> 28;
}

static NOINLINE void op_rlwimi_(u32 a, u32 b, u32 xin, struct res *o)
{
	u32 r = b, x, c;
	__asm__ volatile("mtxer %4\n\trlwimi. %0, %3, 12, 8, 19\n\tmfxer %1\n\tmfcr %2"
			 : "+&r"(r), "=&r"(x), "=&r"(c) : "r"(a), "r"(xin) : "cr0", "xer");
	o->r = r, o->xer = x, o->cr = c >> 28;
}

static NOINLINE void op_rlwnm_(u32 a, u32 b, u32 xin, struct res *o)
{
	u32 r, x, c;
	__asm__ volatile("mtxer %5\n\trlwnm. %0, %3, %4, 4, 27\n\tmfxer %1\n\tmfcr %2"
			 : "=&r"(r), "=&r"(x), "=&r"(c) : "r"(a), "r"(b), "r"(xin) : "cr0", "xer");
	o->r = r, o->xer = x, o->cr = c >> 28;
}

/* Compares: the whole CR field 0 and field 7 from cmpw/cmplw. */
static NOINLINE void op_cmp(u32 a, u32 b, u32 xin, struct res *o)
{
	u32 c;
	__asm__ volatile("mtxer %3\n\tcmpw cr0, %1, %2\n\tcmplw cr7, %1, %2\n\tmfcr %0"
			 : "=&r"(c) : "r"(a), "r"(b), "r"(xin) : "cr0", "cr7", "xer");
	o->r = c & 0xF000000F, o->xer = xin, o->cr = 0;
}

/* isel on each CR0 bit after a compare. */
static NOINLINE void op_isel(u32 a, u32 b, u32 xin, struct res *o)
{
	u32 lt, gt, eq, so;
	__asm__ volatile("mtxer %6\n\tcmpw %4, %5\n\t"
			 "isel %0, %4, %5, 0\n\tisel %1, %4, %5, 1\n\t"
			 "isel %2, %4, %5, 2\n\tisel %3, %4, %5, 3"
			 : "=&r"(lt), "=&r"(gt), "=&r"(eq), "=&r"(so)
			 : "b"(a), "r"(b), "r"(xin) : "cr0", "xer");
	o->r = lt ^ rotl(gt, 8) ^ rotl(eq, 16) ^ rotl(so, 24), o->xer = xin, o->cr = 0;
}

/* mcrxr copies XER[SO,OV,CA] into a CR field and clears them. */
static NOINLINE void op_mcrxr(u32 a, u32 b, u32 xin, struct res *o)
{
	u32 x, c;
	(void)a, (void)b;
	__asm__ volatile("mtxer %2\n\tmcrxr cr6\n\tmfxer %0\n\tmfcr %1"
			 : "=&r"(x), "=&r"(c) : "r"(xin) : "cr6", "xer");
	o->r = (c >> 4) & 0xF, o->xer = x, o->cr = 0;
}

struct op {
	const char *name;
	void (*fn)(u32 a, u32 b, u32 xin, struct res *o);
};

static const struct op ops[] = {
	{ "add", op_add }, { "add.", op_add_ }, { "addo.", op_addo_ },
	{ "addc", op_addc }, { "addco.", op_addco_ }, { "adde", op_adde },
	{ "addeo.", op_addeo_ }, { "subf", op_subf }, { "subfo.", op_subfo_ },
	{ "subfc", op_subfc }, { "subfco.", op_subfco_ }, { "subfe", op_subfe },
	{ "subfeo.", op_subfeo_ }, { "mullw", op_mullw }, { "mullwo.", op_mullwo_ },
	{ "mulhw", op_mulhw }, { "mulhw.", op_mulhw_ }, { "mulhwu", op_mulhwu },
	{ "mulhwu.", op_mulhwu_ }, { "divw", op_divw }, { "divwo.", op_divwo_ },
	{ "divwu", op_divwu }, { "divwuo.", op_divwuo_ }, { "and.", op_and_ },
	{ "andc.", op_andc_ }, { "or.", op_or_ }, { "orc.", op_orc_ }, { "xor.", op_xor_ },
	{ "nand.", op_nand_ }, { "nor.", op_nor_ }, { "eqv.", op_eqv_ }, { "slw.", op_slw_ },
	{ "srw.", op_srw_ }, { "sraw.", op_sraw_ }, { "rotlw.", op_rotlw_ },
	{ "neg.", op_neg_ }, { "nego.", op_nego_ }, { "addme.", op_addme_ },
	{ "addmeo.", op_addmeo_ }, { "addze.", op_addze_ }, { "addzeo.", op_addzeo_ },
	{ "subfme.", op_subfme_ }, { "subfmeo.", op_subfmeo_ }, { "subfze.", op_subfze_ },
	{ "subfzeo.", op_subfzeo_ }, { "extsb.", op_extsb_ }, { "extsh.", op_extsh_ },
	{ "cntlzw.", op_cntlzw_ }, { "srawi. 0", op_srawi0_ }, { "srawi. 1", op_srawi1_ },
	{ "srawi. 17", op_srawi17_ }, { "srawi. 31", op_srawi31_ }, { "addic. -1", op_addic_ },
	{ "addic 0x7fff", op_addic }, { "subfic 5", op_subfic }, { "subfic -1", op_subfic_m1 },
	{ "mulli -3", op_mulli }, { "andi. 0x8001", op_andi_ }, { "andis. 0x8001", op_andis_ },
	{ "rlwinm. 5,30,3", op_rlwinm_ }, { "rlwimi. 12,8,19", op_rlwimi_ },
	{ "rlwnm. 4,27", op_rlwnm_ }, { "cmpw/cmplw", op_cmp }, { "isel", op_isel },
	{ "mcrxr", op_mcrxr },
};

static const u32 operands[] = {
	0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 0x12345678,
	0xFFFF0000, 0x0000FFFF, 31, 32, 33, 63, 64, 0xFFFFFFF9, 0x80000001, 0x10000,
};

static const u32 xer_in[] = { 0, XER_CA, XER_SO | XER_OV, XER_SO | XER_CA | 0x7F };

static void instruction_tables(void)
{
	u32 k, i, j, x;

	for (k = 0; k < ARRAY_SIZE(ops); k++) {
		u32 h = HASH_INIT;
		u32 ca = 0, ov = 0, cr_lt = 0;
		struct res o;

		for (x = 0; x < ARRAY_SIZE(xer_in); x++)
			for (i = 0; i < ARRAY_SIZE(operands); i++)
				for (j = 0; j < ARRAY_SIZE(operands); j++) {
					ops[k].fn(operands[i], operands[j], xer_in[x], &o);
					h = hash32(hash32(hash32(h, o.r), o.xer), o.cr);
					ca += !!(o.xer & XER_CA);
					ov += !!(o.xer & XER_OV);
					cr_lt += !!(o.cr & 8);
				}
		printf("%-16s hash %08x  CA %3u OV %3u LT %3u\n", ops[k].name, h, ca, ov, cr_lt);
	}
}

/* ---------------------------------------------------------------- edge cases */

static void show(const char *what, u32 a, u32 b, void (*fn)(u32, u32, u32, struct res *))
{
	struct res o;

	fn(a, b, 0, &o);
	printf("%-8s %08x, %08x -> %08x xer %08x cr0 %x\n", what, a, b, o.r, o.xer, o.cr);
}

static void edge_cases(void)
{
	show("divw", 0x80000000, 0xFFFFFFFF, op_divw);
	show("divwo.", 0x80000000, 0xFFFFFFFF, op_divwo_);
	show("divw", 1234, 0, op_divw);
	show("divwo.", 0xFFFFFFF0, 0, op_divwo_);
	show("divwu", 1234, 0, op_divwu);
	show("divwuo.", 0xFFFFFFFF, 0, op_divwuo_);
	show("divw", 0xFFFFFFF9, 2, op_divw);
	show("divwu", 0xFFFFFFF9, 2, op_divwu);
	show("mulhw", 0x80000000, 0x80000000, op_mulhw);
	show("mulhw", 0xFFFFFFFF, 0x7FFFFFFF, op_mulhw);
	show("mulhwu", 0xFFFFFFFF, 0xFFFFFFFF, op_mulhwu);
	show("mullwo.", 0x10000, 0x10000, op_mullwo_);
	show("mullwo.", 0x8000, 0xFFFF0000, op_mullwo_);
	show("addo.", 0x7FFFFFFF, 1, op_addo_);
	show("subfo.", 1, 0x80000000, op_subfo_);
	show("nego.", 0x80000000, 0, op_nego_);
	show("sraw.", 0x80000001, 1, op_sraw_);
	show("sraw.", 0x80000000, 32, op_sraw_);
	show("sraw.", 0x7FFFFFFF, 63, op_sraw_);
	show("sraw.", 0xFFFFFFF0, 64, op_sraw_);
	show("srawi.1", 0xFFFFFFFF, 0, op_srawi1_);
	show("srawi.1", 0xFFFFFFFE, 0, op_srawi1_);
	show("slw.", 0xFFFFFFFF, 32, op_slw_);
	show("srw.", 0xFFFFFFFF, 31, op_srw_);
}

/* 128-bit add and subtract through carry chains. */
static void carry_chains(void)
{
	u32 a[4] = { 0x00000001, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF };
	u32 b[4] = { 0x00000000, 0x00000000, 0x00000000, 0x00000001 };
	u32 s[4], d[4], xs, xd;

	__asm__ volatile("addc %3, %8, %12\n\tadde %2, %7, %11\n\tadde %1, %6, %10\n\t"
			 "adde %0, %5, %9\n\tmfxer %4"
			 : "=&r"(s[0]), "=&r"(s[1]), "=&r"(s[2]), "=&r"(s[3]), "=&r"(xs)
			 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]),
			   "r"(b[0]), "r"(b[1]), "r"(b[2]), "r"(b[3]) : "xer");
	__asm__ volatile("subfc %3, %12, %8\n\tsubfe %2, %11, %7\n\tsubfe %1, %10, %6\n\t"
			 "subfe %0, %9, %5\n\tmfxer %4"
			 : "=&r"(d[0]), "=&r"(d[1]), "=&r"(d[2]), "=&r"(d[3]), "=&r"(xd)
			 : "r"(b[0]), "r"(b[1]), "r"(b[2]), "r"(b[3]),
			   "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]) : "xer");
	printf("128-bit add %08x_%08x_%08x_%08x CA %u\n", s[0], s[1], s[2], s[3], (xs >> 29) & 1);
	printf("128-bit sub %08x_%08x_%08x_%08x CA %u\n", d[0], d[1], d[2], d[3], (xd >> 29) & 1);

	/* Sum a long array of 64-bit values with addc/adde. */
	{
		u32 seed = 99, hi = 0, lo = 0, i, v;

		for (i = 0; i < 1000; i++) {
			v = xorshift32(&seed);
			__asm__("addc %1, %1, %2\n\taddze %0, %0" : "+r"(hi), "+r"(lo) : "r"(v) : "xer");
		}
		printf("sum of 1000 words %08x%08x\n", hi, lo);
	}
}

/* Multiplication through 64-bit products and libgcc's 64-bit division. */
static void wide_arith(void)
{
	u32 seed = 7, i;
	u64 acc = 0;
	s64 sacc = 0;

	for (i = 0; i < 200; i++) {
		u32 a = xorshift32(&seed), b = xorshift32(&seed) | 1;
		u64 p = (u64)a * b;
		s64 sp = (s64)(s32)a * (s32)b;

		acc += p / b + p % 977;
		sacc += sp / (s32)b - sp % 1013;
	}
	printf("64-bit products: %016llx %lld\n", acc, sacc);
}

int main(void)
{
	printf("== bits ==\n");
	checksums();
	bit_tricks();
	byte_reversal();
	instruction_tables();
	edge_cases();
	carry_chains();
	wide_arith();
	printf("== bits done ==\n");
	return 0;
}
