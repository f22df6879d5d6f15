//! The e500 backend of [`Vcpu`]: the emulated core of the `e500` crate.
//!
//! `set_guest_debug` validates the whole request first (so an error changes
//! nothing), then installs it as the core's host bank of comparators. The guest's
//! own DBCR/IAC/DAC stay in the guest bank: the guest keeps using them and reads
//! back what it wrote, with DBCR0[EDM] set while the debugger is attached.

use crate::guest_debug::{
    bp_type, control, DebugExit, DebugReason, GuestDebug, GuestDebugError, HwDebugLimits,
};
use crate::vcpu::{Exit, MemoryError, Reg, RegError, TlbInfo, Vcpu};
use e500::debug::dbsr;
use e500::mmu::TlbEntry;
use e500::{
    Bus, Core, Flavor, HostDebug, HostEvent, HostWatch, Spr, Stop, WatchKind, SW_BREAKPOINT,
};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Instruction comparators on both e500 flavours.
pub const IAC_COUNT: usize = 2;
/// Data comparators on both e500 flavours.
pub const DAC_COUNT: usize = 2;

/// An emulated e500 vCPU with its RAM.
pub struct E500Vcpu {
    core: Core,
    /// Software breakpoints: guest-virtual address → the physical word planted,
    /// or `None` for one compared by address (nothing was mapped there).
    sw_breakpoints: BTreeMap<u64, Option<u64>>,
    limits: HwDebugLimits,
}

impl E500Vcpu {
    /// A vCPU of `flavor` with `ram_size` bytes of RAM, in reset state.
    pub fn new(flavor: Flavor, ram_size: usize) -> E500Vcpu {
        E500Vcpu {
            core: Core::new(flavor, ram_size),
            sw_breakpoints: BTreeMap::new(),
            limits: HwDebugLimits::Hardware,
        }
    }

    /// Which e500 this is.
    pub fn flavor(&self) -> Flavor {
        self.core.cpu.flavor()
    }

    /// Trace these execution events (QEMU's `-d`; see [`e500::trace`]).
    pub fn set_trace(&mut self, trace: e500::Trace) {
        self.core.set_trace(trace);
    }

    /// Select how guest code executes (the same behaviour either way).
    pub fn set_engine(&mut self, engine: e500::Engine) -> Result<(), e500::jit::JitError> {
        self.core.set_engine(engine)
    }

    /// Compile blocks after they ran `runs` times (with the block compiler).
    pub fn set_jit_threshold(&mut self, runs: u32) {
        self.core.set_jit_threshold(runs);
    }

    /// The emulated core (for inspection).
    pub fn core(&self) -> &Core {
        &self.core
    }

    /// Size of RAM in bytes.
    pub fn ram_size(&self) -> u64 {
        self.core.cpu.ram().len()
    }

    /// The software-breakpoint addresses currently planted.
    pub fn sw_breakpoint_addrs(&self) -> Vec<u64> {
        self.sw_breakpoints.keys().copied().collect()
    }
}

/// Check a whole request and turn it into the core's host bank.
fn host_bank(
    dbg: &GuestDebug,
    limits: HwDebugLimits,
) -> Result<Option<HostDebug>, GuestDebugError> {
    let unknown = dbg.control & !control::ALL;
    if unknown != 0 {
        return Err(GuestDebugError::UnknownControl(unknown));
    }
    if dbg.control & control::ENABLE == 0 {
        return Ok(None);
    }
    let mut host = HostDebug {
        single_step: dbg.control & control::SINGLESTEP != 0,
        step_over_interrupts: dbg.control & control::STEP_OVER_INTERRUPTS != 0,
        sw_breakpoints: dbg.control & control::USE_SW_BP != 0,
        ..HostDebug::default()
    };
    if dbg.control & control::USE_HW_BP == 0 {
        return Ok(Some(host));
    }
    let hardware = limits == HwDebugLimits::Hardware;
    for (index, bp) in dbg.bps.iter().enumerate() {
        if bp.kind == 0 {
            continue;
        }
        let known = bp.kind == bp_type::BREAKPOINT || bp.kind & !bp_type::WATCH_ACCESS == 0;
        if !known {
            return Err(GuestDebugError::UnknownType {
                index,
                kind: bp.kind,
            });
        }
        let addr = u32::try_from(bp.addr).map_err(|_| GuestDebugError::BadAddress {
            index,
            addr: bp.addr,
        })?;
        if bp.kind == bp_type::BREAKPOINT {
            if hardware && host.iac.len() == IAC_COUNT {
                return Err(GuestDebugError::TooManyBreakpoints {
                    available: IAC_COUNT,
                });
            }
            host.iac.push(addr & !3);
        } else {
            let len = bp.len.max(1);
            let exact = matches!(len, 1 | 2 | 4 | 8) && addr % len == 0;
            let fits = u64::from(addr) + u64::from(len) <= 1 << 32;
            if (hardware && !exact) || !fits {
                return Err(GuestDebugError::BadWatchLength {
                    index,
                    addr: bp.addr,
                    len: bp.len,
                });
            }
            if hardware && host.dac.len() == DAC_COUNT {
                return Err(GuestDebugError::TooManyWatchpoints {
                    available: DAC_COUNT,
                });
            }
            let kind = WatchKind {
                read: bp.kind & bp_type::WATCH_READ != 0,
                write: bp.kind & bp_type::WATCH_WRITE != 0,
            };
            host.dac.push(HostWatch { addr, len, kind });
        }
    }
    Ok(Some(host))
}

