//! The MPC8544 global utilities block (QEMU's `mpc8544-guts`): PVR and SVR mirror
//! the core's, RSTCR requests a machine reset, everything else reads 0.
//! Registers are 32-bit; other access sizes read 0 and are ignored, as on QEMU.

/// Register offsets.
pub mod reg {
    /// POR PLL status (reads 0 on QEMU).
    pub const PORPLLSR: u64 = 0x00;
    /// Processor version.
    pub const PVR: u64 = 0xA0;
    /// System version.
    pub const SVR: u64 = 0xA4;
    /// Reset control.
    pub const RSTCR: u64 = 0xB0;
}

/// RSTCR bit that asks for a hard reset.
pub const RSTCR_HRESET_REQ: u32 = 0x2;

/// The global utilities block.
#[derive(Clone, Debug)]
pub struct Guts {
    pvr: u32,
    svr: u32,
}

impl Guts {
    /// GUTS of a core whose PVR and SVR are given.
    pub fn new(pvr: u32, svr: u32) -> Guts {
        Guts { pvr, svr }
    }

    /// Read a register.
    pub fn read(&self, offset: u64, size: u8) -> u32 {
        if size != 4 {
            return 0;
        }
        match offset {
            reg::PVR => self.pvr,
            reg::SVR => self.svr,
            _ => 0,
        }
    }

    /// Write a register; returns true if the write requests a machine reset.
    pub fn write(&self, offset: u64, size: u8, value: u32) -> bool {
        size == 4 && offset == reg::RSTCR && value & RSTCR_HRESET_REQ != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identification_registers() {
        let g = Guts::new(0x8021_0030, 0);
        assert_eq!(g.read(reg::PVR, 4), 0x8021_0030);
        assert_eq!(g.read(reg::SVR, 4), 0);
        assert_eq!(g.read(reg::PORPLLSR, 4), 0);
        assert_eq!(g.read(reg::PVR, 1), 0, "only 32-bit accesses are valid");
    }

    #[test]
    fn rstcr_hreset_requests_a_reset() {
        let g = Guts::new(0, 0);
        assert!(g.write(reg::RSTCR, 4, RSTCR_HRESET_REQ));
        assert!(!g.write(reg::RSTCR, 4, 0x1));
        assert!(!g.write(reg::RSTCR, 1, RSTCR_HRESET_REQ));
        assert!(!g.write(reg::PVR, 4, RSTCR_HRESET_REQ));
    }
}
