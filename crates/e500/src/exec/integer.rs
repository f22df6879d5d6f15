//! Integer arithmetic, logical, shift, compare and condition-register semantics,
//! with every CR0 and XER[SO, OV, CA] side effect.

use crate::cpu::{xer, Cpu};
use crate::decode::{ArithOp, CrOp, LogicOp, Reg, UnaryOp};

/// a + b + c as 32 bits, with carry out.
#[inline]
fn add_carry(a: u32, b: u32, c: u32) -> (u32, bool) {
    let s = a as u64 + b as u64 + c as u64;
    (s as u32, s > u32::MAX as u64)
}

/// Signed overflow of r = a + b (+ carry).
#[inline]
fn add_overflow(a: u32, b: u32, r: u32) -> bool {
    ((a ^ r) & (b ^ r)) >> 31 != 0
}

impl Cpu {
    pub(crate) fn addic(&mut self, rt: Reg, ra: Reg, si: i16, rc: bool) {
        let (r, ca) = add_carry(self.gpr[(ra & 31) as usize], si as i32 as u32, 0);
        self.gpr[(rt & 31) as usize] = r;
        self.set_ca(ca);
        if rc {
            self.set_cr0(r);
        }
    }

    pub(crate) fn subfic(&mut self, rt: Reg, ra: Reg, si: i16) {
        let (r, ca) = add_carry(!self.gpr[(ra & 31) as usize], si as i32 as u32, 1);
        self.gpr[(rt & 31) as usize] = r;
        self.set_ca(ca);
    }

    pub(crate) fn arith(&mut self, op: ArithOp, rt: Reg, ra: Reg, rb: Reg, oe: bool, rc: bool) {
        let a = self.gpr[(ra & 31) as usize];
        let b = self.gpr[(rb & 31) as usize];
        let ca = self.ca();
        // (result, carry out if the op sets CA, overflow)
        let (r, carry, ov): (u32, Option<bool>, bool) = match op {
            ArithOp::Add => {
                let r = a.wrapping_add(b);
                (r, None, add_overflow(a, b, r))
            }
            ArithOp::Addc => {
                let (r, c) = add_carry(a, b, 0);
                (r, Some(c), add_overflow(a, b, r))
            }
            ArithOp::Adde => {
                let (r, c) = add_carry(a, b, ca);
                (r, Some(c), add_overflow(a, b, r))
            }
            ArithOp::Addme => {
                let (r, c) = add_carry(a, u32::MAX, ca);
                (r, Some(c), add_overflow(a, u32::MAX, r))
            }
            ArithOp::Addze => {
                let (r, c) = add_carry(a, 0, ca);
                (r, Some(c), add_overflow(a, 0, r))
            }
            ArithOp::Subf => {
                let r = b.wrapping_sub(a);
                (r, None, add_overflow(!a, b, r))
            }
            ArithOp::Subfc => {
                let (r, c) = add_carry(!a, b, 1);
                (r, Some(c), add_overflow(!a, b, r))
            }
            ArithOp::Subfe => {
                let (r, c) = add_carry(!a, b, ca);
                (r, Some(c), add_overflow(!a, b, r))
            }
            ArithOp::Subfme => {
                let (r, c) = add_carry(!a, u32::MAX, ca);
                (r, Some(c), add_overflow(!a, u32::MAX, r))
            }
            ArithOp::Subfze => {
                let (r, c) = add_carry(!a, 0, ca);
                (r, Some(c), add_overflow(!a, 0, r))
            }
            ArithOp::Neg => (a.wrapping_neg(), None, a == 0x8000_0000),
            ArithOp::Mullw => {
                let p = (a as i32 as i64) * (b as i32 as i64);
                (p as u32, None, p != p as i32 as i64)
            }
            ArithOp::Mulhw => (
                ((a as i32 as i64 * b as i32 as i64) >> 32) as u32,
                None,
                false,
            ),
            ArithOp::Mulhwu => (((a as u64 * b as u64) >> 32) as u32, None, false),
            ArithOp::Divw => {
                let (x, y) = (a as i32, b as i32);
                if y == 0 || (x == i32::MIN && y == -1) {
                    // The quotient is undefined; QEMU (and so vmgdb) divides by 1 instead.
                    (a, None, true)
                } else {
                    ((x / y) as u32, None, false)
                }
            }
            ArithOp::Divwu => match a.checked_div(b) {
                Some(q) => (q, None, false),
                // Undefined quotient; QEMU (and so vmgdb) divides by 1 instead.
                None => (a, None, true),
            },
        };
        self.gpr[(rt & 31) as usize] = r;
        if let Some(c) = carry {
            self.set_ca(c);
        }
        if oe && !matches!(op, ArithOp::Mulhw | ArithOp::Mulhwu) {
            self.set_ov(ov);
        }
        if rc {
            self.set_cr0(r);
        }
    }

