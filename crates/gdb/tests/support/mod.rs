//! Shared test support: building the debug-scenario guests and starting the
//! `test_machine` example as a real process. Driving GDB, QEMU and raw clients
//! is `vmgdb-gdb-testkit`'s (re-exported here).

#![allow(dead_code)]

use e500::Flavor;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::{Mutex, OnceLock};
pub use vmgdb_gdb_testkit::*;

pub const FLAVORS: [Flavor; 2] = [Flavor::E500v2, Flavor::E500mc];

fn guests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests")
}

fn scratch() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vmgdb-gdb");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The debug-scenario guest for `flavor`, compiled once per test process
/// (into a unique file, renamed into place, so test binaries never race).
pub fn guest(flavor: Flavor) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<(Flavor, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, p)) = built.iter().find(|(f, _)| *f == flavor) {
        return p.clone();
    }
    require("powerpc-linux-gnu-gcc", "gcc-powerpc-linux-gnu");
    let src = guests_dir();
    let (cpu, define) = match flavor {
        Flavor::E500v2 => ("-mcpu=8548", "-DE500V2"),
        Flavor::E500mc => ("-mcpu=e500mc", "-DE500MC"),
    };
    let out = scratch().join(format!("debug-{flavor}.elf"));
    let tmp = scratch().join(format!("debug-{flavor}.elf.{}", std::process::id()));
    let output = Command::new("powerpc-linux-gnu-gcc")
        .args([
            cpu,
            define,
            "-msoft-float",
            "-g",
            "-O0",
            "-ffreestanding",
            "-nostdlib",
            "-static",
        ])
        .args(["-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments", "-T"])
        .arg(src.join("link.ld"))
        .arg(src.join("start.S"))
        .arg(src.join("debug.c"))
        .arg("-o")
        .arg(&tmp)
        .output()
        .expect("run powerpc-linux-gnu-gcc");
    assert!(
        output.status.success(),
        "building the {flavor} guest failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&tmp, &out).unwrap();
    built.push((flavor, out.clone()));
    out
}

/// `debug.c:N` for the line of the debug-scenario guest that holds `text`.
pub fn guest_line(text: &str) -> String {
    let (n, _) = source_line(&guests_dir().join("debug.c"), text);
    format!("debug.c:{n}")
}

/// The `test_machine` example, built by `cargo test` alongside the tests.
fn test_machine_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile_dir.join("examples").join("test_machine");
    assert!(
        bin.exists(),
        "{} is missing: run the whole test suite (`cargo test -p vmgdb-gdb`), which builds the examples, or `cargo build -p vmgdb-gdb --example test_machine`",
        bin.display()
    );
    bin
}

/// A running `test_machine` process.
pub struct MachineProc {
    proc: Proc,
    /// What to give `target remote`.
    pub target: String,
    /// The guest's UART output.
    pub uart: Collected,
    pub log: Collected,
    pub elf: PathBuf,
    pub flavor: Flavor,
}

impl MachineProc {
    /// Start a machine running the debug guest; `wait`: stopped before its first
    /// instruction until a debugger attaches.
    pub fn start(flavor: Flavor, transport: Transport, wait: bool) -> MachineProc {
        let elf = guest(flavor);
        let mut cmd = Command::new(test_machine_bin());
        cmd.args(["--cpu", flavor.name(), "--listen"])
            .arg(transport.listen_arg(flavor.name()))
            // The stub's debug messages say when a resumed guest runs on or
            // idles: what tests wait for before a Ctrl-C.
            .env("RUST_LOG", "vmgdb_gdb=debug");
        if wait {
            cmd.arg("--wait");
        }
        cmd.arg(&elf);
        let proc = Proc::spawn("test_machine", cmd);
        let text = proc.stderr.wait_for("listening on ");
        let endpoint = text
            .lines()
            .find_map(|l| l.strip_prefix("listening on "))
            .unwrap();
        MachineProc {
            target: gdb_target(endpoint),
            uart: proc.stdout.clone(),
            log: proc.stderr.clone(),
            proc,
            elf,
            flavor,
        }
    }

    /// Wait for the machine to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        self.proc.wait_exit()
    }

    /// Whether the process still runs.
    pub fn running(&mut self) -> bool {
        self.proc.running()
    }

    /// A GDB session against this machine, with the guest's symbols.
    pub fn gdb(&self) -> Gdb {
        Gdb::new(&self.target, Some(&self.elf))
    }
}

impl Drop for MachineProc {
    /// The machine removes its Unix socket when it exits, not when it is killed.
    fn drop(&mut self) {
        if self.target.starts_with('/') {
            let _ = std::fs::remove_file(&self.target);
        }
    }
}
