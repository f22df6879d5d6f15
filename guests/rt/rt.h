/* rt.h: the guests' mini runtime: console, SPR access, interrupt frames, power-off.
 *
 * Every guest program is a freestanding e500 binary booted by `-kernel` on the
 * ppce500 board (QEMU or vmgdb). start.S maps the CCSR at virtual 0xE0000000,
 * installs a vector table whose interrupts all land in rt_interrupt() with a
 * saved frame, calls main() and then powers the board off. */
#ifndef RT_H
#define RT_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef unsigned long size_t;

#define NULL ((void *)0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NOINLINE __attribute__((noinline))

/* ---- console (console.c) ---- */
void putc(int c);
void puts(const char *s);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print `len` bytes as hex, 16 to a line. */
void hexdump(const void *p, size_t len);

/* Fold a word into a running FNV-1a hash (start from HASH_INIT): lets a
 * program print one line for a long table of results. */
#define HASH_INIT 0x811C9DC5u
static inline u32 hash32(u32 h, u32 v)
{
	int i;

	for (i = 24; i >= 0; i -= 8)
		h = (h ^ ((v >> i) & 0xFF)) * 0x01000193u;
	return h;
}

/* A deterministic pseudo-random sequence (xorshift32); *state must not be 0. */
static inline u32 xorshift32(u32 *state)
{
	u32 x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* ---- memory and strings (string.c; gcc may call the first four itself) ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strcpy(char *dst, const char *src);
void *memchr(const void *s, int c, size_t n);

/* ---- SPRs and special instructions ---- */
#define mfspr(n) ({ u32 _v; __asm__ volatile("mfspr %0, %1" : "=r"(_v) : "i"(n)); _v; })
#define mtspr(n, v) __asm__ volatile("mtspr %0, %1" : : "i"(n), "r"((u32)(v)) : "memory")
#define isync() __asm__ volatile("isync" : : : "memory")
#define msync() __asm__ volatile("msync" : : : "memory")

static inline u32 mfmsr(void)
{
	u32 v;
	__asm__ volatile("mfmsr %0" : "=r"(v));
	return v;
}

static inline void mtmsr(u32 v)
{
	__asm__ volatile("mtmsr %0; isync" : : "r"(v) : "memory");
}

static inline u32 mfcr(void)
{
	u32 v;
	__asm__ volatile("mfcr %0" : "=r"(v));
	return v;
}

static inline u32 mfxer(void)
{
	u32 v;
	__asm__ volatile("mfxer %0" : "=r"(v));
	return v;
}

static inline void mtxer(u32 v)
{
	__asm__ volatile("mtxer %0" : : "r"(v));
}

/* SPR numbers (e500 reference manual). */
enum {
	SPR_XER = 1, SPR_LR = 8, SPR_CTR = 9, SPR_DEC = 22, SPR_SRR0 = 26, SPR_SRR1 = 27,
	SPR_PID0 = 48, SPR_DECAR = 54, SPR_CSRR0 = 58, SPR_CSRR1 = 59, SPR_DEAR = 61,
	SPR_ESR = 62, SPR_IVPR = 63, SPR_SPRG0 = 272, SPR_SPRG1 = 273, SPR_SPRG2 = 274,
	SPR_SPRG3 = 275, SPR_TBL_R = 268, SPR_TBU_R = 269, SPR_PVR = 287,
	SPR_DBSR = 304, SPR_DBCR0 = 308, SPR_DBCR1 = 309, SPR_DBCR2 = 310,
	SPR_IAC1 = 312, SPR_IAC2 = 313, SPR_DAC1 = 316, SPR_DAC2 = 317,
	SPR_DSRR0 = 574, SPR_DSRR1 = 575, SPR_TSR = 336, SPR_TCR = 340,
	SPR_IVOR0 = 400, SPR_IVOR32 = 528,
	SPR_MAS0 = 624, SPR_MAS1 = 625, SPR_MAS2 = 626, SPR_MAS3 = 627, SPR_MAS4 = 628,
	SPR_MAS6 = 630, SPR_PID1 = 633, SPR_PID2 = 634,
	SPR_TLB0CFG = 688, SPR_TLB1CFG = 689, SPR_MAS7 = 944, SPR_HID0 = 1008,
	SPR_MMUCSR0 = 1012, SPR_MMUCFG = 1015,
};

/* MSR bits. */
enum {
	MSR_CE = 0x00020000, MSR_EE = 0x00008000, MSR_PR = 0x00004000, MSR_FP = 0x00002000,
	MSR_ME = 0x00001000, MSR_DE = 0x00000200, MSR_IS = 0x00000020, MSR_DS = 0x00000010,
};

/* ESR bits both QEMU and the e500 manual agree on. */
enum {
	ESR_PIL = 0x08000000, ESR_PPR = 0x04000000, ESR_PTR = 0x02000000,
	ESR_ST = 0x00800000,
};

/* TCR/TSR bits. */
enum {
	TCR_DIE = 0x04000000, TCR_ARE = 0x00400000, TCR_FIE = 0x00800000,
	TSR_DIS = 0x08000000, TSR_FIS = 0x04000000,
};

/* Interrupt vectors, numbered as their IVORs. */
enum {
	IVOR_CRITICAL = 0, IVOR_MCHECK = 1, IVOR_DSI = 2, IVOR_ISI = 3, IVOR_EXTERNAL = 4,
	IVOR_ALIGN = 5, IVOR_PROGRAM = 6, IVOR_FPU = 7, IVOR_SYSCALL = 8, IVOR_APU = 9,
	IVOR_DEC = 10, IVOR_FIT = 11, IVOR_WATCHDOG = 12, IVOR_DTLB = 13, IVOR_ITLB = 14,
	IVOR_DEBUG = 15, IVOR_SPE = 32, IVOR_EFP_DATA = 33, IVOR_EFP_ROUND = 34,
	IVOR_PERF = 35, RT_VECTORS = 36,
};

/* The registers saved by the common interrupt entry (start.S); a handler may
 * change any of them, srr0/srr1 included, and the return path reloads them.
 * srr0/srr1 hold the save/restore pair of the interrupt's class: SRR0/SRR1,
 * CSRR0/CSRR1 (critical input, watchdog, e500v2 debug) or DSRR0/DSRR1
 * (e500mc debug). */
struct frame {
	u32 backchain, lr_save;
	u32 gpr[32];
	u32 cr, lr, ctr, xer;
	u32 srr0, srr1;
	u32 vector;
};

typedef void (*handler_t)(struct frame *f);

/* Route interrupt `vector` (an IVOR number) to `h`; NULL restores the default,
 * which reports the interrupt and powers off. Any class but machine check. */
void rt_set_handler(int vector, handler_t h);

/* Power the board off through GPIO pin 0 (never returns). */
void poweroff(void) __attribute__((noreturn));

/* The processor version register, for headers. */
static inline u32 pvr(void)
{
	return mfspr(SPR_PVR);
}

/* Core flavour as the program sees it. */
static inline int is_e500mc(void)
{
	return (pvr() >> 16) == 0x8023;
}

#endif
