//! Debian's `gdb-multiarch` in batch mode (`-nx -batch`, one `-ex` per command),
//! and assertions on what it printed.

use crate::process::{require, signal, Collected, WATCHDOG};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use wait_timeout::ChildExt;

/// A `gdb-multiarch -batch` command line: settings that keep the output plain,
/// `target remote`, then the commands given.
#[derive(Clone)]
pub struct Gdb {
    args: Vec<String>,
    elf: Option<PathBuf>,
}

impl Gdb {
    /// Connect to `target` (what `target remote` takes) with `elf`'s symbols;
    /// without an ELF, as a big-endian target (gdb-multiarch guesses little).
    pub fn new(target: &str, elf: Option<&Path>) -> Gdb {
        require("gdb-multiarch", "gdb-multiarch");
        let mut g = Gdb {
            args: Vec::new(),
            elf: elf.map(Path::to_path_buf),
        };
        g = g.cmds(&[
            "set confirm off",
            "set width 0",
            "set height 0",
            "set pagination off",
        ]);
        if elf.is_none() {
            g = g.cmds(&["set endian big"]);
        }
        g.cmds(&[&format!("target remote {target}")])
    }

    /// Add commands, run one after another (errors do not stop batch mode).
    pub fn cmds(mut self, cmds: &[&str]) -> Gdb {
        for c in cmds {
            self.args.push("-ex".into());
            self.args.push(c.to_string());
        }
        self
    }

    /// Add a script: `lines` written to a file that GDB `source`s, for what
    /// `-ex` cannot carry (a breakpoint's `commands` ... `end`).
    pub fn script(self, lines: &[&str]) -> Gdb {
        let path = crate::scratch_path("script.gdb");
        std::fs::write(&path, lines.join("\n") + "\n").expect("write a GDB script");
        self.cmds(&[&format!("source {}", path.display())])
    }

    fn command(&self) -> Command {
        let mut c = Command::new("gdb-multiarch");
        c.args(["-nx", "-batch"]).args(&self.args);
        if let Some(elf) = &self.elf {
            c.arg(elf);
        }
        c.stdin(Stdio::null());
        c
    }

    /// Run to completion; stdout and stderr interleaved as GDB wrote them.
    pub fn run(&self) -> String {
        let path = crate::scratch_path("gdb.out");
        let file = File::create(&path).expect("create GDB's output file");
        let mut child = self
            .command()
            .stdout(file.try_clone().expect("dup GDB's output file"))
            .stderr(file)
            .spawn()
            .expect("start gdb-multiarch");
        let status = child.wait_timeout(WATCHDOG).ok().flatten();
        let out = std::fs::read_to_string(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        if status.is_none() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gdb did not finish; output so far:\n{out}");
        }
        out
    }

    /// Start in the background; its output (stdout and stderr) is collected as
    /// it comes.
    pub fn spawn(&self) -> GdbProc {
        let mut child = self
            .command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start gdb-multiarch");
        let out = Collected::default();
        if let Some(p) = child.stdout.take() {
            out.spawn_reader(p);
        }
        if let Some(p) = child.stderr.take() {
            out.spawn_reader(p);
        }
        GdbProc { child, out }
    }
}

/// A GDB running in the background; killed when dropped.
pub struct GdbProc {
    pub child: Child,
    pub out: Collected,
}

impl GdbProc {
    /// Send a signal (by name, e.g. "INT" or "KILL") to GDB.
    pub fn signal(&self, sig: &str) {
        signal(&self.child, sig);
    }

    /// Wait for GDB to end; returns everything it printed.
    pub fn finish(mut self) -> String {
        if !matches!(self.child.wait_timeout(WATCHDOG), Ok(Some(_))) {
            let _ = self.child.kill();
            panic!("gdb did not finish; output:\n{}", self.out.text());
        }
        self.out.wait_closed(2)
    }
}

impl Drop for GdbProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Assert that `out` contains every one of `needles`, showing `out` if not.
#[track_caller]
pub fn assert_all(out: &str, needles: &[&str]) {
    for n in needles {
        assert!(out.contains(n), "expected {n:?} in GDB output:\n{out}");
    }
}

/// Assert that `out` contains none of `needles`.
#[track_caller]
pub fn assert_none(out: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            !out.contains(n),
            "did not expect {n:?} in GDB output:\n{out}"
        );
    }
}

/// The values GDB printed as `$N = value` lines, in order.
pub fn values(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix('$')?;
            let (num, value) = rest.split_once(" = ")?;
            num.parse::<u32>().ok()?;
            Some(value.trim().to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_the_dollar_lines() {
        let out = "Breakpoint 1 at 0x100\n$1 = 5\n$2 = (void (*)()) 0x100 <f>\nx = 3\n$a = 1\n";
        assert_eq!(values(out), ["5", "(void (*)()) 0x100 <f>"]);
    }
}
