//! End-to-end: Debian's `gdb-multiarch` against the `test_machine` example over
//! TCP and Unix sockets, on both e500 flavours, asserting what GDB prints.

mod support;

use e500::Flavor;
use support::*;

fn pvr(flavor: Flavor) -> String {
    format!("0x{:x}", flavor.pvr())
}

/// The e500v2's SPE upper halves are not emulated: a write of anything but the 0
/// they hold is refused, never acknowledged and dropped.
#[test]
fn spe_upper_half_writes_are_refused() {
    let m = MachineProc::start(Flavor::E500v2, Transport::Tcp, true);
    // GDB names the upper half only inside the 64-bit pseudo register $ev1,
    // whose write sends `P` for ev1h (0x21) and then r1.
    let out = Gdb::new(&m.target, None)
        .cmds(&[
            "set $ev1 = 0x700fffff8",
            "maintenance flush register-cache",
            "p/x $ev1.v2_int32",
            "set $ev1 = (long long) 0x00fffff0",
            "p/x $r1",
        ])
        .run();
    // GDB hides the raw upper halves' names, hence `""`.
    assert_all(
        &out,
        &["Could not write register \"\"; remote failure reply"],
    );
    let v = values(&out);
    assert_eq!(v[0], "{0x0, 0xfffff8}", "the upper word is still 0: {out}");
    assert_eq!(
        v[1], "0xfffff0",
        "a write of 0 to the upper half goes through: {out}"
    );
}

#[test]
fn target_description_and_register_access() {
    for flavor in FLAVORS {
        let m = MachineProc::start(flavor, Transport::Tcp, true);
        // No ELF: everything GDB knows comes from the target description.
        // Register writes must reach the vCPU: read them back after dropping
        // GDB's cache, and through the stub's own SPR dump.
        let mut cmds = vec![
            "show architecture",
            "info registers pc",
            "p/x $pvr",
            "info registers dbcr0",
            "p $dac1",
            "p $srr0",
            "info all-registers",
            "info registers spr",
            "set $r5 = 0x1234",
            "set $sprg0 = 0xabcd",
            "set $ctr = 0x77",
            "set $pc = 0x100010",
            "maintenance flush register-cache",
            "p/x $r5",
            "p/x $sprg0",
            "p/x $ctr",
            "p/x $pc",
            "monitor info registers",
        ];
        if flavor == Flavor::E500mc {
            cmds.extend(["set $f1 = 2.5", "maintenance flush register-cache", "p $f1"]);
        }
        let out = Gdb::new(&m.target, None).cmds(&cmds).run();
        let arch = match flavor {
            Flavor::E500v2 => "(currently \"powerpc:e500\")",
            Flavor::E500mc => "(currently \"powerpc:common\")",
        };
        assert_all(
            &out,
            &[
                arch,
                "pc             0x100000",
                &format!("= {}", pvr(flavor)),
                "dbcr0          0x0                 [ ]",
                "= (void *) 0x0",
                "= (void (*)()) 0x0",
                "ivor15",
                "mas7",
                "tlb1cfg",
                "sprg7",
                "dac2",
                "sprg0    0x0000abcd",
                &format!("pvr      0x{:08x}", flavor.pvr()),
            ],
        );
        match flavor {
            Flavor::E500v2 => {
                assert_all(&out, &["acc ", "spefscr", "ivor32", "ev31 "]);
                assert_none(&out, &["epcr", "fpscr", "f31 "]);
            }
            Flavor::E500mc => {
                assert_all(&out, &["f31 ", "fpscr", "epcr", "msrp"]);
                assert_none(&out, &["ivor32", "spefscr"]);
            }
        }
        let v = values(&out);
        let written: Vec<&str> = v
            .iter()
            .map(String::as_str)
            .filter(|s| s.starts_with("0x"))
            .collect();
        assert_eq!(
            written[written.len() - 4..],
            ["0x1234", "0xabcd", "0x77", "0x100010"],
            "{out}"
        );
        if flavor == Flavor::E500mc {
            assert_eq!(v.last().map(String::as_str), Some("2.5"), "{out}");
        }
    }
}

#[test]
fn memory_is_virtual_physical_and_never_garbage() {
    for flavor in FLAVORS {
        let m = MachineProc::start(flavor, Transport::Tcp, true);
        let out = m
            .gdb()
            .cmds(&[
                "break main",
                "continue",
                "x/4xw &table",
                "set var table[1] = 0xcafef00d",
                "x/xw &table[1]",
                "x/xw 0x10000000",
                "set {int}0x10000000 = 1",
                "monitor phys on",
                "monitor phys",
                "x/2xw &table",
                "x/xw 0x4000000",
                "monitor phys off",
                "x/2i add",
            ])
            .run();
        assert_all(
            &out,
            &[
                "0x11111111\t0x22222222\t0x33333333\t0x44444444",
                "<table+4>:\t0xcafef00d",
                "Cannot access memory at address 0x10000000",
                "physical addressing is on",
                ":\t0x11111111\t0xcafef00d",
                "Cannot access memory at address 0x4000000",
                "memory accesses now use guest-virtual addresses",
                "<add>:\tstwu    r1,-48(r1)",
            ],
        );
    }
}

