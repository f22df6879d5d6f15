/* init.c: PID 1 of the test kernels' initramfs, written without a C library
 * (sys.h has the system calls). What it prints is the same on every run and on
 * QEMU, so the tests compare consoles line by line:
 *
 *   - the command line (/proc/cmdline) and the --initrd marker file, if any;
 *   - fork + execve of itself as a worker that computes a checksum;
 *   - a signal sent to itself, and interval-timer signals;
 *   - with "vmgdb.ptrace=N" on the command line: N rounds of a child traced with
 *     PPC_PTRACE_SETHWDEBUG (an instruction breakpoint, then a write watchpoint),
 *     the guest's own use of the debug registers (QEMU has none: there the child
 *     just runs to its end);
 *   - with "vmgdb.idle=N": N seconds asleep (the kernel idles in `wait`);
 * then it powers the machine off. */
#include "sys.h"

/* ---- output ---- */

static size_t len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static void put(const char *s) { syscall3(NR_write, 1, s, len(s)); }

static void put_hex(unsigned long v)
{
	char b[11] = "0x";
	for (int i = 0; i < 8; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
	b[10] = 0;
	put(b);
}

static void put_dec(long v)
{
	char b[12];
	int i = 11;
	int neg = v < 0;
	unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
	b[i] = 0;
	do {
		b[--i] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (neg)
		b[--i] = '-';
	put(&b[i]);
}

static void say(const char *s) { put("init: "); put(s); put("\n"); }

/* GCC may emit calls to these even in freestanding code. */
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static int starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

/* The value of "key=N" in the command line, or 0. */
static long option(const char *cmdline, const char *key)
{
	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && starts(p, key)) {
			long v = 0;
			for (p += len(key); *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (*p - '0');
			return v;
		}
	}
	return 0;
}

static void power_off(void)
{
	say("powering off");
	syscall4(NR_reboot, 0xfee1dead, 672274793, 0x4321fedc, 0);
	for (;;)
		;
}

/* ---- the worker: a computation with a known result ---- */

static unsigned crc32(const unsigned char *p, size_t n, unsigned crc)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
	}
	return ~crc;
}

static unsigned char work_buf[64 * 1024];

static int worker(void)
{
	/* A sieve of Eratosthenes, then a CRC over a generated buffer. */
	static unsigned char composite[100000];
	long primes = 0;
	for (long i = 2; i < 100000; i++) {
		if (composite[i])
			continue;
		primes++;
		if (i < 317) /* i * i < 100000, and no overflow */
			for (long j = i * i; j < 100000; j += i)
				composite[j] = 1;
	}
	unsigned x = 1;
	for (size_t i = 0; i < sizeof work_buf; i++) {
		x = x * 1103515245u + 12345u;
		work_buf[i] = x >> 16;
	}
	put("init: worker: ");
	put_dec(primes);
	put(" primes below 100000, crc32 ");
	put_hex(crc32(work_buf, sizeof work_buf, 0));
	put("\n");
	return 42;
}

/* ---- signals ---- */

struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask[2];
};

enum { SIGTRAP = 5, SIGUSR1 = 10, SIGALRM = 14, SIGCHLD = 17, SIGSTOP = 19 };

static volatile int usr1_seen, alarms;

static void on_usr1(int sig) { usr1_seen = sig; }
static void on_alarm(int sig) { (void)sig; alarms++; }

static void handle(int sig, void (*fn)(int))
{
	struct k_sigaction sa = { .handler = fn };
	syscall4(NR_rt_sigaction, sig, &sa, 0, 8);
}

struct timeval32 {
	long sec, usec;
};

static void signals(void)
{
	handle(SIGUSR1, on_usr1);
	syscall2(NR_kill, syscall0(NR_getpid), SIGUSR1);
	say(usr1_seen == SIGUSR1 ? "SIGUSR1 delivered to its handler" : "SIGUSR1 was lost");

	handle(SIGALRM, on_alarm);
	struct timeval32 it[2] = { { 0, 10000 }, { 0, 10000 } }; /* every 10 ms */
	syscall3(NR_setitimer, 0, it, 0);
	unsigned long none[2] = { 0, 0 };
	while (alarms < 3)
		syscall2(NR_rt_sigsuspend, none, 8);
	struct timeval32 off[2] = { { 0, 0 }, { 0, 0 } };
	syscall3(NR_setitimer, 0, off, 0);
	say("3 interval timer signals");
}

/* ---- processes ---- */

static long wait_for(long pid, int *status)
{
	return syscall4(NR_wait4, pid, status, 0, 0);
}

static void processes(void)
{
	long pid = syscall0(NR_fork);
	if (pid == 0) {
		char *argv[] = { "/init", "worker", 0 };
		char *envp[] = { 0 };
		syscall3(NR_execve, "/init", argv, envp);
		syscall1(NR_exit, 1);
	}
	int status = 0;
	wait_for(pid, &status);
	put("init: worker exited with status ");
	put_dec((status >> 8) & 0xff);
	put("\n");
}

/* ---- the guest's own hardware debugging: ptrace ---- */

enum {
	PTRACE_TRACEME = 0,
	PTRACE_PEEKUSR = 3,
	PTRACE_CONT = 7,
	PTRACE_KILL = 8,
	PTRACE_GETSIGINFO = 0x4202,
	PPC_PTRACE_DELHWDEBUG = 0x87,
	PPC_PTRACE_SETHWDEBUG = 0x88,
	PPC_PTRACE_GETHWDBGINFO = 0x89,
	PT_NIP = 32,
	TRIGGER_EXECUTE = 1,
	TRIGGER_WRITE = 4,
};

