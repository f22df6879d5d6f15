/* The debug-scenario guest: small functions and variables for GDB to break on,
 * step through, watch and interrupt. Prints progress on the UART; returns from
 * main to power off. */

#define UART_THR ((volatile unsigned char *)0xE0004500)

volatile unsigned int counter;
volatile unsigned int readme = 7;
volatile unsigned int spin;
volatile unsigned int table[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
volatile unsigned char bytes[8];
volatile unsigned long long wide;
volatile unsigned int guest_debug_hits;

extern void debug_vector(void);
extern void syscall_vector(void);
extern void syscall_once(void);

void print(const char *s)
{
    while (*s)
        *UART_THR = *s++;
}

int add(int a, int b)
{
    int sum = a + b;
    return sum;
}

void bump(void)
{
    counter = counter + 1;
}

unsigned int peek(void)
{
    return readme;
}

void marker(void)
{
    print("marker\n");
}

/* IVPR and the two vectors the guest uses: system call and debug. */
void vectors(void)
{
    unsigned int v = (unsigned int)debug_vector;
    asm volatile("mtspr 63, %0" : : "r"(v & 0xffff0000));      /* IVPR */
    asm volatile("mtspr 415, %0" : : "r"(v & 0xfff0));         /* IVOR15 */
    v = (unsigned int)syscall_vector;
    asm volatile("mtspr 408, %0" : : "r"(v & 0xfff0));         /* IVOR8 */
}

/* The guest debugs itself: an IAC on marker(), taken as its own debug
 * interrupt (counted by debug_vector), never seen by GDB. */
void guest_debug(void)
{
    unsigned int msr;
    asm volatile("mtspr 312, %0" : : "r"((unsigned int)marker)); /* IAC1 */
    asm volatile("mtspr 308, %0" : : "r"(0x40800000));          /* DBCR0 = IDM | IAC1 */
    asm volatile("mfmsr %0" : "=r"(msr));
    asm volatile("mtmsr %0; isync" : : "r"(msr | 0x200));       /* MSR[DE] */
    marker();
    asm volatile("mtmsr %0; isync" : : "r"(msr));
    if (guest_debug_hits == 1)
        print("guest debug ok\n");
}

void done_spinning(void)
{
    bump();
    print("bye\n");
}

/* Idles for good (e500mc `wait`, no interrupt enabled). */
void idle(void)
{
    print("idle\n");
#ifdef E500MC
    asm volatile(".long 0x7c00007c");
#endif
}

/* Loops while a debugger keeps `spin` set: a tight loop to interrupt
 * (or, with spin == 2, an idle core). */
void spin_here(void)
{
    print("spin\n");
    if (spin == 2)
        idle();
    while (spin) {
    }
    done_spinning();
}

int main(void)
{
    int total = 0;
    int i;

    print("hello\n");
    vectors();
    for (i = 0; i < 3; i++) {
        total = add(total, i);
        bump();
    }
    total += peek();
    bytes[3] = 5;
    wide = 0x0102030405060708ULL;
    table[2] = 0x12345678;
    guest_debug();
    syscall_once();
    if (total == 10 && counter == 3)
        print("total ok\n");
    spin_here();
    return 0;
}
