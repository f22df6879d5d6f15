//! GDB against the real product: Debian's `gdb-multiarch` in batch mode driving
//! `vmgdb run --kernel guests/gdbtarget.elf --gdb ADDRESS --wait` over TCP and a
//! Unix socket, on both e500 flavours, asserting on the text GDB prints and on
//! the guest's console (vmgdb's stdout). Where QEMU 7.2's stub implements the
//! same commands, the same script runs against `qemu-system-ppc -S -gdb` and the
//! transcripts must match.
//!
//! The guest (`guests/gdbtarget.c`, built at -O0 by `make -C guests`) prints
//! [`OUTPUT`] when left alone; GDB changes that by setting its variables.

mod support;

use support::gdb::*;

/// The guest's console output when nothing changes it (the UART turns "\n" into
/// "\r\n"); the differential suite checks QEMU prints the same.
const OUTPUT: &str =
    "gdbtarget: hello\r\ntotal 10, counter 3, square 100, ticks 3\r\nspin done\r\nanswer 42\r\n";

/// [`OUTPUT`] after GDB kept the guest looping in spin_here for a while.
fn spun() -> String {
    OUTPUT.replace("spin done", "spin\r\nspin done")
}

/// A PVR as `p/x` prints it.
fn pvr(flavour: &str) -> &'static str {
    match flavour {
        "e500v2" => "0x80210030",
        _ => "0x80230020",
    }
}

/// The number of the line of `guests/gdbtarget.c` that holds `text`.
fn line(text: &str) -> usize {
    source_line(&guests::dir().join("gdbtarget.c"), text).0
}

/// `gdbtarget.c:N` for the line holding `text`, as GDB names a location.
fn at(text: &str) -> String {
    format!("gdbtarget.c:{}", line(text))
}

/// A source line as GDB lists it: its number, a tab, the line.
fn src(text: &str) -> String {
    let (n, line) = source_line(&guests::dir().join("gdbtarget.c"), text);
    format!("{n}\t{line}")
}

/// GDB commands that run the guest into its loop in spin_here and stop it
/// there; any later stop finds it in the loop.
fn into_the_loop() -> [String; 3] {
    [
        "set var spin = 1".to_string(),
        format!("tbreak {}", at("while (spin)")),
        "continue".to_string(),
    ]
}

/// Program counters GDB printed with `p/x $pc`, in order.
fn pcs(out: &str) -> Vec<u32> {
    values(out)
        .iter()
        .filter_map(|v| u32::from_str_radix(v.strip_prefix("0x")?, 16).ok())
        .collect()
}

/// Run to the end: vmgdb prints the guest's whole console output and exits 0.
#[track_caller]
fn assert_ran_to_the_end(vm: &mut Vmgdb, output: &str) {
    let status = vm.wait_exit();
    assert_eq!(
        vm.console.text(),
        output,
        "console of {} ({}); vmgdb's messages:\n{}",
        vm.elf.display(),
        vm.flavour,
        vm.log.text()
    );
    assert_eq!(
        status.code(),
        Some(0),
        "vmgdb's messages:\n{}",
        vm.log.text()
    );
}

#[test]
fn breakpoints_steps_finish_and_until_on_every_transport() {
    for flavour in FLAVOURS {
        for transport in Transport::ALL {
            let mut vm = Vmgdb::start(flavour, "gdbtarget", transport, true);
            let out = vm
                .gdb()
                .cmds(&[
                    "info registers pc",
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
                    "finish",
                    "delete",
                    "tbreak square",
                    "continue",
                    "finish",
                    "until",
                    "advance spin_here",
                    "continue",
                ])
                .run();
            assert_all(
                &out,
                &[
                    "<_start>",
                    "Breakpoint 1 at 0x",
                    &format!(
                        "Breakpoint 1, add (a=0, b=0) at {}\n{}",
                        at("int sum = a + b;"),
                        src("int sum = a + b;")
                    ),
                    "#1  0x",
                    &format!(" in main () at {}", at("total = add(total, i);")),
                    "Value returned is $1 = 0",
                    &src("\t\tbump();"),
                    &format!(
                        "bump () at {}\n{}",
                        at("counter = counter + 1;"),
                        src("counter = counter + 1;")
                    ),
                    &format!(
                        "Temporary breakpoint 2, square (x=10) at {}",
                        at("r = x * x;")
                    ),
                    "Value returned is $5 = 100",
                    &src("\tspin_here();"),
                    &format!("spin_here () at {}", at("if (spin == 2")),
                    "[Inferior 1 (process 1) exited normally]",
                ],
            );
            let pc = pcs(&out);
            assert_eq!(pc.len(), 3, "{out}");
            assert_eq!(pc[1], pc[0] + 4, "stepi moves one instruction:\n{out}");
            assert_eq!(pc[2], pc[1] + 4, "nexti moves one instruction:\n{out}");
            assert_ran_to_the_end(&mut vm, OUTPUT);
        }
    }
}

