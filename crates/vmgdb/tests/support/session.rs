//! A guest console driven like a person at a terminal: start an emulator with
//! its console on pipes, wait for text (a prompt), type, collect what came.
//!
//! [`Session`] reads the child's output on a thread into a channel, so every
//! wait has a deadline ([`TIMEOUT`], a guard against hangs, not a measurement);
//! a wait that runs out kills the child and panics with everything seen so far.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// Longest any single wait may take before the run counts as hung.
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// Debian's U-Boot for QEMU's ppce500, the firmware both emulators boot.
pub const DEBIAN_UBOOT: &str = "/usr/lib/u-boot/qemu-ppce500/uboot.elf";

/// The U-Boot prompt.
pub const PROMPT: &str = "=> ";

/// Which emulator runs the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emulator {
    Qemu,
    Vmgdb,
}

/// A core flavour, with both emulators' names for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cpu {
    E500v2,
    E500mc,
}

impl Cpu {
    /// `vmgdb run --cpu` value.
    pub fn vmgdb(self) -> &'static str {
        match self {
            Cpu::E500v2 => "e500v2",
            Cpu::E500mc => "e500mc",
        }
    }

    /// `qemu-system-ppc -cpu` value (QEMU's plain `e500v2` is the older v2.2 core).
    pub fn qemu(self) -> &'static str {
        match self {
            Cpu::E500v2 => "e500v2_v30",
            Cpu::E500mc => "e500mc",
        }
    }
}

/// The command that boots `image` (`-bios` when `bios`, else `-kernel`) with
/// the console on stdio and no NIC.
pub fn emulator_command(emulator: Emulator, cpu: Cpu, image: &Path, bios: bool) -> Command {
    let image_flag = if bios { "-bios" } else { "-kernel" };
    match emulator {
        Emulator::Qemu => {
            let mut c = Command::new("qemu-system-ppc");
            c.args(["-M", "ppce500", "-cpu", cpu.qemu()])
                .args(["-nographic", "-nic", "none", "-monitor", "none"])
                .args(["-serial", "stdio", image_flag])
                .arg(image);
            c
        }
        Emulator::Vmgdb => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_vmgdb"));
            c.args(["run", "--machine", "ppce500", "--cpu", cpu.vmgdb()])
                .arg(format!("-{image_flag}"))
                .arg(image)
                .env_remove("RUST_LOG");
            c
        }
    }
}

/// A running emulator and everything its console printed.
pub struct Session {
    name: String,
    child: Child,
    chunks: Receiver<Vec<u8>>,
    seen: Vec<u8>,
    /// Bytes of `seen` already returned by [`Session::until`].
    taken: usize,
    eof: bool,
}

impl Session {
    /// Start `command` with stdin and stdout on pipes (stderr is the test's).
    pub fn start(name: &str, mut command: Command) -> Session {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: cannot start {command:?}: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        Session::with_output(name, child, stdout)
    }

    /// A session whose console output is read from `output` (e.g. a pty master).
    pub fn with_output(
        name: &str,
        child: Child,
        mut output: impl Read + Send + 'static,
    ) -> Session {
        let (send, chunks) = mpsc::channel();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = output.read(&mut buf) {
                if send.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Session {
            name: name.to_string(),
            child,
            chunks,
            seen: Vec::new(),
            taken: 0,
            eof: false,
        }
    }

    /// Wait until `pattern` follows what was already taken; return everything
    /// up to and including it.
    pub fn until(&mut self, pattern: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let fresh = &self.seen[self.taken..];
            if let Some(at) = fresh
                .windows(pattern.len())
                .position(|w| w == pattern.as_bytes())
            {
                let end = self.taken + at + pattern.len();
                let text = String::from_utf8_lossy(&self.seen[self.taken..end]).into_owned();
                self.taken = end;
                return text;
            }
            if self.eof || !self.receive(deadline) {
                let _ = self.child.kill();
                panic!(
                    "{}: no {pattern:?} (output {}):\n{}",
                    self.name,
                    if self.eof { "ended" } else { "stalled" },
                    self.text()
                );
            }
        }
    }

    /// Take the next chunk of output; false when the deadline passed.
    fn receive(&mut self, deadline: Instant) -> bool {
        match self
            .chunks
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(chunk) => {
                self.seen.extend_from_slice(&chunk);
                true
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.eof = true;
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
        }
    }

    /// Type `text` on the console.
    pub fn send(&mut self, text: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        stdin
            .write_all(text.as_bytes())
            .and_then(|_| stdin.flush())
            .unwrap_or_else(|e| panic!("{}: cannot type {text:?}: {e}", self.name));
    }

    /// Type `command` and Enter at a U-Boot prompt; return its output up to and
    /// including the next prompt (the echoed command line first).
    pub fn command(&mut self, command: &str) -> String {
        self.send(command);
        self.send("\r");
        self.until(PROMPT)
    }

    /// Wait for the child to end by itself; return its status and the output
    /// not taken yet.
    pub fn finish(mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + TIMEOUT;
        while !self.eof {
            if !self.receive(deadline) {
                let _ = self.child.kill();
                panic!("{}: still running:\n{}", self.name, self.text());
            }
        }
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the child") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("{}: output closed but the process runs on", self.name);
            }
            thread::sleep(Duration::from_millis(10));
        };
        let rest = String::from_utf8_lossy(&self.seen[self.taken..]).into_owned();
        (status, rest)
    }

    /// Everything the console printed so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen).into_owned()
    }

    /// The child process.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
