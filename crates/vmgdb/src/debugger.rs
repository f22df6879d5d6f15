//! The GDB stub wired to the ppce500 board: the board as a [`vmgdb_gdb::Machine`].

use std::sync::Arc;
use vmgdb_boards::ppce500::{Event, Kicker, Ppce500};
use vmgdb_gdb::{Kick, Machine, MachineEvent};
use vmgdb_hv::E500Vcpu;

/// The board, as the stub drives it.
pub struct Board(pub Ppce500);

impl Machine for Board {
    type Vcpu = E500Vcpu;

    fn vcpu(&mut self) -> &mut E500Vcpu {
        self.0.vcpu_mut()
    }

    fn monitor(&mut self, cmd: &str, out: &mut String) -> bool {
        match cmd.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["info", "mtree"] => out.push_str(&self.0.memory_tree()),
            _ => return false,
        }
        true
    }

    fn monitor_help(&self, out: &mut String) {
        out.push_str("  info mtree           the board's physical memory map (devices and RAM)\n");
    }

    fn read_device(&mut self, pa: u64, buf: &mut [u8]) -> bool {
        self.0.read_device(pa, buf)
    }

    fn write_device(&mut self, pa: u64, data: &[u8]) -> bool {
        self.0.write_device(pa, data)
    }

    fn run(&mut self, budget: u64) -> MachineEvent {
        loop {
            return match self.0.run_for(budget) {
                Event::Debug(exit) => MachineEvent::Debug(exit),
                Event::PoweredOff => MachineEvent::PowerOff,
                Event::ResetRequested(kind) => {
                    self.0.handle_reset(kind);
                    continue;
                }
                Event::Halted => MachineEvent::Halted,
                Event::Interrupted => MachineEvent::Interrupted,
                Event::BudgetExhausted => MachineEvent::Budget,
            };
        }
    }

    fn reset(&mut self) {
        self.0.reset();
    }

    fn kicker(&self) -> Arc<dyn Kick> {
        Arc::new(BoardKick(self.0.kick_handle()))
    }
}

/// The board's kicker as the stub wants it: it also ends an idle wait for input.
struct BoardKick(Arc<Kicker>);

impl Kick for BoardKick {
    fn kick(&self) {
        self.0.kick();
    }
}
