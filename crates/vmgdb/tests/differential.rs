//! Differential tests: every guest program in `guests/` runs on QEMU 7.2
//! (`qemu-system-ppc -M ppce500`, the behavioural reference) and on vmgdb
//! (`vmgdb run --machine ppce500`), for each e500 flavour it is built for; the
//! console outputs must be byte-identical and both must power off (exit 0).
//!
//! The guests are built once per test binary with `make -C guests` (through
//! `vmgdb-gdb-testkit`), which needs `powerpc-linux-gnu-gcc`; QEMU must be
//! installed too. A missing tool fails the test with the command that installs it.

use std::path::Path;
use std::process::Command;
use std::thread;
use vmgdb_gdb_testkit::console::{diff, run, Run};
use vmgdb_gdb_testkit::{guests, qemu, require};

fn run_qemu(flavour: &str, elf: &Path) -> Run {
    let mut cmd = Command::new("qemu-system-ppc");
    cmd.args(["-M", "ppce500", "-cpu", qemu::cpu(flavour), "-nographic"])
        .arg("-kernel")
        .arg(elf)
        .args(["-nic", "none", "-monitor", "none", "-serial", "stdio"]);
    run(&format!("QEMU ({flavour})"), cmd)
}

fn run_vmgdb(flavour: &str, elf: &Path) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vmgdb"));
    cmd.args(["run", "--machine", "ppce500", "--cpu", flavour, "--kernel"])
        .arg(elf);
    run(&format!("vmgdb ({flavour})"), cmd)
}

/// Build, run on both, compare.
fn differential(program: &str, flavour: &str) {
    require("qemu-system-ppc", "qemu-system-ppc");
    let elf = guests::elf(program, flavour);
    let (qemu, vmgdb) = thread::scope(|s| {
        let q = s.spawn(|| run_qemu(flavour, &elf));
        let v = s.spawn(|| run_vmgdb(flavour, &elf));
        (q.join(), v.join())
    });
    let qemu = qemu.unwrap_or_else(|e| std::panic::resume_unwind(e));
    let vmgdb = vmgdb.unwrap_or_else(|e| std::panic::resume_unwind(e));
    assert!(
        qemu.status.success(),
        "QEMU exited with {} running {program} ({flavour}); output:\n{}",
        qemu.status,
        String::from_utf8_lossy(&qemu.output)
    );
    assert!(
        !qemu.output.is_empty(),
        "QEMU printed nothing for {program} ({flavour})"
    );
    assert!(
        qemu.output == vmgdb.output,
        "console output of {program} ({flavour}) differs between QEMU and vmgdb:\n{}",
        diff(&qemu.output, &vmgdb.output)
    );
    assert!(
        vmgdb.status.success(),
        "vmgdb exited with {} running {program} ({flavour})",
        vmgdb.status
    );
}

/// One test per program and flavour.
macro_rules! differential {
    ($($name:ident: $program:literal on $flavour:literal,)*) => {
        $(
            #[test]
            fn $name() {
                differential($program, $flavour);
            }
        )*
    };
}

differential! {
    bits_e500v2: "bits" on "e500v2",
    bits_e500mc: "bits" on "e500mc",
    sort_e500v2: "sort" on "e500v2",
    sort_e500mc: "sort" on "e500mc",
    strings_e500v2: "strings" on "e500v2",
    strings_e500mc: "strings" on "e500mc",
    recursion_e500v2: "recursion" on "e500v2",
    recursion_e500mc: "recursion" on "e500mc",
    arith_e500v2: "arith" on "e500v2",
    arith_e500mc: "arith" on "e500mc",
    interrupts_e500v2: "interrupts" on "e500v2",
    interrupts_e500mc: "interrupts" on "e500mc",
    tlb_e500v2: "tlb" on "e500v2",
    tlb_e500mc: "tlb" on "e500mc",
    debug_e500v2: "debug" on "e500v2",
    debug_e500mc: "debug" on "e500mc",
    float_e500mc: "float" on "e500mc",
    gdbtarget_e500v2: "gdbtarget" on "e500v2",
    gdbtarget_e500mc: "gdbtarget" on "e500mc",
}

#[test]
fn diff_shows_the_differing_block() {
    let d = diff(b"a\nb\nc\nd\n", b"a\nB\nc\nd\n");
    assert!(d.contains("first difference at line 2"), "{d}");
    assert!(d.contains("- \"b\"\n+ \"B\"\n"), "{d}");
    assert!(!d.contains("\"d\""), "{d}");
    let d = diff(b"x\n", b"");
    assert!(d.contains("- \"x\""), "{d}");
}
