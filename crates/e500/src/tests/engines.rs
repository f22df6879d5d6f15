//! The block compiler against the interpreter on random code: two cores with
//! the same program and state, one interpreting, one compiling every block at
//! its first run, in lockstep slices; the architected state must agree after
//! every slice and RAM at the end. The code mixes fully random words with
//! random instances of the forms the compiler translates itself (integer,
//! logical, rotate, compare, load/store, branch), with registers drawn from a
//! few so that instructions depend on each other, and addresses that land in
//! the program's own page (self-modifying code), elsewhere in RAM, and
//! outside the mapping (storage interrupts).

use super::*;
use crate::engine::Engine;
use proptest::prelude::*;

/// One instruction: a random word, or a random instance of a common form.
fn instruction() -> impl Strategy<Value = u32> {
    let r = || 0u32..6;
    prop_oneof![
        1 => any::<u32>(),
        // D forms: addi addis mulli subfic addic addic. cmpwi cmplwi ori oris xori andi.
        4 => (prop::sample::select(vec![14u32, 15, 7, 8, 12, 13, 11, 10, 24, 25, 26, 28, 29]), r(), r(), any::<u16>())
            .prop_map(|(op, t, a, i)| d_form(op, if op == 11 || op == 10 { t & 7 } else { t }, a, i)),
        // Loads and stores (with update) through r0..r5, small displacements.
        4 => (prop::sample::select(vec![32u32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45]), r(), r(), -64i16..64)
            .prop_map(|(op, t, a, d)| d_form(op, t, a, d as u16)),
        // XO forms, with OE and Rc.
        4 => (prop::sample::select(vec![266u32, 10, 138, 234, 202, 40, 8, 136, 232, 200, 104, 235, 75, 11, 491, 459]), r(), r(), r(), any::<bool>(), any::<bool>())
            .prop_map(|(xo, t, a, b, oe, rc)| xo_form(t, a, b, oe, xo, rc)),
        // X forms: logical, shifts, compares, extend, cntlzw, indexed loads and stores, mfcr.
        4 => (prop::sample::select(vec![28u32, 60, 444, 412, 316, 124, 476, 284, 24, 536, 792, 824, 0, 32, 954, 922, 26, 23, 87, 151, 215, 279, 311, 343, 407, 55, 119, 183, 247, 19]), r(), r(), r(), any::<bool>())
            .prop_map(|(xo, s, a, b, rc)| x_form(31, s, a, b, xo, rc)),
        // Rotates.
        3 => (prop::sample::select(vec![20u32, 21, 23]), r(), r(), 0u32..32, 0u32..32, 0u32..32, any::<bool>())
            .prop_map(|(op, s, a, sh, mb, me, rc)| m_form(op, s, a, sh, mb, me, rc)),
        // Moves to and from LR and CTR.
        1 => (r(), prop::sample::select(vec![(339u32, 8u32), (467, 8), (339, 9), (467, 9)]))
            .prop_map(|(t, (xo, spr))| x_form(31, t, spr, 0, xo, false)),
        // Branches: short, forward and back, every BO/BI, with and without link.
        3 => (prop::sample::select(vec![4u32, 12, 16, 18, 20, 0, 2, 8, 10]), 0u32..8, -16i32..16, any::<bool>())
            .prop_map(|(bo, bi, d, lk)| bc(bo, bi, 4 * d) | lk as u32),
        1 => (-16i32..16).prop_map(|d| b(4 * d)),
        1 => Just(blr()),
        1 => Just(bctr()),
    ]
}

fn start(flavor: Flavor, words: &[u32], regs: &[u32], engine: Engine) -> Core {
    let mut core = core_with(flavor, words);
    for (r, &v) in regs.iter().enumerate() {
        // Registers point into the program's page, into RAM, or anywhere.
        core.cpu.gpr[r] = match v % 3 {
            0 => ORIGIN + (v >> 2) % 0x200,
            1 => 0x20_0000 + v % 0x1000,
            _ => v,
        };
    }
    // Vectors point back into the program.
    core.cpu.write_spr(crate::Spr::Ivpr, 0, 0);
    core.set_engine(engine)
        .expect("the block compiler runs on this host");
    core.set_jit_threshold(1);
    core
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn compiled_and_interpreted_code_agree(
        words in proptest::collection::vec(instruction(), 1..96),
        regs in proptest::collection::vec(any::<u32>(), 32),
        e500mc in any::<bool>(),
    ) {
        let flavor = if e500mc { Flavor::E500mc } else { Flavor::E500v2 };
        let mut interp = start(flavor, &words, &regs, Engine::Interp);
        let mut jit = start(flavor, &words, &regs, Engine::Jit);
        for slice in 0..40 {
            let a = interp.run(&mut NoDevices, 100);
            let b = jit.run(&mut NoDevices, 100);
            prop_assert_eq!(a, b, "stops differ in slice {}", slice);
            let (sa, sb) = (interp.cpu.arch_state(), jit.cpu.arch_state());
            prop_assert_eq!(sa, sb, "state differs after slice {}", slice);
            if a == Stop::Halted {
                break;
            }
        }
        let ram = |c: &Core| c.cpu.ram().slice(0, 4 << 20).expect("RAM").to_vec();
        prop_assert!(ram(&interp) == ram(&jit), "RAM differs");
        let stats = jit.jit_stats().expect("a compiler");
        prop_assert!(stats.blocks > 0 && stats.failures == 0, "{:?}", stats);
    }
}
