/* float.c (e500mc only: the classic FPU): double and single arithmetic,
 * fused multiply-add, square roots by Newton iteration (the e500mc has no
 * fsqrt), conversions between floating point and integers, rounding modes
 * (mtfsfi), comparisons including NaNs, FPSCR status bits, fsel/fabs/fneg,
 * and an enabled floating-point exception.
 *
 * Not printed because the architecture leaves it undefined: FPRF after
 * fctiw/fctiwz (masked). Not printed because QEMU 7.2 departs from the
 * architecture: FPSCR[C] after an fcmpo with a NaN operand (QEMU sets it).
 * Results are printed as bit patterns (no float formatting). What QEMU 7.2 is
 * known to do differently from the e500mc manual is not printed: fres/frsqrte
 * (QEMU is exact; only the estimate's accuracy is checked) and FPSCR[FR]
 * (QEMU never sets it; it is masked out). */
#include "rt.h"

#define FPSCR_FR 0x00040000u
#define FPSCR_C 0x00010000u
#define FPSCR_FPRF 0x0001F000u
/* FPSCR bits compared: everything but FR. */
#define FPSCR_SHOWN (~FPSCR_FR)

union dbl {
	double d;
	u64 u;
	u32 w[2];
};

static u64 bits(double d)
{
	union dbl x = { .d = d };

	return x.u;
}

static double dbl(u64 u)
{
	union dbl x = { .u = u };

	return x.d;
}

static u32 fbits(float f)
{
	union {
		float f;
		u32 u;
	} x = { .f = f };

	return x.u;
}

static void fpscr_clear(void)
{
	double z = dbl(0);

	__asm__ volatile("mtfsf 0xff, %0" : : "d"(z));
}

static u32 fpscr(void)
{
	union dbl x;

	__asm__ volatile("mffs %0" : "=d"(x.d));
	return x.w[1] & FPSCR_SHOWN;
}

static void set_rounding(int rn)
{
	switch (rn & 3) {
	case 0: __asm__ volatile("mtfsfi 7, 0"); break;
	case 1: __asm__ volatile("mtfsfi 7, 1"); break;
	case 2: __asm__ volatile("mtfsfi 7, 2"); break;
	case 3: __asm__ volatile("mtfsfi 7, 3"); break;
	}
}

static const char *const rn_names[] = { "nearest", "zero", "+inf", "-inf" };

/* Each operation as exactly one instruction. */
#define OP2(fn, insn)                                                            \
	static NOINLINE double fn(double a, double b, double c)                 \
	{                                                                        \
		double r;                                                        \
		(void)c;                                                         \
		__asm__ volatile(insn " %0, %1, %2" : "=d"(r) : "d"(a), "d"(b)); \
		return r;                                                        \
	}
#define OP3(fn, insn)                                                            \
	static NOINLINE double fn(double a, double b, double c)                 \
	{                                                                        \
		double r;                                                        \
		__asm__ volatile(insn " %0, %1, %2, %3" : "=d"(r) : "d"(a), "d"(b), "d"(c)); \
		return r;                                                        \
	}
#define OP1(fn, insn)                                                            \
	static NOINLINE double fn(double a, double b, double c)                 \
	{                                                                        \
		double r;                                                        \
		(void)b, (void)c;                                                \
		__asm__ volatile(insn " %0, %1" : "=d"(r) : "d"(a));             \
		return r;                                                        \
	}

OP2(f_add, "fadd") OP2(f_sub, "fsub") OP2(f_mul, "fmul") OP2(f_div, "fdiv")
OP2(f_adds, "fadds") OP2(f_subs, "fsubs") OP2(f_muls, "fmuls") OP2(f_divs, "fdivs")
OP3(f_madd, "fmadd") OP3(f_msub, "fmsub") OP3(f_nmadd, "fnmadd") OP3(f_nmsub, "fnmsub")
OP3(f_madds, "fmadds") OP3(f_nmsubs, "fnmsubs") OP3(f_sel, "fsel")
OP1(f_rsp, "frsp") OP1(f_ctiw, "fctiw") OP1(f_ctiwz, "fctiwz") OP1(f_neg, "fneg")
OP1(f_abs, "fabs") OP1(f_nabs, "fnabs") OP1(f_mr, "fmr")

