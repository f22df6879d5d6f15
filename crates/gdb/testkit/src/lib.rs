//! # vmgdb-gdb-testkit: driving GDB against a stub, for tests and measurements
//!
//! What the stub's own tests (`crates/gdb/tests`), the `vmgdb` binary's GDB tests
//! (`crates/vmgdb/tests/gdb.rs`) and the GDB speed measurements share:
//!
//! * [`process`]: a child process whose output is collected as it arrives, and
//!   waits bounded by a watchdog (a broken stub fails a test, never hangs it);
//! * [`gdb`]: Debian's `gdb-multiarch` in batch mode, run to completion or in the
//!   background, and assertions on what it printed;
//! * [`raw`]: a hand-driven remote-protocol client and generated bad input, for
//!   what GDB itself would never send;
//! * [`qemu`]: QEMU 7.2's `ppce500` machine with its own GDB stub (`-S -gdb`),
//!   the reference the same GDB script is compared against ([`compare`]);
//! * [`guests`]: the C guest programs of `guests/`, built with `make`;
//! * [`linux`]: the test kernels, built once per configuration by
//!   `scripts/linux-kernel`;
//! * [`console`]: a machine run to its end, and a readable diff of two consoles;
//! * [`Fifo`]: a named pipe a background GDB can wait on.
//!
//! A missing tool fails with the command that installs it. Nothing here times
//! anything: the watchdog only bounds a wait that should never be long.

pub mod compare;
pub mod console;
pub mod fifo;
pub mod gdb;
pub mod guests;
pub mod linux;
pub mod process;
pub mod qemu;
pub mod raw;

pub use fifo::Fifo;
pub use gdb::{assert_all, assert_none, values, Gdb, GdbProc};
pub use process::{require, Collected, Proc, WATCHDOG};
pub use raw::{packet, RawClient};

/// While a session is attached to the stub at `target`, a second client is
/// refused: a GDB (with `elf`'s symbols) prints the stub's `busy` message and
/// reads nothing; a raw client gets the same `E.` reply, then the connection
/// closes.
#[track_caller]
pub fn assert_second_client_refused(target: &str, elf: &std::path::Path, busy: &str) {
    let second = Gdb::new(target, Some(elf)).cmds(&["p $pc"]).run();
    assert_all(&second, &[busy]);
    assert_none(&second, &["$1 = "]);
    let mut raw = RawClient::connect(target);
    raw.send_raw(&packet(b"qSupported:multiprocess+"))
        .expect("send qSupported");
    let reply = String::from_utf8_lossy(&raw.drain()).into_owned();
    assert!(reply.contains(&format!("$E.{busy}#")), "{reply}");
}

/// How a stub listens: what its command line takes and what GDB connects to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Unix,
}

impl Transport {
    pub const ALL: [Transport; 2] = [Transport::Tcp, Transport::Unix];

    /// A listen address for a stub's `--gdb`/`--listen` option: TCP on a port
    /// the kernel picks, or a Unix socket at a fresh path named after `name`.
    pub fn listen_arg(self, name: &str) -> String {
        match self {
            Transport::Tcp => "127.0.0.1:0".to_string(),
            Transport::Unix => format!("unix:{}", scratch_path(&format!("{name}.sock")).display()),
        }
    }
}

/// What `target remote` takes for an endpoint as the stub prints it
/// (`127.0.0.1:PORT` or `unix:PATH`).
pub fn gdb_target(endpoint: &str) -> String {
    let endpoint = endpoint.trim();
    endpoint
        .strip_prefix("unix:")
        .unwrap_or(endpoint)
        .to_string()
}

/// A path in the system's temporary directory unique to this process, this
/// call and `name`.
pub fn scratch_path(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("vmgdb-{}-{n}-{name}", std::process::id()))
}

/// The number of the first line of the source file `path` that holds `text`,
/// and that line: how GDB names a location (`file.c:N`) and lists it.
pub fn source_line(path: &std::path::Path, text: &str) -> (usize, String) {
    let source =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let found = source.lines().enumerate().find(|(_, l)| l.contains(text));
    let (i, line) = found.unwrap_or_else(|| panic!("no {text:?} in {}", path.display()));
    (i + 1, line.to_string())
}

/// Address of `symbol` in an ELF file.
pub fn symbol(elf: &std::path::Path, symbol: &str) -> u32 {
    use object::{Object, ObjectSymbol};
    let data = std::fs::read(elf).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
    let file = object::File::parse(&*data).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
    let found = file.symbols().find(|s| s.name() == Ok(symbol));
    found
        .unwrap_or_else(|| panic!("no symbol {symbol} in {}", elf.display()))
        .address() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_listen_addresses() {
        assert_eq!(gdb_target("127.0.0.1:5555\n"), "127.0.0.1:5555");
        assert_eq!(gdb_target("unix:/tmp/s.sock"), "/tmp/s.sock");
        assert_eq!(Transport::Tcp.listen_arg("x"), "127.0.0.1:0");
        let unix = Transport::Unix.listen_arg("x");
        assert!(
            unix.starts_with("unix:/") && unix.ends_with("-x.sock"),
            "{unix}"
        );
        assert_ne!(scratch_path("a"), scratch_path("a"));
    }
}
