//! End-to-end: Debian's `gdb-multiarch` against the `test_machine` example (the
//! stub over a minimal machine, no board), on both e500 flavours, asserting what
//! GDB prints. What the stub does on its own lives here: its register set and
//! target description, memory access modes, the guest's debug events under a
//! debugger, the machine's own monitor commands. The scenarios a user runs
//! (breakpoints, steps, watchpoints, Ctrl-C, monitor, kill, a second client)
//! run once, against the product, in `crates/vmgdb/tests/gdb.rs`; both suites
//! drive GDB, QEMU and raw clients through `vmgdb-gdb-testkit`.

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

/// A machine adds monitor commands of its own to the stub's; `help` lists both.
#[test]
fn monitor_commands() {
    let mut m = MachineProc::start(Flavor::E500v2, Transport::Tcp, true);
    let out = m
        .gdb()
        .cmds(&[
            "monitor help",
            "stepi",
            "stepi",
            "monitor instructions",
            "monitor frobnicate",
            "monitor quit",
        ])
        .run();
    assert_all(
        &out,
        &[
            "info tlb",
            "phys [on|off]",
            "instructions retired so far (test machine)",
            "\n2\n",
            "unknown monitor command 'frobnicate'",
            "vmgdb: quitting",
        ],
    );
    assert_eq!(
        m.wait_exit().code(),
        Some(3),
        "monitor quit ends the machine"
    );
}
