//! Debugging Debian's U-Boot on vmgdb with gdb-multiarch, as a U-Boot developer
//! would, with the same GDB script run against QEMU 7.2's gdbstub in the same
//! test for comparison.
//!
//! The symbols come from `scripts/uboot-symbols` (U-Boot rebuilt from Debian's
//! source; it strips to Debian's `uboot.elf`, which is what both emulators
//! boot). Before relocation the symbols are used as linked; after it, loaded with
//! the relocation offset (`symbol-file -o`, 0x07090000 for 128 MiB; see
//! `docs/uboot.md`). Each test runs on e500v2 and e500mc:
//!
//! * a hardware breakpoint before relocation (`board_init_f`) and after it
//!   (`board_init_r` at its relocated address);
//! * a watchpoint on `gd->ram_size`, which `dram_init` writes before relocation;
//! * `stepi` through `relocate_code`, across its jump into the relocated copy;
//! * `info registers` for the MMU SPRs and `monitor info tlb` at the prompt,
//!   where U-Boot's TLB1 holds its eight maps (reference §7.4).
//!
//! GDB's output must be what QEMU's gdbstub gives, line for line, except where
//! a [`Difference`] names and explains it (MSR[ME] after `mtmsr`, where a
//! watchpoint stops), and for the register listing's natural-value column
//! (QEMU declares SPRs as signed, vmgdb as unsigned), PID0's name (QEMU calls
//! it `pid`) and the format of `monitor info tlb` (QEMU's HMP table, vmgdb's
//! own), which are compared by value.
//!
//! Needs gdb-multiarch and qemu-system-ppc; the first run builds U-Boot (see
//! `tests/uboot_symbols.rs`).

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use support::session::{Cpu, Emulator, Session, DEBIAN_UBOOT, TIMEOUT};
use support::uboot::{uboot_symbols, UBootSymbols};
use vmgdb_gdb_testkit::assert_all;
use vmgdb_gdb_testkit::require;

const RAM: u64 = 128 << 20;
const FLAVOURS: [Cpu; 2] = [Cpu::E500v2, Cpu::E500mc];

