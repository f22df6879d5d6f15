/* arith.c: integer arithmetic as compiled code uses it: 64-bit operations
 * through libgcc (__divdi3, __udivmoddi4, shifts), signed/unsigned mixes and
 * conversions, isel from min/max/abs/clamp, jump tables, bit-fields, big
 * numbers (factorials with 32-bit limbs), primes, gcd, modular exponentiation. */
#include "rt.h"

static const s64 s64s[] = {
	0, 1, -1, 7, -7, 1000000007LL, -1000000007LL, 0x7FFFFFFFFFFFFFFFLL,
	-0x7FFFFFFFFFFFFFFFLL - 1, 0x123456789ALL, -0x123456789ALL, 0x100000000LL, 65536,
	-3, 0xFFFFFFFFLL,
};

static void wide64(void)
{
	u32 i, j;

	for (i = 0; i < ARRAY_SIZE(s64s); i++) {
		u32 hq = HASH_INIT, hr = HASH_INIT, huq = HASH_INIT, hur = HASH_INIT;
		s64 a = s64s[i];

		for (j = 0; j < ARRAY_SIZE(s64s); j++) {
			s64 b = s64s[j];

			if (b == 0 || (b == -1 && a == -0x7FFFFFFFFFFFFFFFLL - 1))
				continue;
			hq = hash32(hash32(hq, (u32)(a / b >> 32)), (u32)(a / b));
			hr = hash32(hash32(hr, (u32)(a % b >> 32)), (u32)(a % b));
			huq = hash32(huq, (u32)((u64)a / (u64)b) ^ (u32)((u64)a / (u64)b >> 32));
			hur = hash32(hur, (u32)((u64)a % (u64)b) ^ (u32)((u64)a % (u64)b >> 32));
		}
		printf("%20lld: / %08x %% %08x u/ %08x u%% %08x  <<13 %016llx >>7 %016llx u>>33 %016llx\n",
		       a, hq, hr, huq, hur, (u64)a << 13, (u64)(a >> 7), (u64)a >> 33);
	}
	printf("products: %lld %llu %lld\n", s64s[5] * s64s[6], (u64)s64s[9] * 0x10001ULL,
	       s64s[7] * 3);
}

static void mixes(void)
{
	/* volatile: make the compiler do the conversions at run time. */
	volatile s32 si = -5, m7 = -7;
	volatile u32 ui = 3, two = 2;
	volatile s8 c = (s8)0xF0;
	volatile u8 uc = 0xF0;
	volatile s16 sh = (s16)0x8001;
	volatile u16 uh = 0x8001;
	volatile s32 big = 300;

	printf("-5 < 3u: %d; -5 < 3: %d; (u32)-5 = %u\n", (u32)si < ui, si < (s32)ui, (u32)si);
	printf("s8 0xF0 = %d, u8 0xF0 = %d, s16 0x8001 = %d, u16 0x8001 = %d\n", c, uc, sh, uh);
	printf("-7 / 2 = %d, -7 %% 2 = %d, -7 >> 1 = %d, 7u / -2 = %u, -7 / 2u = %u\n",
	       m7 / (s32)two, m7 % (s32)two, m7 >> 1, 7u / -two, m7 / two);
	printf("(s64)-5 * 3u = %lld, (u64)(u32)-5 = %llu, (s64)-5 = %lld\n", (s64)si * ui,
	       (u64)(u32)si, (s64)si);
	printf("int -> s8 wrap: %d %d %d\n", (s8)big, (s8)(-big + 171), (s8)(big - 172));
}

static NOINLINE s32 clamp(s32 v, s32 lo, s32 hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static NOINLINE s32 iabs(s32 v)
{
	return v < 0 ? -v : v;
}

static NOINLINE u32 umax(u32 a, u32 b)
{
	return a > b ? a : b;
}

static NOINLINE s32 smin(s32 a, s32 b)
{
	return a < b ? a : b;
}

static void selects(void)
{
	static const s32 vals[] = { -2147483647 - 1, -100, -1, 0, 1, 50, 99, 100, 101, 2147483647 };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		s32 v = vals[i];

		printf("%11d: clamp %4d abs %11d umax %10u smin %11d\n", v, clamp(v, -1, 100),
		       iabs(v), umax((u32)v, 50), smin(v, 50));
	}
}

static NOINLINE const char *weekday(int d)
{
	switch (d) {
	case 0: return "Sun";
	case 1: return "Mon";
	case 2: return "Tue";
	case 3: return "Wed";
	case 4: return "Thu";
	case 5: return "Fri";
	case 6: return "Sat";
	case 7: return "Sun again";
	case 8: return "eight";
	case 9: return "nine";
	default: return "?";
	}
}

