//! # e500: the Freescale e500 core, emulated
//!
//! This crate owns everything that is the *core*: the 32-bit BookE integer ISA,
//! the e500mc classic FPU, the MMU (TLB0/TLB1, MAS registers), the SPRs, the
//! interrupt model (IVPR/IVORs with the SRR/CSRR/DSRR/MCSRR classes), the time base,
//! decrementer, fixed-interval timer and watchdog, and the debug facility (DBCR0-2,
//! DBSR, IAC1-2, DAC1-2) with a guest bank and a debugger bank.
//!
//! It is pure: no I/O, no threads, no clocks. Physical accesses outside RAM go to a
//! [`Bus`] the caller supplies; time advances with retired instructions. Both
//! flavours are supported: [`Flavor::E500v2`] and [`Flavor::E500mc`].
//!
//! The entry point is [`Core`]: build one, load RAM, set registers, and call
//! [`Core::run`] until it returns a [`Stop`].

pub mod access;
pub mod asm;
pub mod cpu;
pub mod debug;
pub mod decode;
pub mod engine;
mod exec;
pub mod flavor;
pub mod interrupt;
pub mod jit;
pub mod memory;
pub mod mmu;
pub mod msr;
mod pagebits;
pub mod softtlb;
pub mod spr;
pub mod timer;
pub mod trace;

pub use access::MemError;
pub use cpu::{ArchState, Cpu, ResetKind};
pub use debug::{HostDebug, HostEvent, HostWatch, WatchKind};
pub use engine::{Core, Engine, Stop};
pub use exec::SW_BREAKPOINT;
pub use flavor::Flavor;
pub use memory::{Bus, BusAction, NoDevices, Ram};
pub use spr::Spr;
pub use trace::Trace;

#[cfg(test)]
mod tests;