struct ppc_debug_info {
	unsigned version, num_instruction_bps, num_data_bps, num_condition_regs;
	unsigned data_bp_alignment, sizeof_condition;
	unsigned long long features;
};

struct ppc_hw_breakpoint {
	unsigned version, trigger_type, addr_mode, condition_mode;
	unsigned long long addr, addr2, condition_value;
};

struct siginfo32 {
	int signo, errno_, code;
	void *addr;
	int pad[28];
};

volatile int ptrace_watched;

__attribute__((noinline)) void ptrace_target(int v)
{
	__asm__ volatile("" ::: "memory");
	ptrace_watched = v;
}

static long trace(long req, long pid, long addr, void *data)
{
	return syscall4(NR_ptrace, req, pid, addr, data);
}

/* Resume the child; what stopped it next: the signal, or -1 if it exited. */
static int resume(long pid)
{
	int status;
	trace(PTRACE_CONT, pid, 0, 0);
	wait_for(pid, &status);
	if ((status & 0xff) == 0x7f)
		return (status >> 8) & 0xff;
	return -1;
}

static long set_hw(long pid, unsigned trigger, void *addr)
{
	struct ppc_hw_breakpoint bp = {
		.version = 1,
		.trigger_type = trigger,
		.addr = (unsigned long)addr,
	};
	return trace(PPC_PTRACE_SETHWDEBUG, pid, 0, &bp);
}

static void ptrace_round(int round)
{
	long pid = syscall0(NR_fork);
	if (pid == 0) {
		trace(PTRACE_TRACEME, 0, 0, 0);
		syscall2(NR_kill, syscall0(NR_getpid), SIGSTOP);
		ptrace_target(round + 1);
		syscall1(NR_exit, 0);
	}
	int status;
	wait_for(pid, &status);
	put("init: ptrace round ");
	put_dec(round);
	put(":");
	if (round == 0) {
		struct ppc_debug_info info = { 0 };
		trace(PPC_PTRACE_GETHWDBGINFO, pid, 0, &info);
		put(" ");
		put_dec(info.num_instruction_bps);
		put(" instruction and ");
		put_dec(info.num_data_bps);
		put(" data comparators;");
	}
	long bp = set_hw(pid, TRIGGER_EXECUTE, (void *)ptrace_target);
	int sig = resume(pid);
	long nip = 0; /* the raw call stores the word at its data pointer */
	trace(PTRACE_PEEKUSR, pid, PT_NIP * 4, &nip);
	if (bp > 0 && sig == SIGTRAP && nip == (long)ptrace_target) {
		put(" breakpoint at ptrace_target;");
	} else {
		put(" no breakpoint (");
		put_dec(sig);
		put(");");
	}
	if (sig >= 0) {
		trace(PPC_PTRACE_DELHWDEBUG, pid, bp, 0);
		long wp = set_hw(pid, TRIGGER_WRITE, (void *)&ptrace_watched);
		sig = resume(pid);
		struct siginfo32 si = { 0 };
		trace(PTRACE_GETSIGINFO, pid, 0, &si);
		if (wp > 0 && sig == SIGTRAP && si.addr == (void *)&ptrace_watched) {
			put(" watchpoint on ptrace_watched;");
			trace(PPC_PTRACE_DELHWDEBUG, pid, wp, 0);
			sig = resume(pid);
		} else {
			put(" no watchpoint;");
		}
	}
	put(sig < 0 ? " child exited\n" : " child still stopped\n");
	if (sig >= 0) {
		trace(PTRACE_KILL, pid, 0, 0);
		wait_for(pid, &status);
	}
}

/* ---- PID 1 ---- */

static char cmdline[1024];

static void read_file(const char *path, char *buf, size_t size)
{
	long fd = syscall2(NR_open, path, 0);
	long n = fd >= 0 ? syscall3(NR_read, fd, buf, size - 1) : 0;
	if (fd >= 0)
		syscall1(NR_close, fd);
	buf[n > 0 ? n : 0] = 0;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
}

static void init(void)
{
	say("hello from user space");
	syscall5(NR_mount, "proc", "/proc", "proc", 0, 0);
	read_file("/proc/cmdline", cmdline, sizeof cmdline);
	put("init: command line: ");
	put(cmdline);
	put("\n");
	static char marker[128];
	read_file("/initrd-marker", marker, sizeof marker);
	if (marker[0]) {
		put("init: ");
		put(marker);
		put("\n");
	}
	processes();
	signals();
	long rounds = option(cmdline, "vmgdb.ptrace=");
	for (long i = 0; i < rounds; i++)
		ptrace_round(i);
	long idle = option(cmdline, "vmgdb.idle=");
	if (idle) {
		struct { long sec, nsec; } t = { idle, 0 };
		say("idle");
		syscall2(NR_nanosleep, &t, 0);
	}
	power_off();
}

void start_c(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	if (argc > 1 && starts(argv[1], "worker"))
		syscall1(NR_exit, worker());
	init();
}

/* The process starts with r1 at argc; give C a 16-byte aligned frame. */
__asm__(".globl _start\n"
	"_start:\n"
	"	mr 3,1\n"
	"	clrrwi 1,1,4\n"
	"	stwu 1,-16(1)\n"
	"	li 0,0\n"
	"	stw 0,0(1)\n"
	"	bl start_c\n"
	"	b .\n");
