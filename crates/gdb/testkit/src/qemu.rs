//! QEMU 7.2's `ppce500` machine with its own GDB stub, stopped before the
//! guest's first instruction (`-S`): the reference a GDB script's transcript is
//! compared against. The guest's console is QEMU's stdout.

use crate::gdb::Gdb;
use crate::process::{require, Proc};
use std::path::Path;
use std::process::Command;

/// How QEMU names each flavour (its plain `e500v2` alias is the older v2.2 core).
pub fn cpu(flavour: &str) -> &'static str {
    match flavour {
        "e500v2" => "e500v2_v30",
        "e500mc" => "e500mc",
        other => panic!("unknown e500 flavour {other}"),
    }
}

/// A free TCP port on the loopback interface (QEMU cannot report the port it
/// got for port 0).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running QEMU whose stub waits for GDB.
pub struct Qemu {
    pub proc: Proc,
    /// What to give `target remote` (GDB retries until QEMU listens).
    pub target: String,
}

impl Qemu {
    /// `qemu-system-ppc -M ppce500 -cpu <flavour> -kernel <elf> -S -gdb tcp::PORT`.
    pub fn start(flavour: &str, elf: &Path) -> Qemu {
        require("qemu-system-ppc", "qemu-system-ppc");
        let port = free_port();
        let mut cmd = Command::new("qemu-system-ppc");
        cmd.args(["-M", "ppce500", "-cpu", cpu(flavour), "-nographic"])
            .args(["-nic", "none", "-monitor", "none", "-serial", "stdio"])
            .arg("-kernel")
            .arg(elf)
            .args(["-S", "-gdb", &format!("tcp:127.0.0.1:{port}")]);
        Qemu {
            proc: Proc::spawn(&format!("QEMU ({flavour})"), cmd),
            target: format!("127.0.0.1:{port}"),
        }
    }
}

/// Run a GDB `script` against QEMU booting `elf` on `flavour`, the guest free
/// to run to its end: GDB's transcript, and the guest's console once QEMU has
/// exited (the guest powers the board off; QEMU must exit 0).
pub fn transcript(flavour: &str, elf: &Path, script: &[&str]) -> (String, String) {
    let mut qemu = Qemu::start(flavour, elf);
    let out = Gdb::new(&qemu.target, Some(elf)).cmds(script).run();
    let status = qemu.proc.wait_exit();
    assert!(
        status.success(),
        "QEMU: {status}\n{}",
        qemu.proc.stderr.text()
    );
    (out, qemu.proc.stdout.text())
}
