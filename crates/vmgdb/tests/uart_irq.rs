//! Interrupt-driven console input, on vmgdb and on QEMU 7.2 in the same run.
//!
//! The guest (assembled here, booted like `-kernel`) routes the UART's MPIC
//! source 42 to the core with priority 5 and vector 42, enables the UART's
//! receive interrupt and MSR[EE], and then only spins on a flag in memory: it
//! never polls the UART. Its external-interrupt handler takes the vector from
//! IACK, drains the receiver printing `<vector in hex>:<byte>` per byte, sets
//! the flag on `q`, writes EOI and returns. Typed input must come back the same
//! way on both emulators; a spurious vector would print as `ff`.
//!
//! Needs `qemu-system-ppc` (`scripts/test` installs it).

mod support;

use e500::asm::*;
use e500::Spr;
use std::path::Path;
use support::session::{emulator_command, Cpu, Emulator, Session};
use vmgdb_boards::ppce500::demo;
use vmgdb_boards::ppce500::elf_writer::{write_executable, ElfSegment};
use vmgdb_gdb_testkit::require;

const ORIGIN: u32 = 0x10_0000;
/// Where the guest maps the CCSR block (`demo::map_ccsr`).
const CCSR: u32 = 0xE000_0000;
const UART: u32 = CCSR + 0x4500;
const UART_IER: i16 = 1;
const UART_LSR: i16 = 5;
const MPIC: u32 = CCSR + 0x4_0000;
/// Source 42's IVPR (then IDR at +0x10).
const MPIC_IVPR42: u32 = MPIC + 0x1_0000 + 42 * 0x20;
const MPIC_CTPR: u32 = MPIC + 0x2_0080;
const MPIC_IACK: u32 = MPIC + 0x2_00A0;
const MPIC_EOI: u32 = MPIC + 0x2_00B0;
/// The handler's offset from IVPR (16-byte aligned).
const HANDLER: u32 = 0x10;

// Registers: the handler owns r20..r28, the main program r3..r7.
const VECTOR: u32 = 21;
const UART_BASE: u32 = 22;
const SCRATCH: u32 = 23;
const CHAR: u32 = 24;
const SAVED_BYTE: u32 = 26;
const SAVED_LR: u32 = 27;
const SAVED_CR: u32 = 28;

/// `mfcr rt` (the assembler has no helper for it).
fn mfcr(rt: u32) -> u32 {
    x_form(31, rt, 0, 0, 19, false)
}

/// Print the bytes of `text` with `putc`.
fn say(a: &mut Assembler, text: &str) {
    for b in text.bytes() {
        a.emit(&[li(CHAR, b as i16)]).b_to("putc", true);
    }
}

