//! Floating-point arithmetic, rounding, conversion, select, move and compare
//! instructions: the soft-float result and how its exceptions update the FPSCR,
//! the target register, CR1 and (for enabled exceptions) the program interrupt.
//!
//! The FPSCR is updated in the order QEMU 7.2 updates it, because an enabled
//! exception in a precise mode (MSR[FE0,FE1] != 0) stops the update where it is
//! raised:
//! 1. invalid operation (VX* bits; FR/FI cleared and FPCC set to "?" for the
//!    arithmetic kinds when VE = 0), then zero divide (ZX, FR/FI cleared); an
//!    enabled one interrupts at once, with the target, FPRF and CR1 unchanged;
//! 2. the target and FPRF are written; as the architecture requires, not when the
//!    operation was an invalid operation with VE = 1 or a zero divide with ZE = 1
//!    (QEMU writes them when MSR[FE0,FE1] = 0; the architecture does not);
//! 3. overflow or underflow, then inexact (OX/UX/XX, FX, FEX if enabled), and FI;
//!    an enabled one interrupts here, after the target is written;
//! 4. CR1 for Rc = 1.
//!
//! FR is never set: QEMU 7.2 does not compute it (it only clears it above).
//! `fmr`, `fneg`, `fabs`, `fnabs` and `fsel` change no status at all.

use super::fpscr::bits::*;
use super::softfloat::{self as sf, Env, Flags, MulAddNeg, Prec, Round, ToInt};
use crate::cpu::{Cpu, Exc};
use crate::decode::{FpOp, Reg};
use crate::interrupt::esr;

const SIGN: u64 = 1 << 63;

/// The arithmetic invalid-operation kinds, with their FPSCR bits.
const ARITH_INVALID: [(Flags, u32); 5] = [
    (Flags::VXIMZ, VXIMZ),
    (Flags::VXISI, VXISI),
    (Flags::VXIDI, VXIDI),
    (Flags::VXZDZ, VXZDZ),
    (Flags::VXSQRT, VXSQRT),
];

impl Cpu {
    /// The soft-float environment FPSCR selects.
    fn fp_env(&self) -> Env {
        let mut env = Env::new(Round::from_rn(self.fpscr & RN));
        env.rebias_overflow = self.fpscr & OE != 0;
        env.rebias_underflow = self.fpscr & UE != 0;
        env
    }

    /// Invalid-operation summary: VX and FX; with VE, FEX and (in a precise mode)
    /// the interrupt.
    fn fp_invalid_summary(&mut self) -> Result<(), Exc> {
        self.fpscr |= VX | FX;
        if self.fpscr & VE != 0 {
            self.fpscr |= FEX;
            if self.fp_exceptions_enabled() {
                return Err(self.fp_enabled_exception());
            }
        }
        Ok(())
    }

    /// An invalid operation of an arithmetic or conversion kind (`bit` is its
    /// VX* bit).
    fn fp_invalid_arith(&mut self, bit: u32) -> Result<(), Exc> {
        self.fpscr |= bit;
        self.fpscr &= !(FR | FI);
        if self.fpscr & VE == 0 {
            self.fpscr = (self.fpscr & !FPCC) | C | FU;
        }
        self.fp_invalid_summary()
    }

    /// An invalid operation on a signalling NaN.
    fn fp_invalid_snan(&mut self) -> Result<(), Exc> {
        self.fpscr |= VXSNAN;
        self.fp_invalid_summary()
    }

    /// Step 1 for an arithmetic result: its invalid operation, if any.
    fn fp_invalid_from(&mut self, flags: Flags) -> Result<(), Exc> {
        if !flags.any(Flags::INVALID) {
            return Ok(());
        }
        match ARITH_INVALID.iter().find(|(f, _)| flags.any(*f)) {
            Some(&(_, bit)) => self.fp_invalid_arith(bit),
            None => self.fp_invalid_snan(),
        }
    }

