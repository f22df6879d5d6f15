/* Entry, CCSR mapping, power-off and a debug-interrupt handler for the
 * debug-scenario guests. Assembled for e500v2 (debug interrupt is critical
 * class: CSRR0/1, rfci) or, with -DE500MC, for e500mc (DSRR0/1, rfdi). */

#define MAS0 624
#define MAS1 625
#define MAS2 626
#define MAS3 627
#define MAS7 944
#define DBCR0 308
#define DBSR 304

    .section .text.start, "ax"
    .globl _start
_start:
    lis     %r1, stack_top@h
    ori     %r1, %r1, stack_top@l
    li      %r0, 0
    stwu    %r0, -16(%r1)

    /* TLB1[1]: EA 0xE000_0000 -> PA 0xF_E000_0000 (CCSR), 1 MiB, I|G, SR|SW */
    lis     %r3, 0x1001
    mtspr   MAS0, %r3
    lis     %r3, 0xC000
    ori     %r3, %r3, 0x0500
    mtspr   MAS1, %r3
    lis     %r3, 0xE000
    ori     %r3, %r3, 0x000A
    mtspr   MAS2, %r3
    lis     %r3, 0xE000
    ori     %r3, %r3, 0x0005
    mtspr   MAS3, %r3
    li      %r3, 0xF
    mtspr   MAS7, %r3
    isync
    tlbwe
    isync

    bl      main

    .globl power_off
power_off:
    /* GPIO pin 0 (gpio-poweroff): direction out, then drive it high. */
    lis     %r3, 0xE00F
    ori     %r3, %r3, 0xF000
    lis     %r4, 0x8000
    stw     %r4, 0(%r3)
    stw     %r4, 8(%r3)
1:  b       1b

/* Debug interrupt: count it, turn the guest's comparators off, clear DBSR. */
    .balign 16
    .globl debug_vector
debug_vector:
    mtspr   272, %r3            /* SPRG0 */
    mtspr   273, %r4            /* SPRG1 */
    lis     %r3, guest_debug_hits@ha
    lwz     %r4, guest_debug_hits@l(%r3)
    addi    %r4, %r4, 1
    stw     %r4, guest_debug_hits@l(%r3)
    lis     %r3, 0x4000         /* IDM only */
    mtspr   DBCR0, %r3
    li      %r3, -1
    mtspr   DBSR, %r3
    mfspr   %r4, 273
    mfspr   %r3, 272
#ifdef E500MC
    rfdi
#else
    rfci
#endif

/* System call: straight back to the caller. */
    .balign 16
    .globl syscall_vector
syscall_vector:
    rfi

/* One `sc`, for stepping into an interrupt. */
    .globl syscall_once
syscall_once:
    sc
    .globl after_sc
after_sc:
    blr

    .section .bss
    .balign 16
    .space  65536
stack_top:
    .section .note.GNU-stack,"",@progbits
