//! The server: owns the listening socket and the machine's run loop while GDB
//! may attach, one debugging session at a time.
//!
//! [`GdbServer::serve`] runs on the thread that owns the [`Machine`]. With no
//! client it runs the guest freely; a connection kicks the machine and starts a
//! session (the guest stops, as on QEMU). A session ends with `detach`, a dropped
//! connection, anything malformed enough that `gdbstub` gives up, or even a panic
//! inside the stub: each time every breakpoint, watchpoint and single step is
//! removed and the guest runs on until the next client. `monitor quit`, `kill`
//! and the guest's power-off end `serve`.

use crate::conn::Conn;
use crate::endpoint::{Endpoint, Listener, Stream};
use crate::machine::{Machine, MachineEvent};
use crate::target::arch::E500RegId;
use crate::target::regs::flavor_of;
use crate::target::resume::{ClientLink, Execution};
use crate::target::{EndRequest, Stub};
use crate::watcher::Watcher;
use gdbstub::common::Signal;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStubBuilder, SingleThreadStopReason};
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use vmgdb_hv::arch::Flavor;

/// Largest packet GDB may send (reported as `PacketSize`): big memory transfers
/// take few round trips. Anything longer drops the client.
pub const PACKET_SIZE: usize = 0x10000;

/// Logged (debug) when a resumed guest idles for good and only the client can
/// end the wait.
pub const IDLE_MESSAGE: &str = "gdb: the guest idles for good; waiting for the client";

/// How [`GdbServer::serve`] starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServeOptions {
    /// Wait for a debugger before the guest executes its first instruction
    /// (QEMU's `-S`).
    pub wait_for_client: bool,
}

/// Why [`GdbServer::serve`] returned: the binary should exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServeOutcome {
    /// The guest powered the machine off.
    PowerOff,
    /// `monitor quit`.
    Quit,
    /// GDB's `kill`.
    Killed,
}

/// How one session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SessionEnd {
    /// `detach`, or the connection went away: the guest runs on.
    Released,
    Over(ServeOutcome),
}

/// A bound GDB server, not yet serving.
pub struct GdbServer {
    listener: Listener,
    endpoint: Endpoint,
}

impl GdbServer {
    /// Listen on `endpoint` (see [`Endpoint`] for the accepted forms).
    pub fn bind(endpoint: &Endpoint) -> io::Result<GdbServer> {
        let listener = Listener::bind(endpoint)?;
        let endpoint = listener.local_endpoint()?;
        Ok(GdbServer { listener, endpoint })
    }

    /// Where GDB should connect (with the actual port when 0 was asked for).
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Run `machine` under GDB's control until it powers off or a client ends
    /// vmgdb. Returns an error only if the server cannot start.
    pub fn serve<M: Machine>(
        self,
        machine: &mut M,
        opts: ServeOptions,
    ) -> io::Result<ServeOutcome> {
        let flavor = flavor_of(machine.vcpu())
            .ok_or_else(|| io::Error::other("the vCPU's PVR is not an e500v2 or e500mc"))?;
        let watcher = Watcher::spawn(self.listener, machine.kicker())?;
        let mut next = opts.wait_for_client.then(|| watcher.wait_pending());
        loop {
            if let Some(stream) = next.take() {
                let end = session(machine, flavor, &watcher, stream);
                watcher.detach();
                match end {
                    SessionEnd::Over(outcome) => return Ok(outcome),
                    // A client may have queued behind this one, and the kick
                    // it sent may have been spent inside the session.
                    SessionEnd::Released => {
                        next = watcher.take_pending();
                        continue;
                    }
                }
            }
            match machine.run(u64::MAX) {
                MachineEvent::PowerOff => return Ok(ServeOutcome::PowerOff),
                MachineEvent::Halted => next = Some(watcher.wait_pending()),
                MachineEvent::Interrupted | MachineEvent::Budget | MachineEvent::Debug(_) => {
                    next = watcher.take_pending()
                }
            }
        }
    }
}

/// One client, from connection to release.
fn session<M: Machine>(
    machine: &mut M,
    flavor: Flavor,
    watcher: &Watcher,
    stream: Stream,
) -> SessionEnd {
    let mut stub = match Stub::new(machine, flavor) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("gdb: cannot start a session: {e}");
            return SessionEnd::Released;
        }
    };
    let conn = Conn::new(stream, stub.settings.clone());
    let end =
        catch_unwind(AssertUnwindSafe(|| drive(&mut stub, conn, watcher))).unwrap_or_else(|_| {
            tracing::error!("gdb: the stub panicked; client dropped");
            SessionEnd::Released
        });
    if let Err(e) = stub.release() {
        tracing::error!("gdb: releasing the session: {e}");
    }
    tracing::info!("gdb: session ended ({end:?})");
    end
}

