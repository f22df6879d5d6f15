//! The two e500 flavours vmgdb emulates and what differs between them.

/// Which e500 core is emulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// e500v2 (MPC8548 class): SPE/EFP APU, no classic FPU, critical-class debug interrupt.
    E500v2,
    /// e500mc (P4080 class): classic FPU, debug-level interrupt (DSRR0/1, `rfdi`), E.HV.
    E500mc,
}

impl Flavor {
    /// Processor version register value.
    pub const fn pvr(self) -> u32 {
        match self {
            Flavor::E500v2 => 0x8021_0030,
            Flavor::E500mc => 0x8023_0020,
        }
    }

    /// Number of TLB1 (variable-size) entries.
    pub const fn tlb1_entries(self) -> usize {
        match self {
            Flavor::E500v2 => 16,
            Flavor::E500mc => 64,
        }
    }

    /// TLB0CFG as QEMU reports it (512 entries, 4-way, 4 KiB pages).
    pub const fn tlb0cfg(self) -> u32 {
        0x0411_0200
    }

    /// TLB1CFG as QEMU reports it.
    pub const fn tlb1cfg(self) -> u32 {
        match self {
            Flavor::E500v2 => 0x101C_C010,
            Flavor::E500mc => 0x401C_C040,
        }
    }

    /// L1 cache line size in bytes (what `dcbz` zeroes).
    pub const fn cache_line(self) -> u32 {
        match self {
            Flavor::E500v2 => 32,
            Flavor::E500mc => 64,
        }
    }

    /// L1CFG0/L1CFG1 as QEMU reports them.
    pub const fn l1cfg(self) -> u32 {
        match self {
            Flavor::E500v2 => 0x0000_3820,
            Flavor::E500mc => 0x0100_3820,
        }
    }

    /// MSR bits software can set (QEMU's msr_mask for the flavour).
    pub const fn msr_mask(self) -> u32 {
        use crate::msr::*;
        match self {
            Flavor::E500v2 => {
                UCLE | SPE | WE | CE | EE | PR | FP | ME | FE0 | UBLE | DE | FE1 | IS | DS
            }
            Flavor::E500mc => {
                GS | UCLE | CE | EE | PR | FP | ME | FE0 | DE | FE1 | IS | DS | PMM | RI
            }
        }
    }

    /// Whether the classic (Book I) floating-point unit exists.
    pub const fn has_fpu(self) -> bool {
        matches!(self, Flavor::E500mc)
    }

    /// Whether the debug interrupt is of the debug level (DSRR0/1, `rfdi`)
    /// rather than the critical level (CSRR0/1, `rfci`).
    pub const fn debug_level_interrupt(self) -> bool {
        matches!(self, Flavor::E500mc)
    }

    /// Short name as used on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Flavor::E500v2 => "e500v2",
            Flavor::E500mc => "e500mc",
        }
    }
}

impl std::str::FromStr for Flavor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "e500v2" | "e500v2_v30" | "e500" => Ok(Flavor::E500v2),
            "e500mc" => Ok(Flavor::E500mc),
            other => Err(format!("unknown CPU '{other}' (expected e500v2 or e500mc)")),
        }
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