    /// Step 1, zero divide.
    fn fp_zero_divide(&mut self) -> Result<(), Exc> {
        self.fpscr |= ZX | FX;
        self.fpscr &= !(FR | FI);
        if self.fpscr & ZE != 0 {
            self.fpscr |= FEX;
            if self.fp_exceptions_enabled() {
                return Err(self.fp_enabled_exception());
            }
        }
        Ok(())
    }

    /// Whether the architecture suppresses the target write (step 2).
    fn fp_result_suppressed(&self, flags: Flags) -> bool {
        (flags.any(Flags::INVALID) && self.fpscr & VE != 0)
            || (flags.any(Flags::DIV_BY_ZERO) && self.fpscr & ZE != 0)
    }

    /// Step 3: overflow, underflow, inexact and FI.
    fn fp_check_status(&mut self, mut flags: Flags) -> Result<(), Exc> {
        let mut pending = false;
        if flags.any(Flags::OVERFLOW) {
            self.fpscr |= OX | FX;
            if self.fpscr & OE != 0 {
                self.fpscr |= FEX;
                pending = true;
            } else {
                flags.insert(Flags::INEXACT);
            }
        } else if flags.any(Flags::UNDERFLOW) {
            self.fpscr |= UX | FX;
            if self.fpscr & UE != 0 {
                self.fpscr |= FEX;
                pending = true;
            }
        }
        let inexact = flags.any(Flags::INEXACT);
        if inexact {
            self.fpscr |= XX | FX;
            if self.fpscr & XE != 0 {
                self.fpscr |= FEX;
                pending = true;
            }
            self.fpscr |= FI;
        } else {
            self.fpscr &= !FI;
        }
        if pending && self.fp_exceptions_enabled() {
            return Err(self.fp_enabled_exception());
        }
        Ok(())
    }

    /// Steps 2-4 for an instruction whose exceptions step 1 already handled.
    fn fp_finish(
        &mut self,
        frt: Reg,
        result: u64,
        flags: Flags,
        set_fprf: bool,
        rc: bool,
    ) -> Result<(), Exc> {
        if !self.fp_result_suppressed(flags) {
            self.fpr[frt as usize] = result;
            if set_fprf {
                self.fpscr = (self.fpscr & !FPRF) | sf::fprf(result) << FPRF_SHIFT;
            }
        }
        self.fp_check_status(flags)?;
        if rc {
            self.set_cr1_from_fpscr();
        }
        Ok(())
    }

