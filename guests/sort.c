/* sort.c: quicksort (qsort-style, with a comparison callback), merge sort,
 * heap sort, insertion sort and a radix sort on pseudo-random arrays; each
 * result is checked for order and against the others, and summarised. */
#include "rt.h"

#define N 2000

static s32 orig[N], a[N], b[N], tmp[N];

typedef int (*cmp_fn)(const void *, const void *);

static void swap_bytes(u8 *x, u8 *y, size_t size)
{
	while (size--) {
		u8 t = *x;
		*x++ = *y;
		*y++ = t;
	}
}

/* qsort-style: generic elements, median-of-three, recursion on the smaller side. */
static void quicksort(void *base, size_t n, size_t size, cmp_fn cmp)
{
	u8 *p = base;

	while (n > 8) {
		u8 *lo = p, *mid = p + (n / 2) * size, *hi = p + (n - 1) * size;
		size_t i, j;

		if (cmp(mid, lo) < 0)
			swap_bytes(mid, lo, size);
		if (cmp(hi, mid) < 0) {
			swap_bytes(hi, mid, size);
			if (cmp(mid, lo) < 0)
				swap_bytes(mid, lo, size);
		}
		/* Pivot to the front. */
		swap_bytes(lo, mid, size);
		i = 0;
		j = n;
		for (;;) {
			do
				i++;
			while (i < n && cmp(p + i * size, p) < 0);
			do
				j--;
			while (cmp(p + j * size, p) > 0);
			if (i >= j)
				break;
			swap_bytes(p + i * size, p + j * size, size);
		}
		swap_bytes(p, p + j * size, size);
		if (j < n - j - 1) {
			quicksort(p, j, size, cmp);
			p += (j + 1) * size;
			n -= j + 1;
		} else {
			quicksort(p + (j + 1) * size, n - j - 1, size, cmp);
			n = j;
		}
	}
	/* Insertion sort for the small rest. */
	{
		size_t i, j;

		for (i = 1; i < n; i++)
			for (j = i; j > 0 && cmp(p + (j - 1) * size, p + j * size) > 0; j--)
				swap_bytes(p + (j - 1) * size, p + j * size, size);
	}
}

static unsigned compares;

static int cmp_s32(const void *x, const void *y)
{
	s32 u = *(const s32 *)x, v = *(const s32 *)y;

	compares++;
	return u < v ? -1 : u > v;
}

static int cmp_u32_desc(const void *x, const void *y)
{
	u32 u = *(const u32 *)x, v = *(const u32 *)y;

	compares++;
	return u > v ? -1 : u < v;
}

static void merge_sort(s32 *v, s32 *t, int n)
{
	int mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(v, t, mid);
	merge_sort(v + mid, t, n - mid);
	while (i < mid && j < n)
		t[k++] = v[j] < v[i] ? v[j++] : v[i++];
	while (i < mid)
		t[k++] = v[i++];
	while (j < n)
		t[k++] = v[j++];
	memcpy(v, t, n * sizeof(*v));
}

