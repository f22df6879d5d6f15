/* strings.c: string and memory functions (strlen, strcmp, strchr, memcpy,
 * memmove with overlaps, memset, memcmp), misaligned loads and stores,
 * lmw/stmw (from -mmultiple prologues and inline), dcbz, lwarx/stwcx., and a
 * few text algorithms (reverse, tokenise, itoa/atoi, substring search). */
#include "rt.h"

static u8 arena[512];

static u32 digest(const void *p, size_t n)
{
	const u8 *b = p;
	u32 h = HASH_INIT;

	while (n--)
		h = (h ^ *b++) * 0x01000193u;
	return h;
}

static void fill(u8 *p, size_t n, u8 start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (u8)(start + i);
}

static void string_functions(void)
{
	static const char *const words[] = {
		"", "a", "ab", "hello", "hello, world", "Hello", "hellO", "hell",
		"the quick brown fox jumps over the lazy dog",
	};
	u32 i, j;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		const char *w = words[i];
		char *o = strchr(w, 'o'), *r = strrchr(w, 'o');

		printf("\"%s\": len %u, strchr o @%d, strrchr o @%d, strchr NUL @%d\n", w,
		       (u32)strlen(w), o ? (int)(o - w) : -1, r ? (int)(r - w) : -1,
		       (int)(strchr(w, 0) - w));
	}
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		printf("cmp %u:", i);
		for (j = 0; j < ARRAY_SIZE(words); j++) {
			int c = strcmp(words[i], words[j]);

			printf(" %c", c < 0 ? '<' : c > 0 ? '>' : '=');
		}
		printf(" | n4:");
		for (j = 0; j < ARRAY_SIZE(words); j++) {
			int c = strncmp(words[i], words[j], 4);

			printf(" %c", c < 0 ? '<' : c > 0 ? '>' : '=');
		}
		putc('\n');
	}
}

static void memory_functions(void)
{
	int shift, len;

	/* memmove overlaps in both directions, at all small offsets. */
	for (shift = -5; shift <= 5; shift++) {
		u32 h = HASH_INIT;

		for (len = 0; len < 40; len += 3) {
			fill(arena, sizeof(arena), 0);
			memmove(arena + 100 + shift, arena + 100, len);
			h = hash32(h, digest(arena, 200));
		}
		printf("memmove shift %+d: %08x\n", shift, h);
	}
	/* memcpy at every alignment pair. */
	{
		u32 h = HASH_INIT;
		int s, d;

		for (s = 0; s < 8; s++)
			for (d = 0; d < 8; d++) {
				fill(arena, sizeof(arena), 0x40);
				memcpy(arena + 256 + d, arena + s, 37);
				h = hash32(h, digest(arena, sizeof(arena)));
			}
		printf("memcpy alignments: %08x\n", h);
	}
	/* memset and memcmp. */
	fill(arena, sizeof(arena), 0);
	memset(arena + 3, 0xA5, 29);
	printf("memset: ");
	hexdump(arena, 40);
	printf("memcmp: %d %d %d %d\n", memcmp("abc", "abd", 3), memcmp("abd", "abc", 3),
	       memcmp("abc", "abc", 3), memcmp("\x80", "\x01", 1));
	printf("memchr: %d\n", (int)((u8 *)memchr(arena, 0xA5, 40) - arena));
}

/* Misaligned halfword and word accesses (the e500 does them in hardware). */
static void misaligned(void)
{
	volatile u8 *p = arena;
	u32 i, h = HASH_INIT;

	fill(arena, sizeof(arena), 0x10);
	for (i = 0; i < 8; i++) {
		u32 w = *(volatile u32 *)(p + i);
		u16 s = *(volatile u16 *)(p + i + 1);

		printf("offset %u: word %08x half %04x\n", i, w, s);
	}
	for (i = 0; i < 8; i++) {
		*(volatile u32 *)(p + 64 + i * 5) = 0xA1B2C3D4 + i;
		*(volatile u16 *)(p + 128 + i * 3) = (u16)(0xE5F6 + i);
	}
	for (i = 0; i < 200; i++)
		h = hash32(h, p[i]);
	printf("misaligned stores: %08x\n", h);
}

/* lmw/stmw: -mmultiple makes gcc save many callee-saved registers with stmw.
 * This function keeps many values live across calls to force that. */
static NOINLINE u32 many_live(u32 x)
{
	u32 a = x * 3, b = x ^ 0x55, c = x + 7, d = x << 3, e = x >> 2, f = ~x, g = x * x;
	u32 h = x - 100, k = x | 0x100, m = x & 0xFF0;

	a += digest(&b, 4);
	b += digest(&c, 4);
	c += digest(&d, 4);
	d += digest(&a, 4);
	return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ k ^ m;
}