#[test]
fn unix_socket_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let vm = Vmgdb::start("e500v2", "gdbtarget", Transport::Unix, true);
    let mode = std::fs::metadata(&vm.target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{}", vm.target);
}

#[test]
fn hardware_breakpoints_take_the_two_iacs_and_a_third_is_refused() {
    for flavour in FLAVOURS {
        let mut vm = Vmgdb::start(flavour, "gdbtarget", Transport::Tcp, true);
        let out = vm
            .gdb()
            .cmds(&[
                "hbreak add",
                "hbreak peek",
                "hbreak square",
                "continue",
                "delete 3",
                "continue",
                "continue",
                "continue",
                "continue",
                "delete",
                // Inserted while stopped: the guest's own view shows only EDM
                // (its debug resources are taken), never the debugger's IACs.
                "set breakpoint always-inserted on",
                "hbreak square",
                "info registers dbcr0",
                "p/x $iac1",
                "p/x $iac2",
                "delete",
                // GDB caches registers; DBCR0's EDM goes with the last request.
                "maintenance flush register-cache",
                "info registers dbcr0",
                "continue",
            ])
            .run();
        assert_all(
            &out,
            &[
                "Hardware assisted breakpoint 3 at",
                "Cannot insert hardware breakpoint 3.",
                "You may have requested too many hardware breakpoints/watchpoints.",
                "Breakpoint 1, add (a=0, b=0) at",
                "Breakpoint 1, add (a=0, b=1) at",
                "Breakpoint 1, add (a=1, b=2) at",
                &format!("Breakpoint 2, peek () at {}", at("return readme;")),
                "dbcr0          0x80000000          [ EDM ]",
                "$1 = 0x0\n$2 = 0x0",
                "dbcr0          0x0                 [ ]",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        assert_ran_to_the_end(&mut vm, OUTPUT);
    }
}

#[test]
fn beyond_the_hardware_any_number_of_comparators_of_any_length() {
    for flavour in FLAVOURS {
        let mut vm = Vmgdb::start(flavour, "gdbtarget", Transport::Tcp, true);
        let out = vm
            .gdb()
            .cmds(&[
                "monitor comparators",
                "monitor comparators unlimited",
                "hbreak add",
                "hbreak peek",
                "hbreak square",
                // 16 bytes: more than a DAC can compare.
                "watch table",
                "continue",
                "delete 1",
                "continue",
                "continue",
                "continue",
                "delete",
                "monitor comparators hardware",
                "continue",
            ])
            .run();
        assert_all(
            &out,
            &[
                "comparators: hardware (2 IACs, 2 DACs)",
                "comparators: unlimited",
                "Hardware assisted breakpoint 3 at",
                "Hardware watchpoint 4: table",
                "Breakpoint 1, add (a=0, b=0) at",
                "Breakpoint 2, peek () at",
                "Old value = {286331153, 572662306, 858993459, 1145324612}",
                "New value = {286331153, 572662306, 305419896, 1145324612}",
                "Breakpoint 3, square (x=10) at",
                "comparators: hardware",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        assert_ran_to_the_end(&mut vm, OUTPUT);
    }
}

#[test]
fn watchpoints_report_old_and_new_values_and_refuse_what_dacs_cannot_compare() {
    for flavour in FLAVOURS {
        let mut vm = Vmgdb::start(flavour, "gdbtarget", Transport::Tcp, true);
        let out = vm
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
                // Two word stores: the DAC fires before the first, so GDB sees
                // the value after it (the upper word written).
                "watch wide",
                "continue",
                "delete",
                "awatch table[2]",
                "continue",
                "delete",
                // Three bytes, and four bytes not aligned: a DAC compares 1, 2,
                // 4 or 8 naturally aligned bytes, so these are refused.
                "watch *(char(*)[3])&table[1]",
                "continue",
                "delete",
                "watch *(int *)((char *)&table[1] + 1)",
                "continue",
                "delete",
                "watch counter",
                "watch readme",
                "watch ticks",
                "continue",
                "delete",
                "continue",
            ])
            .run();
        assert_all(
            &out,
            &[
                &format!(
                    "Hardware watchpoint 2: counter\n\nOld value = 0\nNew value = 1\nbump () at gdbtarget.c:{}",
                    line("counter = counter + 1;") + 1
                ),
                "Hardware watchpoint 2: counter\n\nOld value = 1\nNew value = 2\n",
                &format!(
                    "Hardware read watchpoint 3: readme\n\nValue = 7\npeek () at gdbtarget.c:{}",
                    line("return readme;") + 1
                ),
                "Hardware watchpoint 4: bytes[3]\n\nOld value = 0 '\\000'\nNew value = 5 '\\005'\n",
                "Hardware watchpoint 5: wide\n\nOld value = 0\nNew value = 72623859706101760\n",
                "Hardware access (read/write) watchpoint 6: table[2]\n\nOld value = 858993459\nNew value = 305419896\n",
                "Could not insert hardware watchpoint 7.",
                "Could not insert hardware watchpoint 8.",
                "Could not insert hardware watchpoint 11.",
                "You may have requested too many hardware breakpoints/watchpoints.",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        // vmgdb says, where GDB does not, what lifts the limit.
        assert_all(
            &vm.log.text(),
            &[
                "cannot be compared exactly (1, 2, 4 or 8 aligned bytes); `monitor comparators unlimited`",
                "too many watchpoints: the core has 2 data comparators; `monitor comparators unlimited`",
            ],
        );
        assert_ran_to_the_end(&mut vm, OUTPUT);
    }
}

#[test]
fn registers_and_sprs_read_and_write() {
    for flavour in FLAVOURS {
        let mut vm = Vmgdb::start(flavour, "gdbtarget", Transport::Tcp, true);
        let mut cmds = vec![
            "info registers",
            "p $dbcr0",
            "info registers dac1",
            "p $iac1",
            "p/x $pvr",
            "info registers spr",
            "set $r5 = 0x1234",
            "set $sprg4 = 0xabcd",
            "set $ctr = 0x77",
            "set $dac2 = 0x2000",
            "maintenance flush register-cache",
            "p/x $r5",
            "p/x $sprg4",
            "p/x $ctr",
            "p $dac2",
            "monitor info registers",
        ];
        if flavour == "e500mc" {
            cmds.extend([
                "info registers float",
                "set $f1 = 2.5",
                "maintenance flush register-cache",
                "p $f1",
            ]);
        }
        cmds.push("continue");
        let out = vm.gdb().cmds(&cmds).run();
        assert_all(
            &out,
            &[
                "r0             0x",
                "r31            0x",
                "pc             0x1005f8            0x1005f8 <_start>",
                "msr            0x0                 [ ]",
                "xer            0x",
                "$1 = [ ]",
                "dac1           0x0                 0x0",
                "$2 = (void (*)()) 0x0",
                &format!("$3 = {}", pvr(flavour)),
                "ivor15",
                "tlb1cfg",
                "$4 = 0x1234\n$5 = 0xabcd\n$6 = 0x77\n$7 = (void *) 0x2000",
                "sprg4    0x0000abcd",
                "dac2     0x00002000",
                &format!("pvr      {}", pvr(flavour)),
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        if flavour == "e500mc" {
            assert_all(&out, &["f31 ", "fpscr", "epcr", "$8 = 2.5"]);
        } else {
            assert_all(&out, &["spefscr", "ivor32"]);
        }
        assert_ran_to_the_end(&mut vm, OUTPUT);
    }
}

#[test]
fn memory_and_register_writes_change_what_the_guest_prints() {
    for flavour in FLAVOURS {
        let mut vm = Vmgdb::start(flavour, "gdbtarget", Transport::Tcp, true);
        let table = symbol(&vm.elf, "table");
        let out = vm
            .gdb()
            .cmds(&[
                "break *square",
                "continue",
                // square(10) is about to run: make it square 9 instead.
                "set $r3 = 9",
                "x/4xw &table",
                "set var table[1] = 0xcafef00d",
                "x/xw &table[1]",
                "set var answer = 7",
                "x/xw 0x10000000",
                "monitor phys on",
                &format!("x/2xw {table:#x}"),
                "x/xw 0x40000000",
                "monitor phys off",
                "x/2i add",
                "delete",
                "continue",
            ])
            .run();
        assert_all(
            &out,
            &[
                "Breakpoint 1, square (x=",
                "<table>:\t0x11111111\t0x22222222\t0x12345678\t0x44444444",
                "<table+4>:\t0xcafef00d",
                "Cannot access memory at address 0x10000000",
                "memory accesses now use guest-physical addresses",
                ":\t0x11111111\t0xcafef00d",
                "Cannot access memory at address 0x40000000",
                "memory accesses now use guest-virtual addresses",
                "<add>:\tstwu    r1,-48(r1)",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        assert_ran_to_the_end(
            &mut vm,
            &OUTPUT
                .replace("square 100", "square 81")
                .replace("answer 42", "answer 7"),
        );
    }
}

#[test]
fn ctrl_c_stops_a_tight_loop() {
    for flavour in FLAVOURS {
        let mut vm = Vmgdb::start(flavour, "gdbtarget", Transport::Tcp, true);
        let fifo = Fifo::new("loop");
        let gdb = vm
            .gdb()
            .cmds(&[
                "set var spin = 1",
                &format!("tbreak {}", at("while (spin)")),
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
        let before = vm.log.text().matches(vmgdb_gdb::RUNS_ON_MESSAGE).count();
        fifo.release();
        vm.log
            .wait_for_count(vmgdb_gdb::RUNS_ON_MESSAGE, before + 1);
        gdb.signal("INT");
        let out = gdb.finish();
        assert_all(
            &out,
            &[
                "Program received signal SIGINT, Interrupt.",
                // "0x... in" unless the interrupt lands on the line's first instruction.
                &format!("spin_here () at {}", at("while (spin)")),
                "spin_here + ",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        assert_ran_to_the_end(&mut vm, &spun());
    }
}

#[test]
fn ctrl_c_stops_an_idle_core_and_kill_ends_vmgdb() {
    // Only the e500mc has `wait`: nothing will ever wake it, and the stub
    // waits on the client alone.
    let mut vm = Vmgdb::start("e500mc", "gdbtarget", Transport::Tcp, true);
    let gdb = vm
        .gdb()
        .cmds(&["set var spin = 2", "continue", "info symbol $pc", "kill"])
        .spawn();
    vm.log.wait_for(vmgdb_gdb::IDLE_MESSAGE);
    gdb.signal("INT");
    let out = gdb.finish();
    assert_all(
        &out,
        &[
            "Program received signal SIGINT, Interrupt.",
            "spin_here + ",
            "[Inferior 1 (process 1) killed]",
        ],
    );
    let status = vm.wait_exit();
    assert!(status.success(), "{status}: {}", vm.log.text());
    assert_eq!(
        vm.console.text(),
        "gdbtarget: hello\r\ntotal 10, counter 3, square 100, ticks 3\r\nidle\r\n"
    );
}

#[test]
fn monitor_commands_then_quit() {
    for flavour in FLAVOURS {
        let mut vm = Vmgdb::start(flavour, "gdbtarget", Transport::Tcp, true);
        let start = symbol(&vm.elf, "_start");
        let out = vm
            .gdb()
            .cmds(&[
                "monitor help",
                "monitor info version",
                "monitor info cpus",
                "monitor info mtree",
                "break main",
                "continue",
                "monitor info tlb",
                "monitor info registers",
                "monitor phys",
                "monitor frobnicate",
                "monitor system_reset",
                "maintenance flush register-cache",
                "p/x $pc",
                "monitor info tlb",
                "monitor quit",
            ])
            .run();
        assert_all(
            &out,
            &[
                "vmgdb monitor commands:",
                "  info tlb ",
                "  phys [on|off] ",
                "  reset, system_reset ",
                "  info version ",
                &format!("vmgdb {}\n", env!("CARGO_PKG_VERSION")),
                "* CPU #0: thread_id=1 pc=0x",
                "  info mtree ",
                "  0000000000000000-0000000007ffffff (prio 0, ram): ppce500.ram\n",
                "    0000000fe0004500-0000000fe0004507 (prio 0, i/o): serial (console)\n",
                "NIP 00",
                "\nGPR00 ",
                "GPR24 ",
                "  quit ",
                "TLB  index  EA          PA             size   TID  TS  WIMGE  permissions  IPROT",
                "1        0  0x00000000  0x000000000    64M     0   0  -----  S:rwx U:rwx  no",
                "1        1  0xe0000000  0xfe0000000     1M     0   0  -I-G-  S:rw- U:---  yes",
                &format!("pvr      {}", pvr(flavour)),
                "physical addressing is off",
                "unknown monitor command 'frobnicate'; try 'monitor help'",
                "machine reset",
                &format!("$1 = {start:#x}"),
                "vmgdb: quitting",
            ],
        );
        assert_eq!(
            out.matches("0xe0000000  0xfe0000000").count(),
            1,
            "the reset drops the guest's CCSR mapping:\n{out}"
        );
        let status = vm.wait_exit();
        assert!(status.success(), "monitor quit: {status}");
        assert_eq!(
            vm.console.text(),
            "",
            "stopped at main before its first line"
        );
    }
}

/// Stepping through a loop while decrementer interrupts come due: by default
/// (QEMU's NOIRQ) no step stops in a handler, yet every interrupt is taken, at
/// its instruction (the handler counts them); with `Qqemu.sstep=1` a step
/// stops at the vector, as on QEMU.
#[test]
fn steps_run_interrupt_handlers_through_unless_told_otherwise() {
    let mut vm = Vmgdb::start("e500v2", "interrupts", Transport::Tcp, true);
    let spin = source_line(
        &guests::dir().join("interrupts.c"),
        "for (spins = 0; dec_ticks < 20; spins++)",
    )
    .0;
    let step_until_the_vector = [
        "set $n = 0",
        "while $n < 6000 && $pc != ($ivpr | $ivor10)",
        "stepi",
        "set $n = $n + 1",
        "end",
        "printf \"landed %d, ticks %d\\n\", $pc == ($ivpr | $ivor10), dec_ticks",
    ];
    let out = vm
        .gdb()
        .cmds(&[
            "set suppress-cli-notifications on",
            &format!("tbreak interrupts.c:{spin}"),
            "continue",
            "maint packet qqemu.sstepbits",
            "maint packet qqemu.sstep",
            "p dec_ticks",
        ])
        .script(&step_until_the_vector)
        .cmds(&["maint packet Qqemu.sstep=1", "monitor sstep"])
        .script(&step_until_the_vector)
        .cmds(&["info symbol $pc", "monitor sstep 7", "kill"])
        .run();
    assert_all(
        &out,
        &[
            "received: \"ENABLE=1,NOIRQ=2,NOTIMER=4\"",
            "received: \"0x7\"",
            "$1 = 0\n",
            // 6000 steps, about 1.2 decrementer periods: one interrupt taken.
            "landed 0, ticks 1\n",
            "sstep flags 0x1",
            "landed 1, ticks 1\n",
            "rt_vectors + ",
            "sstep flags 0x7",
        ],
    );
    assert!(vm.wait_exit().success());
}

/// Device registers through GDB's `x` at a virtual address the guest maps to
/// its CCSR, and through `monitor xp` at their 36-bit physical address; reads
/// change nothing the guest sees, writes reach the device.
#[test]
fn device_memory_and_the_whole_physical_space() {
    for flavour in FLAVOURS {
        let mut vm = Vmgdb::start(flavour, "gdbtarget", Transport::Tcp, true);
        let table = symbol(&vm.elf, "table");
        let out = vm
            .gdb()
            .cmds(&[
                "break main",
                "continue",
                // The console UART: RBR IER IIR LCR MCR LSR MSR SCR.
                "x/8bx 0xe0004500",
                "monitor xp /8xb 0xfe0004500",
                "monitor x/8xb 0xe0004500",
                "set {char}0xe0004507 = 0x5a",
                "monitor xp /1xb 0xfe0004507",
                &format!("monitor xp /4xw {table:#x}"),
                "monitor xp /1xw 0x1fe0000000",
                "monitor x /1xw 0x100000000",
                "delete",
                "continue",
            ])
            .run();
        assert_all(
            &out,
            &[
                "0xe0004500:\t0x00\t0x00\t0x01\t0x00\t0x08\t0x60\t0xb0\t0x00",
                "0000000fe0004500: 0x00 0x00 0x01 0x00 0x08 0x60 0xb0 0x00",
                "e0004500: 0x00 0x00 0x01 0x00 0x08 0x60 0xb0 0x00",
                "0000000fe0004507: 0x5a",
                &format!("{table:016x}: 0x11111111 0x22222222 0x33333333 0x44444444"),
                "Cannot access memory at 0x1fe0000000",
                "0x100000000 is not a 32-bit virtual address",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        assert_ran_to_the_end(&mut vm, OUTPUT);
    }
}

#[test]
fn kill_ends_vmgdb() {
    for transport in Transport::ALL {
        let mut vm = Vmgdb::start("e500v2", "gdbtarget", transport, true);
        let out = vm.gdb().cmds(&["break add", "continue", "kill"]).run();
        assert_all(&out, &["[Inferior 1 (process 1) killed]"]);
        let status = vm.wait_exit();
        assert!(status.success(), "{status}: {}", vm.log.text());
        assert_eq!(vm.console.text(), "gdbtarget: hello\r\n");
    }
}

/// What a fresh GDB finds after earlier sessions ended: the guest looping in
/// spin_here, no breakpoint of theirs left, its debug registers its own; let go,
/// it runs to the end.
fn assert_released(vm: &mut Vmgdb, word: &str) {
    let out = vm
        .gdb()
        .cmds(&[
            "info symbol $pc",
            "info breakpoints",
            "info registers dbcr0",
            "x/xw done_spinning",
            "monitor phys on",
            "x/xw done_spinning",
            "monitor phys off",
            "set var spin = 0",
            "continue",
        ])
        .run();
    assert_all(
        &out,
        &[
            "spin_here + ",
            "No breakpoints or watchpoints.",
            "dbcr0          0x0                 [ ]",
            "[Inferior 1 (process 1) exited normally]",
        ],
    );
    assert_eq!(
        out.matches(word).count(),
        2,
        "done_spinning holds its own instruction, virtual and physical:\n{out}"
    );
    assert_none(&out, &["SIGTRAP", "SIGILL", "Breakpoint 1,"]);
    assert_ran_to_the_end(vm, &spun());
}

/// The line `x/xw done_spinning` printed.
fn done_spinning_word(out: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.contains("<done_spinning>:"))
        .unwrap_or_else(|| panic!("no x/xw done_spinning in:\n{out}"));
    line.trim().to_string()
}

#[test]
fn detach_and_a_dropped_client_release_everything() {
    for flavour in FLAVOURS {
        for transport in Transport::ALL {
            let mut vm = Vmgdb::start(flavour, "gdbtarget", transport, true);
            // Leave the guest looping, arm a breakpoint, detach: it runs on.
            let [a, b, c] = into_the_loop();
            let out = vm
                .gdb()
                .cmds(&[
                    "x/xw done_spinning",
                    &a,
                    &b,
                    &c,
                    "break done_spinning",
                    "detach",
                ])
                .run();
            assert_all(&out, &["[Inferior 1 (process 1) detached]"]);
            let word = done_spinning_word(&out);

            // Attach to the running guest (it stops), arm a software breakpoint,
            // a hardware breakpoint and two watchpoints on what it will reach
            // once released, resume, and vanish.
            let fifo = Fifo::new(&format!("drop-{flavour}"));
            let gdb = vm
                .gdb()
                .cmds(&[
                    "info symbol $pc",
                    "break done_spinning",
                    "hbreak printf",
                    "watch counter",
                    "rwatch answer",
                    "continue &",
                    "echo RESUMED\\n",
                    &fifo.shell_wait(),
                ])
                .spawn();
            let seen = gdb.out.wait_for("RESUMED");
            assert_all(&seen, &["spin_here + "]);
            gdb.signal("KILL");
            drop(gdb);
            fifo.release();

            assert_released(&mut vm, &word);
        }
    }
}

#[test]
fn disconnect_and_reconnect_in_one_gdb() {
    for transport in Transport::ALL {
        let mut vm = Vmgdb::start("e500mc", "gdbtarget", transport, true);
        let fifo = Fifo::new("reconnect");
        let reconnect = format!("target remote {}", vm.target);
        let [a, b, c] = into_the_loop();
        let gdb = vm
            .gdb()
            .cmds(&[
                &a,
                &b,
                &c,
                "disconnect",
                &fifo.shell_wait(),
                &reconnect,
                "info symbol $pc",
                "break done_spinning",
                "set var spin = 0",
                "continue",
                "delete",
                "continue",
            ])
            .spawn();
        // Disconnected, the guest runs on in its loop; then GDB comes back.
        gdb.out.wait_for("Temporary breakpoint 1, spin_here ()");
        fifo.release();
        let out = gdb.finish();
        assert_all(
            &out,
            &[
                "Temporary breakpoint 1, spin_here () at",
                "spin_here + ",
                "Breakpoint 2, done_spinning () at",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        assert_ran_to_the_end(&mut vm, &spun());
    }
}

#[test]
fn an_immediate_reconnect_takes_over_the_ending_session() {
    // GDB's `disconnect` closes the socket and its `target remote` connects
    // again at once, often before vmgdb has read the end of the old session:
    // the new connection must wait for it, not be refused as a second client.
    let mut vm = Vmgdb::start("e500v2", "gdbtarget", Transport::Tcp, true);
    let reconnect = format!("target remote {}", vm.target);
    let mut cmds = vec!["break spin_here", "continue", "set var spin = 1"];
    for _ in 0..20 {
        cmds.extend(["disconnect", reconnect.as_str()]);
    }
    cmds.extend(["set var spin = 0", "delete", "continue"]);
    let out = vm.gdb().cmds(&cmds).run();
    assert_none(&out, &[vmgdb_gdb::BUSY_MESSAGE, "Remote connection closed"]);
    assert_all(&out, &["[Inferior 1 (process 1) exited normally]"]);
    let status = vm.wait_exit();
    assert!(status.success(), "{status}");
}

#[test]
fn a_second_client_is_refused_while_the_first_works() {
    for transport in Transport::ALL {
        let mut vm = Vmgdb::start("e500v2", "gdbtarget", transport, true);
        let fifo = Fifo::new("second");
        let first = vm
            .gdb()
            .cmds(&[
                "p $pc",
                "echo FIRST-READY\\n",
                &fifo.shell_wait(),
                "stepi",
                "p $pc",
                "break add",
                "continue",
                "continue",
            ])
            .spawn();
        first.out.wait_for("FIRST-READY");

        assert_second_client_refused(&vm.target, &vm.elf, vmgdb_gdb::BUSY_MESSAGE);

        fifo.release();
        let out = first.finish();
        assert_all(
            &out,
            &[
                "$1 = (void (*)()) 0x1005f8 <_start>",
                "$2 = (void (*)()) 0x1005fc <_start+4>",
                "Breakpoint 1, add (a=0, b=0) at",
                "Breakpoint 1, add (a=0, b=1) at",
            ],
        );
        // GDB detaches at its end: the guest runs to the end.
        assert_ran_to_the_end(&mut vm, OUTPUT);
    }
}

#[test]
fn bad_input_never_stops_the_server() {
    for transport in Transport::ALL {
        let mut vm = Vmgdb::start("e500mc", "gdbtarget", transport, true);

        // Leave the guest looping in spin_here with nothing attached.
        let [a, b, c] = into_the_loop();
        let out = vm.gdb().cmds(&[&a, &b, &c, "detach"]).run();
        assert_all(&out, &["[Inferior 1 (process 1) detached]"]);

        let mut rng = raw::Rng(0x5DEE_CE66_D1CE_4E5B);
        for _ in 0..150 {
            let mut c = RawClient::connect(&vm.target);
            // The stub may hang up mid-write (oversized packets): that is fine.
            let _ = c.send_raw(&raw::garbage(&mut rng, vmgdb_gdb::PACKET_SIZE));
            c.shutdown_write();
            c.drain();
            assert!(vm.running(), "vmgdb died; its messages:\n{}", vm.log.text());
        }
        // A client that vanishes in the middle of a packet, mid-session.
        let mut c = RawClient::connect(&vm.target);
        assert!(c.command("qSupported:multiprocess+").is_some());
        c.send_raw(b"$m100000,4").unwrap();
        drop(c);

        assert_none(&vm.log.text(), &["panicked"]);
        let out = vm
            .gdb()
            .cmds(&[
                "info symbol $pc",
                "break done_spinning",
                "set var spin = 0",
                "continue",
                "delete",
                "continue",
            ])
            .run();
        assert_all(
            &out,
            &[
                "spin_here + ",
                "Breakpoint 1, done_spinning () at gdbtarget.c:",
                "[Inferior 1 (process 1) exited normally]",
            ],
        );
        assert_ran_to_the_end(&mut vm, &spun());
    }
}

/// The packets GDB sent (`set debug remote 1`), one per line, without checksums.
fn sent_packets(out: &str) -> Vec<&str> {
    out.lines()
        .filter_map(|l| l.split_once("Sending packet: $")?.1.split('#').next())
        .collect()
}

#[test]
fn a_stop_costs_gdb_no_register_fetch() {
    // The stop reply carries every register GDB's frame analysis reads, so a
    // stepi or a breakpoint hit is answered without a `g` (QEMU's stub needs
    // one per stop).
    for flavour in FLAVOURS {
        let vm = Vmgdb::start(flavour, "gdbtarget", Transport::Tcp, true);
        let out = vm
            .gdb()
            .cmds(&[
                "set var rounds = 1000",
                "hbreak tick",
                "continue",
                "stepi",
                "set debug remote 1",
                "stepi",
                "continue",
                "set debug remote 0",
            ])
            .run();
        let sent = sent_packets(&out);
        let resumes = sent.iter().filter(|p| p.starts_with("vCont;")).count();
        assert!(resumes >= 2, "{out}");
        assert!(!sent.contains(&"g"), "GDB fetched the registers:\n{out}");
        assert!(!sent.iter().any(|p| p.starts_with('p')), "{out}");
    }
}

/// The commands both stubs implement alike. Register values are printed with
/// `/x`: vmgdb types some SPRs (DBCR0 as flags, DAC1 as a pointer) where
/// QEMU's description has plain integers, and `/x` prints both the same way.
const COMPARED: &[&str] = &[
    "info registers pc",
    "p/x $r1",
    "p/x $msr",
    "p/x $lr",
    "p/x $pvr",
    "p/x $dbcr0",
    "p/x $sprg4",
    "break add",
    "continue",
    "bt",
    "finish",
    "p counter",
    "next",
    "step",
    "stepi",
    "p/x $pc",
    "nexti",
    "p/x $pc",
    "info line *$pc",
    "finish",
    "hbreak peek",
    "continue",
    "delete",
    "watch counter",
    "continue",
    "delete",
    "rwatch readme",
    "continue",
    "delete",
    "awatch table[2]",
    "continue",
    "delete",
    "x/4xw &table",
    "x/2i add",
    "tbreak square",
    "continue",
    "finish",
    "until",
    "advance spin_here",
    "set var table[0] = 0x5a5a5a5a",
    "x/xw &table",
    "set var answer = 7",
    "set $sprg4 = 0x1234",
    "p/x $sprg4",
    "break done_spinning",
    "continue",
    "p counter",
    "delete",
    "continue",
];

/// Run `script` on vmgdb and on QEMU: GDB prints the same, both consoles read
/// the same, both exit 0. Returns GDB's transcript on vmgdb and the console.
fn same_as_qemu(flavour: &'static str, script: &[&str], min_lines: usize) -> (String, String) {
    let mut vm = Vmgdb::start(flavour, "gdbtarget", Transport::Tcp, true);
    let ours = vm.gdb().cmds(script).run();
    let (theirs, console) = qemu::transcript(flavour, &vm.elf, script);
    compare::assert_same_transcript(flavour, &ours, &theirs, min_lines);
    assert_ran_to_the_end(&mut vm, &console);
    (ours, console)
}

#[test]
fn the_same_script_prints_the_same_as_on_qemu() {
    for flavour in FLAVOURS {
        let (out, console) = same_as_qemu(flavour, COMPARED, 60);
        assert_all(&out, &["[Inferior 1 (process 1) exited normally]"]);
        assert_eq!(console, OUTPUT.replace("answer 42", "answer 7"));

        let (out, console) = same_as_qemu(
            flavour,
            &[
                "break square",
                "continue",
                "p x",
                "info registers pc",
                "kill",
            ],
            5,
        );
        assert_all(&out, &["$1 = 10", "[Inferior 1 (process 1) killed]"]);
        assert_eq!(console, "gdbtarget: hello\r\n");

        let (out, console) = same_as_qemu(
            flavour,
            &["break add", "continue", "set var answer = 5", "detach"],
            4,
        );
        assert_all(&out, &["[Inferior 1 (process 1) detached]"]);
        assert_eq!(console, OUTPUT.replace("answer 42", "answer 5"));
    }
}