struct fop {
	const char *name;
	double (*fn)(double, double, double);
};

static const struct fop fops[] = {
	{ "fadd", f_add }, { "fsub", f_sub }, { "fmul", f_mul }, { "fdiv", f_div },
	{ "fadds", f_adds }, { "fsubs", f_subs }, { "fmuls", f_muls }, { "fdivs", f_divs },
	{ "fmadd", f_madd }, { "fmsub", f_msub }, { "fnmadd", f_nmadd }, { "fnmsub", f_nmsub },
	{ "fmadds", f_madds }, { "fnmsubs", f_nmsubs }, { "fsel", f_sel }, { "frsp", f_rsp },
	{ "fneg", f_neg }, { "fabs", f_abs }, { "fnabs", f_nabs }, { "fmr", f_mr },
};

#define QNAN 0x7FF8000000000001ull
#define SNAN 0x7FF0000000000001ull
#define INF 0x7FF0000000000000ull

static const u64 values[] = {
	0x0000000000000000ull, /* +0 */
	0x8000000000000000ull, /* -0 */
	0x3FF0000000000000ull, /* 1 */
	0xBFF0000000000000ull, /* -1 */
	0x3FB999999999999Aull, /* 0.1 */
	0x4008000000000000ull, /* 3 */
	0x3FF0000010000000ull, /* 1 + 2^-24: exact in double, a tie in single */
	0x7E37E43C8800759Cull, /* 1e300 */
	0xFE37E43C8800759Cull, /* -1e300 */
	0x0010000000000000ull, /* DBL_MIN */
	0x000000000000FFFFull, /* denormal */
	0x47EFFFFFE0000000ull, /* FLT_MAX */
	INF, 0xFFF0000000000000ull, QNAN, SNAN, 0xFFF8000000000ABCull,
};

static void op_tables(void)
{
	u32 k, i, j;

	for (k = 0; k < ARRAY_SIZE(fops); k++) {
		u32 hr = HASH_INIT, hf = HASH_INIT, nan = 0;

		for (i = 0; i < ARRAY_SIZE(values); i++)
			for (j = 0; j < ARRAY_SIZE(values); j++) {
				double r;
				u64 rb;

				fpscr_clear();
				r = fops[k].fn(dbl(values[i]), dbl(values[j]), dbl(values[(i + j) % 7]));
				rb = bits(r);
				hr = hash32(hash32(hr, (u32)(rb >> 32)), (u32)rb);
				hf = hash32(hf, fpscr());
				nan += (rb & INF) == INF && (rb << 12);
			}
		printf("%-8s results %08x fpscr %08x (%u NaNs)\n", fops[k].name, hr, hf, nan);
	}
}

/* Selected cases printed in full: result bits and FPSCR. */
static void show(const char *what, double (*fn)(double, double, double), u64 a, u64 b, u64 c)
{
	double r;

	fpscr_clear();
	r = fn(dbl(a), dbl(b), dbl(c));
	printf("%-26s = %016llx fpscr %08x\n", what, bits(r), fpscr());
}

