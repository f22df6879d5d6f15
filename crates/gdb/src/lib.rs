//! # vmgdb-gdb: the GDB stub
//!
//! Serves a virtual machine to GDB (Debian's `gdb-multiarch` 13 and later) over
//! TCP or a Unix socket, on the `gdbstub` crate. The stub drives a [`Machine`]:
//! one vmgdb-hv [`vmgdb_hv::Vcpu`] plus the board around it. Everything GDB asks
//! of the core goes through the hypervisor layer: registers, guest-virtual or
//! physical memory, and one `set_guest_debug` per change of breakpoints,
//! watchpoints or single-step.
//!
//! ```no_run
//! # fn demo<M: vmgdb_gdb::Machine>(machine: &mut M) -> std::io::Result<()> {
//! use vmgdb_gdb::{Endpoint, GdbServer, ServeOptions, ServeOutcome};
//! let server = GdbServer::bind(&"1234".parse::<Endpoint>().map_err(std::io::Error::other)?)?;
//! eprintln!("waiting for gdb on {}", server.endpoint());
//! match server.serve(machine, ServeOptions { wait_for_client: true })? {
//!     ServeOutcome::PowerOff | ServeOutcome::Quit | ServeOutcome::Killed => {}
//! }
//! # Ok(()) }
//! ```
//!
//! What GDB sees: an `e500v2` is `powerpc:e500` (core + SPE registers), an
//! `e500mc` is `powerpc:common` (core + FPU), both with every SPR of the core in
//! a feature of their own; see [`target`] for the capabilities and
//! [`server`] for connections and sessions.
//!
//! ## Threads
//!
//! [`GdbServer::serve`] runs the machine on the caller's thread. One watcher
//! thread sits in poll(2) on the listening socket, the attached client (while
//! the guest runs, after a first short slice) and a wake-up socket; when the client sends something (Ctrl-C,
//! a hang-up) it kicks the machine, whose run loop already looks at its kick
//! flag between blocks. So a running guest pays nothing for being debuggable and
//! Ctrl-C lands in tens of microseconds, even in a one-instruction loop or a
//! halted core; running in budget slices with a non-blocking look at the socket
//! between them would instead cost a system call per slice and a latency of a
//! whole slice, and could not wake a machine that blocks while its guest idles.
//! A refused second client is answered from a short-lived thread of its own.
//!
//! ## Round trips
//!
//! GDB drives the pace: after every stop (a `stepi`, a breakpoint hit) it reads
//! a dozen small things before it prints anything, each a round trip (GDB 13 on
//! a `stepi`: the resume, two thread-list queries, one stack line, nine 4-byte
//! instruction reads for its prologue and epilogue analysis, which it does not
//! cache). Most of that is GDB's own choice; the stub spares it what it can and
//! answers the rest at once:
//!
//! * the stop reply carries every core register (r0-r31, pc, msr, cr, lr, ctr,
//!   xer), so GDB's frame analysis never needs the `g` packet (QEMU's stub
//!   costs GDB one per stop);
//! * `step`/`next` are range steps (`vCont;r`): one round trip per line instead
//!   of one per instruction;
//! * one `write` per reply, TCP_NODELAY, and no waiting anywhere: the main
//!   thread blocks in `read` on the client, the watcher in poll(2);
//! * a resumed guest runs a first short slice before the watcher is woken to
//!   listen to the client, so a `continue` that reaches the next breakpoint
//!   within it costs no thread wake-up;
//! * a 64 KiB packet size, so `x`/`dump` move 32 KiB per round trip;
//! * `gdbstub`'s parser scans its whole packet buffer for the checksum; the
//!   buffer is kept full of `#` so that scan is short (see `server.rs`). After
//!   a large memory read the buffer holds guest bytes up to that read's length
//!   and short packets cost a little more, never more than before.
//!
//! Robustness: `gdbstub` 0.7 ends a session on a bad checksum, on the client's
//! `-` and on commands it cannot parse. Rather than patch it, the stub checks
//! the framing itself first (`framing.rs`, used by `conn.rs`): NAKs damaged
//! packets, resends on `-`, rewrites what `gdbstub` would choke on, and caps
//! memory reads at one packet.
//!
//! The nine instruction reads are GDB's to avoid: with `set
//! trust-readonly-sections on` it reads code from the ELF file instead, and a
//! `stepi` costs three round trips (right for code the guest never modifies or
//! moves; U-Boot relocates itself, for one).
//!
//! `cargo bench -p vmgdb --bench gdb` measures `stepi`s, breakpoint hits and
//! memory dumps per second against QEMU's stub.

mod conn;
pub mod endpoint;
mod framing;
pub mod machine;
pub mod server;
mod settings;
pub mod target;
mod watcher;

pub use endpoint::Endpoint;
pub use machine::{Kick, Machine, MachineEvent};
pub use server::{GdbServer, ServeOptions, ServeOutcome, IDLE_MESSAGE, PACKET_SIZE};
pub use target::resume::RUNS_ON_MESSAGE;
pub use watcher::BUSY_MESSAGE;
