//! Breakpoints and watchpoints: GDB's `Z0`..`Z4` packets mapped onto the vCPU.
//!
//! * `Z0` (`break`): software breakpoints, as many as GDB asks, planted by
//!   [`Vcpu::insert_sw_breakpoint`]; the guest keeps reading its own code.
//! * `Z1` (`hbreak`): instruction comparators (IAC1, IAC2).
//! * `Z2`/`Z3`/`Z4` (`watch`, `rwatch`, `awatch`): data comparators (DAC1, DAC2),
//!   1, 2, 4 or 8 naturally aligned bytes; anything else is refused rather than
//!   half-watched.
//! * After `monitor comparators unlimited` the vCPU takes any number of both, and
//!   watchpoints of any length (vmgdb's extension; they cost nothing until they fire).
//!
//! [`DebugState`] holds what GDB asked for. Every change recomputes the one
//! [`GuestDebug`] it implies and hands it to `set_guest_debug` once; when the vCPU
//! refuses (out of comparators, a length it cannot compare), the request is
//! dropped and nothing already programmed changes.

use super::Stub;
use crate::machine::Machine;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps, SwBreakpoint,
    SwBreakpointOps, WatchKind,
};
use gdbstub::target::{TargetError, TargetResult};
use std::collections::BTreeSet;
use vmgdb_hv::{bp_type, control, GuestDebug, GuestDebugError, HwBreakpoint as HvBp, Vcpu};

/// `EFAULT`: the address is not mapped.
pub(crate) const EFAULT: u8 = 14;
/// `ENOSPC`: no comparator left, or one cannot compare this request exactly.
const ENOSPC: u8 = 28;

/// One GDB watchpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watch {
    pub addr: u32,
    pub len: u32,
    pub kind: WatchKind,
}

impl Watch {
    fn contains(&self, addr: u32) -> bool {
        addr >= self.addr && (addr as u64) < self.addr as u64 + self.len.max(1) as u64
    }

    fn hv_kind(&self) -> u32 {
        match self.kind {
            WatchKind::Write => bp_type::WATCH_WRITE,
            WatchKind::Read => bp_type::WATCH_READ,
            WatchKind::ReadWrite => bp_type::WATCH_ACCESS,
        }
    }
}

/// Everything the debugger has asked of the vCPU's debug facility.
#[derive(Clone, Debug, Default)]
pub struct DebugState {
    /// Software breakpoints planted, by guest-virtual address.
    pub sw: BTreeSet<u32>,
    /// Hardware breakpoints, in the order GDB inserted them (IAC1, IAC2).
    pub hw: Vec<u32>,
    /// Watchpoints, in insertion order (DAC1, DAC2).
    pub watch: Vec<Watch>,
    pub single_step: bool,
    /// Steps run the handlers of interrupts that come due through (QEMU's
    /// NOIRQ single-step flag).
    pub step_over_interrupts: bool,
    /// What `set_guest_debug` last accepted.
    applied: GuestDebug,
}

impl DebugState {
    /// The `set_guest_debug` argument this state implies (KVM's rules: ENABLE only
    /// when something is requested).
    pub fn guest_debug(&self) -> GuestDebug {
        let mut control = 0;
        if self.single_step {
            control |= control::ENABLE | control::SINGLESTEP;
            if self.step_over_interrupts {
                control |= control::STEP_OVER_INTERRUPTS;
            }
        }
        if !self.sw.is_empty() {
            control |= control::ENABLE | control::USE_SW_BP;
        }
        let bps: Vec<HvBp> = self
            .hw
            .iter()
            .map(|&a| HvBp::breakpoint(a as u64))
            .chain(
                self.watch
                    .iter()
                    .map(|w| HvBp::watchpoint(w.addr as u64, w.len, w.hv_kind())),
            )
            .collect();
        if !bps.is_empty() {
            control |= control::ENABLE | control::USE_HW_BP;
        }
        GuestDebug { control, bps }
    }

    /// Program the vCPU if the implied request changed.
    pub fn apply<V: Vcpu>(&mut self, vcpu: &mut V) -> Result<(), GuestDebugError> {
        let want = self.guest_debug();
        if want != self.applied {
            vcpu.set_guest_debug(&want)?;
            self.applied = want;
        }
        Ok(())
    }

    /// Program the vCPU again with the current request (after its limits changed).
    pub fn reapply<V: Vcpu>(&mut self, vcpu: &mut V) -> Result<(), GuestDebugError> {
        let want = self.guest_debug();
        vcpu.set_guest_debug(&want)?;
        self.applied = want;
        Ok(())
    }

    /// Forget everything and give the guest its debug facility back.
    pub fn reset<V: Vcpu>(&mut self, vcpu: &mut V) -> Result<(), GuestDebugError> {
        vcpu.clear_sw_breakpoints();
        *self = DebugState::default();
        vcpu.set_guest_debug(&self.applied)
    }

    /// Apply a change made by `edit`, or undo it if the vCPU refuses.
    fn try_change<V: Vcpu>(&mut self, vcpu: &mut V, edit: impl FnOnce(&mut DebugState)) -> bool {
        let before = self.clone();
        edit(self);
        match self.apply(vcpu) {
            Ok(()) => true,
            Err(e) => {
                match e {
                    // GDB only says "Could not insert": say what would help.
                    GuestDebugError::TooManyBreakpoints { .. }
                    | GuestDebugError::TooManyWatchpoints { .. }
                    | GuestDebugError::BadWatchLength { .. } => tracing::warn!(
                        "gdb: {e}; `monitor comparators unlimited` lifts the hardware's limits"
                    ),
                    _ => tracing::info!("guest debug request refused: {e}"),
                }
                *self = before;
                false
            }
        }
    }

