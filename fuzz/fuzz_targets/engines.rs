//! Any instruction stream and register state on two bare cores, one
//! interpreting and one compiling every block at its first run: after every
//! slice of instructions their architected state is the same, and at the end
//! their RAM.

#![no_main]

use arbitrary::Arbitrary;
use e500::mmu::TlbEntry;
use e500::{Core, Engine, Flavor, NoDevices, Spr};
use libfuzzer_sys::fuzz_target;

/// RAM behind the guest; the mapping covers more, so accesses past it reach
/// the (empty) bus.
const RAM: usize = 1 << 20;
/// Slices of this many instructions, at most this many slices.
const SLICE: u64 = 200;
const SLICES: usize = 50;

#[derive(Arbitrary, Debug)]
struct Input {
    e500mc: bool,
    msr: u32,
    gprs: [u32; 8],
    code: Vec<u32>,
}

fn core(input: &Input, engine: Engine) -> Core {
    let flavor = if input.e500mc {
        Flavor::E500mc
    } else {
        Flavor::E500v2
    };
    let mut core = Core::new(flavor, RAM);
    let code: Vec<u8> = input.code.iter().flat_map(|w| w.to_be_bytes()).collect();
    let code = &code[..code.len().min(RAM)];
    core.cpu.write_phys(0, code).expect("code fits in RAM");
    // 64 MiB at 0, any access; vectors (IVPR 0) land in the code.
    core.cpu.mmu.set_tlb1(
        0,
        TlbEntry {
            mas1: 0x8000_0800,
            mas2: 0,
            mas3: 0x3F,
            mas7: 0,
        },
    );
    core.cpu.gpr[..8].copy_from_slice(&input.gprs);
    core.cpu.set_msr(input.msr);
    core.cpu.write_spr(Spr::Ivpr, 0, 0);
    core.set_engine(engine).expect("the block compiler runs here");
    core.set_jit_threshold(1);
    core
}

fuzz_target!(|input: Input| {
    let mut interp = core(&input, Engine::Interp);
    let mut jit = core(&input, Engine::Jit);
    for slice in 0..SLICES {
        let a = interp.run(&mut NoDevices, SLICE);
        let b = jit.run(&mut NoDevices, SLICE);
        assert_eq!(a, b, "stops differ in slice {slice}");
        assert_eq!(
            interp.cpu.arch_state(),
            jit.cpu.arch_state(),
            "state differs after slice {slice}"
        );
        if a == e500::Stop::Halted {
            break;
        }
    }
    assert!(
        interp.cpu.ram().slice(0, RAM) == jit.cpu.ram().slice(0, RAM),
        "RAM differs"
    );
});
