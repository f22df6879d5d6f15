//! Whole-core tests: small programs assembled with [`crate::asm`] and run on a [`Core`].

use crate::asm::*;
use crate::mmu::TlbEntry;
use crate::{Core, Flavor, NoDevices, Stop};

pub(crate) const ORIGIN: u32 = 0x1000;

/// A core with QEMU's boot mapping (64 MiB at 0, all permissions), `words` at
/// [`ORIGIN`], PC there.
pub(crate) fn core_with(flavor: Flavor, words: &[u32]) -> Core {
    let mut core = Core::new(flavor, 64 << 20);
    core.cpu.mmu.set_tlb1(
        0,
        TlbEntry {
            mas1: 0x8000_0800,
            mas2: 0,
            mas3: 0x3F,
            mas7: 0,
        },
    );
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
    core.cpu.write_phys(ORIGIN as u64, &bytes).unwrap();
    core.cpu.pc = ORIGIN;
    core
}

/// Run `words` followed by a `wait`-free stop: a branch-to-self detected by budget.
pub(crate) fn run(flavor: Flavor, words: &[u32], limit: u64) -> Core {
    let mut core = core_with(flavor, words);
    let stop = core.run(&mut NoDevices, limit);
    assert_eq!(stop, Stop::Limit);
    core
}

#[test]
fn tight_loop_counts() {
    let prog = [
        li(3, 0),
        lis(4, 0x10),
        mtctr(4),
        addi(3, 3, 1),
        bc(16, 0, -4),
        b(0),
    ];
    let core = run(Flavor::E500v2, &prog, 3_000_000);
    assert_eq!(core.cpu.gpr[3], 0x10_0000);
    assert_eq!(core.cpu.pc, ORIGIN + 20);
}

#[test]
fn budget_stops_a_guest_that_keeps_faulting() {
    // An illegal instruction with IVPR = IVOR6 = 0: the program interrupt lands on
    // address 0, whose zero word is illegal too. Nothing retires, yet the budget
    // must still end the run.
    let mut core = core_with(Flavor::E500v2, &[0]);
    assert_eq!(core.run(&mut NoDevices, 1000), Stop::Limit);
    assert_eq!(core.cpu.pc, 0);
    assert_eq!(core.icount(), 0);
}