/// Kills the emulator if the test ends early.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// vmgdb booting Debian's U-Boot behind its GDB stub, held at the first
/// instruction; the `target remote` argument that reaches it.
fn start_vmgdb(cpu: Cpu) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vmgdb"))
        .args(["run", "--cpu", cpu.vmgdb(), "--bios", DEBIAN_UBOOT])
        .args(["--gdb", "127.0.0.1:0", "--wait"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vmgdb");
    let stderr = child.stderr.take().expect("stderr is piped");
    let running = Running(child);
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let announced = lines
        .recv_timeout(TIMEOUT)
        .expect("vmgdb announces where GDB should connect");
    let address = announced
        .strip_prefix("vmgdb: waiting for gdb on ")
        .unwrap_or_else(|| panic!("unexpected first line from vmgdb: {announced:?}"))
        .to_string();
    (running, address)
}

/// Run GDB in batch mode: load `symbols` (a `file`/`symbol-file` command),
/// attach to `emulator` held at U-Boot's first instruction, run `commands`,
/// kill the target. GDB's output (stdout and stderr), without the emulators'
/// own farewell lines.
fn gdb(emulator: Emulator, cpu: Cpu, symbols: &str, commands: &[String]) -> String {
    let (vmgdb, target) = match emulator {
        Emulator::Vmgdb => {
            let (running, address) = start_vmgdb(cpu);
            (Some(running), format!("target remote {address}"))
        }
        Emulator::Qemu => (
            None,
            format!(
                "target remote | exec timeout {} qemu-system-ppc -M ppce500 -cpu {} \
                 -display none -nic none -monitor none -serial null -bios {DEBIAN_UBOOT} \
                 -S -gdb stdio",
                TIMEOUT.as_secs(),
                cpu.qemu()
            ),
        ),
    };
    let mut script = vec![
        "set pagination off".to_string(),
        "set confirm off".to_string(),
        symbols.to_string(),
        target,
    ];
    script.extend(commands.iter().cloned());
    // How the connection ends on `kill` varies on QEMU: cut there.
    script.push(format!("echo {END}\\n"));
    script.push("kill".to_string());
    let mut command = Command::new("sh");
    command
        .args(["-c", "exec gdb-multiarch -nx -batch \"$@\" 2>&1", "gdb"])
        .args(script.iter().flat_map(|c| ["-ex", c.as_str()]));
    let session = Session::start(&format!("gdb on {emulator:?} {cpu:?}"), command);
    let (_, output) = session.finish();
    if let Some(mut running) = vmgdb {
        // `kill` ends vmgdb by itself, with status 0.
        let status = wait_for(&mut running.0);
        assert_eq!(status, Some(0), "vmgdb after GDB's kill:\n{output}");
    }
    let (script_output, _) = output
        .split_once(END)
        .unwrap_or_else(|| panic!("GDB did not run the whole script:\n{output}"));
    script_output.to_string()
}

/// Printed by GDB after the test's commands (`echo`, so `\n` is GDB's escape).
const END: &str = "=== end of script ===";

fn wait_for(child: &mut Child) -> Option<i32> {
    let deadline = std::time::Instant::now() + TIMEOUT;
    while std::time::Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("wait for vmgdb") {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("vmgdb still runs after GDB killed it");
}

fn require_tools() -> &'static UBootSymbols {
    require("gdb-multiarch", "gdb-multiarch");
    require("qemu-system-ppc", "qemu-system-ppc");
    uboot_symbols()
}

/// `file ELF`: symbols at their link addresses (before relocation).
fn linked(symbols: &UBootSymbols) -> String {
    format!("file {}", symbols.gdb_elf.display())
}

/// `symbol-file -o OFF ELF`: symbols where relocation put them.
fn relocated(symbols: &UBootSymbols) -> String {
    format!(
        "symbol-file -o {:#x} {}",
        symbols.reloc_off(RAM),
        symbols.gdb_elf.display()
    )
}

fn strings(commands: &[&str]) -> Vec<String> {
    commands.iter().map(|c| c.to_string()).collect()
}

/// A known difference between vmgdb's and QEMU's answer to the same script.
struct Difference {
    /// What vmgdb prints.
    ours: &'static str,
    /// What QEMU prints instead (every occurrence stands for `ours`).
    theirs: &'static str,
    /// Why they differ.
    why: &'static str,
}

/// QEMU 7.2's `mtmsr` never changes MSR[ME] (a Book3S rule it applies to BookE
/// too); the e500 manual's `mtmsr` writes every bit, so after U-Boot's
/// `mtmsr 0x21200` vmgdb's MSR has ME and QEMU's does not.
const MSR_ME: Difference = Difference {
    ours: "= 0x21200\n",
    theirs: "= 0x20200\n",
    why: "QEMU's mtmsr keeps MSR[ME] clear; the e500's sets it",
};

/// The same script on both emulators: vmgdb's output, which must equal QEMU's
/// but for the `differences` named.
fn same_as_qemu(
    cpu: Cpu,
    symbols: &str,
    commands: &[String],
    differences: &[Difference],
) -> String {
    let qemu = {
        let (symbols, commands) = (symbols.to_string(), commands.to_vec());
        std::thread::spawn(move || gdb(Emulator::Qemu, cpu, &symbols, &commands))
    };
    let ours = gdb(Emulator::Vmgdb, cpu, symbols, commands);
    let mut theirs = qemu.join().expect("the QEMU session");
    for d in differences {
        assert!(
            ours.contains(d.ours) && theirs.contains(d.theirs),
            "{cpu:?}: expected vmgdb to print {:?} where QEMU prints {:?} ({}):\nvmgdb:\n{ours}\nQEMU:\n{theirs}",
            d.ours,
            d.theirs,
            d.why
        );
        theirs = theirs.replace(d.theirs, d.ours);
    }
    assert_eq!(
        ours, theirs,
        "{cpu:?}: GDB's output (left vmgdb, right QEMU)"
    );
    ours
}

#[test]
fn hbreak_before_relocation_stops_in_board_init_f() {
    let symbols = require_tools();
    for cpu in FLAVOURS {
        let out = same_as_qemu(
            cpu,
            &linked(symbols),
            &strings(&[
                "hbreak board_init_f",
                "continue",
                "p $pc == board_init_f",
                "p/x $msr",
                "bt",
            ]),
            &[MSR_ME],
        );
        assert_all(
            &out,
            &[
                "Hardware assisted breakpoint 1 at 0x",
                ": file common/board_f.c, line ",
                "Breakpoint 1, board_init_f (boot_flags=0) at common/board_f.c:",
                "$1 = 1\n",
                "$2 = 0x21200\n",
                " in _start_cont () at arch/powerpc/cpu/mpc85xx/start.S:",
            ],
        );
    }
}

#[test]
fn hbreak_after_relocation_stops_in_relocated_board_init_r() {
    let symbols = require_tools();
    let target = symbols.relocated(symbols.board_init_r, RAM);
    for cpu in FLAVOURS {
        let out = same_as_qemu(
            cpu,
            &relocated(symbols),
            &strings(&[
                "hbreak board_init_r",
                "continue",
                "p/x $pc",
                "p/x gd->relocaddr",
                "p/x gd->reloc_off",
                "p/x $ivpr",
            ]),
            &[],
        );
        assert_all(
            &out,
            &[
                &format!("Hardware assisted breakpoint 1 at {target:#x}: file common/board_r.c"),
                "Breakpoint 1, board_init_r (new_gd=",
                &format!("dest_addr={})", symbols.relocaddr(RAM)),
                &format!("$1 = {target:#x}\n"),
                &format!("$2 = {:#x}\n", symbols.relocaddr(RAM)),
                &format!("$3 = {:#x}\n", symbols.reloc_off(RAM)),
                // relocate_code moved the vectors' base to the copy.
                &format!("$4 = {:#x}\n", symbols.relocaddr(RAM)),
            ],
        );
    }
}

/// A data watchpoint is a DAC event, which the e500 takes before the store
/// writes: vmgdb stops there and GDB (which expects PowerPC watchpoints to
/// trigger before the access) steps over the store, stopping right after it.
/// QEMU's gdbstub reports the watchpoint after the store has executed, so
/// GDB's step takes it one instruction further.
const WATCH_STOP: Difference = Difference {
    ours: "dram_init () at arch/powerpc/cpu/mpc85xx/cpu.c:430",
    theirs: "0x00f01930 in dram_init () at arch/powerpc/cpu/mpc85xx/cpu.c:430",
    why: "QEMU reports a watchpoint one instruction late",
};
/// The same, seen as the instruction before the stop.
const WATCH_STORE: Difference = Difference {
    ours: "0xf01928 <dram_init+36>:\tstw     r4,76(r31)",
    theirs: "0xf0192c <dram_init+40>:\taddi    r11,r1,16",
    why: "QEMU reports a watchpoint one instruction late",
};

#[test]
fn watch_shows_dram_init_writing_gd_ram_size() {
    let symbols = require_tools();
    for cpu in FLAVOURS {
        let out = same_as_qemu(
            cpu,
            &linked(symbols),
            &strings(&[
                "hbreak board_init_f",
                "continue",
                "p gd->ram_size",
                "watch -l gd->ram_size",
                "continue",
                "bt 2",
                "p gd->ram_size",
                // The store that changed the 64-bit value: its low word.
                "x/i $pc - 4",
                "p (unsigned long)&gd->ram_size + 4 == $r31 + 76",
            ]),
            &[WATCH_STOP, WATCH_STORE],
        );
        assert_all(
            &out,
            &[
                "$1 = 0\n",
                "Hardware watchpoint 2: -location gd->ram_size",
                "Old value = 0\nNew value = 134217728\n",
                "\ndram_init () at arch/powerpc/cpu/mpc85xx/cpu.c:",
                " in initcall_run_list (",
                "$2 = 134217728\n",
                ">:\tstw     r4,76(r31)\n",
                "$3 = 1\n",
            ],
        );
    }
}

#[test]
fn stepi_through_relocate_code_into_the_relocated_copy() {
    let symbols = require_tools();
    let off = symbols.reloc_off(RAM);
    let copy = format!("add-symbol-file {} -o {off:#x}", symbols.gdb_elf.display());
    for cpu in FLAVOURS {
        let out = same_as_qemu(
            cpu,
            &linked(symbols),
            &strings(&[
                "set $in_ram = (unsigned long)&in_ram",
                "hbreak relocate_code",
                // Its last instruction, the `blr` into the copy, is just before in_ram.
                "hbreak *($in_ram - 4)",
                "continue",
                "p/x $r5",
                "x/i $pc",
                "stepi",
                "x/i $pc",
                "stepi",
                "x/i $pc",
                "p/x $r9 == $r4",
                "continue",
                "x/i $pc",
                &format!("p $lr == $in_ram + {off:#x}"),
                &copy,
                "stepi",
                "x/i $pc",
                &format!("p $pc == $in_ram + {off:#x}"),
                "info symbol $pc",
                // The copy is the linked code, word for word.
                "p *(unsigned int *)$pc == *(unsigned int *)&in_ram",
            ]),
            &[],
        );
        assert_all(
            &out,
            &[
                "Breakpoint 1, relocate_code () at arch/powerpc/cpu/mpc85xx/start.S:",
                &format!("$1 = {:#x}\n", symbols.relocaddr(RAM)),
                " <relocate_code>:\tmr      r1,r3\n",
                " <relocate_code+4>:\tmr      r9,r4\n",
                " <relocate_code+8>:\tmr      r10,r5\n",
                "$2 = 0x1\n",
                "Breakpoint 2, relocate_code () at",
                ">:\tblr\n",
                "$3 = 1\n",
                "in_ram () at arch/powerpc/cpu/mpc85xx/start.S:",
                " <in_ram>:\tli      r0,2001\n",
                "$4 = 1\n",
                "in_ram in section .text of ",
                "$5 = 1\n",
            ],
        );
    }
}

/// Commands that stop U-Boot where it is about to read a command line (after
/// relocation, with every TLB entry of the prompt in place).
const AT_PROMPT: [&str; 2] = ["hbreak cli_readline_into_buffer", "continue"];

/// `name  0xVALUE  natural` lines of `info registers`: (name, hex value).
fn register_values(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let (name, value) = (words.next()?, words.next()?);
            value
                .starts_with("0x")
                .then(|| (name.to_string(), value.to_string()))
        })
        .filter(|(name, _)| {
            name.starts_with("mas") || name.starts_with("pid") || name.ends_with("cfg")
        })
        .collect()
}

