//! The block compiler against the interpreter, in lockstep: the same guest on
//! two machines, one interpreting (the reference) and one compiling every
//! block that runs twice, each run for the same slice of instructions at a
//! time; after every slice the run's event and the whole architected state
//! (`e500::ArchState`: registers, SPRs, TLBs, timers, debug registers,
//! reservation, instruction count) must be equal, and every few slices all of
//! RAM. The first difference names the slice, so the instruction range, where
//! the engines parted.
//!
//! Guests: every test program in `guests/` (built by the testkit), Debian's
//! U-Boot up to its prompt, and the Linux test kernels booted to power-off.

use std::path::Path;
use vmgdb_boards::ppce500::{
    BootExtras, BootFile, BootImage, Capture, Event, ImageKind, InputQueue, Ppce500, Ppce500Config,
    SerialLine, RTC_TEST_BASE,
};
use vmgdb_gdb_testkit::{guests, linux};
use vmgdb_hv::arch::Engine;

/// Instructions per slice.
const SLICE: u64 = 20_000;
/// Runs before the compiling machine compiles a block: low, so that nearly
/// everything runs compiled.
const HOT: u32 = 2;

fn machine(flavour: &str, payload: BootImage, extras: BootExtras, ram: u64) -> (Ppce500, Capture) {
    let capture = Capture::new();
    let console = SerialLine::new(capture.clone(), InputQueue::new());
    let config = Ppce500Config {
        flavor: flavour.parse().expect("a flavour"),
        ram_size: ram,
        payload,
        extras,
        rtc_base: RTC_TEST_BASE,
    };
    (
        Ppce500::new(config, console).expect("the machine builds"),
        capture,
    )
}

/// Run both machines slice by slice until the guest powers off, halts or its
/// console shows `until`; returns the console and whether it powered off.
/// RAM is compared every `ram_every` slices and at the end.
fn lockstep(
    what: &str,
    build: impl Fn() -> (Ppce500, Capture),
    until: Option<&str>,
    ram_every: u64,
) -> (String, bool) {
    let (mut interp, console) = build();
    let (mut jit, jit_console) = build();
    jit.vcpu_mut()
        .set_engine(Engine::Jit)
        .expect("the block compiler runs on this host");
    jit.vcpu_mut().set_jit_threshold(HOT);
    let mut slice = 0u64;
    let powered_off = loop {
        let a = interp.run_for(SLICE);
        let b = jit.run_for(SLICE);
        let at = interp.vcpu().core().icount();
        assert_eq!(
            a, b,
            "{what}: the engines' events differ in slice {slice} (at {at})"
        );
        let (sa, sb) = (
            interp.vcpu().core().cpu.arch_state(),
            jit.vcpu().core().cpu.arch_state(),
        );
        assert!(
            sa == sb,
            "{what}: architected state differs after slice {slice} (instruction {at}):\n\
             interpreter: {sa:?}\ncompiler:    {sb:?}"
        );
        slice += 1;
        let done = match a {
            Event::PoweredOff => Some(true),
            Event::ResetRequested(kind) => {
                interp.handle_reset(kind);
                jit.handle_reset(kind);
                None
            }
            Event::Halted => Some(false),
            _ => None,
        };
        let seen = until.is_some_and(|text| console.text().contains(text));
        if done.is_some() || slice.is_multiple_of(ram_every) || seen {
            fn ram(m: &Ppce500) -> &[u8] {
                let ram = m.vcpu().core().cpu.ram();
                ram.slice(0, ram.len() as usize).expect("all of RAM")
            }
            let (ra, rb) = (ram(&interp), ram(&jit));
            if ra != rb {
                let i = ra
                    .iter()
                    .zip(rb)
                    .position(|(x, y)| x != y)
                    .expect("unequal slices differ somewhere");
                panic!(
                    "{what}: RAM differs at {i:#x} after slice {slice} (instruction {at}): \
                     {:#04x} interpreted, {:#04x} compiled",
                    ra[i], rb[i]
                );
            }
        }
        if let Some(off) = done {
            break off;
        }
        if seen {
            break false;
        }
    };
    let (c, d) = (console.text(), jit_console.text());
    assert_eq!(c, d, "{what}: the consoles differ");
    let stats = jit.vcpu().core().jit_stats().expect("a compiler");
    assert!(
        stats.blocks > 0 && stats.failures == 0,
        "{what}: the compiler did not compile everything it tried: {stats:?}"
    );
    (c, powered_off)
}

