//! The floating-point status and control register: its bits, how writes recompute
//! the summary bits, how pending enabled exceptions are raised, and the FPSCR
//! instructions (`mffs`, `mtfsf`, `mtfsfi`, `mtfsb0`, `mtfsb1`, `mcrfs`).
//!
//! As in QEMU 7.2: FEX and VX are never written directly (they are recomputed from
//! the exception, enable and invalid-operation bits), FX is only written
//! explicitly (`mtfsf` does not set it when it sets an exception bit), `mtfsb1`
//! cannot set NI (the FPU has no non-IEEE mode), and `mffs` places the FPSCR in
//! the low word of the target with the high word zero.

use crate::cpu::{Cpu, Exc};
use crate::decode::FpscrOp;
use crate::interrupt::esr;
use crate::msr;

/// FPSCR bits (32-bit view; the architecture numbers them 32..63 from the left).
pub(crate) mod bits {
    /// Exception summary.
    pub const FX: u32 = 0x8000_0000;
    /// Enabled exception summary.
    pub const FEX: u32 = 0x4000_0000;
    /// Invalid operation summary.
    pub const VX: u32 = 0x2000_0000;
    pub const OX: u32 = 0x1000_0000;
    pub const UX: u32 = 0x0800_0000;
    pub const ZX: u32 = 0x0400_0000;
    pub const XX: u32 = 0x0200_0000;
    pub const VXSNAN: u32 = 0x0100_0000;
    pub const VXISI: u32 = 0x0080_0000;
    pub const VXIDI: u32 = 0x0040_0000;
    pub const VXZDZ: u32 = 0x0020_0000;
    pub const VXIMZ: u32 = 0x0010_0000;
    pub const VXVC: u32 = 0x0008_0000;
    /// Fraction rounded.
    pub const FR: u32 = 0x0004_0000;
    /// Fraction inexact.
    pub const FI: u32 = 0x0002_0000;
    /// Result flags: class descriptor and condition code.
    pub const FPRF: u32 = 0x0001_F000;
    pub const FPRF_SHIFT: u32 = 12;
    pub const C: u32 = 0x0001_0000;
    /// FL, FG, FE, FU.
    pub const FPCC: u32 = 0x0000_F000;
    pub const FU: u32 = 0x0000_1000;
    /// Bit 52: reserved, reads as zero after any FPSCR write.
    pub const RESERVED: u32 = 0x0000_0800;
    pub const VXSOFT: u32 = 0x0000_0400;
    pub const VXSQRT: u32 = 0x0000_0200;
    pub const VXCVI: u32 = 0x0000_0100;
    pub const VE: u32 = 0x0000_0080;
    pub const OE: u32 = 0x0000_0040;
    pub const UE: u32 = 0x0000_0020;
    pub const ZE: u32 = 0x0000_0010;
    pub const XE: u32 = 0x0000_0008;
    /// Non-IEEE mode.
    pub const NI: u32 = 0x0000_0004;
    pub const RN: u32 = 0x0000_0003;

    /// Every invalid-operation exception bit.
    pub const VX_ALL: u32 = VXSNAN | VXISI | VXIDI | VXZDZ | VXIMZ | VXVC | VXSOFT | VXSQRT | VXCVI;
    /// The exception bits `mcrfs` clears (FX included).
    pub const EXCEPTIONS: u32 = FX | OX | UX | ZX | XX | VX_ALL;
    /// Bit number (0 = most significant) of FEX, VX and NI for `mtfsb0/1`.
    pub const FEX_BIT: u8 = FEX.leading_zeros() as u8;
    pub const VX_BIT: u8 = VX.leading_zeros() as u8;
    pub const NI_BIT: u8 = NI.leading_zeros() as u8;
}

use bits::*;

impl Cpu {
    /// Whether MSR[FE0,FE1] select a precise mode: enabled FP exceptions then take
    /// a program interrupt.
    pub(super) fn fp_exceptions_enabled(&self) -> bool {
        self.msr & (msr::FE0 | msr::FE1) != 0
    }