fn guest() -> Vec<u8> {
    let mut a = Assembler::new(ORIGIN);
    a.b_to("main", false);
    while a.here() < ORIGIN + HANDLER {
        a.emit(&[nop()]);
    }
    // External input interrupt (IVOR4).
    a.label("external")
        .emit(&[mfcr(SAVED_CR), mflr(SAVED_LR)])
        .load_imm(20, MPIC_IACK)
        .emit(&[lwz(VECTOR, 0, 20)])
        .load_imm(UART_BASE, UART);
    a.label("external.next")
        .emit(&[
            lbz(SCRATCH, UART_LSR, UART_BASE),
            andi_(SCRATCH, SCRATCH, 1),
        ])
        .bc_to(Cond::Eq, "external.done")
        .emit(&[lbz(SAVED_BYTE, 0, UART_BASE), srwi(CHAR, VECTOR, 4)])
        .b_to("hex_digit", true)
        .emit(&[andi_(CHAR, VECTOR, 0xF)])
        .b_to("hex_digit", true);
    say(&mut a, ":");
    a.emit(&[mr(CHAR, SAVED_BYTE)]).b_to("putc", true);
    say(&mut a, "\r\n");
    a.emit(&[cmpwi(0, SAVED_BYTE, b'q' as i16)])
        .bc_to(Cond::Ne, "external.next")
        .load_addr(20, "flag")
        .emit(&[li(SCRATCH, 1), stw(SCRATCH, 0, 20)])
        .b_to("external.next", false);
    a.label("external.done")
        .load_imm(20, MPIC_EOI)
        .emit(&[li(SCRATCH, 0), stw(SCRATCH, 0, 20)])
        .emit(&[mtlr(SAVED_LR), mtcrf(0xFF, SAVED_CR), rfi()]);

    // putc(CHAR): wait for the transmitter, send.
    a.label("putc").load_imm(UART_BASE, UART);
    a.label("putc.wait")
        .emit(&[lbz(25, UART_LSR, UART_BASE), andi_(25, 25, 0x20)])
        .bc_to(Cond::Eq, "putc.wait")
        .emit(&[stb(CHAR, 0, UART_BASE), blr()]);
    // hex_digit(CHAR = 0..15): print it.
    a.label("hex_digit")
        .emit(&[andi_(CHAR, CHAR, 0xF), cmpwi(0, CHAR, 10)])
        .bc_to(Cond::Lt, "hex_digit.decimal")
        .emit(&[addi(CHAR, CHAR, (b'a' - 10 - b'0') as i16)]);
    a.label("hex_digit.decimal")
        .emit(&[addi(CHAR, CHAR, b'0' as i16)])
        .b_to("putc", false);

    demo::map_ccsr(&mut a);
    demo::power_off(&mut a);

    a.label("main").b_to("map_ccsr", true);
    // Vectors: IVPR at the image, IVOR4 to the handler.
    a.load_imm(3, ORIGIN)
        .emit(&[mtspr(Spr::Ivpr.number() as u32, 3)])
        .load_imm(3, HANDLER)
        .emit(&[mtspr(Spr::Ivor4.number() as u32, 3)]);
    // MPIC: source 42 unmasked, priority 5, vector 42, to CPU 0; CTPR 0.
    a.load_imm(4, MPIC_IVPR42)
        .load_imm(3, 5 << 16 | 42)
        .emit(&[stw(3, 0, 4), li(3, 1), stw(3, 0x10, 4)])
        .load_imm(4, MPIC_CTPR)
        .emit(&[li(3, 0), stw(3, 0, 4)]);
    // UART: receive-data interrupt on.
    a.load_imm(4, UART).emit(&[li(3, 1), stb(3, UART_IER, 4)]);
    say(&mut a, "ready\r\n");
    a.emit(&[mfmsr(3), ori(3, 3, 0x8000), mtmsr(3)]);
    a.label("spin")
        .load_addr(4, "flag")
        .emit(&[lwz(5, 0, 4), cmpwi(0, 5, 0)])
        .bc_to(Cond::Eq, "spin")
        .emit(&[wrteei(false)]);
    say(&mut a, "bye\r\n");
    a.b_to("power_off", false);
    a.label("flag").emit(&[0]);
    let code = a.finish().expect("all labels defined");
    write_executable(ORIGIN, &[ElfSegment::code_at(ORIGIN, &code)], &[]).expect("an ELF in memory")
}

/// Type while the guest waits with interrupts on; what it printed, and its status.
fn echo(emulator: Emulator, cpu: Cpu, elf: &Path) -> (String, Option<i32>) {
    let mut s = Session::start(
        &format!("{emulator:?} {cpu:?}"),
        emulator_command(emulator, cpu, elf, false),
    );
    let mut out = s.until("ready\r\n");
    s.send("hi");
    out += &s.until("2a:i\r\n");
    s.send("!q");
    out += &s.until("bye\r\n");
    let (status, rest) = s.finish();
    (out + &rest, status.code())
}

#[test]
fn uart_receive_interrupts_reach_the_guest_as_on_qemu() {
    require("qemu-system-ppc", "qemu-system-ppc");
    let dir = std::env::temp_dir().join(format!("vmgdb-uart-irq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let elf = dir.join("uart-irq.elf");
    std::fs::write(&elf, guest()).unwrap();
    for cpu in [Cpu::E500v2, Cpu::E500mc] {
        let expected = "ready\r\n2a:h\r\n2a:i\r\n2a:!\r\n2a:q\r\nbye\r\n";
        let (ours, status) = echo(Emulator::Vmgdb, cpu, &elf);
        assert_eq!(ours, expected, "{cpu:?} on vmgdb");
        assert_eq!(status, Some(0));
        let (qemus, status) = echo(Emulator::Qemu, cpu, &elf);
        assert_eq!(qemus, expected, "{cpu:?} on QEMU");
        assert_eq!(status, Some(0));
    }
    std::fs::remove_dir_all(dir).unwrap();
}
