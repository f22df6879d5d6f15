//! Execution tracing, like QEMU's `-d int,exec,mmu,unimp`: interrupts taken,
//! blocks and instructions executed, TLB writes and misses, unimplemented
//! instructions and SPRs. Off by default, and cheap when off: one flag test
//! where each kind of event happens. Events go to `tracing` at INFO level under
//! the targets `vmgdb_trace::int`, `::exec`, `::mmu` and `::unimp`; the binary
//! writes them to its trace file.

/// Which events to trace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// Interrupts taken: vector, save/restore registers, ESR and DEAR.
    pub int: bool,
    /// Each block (or single instruction) executed.
    pub exec: bool,
    /// TLB writes and invalidations, TLB misses.
    pub mmu: bool,
    /// Instructions and SPRs this core does not implement.
    pub unimp: bool,
}

/// The event kinds, as `--trace` lists them.
pub const KINDS: [(&str, &str); 4] = [
    (
        "int",
        "interrupts taken, with vector, SRR0/SRR1 (or their class's pair), ESR, DEAR",
    ),
    (
        "exec",
        "each block of instructions executed (or instruction, when stepping)",
    ),
    (
        "mmu",
        "TLB writes and invalidations, instruction and data TLB misses",
    ),
    ("unimp", "unimplemented instructions and SPRs"),
];

impl Trace {
    /// Parse a comma-separated list of [`KINDS`] names (`all` for every one).
    pub fn parse(list: &str) -> Result<Trace, String> {
        let mut t = Trace::default();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "int" => t.int = true,
                "exec" => t.exec = true,
                "mmu" => t.mmu = true,
                "unimp" => t.unimp = true,
                "all" => {
                    t = Trace {
                        int: true,
                        exec: true,
                        mmu: true,
                        unimp: true,
                    }
                }
                other => {
                    let names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "unknown trace event kind '{other}' (kinds: {}, all)",
                        names.join(", ")
                    ));
                }
            }
        }
        Ok(t)
    }

    /// Whether anything is traced.
    pub fn any(&self) -> bool {
        self.int || self.exec || self.mmu || self.unimp
    }
}

/// Emit one event of `kind` (a literal: int, exec, mmu, unimp).
macro_rules! event {
    (int, $($arg:tt)*) => { tracing::info!(target: "vmgdb_trace::int", $($arg)*) };
    (exec, $($arg:tt)*) => { tracing::info!(target: "vmgdb_trace::exec", $($arg)*) };
    (mmu, $($arg:tt)*) => { tracing::info!(target: "vmgdb_trace::mmu", $($arg)*) };
    (unimp, $($arg:tt)*) => { tracing::info!(target: "vmgdb_trace::unimp", $($arg)*) };
}
pub(crate) use event;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse() {
        let t = Trace::parse("int,unimp").unwrap();
        assert!(t.int && t.unimp && !t.exec && !t.mmu);
        assert!(Trace::parse("all").unwrap().exec);
        assert!(!Trace::parse("").unwrap().any());
        assert!(Trace::parse("int,bogus").unwrap_err().contains("bogus"));
    }
}
