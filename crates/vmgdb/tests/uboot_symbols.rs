//! The U-Boot debugging set-up (`scripts/uboot-symbols`, `docs/uboot.md`) checked
//! against QEMU 7.2, the reference: the rebuilt ELF strips to Debian's binary,
//! gdb-multiarch loads its symbols and finds the sources, `bdinfo` on QEMU shows
//! the relocation the formula predicts, and a hardware breakpoint on the
//! relocated `board_init_r` is hit through QEMU's gdbstub.
//!
//! The first run builds U-Boot (about a minute; the script then caches it) and
//! needs deb.debian.org. QEMU and gdb-multiarch must be installed: a missing
//! tool fails the test with the command that installs it.

mod support;

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use support::uboot::{uboot_symbols, UBootSymbols};
use vmgdb_gdb_testkit::require;

/// Longest a QEMU or GDB run may take before it counts as hung.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

const MIB: u64 = 1 << 20;

/// QEMU's ppce500 with Debian's U-Boot as firmware and `ram_mib` MiB of RAM.
fn qemu_args(symbols: &UBootSymbols, ram_mib: u64) -> Vec<String> {
    [
        "-M",
        "ppce500",
        "-cpu",
        "e500v2_v30",
        "-m",
        &ram_mib.to_string(),
        "-display",
        "none",
        "-nic",
        "none",
        "-monitor",
        "none",
        "-bios",
        &symbols.debian_elf.to_string_lossy(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn stripped_rebuild_is_debians_binary() {
    let symbols = uboot_symbols();
    let stripped = std::fs::read(&symbols.stripped_elf).unwrap();
    let debian = std::fs::read(&symbols.debian_elf).unwrap();
    assert!(
        stripped == debian,
        "{} differs from {}",
        symbols.stripped_elf.display(),
        symbols.debian_elf.display()
    );
    let with_symbols = std::fs::metadata(&symbols.elf).unwrap().len();
    assert!(
        with_symbols > 2 * debian.len() as u64,
        "{} ({with_symbols} bytes) looks stripped",
        symbols.elf.display()
    );
}

#[test]
fn relocation_formula_matches_the_reference() {
    let symbols = uboot_symbols();
    // ppce500-board.md §14: bdinfo with 128 MiB on QEMU.
    assert_eq!(symbols.relocaddr(128 * MIB), 0x07f9_0000);
    assert_eq!(symbols.reloc_off(128 * MIB), 0x0709_0000);
    // RAM above CONFIG_MAX_MEM_MAPPED (2 GiB) is not used.
    assert_eq!(symbols.relocaddr(3072 * MIB), symbols.relocaddr(2048 * MIB));
    assert!(!symbols.recorded_reloc_offs.is_empty());
    for &(mib, off) in &symbols.recorded_reloc_offs {
        assert_eq!(
            symbols.reloc_off(mib * MIB),
            off,
            "RELOC_OFF_{mib}M in info.env"
        );
    }
}

#[test]
fn gdb_loads_the_symbols_and_finds_the_sources() {
    require("gdb-multiarch", "gdb-multiarch");
    let symbols = uboot_symbols();
    let out = Command::new("gdb-multiarch")
        .args(["-nx", "-batch", "-ex"])
        .arg(format!("file {}", symbols.gdb_elf.display()))
        .arg("-ex")
        .arg(format!("directory {}", symbols.src_dir.display()))
        .args(["-ex", "info line board_init_r"])
        .args(["-ex", "list board_init_r"])
        .args(["-ex", "info source"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let start = format!(
        "of \"common/board_r.c\" starts at address {:#x} <board_init_r>",
        symbols.board_init_r
    );
    assert!(text.contains(&start), "no `{start}` in:\n{text}");
    let located = format!("Located in {}/common/board_r.c", symbols.src_dir.display());
    assert!(text.contains(&located), "no `{located}` in:\n{text}");
}

/// A child whose stdout arrives through a channel, so reads can have a deadline.
struct Console {
    child: Child,
    chunks: Receiver<Vec<u8>>,
    seen: Vec<u8>,
    deadline: Instant,
}

impl Console {
    fn spawn(mut cmd: Command) -> Console {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let mut stdout = child.stdout.take().unwrap();
        let (send, chunks) = mpsc::channel();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                if send.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Console {
            child,
            chunks,
            seen: Vec::new(),
            deadline: Instant::now() + RUN_TIMEOUT,
        }
    }

    /// Read until `pattern` appears at or after byte `from`; return its end.
    fn wait_for(&mut self, pattern: &str, from: usize) -> usize {
        loop {
            if let Some(at) = self.seen[from.min(self.seen.len())..]
                .windows(pattern.len())
                .position(|w| w == pattern.as_bytes())
            {
                return from + at + pattern.len();
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.seen.extend_from_slice(&chunk),
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("no {pattern:?} within {RUN_TIMEOUT:?}:\n{}", self.text());
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("output ended before {pattern:?}:\n{}", self.text());
                }
            }
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen).into_owned()
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of a `name = 0x...` line of `bdinfo`.
fn bdinfo_value(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        if key.trim() != name {
            return None;
        }
        u64::from_str_radix(value.trim().strip_prefix("0x")?, 16).ok()
    })
}

/// Boot Debian's U-Boot on QEMU with `ram_mib` MiB, run `bdinfo`, compare.
fn bdinfo_matches_formula(ram_mib: u64) {
    require("qemu-system-ppc", "qemu-system-ppc");
    let symbols = uboot_symbols();
    let mut cmd = Command::new("qemu-system-ppc");
    cmd.args(qemu_args(symbols, ram_mib))
        .args(["-serial", "stdio"]);
    let mut console = Console::spawn(cmd);
    let prompt = console.wait_for("\n=> ", 0);
    console.send("bdinfo\r");
    let done = console.wait_for("\n=> ", prompt);
    let text = String::from_utf8_lossy(&console.seen[prompt..done]).into_owned();
    console.send("poweroff\r");
    let ram = ram_mib * MIB;
    assert_eq!(
        bdinfo_value(&text, "relocaddr"),
        Some(symbols.relocaddr(ram)),
        "relocaddr with {ram_mib} MiB; bdinfo:\n{text}"
    );
    assert_eq!(
        bdinfo_value(&text, "reloc off"),
        Some(symbols.reloc_off(ram)),
        "reloc off with {ram_mib} MiB; bdinfo:\n{text}"
    );
}

#[test]
fn bdinfo_128_mib() {
    bdinfo_matches_formula(128);
}

#[test]
fn bdinfo_256_mib() {
    bdinfo_matches_formula(256);
}

#[test]
fn bdinfo_3_gib_relocates_below_2_gib() {
    bdinfo_matches_formula(3072);
}

/// GDB starts QEMU behind its gdbstub (`target remote | ... -gdb stdio`), loads
/// the symbols at their relocated addresses and puts a hardware breakpoint on
/// `board_init_r` there (a software one would be overwritten by the copy).
fn gdb_breaks_at_relocated_board_init_r(ram_mib: u64) {
    require("gdb-multiarch", "gdb-multiarch");
    require("qemu-system-ppc", "qemu-system-ppc");
    let symbols = uboot_symbols();
    let ram = ram_mib * MIB;
    let off = symbols.reloc_off(ram);
    let target = symbols.relocated(symbols.board_init_r, ram);
    // `timeout` ends QEMU even if GDB dies without killing it.
    let qemu = format!(
        "exec timeout {} qemu-system-ppc {} -serial null -S -gdb stdio",
        RUN_TIMEOUT.as_secs(),
        qemu_args(symbols, ram_mib).join(" ")
    );
    let mut cmd = Command::new("gdb-multiarch");
    cmd.args(["-nx", "-batch", "-ex"])
        .arg(format!(
            "symbol-file -o {off:#x} {}",
            symbols.gdb_elf.display()
        ))
        .arg("-ex")
        .arg(format!("directory {}", symbols.src_dir.display()))
        .arg("-ex")
        .arg(format!("target remote | {qemu}"))
        .arg("-ex")
        .arg(format!("hbreak *{target:#x}"))
        .args([
            "-ex",
            "continue",
            "-ex",
            "p/x $pc",
            "-ex",
            "p/x gd->relocaddr",
        ])
        // The marker comes before `kill`: how GDB reports the end of a QEMU on a pipe
        // varies ("killed", or a broken pipe), and is not what this test checks.
        .args([
            "-ex",
            "p/x gd->reloc_off",
            "-ex",
            "echo END-OF-CHECKS\\n",
            "-ex",
            "kill",
        ]);
    let mut gdb = Console::spawn(cmd);
    gdb.wait_for("END-OF-CHECKS", 0);
    let text = gdb.text();
    for expected in [
        "Breakpoint 1, board_init_r (".to_string(),
        format!("$1 = {target:#x}\n"),
        format!("$2 = {:#x}\n", symbols.relocaddr(ram)),
        format!("$3 = {off:#x}\n"),
    ] {
        assert!(
            text.contains(&expected),
            "no `{}` with {ram_mib} MiB in GDB's output:\n{text}",
            expected.trim_end()
        );
    }
}

#[test]
fn gdb_breaks_at_relocated_board_init_r_128_mib() {
    gdb_breaks_at_relocated_board_init_r(128);
}

#[test]
fn gdb_breaks_at_relocated_board_init_r_256_mib() {
    gdb_breaks_at_relocated_board_init_r(256);
}
