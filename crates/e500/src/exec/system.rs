//! Processor and storage control: privilege, SPR access, return-from-interrupt,
//! traps, `wait`, TLB management and cache operations.

use crate::cpu::{xer, Cpu, Exc, ResetKind};
use crate::debug::{dbcr0, dbsr, HostEvent};
use crate::decode::{CacheOp, Reg};
use crate::interrupt::{esr, Interrupt};
use crate::mmu::{TlbWrite, TlbilxScope};
use crate::msr;
use crate::spr::Spr;
use crate::Flavor;

/// The software-breakpoint instruction (KVM_REG_PPC_DEBUG_INST on BookE): an
/// illegal instruction to the core.
pub const SW_BREAKPOINT: u32 = 0x00DD_DD00;

impl Cpu {
    /// Privileged-instruction check: `Ok(self)` in supervisor state.
    #[inline]
    pub(crate) fn supervisor(&mut self) -> Result<&mut Self, Exc> {
        if self.msr & msr::PR != 0 {
            Err(self.program(esr::PPR))
        } else {
            Ok(self)
        }
    }

    /// The MMU changed: cached translations and block lookups are stale.
    pub(crate) fn translation_updated(&mut self) {
        self.stlb.flush();
        self.translation_changed = true;
        self.want_attention();
    }

    /// The guest's comparator configuration changed.
    pub(crate) fn debug_updated(&mut self) {
        self.stlb.flush_data();
        self.debug_changed = true;
        self.want_attention();
    }

    pub(crate) fn tlbwe(&mut self) -> Result<(), Exc> {
        self.supervisor()?;
        let r = self.mmu.tlbwe();
        if self.trace.mmu {
            let m = &self.mmu;
            crate::trace::event!(
                mmu,
                "mmu: tlbwe MAS0 {:#010x} MAS1 {:#010x} MAS2 {:#010x} MAS3 {:#010x} MAS7 {:#x}{}",
                m.mas0,
                m.mas1,
                m.mas2,
                m.mas3,
                m.mas7,
                if r == TlbWrite::Illegal {
                    " (illegal)"
                } else {
                    ""
                }
            );
        }
        self.translation_updated();
        match r {
            TlbWrite::Done => Ok(()),
            TlbWrite::Illegal => Err(self.program(esr::PIL)),
        }
    }

    /// `tlbilx`: an e500mc instruction (ISA 2.06); the e500v2 has none.
    pub(crate) fn tlbilx(&mut self, t: u8, ra: Reg, rb: Reg) -> Result<(), Exc> {
        if self.flavor != Flavor::E500mc {
            return Err(self.program(esr::PIL));
        }
        let scope = match t {
            0 => TlbilxScope::All,
            1 => TlbilxScope::Pid,
            3 => TlbilxScope::Address(self.ea_x(ra, rb)),
            _ => return Err(self.program(esr::PIL)),
        };
        self.supervisor()?.mmu.tlbilx(scope);
        if self.trace.mmu {
            crate::trace::event!(mmu, "mmu: tlbilx {scope:?}");
        }
        self.translation_updated();
        Ok(())
    }

    /// Record a return debug event (`rfi`: RET, `rfci` on e500mc: CRET).
    fn return_event(&mut self, event: u32) {
        if self.debug.guest_idm() && self.debug.guest.dbcr0 & event != 0 {
            self.record_guest_event(event);
        }
    }

    pub(crate) fn rfi(&mut self) -> Result<u32, Exc> {
        self.supervisor()?;
        self.return_event(dbcr0::RET);
        self.return_to(self.spr(Spr::Srr1));
        Ok(self.spr(Spr::Srr0) & !3)
    }

    pub(crate) fn rfci(&mut self) -> Result<u32, Exc> {
        self.supervisor()?;
        if !self.flavor.debug_level_interrupt() {
            self.in_debug_handler = false;
        }
        if self.flavor == Flavor::E500mc {
            self.return_event(dbcr0::CRET);
        }
        self.return_to(self.spr(Spr::Csrr1));
        Ok(self.spr(Spr::Csrr0) & !3)
    }

    pub(crate) fn rfdi(&mut self) -> Result<u32, Exc> {
        if !self.flavor.debug_level_interrupt() {
            return Err(self.program(esr::PIL));
        }
        self.supervisor()?;
        self.in_debug_handler = false;
        self.return_to(self.spr(Spr::Dsrr1));
        Ok(self.spr(Spr::Dsrr0) & !3)
    }

