//! # vmgdb-hv: the hypervisor layer
//!
//! This crate owns the interface between a virtual machine monitor and a virtual
//! CPU, shaped after Linux KVM's BookE guest-debug support:
//!
//! * [`Vcpu`]: run the guest until it exits; read and write registers and guest
//!   memory while it is stopped; plant software breakpoints.
//! * [`GuestDebug`] and [`Vcpu::set_guest_debug`]: one call programs single-step,
//!   software breakpoints, hardware breakpoints (IAC) and watchpoints (DAC), with
//!   KVM's flag and type values.
//! * [`DebugExit`]: every debug event comes back saying what fired and where, with
//!   KVM's status value alongside a reason that tells single-step from software
//!   breakpoint.
//!
//! Its one backend, [`e500::E500Vcpu`], drives the emulated core of the `e500`
//! crate: the debugger's comparators live in the core's host bank, never in the
//! registers the guest reads, so the guest's own debug resources keep working.

pub mod e500;
pub mod guest_debug;
pub mod vcpu;

/// The e500 vocabulary this layer's API is written in (flavours, SPR names, the
/// MSR and debug-register bits a debugger shows), re-exported so that users of
/// the `Vcpu` API, the GDB stub among them, depend on this layer alone.
pub mod arch {
    pub use e500::debug::{dbcr0, dbsr};
    pub use e500::{msr, Engine, Flavor, Spr};
}

pub use crate::e500::E500Vcpu;
pub use guest_debug::{
    bp_type, control, DebugExit, DebugReason, GuestDebug, GuestDebugError, HwBreakpoint,
    HwDebugLimits,
};
pub use vcpu::{Exit, MemoryError, Reg, RegError, TlbInfo, Vcpu};
