//! The built-in demo guest that `vmgdb run` boots when given no image: a small
//! bare-metal program written with the project's own assembler ([`e500::asm`]),
//! so it needs no cross-compiler. It maps the CCSR block, prints a banner and the
//! CPU's PVR on the console UART, computes the first primes and their sum, and
//! powers the machine off through GPIO pin 0.
//!
//! It is an ordinary ELF (see [`elf`]) with a symbol for each routine, loaded like
//! a `-kernel`: write it out with `vmgdb demo-elf FILE`, give that file to GDB for
//! names (`break is_prime`, `finish`, `print $r3`), or run it on QEMU to compare.
//! Routines follow the PowerPC SysV ABI (arguments and results in r3, frames with
//! back chain and saved LR) so GDB's backtraces work.

use crate::ppce500::elf_writer::{write_executable, ElfSegment, ElfSymbol};
use crate::ppce500::image::Image;
use crate::ppce500::machine::{BootImage, ImageKind};
use e500::asm::*;
use e500::{Flavor, Spr};

/// Where the demo is linked and loaded.
pub const LOAD_ADDRESS: u32 = 0x10_0000;
/// How many primes it prints.
pub const PRIME_COUNT: i16 = 20;

/// Effective address the demo maps the CCSR block at (as U-Boot does).
const CCSR: u32 = 0xE000_0000;
const UART0: u32 = CCSR + 0x4500;
const UART_LSR: i16 = 5;
const UART_LSR_THRE: u16 = 0x20;
const GPIO: u32 = CCSR + 0xF_F000;
const GPIO_GPDIR: i16 = 0x00;
const GPIO_GPDAT: i16 = 0x08;

/// The routines, in the order they are laid out (each gets an ELF symbol).
pub const ROUTINES: [&str; 8] = [
    "_start",
    "map_ccsr",
    "uart_putc",
    "puts",
    "print_dec",
    "print_hex",
    "is_prime",
    "power_off",
];
/// The strings, laid out after the routines.
const STRINGS: [(&str, &str); 5] = [
    ("banner", "vmgdb demo guest on the ppce500 board\r\n"),
    ("cpu_label", "cpu: PVR "),
    ("primes_label", "first 20 primes:"),
    ("sum_label", "sum: "),
    ("goodbye", "powering off\r\n"),
];
const NEWLINE: (&str, &str) = ("newline", "\r\n");

// Registers by their ABI roles.
const R0: u32 = 0;
const SP: u32 = 1;
const ARG: u32 = 3;
/// Callee-saved registers `_start` keeps its loop state in.
const CANDIDATE: u32 = 30;
const FOUND: u32 = 29;
const SUM: u32 = 28;
/// Callee-saved register the printing routines use.
const SAVED: u32 = 31;

/// Open a stack frame of `size` bytes saving LR and r31.
fn prologue(a: &mut Assembler, size: i16) {
    a.emit(&[
        stwu(SP, -size, SP),
        mflr(R0),
        stw(R0, size + 4, SP),
        stw(SAVED, size - 4, SP),
    ]);
}

/// Close the frame [`prologue`] opened and return.
fn epilogue(a: &mut Assembler, size: i16) {
    a.emit(&[
        lwz(R0, size + 4, SP),
        lwz(SAVED, size - 4, SP),
        mtlr(R0),
        addi(SP, SP, size),
        blr(),
    ]);
}

/// `puts(label)`.
fn print(a: &mut Assembler, label: &'static str) {
    a.load_addr(ARG, label).b_to("puts", true);
}

fn start(a: &mut Assembler) {
    a.label("_start");
    // Terminate the back chain on the stack the loader gave us.
    a.emit(&[li(R0, 0), stwu(R0, -16, SP)]);
    a.b_to("map_ccsr", true);
    print(a, "banner");
    print(a, "cpu_label");
    a.emit(&[mfspr(ARG, Spr::Pvr.number() as u32)])
        .b_to("print_hex", true);
    print(a, "newline");
    print(a, "primes_label");
    a.emit(&[li(CANDIDATE, 2), li(FOUND, 0), li(SUM, 0)]);
    a.label("_start.candidate")
        .emit(&[mr(ARG, CANDIDATE)])
        .b_to("is_prime", true)
        .emit(&[cmpwi(0, ARG, 0)])
        .bc_to(Cond::Eq, "_start.next")
        .emit(&[li(ARG, b' ' as i16)])
        .b_to("uart_putc", true)
        .emit(&[mr(ARG, CANDIDATE)])
        .b_to("print_dec", true)
        .emit(&[addi(FOUND, FOUND, 1), add(SUM, SUM, CANDIDATE)]);
    a.label("_start.next")
        .emit(&[addi(CANDIDATE, CANDIDATE, 1), cmpwi(0, FOUND, PRIME_COUNT)])
        .bc_to(Cond::Lt, "_start.candidate");
    print(a, "newline");
    print(a, "sum_label");
    a.emit(&[mr(ARG, SUM)]).b_to("print_dec", true);
    print(a, "newline");
    print(a, "goodbye");
    a.b_to("power_off", false);
}