    pub(crate) fn rfmci(&mut self) -> Result<u32, Exc> {
        self.supervisor()?;
        self.return_to(self.spr(Spr::Mcsrr1));
        Ok(self.spr(Spr::Mcsrr0) & !3)
    }

    /// A return from interrupt restores `msr`. One that enables debug events or
    /// goes to user mode has left the guest's debug handler, whichever return
    /// it used: Linux leaves a user-mode debug event's handler through its
    /// common exception exit (`rfi`), not `rfci`/`rfdi`.
    fn return_to(&mut self, msr: u32) {
        if msr & (msr::DE | msr::PR) != 0 {
            self.in_debug_handler = false;
        }
        self.set_msr(msr);
    }

    /// Decode and check an SPR number for `mfspr`/`mtspr`.
    /// Check that this core has `spr` and the current privilege may access it.
    #[inline]
    fn spr_access(&mut self, spr: Spr) -> Result<Spr, Exc> {
        if !spr.exists_on(self.flavor) {
            if self.trace.unimp {
                crate::trace::event!(
                    unimp,
                    "unimp: SPR {spr:?} does not exist on the {}",
                    self.flavor
                );
            }
            return Err(self.program(esr::PIL));
        }
        if spr.privileged() && self.msr & msr::PR != 0 {
            return Err(self.program(esr::PPR));
        }
        Ok(spr)
    }

    /// The value `mfspr` returns for `spr` at the instruction at `pc`.
    pub fn read_spr(&mut self, spr: Spr, pc: u32) -> u32 {
        let now = self.now(pc);
        match spr {
            Spr::Dec => self.timers.dec(now),
            Spr::Tbl | Spr::TblW => self.timers.tb(now) as u32,
            Spr::Tbu | Spr::TbuW => (self.timers.tb(now) >> 32) as u32,
            Spr::Tsr => self.timers.tsr(now),
            _ => self.read_spr_static(spr),
        }
    }

    /// SPRs whose value does not depend on time.
    fn read_spr_static(&self, spr: Spr) -> u32 {
        use Spr::*;
        match spr {
            Xer => self.xer,
            Lr => self.lr,
            Ctr => self.ctr,
            Dec | Tbl | TblW | Tbu | TbuW => 0,
            Tsr => self.timers.tsr,
            Tcr => self.timers.tcr,
            Decar => self.timers.decar,
            Pvr => self.flavor.pvr(),
            Svr | Pir => 0,
            Sprg4r => self.spr(Sprg4),
            Sprg5r => self.spr(Sprg5),
            Sprg6r => self.spr(Sprg6),
            Sprg7r => self.spr(Sprg7),
            Dbsr => self.debug.dbsr,
            Dbcr0 => self.debug.guest_dbcr0(),
            Dbcr1 => self.debug.guest.dbcr1,
            Dbcr2 => self.debug.guest.dbcr2,
            Iac1 => self.debug.guest.iac[0],
            Iac2 => self.debug.guest.iac[1],
            Dac1 => self.debug.guest.dac[0],
            Dac2 => self.debug.guest.dac[1],
            Mas0 => self.mmu.mas0,
            Mas1 => self.mmu.mas1,
            Mas2 => self.mmu.mas2,
            Mas3 => self.mmu.mas3,
            Mas4 => self.mmu.mas4,
            Mas6 => self.mmu.mas6,
            Mas7 => self.mmu.mas7,
            Pid0 => self.mmu.pid[0],
            Pid1 => self.mmu.pid[1],
            Pid2 => self.mmu.pid[2],
            Tlb0cfg => self.flavor.tlb0cfg(),
            Tlb1cfg => self.flavor.tlb1cfg(),
            Mmucfg | Mmucsr0 => 0,
            L1cfg0 | L1cfg1 => self.flavor.l1cfg(),
            other => self.spr(other),
        }
    }

