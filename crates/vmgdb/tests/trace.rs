//! `--trace` against QEMU's `-d`: the interrupts guest (system calls, program
//! interrupts, storage and alignment interrupts, unavailable units, decrementer
//! interrupts) takes, on vmgdb's `--trace int`, exactly the interrupts QEMU 7.2's
//! `-d int` logs for it, kind by kind; and `--trace unimp` names the illegal
//! instructions it runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use vmgdb_gdb_testkit::console::run;
use vmgdb_gdb_testkit::{guests, qemu, require, scratch_path};

/// Interrupts by kind, in vmgdb's names, from QEMU's `-d int` log.
fn qemu_interrupts(flavour: &str, elf: &Path) -> BTreeMap<String, usize> {
    let log = scratch_path("qemu-int.log");
    let mut cmd = Command::new("qemu-system-ppc");
    cmd.args(["-M", "ppce500", "-cpu", qemu::cpu(flavour), "-nographic"])
        .arg("-kernel")
        .arg(elf)
        .args(["-nic", "none", "-monitor", "none", "-serial", "null"])
        .args(["-d", "int", "-D"])
        .arg(&log);
    assert!(run("QEMU", cmd).status.success());
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    let mut kinds = BTreeMap::new();
    for line in text.lines() {
        // "Raise exception at 00100fa0 => SYSCALL (8) error=00"
        let Some(rest) = line.split_once(" => ").map(|(_, r)| r) else {
            continue;
        };
        let name = rest.split_whitespace().next().unwrap_or("");
        let ours = match name {
            "SYSCALL" => "SystemCall",
            // QEMU raises illegal instructions as "emulation assistance", which
            // the e500 delivers as its program interrupt.
            "PROGRAM" | "HV_EMU" => "Program",
            "DECR" => "Decrementer",
            "DSI" => "DataStorage",
            "ISI" => "InstructionStorage",
            "ALIGN" => "Alignment",
            "FPU" => "FpUnavailable",
            "SPEU" => "SpeUnavailable",
            "DTLB" => "DataTlbError",
            "ITLB" => "InstructionTlbError",
            "EXTERNAL" => "External",
            other => panic!("QEMU logged an interrupt kind this test does not know: {other}"),
        };
        *kinds.entry(ours.to_string()).or_insert(0) += 1;
    }
    kinds
}

/// vmgdb's `--trace` of `kinds` for the run of `elf`.
fn vmgdb_trace(flavour: &str, elf: &Path, kinds: &str) -> String {
    let log = scratch_path("vmgdb-trace.log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vmgdb"));
    cmd.args(["run", "--cpu", flavour, "--kernel"])
        .arg(elf)
        .args(["--trace", kinds, "--trace-file"])
        .arg(&log);
    assert!(run("vmgdb", cmd).status.success());
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    text
}

#[test]
fn trace_int_logs_the_interrupts_qemu_logs() {
    require("qemu-system-ppc", "qemu-system-ppc");
    for flavour in ["e500v2", "e500mc"] {
        let elf = guests::elf("interrupts", flavour);
        let theirs = qemu_interrupts(flavour, &elf);
        let trace = vmgdb_trace(flavour, &elf, "int");
        let mut ours = BTreeMap::new();
        for line in trace.lines() {
            // "int: SystemCall (IVOR8) at 0x00100fa0 => 0x00100180 Srr0 ..."
            let kind = line
                .strip_prefix("int: ")
                .and_then(|l| l.split_whitespace().next())
                .unwrap_or_else(|| panic!("not an interrupt line: {line:?}"));
            *ours.entry(kind.to_string()).or_insert(0) += 1;
        }
        assert!(ours.values().sum::<usize>() > 100, "{flavour}: {trace}");
        assert_eq!(
            ours, theirs,
            "{flavour}: interrupts by kind, vmgdb against QEMU"
        );
        assert!(
            trace.contains("int: SystemCall (IVOR8) at 0x") && trace.contains(" Srr0 0x"),
            "{flavour}: {trace}"
        );
    }
}

#[test]
fn trace_unimp_and_mmu_say_what_happened() {
    let elf = guests::elf("interrupts", "e500v2");
    let trace = vmgdb_trace("e500v2", &elf, "unimp,mmu");
    assert!(
        trace.contains("unimp: instruction 0x00000000 at 0x"),
        "{trace}"
    );
    assert!(trace.contains("mmu: tlbwe MAS0 "), "{trace}");
    assert!(
        !trace.contains("int: "),
        "only what was asked for:\n{trace}"
    );
}

#[test]
fn trace_options_are_checked_and_explained() {
    let vmgdb = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_vmgdb"))
            .args(args)
            .output()
            .expect("run vmgdb");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let (code, text) = vmgdb(&["run", "--trace", "help"]);
    assert_eq!(code, Some(0), "{text}");
    for kind in ["int ", "exec ", "mmu ", "unimp "] {
        assert!(text.contains(kind), "{text}");
    }
    let (code, text) = vmgdb(&["run", "--trace", "int,bogus"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("unknown trace event kind 'bogus'"), "{text}");
    let (code, text) = vmgdb(&["run", "--trace-file", "/dev/null"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("--trace"), "{text}");
    let (code, text) = vmgdb(&[
        "run",
        "--trace",
        "int",
        "--trace-file",
        "/nonexistent/dir/t.log",
    ]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("cannot create the trace file"), "{text}");
}