fn debug_exit(event: HostEvent) -> DebugExit {
    match event {
        HostEvent::Breakpoint { addr, dbsr } => DebugExit {
            address: addr as u64,
            status: bp_type::BREAKPOINT,
            reason: DebugReason::Breakpoint,
            dbsr,
        },
        HostEvent::Watchpoint { addr, write, dbsr } => DebugExit {
            address: addr as u64,
            status: if write {
                bp_type::WATCH_WRITE
            } else {
                bp_type::WATCH_READ
            },
            reason: if write {
                DebugReason::WatchWrite
            } else {
                DebugReason::WatchRead
            },
            dbsr,
        },
        HostEvent::Step { next } => DebugExit {
            address: next as u64,
            status: 0,
            reason: DebugReason::SingleStep,
            dbsr: dbsr::IC,
        },
        HostEvent::SoftwareBreakpoint { addr } => DebugExit {
            address: addr as u64,
            status: 0,
            reason: DebugReason::SoftwareBreakpoint,
            dbsr: 0,
        },
    }
}

impl Vcpu for E500Vcpu {
    fn run_for(&mut self, io: &mut dyn Bus, budget: u64) -> Exit {
        match self.core.run(io, budget) {
            Stop::Host(event) => Exit::Debug(debug_exit(event)),
            Stop::Halted => Exit::Halted,
            Stop::Bus => Exit::Device,
            Stop::Reset(kind) => Exit::Reset(kind),
            Stop::Interrupted => Exit::Interrupted,
            Stop::Limit => Exit::Budget,
        }
    }

    fn kick_handle(&self) -> Arc<AtomicBool> {
        self.core.stop_handle()
    }

    fn set_guest_debug(&mut self, dbg: &GuestDebug) -> Result<(), GuestDebugError> {
        let host = host_bank(dbg, self.limits)?;
        self.core.set_host_debug(host);
        Ok(())
    }

    fn hw_debug_slots(&self) -> (usize, usize) {
        match self.limits {
            HwDebugLimits::Hardware => (IAC_COUNT, DAC_COUNT),
            HwDebugLimits::Unlimited => (usize::MAX, usize::MAX),
        }
    }

    fn set_hw_debug_limits(&mut self, limits: HwDebugLimits) -> bool {
        self.limits = limits;
        true
    }

    fn debug_inst(&self) -> u32 {
        SW_BREAKPOINT
    }

    fn insert_sw_breakpoint(&mut self, addr: u64) -> Result<(), MemoryError> {
        let ea = u32::try_from(addr).map_err(|_| MemoryError::Unmapped(addr))?;
        let pa = self
            .core
            .cpu
            .debug_translate_fetch(ea)
            .or_else(|| self.core.cpu.debug_translate(ea));
        // Where no RAM is mapped (yet), compare the address instead, as QEMU
        // does for every breakpoint: `break start_kernel` before Linux maps it.
        let planted = match pa {
            Some(pa)
                if self
                    .core
                    .cpu
                    .plant_breakpoint(ea, pa, SW_BREAKPOINT)
                    .is_ok() =>
            {
                Some(pa & !3)
            }
            _ => {
                self.core.cpu.add_address_breakpoint(ea);
                None
            }
        };
        self.sw_breakpoints.insert(addr, planted);
        Ok(())
    }