#[test]
fn info_registers_shows_the_mmu_sprs_at_the_prompt() {
    let symbols = require_tools();
    const MMU: &str = "mas0 mas1 mas2 mas3 mas4 mas6 mas7 mmucfg tlb0cfg tlb1cfg";
    for cpu in FLAVOURS {
        let script = |pid0: &str| {
            let mut s = strings(&AT_PROMPT);
            s.push(format!("info registers {MMU}"));
            s.push(format!("info registers {pid0} pid1 pid2"));
            s
        };
        let ours = gdb(Emulator::Vmgdb, cpu, &relocated(symbols), &script("pid0"));
        let theirs = gdb(Emulator::Qemu, cpu, &relocated(symbols), &script("pid"));
        assert_all(
            &ours,
            &[
                "Breakpoint 1, cli_readline_into_buffer (prompt=0x",
                " \"=> \"",
            ],
        );
        let ours_values = register_values(&ours);
        let theirs_values: Vec<_> = register_values(&theirs)
            .into_iter()
            .map(|(n, v)| (if n == "pid" { "pid0".to_string() } else { n }, v))
            .collect();
        assert_eq!(
            ours_values, theirs_values,
            "{cpu:?}: left vmgdb, right QEMU"
        );
        let tlb1cfg = match cpu {
            Cpu::E500v2 => "0x101cc010",
            Cpu::E500mc => "0x401cc040",
        };
        let expected = [
            // The last tlbwe: TLB1 entry 7, valid + IPROT, 64 MiB.
            ("mas0", "0x10070000"),
            ("mas1", "0xc0000800"),
            ("mas2", "0xf400000a"),
            ("mas3", "0x4000005"),
            ("mas4", "0x0"),
            ("mas6", "0x0"),
            ("mas7", "0xf"),
            ("mmucfg", "0x0"),
            ("tlb0cfg", "0x4110200"),
            ("tlb1cfg", tlb1cfg),
            ("pid0", "0x0"),
            ("pid1", "0x0"),
            ("pid2", "0x0"),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(ours_values, expected, "{cpu:?}:\n{ours}");
    }
}

/// A TLB1 entry as both tables show it: effective, physical, size.
type Map = (u64, u64, String);

fn hex(word: &str) -> u64 {
    u64::from_str_radix(word.trim_start_matches("0x"), 16).expect("a hex number")
}

/// vmgdb's `monitor info tlb`: `TLB index EA PA size ...` rows.
fn vmgdb_tlb1(text: &str) -> Vec<Map> {
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.len() > 4 && w[0] == "1" && w[2].starts_with("0x"))
                .then(|| (hex(w[2]), hex(w[3]), w[4].to_string()))
        })
        .collect()
}

