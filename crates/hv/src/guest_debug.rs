//! `set_guest_debug`'s argument and the debug exits it produces, with KVM's values.

/// `GuestDebug::control` flags (KVM_GUESTDBG_*).
pub mod control {
    /// The debugger owns guest debugging.
    pub const ENABLE: u32 = 0x0000_0001;
    /// Exit after every guest instruction.
    pub const SINGLESTEP: u32 = 0x0000_0002;
    /// Executing the software-breakpoint instruction exits.
    pub const USE_SW_BP: u32 = 0x0001_0000;
    /// `bps` holds hardware breakpoints and watchpoints.
    pub const USE_HW_BP: u32 = 0x0002_0000;
    /// With SINGLESTEP: an interrupt that comes due during a step is taken at its
    /// instruction, and its handler runs through before the step completes (the
    /// step never stops in a handler, and the guest is not delayed). vmgdb's own
    /// flag, in the bit x86 KVM uses for KVM_GUESTDBG_BLOCKIRQ, the nearest thing
    /// KVM has (which masks the interrupt instead).
    pub const STEP_OVER_INTERRUPTS: u32 = 0x0010_0000;
    /// Every flag this layer knows.
    pub const ALL: u32 = ENABLE | SINGLESTEP | USE_SW_BP | USE_HW_BP | STEP_OVER_INTERRUPTS;
}

/// `HwBreakpoint::kind` bits (KVMPPC_DEBUG_*); the same bits make up an exit's status.
pub mod bp_type {
    /// Instruction breakpoint (an IAC).
    pub const BREAKPOINT: u32 = 0x2;
    /// Watch stores (a DAC with W).
    pub const WATCH_WRITE: u32 = 0x4;
    /// Watch loads (a DAC with R).
    pub const WATCH_READ: u32 = 0x8;
    /// Watch both.
    pub const WATCH_ACCESS: u32 = WATCH_WRITE | WATCH_READ;
}

/// One hardware breakpoint or watchpoint request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HwBreakpoint {
    /// Guest effective address.
    pub addr: u64,
    /// [`bp_type`] bits; 0 (KVMPPC_DEBUG_NONE) entries are skipped.
    pub kind: u32,
    /// Bytes watched from `addr` (watchpoints only): 1, 2, 4 or 8, naturally
    /// aligned. KVM's interface has no length and compares one address; this is
    /// the emulated comparator's extension.
    pub len: u32,
}

impl HwBreakpoint {
    /// An instruction breakpoint at `addr`.
    pub fn breakpoint(addr: u64) -> HwBreakpoint {
        HwBreakpoint {
            addr,
            kind: bp_type::BREAKPOINT,
            len: 4,
        }
    }

    /// A watchpoint of `kind` over `len` bytes at `addr`.
    pub fn watchpoint(addr: u64, len: u32, kind: u32) -> HwBreakpoint {
        HwBreakpoint { addr, kind, len }
    }
}

/// The argument of [`crate::Vcpu::set_guest_debug`] (KVM's `kvm_guest_debug`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuestDebug {
    /// [`control`] flags.
    pub control: u32,
    /// Hardware breakpoints and watchpoints, used with [`control::USE_HW_BP`].
    pub bps: Vec<HwBreakpoint>,
}

/// Why `set_guest_debug` refused a request (nothing was changed).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GuestDebugError {
    #[error("unknown control flags {0:#x}")]
    UnknownControl(u32),
    #[error("breakpoint {index} has an unknown type {kind:#x}")]
    UnknownType { index: usize, kind: u32 },
    #[error("too many hardware breakpoints: the core has {available} instruction comparators")]
    TooManyBreakpoints { available: usize },
    #[error("too many watchpoints: the core has {available} data comparators")]
    TooManyWatchpoints { available: usize },
    #[error("watchpoint {index}: {len} bytes at {addr:#x} cannot be compared exactly (1, 2, 4 or 8 aligned bytes)")]
    BadWatchLength { index: usize, addr: u64, len: u32 },
    #[error("breakpoint {index}: address {addr:#x} is beyond the 32-bit effective address space")]
    BadAddress { index: usize, addr: u64 },
}

/// What fired, named (KVM reports single-step and software breakpoint both as 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DebugReason {
    /// A hardware breakpoint (IAC): the instruction has not executed.
    Breakpoint,
    /// A watchpoint on a store; fired before the store.
    WatchWrite,
    /// A watchpoint on a load; fired before the load.
    WatchRead,
    /// One instruction was executed (or an interrupt entered).
    SingleStep,
    /// The software-breakpoint instruction was reached.
    SoftwareBreakpoint,
}

/// A debug exit (KVM's `kvm_debug_exit_arch`, plus the reason and the latched DBSR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DebugExit {
    /// Breakpoints: the instruction address. Watchpoints: the programmed watch
    /// address. Single step: the next instruction. Software breakpoint: its address.
    pub address: u64,
    /// KVM's status: BREAKPOINT, WATCH_WRITE, WATCH_READ, or 0.
    pub status: u32,
    pub reason: DebugReason,
    /// DBSR of the debugger's bank as captured at the event (then cleared).
    pub dbsr: u32,
}

/// How many comparators `set_guest_debug` may program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HwDebugLimits {
    /// The hardware's: 2 IACs, 2 DACs comparing 1, 2, 4 or 8 aligned bytes (KVM's rules).
    Hardware,
    /// vmgdb's extension: any number of each, watchpoints of any length. Comparators
    /// that never fire cost the guest nothing either way.
    Unlimited,
}
