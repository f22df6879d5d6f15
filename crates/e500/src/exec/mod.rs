//! Instruction semantics, grouped by instruction class; [`Cpu::exec`] is the one
//! dispatch from a decoded [`Insn`] to its class.

mod branch;
mod fpu;
mod integer;
mod loadstore;
mod system;

use crate::cpu::{Cpu, Flow};
use crate::decode::Insn;
use crate::memory::Bus;

pub(crate) use branch::branch_taken;
pub use system::SW_BREAKPOINT;

impl Cpu {
    /// Execute one decoded instruction located at `pc`.
    #[inline(always)]
    pub(crate) fn exec(&mut self, insn: &Insn, pc: u32, bus: &mut dyn Bus) -> Flow {
        use Insn::*;
        match *insn {
            Li { rt, si } => self.gpr[(rt & 31) as usize] = si as i32 as u32,
            Lis { rt, si } => self.gpr[(rt & 31) as usize] = (si as i32 as u32) << 16,
            // The decoder made the rA = 0 forms Li and Lis.
            Addi { rt, ra, si } => {
                self.gpr[(rt & 31) as usize] =
                    self.gpr[(ra & 31) as usize].wrapping_add(si as i32 as u32);
            }
            Addis { rt, ra, si } => {
                self.gpr[(rt & 31) as usize] =
                    self.gpr[(ra & 31) as usize].wrapping_add((si as i32 as u32) << 16);
            }
            Addic { rt, ra, si, rc } => self.addic(rt, ra, si, rc),
            Subfic { rt, ra, si } => self.subfic(rt, ra, si),
            Mulli { rt, ra, si } => {
                self.gpr[(rt & 31) as usize] =
                    (self.gpr[(ra & 31) as usize] as i32).wrapping_mul(si as i32) as u32;
            }
            Lwz { rt, ra, d } => {
                let v = u32::from_be_bytes(self.load::<4>(self.ea_d(ra, d), bus)?);
                self.gpr[(rt & 31) as usize] = v;
            }
            Lbz { rt, ra, d } => {
                let v = self.load::<1>(self.ea_d(ra, d), bus)?[0];
                self.gpr[(rt & 31) as usize] = v as u32;
            }
            Stw { rs, ra, d } => {
                let v = self.gpr[(rs & 31) as usize];
                self.store::<4>(self.ea_d(ra, d), v.to_be_bytes(), bus)?;
            }
            Stwu { rs, ra, d } => {
                let ea = self.ea_d(ra, d);
                let v = self.gpr[(rs & 31) as usize];
                self.store::<4>(ea, v.to_be_bytes(), bus)?;
                self.gpr[(ra & 31) as usize] = ea;
            }
            Lbzu { rt, ra, d } => {
                let ea = self.ea_d(ra, d);
                let v = self.load::<1>(ea, bus)?[0];
                self.gpr[(rt & 31) as usize] = v as u32;
                self.gpr[(ra & 31) as usize] = ea;
            }
            Lwzx { rt, ra, rb } => {
                let v = u32::from_be_bytes(self.load::<4>(self.ea_x(ra, rb), bus)?);
                self.gpr[(rt & 31) as usize] = v;
            }
            Lbzx { rt, ra, rb } => {
                let v = self.load::<1>(self.ea_x(ra, rb), bus)?[0];
                self.gpr[(rt & 31) as usize] = v as u32;
            }
            Stwx { rs, ra, rb } => {
                let v = self.gpr[(rs & 31) as usize];
                self.store::<4>(self.ea_x(ra, rb), v.to_be_bytes(), bus)?;
            }
            Stbx { rs, ra, rb } => {
                let v = self.gpr[(rs & 31) as usize] as u8;
                self.store::<1>(self.ea_x(ra, rb), [v], bus)?;
            }
            Stb { rs, ra, d } => {
                let v = self.gpr[(rs & 31) as usize] as u8;
                self.store::<1>(self.ea_d(ra, d), [v], bus)?;
            }
            Or { ra, rs, rb } => {
                self.gpr[(ra & 31) as usize] =
                    self.gpr[(rs & 31) as usize] | self.gpr[(rb & 31) as usize];
            }
            And { ra, rs, rb } => {
                self.gpr[(ra & 31) as usize] =
                    self.gpr[(rs & 31) as usize] & self.gpr[(rb & 31) as usize];
            }
            Xor { ra, rs, rb } => {
                self.gpr[(ra & 31) as usize] =
                    self.gpr[(rs & 31) as usize] ^ self.gpr[(rb & 31) as usize];
            }
            Mflr { rt } => self.gpr[(rt & 31) as usize] = self.lr,
            Mtlr { rs } => self.lr = self.gpr[(rs & 31) as usize],
            Mfctr { rt } => self.gpr[(rt & 31) as usize] = self.ctr,
            Mtctr { rs } => self.ctr = self.gpr[(rs & 31) as usize],
            Add { rt, ra, rb } => {
                self.gpr[(rt & 31) as usize] =
                    self.gpr[(ra & 31) as usize].wrapping_add(self.gpr[(rb & 31) as usize]);
            }
            Subf { rt, ra, rb } => {
                self.gpr[(rt & 31) as usize] =
                    self.gpr[(rb & 31) as usize].wrapping_sub(self.gpr[(ra & 31) as usize]);
            }
            Arith {
                op,
                rt,
                ra,
                rb,
                oe,
                rc,
            } => self.arith(op, rt, ra, rb, oe, rc),
            Logic { op, ra, rs, rb, rc } => self.logic(op, ra, rs, rb, rc),
            Ori { ra, rs, ui } => {
                self.gpr[(ra & 31) as usize] = self.gpr[(rs & 31) as usize] | ui as u32
            }
            Oris { ra, rs, ui } => {
                self.gpr[(ra & 31) as usize] = self.gpr[(rs & 31) as usize] | (ui as u32) << 16
            }
            Xori { ra, rs, ui } => {
                self.gpr[(ra & 31) as usize] = self.gpr[(rs & 31) as usize] ^ ui as u32
            }
            Xoris { ra, rs, ui } => {
                self.gpr[(ra & 31) as usize] = self.gpr[(rs & 31) as usize] ^ (ui as u32) << 16
            }
            Andi { ra, rs, ui } => {
                let v = self.gpr[(rs & 31) as usize] & ui as u32;
                self.gpr[(ra & 31) as usize] = v;
                self.set_cr0(v);
            }
            Andis { ra, rs, ui } => {
                let v = self.gpr[(rs & 31) as usize] & (ui as u32) << 16;
                self.gpr[(ra & 31) as usize] = v;
                self.set_cr0(v);
            }
            Unary { op, ra, rs, rc } => self.unary(op, ra, rs, rc),
            Srawi { ra, rs, sh, rc } => self.srawi(ra, rs, sh, rc),
            Rlwinm {
                ra,
                rs,
                sh,
                mask,
                rc,
            } => {
                let v = self.gpr[(rs & 31) as usize].rotate_left(sh as u32) & mask;
                self.gpr[(ra & 31) as usize] = v;
                if rc {
                    self.set_cr0(v);
                }
            }
            Rlwnm {
                ra,
                rs,
                rb,
                mask,
                rc,
            } => {
                let v = self.gpr[(rs & 31) as usize].rotate_left(self.gpr[(rb & 31) as usize] & 31)
                    & mask;
                self.gpr[(ra & 31) as usize] = v;
                if rc {
                    self.set_cr0(v);
                }
            }
            Rlwimi {
                ra,
                rs,
                sh,
                mask,
                rc,
            } => {
                let r = self.gpr[(rs & 31) as usize].rotate_left(sh as u32);
                let v = (r & mask) | (self.gpr[(ra & 31) as usize] & !mask);
                self.gpr[(ra & 31) as usize] = v;
                if rc {
                    self.set_cr0(v);
                }
            }
            Cmp { bf, ra, rb } => self.compare_signed(
                bf,
                self.gpr[(ra & 31) as usize],
                self.gpr[(rb & 31) as usize],
            ),
            Cmpl { bf, ra, rb } => self.compare_unsigned(
                bf,
                self.gpr[(ra & 31) as usize],
                self.gpr[(rb & 31) as usize],
            ),
            Cmpi { bf, ra, si } => {
                self.compare_signed(bf, self.gpr[(ra & 31) as usize], si as i32 as u32)
            }
            Cmpli { bf, ra, ui } => {
                self.compare_unsigned(bf, self.gpr[(ra & 31) as usize], ui as u32)
            }
            Isel { rt, ra, rb, bc } => {
                let a = if ra == 0 {
                    0
                } else {
                    self.gpr[(ra & 31) as usize]
                };
                self.gpr[(rt & 31) as usize] = if self.cr_bit(bc) {
                    a
                } else {
                    self.gpr[(rb & 31) as usize]
                };
            }
            Cr { op, bt, ba, bb } => self.cr_logic(op, bt, ba, bb),
            Mcrf { bf, bfa } => {
                let f = (self.cr >> (28 - 4 * bfa as u32)) & 0xF;
                self.set_cr_field(bf, f);
            }
            Mcrxr { bf } => {
                self.set_cr_field(bf, self.xer >> 28);
                self.xer &= !0xF000_0000;
            }
            Mfcr { rt } => self.gpr[(rt & 31) as usize] = self.cr,
            Mtcrf { rs, fxm } => {
                let mut mask = 0u32;
                for i in 0..8 {
                    if fxm & (0x80 >> i) != 0 {
                        mask |= 0xF000_0000 >> (4 * i);
                    }
                }
                self.cr = (self.cr & !mask) | (self.gpr[(rs & 31) as usize] & mask);
            }
            B { disp, aa, lk } => {
                if lk {
                    self.lr = pc.wrapping_add(4);
                }
                let base = if aa { 0 } else { pc };
                return Ok(Some(base.wrapping_add(disp as u32)));
            }
            Bt { bi, disp } => {
                return Ok(self.cr_bit(bi).then(|| pc.wrapping_add(disp as i32 as u32)));
            }
            Bf { bi, disp } => {
                return Ok((!self.cr_bit(bi)).then(|| pc.wrapping_add(disp as i32 as u32)));
            }
            Bdnz { disp } => {
                self.ctr = self.ctr.wrapping_sub(1);
                return Ok((self.ctr != 0).then(|| pc.wrapping_add(disp as i32 as u32)));
            }
            Bc {
                bo,
                bi,
                disp,
                aa,
                lk,
            } => return Ok(self.bc(bo, bi, disp, aa, lk, pc)),
            Bclr { bo, bi, lk } => return Ok(self.bclr(bo, bi, lk, pc)),
            Bcctr { bo, bi, lk } => return Ok(self.bcctr(bo, bi, lk, pc)),
            Load {
                kind,
                rt,
                ra,
                d,
                update,
            } => {
                let ea = self.ea_d(ra, d);
                self.load_int(kind, rt, ra, ea, update, bus)?;
            }
            LoadX {
                kind,
                rt,
                ra,
                rb,
                update,
            } => {
                let ea = self.ea_x(ra, rb);
                self.load_int(kind, rt, ra, ea, update, bus)?;
            }
            Store {
                kind,
                rs,
                ra,
                d,
                update,
            } => {
                let ea = self.ea_d(ra, d);
                self.store_int(kind, rs, ra, ea, update, bus)?;
            }
            StoreX {
                kind,
                rs,
                ra,
                rb,
                update,
            } => {
                let ea = self.ea_x(ra, rb);
                self.store_int(kind, rs, ra, ea, update, bus)?;
            }
            Lmw { rt, ra, d } => self.lmw(rt, ra, d, bus)?,
            Stmw { rs, ra, d } => self.stmw(rs, ra, d, bus)?,
            Lswi { rt, ra, nb } => {
                let ea = if ra == 0 {
                    0
                } else {
                    self.gpr[(ra & 31) as usize]
                };
                let n = if nb == 0 { 32 } else { nb as u32 };
                self.load_string(rt, ra, 0, ea, n, bus)?;
            }
            Lswx { rt, ra, rb } => {
                let ea = self.ea_x(ra, rb);
                let n = self.xer & crate::cpu::xer::BYTE_COUNT;
                self.load_string(rt, ra, rb, ea, n, bus)?;
            }
            Stswi { rs, ra, nb } => {
                let ea = if ra == 0 {
                    0
                } else {
                    self.gpr[(ra & 31) as usize]
                };
                let n = if nb == 0 { 32 } else { nb as u32 };
                self.store_string(rs, ea, n, bus)?;
            }
            Stswx { rs, ra, rb } => {
                let ea = self.ea_x(ra, rb);
                let n = self.xer & crate::cpu::xer::BYTE_COUNT;
                self.store_string(rs, ea, n, bus)?;
            }
            Lwarx { rt, ra, rb } => self.lwarx(rt, ra, rb, bus)?,
            Stwcx { rs, ra, rb } => self.stwcx(rs, ra, rb, bus)?,
            FLoad {
                fmt,
                frt,
                ra,
                d,
                update,
            } => {
                let ea = self.ea_d(ra, d);
                self.fp_load(fmt, frt, ra, ea, update, bus)?;
            }
            FLoadX {
                fmt,
                frt,
                ra,
                rb,
                update,
            } => {
                let ea = self.ea_x(ra, rb);
                self.fp_load(fmt, frt, ra, ea, update, bus)?;
            }
            FStore {
                fmt,
                frs,
                ra,
                d,
                update,
            } => {
                let ea = self.ea_d(ra, d);
                self.fp_store(fmt, frs, ra, ea, update, bus)?;
            }
            FStoreX {
                fmt,
                frs,
                ra,
                rb,
                update,
            } => {
                let ea = self.ea_x(ra, rb);
                self.fp_store(fmt, frs, ra, ea, update, bus)?;
            }
            Fp {
                op,
                single,
                frt,
                fra,
                frb,
                frc,
                rc,
            } => self.fp_arith(op, single, frt, fra, frb, frc, rc)?,
            Fcmp {
                ordered,
                bf,
                fra,
                frb,
            } => self.fp_compare(ordered, bf, fra, frb)?,
            Fpscr { op, rc } => self.fp_fpscr(op, rc)?,
            Sync | Isync | Mbar | Tlbsync => {}
            Cache { op, ra, rb } => self.cache_op(op, ra, rb)?,
            Dcbz { ra, rb } => {
                let ea = self.ea_x(ra, rb);
                self.zero_block(ea, bus)?;
            }
            Tlbwe => self.tlbwe()?,
            Tlbre => self.supervisor()?.mmu.tlbre(),
            Tlbsx { ra, rb } => {
                let ea = self.ea_x(ra, rb);
                self.supervisor()?.mmu.tlbsx(ea);
            }
            Tlbivax { ra, rb } => {
                let ea = self.ea_x(ra, rb);
                self.supervisor()?.mmu.tlbivax(ea);
                if self.trace.mmu {
                    crate::trace::event!(mmu, "mmu: tlbivax at {pc:#010x}: EA {ea:#010x}");
                }
                self.translation_updated();
            }
            Tlbilx { t, ra, rb } => self.tlbilx(t, ra, rb)?,
            Sc => {
                return Err(crate::cpu::Exc::Interrupt(
                    crate::interrupt::Interrupt::SystemCall,
                ))
            }
            Rfi => return self.rfi().map(Some),
            Rfci => return self.rfci().map(Some),
            Rfdi => return self.rfdi().map(Some),
            Rfmci => return self.rfmci().map(Some),
            Mfmsr { rt } => self.gpr[(rt & 31) as usize] = self.supervisor()?.msr(),
            Mtmsr { rs } => {
                let v = self.gpr[(rs & 31) as usize];
                self.supervisor()?.set_msr(v);
            }
            Wrtee { rs } => {
                let ee = self.gpr[(rs & 31) as usize] & crate::msr::EE;
                let m = (self.supervisor()?.msr & !crate::msr::EE) | ee;
                self.set_msr(m);
            }
            Wrteei { e } => {
                let m =
                    (self.supervisor()?.msr & !crate::msr::EE) | if e { crate::msr::EE } else { 0 };
                self.set_msr(m);
            }
            Mfspr { rt, spr } => self.mfspr(rt, spr, pc)?,
            Mtspr { rs, spr } => self.mtspr(rs, spr, pc)?,
            // TBL and TBU decode as ReadTb: no other time-base register exists.
            Mftb { .. } => return Err(self.program(crate::interrupt::esr::PIL)),
            ReadTb { rt, upper } => {
                let tb = self.timers.tb(self.now(pc));
                self.gpr[(rt & 31) as usize] = if upper { (tb >> 32) as u32 } else { tb as u32 };
            }
            Mfpmr { rt, .. } => self.gpr[(rt & 31) as usize] = 0,
            Mtpmr { .. } => {}
            Tw { to, ra, rb } => self.trap(
                to,
                self.gpr[(ra & 31) as usize],
                self.gpr[(rb & 31) as usize],
            )?,
            Twi { to, ra, si } => self.trap(to, self.gpr[(ra & 31) as usize], si as i32 as u32)?,
            Wait => self.wait()?,
            Spe { word } => return Err(self.spe(word)),
            Illegal { word } => return Err(self.illegal(word, pc)),
            EndOfBlock => return Ok(Some(pc)),
        }
        Ok(None)
    }

    /// Effective address of a D-form access: (rA|0) + d.
    #[inline(always)]
    pub(crate) fn ea_d(&self, ra: u8, d: i16) -> u32 {
        let base = if ra == 0 {
            0
        } else {
            self.gpr[(ra & 31) as usize]
        };
        base.wrapping_add(d as i32 as u32)
    }

    /// Effective address of an X-form access: (rA|0) + rB.
    #[inline(always)]
    pub(crate) fn ea_x(&self, ra: u8, rb: u8) -> u32 {
        let base = if ra == 0 {
            0
        } else {
            self.gpr[(ra & 31) as usize]
        };
        base.wrapping_add(self.gpr[(rb & 31) as usize])
    }
}
