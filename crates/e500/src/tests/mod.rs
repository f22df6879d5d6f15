//! Whole-core tests: small programs assembled with [`crate::asm`] and run on a
//! [`Core`], one file per instruction class or facility.

mod branch;
mod debug_facility;
mod engines;
mod integer;
mod loadstore;
mod mmu;
mod robustness;
mod system;

use crate::asm::*;
use crate::debug::HostDebug;
use crate::mmu::TlbEntry;
use crate::{Core, Flavor, HostEvent, NoDevices, Stop, SW_BREAKPOINT};

/// Where test programs are placed.
pub(crate) const ORIGIN: u32 = 0x1000;
/// Where test data lives.
pub(crate) const DATA: u32 = 0x8000;
/// Where interrupt handlers live (IVPR).
pub(crate) const VECTORS: u32 = 0x10_0000;

/// QEMU's boot mapping: 64 MiB at 0, all permissions.
pub(crate) fn boot_map() -> TlbEntry {
    TlbEntry {
        mas1: 0x8000_0800,
        mas2: 0,
        mas3: 0x3F,
        mas7: 0,
    }
}

/// Write big-endian words at physical `pa`. A [`SW_BREAKPOINT`] word is planted
/// as the debugger would plant it, for fetches through the same effective
/// address (the test mappings are one to one), so running into it stops there.
pub(crate) fn poke(core: &mut Core, pa: u32, words: &[u32]) {
    for i in 0..words.len() as u32 {
        let a = pa + 4 * i;
        let _ = core.cpu.remove_breakpoint(a, a as u64);
    }
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
    core.cpu.write_phys(pa as u64, &bytes).unwrap();
    for (i, &w) in words.iter().enumerate() {
        if w == SW_BREAKPOINT {
            let a = pa + 4 * i as u32;
            core.cpu
                .plant_breakpoint(a, a as u64, SW_BREAKPOINT)
                .unwrap();
        }
    }
}

/// Read a big-endian word at physical `pa`.
pub(crate) fn peek(core: &Core, pa: u32) -> u32 {
    let mut b = [0u8; 4];
    core.cpu.read_phys(pa as u64, &mut b).unwrap();
    u32::from_be_bytes(b)
}

/// A core with the boot mapping, `words` at [`ORIGIN`], PC there.
pub(crate) fn core_with(flavor: Flavor, words: &[u32]) -> Core {
    let mut core = Core::new(flavor, 64 << 20);
    core.cpu.mmu.set_tlb1(0, boot_map());
    poke(&mut core, ORIGIN, words);
    core.cpu.pc = ORIGIN;
    core
}

/// Install vectors: every IVOR points at its own `SW_BREAKPOINT` stub at
/// VECTORS + 0x100 * n, so taking interrupt n stops there.
pub(crate) fn trap_vectors(core: &mut Core) {
    core.cpu.write_spr(crate::Spr::Ivpr, VECTORS, 0);
    for n in 0..16u32 {
        let spr = crate::Spr::from_number(400 + n as u16, core.cpu.flavor()).unwrap();
        core.cpu.write_spr(spr, 0x100 * n, 0);
        poke(core, VECTORS + 0x100 * n, &[SW_BREAKPOINT]);
    }
}

/// Run until the program reaches a `SW_BREAKPOINT` word; returns its address.
pub(crate) fn run_to_break(core: &mut Core) -> u32 {
    let host = core.cpu.debug.host.clone().unwrap_or_default();
    core.set_host_debug(Some(HostDebug {
        sw_breakpoints: true,
        ..host
    }));
    match core.run(&mut NoDevices, 10_000_000) {
        Stop::Host(HostEvent::SoftwareBreakpoint { addr }) => addr,
        other => panic!(
            "program did not reach a breakpoint: {other:?} at pc {:#x}",
            core.cpu.pc
        ),
    }
}

/// Run `words` (followed by a breakpoint) on `flavor`; returns the stopped core.
pub(crate) fn exec(flavor: Flavor, words: &[u32]) -> Core {
    let mut prog = words.to_vec();
    prog.push(SW_BREAKPOINT);
    let mut core = core_with(flavor, &prog);
    trap_vectors(&mut core);
    let at = run_to_break(&mut core);
    assert_eq!(
        at,
        ORIGIN + 4 * words.len() as u32,
        "program stopped early (interrupt vector?)"
    );
    core
}

/// Run `words` on both flavours and check `check` on each.
pub(crate) fn on_both(words: &[u32], check: impl Fn(&Core)) {
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        check(&exec(flavor, words));
    }
}

#[test]
fn tight_loop_counts() {
    let prog = [
        li(3, 0),
        lis(4, 0x10),
        mtctr(4),
        addi(3, 3, 1),
        bc(16, 0, -4),
    ];
    on_both(&prog, |core| {
        assert_eq!(core.cpu.gpr[3], 0x10_0000);
        assert_eq!(core.icount(), 3 + 2 * 0x10_0000);
    });
}
