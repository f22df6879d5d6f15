//! Resuming the guest: continue (`c`), single step (`s`), range step (`r`), and
//! turning what [`Machine::run`] returns into a stop reply.
//!
//! A single step is the vCPU's SINGLESTEP: it exits after one instruction, or at
//! the vector of an interrupt the instruction raised. A range step repeats it
//! while the PC stays in GDB's range, so `step`/`next` over a source line cost one
//! round trip instead of one per instruction.
//!
//! While the guest runs, the session's watcher kicks the machine when the client
//! sends something (Ctrl-C, or a dropped connection): [`Stub::execute`] then
//! returns [`Execution::Incoming`] and the session reads it. A kick with nothing
//! to read (it raced with another stop) just resumes.

use super::regs::Feature;
use super::Stub;
use crate::machine::{Machine, MachineEvent};
use crate::settings::sstep;
use gdbstub::common::Signal;
use gdbstub::stub::SingleThreadStopReason;
use gdbstub::target::ext::base::singlethread::{
    SingleThreadRangeStepping, SingleThreadRangeSteppingOps, SingleThreadResume,
    SingleThreadSingleStep, SingleThreadSingleStepOps,
};
use vmgdb_hv::{DebugExit, DebugReason};

/// What GDB asked the guest to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumeMode {
    Continue,
    Step,
    /// Step while `start <= pc < end`.
    Range {
        start: u32,
        end: u32,
    },
}

/// How [`Stub::execute`] came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Execution {
    /// The guest stopped for this reason.
    Stopped(SingleThreadStopReason<u32>),
    /// The client sent something while the guest ran; the guest is paused.
    Incoming,
    /// The guest idles and nothing will wake it: wait for the client.
    Idle,
}

/// What [`Stub::execute`] needs from the client connection.
pub trait ClientLink {
    /// Start (`true`) or stop kicking the machine when the client sends data.
    fn watch(&mut self, on: bool);
    /// Whether the client has sent bytes not yet consumed (never blocks).
    fn has_input(&mut self) -> bool;
}

/// Logged (debug) when a resumed guest has run its first slice and the stub
/// starts listening to the client while it runs on.
pub const RUNS_ON_MESSAGE: &str = "gdb: the guest runs on; watching the client";

/// Instructions a resumed guest runs before the stub arms the watcher (see
/// [`Stub::execute`]): a fraction of a millisecond, the longest a Ctrl-C can wait.
pub const QUIET_SLICE: u64 = 1 << 16;

/// The stop reply for a finished single step (a T packet, so registers can be
/// expedited with it).
pub const STEPPED: SingleThreadStopReason<u32> = SingleThreadStopReason::SignalWithThread {
    tid: (),
    signal: Signal::SIGTRAP,
};

impl<M: Machine> Stub<'_, M> {
    /// Run the guest as [`Stub::resume`] says until it stops, the client speaks, or
    /// it idles for good.
    ///
    /// A single step returns by itself. Anything longer first runs a short
    /// slice ([`QUIET_SLICE`] instructions) without the watcher: most
    /// continues end at the next breakpoint well within it, and arming the
    /// watcher costs a thread wake-up per resume. Then the client is looked at
    /// once, and the watcher armed for the rest of the run.
    pub fn execute(&mut self, client: &mut dyn ClientLink) -> Execution {
        let mode = self.resume;
        let stepping = mode != ResumeMode::Continue;
        self.debug.step_over_interrupts = self.settings.sstep.get() & sstep::NOIRQ != 0;
        if let Err(e) = self.debug.set_single_step(self.machine.vcpu(), stepping) {
            tracing::warn!("cannot program single step: {e}");
            return Execution::Stopped(SingleThreadStopReason::Signal(Signal::SIGILL));
        }
        let mut watching = false;
        let outcome = loop {
            // A step usually returns at once, but one that runs an interrupt's
            // handler through may take a while: it is watched like a continue.
            let budget = if watching { u64::MAX } else { QUIET_SLICE };
            match self.machine.run(budget) {
                MachineEvent::Debug(exit) => {
                    if let ResumeMode::Range { start, end } = mode {
                        let pc = exit.address as u32;
                        if exit.reason == DebugReason::SingleStep && start <= pc && pc < end {
                            continue;
                        }
                    }
                    break Execution::Stopped(self.stop_reason(exit));
                }
                MachineEvent::Interrupted | MachineEvent::Budget => {
                    if client.has_input() {
                        break Execution::Incoming;
                    }
                    if !watching {
                        tracing::debug!("{RUNS_ON_MESSAGE}");
                        client.watch(true);
                        watching = true;
                    }
                }
                MachineEvent::Halted => break Execution::Idle,
                MachineEvent::PowerOff => {
                    break Execution::Stopped(SingleThreadStopReason::Exited(0))
                }
            }
        };
        if watching {
            client.watch(false);
        }
        outcome
    }

    /// The stop reply for a debug exit.
    fn stop_reason(&self, exit: DebugExit) -> SingleThreadStopReason<u32> {
        match exit.reason {
            DebugReason::SingleStep => STEPPED,
            DebugReason::SoftwareBreakpoint => SingleThreadStopReason::SwBreak(()),
            DebugReason::Breakpoint => SingleThreadStopReason::HwBreak(()),
            DebugReason::WatchWrite | DebugReason::WatchRead => {
                let addr = exit.address as u32;
                let write = exit.reason == DebugReason::WatchWrite;
                SingleThreadStopReason::Watch {
                    tid: (),
                    kind: self.debug.watch_kind_at(addr, write),
                    addr,
                }
            }
        }
    }

    /// Registers sent along with a stop reply: the core feature (r0-r31, pc,
    /// msr, cr, lr, ctr, xer). After every stop GDB analyses the frame, which
    /// needs more than r1, pc and lr (at -O0 the frame pointer r31, for
    /// instance); with any of them missing it asks for the whole `g` packet,
    /// one more round trip per stop. The FPU and SPE halves of `g` are left
    /// out: stepping does not read them, and GDB fetches `g` when it does.
    pub fn expedited(&mut self) -> Vec<(usize, Vec<u8>)> {
        let nums: Vec<usize> = self.regs.feature(Feature::Core).map(|r| r.num).collect();
        nums.into_iter()
            .filter_map(|n| self.reg_bytes(n).map(|(b, len)| (n, b[..len].to_vec())))
            .collect()
    }
}

impl<M: Machine> SingleThreadResume for Stub<'_, M> {
    /// A bare-metal guest has no signals to deliver: a signal is dropped.
    fn resume(&mut self, _signal: Option<Signal>) -> Result<(), Self::Error> {
        self.resume = ResumeMode::Continue;
        Ok(())
    }

    #[inline(always)]
    fn support_single_step(&mut self) -> Option<SingleThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_range_step(&mut self) -> Option<SingleThreadRangeSteppingOps<'_, Self>> {
        Some(self)
    }
}

impl<M: Machine> SingleThreadSingleStep for Stub<'_, M> {
    fn step(&mut self, _signal: Option<Signal>) -> Result<(), Self::Error> {
        self.resume = ResumeMode::Step;
        Ok(())
    }
}

impl<M: Machine> SingleThreadRangeStepping for Stub<'_, M> {
    fn resume_range_step(&mut self, start: u32, end: u32) -> Result<(), Self::Error> {
        self.resume = ResumeMode::Range { start, end };
        Ok(())
    }
}
