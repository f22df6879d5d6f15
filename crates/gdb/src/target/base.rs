//! Registers and memory: `g`/`G`, `p`/`P`, `m`/`M`.
//!
//! Memory is guest-virtual, translated by the guest's own MMU state, unless
//! `monitor phys on` switched the session to guest-physical addresses. An address
//! nothing maps answers with an error packet (GDB: "Cannot access memory"); a read
//! that runs into one returns the bytes before it. Outside RAM the machine's
//! devices answer ([`Machine::read_device`]): their registers as the guest would
//! read them, without the side effects of a read where the board can avoid them.

use super::arch::{E500RegId, E500Regs, Extra};
use super::breakpoints::EFAULT;
use super::regs::RegKind;
use super::Stub;
use crate::machine::Machine;
use gdbstub::target::ext::base::single_register_access::{
    SingleRegisterAccess, SingleRegisterAccessOps,
};
use gdbstub::target::ext::base::singlethread::{SingleThreadBase, SingleThreadResumeOps};
use gdbstub::target::{TargetError, TargetResult};
use vmgdb_hv::arch::{Flavor, Spr};
use vmgdb_hv::{MemoryError, Reg, Vcpu};

/// Memory is accessed in pieces that never cross a 4 KiB page (the smallest
/// translation), so a partial read stops exactly where the mapping does.
const PAGE: u64 = 0x1000;

fn reg_err<T>(_: T) -> TargetError<super::StubError> {
    TargetError::NonFatal
}

impl<M: Machine> Stub<'_, M> {
    /// Read memory within one page: guest-virtual, or guest-physical in `phys`
    /// mode; outside RAM, the machine's devices answer.
    pub(crate) fn read_mem_as(
        &mut self,
        phys: bool,
        addr: u64,
        buf: &mut [u8],
    ) -> Result<(), MemoryError> {
        let vcpu = self.machine.vcpu();
        let read = if phys {
            vcpu.read_phys(addr, buf)
        } else {
            vcpu.read_virt(addr, buf)
        };
        match read {
            Err(MemoryError::NotRam(pa)) if self.machine.read_device(pa, buf) => Ok(()),
            other => other,
        }
    }

    fn read_mem(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        self.read_mem_as(self.settings.phys.get(), addr, buf)
    }

    fn write_mem(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        let vcpu = self.machine.vcpu();
        let write = if self.settings.phys.get() {
            vcpu.write_phys(addr, data)
        } else {
            vcpu.write_virt(addr, data)
        };
        let one_page = addr % PAGE + data.len() as u64 <= PAGE;
        match write {
            // Device memory (within one page, so `pa` is where `data` starts).
            Err(MemoryError::NotRam(pa)) if one_page && self.machine.write_device(pa, data) => {
                Ok(())
            }
            other => other,
        }
    }

    /// The value of remote register `num`, big-endian, or `None` if there is none.
    pub(crate) fn reg_bytes(&mut self, num: usize) -> Option<([u8; 8], usize)> {
        let kind = self.regs.get(num)?.kind;
        let value = kind.read(self.machine.vcpu()).ok()?;
        let mut out = [0u8; 8];
        let len = (kind.bits() / 8) as usize;
        out[..len].copy_from_slice(&value.to_be_bytes()[8 - len..]);
        Some((out, len))
    }
}