/// TLB1[1]: EA 0xE000_0000 → PA 0xF_E000_0000, 1 MiB, cache-inhibited and
/// guarded, supervisor read/write.
pub fn map_ccsr(a: &mut Assembler) {
    a.label("map_ccsr");
    let mas = [
        (Spr::Mas0, 0x1001_0000), // TLB1, entry 1
        (Spr::Mas1, 0xC000_0500), // valid, protected, 1 MiB
        (Spr::Mas2, CCSR | 0x0A), // EPN, I|G
        (Spr::Mas3, CCSR | 0x05), // RPN low bits, SW|SR
        (Spr::Mas7, 0xF),         // RPN bits 32..35
    ];
    for (spr, value) in mas {
        a.load_imm(ARG, value)
            .emit(&[mtspr(spr.number() as u32, ARG)]);
    }
    a.emit(&[isync(), tlbwe(), isync(), blr()]);
}

/// `uart_putc(c)`: wait for the transmitter, send one byte.
fn uart_putc(a: &mut Assembler) {
    a.label("uart_putc").load_imm(4, UART0);
    a.label("uart_putc.wait")
        .emit(&[lbz(5, UART_LSR, 4), andi_(5, 5, UART_LSR_THRE)])
        .bc_to(Cond::Eq, "uart_putc.wait")
        .emit(&[stb(ARG, 0, 4), blr()]);
}

/// `puts(s)`: send a NUL-terminated string.
fn puts(a: &mut Assembler) {
    a.label("puts");
    prologue(a, 16);
    a.emit(&[mr(SAVED, ARG)]);
    a.label("puts.next")
        .emit(&[lbz(ARG, 0, SAVED), cmpwi(0, ARG, 0)])
        .bc_to(Cond::Eq, "puts.done")
        .b_to("uart_putc", true)
        .emit(&[addi(SAVED, SAVED, 1)])
        .b_to("puts.next", false);
    a.label("puts.done");
    epilogue(a, 16);
}

/// `print_dec(n)`: print an unsigned number in decimal.
fn print_dec(a: &mut Assembler) {
    const FRAME: i16 = 32;
    const END: i16 = 23; // digits are built backwards into 8(r1)..23(r1)
    a.label("print_dec");
    prologue(a, FRAME);
    a.emit(&[addi(4, SP, END), li(5, 0), stb(5, 0, 4), li(6, 10)]);
    a.label("print_dec.digit").emit(&[
        divwu(5, ARG, 6),
        mullw(7, 5, 6),
        subf(7, 7, ARG),
        addi(7, 7, b'0' as i16),
        addi(4, 4, -1),
        stb(7, 0, 4),
        mr(ARG, 5),
        cmpwi(0, ARG, 0),
    ]);
    a.bc_to(Cond::Ne, "print_dec.digit")
        .emit(&[mr(ARG, 4)])
        .b_to("puts", true);
    epilogue(a, FRAME);
}

/// `print_hex(n)`: print "0x" and eight hex digits.
fn print_hex(a: &mut Assembler) {
    a.label("print_hex");
    prologue(a, 16);
    a.emit(&[mr(SAVED, ARG), li(ARG, b'0' as i16)])
        .b_to("uart_putc", true)
        .emit(&[li(ARG, b'x' as i16)])
        .b_to("uart_putc", true)
        .emit(&[li(ARG, 8), mtctr(ARG)]);
    a.label("print_hex.nibble")
        .emit(&[
            rlwinm(SAVED, SAVED, 4, 0, 31),
            andi_(ARG, SAVED, 0xF),
            cmpwi(0, ARG, 10),
        ])
        .bc_to(Cond::Lt, "print_hex.digit")
        .emit(&[addi(ARG, ARG, (b'a' - 10 - b'0') as i16)]);
    a.label("print_hex.digit")
        .emit(&[addi(ARG, ARG, b'0' as i16)])
        .b_to("uart_putc", true)
        .bc_to(Cond::Dnz, "print_hex.nibble");
    epilogue(a, 16);
}

/// `is_prime(n)`: 1 if n is prime, else 0 (trial division).
fn is_prime(a: &mut Assembler) {
    a.label("is_prime")
        .emit(&[cmplwi(0, ARG, 2)])
        .bc_to(Cond::Lt, "is_prime.no")
        .emit(&[li(4, 2)]);
    a.label("is_prime.try")
        .emit(&[mullw(5, 4, 4), cmplw(0, 5, ARG)])
        .bc_to(Cond::Gt, "is_prime.yes")
        .emit(&[divwu(6, ARG, 4), mullw(6, 6, 4), cmplw(0, 6, ARG)])
        .bc_to(Cond::Eq, "is_prime.no")
        .emit(&[addi(4, 4, 1)])
        .b_to("is_prime.try", false);
    a.label("is_prime.yes").emit(&[li(ARG, 1), blr()]);
    a.label("is_prime.no").emit(&[li(ARG, 0), blr()]);
}