    /// What `mtspr` does for `spr` at time base `now` (also used by the debugger).
    pub fn write_spr(&mut self, spr: Spr, v: u32, now: u64) {
        use Spr::*;
        match spr {
            Xer => self.xer = v & (xer::SO | xer::OV | xer::CA | xer::BYTE_COUNT),
            Lr => self.lr = v,
            Ctr => self.ctr = v,
            Dec => {
                self.timers.set_dec(now, v);
                self.want_attention();
            }
            Decar => self.timers.decar = v,
            Tcr => {
                self.timers.set_tcr(now, v);
                self.want_attention();
            }
            Tsr => {
                self.timers.clear_tsr(now, v);
                self.want_attention();
            }
            TblW => {
                self.timers.set_tb(now, false, v);
                self.want_attention();
            }
            TbuW => {
                self.timers.set_tb(now, true, v);
                self.want_attention();
            }
            Dbsr => {
                self.debug.dbsr &= !v;
                self.want_attention();
            }
            Dbcr0 => {
                self.debug.guest.dbcr0 = v & !dbcr0::EDM;
                let rst = (v & dbcr0::RST) >> 28;
                if rst != 0 {
                    self.reset_request = Some(if rst == 3 {
                        ResetKind::System
                    } else {
                        ResetKind::Core
                    });
                }
                self.debug_updated();
            }
            Dbcr1 => {
                self.debug.guest.dbcr1 = v;
                self.debug_updated();
            }
            Dbcr2 => {
                self.debug.guest.dbcr2 = v;
                self.debug_updated();
            }
            Iac1 | Iac2 => {
                self.debug.guest.iac[(spr == Iac2) as usize] = v & !3;
                self.debug_updated();
            }
            Dac1 | Dac2 => {
                self.debug.guest.dac[(spr == Dac2) as usize] = v;
                self.debug_updated();
            }
            Mas0 => self.mmu.mas0 = v,
            Mas1 => self.mmu.mas1 = v,
            Mas2 => self.mmu.mas2 = v,
            Mas3 => self.mmu.mas3 = v,
            Mas4 => self.mmu.mas4 = v,
            Mas6 => self.mmu.mas6 = v,
            Mas7 => self.mmu.mas7 = v & 0xF,
            Pid0 | Pid1 | Pid2 => {
                let i = match spr {
                    Pid0 => 0,
                    Pid1 => 1,
                    _ => 2,
                };
                self.mmu.pid[i] = v & 0x3FFF;
                self.translation_updated();
            }
            Mmucsr0 => {
                self.mmu.flash_invalidate(v & 0x4 != 0, v & 0x2 != 0);
                self.translation_updated();
            }
            Ivpr => self.set_spr(Ivpr, v & 0xFFFF_0000),
            Ivor0 | Ivor1 | Ivor2 | Ivor3 | Ivor4 | Ivor5 | Ivor6 | Ivor7 | Ivor8 | Ivor9
            | Ivor10 | Ivor11 | Ivor12 | Ivor13 | Ivor14 | Ivor15 | Ivor32 | Ivor33 | Ivor34
            | Ivor35 | Ivor36 | Ivor37 => self.set_spr(spr, v & 0xFFF0),
            L1csr0 | L1csr1 => self.set_spr(spr, v & 0x0001_0001),
            // Read-only registers ignore writes.
            Pvr | Svr | Pir | Tlb0cfg | Tlb1cfg | Mmucfg | L1cfg0 | L1cfg1 | Tbl | Tbu | Sprg4r
            | Sprg5r | Sprg6r | Sprg7r | Epr => {}
            other => self.set_spr(other, v),
        }
    }

    pub(crate) fn mfspr(&mut self, rt: Reg, spr: Spr, pc: u32) -> Result<(), Exc> {
        let spr = self.spr_access(spr)?;
        self.gpr[(rt & 31) as usize] = self.read_spr(spr, pc);
        Ok(())
    }

    pub(crate) fn mtspr(&mut self, rs: Reg, spr: Spr, pc: u32) -> Result<(), Exc> {
        let spr = self.spr_access(spr)?;
        let now = self.now(pc);
        self.write_spr(spr, self.gpr[(rs & 31) as usize], now);
        Ok(())
    }

    /// `tw`/`twi`: a true condition takes the trap debug event or a program interrupt.
    pub(crate) fn trap(&mut self, to: u8, a: u32, b: u32) -> Result<(), Exc> {
        let (sa, sb) = (a as i32, b as i32);
        let hit = (to & 0x10 != 0 && sa < sb)
            || (to & 0x08 != 0 && sa > sb)
            || (to & 0x04 != 0 && a == b)
            || (to & 0x02 != 0 && a < b)
            || (to & 0x01 != 0 && a > b);
        if !hit {
            return Ok(());
        }
        if self.debug.guest.dbcr0 & dbcr0::TDE != 0 {
            self.record_guest_event(dbsr::TIE);
            if self.debug.guest_idm() && self.guest_de() {
                return Err(Exc::Interrupt(Interrupt::Debug));
            }
        }
        Err(self.program(esr::PTR))
    }