    fn remove_sw_breakpoint(&mut self, addr: u64) -> Result<(), MemoryError> {
        let planted = self
            .sw_breakpoints
            .remove(&addr)
            .ok_or(MemoryError::NoBreakpoint(addr))?;
        // `addr` came from a u32 when it was set.
        match planted {
            Some(pa) => self.core.cpu.remove_breakpoint(addr as u32, pa)?,
            None => {
                self.core.cpu.remove_address_breakpoint(addr as u32);
            }
        }
        Ok(())
    }

    fn clear_sw_breakpoints(&mut self) {
        self.core.cpu.clear_breakpoints();
        self.sw_breakpoints.clear();
    }

    fn get_reg(&self, reg: Reg) -> Result<u64, RegError> {
        let cpu = &self.core.cpu;
        let fpu = cpu.flavor().has_fpu();
        Ok(match reg {
            Reg::Gpr(n) if n < 32 => cpu.gpr[n as usize] as u64,
            Reg::Fpr(n) if n < 32 && fpu => cpu.fpr[n as usize],
            Reg::Pc => cpu.pc as u64,
            Reg::Msr => cpu.msr() as u64,
            Reg::Cr => cpu.cr as u64,
            Reg::Lr => cpu.lr as u64,
            Reg::Ctr => cpu.ctr as u64,
            Reg::Xer => cpu.xer as u64,
            Reg::Fpscr if fpu => cpu.fpscr as u64,
            Reg::Spr(s) if s.exists_on(cpu.flavor()) => cpu.peek_spr(s) as u64,
            other => return Err(RegError::NoSuchRegister(other)),
        })
    }

    fn set_reg(&mut self, reg: Reg, value: u64) -> Result<(), RegError> {
        let cpu = &mut self.core.cpu;
        let fpu = cpu.flavor().has_fpu();
        let v = value as u32;
        match reg {
            Reg::Gpr(n) if n < 32 => cpu.gpr[n as usize] = v,
            Reg::Fpr(n) if n < 32 && fpu => cpu.fpr[n as usize] = value,
            Reg::Pc => cpu.pc = v,
            Reg::Msr => cpu.set_msr(v),
            Reg::Cr => cpu.cr = v,
            Reg::Lr => cpu.lr = v,
            Reg::Ctr => cpu.ctr = v,
            Reg::Xer => cpu.poke_spr(Spr::Xer, v),
            Reg::Fpscr if fpu => cpu.fpscr = v,
            Reg::Spr(s) if s.exists_on(cpu.flavor()) => cpu.poke_spr(s, v),
            other => return Err(RegError::NoSuchRegister(other)),
        }
        Ok(())
    }

    fn read_virt(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        let ea = u32::try_from(addr).map_err(|_| MemoryError::Unmapped(addr))?;
        Ok(self.core.cpu.read_virt(ea, buf)?)
    }

    fn write_virt(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        let ea = u32::try_from(addr).map_err(|_| MemoryError::Unmapped(addr))?;
        Ok(self.core.cpu.write_virt(ea, data)?)
    }

    fn read_phys(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        Ok(self.core.cpu.read_phys(addr, buf)?)
    }

    fn write_phys(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        Ok(self.core.cpu.write_phys(addr, data)?)
    }

    fn translate(&self, addr: u64) -> Option<u64> {
        self.core.cpu.debug_translate(u32::try_from(addr).ok()?)
    }

    fn tlb(&self) -> Vec<TlbInfo> {
        let mmu = &self.core.cpu.mmu;
        let info = |tlb: u8, index: usize, e: &TlbEntry| TlbInfo {
            tlb,
            index: index as u16,
            valid: e.valid(),
            iprot: e.iprot(),
            tid: e.tid(),
            ts: e.ts(),
            ea: e.epn(),
            pa: e.rpn(),
            size: e.size(),
            wimge: (e.mas2 & 0x1F) as u8,
            perms: (e.mas3 & 0x3F) as u8,
        };
        let tlb0 = mmu.tlb0.iter().enumerate().map(|(i, e)| info(0, i, e));
        let tlb1 = mmu.tlb1.iter().enumerate().map(|(i, e)| info(1, i, e));
        tlb0.chain(tlb1).collect()
    }

    fn set_tlb1_entry(&mut self, index: usize, mas1: u32, mas2: u32, mas3: u32, mas7: u32) -> bool {
        let ok = self.core.cpu.mmu.set_tlb1(
            index,
            TlbEntry {
                mas1,
                mas2,
                mas3,
                mas7,
            },
        );
        self.core.cpu.invalidate_translations();
        ok
    }

    fn reset(&mut self) {
        self.core.reset();
    }

    fn instructions(&self) -> u64 {
        self.core.icount()
    }
}