static void special_cases(void)
{
	const u64 one = 0x3FF0000000000000ull, two = 0x4000000000000000ull, zero = 0;
	const u64 third = 0x3FD5555555555555ull, big = 0x7FE0000000000000ull;

	show("1 + 2", f_add, one, two, 0);
	show("inf - inf", f_sub, INF, INF, 0);
	show("0 * inf", f_mul, zero, INF, 0);
	show("0 / 0", f_div, zero, zero, 0);
	show("inf / inf", f_div, INF, INF, 0);
	show("1 / 0", f_div, one, zero, 0);
	show("-1 / 0", f_div, 0xBFF0000000000000ull, zero, 0);
	show("1 / -0", f_div, one, 0x8000000000000000ull, 0);
	show("qnan + 1", f_add, QNAN, one, 0);
	show("1 + qnan", f_add, one, QNAN, 0);
	show("snan + 1", f_add, SNAN, one, 0);
	show("qnan + snan", f_add, QNAN, SNAN, 0);
	show("-qnan * 2", f_mul, 0xFFF8000000000ABCull, two, 0);
	show("big + big (overflow)", f_add, big, big, 0);
	show("min * 2^-60 (underflow)", f_mul, 0x0010000000000000ull, 0x3C30000000000000ull, 0);
	show("denormal * 2", f_mul, 0x000000000000FFFFull, two, 0);
	show("1 / 3", f_div, one, 0x4008000000000000ull, 0);
	show("1 / 3 single", f_divs, one, 0x4008000000000000ull, 0);
	show("(1+2^-24) + 2^-54 single", f_adds, 0x3FF0000010000000ull, 0x3C90000000000000ull, 0);
	show("(1+2^-24) * 1 single", f_muls, 0x3FF0000010000000ull, one, 0);
	show("frsp 1e300", f_rsp, 0x7E37E43C8800759Cull, 0, 0);
	show("frsp 1e-50", f_rsp, 0x358DEE7A4AD4B81Full, 0, 0);
	show("frsp snan", f_rsp, SNAN, 0, 0);
	show("frsp 1/3", f_rsp, third, 0, 0);
	show("fmadd 3*(1/3)-1", f_msub, 0x4008000000000000ull, third, one);
	show("fmul then fsub", f_sub, bits(f_mul(dbl(0x4008000000000000ull), dbl(third), 0)), one, 0);
	show("fmadd 0*inf+qnan", f_madd, zero, INF, QNAN);
	show("fmadd inf*1-inf", f_msub, INF, one, INF);
	show("fnmadd 1*1+1", f_nmadd, one, one, one);
	show("fnmsub 1*1-1", f_nmsub, one, one, one);
	show("fmadds 1/3*3+tiny", f_madds, third, 0x4008000000000000ull, 0x3C90000000000000ull);
	show("fsel 0 ? 1 : 2", f_sel, zero, one, two);
	show("fsel -0 ? 1 : 2", f_sel, 0x8000000000000000ull, one, two);
	show("fsel -1 ? 1 : 2", f_sel, 0xBFF0000000000000ull, one, two);
	show("fsel nan ? 1 : 2", f_sel, QNAN, one, two);
	show("fneg -0", f_neg, 0x8000000000000000ull, 0, 0);
	show("fneg snan", f_neg, SNAN, 0, 0);
	show("fabs -qnan", f_abs, 0xFFF8000000000ABCull, 0, 0);
	show("fnabs 1", f_nabs, one, 0, 0);
}

/* ---- conversions ---- */

static NOINLINE s32 to_int(double d)
{
	return (s32)d; /* fctiwz + stfiwx */
}

static NOINLINE u32 to_uint(double d)
{
	return (u32)d;
}

static NOINLINE double from_int(s32 i)
{
	return i;
}

static NOINLINE double from_uint(u32 i)
{
	return i;
}

static NOINLINE s64 to_s64(double d)
{
	return (s64)d; /* libgcc __fixdfdi */
}

static NOINLINE double from_s64(s64 i)
{
	return (double)i; /* libgcc __floatdidf */
}

static NOINLINE float to_float(double d)
{
	return (float)d;
}

/* The low word of fctiw/fctiwz's result, through stfiwx. */
static u32 ctiw_word(double (*fn)(double, double, double), double d)
{
	u32 w;
	double r = fn(d, 0, 0);

	__asm__ volatile("stfiwx %1, 0, %2" : "=m"(w) : "d"(r), "r"(&w));
	return w;
}