/// `power_off()`: drive GPIO pin 0 high; the board turns off.
pub fn power_off(a: &mut Assembler) {
    a.label("power_off").load_imm(4, GPIO).emit(&[
        lis(5, 0x8000),
        stw(5, GPIO_GPDIR, 4),
        stw(5, GPIO_GPDAT, 4),
    ]);
    a.label("power_off.hang").b_to("power_off.hang", false);
}

/// The assembled program and its symbols.
struct Program {
    code: Vec<u8>,
    symbols: Vec<(&'static str, u32, u32, bool)>,
}

fn assemble() -> Program {
    let mut a = Assembler::new(LOAD_ADDRESS);
    start(&mut a);
    map_ccsr(&mut a);
    uart_putc(&mut a);
    puts(&mut a);
    print_dec(&mut a);
    print_hex(&mut a);
    is_prime(&mut a);
    power_off(&mut a);
    a.label("_etext");
    for (label, text) in STRINGS.iter().chain([&NEWLINE]) {
        a.label(label).asciz(text);
    }
    a.label("_end");
    let code = a
        .finish()
        .expect("the demo guest's labels are all defined (see the demo tests)");
    let address = |name: &str| a.address_of(name).unwrap_or(LOAD_ADDRESS);
    let mut symbols = Vec::new();
    let routines = ROUTINES.iter().copied().chain(["_etext"]);
    let ends = ROUTINES.iter().skip(1).copied().chain(["_etext"]);
    for (name, next) in routines.zip(ends) {
        symbols.push((name, address(name), address(next) - address(name), true));
    }
    let strings: Vec<&str> = STRINGS.iter().chain([&NEWLINE]).map(|(l, _)| *l).collect();
    for (i, name) in strings.iter().enumerate() {
        let next = strings.get(i + 1).copied().unwrap_or("_end");
        symbols.push((name, address(name), address(next) - address(name), false));
    }
    Program { code, symbols }
}

/// The demo guest as an ELF executable.
pub fn elf() -> Vec<u8> {
    let program = assemble();
    let symbols: Vec<ElfSymbol> = program
        .symbols
        .iter()
        .map(|&(name, value, size, function)| ElfSymbol {
            name,
            value,
            size,
            function,
        })
        .collect();
    let segment = ElfSegment::code_at(LOAD_ADDRESS, &program.code);
    write_executable(LOAD_ADDRESS, &[segment], &symbols)
        .expect("an in-memory ELF of one segment always writes")
}

/// The demo guest, ready to boot like a `-kernel`.
pub fn boot_image() -> BootImage {
    let image = Image::parse(&elf()).expect("the demo guest is a valid image (see the demo tests)");
    BootImage {
        path: "<built-in demo guest>".into(),
        kind: ImageKind::Kernel,
        image,
    }
}

/// Address of a routine or string of the demo, by symbol name.
pub fn symbol(name: &str) -> Option<u32> {
    assemble().symbols.iter().find(|s| s.0 == name).map(|s| s.1)
}

/// What the demo prints on a core of `flavor`.
pub fn expected_output(flavor: Flavor) -> String {
    let primes = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
    ];
    let list: String = primes.iter().map(|p| format!(" {p}")).collect();
    let sum: u32 = primes.iter().sum();
    format!(
        "vmgdb demo guest on the ppce500 board\r\ncpu: PVR {:#010x}\r\nfirst 20 primes:{list}\r\nsum: {sum}\r\npowering off\r\n",
        flavor.pvr()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ppce500::machine::{Event, Ppce500, Ppce500Config, RTC_TEST_BASE};
    use crate::ppce500::serial::{Capture, InputQueue, SerialLine};

    fn run_demo(flavor: Flavor) -> (Event, String, Ppce500) {
        let capture = Capture::new();
        let line = SerialLine::new(capture.clone(), InputQueue::new());
        let config = Ppce500Config {
            flavor,
            ram_size: 128 << 20,
            payload: boot_image(),
            extras: Default::default(),
            rtc_base: RTC_TEST_BASE,
        };
        let mut machine = Ppce500::new(config, line).unwrap();
        let event = machine.run_for(10_000_000);
        (event, capture.text(), machine)
    }

    #[test]
    fn demo_prints_primes_and_powers_off_on_both_flavours() {
        for flavor in [Flavor::E500v2, Flavor::E500mc] {
            let (event, output, machine) = run_demo(flavor);
            assert_eq!(event, Event::PoweredOff, "{flavor}: {output}");
            assert_eq!(output, expected_output(flavor));
            assert!(machine.is_powered_off());
        }
    }

    #[test]
    fn demo_is_an_elf_with_a_symbol_per_routine() {
        let image = Image::parse(&elf()).unwrap();
        assert_eq!(image.entry, LOAD_ADDRESS);
        assert_eq!(image.load_addr, LOAD_ADDRESS as u64);
        assert_eq!(image.segments.len(), 1);
        let mut previous = 0;
        for name in ROUTINES {
            let at = symbol(name).unwrap();
            assert!(at > previous || name == "_start", "{name} at {at:#x}");
            previous = at;
        }
        assert_eq!(symbol("_start"), Some(LOAD_ADDRESS));
        assert_eq!(symbol("nonexistent"), None);
    }
}
