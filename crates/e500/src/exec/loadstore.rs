//! Integer loads and stores: D and X forms with update, byte-reversed, multiple,
//! string, and the `lwarx`/`stwcx.` reservation pair.

use crate::cpu::{xer, Cpu, Exc};
use crate::decode::{LoadKind, Reg, StoreKind};
use crate::interrupt::{esr, Interrupt};
use crate::memory::Bus;
use crate::spr::Spr;

impl Cpu {
    #[inline(always)]
    pub(crate) fn load_int(
        &mut self,
        kind: LoadKind,
        rt: Reg,
        ra: Reg,
        ea: u32,
        update: bool,
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        let v = match kind {
            LoadKind::Word => u32::from_be_bytes(self.load::<4>(ea, bus)?),
            LoadKind::Byte => self.load::<1>(ea, bus)?[0] as u32,
            LoadKind::Half => u16::from_be_bytes(self.load::<2>(ea, bus)?) as u32,
            LoadKind::HalfAlgebraic => {
                u16::from_be_bytes(self.load::<2>(ea, bus)?) as i16 as i32 as u32
            }
            LoadKind::HalfReversed => u16::from_le_bytes(self.load::<2>(ea, bus)?) as u32,
            LoadKind::WordReversed => u32::from_le_bytes(self.load::<4>(ea, bus)?),
        };
        self.gpr[(rt & 31) as usize] = v;
        if update {
            self.gpr[(ra & 31) as usize] = ea;
        }
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn store_int(
        &mut self,
        kind: StoreKind,
        rs: Reg,
        ra: Reg,
        ea: u32,
        update: bool,
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        let v = self.gpr[(rs & 31) as usize];
        match kind {
            StoreKind::Word => self.store::<4>(ea, v.to_be_bytes(), bus)?,
            StoreKind::Byte => self.store::<1>(ea, [v as u8], bus)?,
            StoreKind::Half => self.store::<2>(ea, (v as u16).to_be_bytes(), bus)?,
            StoreKind::HalfReversed => self.store::<2>(ea, (v as u16).to_le_bytes(), bus)?,
            StoreKind::WordReversed => self.store::<4>(ea, v.to_le_bytes(), bus)?,
        }
        if update {
            self.gpr[(ra & 31) as usize] = ea;
        }
        Ok(())
    }

    /// Alignment interrupt for `ea`.
    pub(crate) fn alignment(&mut self, ea: u32, store: bool) -> Exc {
        self.set_spr(Spr::Dear, ea);
        self.set_spr(Spr::Esr, if store { esr::ST } else { 0 });
        Exc::Interrupt(Interrupt::Alignment)
    }

    pub(crate) fn lmw(&mut self, rt: Reg, ra: Reg, d: i16, bus: &mut dyn Bus) -> Result<(), Exc> {
        let ea = self.ea_d(ra, d);
        if ea & 3 != 0 {
            return Err(self.alignment(ea, false));
        }
        let mut words = [0u32; 32];
        for (i, r) in (rt as usize..32).enumerate() {
            words[r] = u32::from_be_bytes(self.load::<4>(ea.wrapping_add(4 * i as u32), bus)?);
        }
        self.gpr[rt as usize..].copy_from_slice(&words[rt as usize..]);
        Ok(())
    }

    pub(crate) fn stmw(&mut self, rs: Reg, ra: Reg, d: i16, bus: &mut dyn Bus) -> Result<(), Exc> {
        let ea = self.ea_d(ra, d);
        if ea & 3 != 0 {
            return Err(self.alignment(ea, true));
        }
        for (i, r) in (rs as usize..32).enumerate() {
            let v = self.gpr[r];
            self.store::<4>(ea.wrapping_add(4 * i as u32), v.to_be_bytes(), bus)?;
        }
        Ok(())
    }

    /// `lswi`/`lswx`: `n` bytes into rT, rT+1, ... (wrapping to r0), left-justified.
    pub(crate) fn load_string(
        &mut self,
        rt: Reg,
        ra: Reg,
        rb: Reg,
        ea: u32,
        n: u32,
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        let mut bytes = [0u8; 128];
        for i in 0..n {
            bytes[i as usize] = self.load::<1>(ea.wrapping_add(i), bus)?[0];
        }
        let regs = n.div_ceil(4);
        for k in 0..regs {
            let r = (rt as u32 + k) % 32;
            let i = 4 * k as usize;
            let v = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
            // rA and rB are not overwritten (the architecture leaves this undefined).
            if (r as Reg != ra || ra == 0) && (r as Reg != rb || rb == 0) {
                self.gpr[(r & 31) as usize] = v;
            }
        }
        Ok(())
    }

    /// `stswi`/`stswx`: `n` bytes from rS, rS+1, ... (wrapping to r0).
    pub(crate) fn store_string(
        &mut self,
        rs: Reg,
        ea: u32,
        n: u32,
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        for i in 0..n {
            let r = (rs as u32 + i / 4) % 32;
            let b = self.gpr[(r & 31) as usize].to_be_bytes()[(i % 4) as usize];
            self.store::<1>(ea.wrapping_add(i), [b], bus)?;
        }
        Ok(())
    }

    pub(crate) fn lwarx(
        &mut self,
        rt: Reg,
        ra: Reg,
        rb: Reg,
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        let ea = self.ea_x(ra, rb);
        if ea & 3 != 0 {
            return Err(self.alignment(ea, false));
        }
        let v = u32::from_be_bytes(self.load::<4>(ea, bus)?);
        self.gpr[(rt & 31) as usize] = v;
        self.reservation = self.debug_translate(ea);
        Ok(())
    }

    pub(crate) fn stwcx(
        &mut self,
        rs: Reg,
        ra: Reg,
        rb: Reg,
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        let ea = self.ea_x(ra, rb);
        if ea & 3 != 0 {
            return Err(self.alignment(ea, true));
        }
        let reserved = self.reservation.is_some() && self.reservation == self.debug_translate(ea);
        let so = (self.xer & xer::SO) >> 31;
        if reserved {
            let v = self.gpr[(rs & 31) as usize];
            self.store::<4>(ea, v.to_be_bytes(), bus)?;
            self.set_cr_field(0, 2 | so);
        } else {
            self.set_cr_field(0, so);
        }
        self.reservation = None;
        Ok(())
    }
}