static void conversions(void)
{
	static const u64 cv[] = {
		0x0000000000000000ull, 0x3FE0000000000000ull /* 0.5 */, 0x3FF8000000000000ull /* 1.5 */,
		0x4004000000000000ull /* 2.5 */, 0xC004000000000000ull /* -2.5 */,
		0xC00C000000000000ull /* -3.5 */, 0x41DFFFFFFFC00000ull /* 2^31-1 */,
		0x41E0000000000000ull /* 2^31 */, 0xC1E0000000000000ull /* -2^31 */,
		0xC1E0000000200000ull /* -2^31-1 */, 0x4202A05F20000000ull /* 1e10 */,
		0x3FEFFFFFFFFFFFFFull, INF, 0xFFF0000000000000ull, QNAN, SNAN,
	};
	static const s32 ints[] = { 0, 1, -1, 2147483647, -2147483647 - 1, 16777217, -16777217 };
	static const s64 longs[] = { 0, -1, 0x7FFFFFFFFFFFFFFFLL, 0x20000000000001LL,
				     -0x20000000000001LL, 0x123456789ABCLL };
	u32 i;
	int rn;

	for (i = 0; i < ARRAY_SIZE(cv); i++) {
		double d = dbl(cv[i]);
		u32 f;

		fpscr_clear();
		printf("%016llx: (int) %08x", cv[i], (u32)to_int(d));
		printf(" fpscr %08x", fpscr() & ~FPSCR_FPRF);
		fpscr_clear();
		printf(" (unsigned) %08x", to_uint(d));
		printf(" (s64) %016llx", (u64)to_s64(d));
		f = fbits(to_float(d));
		printf(" (float) %08x fpscr %08x\n", f, fpscr());
		for (rn = 0; rn < 4; rn++) {
			set_rounding(rn);
			fpscr_clear();
			set_rounding(rn);
			printf("  fctiw %-7s %08x fpscr %08x", rn_names[rn], ctiw_word(f_ctiw, d),
			       fpscr() & ~FPSCR_FPRF);
			printf("  fctiwz %08x\n", ctiw_word(f_ctiwz, d));
		}
		set_rounding(0);
	}
	for (i = 0; i < ARRAY_SIZE(ints); i++)
		printf("(double) %d = %016llx, (double) %uu = %016llx, (float) %08x\n", ints[i],
		       bits(from_int(ints[i])), (u32)ints[i], bits(from_uint((u32)ints[i])),
		       fbits(to_float(from_int(ints[i]))));
	for (i = 0; i < ARRAY_SIZE(longs); i++)
		printf("(double) %lld = %016llx\n", longs[i], bits(from_s64(longs[i])));
}

/* ---- rounding modes ---- */

static void rounding(void)
{
	static const u64 num[] = { 0x3FF0000000000000ull, 0xBFF0000000000000ull,
				   0x4000000000000000ull, 0x3FB999999999999Aull };
	int rn;
	u32 i;

	for (rn = 0; rn < 4; rn++) {
		set_rounding(rn);
		printf("round to %s:\n", rn_names[rn]);
		for (i = 0; i < ARRAY_SIZE(num); i++) {
			double a = dbl(num[i]), three = dbl(0x4008000000000000ull);

			fpscr_clear();
			set_rounding(rn);
			printf("  %016llx / 3 = %016llx single %016llx",
			       num[i], bits(f_div(a, three, 0)), bits(f_divs(a, three, 0)));
			printf(" frsp(x/3) %016llx", bits(f_rsp(f_div(a, three, 0), 0, 0)));
			printf(" x*0.1+1 %016llx fpscr %08x\n",
			       bits(f_madd(a, dbl(0x3FB999999999999Aull), dbl(0x3FF0000000000000ull))),
			       fpscr());
		}
		printf("  max+max = %016llx, -max-max = %016llx\n",
		       bits(f_add(dbl(0x7FEFFFFFFFFFFFFFull), dbl(0x7FEFFFFFFFFFFFFFull), 0)),
		       bits(f_sub(dbl(0xFFEFFFFFFFFFFFFFull), dbl(0x7FEFFFFFFFFFFFFFull), 0)));
		printf("  1-1 = %016llx, -0+0 = %016llx\n",
		       bits(f_sub(dbl(0x3FF0000000000000ull), dbl(0x3FF0000000000000ull), 0)),
		       bits(f_add(dbl(0x8000000000000000ull), dbl(0), 0)));
	}
	set_rounding(0);
}