static NOINLINE int dense(int x)
{
	switch (x) {
	case 10: return x * 3;
	case 11: return x - 1;
	case 12: return x << 2;
	case 13: return x ^ 5;
	case 14: return -x;
	case 15: return 15;
	case 16: return x / 3;
	case 17: return x % 4;
	default: return 0;
	}
}

struct packed_bits {
	u32 a : 3;
	s32 b : 5;
	u32 c : 12;
	s32 d : 12;
};

static void bitfields_and_switch(void)
{
	union {
		struct packed_bits f;
		u32 raw;
	} volatile p = { .f = { 5, -3, 0xABC, -1000 } };
	volatile u32 nine = 9;
	int i;

	printf("bitfields: %u %d %u %d raw %08x\n", p.f.a, p.f.b, p.f.c, p.f.d, p.raw);
	p.f.b = p.f.b * 4;
	p.f.c += 0x600;
	p.f.a = nine;
	printf("bitfields: %u %d %u %d raw %08x\n", p.f.a, p.f.b, p.f.c, p.f.d, p.raw);
	for (i = -1; i <= 10; i++)
		printf("%s%c", weekday(i), i == 10 ? '\n' : ' ');
	for (i = 9; i <= 18; i++)
		printf("%d%c", dense(i), i == 18 ? '\n' : ' ');
}

/* n! in base 2^32 limbs, printed in hex. */
static void factorials(void)
{
	u32 limbs[40];
	int n, used = 1, i;

	limbs[0] = 1;
	for (n = 1; n <= 60; n++) {
		u32 carry = 0;

		for (i = 0; i < used; i++) {
			u64 p = (u64)limbs[i] * (u32)n + carry;

			limbs[i] = (u32)p;
			carry = (u32)(p >> 32);
		}
		if (carry)
			limbs[used++] = carry;
		if (n % 10 == 0) {
			printf("%2d! = 0x", n);
			printf("%x", limbs[used - 1]);
			for (i = used - 2; i >= 0; i--)
				printf("%08x", limbs[i]);
			putc('\n');
		}
	}
}

static u32 gcd(u32 a, u32 b)
{
	while (b) {
		u32 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static u64 mulmod(u64 a, u64 b, u64 m)
{
	u64 r = 0;

	a %= m;
	while (b) {
		if (b & 1)
			r = (r + a) % m;
		a = (a << 1) % m;
		b >>= 1;
	}
	return r;
}

static u64 powmod(u64 b, u64 e, u64 m)
{
	u64 r = 1;

	while (e) {
		if (e & 1)
			r = mulmod(r, b, m);
		b = mulmod(b, b, m);
		e >>= 1;
	}
	return r;
}

static u32 isqrt(u32 n)
{
	u32 x = n, y = (x + 1) / 2;

	if (n < 2)
		return n;
	while (y < x) {
		x = y;
		y = (x + n / x) / 2;
	}
	return x;
}

static u8 sieve[20000];

static void number_theory(void)
{
	u32 i, j, count = 0, sum = 0, last = 0;

	for (i = 2; i < sizeof(sieve); i++)
		if (!sieve[i]) {
			count++;
			sum += i;
			last = i;
			for (j = i * i; j < sizeof(sieve); j += i)
				sieve[j] = 1;
		}
	printf("primes below %u: %u, sum %u, largest %u\n", (u32)sizeof(sieve), count, sum, last);
	printf("gcd: %u %u %u %u\n", gcd(1071, 462), gcd(0, 9), gcd(17, 5), gcd(0x80000000, 0x30000000));
	printf("powmod: %llu %llu %llu\n", powmod(2, 10, 1000), powmod(3, 1000000, 1000000007),
	       powmod(0x123456789ULL, 0xABCDEFULL, 0xFFFFFFFFFFFFFFC5ULL));
	for (i = 0; i < 8; i++) {
		u32 n = i * i * i * 77777 + i;

		printf("isqrt(%u) = %u\n", n, isqrt(n));
	}
}

/* Collatz: long-running loops with data-dependent branches. */
static void collatz(void)
{
	u32 n, best = 0, best_n = 0;

	for (n = 1; n < 30000; n++) {
		u64 x = n;
		u32 steps = 0;

		while (x != 1) {
			x = x & 1 ? 3 * x + 1 : x >> 1;
			steps++;
		}
		if (steps > best) {
			best = steps;
			best_n = n;
		}
	}
	printf("collatz below 30000: longest %u steps from %u\n", best, best_n);
}

int main(void)
{
	printf("== arith ==\n");
	wide64();
	mixes();
	selects();
	bitfields_and_switch();
	factorials();
	number_theory();
	collatz();
	printf("== arith done ==\n");
	return 0;
}