    pub(crate) fn wait(&mut self) -> Result<(), Exc> {
        if self.flavor == Flavor::E500v2 {
            return Err(self.program(esr::PIL));
        }
        self.halted = true;
        self.want_attention();
        Ok(())
    }

    pub(crate) fn cache_op(&mut self, op: CacheOp, _ra: Reg, _rb: Reg) -> Result<(), Exc> {
        if op == CacheOp::Dcbi {
            self.supervisor()?;
        }
        // Caches are coherent with memory here: nothing to do.
        Ok(())
    }

    /// SPE/embedded-FP instructions, which vmgdb does not execute.
    pub(crate) fn spe(&mut self, word: u32) -> Exc {
        if self.flavor != Flavor::E500v2 {
            return self.program(esr::PIL);
        }
        if self.msr & msr::SPE == 0 {
            self.set_spr(Spr::Esr, esr::SPV);
            return Exc::Interrupt(Interrupt::SpeUnavailable);
        }
        tracing::debug!("unimplemented SPE/EFP instruction {word:#010x}");
        if self.trace.unimp {
            crate::trace::event!(unimp, "unimp: SPE/EFP instruction {word:#010x}");
        }
        self.set_spr(Spr::Esr, esr::SPV);
        Exc::Interrupt(Interrupt::EfpData)
    }

    /// An illegal instruction: a software breakpoint the debugger planted at this
    /// address and mapping, or else a program interrupt, as the hardware gives
    /// (the guest's own breakpoint-pattern words included).
    pub(crate) fn illegal(&mut self, word: u32, pc: u32) -> Exc {
        if word == SW_BREAKPOINT
            && self.debug.host.as_ref().is_some_and(|h| h.sw_breakpoints)
            && self
                .debug_translate_fetch(pc)
                .is_some_and(|pa| self.overlay.is_site(pc, pa))
        {
            return self.host_stop(HostEvent::SoftwareBreakpoint { addr: pc });
        }
        if self.trace.unimp {
            trace_illegal(word, pc);
        }
        self.program(esr::PIL)
    }
}

impl Cpu {
    /// An SPR's value as `mfspr` would return it now, for the debugger.
    pub fn peek_spr(&self, spr: Spr) -> u32 {
        // Reading the timers brings them up to date, which changes nothing visible.
        let mut timers = self.timers.clone();
        let now = self.now_between_runs();
        match spr {
            Spr::Dec => timers.dec(now),
            Spr::Tsr => timers.tsr(now),
            Spr::Tbl | Spr::TblW => timers.tb(now) as u32,
            Spr::Tbu | Spr::TbuW => (timers.tb(now) >> 32) as u32,
            _ => self.read_spr_static(spr),
        }
    }

    /// The debugger writes an SPR: like `mtspr`, except that the write-1-to-clear
    /// status registers (DBSR, TSR) take the value as given (KVM's ONE_REG does the same).
    pub fn poke_spr(&mut self, spr: Spr, v: u32) {
        let now = self.now_between_runs();
        match spr {
            Spr::Dbsr => {
                self.debug.dbsr = v;
                self.want_attention();
            }
            Spr::Tsr => {
                self.timers.set_tsr(now, v);
                self.want_attention();
            }
            _ => self.write_spr(spr, v, now),
        }
    }

    /// Forget cached translations after an outside change to the MMU.
    pub fn invalidate_translations(&mut self) {
        self.translation_updated();
    }
}

/// Say what an illegal instruction is: an SPR access to an SPR number the core
/// does not know, or an unknown instruction.
#[cold]
fn trace_illegal(word: u32, pc: u32) {
    let spr = ((word >> 16) & 0x1F) | ((word >> 6) & 0x3E0);
    match (word >> 26, (word >> 1) & 0x3FF) {
        (31, 339) => crate::trace::event!(unimp, "unimp: mfspr of SPR {spr} at {pc:#010x}"),
        (31, 467) => crate::trace::event!(unimp, "unimp: mtspr of SPR {spr} at {pc:#010x}"),
        _ => crate::trace::event!(unimp, "unimp: instruction {word:#010x} at {pc:#010x}"),
    }
}
