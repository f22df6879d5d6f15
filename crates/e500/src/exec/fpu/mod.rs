//! The classic floating-point unit of the e500mc (Book I FP): loads and stores,
//! arithmetic, conversions, compares and the FPSCR, bit-exact with QEMU 7.2's
//! model of the e500mc. The e500v2 has no FPU: these are illegal there.
//!
//! - [`softfloat`]: IEEE arithmetic on bit patterns (rounding modes, NaN rules,
//!   exception flags); no CPU state.
//! - [`fpscr`]: FPSCR bits and the FPSCR instructions.
//! - [`arith`]: arithmetic, conversion and compare instructions and how their
//!   exceptions reach the FPSCR, CR1 and the program interrupt.
//! - this file: unit availability and the loads and stores.

mod arith;
mod fpscr;
mod softfloat;

#[cfg(test)]
mod qemu_compare;
#[cfg(test)]
mod softfloat_tests;
#[cfg(test)]
mod tests;

use crate::cpu::{Cpu, Exc};
use crate::decode::{FpMem, Reg};
use crate::interrupt::{esr, Interrupt};
use crate::memory::Bus;
use crate::msr;

use softfloat::{double_to_single, single_to_double};

impl Cpu {
    /// The FP unit must exist (e500mc) and be enabled (MSR[FP]).
    fn fp_available(&mut self) -> Result<(), Exc> {
        if !self.flavor.has_fpu() {
            return Err(self.program(esr::PIL));
        }
        if self.msr & msr::FP == 0 {
            return Err(Exc::Interrupt(Interrupt::FpUnavailable));
        }
        Ok(())
    }

    /// `lfs`, `lfd` and their update and indexed forms.
    pub(crate) fn fp_load(
        &mut self,
        fmt: FpMem,
        frt: Reg,
        ra: Reg,
        ea: u32,
        update: bool,
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        self.fp_available()?;
        let v = match fmt {
            FpMem::Single => single_to_double(u32::from_be_bytes(self.load::<4>(ea, bus)?)),
            FpMem::Double => u64::from_be_bytes(self.load::<8>(ea, bus)?),
            FpMem::IntWord => return Err(self.program(esr::PIL)),
        };
        self.fpr[frt as usize] = v;
        if update {
            self.gpr[(ra & 31) as usize] = ea;
        }
        Ok(())
    }

    /// `stfs`, `stfd`, their update and indexed forms, and `stfiwx`.
    pub(crate) fn fp_store(
        &mut self,
        fmt: FpMem,
        frs: Reg,
        ra: Reg,
        ea: u32,
        update: bool,
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        self.fp_available()?;
        let v = self.fpr[frs as usize];
        match fmt {
            FpMem::Single => self.store::<4>(ea, double_to_single(v).to_be_bytes(), bus)?,
            FpMem::Double => self.store::<8>(ea, v.to_be_bytes(), bus)?,
            FpMem::IntWord => self.store::<4>(ea, (v as u32).to_be_bytes(), bus)?,
        }
        if update {
            self.gpr[(ra & 31) as usize] = ea;
        }
        Ok(())
    }
}