impl<M: Machine> SingleThreadBase for Stub<'_, M> {
    fn read_registers(&mut self, regs: &mut E500Regs) -> TargetResult<(), Self> {
        let vcpu = self.machine.vcpu();
        let get = |r: Reg| vcpu.get_reg(r).map(|v| v as u32).map_err(reg_err);
        for (n, slot) in regs.gpr.iter_mut().enumerate() {
            *slot = get(Reg::Gpr(n as u8))?;
        }
        regs.pc = get(Reg::Pc)?;
        regs.msr = get(Reg::Msr)?;
        regs.cr = get(Reg::Cr)?;
        regs.lr = get(Reg::Lr)?;
        regs.ctr = get(Reg::Ctr)?;
        regs.xer = get(Reg::Xer)?;
        regs.extra = match self.regs.flavor() {
            Flavor::E500v2 => Extra::Spe {
                spefscr: get(Reg::Spr(Spr::Spefscr))?,
            },
            Flavor::E500mc => {
                let mut fpr = Box::new([0u64; 32]);
                for (n, f) in fpr.iter_mut().enumerate() {
                    *f = vcpu.get_reg(Reg::Fpr(n as u8)).map_err(reg_err)?;
                }
                Extra::Fpu {
                    fpr,
                    fpscr: get(Reg::Fpscr)?,
                }
            }
        };
        Ok(())
    }

    fn write_registers(&mut self, regs: &E500Regs) -> TargetResult<(), Self> {
        let flavor = self.regs.flavor();
        match (&regs.extra, flavor) {
            (Extra::Spe { .. }, Flavor::E500v2) | (Extra::Fpu { .. }, Flavor::E500mc) => {}
            _ => return Err(TargetError::NonFatal),
        }
        let vcpu = self.machine.vcpu();
        let mut writes: Vec<(RegKind, u64)> = (0..32u8)
            .map(|n| (RegKind::Vcpu(Reg::Gpr(n)), regs.gpr[n as usize] as u64))
            .collect();
        writes.extend([
            (RegKind::Vcpu(Reg::Pc), regs.pc as u64),
            (RegKind::Vcpu(Reg::Msr), regs.msr as u64),
            (RegKind::Vcpu(Reg::Cr), regs.cr as u64),
            (RegKind::Vcpu(Reg::Lr), regs.lr as u64),
            (RegKind::Vcpu(Reg::Ctr), regs.ctr as u64),
            (RegKind::Vcpu(Reg::Xer), regs.xer as u64),
        ]);
        match &regs.extra {
            Extra::Spe { spefscr } => {
                writes.push((RegKind::Vcpu(Reg::Spr(Spr::Spefscr)), *spefscr as u64))
            }
            Extra::Fpu { fpr, fpscr } => {
                writes.extend(
                    fpr.iter()
                        .enumerate()
                        .map(|(n, f)| (RegKind::Vcpu(Reg::Fpr(n as u8)), *f)),
                );
                writes.push((RegKind::Vcpu(Reg::Fpscr), *fpscr as u64));
            }
            Extra::None => {}
        }
        for (kind, value) in writes {
            kind.write(vcpu, value).map_err(reg_err)?;
        }
        Ok(())
    }

    #[inline(always)]
    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, (), Self>> {
        Some(self)
    }

    fn read_addrs(&mut self, start: u32, data: &mut [u8]) -> TargetResult<usize, Self> {
        let mut done = 0usize;
        while done < data.len() {
            let addr = start as u64 + done as u64;
            let n = ((PAGE - addr % PAGE) as usize).min(data.len() - done);
            if self.read_mem(addr, &mut data[done..done + n]).is_err() {
                break;
            }
            done += n;
        }
        if done == 0 && !data.is_empty() {
            return Err(TargetError::Errno(EFAULT));
        }
        Ok(done)
    }

    fn write_addrs(&mut self, start: u32, data: &[u8]) -> TargetResult<(), Self> {
        self.write_mem(start as u64, data)
            .map_err(|_| TargetError::Errno(EFAULT))
    }

    #[inline(always)]
    fn support_resume(&mut self) -> Option<SingleThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl<M: Machine> SingleRegisterAccess<()> for Stub<'_, M> {
    fn read_register(
        &mut self,
        _tid: (),
        reg: E500RegId,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let (bytes, len) = self.reg_bytes(reg.0).ok_or(TargetError::NonFatal)?;
        let out = buf.get_mut(..len).ok_or(TargetError::NonFatal)?;
        out.copy_from_slice(&bytes[..len]);
        Ok(len)
    }

    fn write_register(&mut self, _tid: (), reg: E500RegId, val: &[u8]) -> TargetResult<(), Self> {
        let kind = self.regs.get(reg.0).ok_or(TargetError::NonFatal)?.kind;
        if val.len() != (kind.bits() / 8) as usize {
            return Err(TargetError::NonFatal);
        }
        let value = val.iter().fold(0u64, |v, b| v << 8 | *b as u64);
        kind.write(self.machine.vcpu(), value).map_err(reg_err)
    }
}