    pub(crate) fn logic(&mut self, op: LogicOp, ra: Reg, rs: Reg, rb: Reg, rc: bool) {
        let s = self.gpr[(rs & 31) as usize];
        let b = self.gpr[(rb & 31) as usize];
        let r = match op {
            LogicOp::And => s & b,
            LogicOp::Andc => s & !b,
            LogicOp::Or => s | b,
            LogicOp::Orc => s | !b,
            LogicOp::Xor => s ^ b,
            LogicOp::Nor => !(s | b),
            LogicOp::Nand => !(s & b),
            LogicOp::Eqv => !(s ^ b),
            LogicOp::Slw => {
                if b & 0x20 != 0 {
                    0
                } else {
                    s << (b & 31)
                }
            }
            LogicOp::Srw => {
                if b & 0x20 != 0 {
                    0
                } else {
                    s >> (b & 31)
                }
            }
            LogicOp::Sraw => {
                let n = b & 0x3F;
                let (r, lost) = if n >= 32 {
                    ((s as i32 >> 31) as u32, s)
                } else {
                    ((s as i32 >> n) as u32, s & ((1u64 << n) - 1) as u32)
                };
                self.set_ca((s as i32) < 0 && lost != 0);
                r
            }
        };
        self.gpr[(ra & 31) as usize] = r;
        if rc {
            self.set_cr0(r);
        }
    }

    pub(crate) fn srawi(&mut self, ra: Reg, rs: Reg, sh: u8, rc: bool) {
        let s = self.gpr[(rs & 31) as usize];
        let r = ((s as i32) >> sh) as u32;
        let lost = s & ((1u64 << sh) - 1) as u32;
        self.set_ca((s as i32) < 0 && lost != 0);
        self.gpr[(ra & 31) as usize] = r;
        if rc {
            self.set_cr0(r);
        }
    }

    pub(crate) fn unary(&mut self, op: UnaryOp, ra: Reg, rs: Reg, rc: bool) {
        let s = self.gpr[(rs & 31) as usize];
        let r = match op {
            UnaryOp::Extsb => s as u8 as i8 as i32 as u32,
            UnaryOp::Extsh => s as u16 as i16 as i32 as u32,
            UnaryOp::Cntlzw => s.leading_zeros(),
        };
        self.gpr[(ra & 31) as usize] = r;
        if rc {
            self.set_cr0(r);
        }
    }

    pub(crate) fn compare_signed(&mut self, bf: u8, a: u32, b: u32) {
        let (a, b) = (a as i32, b as i32);
        let f = if a < b {
            8
        } else if a > b {
            4
        } else {
            2
        };
        self.set_cr_field(bf, f | (self.xer & xer::SO) >> 31);
    }

    pub(crate) fn compare_unsigned(&mut self, bf: u8, a: u32, b: u32) {
        let f = if a < b {
            8
        } else if a > b {
            4
        } else {
            2
        };
        self.set_cr_field(bf, f | (self.xer & xer::SO) >> 31);
    }

    pub(crate) fn cr_logic(&mut self, op: CrOp, bt: u8, ba: u8, bb: u8) {
        let a = self.cr_bit(ba);
        let b = self.cr_bit(bb);
        let r = match op {
            CrOp::And => a & b,
            CrOp::Andc => a & !b,
            CrOp::Or => a | b,
            CrOp::Orc => a | !b,
            CrOp::Xor => a ^ b,
            CrOp::Nor => !(a | b),
            CrOp::Nand => !(a & b),
            CrOp::Eqv => !(a ^ b),
        };
        let bit = 0x8000_0000u32 >> bt;
        self.cr = if r { self.cr | bit } else { self.cr & !bit };
    }
}