static void load_store_multiple(void)
{
	u32 regs[8], out[8], i;

	for (i = 0; i < 8; i++)
		regs[i] = 0x01010101 * (i + 1);
	/* Load r24..r31 from memory, store them elsewhere. */
	__asm__ volatile("lmw 24, 0(%0)\n\tstmw 24, 0(%1)"
			 : : "b"(regs), "b"(out)
			 : "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "memory");
	printf("lmw/stmw:");
	for (i = 0; i < 8; i++)
		printf(" %08x", out[i]);
	putc('\n');
	for (i = 0; i < 5; i++)
		printf("many_live(%u) = %08x\n", i * 1000, many_live(i * 1000));
}

static void cache_ops(void)
{
	static u8 line[256] __attribute__((aligned(128)));
	u32 i, first = 256, last = 0;

	memset(line, 0xFF, sizeof(line));
	__asm__ volatile("dcbz 0, %0" : : "r"(line + 72) : "memory");
	for (i = 0; i < sizeof(line); i++)
		if (!line[i]) {
			if (i < first)
				first = i;
			last = i;
		}
	/* The cache line size differs between the flavours: 32 (e500v2), 64 (e500mc). */
	printf("dcbz zeroed [%u, %u] (%u bytes)\n", first, last, last - first + 1);
	__asm__ volatile("dcbf 0, %0\n\tdcbst 0, %0\n\tdcbt 0, %0\n\ticbi 0, %0\n\tmsync\n\tisync"
			 : : "r"(line) : "memory");
}

static void reservations(void)
{
	static u32 word = 5;
	u32 old, ok, i;

	for (i = 0; i < 3; i++) {
		__asm__ volatile("1: lwarx %0, 0, %2\n\taddi %0, %0, 10\n\tstwcx. %0, 0, %2\n\t"
				 "bne- 1b\n\tmfcr %1"
				 : "=&b"(old), "=&r"(ok) : "r"(&word) : "cr0", "memory");
		printf("atomic add: %u cr0 %x\n", word, ok >> 28);
	}
	/* A stwcx. with no reservation must fail (and store nothing). */
	__asm__ volatile("lwarx %0, 0, %2\n\tstwcx. %0, 0, %2\n\tstwcx. %3, 0, %2\n\tmfcr %1"
			 : "=&r"(old), "=&r"(ok) : "r"(&word), "r"(99) : "cr0", "memory");
	printf("second stwcx.: cr0 %x word %u\n", ok >> 28, word);
}

/* ---- text algorithms ---- */

static void reverse(char *s)
{
	char *e = s + strlen(s);

	while (s < --e) {
		char t = *s;
		*s++ = *e;
		*e = t;
	}
}

static char *itoa(s32 v, char *buf, int base)
{
	char *p = buf;
	u32 u = v < 0 && base == 10 ? -(u32)v : (u32)v;

	do {
		*p++ = "0123456789abcdefghijklmnopqrstuvwxyz"[u % base];
		u /= base;
	} while (u);
	if (v < 0 && base == 10)
		*p++ = '-';
	*p = 0;
	reverse(buf);
	return buf;
}

static s32 atoi(const char *s)
{
	s32 v = 0, neg = 0;

	while (*s == ' ')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

static const char *find(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return hay;
	return n ? NULL : hay;
}

static void text(void)
{
	static const s32 nums[] = { 0, 1, -1, 42, -2147483647 - 1, 2147483647, 100000, -99 };
	char buf[40], line[80];
	const char *hay = "she sells sea shells by the sea shore";
	static const char *const needles[] = { "sea", "shore", "she", "x", "", "shells by" };
	char *tok;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(nums); i++) {
		printf("%d -> \"%s\"", nums[i], itoa(nums[i], buf, 10));
		printf(" base16 \"%s\"", itoa(nums[i], buf, 16));
		printf(" base36 \"%s\" -> %d\n", itoa(nums[i], buf, 36), atoi(itoa(nums[i], buf, 10)));
	}
	for (i = 0; i < ARRAY_SIZE(needles); i++) {
		const char *f = find(hay, needles[i]);

		printf("find \"%s\": %d\n", needles[i], f ? (int)(f - hay) : -1);
	}
	strcpy(line, hay);
	reverse(line);
	printf("reversed: %s\n", line);
	strcpy(line, hay);
	printf("tokens:");
	for (tok = line; tok; ) {
		char *sp = strchr(tok, ' ');

		if (sp)
			*sp++ = 0;
		printf(" [%s]", tok);
		tok = sp;
	}
	putc('\n');
}

int main(void)
{
	printf("== strings ==\n");
	string_functions();
	memory_functions();
	misaligned();
	load_store_multiple();
	cache_ops();
	reservations();
	text();
	printf("== strings done ==\n");
	return 0;
}
