//! The [`Machine`] trait: what the stub needs from the virtual machine it serves.
//!
//! The stub depends only on the hypervisor layer. The `vmgdb` binary implements
//! [`Machine`] for its board (vCPU + devices); the crate's tests implement it for a
//! bare [`vmgdb_hv::E500Vcpu`] with a UART and a power-off latch.

use std::sync::atomic::{AtomicBool, Ordering};
use vmgdb_hv::{DebugExit, Vcpu};

/// Why [`Machine::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineEvent {
    /// A debug exit of the vCPU: something the stub programmed with
    /// `set_guest_debug` fired.
    Debug(DebugExit),
    /// The guest switched the machine off: nothing more will run.
    PowerOff,
    /// The guest waits for an interrupt and nothing the machine knows of will raise
    /// one (an idle `wait` with no timer armed). Calling `run` again returns at once.
    Halted,
    /// The kicker was kicked.
    Interrupted,
    /// `budget` instructions were executed.
    Budget,
}

/// Makes a [`Machine::run`] in progress return [`MachineEvent::Interrupted`] promptly.
///
/// The vCPU's own kick handle (an `AtomicBool`, see [`Vcpu::kick_handle`]) is one.
/// A machine whose `run` can block while the guest idles (waiting for a device)
/// must supply a kicker that also wakes that wait.
pub trait Kick: Send + Sync {
    fn kick(&self);
}

impl Kick for AtomicBool {
    fn kick(&self) {
        self.store(true, Ordering::SeqCst);
    }
}

/// A virtual machine the stub can drive: one vCPU plus whatever devices surround it.
pub trait Machine {
    type Vcpu: Vcpu;

    /// The (only) vCPU, for registers, memory and guest-debug programming.
    fn vcpu(&mut self) -> &mut Self::Vcpu;

    /// Run the guest until a debug exit or another event, at most `budget`
    /// instructions (`u64::MAX`: no limit). Guest-requested resets are the
    /// machine's business: it handles them and runs on.
    fn run(&mut self, budget: u64) -> MachineEvent;

    /// Reset the whole machine as its reset button would (`monitor reset`).
    fn reset(&mut self);

    /// Something any thread can use to interrupt [`Machine::run`].
    fn kicker(&self) -> std::sync::Arc<dyn Kick>;

    /// The debugger reads `buf.len()` bytes of device memory at guest-physical
    /// `pa` (an address outside RAM, where the vCPU's own memory access ends):
    /// what the guest would read, changing no device state where the device
    /// allows it. `false` if no device answers there (GDB: "Cannot access memory").
    fn read_device(&mut self, pa: u64, buf: &mut [u8]) -> bool {
        let _ = (pa, buf);
        false
    }

    /// The debugger writes device memory at guest-physical `pa`: the device acts
    /// on it as on a guest store. `false`, and nothing written, if no device
    /// answers there.
    fn write_device(&mut self, pa: u64, data: &[u8]) -> bool {
        let _ = (pa, data);
        false
    }

    /// Board-specific `monitor` commands. Return `false` if `cmd` is unknown.
    fn monitor(&mut self, cmd: &str, out: &mut String) -> bool {
        let _ = (cmd, out);
        false
    }

    /// One line per board-specific monitor command, for `monitor help`.
    fn monitor_help(&self, out: &mut String) {
        let _ = out;
    }
}
