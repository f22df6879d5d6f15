//! The `vmgdb` binary serving GDB (`vmgdb run --gdb ADDRESS [--wait]`) with a
//! guest program of `guests/`, for the GDB tests. Driving GDB, QEMU and raw
//! clients is `vmgdb-gdb-testkit`'s (re-exported here).

use std::path::PathBuf;
use std::process::{Command, ExitStatus};
pub use vmgdb_gdb_testkit::*;

/// The e500 flavours, as `--cpu` names them.
pub const FLAVOURS: [&str; 2] = ["e500v2", "e500mc"];

/// A running `vmgdb run --gdb ...`.
pub struct Vmgdb {
    proc: Proc,
    /// What to give `target remote`.
    pub target: String,
    /// The guest's console (vmgdb's stdout).
    pub console: Collected,
    /// vmgdb's own messages (stderr), with the stub's debug messages.
    pub log: Collected,
    pub elf: PathBuf,
    pub flavour: &'static str,
}

impl Vmgdb {
    /// Boot `guests/<program>.c` on `flavour` with the stub listening on
    /// `transport`; `wait`: the guest stays at its first instruction until a
    /// debugger attaches.
    pub fn start(flavour: &'static str, program: &str, transport: Transport, wait: bool) -> Vmgdb {
        // The stub's debug messages say when a resumed guest runs on or idles:
        // what tests wait for before a Ctrl-C.
        Vmgdb::start_logging(flavour, program, transport, wait, "vmgdb_gdb=debug")
    }

    /// [`Vmgdb::start`] with `RUST_LOG` set to `filter` ("" for vmgdb's default).
    pub fn start_logging(
        flavour: &'static str,
        program: &str,
        transport: Transport,
        wait: bool,
        filter: &str,
    ) -> Vmgdb {
        let elf = guests::elf(program, flavour);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vmgdb"));
        cmd.args(["run", "--cpu", flavour, "--kernel"])
            .arg(&elf)
            .arg("--gdb")
            .arg(transport.listen_arg(&format!("{program}-{flavour}")));
        match filter {
            "" => cmd.env_remove("RUST_LOG"),
            _ => cmd.env("RUST_LOG", filter),
        };
        if wait {
            cmd.arg("--wait");
        }
        Vmgdb::spawn(cmd, elf, flavour)
    }

    /// Boot the Linux test kernel of `flavour` (`scripts/linux-kernel`) with its
    /// initramfs and `append` as its command line, stopped at its first
    /// instruction until a debugger attaches (`wait`). [`Vmgdb::elf`] is the
    /// `vmlinux`; the kernel's GDB scripts are `vmlinux-gdb.py` beside it.
    pub fn linux(flavour: &'static str, append: &str, wait: bool) -> Vmgdb {
        let dir = linux::kernel(flavour);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vmgdb"));
        cmd.args(["run", "--cpu", flavour, "-m", "256", "--kernel"])
            .arg(dir.join("vmlinux"))
            .arg("--initrd")
            .arg(dir.join("initrd.cpio.gz"))
            .args(["--append", append, "--gdb"])
            .arg(Transport::Tcp.listen_arg(&format!("linux-{flavour}")))
            .env("RUST_LOG", "vmgdb_gdb=debug");
        if wait {
            cmd.arg("--wait");
        }
        Vmgdb::spawn(cmd, dir.join("vmlinux"), flavour)
    }

    fn spawn(cmd: Command, elf: PathBuf, flavour: &'static str) -> Vmgdb {
        let proc = Proc::spawn("vmgdb", cmd);
        // "vmgdb: waiting for gdb on ADDRESS" (or "vmgdb: gdb on ADDRESS").
        let text = proc.stderr.wait_for(" on ");
        let endpoint = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("vmgdb: ")?
                    .split_once(" on ")
                    .map(|(_, e)| e)
            })
            .unwrap_or_else(|| panic!("no listening address in vmgdb's messages:\n{text}"));
        Vmgdb {
            target: gdb_target(endpoint),
            console: proc.stdout.clone(),
            log: proc.stderr.clone(),
            proc,
            elf,
            flavour,
        }
    }

    /// A GDB session against this vmgdb, with the guest's symbols.
    pub fn gdb(&self) -> Gdb {
        Gdb::new(&self.target, Some(&self.elf))
    }

    /// Wait for vmgdb to exit (its output complete).
    pub fn wait_exit(&mut self) -> ExitStatus {
        self.proc.wait_exit()
    }

    /// Whether vmgdb still runs.
    pub fn running(&mut self) -> bool {
        self.proc.running()
    }
}

impl Drop for Vmgdb {
    /// vmgdb removes its Unix socket when it exits, but not when it is killed.
    fn drop(&mut self) {
        if self.target.starts_with('/') {
            let _ = std::fs::remove_file(&self.target);
        }
    }
}
