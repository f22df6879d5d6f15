//! The same GDB script against QEMU 7.2 (`qemu-system-ppc -M ppce500 -S`) and
//! against the stub: where both implement a command, GDB must print the same.
//!
//! One known difference is normalised away: QEMU reports a watchpoint after
//! the store has completed, so GDB (which steps once more over what it thinks
//! is the trapping instruction) shows the stop one instruction later, as
//! `0x... in bump () at ...`. vmgdb reports it before the store, as the e500's
//! DAC does, and GDB stops right after the store.

mod support;

use e500::Flavor;
use support::*;

const SCRIPT: &[&str] = &[
    "info registers pc",
    "p/x $r1",
    "p/x $msr",
    "break add",
    "continue",
    "bt",
    "finish",
    "p counter",
    "next",
    "step",
    "stepi",
    "info line *$pc",
    "watch counter",
    "continue",
    "delete",
    "x/4xw &table",
    "x/2i add",
    "tbreak peek",
    "continue",
    "finish",
    "set var table[0] = 0x5a5a5a5a",
    "x/xw &table",
    "break done_spinning",
    "continue",
    "p table[2]",
    "delete",
    "continue",
];

/// GDB's transcript with the known watchpoint-location difference removed.
fn normalise(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| {
            let l = l.trim_end();
            match l.split_once(" in ") {
                Some((addr, rest)) if addr.starts_with("0x") && rest.contains(" at ") => {
                    rest.to_string()
                }
                _ => l.to_string(),
            }
        })
        .filter(|l| !l.is_empty())
        .collect()
}

fn run_on_qemu(flavor: Flavor, elf: &std::path::Path) -> String {
    let qemu = qemu::Qemu::start(flavor.name(), elf);
    Gdb::new(&qemu.target, Some(elf)).cmds(SCRIPT).run()
}

#[test]
fn the_same_script_prints_the_same_as_on_qemu() {
    for flavor in FLAVORS {
        let m = MachineProc::start(flavor, Transport::Tcp, true);
        let ours = m.gdb().cmds(SCRIPT).run();
        let qemu = run_on_qemu(flavor, &m.elf);
        let (a, b) = (normalise(&ours), normalise(&qemu));
        assert!(a.len() > 30, "the script did too little on vmgdb:\n{ours}");
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(
                x, y,
                "line {i} differs ({flavor})\n--- vmgdb:\n{ours}\n--- qemu:\n{qemu}"
            );
        }
        assert_eq!(a.len(), b.len(), "--- vmgdb:\n{ours}\n--- qemu:\n{qemu}");
        assert_all(&ours, &["[Inferior 1 (process 1) exited normally]"]);
    }
}