/// QEMU's `info tlb` (HMP): the `0x...` rows after `TLB1:`.
fn qemu_tlb1(text: &str) -> Vec<Map> {
    text.lines()
        .skip_while(|l| !l.starts_with("TLB1:"))
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.len() > 2 && w[0].starts_with("0x"))
                .then(|| (hex(w[0]), hex(w[1]), w[2].to_string()))
        })
        .collect()
}

#[test]
fn monitor_info_tlb_lists_the_tlb1_maps_of_the_prompt() {
    let symbols = require_tools();
    for cpu in FLAVOURS {
        let mut script = strings(&AT_PROMPT);
        script.push("monitor info tlb".to_string());
        let ours = gdb(Emulator::Vmgdb, cpu, &relocated(symbols), &script);
        let theirs = gdb(Emulator::Qemu, cpu, &relocated(symbols), &script);
        let expected: Vec<Map> = [
            // Reference §7.4: CCSR, RAM, platform bus, PCI memory and I/O windows.
            (0xE000_0000, 0xF_E000_0000, "1M"),
            (0x0000_0000, 0x0_0000_0000, "64M"),
            (0x0400_0000, 0x0_0400_0000, "64M"),
            (0xF000_0000, 0xF_0000_0000, "64M"),
            (0x8000_0000, 0xC_0000_0000, "256M"),
            (0x9000_0000, 0xC_1000_0000, "256M"),
            (0xA000_0000, 0xF_E100_0000, "64K"),
            (0xF400_0000, 0xF_0400_0000, "64M"),
        ]
        .iter()
        .map(|&(ea, pa, size)| (ea, pa, size.to_string()))
        .collect();
        assert_eq!(vmgdb_tlb1(&ours), expected, "{cpu:?}:\n{ours}");
        assert_eq!(qemu_tlb1(&theirs), expected, "{cpu:?} on QEMU:\n{theirs}");
        // Every U-Boot map is protected; TLB0 stays empty.
        let rows: Vec<&str> = ours
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()) && l.contains(" 0x"))
            .collect();
        assert_eq!(rows.len(), expected.len(), "only TLB1 entries:\n{ours}");
        assert!(
            rows.iter()
                .all(|r| r.starts_with('1') && r.ends_with("yes")),
            "{ours}"
        );
    }
}
