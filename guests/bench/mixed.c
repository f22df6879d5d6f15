/* mixed.c: a compute-bound integer workload of ordinary C, bench_scale rounds.
 * Each round sorts pseudo-random records with a comparison callback, hashes a
 * buffer with a table-driven CRC32, tokenises generated text into a chained
 * hash table (string copies, compares and lookups through the runtime's
 * string functions), and runs a small bytecode interpreter (switch dispatch,
 * an operand stack in memory). Loads, stores, calls, indirect calls and
 * branches in proportions typical of compiled C; no floating point, so it runs
 * on both flavours. The result is one checksum line. */
#include "bench.h"

/* ---- sorting: records with a key, quicksort through a callback ---- */

struct record {
	u32 key;
	u16 id;
	u16 tag;
};

#define NREC 256
static struct record recs[NREC];

typedef int (*cmp_fn)(const struct record *, const struct record *);

static int by_key(const struct record *a, const struct record *b)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (int)a->id - (int)b->id;
}

static NOINLINE void sort_records(struct record *r, int n, cmp_fn cmp)
{
	while (n > 12) {
		struct record pivot = r[n / 2], t;
		int i = 0, j = n - 1;

		for (;;) {
			while (cmp(&r[i], &pivot) < 0)
				i++;
			while (cmp(&r[j], &pivot) > 0)
				j--;
			if (i >= j)
				break;
			t = r[i];
			r[i] = r[j];
			r[j] = t;
			i++;
			j--;
		}
		/* Recurse on the smaller side, loop on the larger. */
		if (j + 1 < n - j - 1) {
			sort_records(r, j + 1, cmp);
			r += j + 1;
			n -= j + 1;
		} else {
			sort_records(r + j + 1, n - j - 1, cmp);
			n = j + 1;
		}
	}
	for (int i = 1; i < n; i++) {
		struct record x = r[i];
		int j = i - 1;

		while (j >= 0 && cmp(&r[j], &x) > 0) {
			r[j + 1] = r[j];
			j--;
		}
		r[j + 1] = x;
	}
}

static u32 sort_round(u32 *seed)
{
	u32 h = HASH_INIT;

	for (int i = 0; i < NREC; i++) {
		recs[i].key = xorshift32(seed) & 0xFFFF;
		recs[i].id = i;
		recs[i].tag = xorshift32(seed) >> 20;
	}
	sort_records(recs, NREC, by_key);
	for (int i = 0; i < NREC; i++) {
		if (i && by_key(&recs[i - 1], &recs[i]) > 0)
			h ^= 0xBAD;
		h = hash32(h, recs[i].key ^ recs[i].tag);
	}
	return h;
}

/* ---- hashing: table-driven CRC32 over a buffer ---- */

#define BLOCK_SIZE 2048

static u32 crc_table[256];

/* The buffer every round fills and hashes, and right after it (in the same
 * page) the two words bench_quiet_data that nothing accesses. */
static struct {
	u8 block[BLOCK_SIZE];
	u32 quiet[2];
} crc_area;
_Static_assert(__builtin_offsetof(__typeof__(crc_area), quiet) == BLOCK_SIZE, "layout");
#define STR(x) #x
#define XSTR(x) STR(x)
__asm__(".globl bench_quiet_data\n\t.set bench_quiet_data, crc_area + " XSTR(BLOCK_SIZE));

