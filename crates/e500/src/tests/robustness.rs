//! Any instruction stream, any address: the core raises what the hardware would
//! and never panics.

use super::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_code_never_panics(words in proptest::collection::vec(any::<u32>(), 64), msr in any::<u32>(), regs in proptest::collection::vec(any::<u32>(), 32)) {
        for flavor in [Flavor::E500v2, Flavor::E500mc] {
            let mut core = core_with(flavor, &words);
            core.cpu.gpr.copy_from_slice(&regs);
            core.cpu.set_msr(msr);
            // Vectors point back into the random code.
            core.cpu.write_spr(crate::Spr::Ivpr, 0, 0);
            let _ = core.run(&mut NoDevices, 20_000);
        }
    }

    #[test]
    fn decode_is_total(word in any::<u32>()) {
        let _ = crate::decode::decode(word);
    }
}