    /// Moves and `fsel`: no status at all; CR1 for Rc = 1.
    #[allow(clippy::too_many_arguments)]
    fn fp_move(&mut self, op: FpOp, frt: Reg, a: u64, b: u64, c: u64, rc: bool) -> Result<(), Exc> {
        self.fpr[frt as usize] = match op {
            FpOp::Neg => b ^ SIGN,
            FpOp::Abs => b & !SIGN,
            FpOp::Nabs => b | SIGN,
            // a >= 0 (either zero included) selects c; a < 0 or NaN selects b.
            FpOp::Sel if !sf::is_nan(a) && sf::compare(a, 0) != sf::cmp::LT => c,
            _ => b,
        };
        if rc {
            self.set_cr1_from_fpscr();
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
        rc: bool,
    ) -> Result<(), Exc> {
        if op == FpOp::Sqrt {
            // fsqrt[s] is not implemented on the e500mc (nor in QEMU's model of it).
            return Err(self.program(esr::PIL));
        }
        self.fp_available()?;
        let a = self.fpr[fra as usize];
        let b = self.fpr[frb as usize];
        let c = self.fpr[frc as usize];
        let prec = if single { Prec::Single } else { Prec::Double };
        let mut env = self.fp_env();
        let result = match op {
            FpOp::Mr | FpOp::Neg | FpOp::Abs | FpOp::Nabs | FpOp::Sel => {
                return self.fp_move(op, frt, a, b, c, rc)
            }
            FpOp::Ctiw | FpOp::Ctiwz => return self.fp_convert_to_int(op, frt, b, rc),
            FpOp::Add => sf::add(&mut env, a, b, false, prec),
            FpOp::Sub => sf::add(&mut env, a, b, true, prec),
            FpOp::Mul => sf::mul(&mut env, a, c, prec),
            FpOp::Div => sf::div(&mut env, a, b, prec),
            FpOp::Madd | FpOp::Msub | FpOp::Nmadd | FpOp::Nmsub => {
                let neg = MulAddNeg {
                    addend: matches!(op, FpOp::Msub | FpOp::Nmsub),
                    result: matches!(op, FpOp::Nmadd | FpOp::Nmsub),
                };
                sf::mul_add(&mut env, a, c, b, neg, prec)
            }
            FpOp::Res => sf::div(&mut env, sf::ONE, b, Prec::Single),
            FpOp::Rsqrte => {
                let root = sf::sqrt(&mut env, b, Prec::Double);
                sf::div(&mut env, sf::ONE, root, Prec::Double)
            }
            FpOp::Rsp => sf::single_to_double(sf::to_single(&mut env, b)),
            FpOp::Sqrt => sf::sqrt(&mut env, b, prec),
        };
        let flags = env.flags;
        self.fp_invalid_from(flags)?;
        let mut result = result;
        if flags.any(Flags::DIV_BY_ZERO) {
            self.fp_zero_divide()?;
            if op == FpOp::Res {
                // QEMU 7.2 delivers +-0.5 for fres of +-0 (the architecture: +-inf).
                result = sf::HALF | (b & SIGN);
            }
        }
        self.fp_finish(frt, result, flags, true, rc)
    }

    /// `fctiw` / `fctiwz`: the integer goes in the low word; the high word is the
    /// sign extension for in-range and saturated results, zero for NaNs (as QEMU
    /// leaves it). FPRF is not changed (except to "?" for a disabled invalid
    /// conversion).
    fn fp_convert_to_int(&mut self, op: FpOp, frt: Reg, b: u64, rc: bool) -> Result<(), Exc> {
        let round = match op {
            FpOp::Ctiwz => Round::TowardZero,
            _ => Round::from_rn(self.fpscr & RN),
        };
        let mut flags = Flags::empty();
        let result = match sf::to_i32(b, round) {
            ToInt::Value { value, inexact } => {
                if inexact {
                    flags.insert(Flags::INEXACT);
                }
                value as i64 as u64
            }
            ToInt::Saturated(v) => {
                flags.insert(Flags::VXCVI);
                v as i64 as u64
            }
            ToInt::Nan { snan } => {
                flags.insert(Flags::VXCVI);
                if snan {
                    self.fpscr |= VXSNAN;
                }
                0x8000_0000
            }
        };
        if flags.any(Flags::INVALID) {
            self.fp_invalid_arith(VXCVI)?;
        }
        self.fp_finish(frt, result, flags, false, rc)
    }

    /// `fcmpu` / `fcmpo`.
    pub(crate) fn fp_compare(
        &mut self,
        ordered: bool,
        bf: u8,
        fra: Reg,
        frb: Reg,
    ) -> Result<(), Exc> {
        self.fp_available()?;
        let a = self.fpr[fra as usize];
        let b = self.fpr[frb as usize];
        let cc = sf::compare(a, b);
        self.fpscr = (self.fpscr & !FPCC) | cc << FPRF_SHIFT;
        self.set_cr_field(bf, cc);
        let mut pending = false;
        if cc == sf::cmp::UNORDERED {
            if ordered {
                // VXVC always (deferred until the CR and FPSCR are written).
                self.fpscr = (self.fpscr & !FPCC) | C | FU | VXVC | VX | FX;
                if self.fpscr & VE != 0 {
                    self.fpscr |= FEX;
                    pending = true;
                }
            }
            if sf::is_snan(a) || sf::is_snan(b) {
                self.fp_invalid_snan()?;
            }
        }
        // A compare is never inexact: FI is cleared.
        self.fpscr &= !FI;
        if pending && self.fp_exceptions_enabled() {
            return Err(self.fp_enabled_exception());
        }
        Ok(())
    }
}