static void crc_init(void)
{
	for (u32 n = 0; n < 256; n++) {
		u32 c = n;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static NOINLINE u32 crc32(const u8 *p, size_t n)
{
	u32 c = 0xFFFFFFFFu;

	while (n--)
		c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return ~c;
}

static u32 hash_round(u32 *seed)
{
	u8 *block = crc_area.block;

	for (size_t i = 0; i < BLOCK_SIZE; i += 4) {
		u32 v = xorshift32(seed);

		block[i] = v;
		block[i + 1] = v >> 8;
		block[i + 2] = v >> 16;
		block[i + 3] = v >> 24;
	}
	return crc32(block, BLOCK_SIZE) ^ crc32(block + 7, 1000);
}

/* ---- strings: words into a chained hash table ---- */

#define NBUCKET 64
#define NNODE 192

struct node {
	struct node *next;
	u32 count;
	char word[12];
};

static struct node pool[NNODE];
static struct node *buckets[NBUCKET];
static char text[1536];

static u32 str_hash(const char *s)
{
	u32 h = 5381;

	while (*s)
		h = h * 33 + (u8)*s++;
	return h;
}

static NOINLINE struct node *intern(const char *w, int *used)
{
	u32 b = str_hash(w) % NBUCKET;
	struct node *n;

	for (n = buckets[b]; n; n = n->next)
		if (strcmp(n->word, w) == 0)
			return n;
	if (*used == NNODE)
		return NULL;
	n = &pool[(*used)++];
	strcpy(n->word, w);
	n->count = 0;
	n->next = buckets[b];
	buckets[b] = n;
	return n;
}

static u32 string_round(u32 *seed)
{
	static const char syll[][4] = { "ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi" };
	char word[12];
	int len = 0, used = 0, distinct = 0;
	u32 h = HASH_INIT;

	/* Generate words of 1-4 syllables separated by spaces and punctuation. */
	while (len < (int)sizeof(text) - 16) {
		u32 r = xorshift32(seed);
		int parts = 1 + (r & 3);

		for (int k = 0; k < parts; k++) {
			const char *s = syll[(r >> (4 + 3 * k)) & 7];

			memcpy(text + len, s, 2);
			len += 2;
		}
		text[len++] = (r >> 20) & 7 ? ' ' : ',';
	}
	text[len] = 0;

	memset(buckets, 0, sizeof(buckets));
	for (const char *p = text; *p;) {
		int n = 0;

		while (*p == ' ' || *p == ',')
			p++;
		while (*p && *p != ' ' && *p != ',' && n < (int)sizeof(word) - 1)
			word[n++] = *p++;
		word[n] = 0;
		if (n) {
			struct node *e = intern(word, &used);

			if (e && e->count++ == 0)
				distinct++;
		}
	}
	for (int b = 0; b < NBUCKET; b++)
		for (struct node *e = buckets[b]; e; e = e->next)
			h = hash32(h, e->count * strlen(e->word) + str_hash(e->word));
	return hash32(h, distinct);
}

/* ---- a small bytecode interpreter ---- */

enum op { PUSH, LOAD, STORE, ADD, SUB, MUL, SHR, DUP, JNZ, JMP, HALT };

struct insn {
	u8 op;
	u8 arg;
	s16 imm;
};

/* acc = 0; while (n) { v = acc * 5 + n; acc = v - (v >> 3); n--; } */
static const struct insn program[] = {
	/* 0 */ { PUSH, 0, 0 },   { STORE, 1, 0 },	/* acc = 0 */
	/* 2 */ { LOAD, 0, 0 },   { JNZ, 0, 5 },	/* while (n) */
	/* 4 */ { JMP, 0, 19 },
	/* 5 */ { LOAD, 1, 0 },   { PUSH, 0, 5 }, { MUL, 0, 0 },
	/* 8 */ { LOAD, 0, 0 },   { ADD, 0, 0 },  { DUP, 0, 0 },
	/* 11 */ { PUSH, 0, 3 },  { SHR, 0, 0 },  { SUB, 0, 0 }, { STORE, 1, 0 },
	/* 15 */ { LOAD, 0, 0 },  { PUSH, 0, -1 }, { ADD, 0, 0 }, { STORE, 0, 0 },
	/* 19 (and the loop back) */ { LOAD, 0, 0 }, { JNZ, 0, 5 }, { HALT, 0, 0 },
};

static NOINLINE u32 interpret(const struct insn *code, u32 *vars)
{
	u32 stack[16];
	int sp = 0, pc = 0;

	for (;;) {
		const struct insn *i = &code[pc++];

		switch (i->op) {
		case PUSH:
			stack[sp++] = (u32)(s32)i->imm;
			break;
		case LOAD:
			stack[sp++] = vars[i->arg];
			break;
		case STORE:
			vars[i->arg] = stack[--sp];
			break;
		case ADD:
			sp--;
			stack[sp - 1] += stack[sp];
			break;
		case SUB:
			sp--;
			stack[sp - 1] -= stack[sp];
			break;
		case MUL:
			sp--;
			stack[sp - 1] *= stack[sp];
			break;
		case SHR:
			sp--;
			stack[sp - 1] >>= stack[sp] & 31;
			break;
		case DUP:
			stack[sp] = stack[sp - 1];
			sp++;
			break;
		case JNZ:
			if (stack[--sp])
				pc = i->imm;
			break;
		case JMP:
			pc = i->imm;
			break;
		case HALT:
			return vars[1];
		}
	}
}

static u32 interp_round(u32 *seed)
{
	u32 vars[2] = { 600 + (xorshift32(seed) & 63), 0 };

	return interpret(program, vars);
}

int main(void)
{
	u32 rounds = bench_scale, seed = 0x2545F491, h = HASH_INIT;

	crc_init();
	for (u32 r = 0; r < rounds; r++) {
		h = hash32(h, sort_round(&seed));
		h = hash32(h, hash_round(&seed));
		h = hash32(h, string_round(&seed));
		h = hash32(h, interp_round(&seed));
	}
	printf("mixed: %u rounds, checksum %08x\n", rounds, h);
	return 0;
}
