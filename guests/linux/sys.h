/* sys.h: the few Linux system calls the test init uses, without a C library.
 *
 * PowerPC 32-bit convention: r0 = number, r3..r8 = arguments, `sc`; the result
 * is in r3, and CR0[SO] set means it is an error number. Every wrapper returns
 * -errno on failure, as the kernel's own functions do. */
#ifndef SYS_H
#define SYS_H

typedef unsigned long size_t;
typedef long ssize_t;

enum {
	NR_exit = 1, NR_fork = 2, NR_read = 3, NR_write = 4, NR_open = 5,
	NR_close = 6, NR_execve = 11, NR_getpid = 20, NR_mount = 21,
	NR_ptrace = 26, NR_kill = 37, NR_mkdir = 39, NR_reboot = 88,
	NR_setitimer = 104, NR_wait4 = 114, NR_nanosleep = 162,
	NR_rt_sigreturn = 172, NR_rt_sigaction = 173, NR_rt_sigprocmask = 174,
	NR_rt_sigsuspend = 178, NR_exit_group = 234,
};

static inline long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r0 __asm__("r0") = n;
	register long r3 __asm__("r3") = a;
	register long r4 __asm__("r4") = b;
	register long r5 __asm__("r5") = c;
	register long r6 __asm__("r6") = d;
	register long r7 __asm__("r7") = e;
	register long r8 __asm__("r8") = f;
	__asm__ volatile("sc\n\t"
			 "bns+ 1f\n\t"
			 "neg %1, %1\n"
			 "1:"
			 : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5), "+r"(r6), "+r"(r7), "+r"(r8)
			 :
			 : "r9", "r10", "r11", "r12", "cr0", "ctr", "memory");
	return r3;
}

#define syscall0(n) syscall6(n, 0, 0, 0, 0, 0, 0)
#define syscall1(n, a) syscall6(n, (long)(a), 0, 0, 0, 0, 0)
#define syscall2(n, a, b) syscall6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define syscall3(n, a, b, c) syscall6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define syscall4(n, a, b, c, d) syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define syscall5(n, a, b, c, d, e) \
	syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

#endif
