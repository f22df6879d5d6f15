//! The same GDB script against QEMU 7.2 (`qemu-system-ppc -M ppce500 -S`) and
//! against the stub: where both implement a command, GDB must print the same.
//!
//! One known difference is normalised away (`vmgdb_gdb_testkit::compare`):
//! QEMU reports a watchpoint after the store has completed, so GDB shows the
//! stop one instruction later.

mod support;

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

#[test]
fn the_same_script_prints_the_same_as_on_qemu() {
    for flavor in FLAVORS {
        let m = MachineProc::start(flavor, Transport::Tcp, true);
        let ours = m.gdb().cmds(SCRIPT).run();
        let (theirs, _) = qemu::transcript(flavor.name(), &m.elf, SCRIPT);
        compare::assert_same_transcript(flavor.name(), &ours, &theirs, 30);
        assert_all(&ours, &["[Inferior 1 (process 1) exited normally]"]);
    }
}