/* ---- comparisons ---- */

static u32 fcmpu_cr1(double a, double b)
{
	u32 cr;

	__asm__ volatile("fcmpu cr1, %1, %2\n\tmfcr %0" : "=r"(cr) : "d"(a), "d"(b) : "cr1");
	return (cr >> 24) & 0xF;
}

static u32 fcmpo_cr1(double a, double b)
{
	u32 cr;

	__asm__ volatile("fcmpo cr1, %1, %2\n\tmfcr %0" : "=r"(cr) : "d"(a), "d"(b) : "cr1");
	return (cr >> 24) & 0xF;
}

static NOINLINE u32 c_compares(double a, double b)
{
	return (a < b) << 5 | (a <= b) << 4 | (a == b) << 3 | (a != b) << 2 | (a > b) << 1 |
	       (a >= b);
}

static void comparisons(void)
{
	static const u64 cmpv[] = { 0, 0x8000000000000000ull, 0x3FF0000000000000ull,
				    0xBFF0000000000000ull, INF, 0xFFF0000000000000ull, QNAN, SNAN };
	u32 i, j;

	for (i = 0; i < ARRAY_SIZE(cmpv); i++) {
		printf("%016llx:", cmpv[i]);
		for (j = 0; j < ARRAY_SIZE(cmpv); j++) {
			u32 u, fu, o, fo;

			fpscr_clear();
			u = fcmpu_cr1(dbl(cmpv[i]), dbl(cmpv[j]));
			fu = fpscr();
			fpscr_clear();
			o = fcmpo_cr1(dbl(cmpv[i]), dbl(cmpv[j]));
			fo = fpscr() & ~FPSCR_C;
			printf(" %x%x/%02x", u, o, c_compares(dbl(cmpv[i]), dbl(cmpv[j])));
			if (fu != (u << 12) || fo != (o << 12))
				printf("[%05x %05x]", fu, fo);
		}
		putc('\n');
	}
	/* mcrfs: copy and clear exception bits. */
	{
		u32 cr;

		fpscr_clear();
		f_div(dbl(0x3FF0000000000000ull), dbl(0), 0);
		__asm__ volatile("mcrfs cr2, 1\n\tmcrfs cr3, 0\n\tmfcr %0" : "=r"(cr) : : "cr2", "cr3");
		printf("mcrfs after 1/0: cr2 %x cr3 %x fpscr now %08x\n", (cr >> 20) & 0xF,
		       (cr >> 16) & 0xF, fpscr());
	}
}

/* ---- square roots (no fsqrt on the e500mc) ---- */

static double newton_sqrt(double x)
{
	double r = x > 1 ? x / 2 : 1;
	int i;

	if (x <= 0)
		return 0;
	for (i = 0; i < 60; i++)
		r = 0.5 * (r + x / r);
	return r;
}

static float newton_sqrtf(float x)
{
	float r = x > 1 ? x / 2 : 1;
	int i;

	for (i = 0; i < 40; i++)
		r = 0.5f * (r + x / r);
	return r;
}

