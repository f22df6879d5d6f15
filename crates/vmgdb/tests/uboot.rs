//! Debian's qemu-ppce500 U-Boot on vmgdb, compared with QEMU 7.2 in the same run.
//!
//! Both emulators boot `/usr/lib/u-boot/qemu-ppce500/uboot.elf` with the console
//! on pipes (QEMU with `-nic none`: vmgdb has no NIC). The same script drives
//! both: wait for the `=> ` prompt (the boot, autoboot countdown included, runs
//! undisturbed), type a command, collect its output up to the next prompt. Every
//! step's output must be identical byte for byte, except where a step names the
//! difference and why (only `date`: both read the I2C RTC, which starts at the
//! host's clock and then follows each machine's own time, so the seconds differ).
//! `reset` must show a second boot on both, `poweroff` must end both with status 0.
//!
//! Needs `qemu-system-ppc` and `u-boot-qemu` (`scripts/test` installs them).

mod support;

use std::path::Path;
use std::process::ExitStatus;
use support::session::{emulator_command, Cpu, Emulator, Session, DEBIAN_UBOOT, PROMPT};
use vmgdb_gdb_testkit::require;

/// One step of the script and what the console showed for it.
#[derive(Debug)]
struct Step {
    command: &'static str,
    output: String,
}

