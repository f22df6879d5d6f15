//! Branch semantics: the BO/BI condition, CTR decrement, link register.

use crate::cpu::Cpu;
use crate::decode::Insn;

/// BO bits.
const BO_IGNORE_CR: u8 = 0x10;
const BO_CR_VALUE: u8 = 0x08;
const BO_NO_CTR: u8 = 0x04;
const BO_CTR_ZERO: u8 = 0x02;

impl Cpu {
    /// Evaluate a branch condition, decrementing CTR when BO says so.
    #[inline(always)]
    fn condition(&mut self, bo: u8, bi: u8) -> bool {
        let ctr_ok = if bo & BO_NO_CTR == 0 {
            self.ctr = self.ctr.wrapping_sub(1);
            (self.ctr != 0) ^ (bo & BO_CTR_ZERO != 0)
        } else {
            true
        };
        let cond_ok = bo & BO_IGNORE_CR != 0 || self.cr_bit(bi) == (bo & BO_CR_VALUE != 0);
        ctr_ok && cond_ok
    }

    #[inline(always)]
    pub(crate) fn bc(
        &mut self,
        bo: u8,
        bi: u8,
        disp: i32,
        aa: bool,
        lk: bool,
        pc: u32,
    ) -> Option<u32> {
        if lk {
            self.lr = pc.wrapping_add(4);
        }
        if self.condition(bo, bi) {
            let base = if aa { 0 } else { pc };
            Some(base.wrapping_add(disp as u32))
        } else {
            None
        }
    }

    #[inline(always)]
    pub(crate) fn bclr(&mut self, bo: u8, bi: u8, lk: bool, pc: u32) -> Option<u32> {
        let target = self.lr & !3;
        if lk {
            self.lr = pc.wrapping_add(4);
        }
        self.condition(bo, bi).then_some(target)
    }

    #[inline(always)]
    pub(crate) fn bcctr(&mut self, bo: u8, bi: u8, lk: bool, pc: u32) -> Option<u32> {
        let target = self.ctr & !3;
        if lk {
            self.lr = pc.wrapping_add(4);
        }
        self.condition(bo, bi).then_some(target)
    }
}

/// Whether `insn` is a branch that `cpu` would take now, without side effects
/// (the branch-taken debug event fires before the branch executes).
pub(crate) fn branch_taken(cpu: &Cpu, insn: &Insn) -> bool {
    let (bo, bi) = match *insn {
        Insn::B { .. } => return true,
        Insn::Bt { bi, .. } => return cpu.cr_bit(bi),
        Insn::Bf { bi, .. } => return !cpu.cr_bit(bi),
        Insn::Bdnz { .. } => return cpu.ctr.wrapping_sub(1) != 0,
        Insn::Bc { bo, bi, .. } | Insn::Bclr { bo, bi, .. } | Insn::Bcctr { bo, bi, .. } => {
            (bo, bi)
        }
        _ => return false,
    };
    let ctr_ok = bo & BO_NO_CTR != 0 || (cpu.ctr.wrapping_sub(1) != 0) ^ (bo & BO_CTR_ZERO != 0);
    let cond_ok = bo & BO_IGNORE_CR != 0 || cpu.cr_bit(bi) == (bo & BO_CR_VALUE != 0);
    ctr_ok && cond_ok
}
