/* console.c: output on the board's first NS16550 UART (CCSR + 0x4500) and a
 * small printf: %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '+' ' ', a width,
 * and the length modifiers l and ll. A newline goes out as "\r\n". */
#include "rt.h"
#include <stdarg.h>

#define UART ((volatile u8 *)0xE0004500)
#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20

static void uart_tx(int c)
{
	while (!(UART[UART_LSR] & LSR_THRE))
		;
	UART[UART_THR] = (u8)c;
}

void putc(int c)
{
	if (c == '\n')
		uart_tx('\r');
	uart_tx(c);
}

void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

struct spec {
	int left, zero, plus, space, width;
};

static int pad(int n, int c)
{
	int i;

	for (i = 0; i < n; i++)
		putc(c);
	return n > 0 ? n : 0;
}

/* Emit a field: prefix (sign), then body, padded to the width; returns its length. */
static int field(const struct spec *sp, const char *prefix, const char *body, int len)
{
	int plen = strlen(prefix);
	int fill = sp->width - plen - len;
	int n = plen + len;
	int i;

	if (!sp->left && !sp->zero)
		n += pad(fill, ' ');
	puts(prefix);
	if (!sp->left && sp->zero)
		n += pad(fill, '0');
	for (i = 0; i < len; i++)
		putc(body[i]);
	if (sp->left)
		n += pad(fill, ' ');
	return n;
}

static int number(const struct spec *sp, u64 v, int base, int upper, int negative)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int i = sizeof(buf);
	const char *prefix = negative ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v);
	return field(sp, prefix, buf + i, sizeof(buf) - i);
}

static int vprintf(const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		struct spec sp = {0, 0, 0, 0, 0};
		int longs = 0;
		s64 sv;
		u64 uv;
		const char *s;
		char c;

		if (*fmt != '%') {
			putc(*fmt);
			n++;
			continue;
		}
		for (;;) {
			c = *++fmt;
			if (c == '-')
				sp.left = 1;
			else if (c == '0')
				sp.zero = 1;
			else if (c == '+')
				sp.plus = 1;
			else if (c == ' ')
				sp.space = 1;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp.width = sp.width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			sv = longs >= 2 ? va_arg(ap, s64) : va_arg(ap, int);
			n += number(&sp, sv < 0 ? -(u64)sv : (u64)sv, 10, 0, sv < 0);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			uv = longs >= 2 ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			n += number(&sp, uv, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X', 0);
			break;
		case 'p':
			sp.zero = 1;
			sp.width = 8;
			uv = (u32)va_arg(ap, void *);
			puts("0x");
			n += 2 + number(&sp, uv, 16, 0, 0);
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			n += field(&sp, "", &c, 1);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			n += field(&sp, "", s, strlen(s));
			break;
		case '%':
			putc('%');
			n++;
			break;
		default:
			/* Unknown or missing conversion: show it as written. */
			putc('%');
			if (!*fmt)
				return n + 1;
			putc(*fmt);
			n += 2;
			break;
		}
	}
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void hexdump(const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		printf("%02x", b[i]);
		putc((i % 16 == 15 || i + 1 == len) ? '\n' : ' ');
	}
}