    /// Set or clear single-stepping.
    pub fn set_single_step<V: Vcpu>(
        &mut self,
        vcpu: &mut V,
        on: bool,
    ) -> Result<(), GuestDebugError> {
        self.single_step = on;
        self.apply(vcpu)
    }

    /// How GDB should hear about a data-comparator hit at `addr`: the kind of the
    /// watchpoint that covers it, preferring one that watches this access.
    pub fn watch_kind_at(&self, addr: u32, write: bool) -> WatchKind {
        let wanted = |w: &&Watch| match w.kind {
            WatchKind::Write => write,
            WatchKind::Read => !write,
            WatchKind::ReadWrite => true,
        };
        let covering = || self.watch.iter().filter(|w| w.contains(addr));
        covering()
            .find(wanted)
            .or_else(|| covering().next())
            .map(|w| w.kind)
            .unwrap_or(if write {
                WatchKind::Write
            } else {
                WatchKind::Read
            })
    }
}

impl<M: Machine> Breakpoints for Stub<'_, M> {
    #[inline(always)]
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl<M: Machine> SwBreakpoint for Stub<'_, M> {
    fn add_sw_breakpoint(&mut self, addr: u32, _kind: usize) -> TargetResult<bool, Self> {
        let vcpu = self.machine.vcpu();
        if !self.debug.sw.contains(&addr) {
            vcpu.insert_sw_breakpoint(addr as u64)
                .map_err(|_| TargetError::Errno(EFAULT))?;
        }
        let added = self.debug.try_change(vcpu, |d| {
            d.sw.insert(addr);
        });
        if !added {
            let _ = vcpu.remove_sw_breakpoint(addr as u64);
        }
        Ok(added)
    }

    fn remove_sw_breakpoint(&mut self, addr: u32, _kind: usize) -> TargetResult<bool, Self> {
        if !self.debug.sw.contains(&addr) {
            return Ok(false);
        }
        let vcpu = self.machine.vcpu();
        vcpu.remove_sw_breakpoint(addr as u64)
            .map_err(|_| TargetError::Errno(EFAULT))?;
        Ok(self.debug.try_change(vcpu, |d| {
            d.sw.remove(&addr);
        }))
    }
}

impl<M: Machine> HwBreakpoint for Stub<'_, M> {
    fn add_hw_breakpoint(&mut self, addr: u32, _kind: usize) -> TargetResult<bool, Self> {
        let vcpu = self.machine.vcpu();
        if self.debug.try_change(vcpu, |d| d.hw.push(addr)) {
            Ok(true)
        } else {
            Err(TargetError::Errno(ENOSPC))
        }
    }

    fn remove_hw_breakpoint(&mut self, addr: u32, _kind: usize) -> TargetResult<bool, Self> {
        let Some(i) = self.debug.hw.iter().position(|&a| a == addr) else {
            return Ok(false);
        };
        let vcpu = self.machine.vcpu();
        Ok(self.debug.try_change(vcpu, |d| {
            d.hw.remove(i);
        }))
    }
}

impl<M: Machine> HwWatchpoint for Stub<'_, M> {
    fn add_hw_watchpoint(
        &mut self,
        addr: u32,
        len: u32,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        let w = Watch { addr, len, kind };
        let vcpu = self.machine.vcpu();
        if self.debug.try_change(vcpu, |d| d.watch.push(w)) {
            Ok(true)
        } else {
            Err(TargetError::Errno(ENOSPC))
        }
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u32,
        len: u32,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        let w = Watch { addr, len, kind };
        let Some(i) = self.debug.watch.iter().position(|x| *x == w) else {
            return Ok(false);
        };
        let vcpu = self.machine.vcpu();
        Ok(self.debug.try_change(vcpu, |d| {
            d.watch.remove(i);
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_debug_follows_kvm_flags() {
        let mut d = DebugState::default();
        assert_eq!(d.guest_debug(), GuestDebug::default());
        d.sw.insert(0x100);
        assert_eq!(
            d.guest_debug().control,
            control::ENABLE | control::USE_SW_BP
        );
        d.hw.push(0x200);
        d.watch.push(Watch {
            addr: 0x3000,
            len: 4,
            kind: WatchKind::ReadWrite,
        });
        d.single_step = true;
        let g = d.guest_debug();
        assert_eq!(g.control, control::ALL & !control::STEP_OVER_INTERRUPTS);
        d.step_over_interrupts = true;
        assert_eq!(d.guest_debug().control, control::ALL);
        let g = d.guest_debug();
        assert_eq!(g.bps[0], HvBp::breakpoint(0x200));
        assert_eq!(g.bps[1], HvBp::watchpoint(0x3000, 4, bp_type::WATCH_ACCESS));
    }

    #[test]
    fn watch_kind_prefers_the_matching_watchpoint() {
        let mut d = DebugState::default();
        d.watch.push(Watch {
            addr: 0x1000,
            len: 4,
            kind: WatchKind::Read,
        });
        d.watch.push(Watch {
            addr: 0x1000,
            len: 4,
            kind: WatchKind::Write,
        });
        assert_eq!(d.watch_kind_at(0x1002, true), WatchKind::Write);
        assert_eq!(d.watch_kind_at(0x1000, false), WatchKind::Read);
        assert_eq!(d.watch_kind_at(0x2000, false), WatchKind::Read);
    }
}