/// How a step's outputs on the two emulators relate.
enum Expect {
    /// Byte for byte the same.
    Same,
    /// Known to differ: QEMU's output contains the first text, vmgdb's the
    /// second; the third says why.
    Differs(&'static str, &'static str, &'static str),
}

/// The commands typed at the prompt, in order (the boot itself comes first).
const SCRIPT: &[(&str, Expect)] = &[
    ("version", Expect::Same),
    ("bdinfo", Expect::Same),
    ("printenv", Expect::Same),
    ("setenv greeting hello from the ppce500", Expect::Same),
    ("printenv greeting", Expect::Same),
    ("mw.l 0x01000000 0xc0ffee42 4", Expect::Same),
    ("md.l 0x01000000 8", Expect::Same),
    ("mw.b 0x01000002 0x5a", Expect::Same),
    ("md.b 0x01000000 8", Expect::Same),
    // Device registers: the console UART, the MPIC's identification and
    // per-CPU registers, the PCI controller's windows.
    ("md.b 0xe0004500 8", Expect::Same),
    ("md.l 0xe0040000 4", Expect::Same),
    ("md.l 0xe0041000 4", Expect::Same),
    ("md.l 0xe0060080 4", Expect::Same),
    ("md.l 0xe0008c20 8", Expect::Same),
    // Whole register groups: MPIC globals and timers, the first 64 sources,
    // MSI; the PCI controller's ATMU block.
    ("md.l 0xe0041000 0x100", Expect::Same),
    ("md.l 0xe0050000 0x200", Expect::Same),
    ("md.l 0xe0041600 0x60", Expect::Same),
    ("md.l 0xe0008c00 0x100", Expect::Same),
    ("pci", Expect::Same),
    ("pci header 0.0.0", Expect::Same),
    // The CCSR block seen through the PCI memory window and the bridge's BAR0.
    ("md.b 0x80004500 8", Expect::Same),
    (
        "date",
        Expect::Differs(
            "Date: ",
            "Date: ",
            "both read the DS1338 RTC on the I2C bus: it starts at the host's clock, then \
             QEMU's follows the host, vmgdb's the guest's virtual time",
        ),
    ),
    ("reset", Expect::Same),
    ("printenv greeting", Expect::Same),
];

/// Boot, run [`SCRIPT`], power off; the steps and the exit status.
fn transcript(emulator: Emulator, cpu: Cpu) -> (Vec<Step>, ExitStatus, String) {
    let name = format!("{emulator:?} {cpu:?}");
    let command = emulator_command(emulator, cpu, Path::new(DEBIAN_UBOOT), true);
    let mut session = Session::start(&name, command);
    let mut steps = vec![Step {
        command: "(boot)",
        output: session.until(PROMPT),
    }];
    for &(command, _) in SCRIPT {
        steps.push(Step {
            command,
            output: session.command(command),
        });
    }
    session.send("poweroff\r");
    let (status, rest) = session.finish();
    (steps, status, rest)
}

fn require_tools() {
    require("qemu-system-ppc", "qemu-system-ppc");
    assert!(
        Path::new(DEBIAN_UBOOT).exists(),
        "{DEBIAN_UBOOT} is missing: install it with `apt-get install u-boot-qemu` (scripts/test does)"
    );
}

/// Both emulators through the script at once; every step compared.
fn uboot_matches_qemu(cpu: Cpu) {
    require_tools();
    let qemu = std::thread::spawn(move || transcript(Emulator::Qemu, cpu));
    let (ours, our_status, our_rest) = transcript(Emulator::Vmgdb, cpu);
    let (theirs, their_status, their_rest) = qemu.join().expect("the QEMU run");

    let expectations = std::iter::once(&Expect::Same).chain(SCRIPT.iter().map(|(_, e)| e));
    for ((mine, qemus), expect) in ours.iter().zip(&theirs).zip(expectations) {
        match expect {
            Expect::Same => assert_eq!(
                mine.output, qemus.output,
                "{cpu:?}: `{}` differs (left vmgdb, right QEMU)",
                mine.command
            ),
            Expect::Differs(on_qemu, on_vmgdb, why) => {
                assert!(
                    qemus.output.contains(on_qemu) && mine.output.contains(on_vmgdb),
                    "{cpu:?}: `{}` was expected to differ ({why}):\nvmgdb: {}\nQEMU: {}",
                    mine.command,
                    mine.output,
                    qemus.output
                );
            }
        }
    }
    assert_eq!(ours.len(), theirs.len());
    assert_eq!(our_rest, their_rest, "{cpu:?}: poweroff output");
    assert_eq!(their_status.code(), Some(0), "QEMU's poweroff status");
    assert_eq!(our_status.code(), Some(0), "vmgdb's poweroff status");

    // What vmgdb printed, on its own terms (so the test means something even
    // if QEMU changed too).
    let output = |command: &str| -> &str {
        &ours
            .iter()
            .find(|s| s.command == command)
            .unwrap_or_else(|| panic!("no step {command}"))
            .output
    };
    let boot = output("(boot)");
    let core = match cpu {
        Cpu::E500v2 => "Core:  e500v2, Version: 3.0, (0x80210030)\r\n",
        Cpu::E500mc => "Core:  e500mc, Version: 2.0, (0x80230020)\r\n",
    };
    for line in [
        "\r\nU-Boot 2023.01",
        "CPU:   Unknown, Version: 0.0, (0x00000000)\r\n",
        core,
        "DRAM:  128 MiB\r\n",
        "Net:   No ethernet found.\r\n",
        "Hit any key to stop autoboot:  1 \x08\x08\x08 0 \r\n=> ",
    ] {
        assert!(
            boot.contains(line),
            "{cpu:?}: no {line:?} in the boot:\n{boot}"
        );
    }
    assert!(output("bdinfo").contains("relocaddr   = 0x07f90000\r\n"));
    assert!(output("printenv greeting").contains("greeting=hello from the ppce500\r\n"));
    assert!(output("md.l 0x01000000 8").contains("01000000: c0ffee42 c0ffee42 c0ffee42 c0ffee42"));
    assert!(output("md.b 0x01000000 8").contains("01000000: c0 ff 5a 42 c0 ff ee 42"));
    assert!(
        output("pci").contains("00.00.00   0x1957     0x0030     Processor               0x20\r\n")
    );
    assert!(
        output("md.l 0xe0041000 4").contains("e0041000: 00c30002 ffffffff"),
        "MPIC FRR"
    );
    assert!(output("md.b 0x80004500 8").contains("80004500: 00 00 c1 03 03 60 b0 00"));
    let reset = output("reset");
    assert_eq!(
        reset.matches("\r\nU-Boot 2023.01").count(),
        1,
        "a second boot:\n{reset}"
    );
    assert!(reset.ends_with(&format!("\r\n{PROMPT}")));
    let after = &ours.last().expect("steps").output;
    assert!(
        after.contains("## Error: \"greeting\" not defined"),
        "{after}"
    );
    assert!(our_rest.starts_with("poweroff\r\n"), "{our_rest:?}");
}

#[test]
fn uboot_on_e500v2_matches_qemu() {
    uboot_matches_qemu(Cpu::E500v2);
}

#[test]
fn uboot_on_e500mc_matches_qemu() {
    uboot_matches_qemu(Cpu::E500mc);
}