fn program(name: &str, flavour: &str) {
    let elf = guests::elf(name, flavour);
    let ram = 64 << 20;
    let (console, off) = lockstep(
        &format!("{name} on {flavour}"),
        || {
            let payload = BootImage::from_file(&elf, ImageKind::Kernel, ram).expect("the ELF");
            machine(flavour, payload, BootExtras::default(), ram)
        },
        None,
        50,
    );
    assert!(
        off,
        "{name} on {flavour} did not power off; console:\n{console}"
    );
    assert!(!console.is_empty(), "{name} on {flavour} printed nothing");
}

macro_rules! programs {
    ($($name:ident: $program:literal on $flavour:literal,)*) => {
        $(
            #[test]
            fn $name() {
                program($program, $flavour);
            }
        )*
    };
}

programs! {
    bits_e500v2: "bits" on "e500v2",
    bits_e500mc: "bits" on "e500mc",
    sort_e500v2: "sort" on "e500v2",
    sort_e500mc: "sort" on "e500mc",
    strings_e500v2: "strings" on "e500v2",
    strings_e500mc: "strings" on "e500mc",
    recursion_e500v2: "recursion" on "e500v2",
    recursion_e500mc: "recursion" on "e500mc",
    arith_e500v2: "arith" on "e500v2",
    arith_e500mc: "arith" on "e500mc",
    interrupts_e500v2: "interrupts" on "e500v2",
    interrupts_e500mc: "interrupts" on "e500mc",
    tlb_e500v2: "tlb" on "e500v2",
    tlb_e500mc: "tlb" on "e500mc",
    debug_e500v2: "debug" on "e500v2",
    debug_e500mc: "debug" on "e500mc",
    selfdebug_e500v2: "selfdebug" on "e500v2",
    selfdebug_e500mc: "selfdebug" on "e500mc",
    float_e500mc: "float" on "e500mc",
}

const UBOOT: &str = "/usr/lib/u-boot/qemu-ppce500/uboot.elf";

fn uboot(flavour: &str) {
    assert!(
        Path::new(UBOOT).exists(),
        "{UBOOT} is missing: install it with `apt-get install u-boot-qemu` (scripts/test does)"
    );
    let ram = 128 << 20;
    let (console, _) = lockstep(
        &format!("U-Boot on {flavour}"),
        || {
            let payload =
                BootImage::from_file(Path::new(UBOOT), ImageKind::Bios, ram).expect("U-Boot");
            machine(flavour, payload, BootExtras::default(), ram)
        },
        // Its prompt, after the autoboot countdown (U-Boot then polls the console).
        Some("=> "),
        250,
    );
    assert!(
        console.contains("=> "),
        "U-Boot on {flavour} did not reach its prompt:\n{console}"
    );
}

#[test]
fn uboot_e500v2() {
    uboot("e500v2");
}

#[test]
fn uboot_e500mc() {
    uboot("e500mc");
}

fn linux_boot(flavour: &str) {
    let dir = linux::kernel(flavour);
    let ram = 256 << 20;
    let (console, off) = lockstep(
        &format!("Linux on {flavour}"),
        || {
            let payload = BootImage::from_file(&dir.join("vmlinux"), ImageKind::Kernel, ram)
                .expect("vmlinux");
            let initrd = BootFile::from_file(&dir.join("initrd.cpio.gz"), ram).expect("initrd");
            let extras = BootExtras {
                initrd: Some(initrd),
                cmdline: "console=ttyS0 initramfs_async=0".into(),
                ..Default::default()
            };
            machine(flavour, payload, extras, ram)
        },
        None,
        2500,
    );
    assert!(
        off,
        "Linux on {flavour} did not power off; console:\n{console}"
    );
}

#[test]
fn linux_e500v2() {
    linux_boot("e500v2");
}

#[test]
fn linux_e500mc() {
    linux_boot("e500mc");
}