#[test]
fn breakpoints_steps_and_finish() {
    for flavor in FLAVORS {
        let m = MachineProc::start(flavor, Transport::Tcp, true);
        let out = m
            .gdb()
            .cmds(&[
                "break add",
                "continue",
                "bt",
                "finish",
                "next",
                "step",
                "p/x $pc",
                "stepi",
                "p/x $pc",
                "nexti",
                "p/x $pc",
                "delete 1",
                "tbreak peek",
                "continue",
                "until",
                "finish",
                "advance guest_debug",
                "delete",
                "continue",
            ])
            .run();
        assert_all(
            &out,
            &[
                "Breakpoint 1, add (a=0, b=0) at",
                "#1  0x",
                " in main () at",
                "Value returned is $1 = 0",
                "bump () at",
                "Temporary breakpoint 2, peek () at",
                "\t}\n",
                "= 7\n",
                "guest_debug () at",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        let v = values(&out);
        let pcs: Vec<u32> = v
            .iter()
            .filter(|s| s.starts_with("0x"))
            .map(|s| u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap())
            .collect();
        assert_eq!(pcs[1], pcs[0] + 4, "stepi moves one instruction:\n{out}");
        assert_eq!(pcs[2], pcs[1] + 4, "nexti moves one instruction:\n{out}");
        m.uart.wait_for("bye");
    }
}

#[test]
fn hardware_breakpoints_use_both_iacs_and_refuse_a_third() {
    for flavor in FLAVORS {
        let m = MachineProc::start(flavor, Transport::Tcp, true);
        let out = m
            .gdb()
            .cmds(&[
                "hbreak bump",
                "hbreak peek",
                "hbreak marker",
                "continue",
                "delete 3",
                "continue",
                "continue",
                "delete 1",
                "continue",
                "info registers dbcr0",
                "delete",
                "continue",
            ])
            .run();
        assert_all(
            &out,
            &[
                "Hardware assisted breakpoint 3 at",
                "Cannot insert hardware breakpoint 3",
                "You may have requested too many hardware breakpoints/watchpoints",
                "Breakpoint 1, bump () at",
                "Breakpoint 2, peek () at",
                "dbcr0          0x0 ",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        assert_eq!(out.matches("Breakpoint 1, bump ()").count(), 2, "{out}");
    }
}

#[test]
fn watchpoints_show_old_and_new_values() {
    for flavor in FLAVORS {
        let m = MachineProc::start(flavor, Transport::Tcp, true);
        let out = m
            .gdb()
            .cmds(&[
                "break main",
                "continue",
                "watch counter",
                "continue",
                "continue",
                "delete",
                "rwatch readme",
                "continue",
                "delete",
                "watch bytes[3]",
                "continue",
                "delete",
                "watch wide",
                "continue",
                "delete",
                "awatch table[2]",
                "continue",
                "delete",
                "watch *(char(*)[3])&table[1]",
                "continue",
                "delete",
                "watch counter",
                "watch readme",
                "watch spin",
                "continue",
                "delete",
                "continue",
            ])
            .run();
        let expect = [
            "Hardware watchpoint 2: counter\n\nOld value = 0\nNew value = 1\nbump () at",
            "Hardware watchpoint 2: counter\n\nOld value = 1\nNew value = 2\n",
            "Hardware read watchpoint 3: readme\n\nValue = 7\n",
            "Hardware watchpoint 4: bytes[3]\n\nOld value = 0 '\\000'\nNew value = 5 '\\005'\n",
            "Hardware watchpoint 5: wide\n\nOld value = 0\nNew value = 72623859706101760\n",
            "Hardware access (read/write) watchpoint 6: table[2]\n\nOld value = 858993459\nNew value = 305419896\n",
            "Could not insert hardware watchpoint 7.",
            "Could not insert hardware watchpoint 10.",
            "You may have requested too many hardware breakpoints/watchpoints",
            "[Inferior 1 (process 1) exited normally]",
        ];
        assert_all(&out, &expect);
        m.uart.wait_for("bye");
    }
}

#[test]
fn guest_debug_events_stay_with_the_guest() {
    for flavor in FLAVORS {
        for bp in ["break", "hbreak"] {
            let m = MachineProc::start(flavor, Transport::Tcp, true);
            let out = m
                .gdb()
                .cmds(&[&format!("{bp} marker"), "continue", "continue", "continue"])
                .run();
            assert_all(
                &out,
                &[
                    "Breakpoint 1, marker () at",
                    "[Inferior 1 (process 1) exited normally]",
                ],
            );
            assert_none(&out, &["SIGTRAP", "received signal"]);
            m.uart.wait_for("guest debug ok");
        }
    }
}

#[test]
fn ctrl_c_stops_a_tight_loop() {
    for flavor in FLAVORS {
        let m = MachineProc::start(flavor, Transport::Tcp, true);
        let fifo = Fifo::new("loop");
        let gdb = m
            .gdb()
            .cmds(&[
                "set var spin = 1",
                &format!("tbreak {}", guest_line("while (spin)")),
                "continue",
                &fifo.shell_wait(),
                "continue",
                "info symbol $pc",
                "set var spin = 0",
                "continue",
            ])
            .spawn();
        // At the loop; once resumed, the stub says the guest runs on (in the
        // loop, there is nothing else): interrupt it then.
        gdb.out.wait_for("Temporary breakpoint 1, spin_here ()");
        let before = m.log.text().matches(vmgdb_gdb::RUNS_ON_MESSAGE).count();
        fifo.release();
        m.log.wait_for_count(vmgdb_gdb::RUNS_ON_MESSAGE, before + 1);
        gdb.signal("INT");
        let out = gdb.finish();
        assert_all(
            &out,
            &[
                "Program received signal SIGINT, Interrupt.",
                // "0x... in spin_here () at", or without the address when the
                // interrupt lands on the first instruction of the line.
                "spin_here () at",
                "spin_here + ",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        m.uart.wait_for("bye");
    }
}

#[test]
fn ctrl_c_stops_an_idle_core() {
    // Only the e500mc has `wait`: the machine reports the core halted for good
    // and the stub waits on the client alone.
    let mut m = MachineProc::start(Flavor::E500mc, Transport::Tcp, true);
    let gdb = m
        .gdb()
        .cmds(&["set var spin = 2", "continue", "info symbol $pc", "kill"])
        .spawn();
    m.log.wait_for(vmgdb_gdb::IDLE_MESSAGE);
    gdb.signal("INT");
    let out = gdb.finish();
    assert_all(
        &out,
        &[
            "Program received signal SIGINT, Interrupt.",
            "idle + ",
            "[Inferior 1 (process 1) killed]",
        ],
    );
    assert_eq!(m.wait_exit().code(), Some(4));
}

#[test]
fn a_step_into_an_interrupt_stops_at_its_vector() {
    for flavor in FLAVORS {
        let m = MachineProc::start(flavor, Transport::Tcp, true);
        let out = m
            .gdb()
            .cmds(&[
                "break *syscall_once",
                "continue",
                "stepi",
                "info symbol $pc",
                "p $srr0 == after_sc",
                "stepi",
                "info symbol $pc",
                "delete",
                "continue",
            ])
            .run();
        assert_all(
            &out,
            &[
                "Breakpoint 1, syscall_once () at",
                "syscall_vector in section .text",
                "= 1",
                "after_sc in section .text",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
    }
}

#[test]
fn monitor_commands() {
    for flavor in FLAVORS {
        let mut m = MachineProc::start(flavor, Transport::Tcp, true);
        let out = m
            .gdb()
            .cmds(&[
                "monitor help",
                "break main",
                "continue",
                "monitor info tlb",
                "monitor info registers",
                "monitor instructions",
                "monitor frobnicate",
                "monitor reset",
                "maintenance flush register-cache",
                "p/x $pc",
                "monitor info tlb",
                "monitor quit",
            ])
            .run();
        assert_all(
            &out,
            &[
                "info tlb",
                "phys [on|off]",
                "instructions retired so far (test machine)",
                "TLB  index  EA          PA             size   TID  TS  WIMGE  permissions  IPROT",
                "1        0  0x00000000  0x000000000    64M     0   0  -----  S:rwx U:rwx  no",
                "1        1  0xe0000000  0xfe0000000     1M     0   0  -I-G-  S:rw- U:---  yes",
                &format!("pvr      0x{:08x}", flavor.pvr()),
                "unknown monitor command 'frobnicate'",
                "machine reset",
                "= 0x100000",
                "vmgdb: quitting",
            ],
        );
        assert_eq!(
            out.matches("0xe0000000  0xfe0000000").count(),
            1,
            "TLB1[1] gone after reset:\n{out}"
        );
        assert_eq!(m.wait_exit().code(), Some(3), "monitor quit ends vmgdb");
    }
}

#[test]
fn unix_socket_sessions() {
    for flavor in FLAVORS {
        let mut m = MachineProc::start(flavor, Transport::Unix, true);
        let sock = std::path::Path::new(&m.target);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(sock).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let out = m
            .gdb()
            .cmds(&[
                "break add",
                "continue",
                "finish",
                "watch counter",
                "continue",
                "delete",
                "continue",
            ])
            .run();
        assert_all(
            &out,
            &[
                "Breakpoint 1, add (a=0, b=0) at",
                "Value returned is $1 = 0",
                "Old value = 0\nNew value = 1",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        assert_eq!(m.wait_exit().code(), Some(0), "power-off ends vmgdb");
    }
}

#[test]
fn kill_ends_vmgdb() {
    let mut m = MachineProc::start(Flavor::E500v2, Transport::Tcp, true);
    let out = m.gdb().cmds(&["kill"]).run();
    assert_all(&out, &["[Inferior 1 (process 1) killed]"]);
    assert_eq!(m.wait_exit().code(), Some(4));
}
