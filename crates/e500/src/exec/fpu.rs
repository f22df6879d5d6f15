//! The classic floating-point unit of the e500mc (Book I FP: loads/stores,
//! arithmetic, compares, FPSCR). The e500v2 has none: these are illegal there.

use crate::cpu::{Cpu, Exc};
use crate::decode::{FpMem, FpOp, FpscrOp, Reg};
use crate::interrupt::{esr, Interrupt};
use crate::memory::Bus;
use crate::msr;

/// Convert a single-precision bit pattern to double without touching NaN payloads
/// (the host conversion would quiet signalling NaNs).
pub(crate) fn single_to_double(s: u32) -> u64 {
    let sign = ((s >> 31) as u64) << 63;
    let exp = (s >> 23) & 0xFF;
    let frac = (s & 0x7F_FFFF) as u64;
    match exp {
        0xFF => sign | 0x7FF0_0000_0000_0000 | frac << 29,
        0 if frac == 0 => sign,
        0 => {
            // Denormal: normalise.
            let shift = frac.leading_zeros() - 40;
            let frac = (frac << shift) & 0x7F_FFFF;
            let exp = 1023 - 126 - shift as u64;
            sign | exp << 52 | frac << 29
        }
        e => sign | ((e as u64 + 1023 - 127) << 52) | frac << 29,
    }
}

/// Convert a double bit pattern to single the way `stfs` does (no rounding: the
/// bits that fit are kept, small values are denormalised by shifting).
pub(crate) fn double_to_single(d: u64) -> u32 {
    let sign = ((d >> 63) as u32) << 31;
    let exp = ((d >> 52) & 0x7FF) as i64;
    let frac = d & 0xF_FFFF_FFFF_FFFF;
    if exp > 896 || exp == 0x7FF || (exp == 0 && frac == 0) {
        // Normal range, infinities, NaNs and zeros: take the bits.
        let hi = ((d >> 32) & 0xC000_0000) as u32;
        let lo = ((d >> 29) & 0x3FFF_FFFF) as u32;
        return hi | lo;
    }
    if exp >= 874 {
        // Denormalise.
        let mut m = (1u64 << 52) | frac;
        m >>= 896 - exp + 1;
        return sign | (m >> 29) as u32;
    }
    sign
}

impl Cpu {
    /// The FP unit must exist and be enabled.
    fn fp_available(&mut self) -> Result<(), Exc> {
        if !self.flavor.has_fpu() {
            return Err(self.program(esr::PIL));
        }
        if self.msr & msr::FP == 0 {
            return Err(Exc::Interrupt(Interrupt::FpUnavailable));
        }
        Ok(())
    }

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

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fp_arith(
        &mut self,
        op: FpOp,
        single: bool,
        frt: Reg,
        fra: Reg,
        frb: Reg,
        frc: Reg,
        _rc: bool,
    ) -> Result<(), Exc> {
        self.fp_available()?;
        let a = f64::from_bits(self.fpr[fra as usize]);
        let b = f64::from_bits(self.fpr[frb as usize]);
        let c = f64::from_bits(self.fpr[frc as usize]);
        let r = match op {
            FpOp::Add => a + b,
            FpOp::Sub => a - b,
            FpOp::Mul => a * c,
            FpOp::Div => a / b,
            FpOp::Sqrt => b.sqrt(),
            FpOp::Madd => a.mul_add(c, b),
            FpOp::Msub => a.mul_add(c, -b),
            FpOp::Nmadd => -a.mul_add(c, b),
            FpOp::Nmsub => -a.mul_add(c, -b),
            FpOp::Res => 1.0 / b,
            FpOp::Rsqrte => 1.0 / b.sqrt(),
            FpOp::Sel => {
                if a >= 0.0 {
                    c
                } else {
                    b
                }
            }
            FpOp::Rsp => b as f32 as f64,
            FpOp::Ctiw | FpOp::Ctiwz => {
                let i = b.trunc().clamp(i32::MIN as f64, i32::MAX as f64) as i32;
                self.fpr[frt as usize] = 0xFFF8_0000_0000_0000 | i as u32 as u64;
                return Ok(());
            }
            FpOp::Mr => b,
            FpOp::Neg => -b,
            FpOp::Abs => b.abs(),
            FpOp::Nabs => -b.abs(),
        };
        let r = if single { r as f32 as f64 } else { r };
        self.fpr[frt as usize] = r.to_bits();
        Ok(())
    }

    pub(crate) fn fp_compare(
        &mut self,
        _ordered: bool,
        bf: u8,
        fra: Reg,
        frb: Reg,
    ) -> Result<(), Exc> {
        self.fp_available()?;
        let a = f64::from_bits(self.fpr[fra as usize]);
        let b = f64::from_bits(self.fpr[frb as usize]);
        let f = if a.is_nan() || b.is_nan() {
            1
        } else if a < b {
            8
        } else if a > b {
            4
        } else {
            2
        };
        self.set_cr_field(bf, f);
        self.fpscr = (self.fpscr & !0xF000) | f << 12;
        Ok(())
    }

    pub(crate) fn fp_fpscr(&mut self, op: FpscrOp, _rc: bool) -> Result<(), Exc> {
        self.fp_available()?;
        match op {
            FpscrOp::Mffs { frt } => {
                self.fpr[frt as usize] = 0xFFF8_0000_0000_0000 | self.fpscr as u64
            }
            FpscrOp::Mtfsf { flm, frb } => {
                let v = self.fpr[frb as usize] as u32;
                for i in 0..8 {
                    if flm & (0x80 >> i) != 0 {
                        let m = 0xF000_0000u32 >> (4 * i);
                        self.fpscr = (self.fpscr & !m) | (v & m);
                    }
                }
            }
            FpscrOp::Mtfsfi { bf, u } => {
                let shift = 28 - 4 * bf as u32;
                self.fpscr = (self.fpscr & !(0xF << shift)) | (u as u32) << shift;
            }
            FpscrOp::Mtfsb0 { bt } => self.fpscr &= !(0x8000_0000 >> bt),
            FpscrOp::Mtfsb1 { bt } => self.fpscr |= 0x8000_0000 >> bt,
            FpscrOp::Mcrfs { bf, bfa } => {
                let shift = 28 - 4 * bfa as u32;
                let f = (self.fpscr >> shift) & 0xF;
                self.set_cr_field(bf, f);
                self.fpscr &= !(0xF << shift) | 0x6007_F8FF;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_double_round_trip() {
        for s in [
            0u32,
            0x8000_0000,
            0x3F80_0000,
            0x0000_0001,
            0x007F_FFFF,
            0x7F80_0001,
            0xFF80_0000,
            0x7FC0_0000,
        ] {
            assert_eq!(double_to_single(single_to_double(s)), s, "{s:#x}");
        }
        assert_eq!(single_to_double(0x3F80_0000), 1.0f64.to_bits());
        assert_eq!(
            single_to_double(0x0000_0001),
            (f32::from_bits(1) as f64).to_bits()
        );
    }
}