static void roots_and_series(void)
{
	static const u64 sq[] = { 0x4000000000000000ull, 0x4008000000000000ull,
				  0x4059000000000000ull /* 100 */, 0x3FB999999999999Aull,
				  0x4415AF1D78B58C40ull /* 1e20 */, 0x7FEFFFFFFFFFFFFFull };
	u32 i;
	double sum = 0, term = 1, pi = 0;
	float fsum = 0;

	for (i = 0; i < ARRAY_SIZE(sq); i++) {
		double x = dbl(sq[i]), r = newton_sqrt(x);

		printf("sqrt(%016llx) = %016llx, r*r = %016llx, sqrtf %08x\n", sq[i], bits(r),
		       bits(r * r), fbits(newton_sqrtf((float)x)));
	}
	/* e by its series, pi by Leibniz (slowly), a harmonic sum in single. */
	for (i = 1; i < 25; i++) {
		sum += term;
		term /= i;
	}
	for (i = 0; i < 100000; i++)
		pi += (i & 1 ? -4.0 : 4.0) / (2 * i + 1);
	for (i = 1; i <= 10000; i++)
		fsum += 1.0f / (float)i;
	printf("e = %016llx, pi ~ %016llx, H(10000) single = %08x\n", bits(sum), bits(pi),
	       fbits(fsum));
}

/* ---- estimates: QEMU computes them exactly, so only their accuracy is shown ---- */

static void estimates(void)
{
	static const u64 ev[] = { 0x3FF0000000000000ull, 0x4008000000000000ull,
				  0x3FB999999999999Aull, 0xC059000000000000ull };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(ev); i++) {
		double x = dbl(ev[i]), re, rs, exact_re = 1 / x, err;

		__asm__ volatile("fres %0, %1" : "=d"(re) : "d"(x));
		err = (re - exact_re) / exact_re;
		printf("fres(%016llx) within 2^-8: %s", ev[i],
		       err < 0.00390625 && err > -0.00390625 ? "yes" : "NO");
		if (x > 0) {
			double exact = 1 / newton_sqrt(x);

			__asm__ volatile("frsqrte %0, %1" : "=d"(rs) : "d"(x));
			err = (rs - exact) / exact;
			printf(", frsqrte within 2^-5: %s",
			       err < 0.03125 && err > -0.03125 ? "yes" : "NO");
		}
		putc('\n');
	}
}

/* ---- an enabled exception: divide by zero with FPSCR[ZE] and MSR[FE0,FE1] ---- */

static volatile u32 fp_traps, fp_esr, fp_offset;
extern char fp_trap_insn[];

static void on_program(struct frame *f)
{
	fp_traps++;
	fp_esr = mfspr(SPR_ESR);
	fp_offset = f->srr0 - (u32)fp_trap_insn;
	f->srr0 = (u32)fp_trap_insn + 4;
}

static void enabled_exception(void)
{
	double one = dbl(0x3FF0000000000000ull), zero = dbl(0), r = dbl(0);

	rt_set_handler(IVOR_PROGRAM, on_program);
	fpscr_clear();
	__asm__ volatile("mtfsb1 27"); /* ZE */
	mtmsr(mfmsr() | 0x00000900);   /* FE0 | FE1: precise */
	__asm__ volatile(".globl fp_trap_insn\nfp_trap_insn: fdiv %0, %1, %2"
			 : "+d"(r) : "d"(one), "d"(zero));
	mtmsr(mfmsr() & ~0x00000900);
	printf("enabled divide by zero: %u interrupt(s), ESR PIL/PPR/PTR/FP %08x, at +%u, "
	       "fpscr %08x, target %016llx\n", fp_traps, fp_esr & 0x0F000000, fp_offset, fpscr(),
	       bits(r));
	fpscr_clear();
	rt_set_handler(IVOR_PROGRAM, NULL);
}

int main(void)
{
	printf("== float ==\n");
	op_tables();
	special_cases();
	conversions();
	rounding();
	comparisons();
	roots_and_series();
	estimates();
	enabled_exception();
	printf("== float done ==\n");
	return 0;
}
