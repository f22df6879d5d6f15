/* recursion.c: deep and branchy recursion: Fibonacci (naive and memoised),
 * Ackermann for small arguments, Towers of Hanoi, n-queens, permutations,
 * the McCarthy 91 function, mutual recursion and a recursive descent parser. */
#include "rt.h"

static unsigned calls;

static NOINLINE u32 fib(u32 n)
{
	calls++;
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static u64 memo[94];

static u64 fib64(u32 n)
{
	if (n < 2)
		return n;
	if (!memo[n])
		memo[n] = fib64(n - 1) + fib64(n - 2);
	return memo[n];
}

static NOINLINE u32 ackermann(u32 m, u32 n)
{
	calls++;
	if (m == 0)
		return n + 1;
	if (n == 0)
		return ackermann(m - 1, 1);
	return ackermann(m - 1, ackermann(m, n - 1));
}

static u32 moves, hanoi_digest;

static void hanoi(int n, int from, int to, int via)
{
	if (!n)
		return;
	hanoi(n - 1, from, via, to);
	moves++;
	hanoi_digest = hash32(hanoi_digest, (u32)(n << 8 | from << 4 | to));
	hanoi(n - 1, via, to, from);
}

static int queens_cols[16];

static int safe(int row, int col)
{
	int r;

	for (r = 0; r < row; r++) {
		int c = queens_cols[r];

		if (c == col || c - col == r - row || c - col == row - r)
			return 0;
	}
	return 1;
}

static u32 first_solution;

static int queens(int row, int n)
{
	int col, count = 0;

	if (row == n) {
		if (!first_solution) {
			int r;

			for (r = 0; r < n; r++)
				first_solution = first_solution * 16 + queens_cols[r];
		}
		return 1;
	}
	for (col = 0; col < n; col++)
		if (safe(row, col)) {
			queens_cols[row] = col;
			count += queens(row + 1, n);
		}
	return count;
}

static char perm[8];
static u32 perm_count, perm_digest;

static void permute(int k, int n)
{
	int i;

	if (k == n) {
		perm_count++;
		for (i = 0; i < n; i++)
			perm_digest = hash32(perm_digest, (u32)perm[i]);
		if (perm_count <= 6 || perm_count == 120) {
			printf("  perm %3u: ", perm_count);
			for (i = 0; i < n; i++)
				putc(perm[i]);
			putc('\n');
		}
		return;
	}
	for (i = k; i < n; i++) {
		char t = perm[k];

		perm[k] = perm[i];
		perm[i] = t;
		permute(k + 1, n);
		perm[i] = perm[k];
		perm[k] = t;
	}
}

static int mc91(int n)
{
	return n > 100 ? n - 10 : mc91(mc91(n + 11));
}

static int is_odd(u32 n);

static NOINLINE int is_even(u32 n)
{
	return n == 0 ? 1 : is_odd(n - 1);
}

static NOINLINE int is_odd(u32 n)
{
	return n == 0 ? 0 : is_even(n - 1);
}

/* Recursive descent: expr := term (('+'|'-') term)*; term := factor (('*'|'/'|'%') factor)*;
 * factor := number | '-' factor | '(' expr ')'. */
static const char *src;

static s32 expr(void);

static s32 factor(void)
{
	s32 v = 0;

	while (*src == ' ')
		src++;
	if (*src == '(') {
		src++;
		v = expr();
		while (*src == ' ')
			src++;
		if (*src == ')')
			src++;
		return v;
	}
	if (*src == '-') {
		src++;
		return -factor();
	}
	while (*src >= '0' && *src <= '9')
		v = v * 10 + (*src++ - '0');
	return v;
}

static s32 term(void)
{
	s32 v = factor();

	for (;;) {
		char op;
		s32 r;

		while (*src == ' ')
			src++;
		op = *src;
		if (op != '*' && op != '/' && op != '%')
			return v;
		src++;
		r = factor();
		if (op == '*')
			v *= r;
		else if (r == 0)
			v = 0;
		else if (op == '/')
			v /= r;
		else
			v %= r;
	}
}

static s32 expr(void)
{
	s32 v = term();

	for (;;) {
		char op;

		while (*src == ' ')
			src++;
		op = *src;
		if (op != '+' && op != '-')
			return v;
		src++;
		v = op == '+' ? v + term() : v - term();
	}
}

int main(void)
{
	static const char *const exprs[] = {
		"1 + 2 * 3", "(1 + 2) * 3", "-7 / 2", "-7 % 3", "100 - (3 - (2 - (1 - 0)))",
		"2 * (3 + 4) * (5 - 6 / (1 + 1)) % 1000", "((((((((((42))))))))))", "12345 * 6789",
	};
	u32 i;

	printf("== recursion ==\n");
	for (i = 0; i <= 24; i += 4) {
		calls = 0;
		printf("fib(%u) = %u (%u calls)\n", i, fib(i), calls);
	}
	printf("fib64(93) = %llu, fib64(50) = %llu\n", fib64(93), fib64(50));
	for (i = 0; i <= 3; i++) {
		u32 n;

		for (n = 0; n <= 4; n++) {
			calls = 0;
			printf("ackermann(%u, %u) = %u (%u calls)\n", i, n, ackermann(i, n), calls);
		}
	}
	for (i = 1; i <= 16; i += 5) {
		moves = 0;
		hanoi_digest = HASH_INIT;
		hanoi(i, 1, 3, 2);
		printf("hanoi(%u): %u moves, digest %08x\n", i, moves, hanoi_digest);
	}
	for (i = 1; i <= 9; i++) {
		int n;

		first_solution = 0;
		n = queens(0, i);
		printf("%u-queens: %d solutions, first %x\n", i, n, first_solution);
	}
	memcpy(perm, "abcde", 5);
	perm_digest = HASH_INIT;
	permute(0, 5);
	printf("permutations of abcde: %u, digest %08x\n", perm_count, perm_digest);
	for (i = 0; i <= 120; i += 15)
		printf("mc91(%u) = %d\n", i, mc91(i));
	printf("is_even(10001) = %d, is_odd(7777) = %d\n", is_even(10001), is_odd(7777));
	for (i = 0; i < ARRAY_SIZE(exprs); i++) {
		src = exprs[i];
		printf("%s = %d\n", exprs[i], expr());
	}
	printf("== recursion done ==\n");
	return 0;
}