static void sift_down(s32 *v, int root, int n)
{
	for (;;) {
		int child = 2 * root + 1;
		s32 t;

		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[root] >= v[child])
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

static void heap_sort(s32 *v, int n)
{
	int i;

	for (i = n / 2 - 1; i >= 0; i--)
		sift_down(v, i, n);
	for (i = n - 1; i > 0; i--) {
		s32 t = v[0];

		v[0] = v[i];
		v[i] = t;
		sift_down(v, 0, i);
	}
}

static void insertion_sort(s32 *v, int n)
{
	int i, j;

	for (i = 1; i < n; i++) {
		s32 x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* LSD radix sort on the bytes, with the sign bit flipped. */
static void radix_sort(s32 *v, s32 *t, int n)
{
	int shift, i;

	for (shift = 0; shift < 32; shift += 8) {
		int count[257];

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(((u32)v[i] ^ 0x80000000) >> shift & 0xFF) + 1]++;
		for (i = 0; i < 256; i++)
			count[i + 1] += count[i];
		for (i = 0; i < n; i++)
			t[count[((u32)v[i] ^ 0x80000000) >> shift & 0xFF]++] = v[i];
		memcpy(v, t, n * sizeof(*v));
	}
}

static int sorted(const s32 *v, int n)
{
	int i;

	for (i = 1; i < n; i++)
		if (v[i - 1] > v[i])
			return 0;
	return 1;
}

static u32 digest(const s32 *v, int n)
{
	u32 h = HASH_INIT;
	int i;

	for (i = 0; i < n; i++)
		h = hash32(h, v[i]);
	return h;
}

static void fill(int kind, u32 seed, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		switch (kind) {
		case 0: /* random */
			orig[i] = (s32)xorshift32(&seed);
			break;
		case 1: /* few distinct values */
			orig[i] = (s32)(xorshift32(&seed) % 7) - 3;
			break;
		case 2: /* descending */
			orig[i] = n - i;
			break;
		default: /* organ pipe with noise */
			orig[i] = (i < n / 2 ? i : n - i) * 16 + (s32)(xorshift32(&seed) & 15);
			break;
		}
	}
}

static const char *const kinds[] = { "random", "few-distinct", "descending", "organ-pipe" };

int main(void)
{
	int kind, n;
	u32 seed = 0xC0FFEE;

	printf("== sort ==\n");
	for (kind = 0; kind < 4; kind++) {
		for (n = 1; n <= N; n = n < 10 ? n + 3 : n * 4 + 1) {
			u32 ref;

			fill(kind, seed + n, n);
			memcpy(a, orig, n * sizeof(*a));
			compares = 0;
			quicksort(a, n, sizeof(*a), cmp_s32);
			ref = digest(a, n);
			printf("%-12s n=%4d quick %s %08x (%u compares) min %d max %d\n", kinds[kind],
			       n, sorted(a, n) ? "ok" : "UNSORTED", ref, compares, a[0], a[n - 1]);

			memcpy(b, orig, n * sizeof(*b));
			merge_sort(b, tmp, n);
			printf("%-12s n=%4d merge %s\n", kinds[kind], n,
			       sorted(b, n) && digest(b, n) == ref ? "ok" : "MISMATCH");

			memcpy(b, orig, n * sizeof(*b));
			heap_sort(b, n);
			printf("%-12s n=%4d heap  %s\n", kinds[kind], n,
			       sorted(b, n) && digest(b, n) == ref ? "ok" : "MISMATCH");

			memcpy(b, orig, n * sizeof(*b));
			radix_sort(b, tmp, n);
			printf("%-12s n=%4d radix %s\n", kinds[kind], n,
			       sorted(b, n) && digest(b, n) == ref ? "ok" : "MISMATCH");

			if (n <= 200) {
				memcpy(b, orig, n * sizeof(*b));
				insertion_sort(b, n);
				printf("%-12s n=%4d insertion %s\n", kinds[kind], n,
				       sorted(b, n) && digest(b, n) == ref ? "ok" : "MISMATCH");
			}
		}
	}

	/* Unsigned, descending, with a different element view. */
	fill(0, 42, 500);
	compares = 0;
	quicksort(orig, 500, sizeof(u32), cmp_u32_desc);
	printf("unsigned descending: first %08x last %08x digest %08x compares %u\n",
	       (u32)orig[0], (u32)orig[499], digest(orig, 500), compares);

	/* Sorting records (12-byte elements) by a key. */
	{
		struct rec {
			s32 key;
			u32 id;
			u32 pad;
		} recs[64];
		int i;
		u32 s = 5;

		for (i = 0; i < 64; i++) {
			recs[i].key = (s32)(xorshift32(&s) % 10);
			recs[i].id = i;
			recs[i].pad = 0xABCD0000 | i;
		}
		quicksort(recs, 64, sizeof(recs[0]), cmp_s32);
		for (i = 0; i < 64; i++)
			printf("%d:%u%c", recs[i].key, recs[i].id, i % 16 == 15 ? '\n' : ' ');
	}
	printf("== sort done ==\n");
	return 0;
}