    /// The program interrupt for an enabled floating-point exception.
    pub(super) fn fp_enabled_exception(&mut self) -> Exc {
        self.program(esr::FP)
    }

    /// Write the FPSCR as `mtfsf`-class instructions do: FEX, VX and the reserved
    /// bit are recomputed, not written.
    pub(super) fn store_fpscr(&mut self, value: u32) {
        let mut v = value & !(FEX | VX | RESERVED);
        if v & VX_ALL != 0 {
            v |= VX;
        }
        // OX/UX/ZX/XX/VX against OE/UE/ZE/XE/VE.
        if (v >> 25) & (v >> 3) & 0x1F != 0 {
            v |= FEX;
        }
        self.fpscr = v;
    }

    /// CR1 from FPSCR[FX, FEX, VX, OX] (the Rc=1 forms).
    pub(super) fn set_cr1_from_fpscr(&mut self) {
        self.set_cr_field(1, self.fpscr >> 28);
    }

    /// After an FPSCR write: if an exception is both set and enabled, set FEX and,
    /// in a precise mode, take the program interrupt (on this instruction, with the
    /// FPSCR already written).
    fn fpscr_check_status(&mut self) -> Result<(), Exc> {
        let f = self.fpscr;
        let pending = (f & OX != 0 && f & OE != 0)
            || (f & UX != 0 && f & UE != 0)
            || (f & XX != 0 && f & XE != 0)
            || (f & ZX != 0 && f & ZE != 0)
            || (f & VE != 0 && f & VX_ALL != 0);
        if !pending {
            return Ok(());
        }
        self.fpscr |= FEX;
        if self.fp_exceptions_enabled() {
            return Err(self.fp_enabled_exception());
        }
        Ok(())
    }

    pub(crate) fn fp_fpscr(&mut self, op: FpscrOp, rc: bool) -> Result<(), Exc> {
        self.fp_available()?;
        match op {
            FpscrOp::Mffs { frt } => {
                self.fpr[frt as usize] = self.fpscr as u64;
                if rc {
                    self.set_cr1_from_fpscr();
                }
            }
            FpscrOp::Mtfsf { flm, frb } => {
                let mut mask = 0u32;
                for i in 0..8 {
                    if flm & (0x80 >> i) != 0 {
                        mask |= 0xF000_0000 >> (4 * i);
                    }
                }
                let v = self.fpr[frb as usize] as u32;
                self.store_fpscr((v & mask) | (self.fpscr & !mask));
                if rc {
                    self.set_cr1_from_fpscr();
                }
                self.fpscr_check_status()?;
            }
            FpscrOp::Mtfsfi { bf, u } => {
                let shift = 28 - 4 * (bf as u32 & 7);
                let mask = 0xF << shift;
                self.store_fpscr(((u as u32 & 0xF) << shift) | (self.fpscr & !mask));
                if rc {
                    self.set_cr1_from_fpscr();
                }
                self.fpscr_check_status()?;
            }
            FpscrOp::Mtfsb0 { bt } => {
                let bit = 0x8000_0000u32 >> (bt & 31);
                if bt != FEX_BIT && bt != VX_BIT && self.fpscr & bit != 0 {
                    self.store_fpscr(self.fpscr & !bit);
                }
                if rc {
                    self.set_cr1_from_fpscr();
                }
            }
            FpscrOp::Mtfsb1 { bt } => {
                let bit = 0x8000_0000u32 >> (bt & 31);
                if bt != FEX_BIT && bt != VX_BIT && bt != NI_BIT && self.fpscr & bit == 0 {
                    self.store_fpscr(self.fpscr | bit);
                }
                if rc {
                    self.set_cr1_from_fpscr();
                }
                self.fpscr_check_status()?;
            }
            FpscrOp::Mcrfs { bf, bfa } => {
                let shift = 28 - 4 * (bfa as u32 & 7);
                self.set_cr_field(bf, (self.fpscr >> shift) & 0xF);
                self.store_fpscr(self.fpscr & !((0xF << shift) & EXCEPTIONS));
            }
        }
        Ok(())
    }
}
