//! The [`Vcpu`] trait: what a VMM and its debug stub can do with a virtual CPU.

use crate::guest_debug::{DebugExit, GuestDebug, GuestDebugError, HwDebugLimits};
use e500::{Bus, Spr};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

pub use e500::ResetKind;

/// Why [`Vcpu::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// A debug event the debugger asked for (KVM_EXIT_DEBUG).
    Debug(DebugExit),
    /// The CPU idles waiting for an interrupt no timer will raise.
    Halted,
    /// A device asked the VMM to act (power-off, reset request, ...): ask the board.
    Device,
    /// The guest asked for a reset.
    Reset(ResetKind),
    /// The kick handle was set (KVM's immediate_exit / a signal).
    Interrupted,
    /// The instruction budget given to [`Vcpu::run_for`] was used up.
    Budget,
}

/// A register as the debugger names it (KVM one_reg style).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reg {
    Gpr(u8),
    Fpr(u8),
    Pc,
    Msr,
    Cr,
    Lr,
    Ctr,
    Xer,
    Fpscr,
    /// Any SPR, by its architected name; reads show the guest's view.
    Spr(Spr),
}

/// A register access that cannot be done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegError {
    #[error("register {0:?} does not exist on this CPU")]
    NoSuchRegister(Reg),
    /// The e500v2's SPE state beyond the 32-bit GPRs (upper halves, accumulator)
    /// is not emulated: it reads 0 and only 0 can be written.
    #[error("SPE state is not emulated: it reads 0, and only 0 can be written")]
    SpeNotEmulated,
}

/// A guest memory access that cannot be done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    #[error("guest address {0:#x} is not mapped by the guest's MMU")]
    Unmapped(u64),
    #[error("guest physical address {0:#x} is not RAM")]
    NotRam(u64),
    #[error("no software breakpoint at {0:#x}")]
    NoBreakpoint(u64),
}

impl From<e500::MemError> for MemoryError {
    fn from(e: e500::MemError) -> Self {
        match e {
            e500::MemError::Unmapped(a) => MemoryError::Unmapped(a),
            e500::MemError::NotRam(a) => MemoryError::NotRam(a),
        }
    }
}

/// One TLB entry, for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbInfo {
    /// 0 or 1.
    pub tlb: u8,
    /// Entry index within the TLB.
    pub index: u16,
    pub valid: bool,
    pub iprot: bool,
    pub tid: u32,
    /// Address space (MAS1[TS]).
    pub ts: bool,
    pub ea: u32,
    pub pa: u64,
    pub size: u64,
    /// WIMGE bits.
    pub wimge: u8,
    /// MAS3 permission bits (UX SX UW SW UR SR).
    pub perms: u8,
}

/// A virtual CPU.
pub trait Vcpu {
    /// Run the guest until an exit. `io` receives every access outside RAM.
    fn run(&mut self, io: &mut dyn Bus) -> Exit {
        self.run_for(io, u64::MAX)
    }

    /// Run at most about `budget` instructions.
    fn run_for(&mut self, io: &mut dyn Bus, budget: u64) -> Exit;

    /// Setting this flag from any thread makes `run` return [`Exit::Interrupted`].
    fn kick_handle(&self) -> Arc<AtomicBool>;

    /// Program guest debugging (KVM_SET_GUEST_DEBUG). On error nothing changes.
    fn set_guest_debug(&mut self, dbg: &GuestDebug) -> Result<(), GuestDebugError>;

    /// Number of instruction and data comparators `set_guest_debug` accepts (KVM: 2
    /// and 2 on BookE e500; `usize::MAX` when unlimited).
    fn hw_debug_slots(&self) -> (usize, usize);

    /// Choose how many comparators `set_guest_debug` accepts (vmgdb's extension
    /// beyond the hardware's two of each). Returns false if the backend cannot.
    /// Takes effect at the next `set_guest_debug`.
    fn set_hw_debug_limits(&mut self, limits: HwDebugLimits) -> bool {
        let _ = limits;
        false
    }

    /// The software-breakpoint instruction (KVM_REG_PPC_DEBUG_INST).
    fn debug_inst(&self) -> u32;

    /// Plant the software-breakpoint instruction at guest-virtual `addr`. The guest
    /// and the debugger keep reading the original instruction there. Where no RAM
    /// is mapped at `addr` (yet), the breakpoint is kept by address instead and
    /// fires once the guest runs code there, as QEMU's do.
    fn insert_sw_breakpoint(&mut self, addr: u64) -> Result<(), MemoryError>;

    /// Restore the original instruction at `addr`.
    fn remove_sw_breakpoint(&mut self, addr: u64) -> Result<(), MemoryError>;

    /// Remove every planted software breakpoint.
    fn clear_sw_breakpoints(&mut self);

    fn get_reg(&self, reg: Reg) -> Result<u64, RegError>;
    fn set_reg(&mut self, reg: Reg, value: u64) -> Result<(), RegError>;

    /// Read guest-virtual memory through the guest's current MMU state.
    fn read_virt(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError>;
    /// Write guest-virtual memory through the guest's current MMU state.
    fn write_virt(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError>;
    /// Read guest-physical memory.
    fn read_phys(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError>;
    /// Write guest-physical memory.
    fn write_phys(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError>;
    /// Translate a guest-virtual address (no side effects).
    fn translate(&self, addr: u64) -> Option<u64>;

    /// Every TLB entry (valid or not).
    fn tlb(&self) -> Vec<TlbInfo>;
    /// Write a TLB1 entry in MAS form (a loader's boot mapping).
    fn set_tlb1_entry(&mut self, index: usize, mas1: u32, mas2: u32, mas3: u32, mas7: u32) -> bool;

    /// Reset the CPU to its power-on state (RAM and debug settings are kept).
    fn reset(&mut self);

    /// Instructions retired so far.
    fn instructions(&self) -> u64;
}
