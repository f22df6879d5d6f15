//! `vmgdb run --stats`: what the run did, printed on stderr at exit for scripts/bench.

use vmgdb_boards::ppce500::Ppce500;
use vmgdb_hv::Vcpu;

/// Print `instructions: N` (guest instructions retired since power-on) on stderr
/// when `enabled`, and with the block compiler `jit: B blocks compiled, F
/// failed, R resets`.
pub fn report(machine: &Ppce500, enabled: bool) {
    if enabled {
        crate::say!("instructions: {}", machine.vcpu().instructions());
        if let Some(s) = machine.vcpu().core().jit_stats() {
            crate::say!(
                "jit: {} blocks compiled, {} failed, {} resets",
                s.blocks,
                s.failures,
                s.resets
            );
        }
    }
}