/// The [`ClientLink`] of a running session.
struct Link<'a> {
    conn: &'a mut Conn,
    watcher: &'a Watcher,
}

impl ClientLink for Link<'_> {
    fn watch(&mut self, on: bool) {
        self.watcher.arm(on);
    }
    fn has_input(&mut self) -> bool {
        self.conn.has_input()
    }
}

const INTERRUPTED: SingleThreadStopReason<u32> = SingleThreadStopReason::SignalWithThread {
    tid: (),
    signal: Signal::SIGINT,
};

/// The buffer `gdbstub` receives packets into, filled with `#`.
///
/// `gdbstub` 0.7 finds a packet's checksum by splitting the *whole* buffer at
/// `#`: it scans from the packet's checksum to the next `#` or the buffer's end.
/// In a zeroed 64 KiB buffer that is 64 KiB of bytes per packet, most of a
/// short packet's cost. Filled with `#`, the scan ends at the first byte no
/// packet has overwritten, or at the `#` of an earlier, longer packet: it is
/// never longer than the longest packet received so far.
fn packet_buffer() -> Box<[u8]> {
    vec![b'#'; PACKET_SIZE].into_boxed_slice()
}

/// Drive `gdbstub`'s state machine over `conn` until the session ends.
fn drive<M: Machine>(stub: &mut Stub<'_, M>, conn: Conn, watcher: &Watcher) -> SessionEnd {
    let mut buffer = packet_buffer();
    let gdb = match GdbStubBuilder::new(conn)
        .with_packet_buffer(&mut buffer)
        .build()
    {
        Ok(g) => g,
        Err(e) => {
            tracing::error!("gdb: {e}");
            return SessionEnd::Released;
        }
    };
    let mut sm = match gdb.run_state_machine(stub) {
        Ok(sm) => sm,
        Err(e) => {
            tracing::warn!("gdb: session start failed: {e}");
            return SessionEnd::Released;
        }
    };
    loop {
        let step = match sm {
            GdbStubStateMachine::Idle(mut g) => {
                if let Some(EndRequest::Quit) = stub.end_request() {
                    return SessionEnd::Over(ServeOutcome::Quit);
                }
                match g.borrow_conn().read_byte() {
                    Ok(byte) => g.incoming_data(stub, byte),
                    Err(e) => return dropped(e),
                }
            }
            GdbStubStateMachine::Running(mut g) => {
                let execution = stub.execute(&mut Link {
                    conn: g.borrow_conn(),
                    watcher,
                });
                match execution {
                    Execution::Stopped(reason) => {
                        let regs = stub.expedited();
                        let mut regs = regs.iter().map(|(n, b)| (E500RegId(*n), b.as_slice()));
                        g.report_stop_with_regs(stub, reason, &mut regs)
                    }
                    Execution::Incoming | Execution::Idle => {
                        if execution == Execution::Idle {
                            tracing::debug!("{IDLE_MESSAGE}");
                        }
                        match g.borrow_conn().read_byte() {
                            Ok(byte) => g.incoming_data(stub, byte),
                            Err(e) => return dropped(e),
                        }
                    }
                }
            }
            GdbStubStateMachine::CtrlCInterrupt(g) => g.interrupt_handled(stub, Some(INTERRUPTED)),
            GdbStubStateMachine::Disconnected(g) => {
                return match g.get_reason() {
                    DisconnectReason::Disconnect => SessionEnd::Released,
                    DisconnectReason::Kill => SessionEnd::Over(ServeOutcome::Killed),
                    DisconnectReason::TargetExited(_) | DisconnectReason::TargetTerminated(_) => {
                        SessionEnd::Over(ServeOutcome::PowerOff)
                    }
                };
            }
        };
        sm = match step {
            Ok(sm) => sm,
            Err(e) => {
                tracing::warn!("gdb: dropping the client: {e}");
                return SessionEnd::Released;
            }
        };
    }
}

fn dropped(e: io::Error) -> SessionEnd {
    tracing::info!("gdb: client gone: {e}");
    SessionEnd::Released
}
