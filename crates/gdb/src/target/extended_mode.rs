//! `kill`, and extended-remote basics.
//!
//! Over `target remote`, `kill` ends vmgdb, as on QEMU. Over `target
//! extended-remote` the machine outlives its "process": `kill` resets it and
//! leaves it stopped, `run` (and `R`) reset it and stop before its first
//! instruction. There is nothing to attach to.

use super::Stub;
use crate::machine::Machine;
use gdbstub::common::Pid;
use gdbstub::target::ext::extended_mode::{Args, AttachKind, ExtendedMode, ShouldTerminate};
use gdbstub::target::{TargetError, TargetResult};

/// The one "process": the machine.
const MACHINE_PID: Pid = match Pid::new(1) {
    Some(p) => p,
    None => unreachable!(),
};

impl<M: Machine> ExtendedMode for Stub<'_, M> {
    fn run(&mut self, _filename: Option<&[u8]>, _args: Args<'_, '_>) -> TargetResult<Pid, Self> {
        self.machine.reset();
        Ok(MACHINE_PID)
    }

    fn attach(&mut self, _pid: Pid) -> TargetResult<(), Self> {
        Err(TargetError::NonFatal)
    }

    fn query_if_attached(&mut self, _pid: Pid) -> TargetResult<AttachKind, Self> {
        Ok(AttachKind::Attach)
    }

    fn kill(&mut self, _pid: Option<Pid>) -> TargetResult<ShouldTerminate, Self> {
        if self.extended {
            self.machine.reset();
            Ok(ShouldTerminate::No)
        } else {
            Ok(ShouldTerminate::Yes)
        }
    }

    fn restart(&mut self) -> Result<(), Self::Error> {
        self.machine.reset();
        Ok(())
    }

    fn on_start(&mut self) -> Result<(), Self::Error> {
        self.extended = true;
        Ok(())
    }
}
