//! The `gdbstub` target: one debugging session's view of a [`Machine`], with one
//! module per GDB capability (after `gdbstub`'s `armv4t` example):
//!
//! * [`base`]: registers (`g`, `p`, `P`) and memory (`m`, `M`), virtual or physical;
//! * [`resume`]: continue, single step, range step, and turning the machine's
//!   events into stop replies;
//! * [`breakpoints`]: `Z0`..`Z4` mapped onto `set_guest_debug`;
//! * [`monitor`]: the `monitor` commands;
//! * [`extended_mode`]: `kill`, and `run` as a machine reset;
//! * [`target_xml`]: the target description served to GDB;
//! * [`arch`] and [`regs`]: the register layout both of them share.

pub mod arch;
pub mod base;
pub mod breakpoints;
pub mod extended_mode;
mod memory_dump;
pub mod monitor;
pub mod regs;
pub mod resume;
pub mod target_xml;

use crate::machine::Machine;
use arch::E500Arch;
use breakpoints::DebugState;
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::BreakpointsOps;
use gdbstub::target::ext::extended_mode::ExtendedModeOps;
use gdbstub::target::ext::monitor_cmd::MonitorCmdOps;
use gdbstub::target::ext::target_description_xml_override::TargetDescriptionXmlOverrideOps;
use gdbstub::target::Target;
use regs::RegMap;
use resume::ResumeMode;

/// A fault that ends the session (the client is dropped, the machine runs on).
#[derive(Debug, thiserror::Error)]
pub enum StubError {
    #[error("the vCPU refused to clear guest debugging: {0}")]
    GuestDebug(#[from] vmgdb_hv::GuestDebugError),
}

/// How a session asked vmgdb to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndRequest {
    /// `monitor quit`.
    Quit,
}

/// One debugging session's state, borrowing the machine.
pub struct Stub<'m, M: Machine> {
    pub(crate) machine: &'m mut M,
    pub(crate) regs: RegMap,
    pub(crate) xml: String,
    pub(crate) debug: DebugState,
    /// Physical addressing and single-step flags, shared with the connection
    /// (QEMU's packets set them there).
    pub(crate) settings: crate::settings::Shared,
    pub(crate) resume: ResumeMode,
    pub(crate) end: Option<EndRequest>,
    /// The client asked for extended-remote mode (`!`).
    pub(crate) extended: bool,
}

impl<'m, M: Machine> Stub<'m, M> {
    /// A session on `machine`, with no breakpoints and guest debugging off.
    pub fn new(
        machine: &'m mut M,
        flavor: vmgdb_hv::arch::Flavor,
    ) -> Result<Stub<'m, M>, StubError> {
        let regs = RegMap::new(flavor);
        let xml = target_xml::generate(&regs);
        let mut stub = Stub {
            machine,
            regs,
            xml,
            debug: DebugState::default(),
            settings: Default::default(),
            resume: ResumeMode::Continue,
            end: None,
            extended: false,
        };
        stub.debug.reset(stub.machine.vcpu())?;
        Ok(stub)
    }

    /// Undo everything the session programmed: breakpoints, watchpoints, single
    /// step, physical addressing. The guest's memory holds its own bytes again.
    pub fn release(&mut self) -> Result<(), StubError> {
        self.settings.phys.set(false);
        self.resume = ResumeMode::Continue;
        Ok(self.debug.reset(self.machine.vcpu())?)
    }

    /// What the session asked for when it ended, if anything.
    pub fn end_request(&self) -> Option<EndRequest> {
        self.end
    }
}

impl<M: Machine> Target for Stub<'_, M> {
    type Arch = E500Arch;
    type Error = StubError;

    #[inline(always)]
    fn base_ops(&mut self) -> BaseOps<'_, E500Arch, StubError> {
        BaseOps::SingleThread(self)
    }

    #[inline(always)]
    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_extended_mode(&mut self) -> Option<ExtendedModeOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_monitor_cmd(&mut self) -> Option<MonitorCmdOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_target_description_xml_override(
        &mut self,
    ) -> Option<TargetDescriptionXmlOverrideOps<'_, Self>> {
        Some(self)
    }
}
