//! Kernel debugging: a real `gdb-multiarch` debugs the Linux test kernels of
//! `scripts/linux-kernel` on vmgdb, on both flavours, from the first instruction
//! to the kernel's own GDB scripts; and the guest's own hardware debugging (the
//! init tracing a child with `PPC_PTRACE_SETHWDEBUG`: an IAC breakpoint and a
//! DAC write watchpoint, round after round) keeps working while GDB has its own
//! `hbreak` and `watch` armed in the kernel: GDB's comparators armed first, the
//! guest's first, and GDB detaching in the middle. Every event reaches its owner:
//! GDB counts each of its hits, the guest's console reports each of its own.

mod support;

use support::gdb::*;

/// The console, and the initramfs unpacked before the self-tests run.
const CMDLINE: &str = "console=ttyS0 initramfs_async=0";
/// Rounds of the init's ptrace exercise.
const ROUNDS: usize = 3;
/// Calls of `ppc_set_hwdebug` in [`ROUNDS`] rounds: a breakpoint and a
/// watchpoint each.
const SETHWDEBUG_CALLS: usize = 2 * ROUNDS;

/// GDB script lines that count, without stopping, every hit of a hardware
/// breakpoint on `ppc_set_hwdebug` (in `$bp`) and of a write watchpoint on
/// `total_forks` (in `$wp`, with `$forks` the count the kernel reached).
const COUNT_OWN_EVENTS: &[&str] = &[
    "set $bp = 0",
    "set $wp = 0",
    "set $forks = 0",
    "hbreak ppc_set_hwdebug",
    "commands",
    "silent",
    "set $bp = $bp + 1",
    "continue",
    "end",
    "watch total_forks",
    "commands",
    "silent",
    // Counted when the value changed: each fork adds one, and a write GDB
    // missed would show as a jump of two (the stores that clear the kernel's
    // BSS, seen from the first instruction on, change nothing).
    "if total_forks != $forks",
    "set $wp = $wp + 1",
    "end",
    "set $forks = total_forks",
    "continue",
    "end",
];

/// What GDB prints at the end of a counting run: its hits of `ppc_set_hwdebug`,
/// and whether it saw every fork since it armed the watch.
const REPORT: &str = "printf \"gdb: %d ppc_set_hwdebug, every fork seen %d (%d of %d)\\n\", \
                      $bp, $wp == $forks - $forks0, $wp, $forks - $forks0";

/// The guest did its own debugging right, and powered off.
#[track_caller]
fn assert_guest_debugged_itself(vm: &mut Vmgdb) {
    let status = vm.wait_exit();
    let console = vm.console.text();
    for line in linux::ptrace_rounds(ROUNDS) {
        assert!(
            console.contains(&line),
            "{}: no {line:?} in:\n{console}",
            vm.flavour
        );
    }
    assert!(status.success(), "{status}; vmgdb: {}", vm.log.text());
}

fn kernel_debugging(flavour: &'static str) {
    // The init sleeps long enough (in virtual time, which an idle kernel skips
    // through: over an hour of host time) for a Ctrl-C to find it asleep.
    let append = format!("{CMDLINE} vmgdb.idle=10000000");
    let mut vm = Vmgdb::linux(flavour, &append, true);
    let scripts = vm.elf.with_file_name("vmlinux-gdb.py");
    let fdt = scratch_path("linux.dtb");
    let fifo = Fifo::new(&format!("idle-{flavour}"));
    let gdb = vm
        .gdb()
        .cmds(&[
            // From the first instruction, before Linux has set up its mappings:
            // a hardware breakpoint, and a software one compared by address
            // until the kernel maps it.
            "hbreak start_kernel",
            "break do_sys_openat2",
            "continue",
            "delete 1",
            "continue",
            "bt 2",
            // A step stays in its function (no timer interrupt handler).
            "next",
            "info symbol $pc",
            "delete",
            // Kernel data: the init's forks, the tick.
            "awatch total_forks",
            "continue",
            "delete",
            "watch jiffies_64",
            "continue",
            "delete",
            "rwatch jiffies",
            "continue",
            "delete",
            // Out of an interrupt handler.
            "hbreak timer_interrupt",
            "continue",
            "delete",
            "finish",
            // Where the init goes to sleep: the kernel's GDB scripts.
            "hbreak hrtimer_nanosleep",
            "continue",
            "delete",
            &format!("source {}", scripts.display()),
            "lx-version",
            "lx-cmdline",
            "lx-dmesg",
            "lx-ps",
            "lx-iomem",
            "lx-mounts",
            "p $lx_task_by_pid(1)->comm",
            // The task running on CPU 0 (GDB's thread 1): the init, in its syscall.
            "p $lx_per_cpu(\"runqueues\").curr->comm",
            &format!("lx-fdtdump {}", fdt.display()),
            "monitor info version",
            "info threads",
            // The console UART: through the kernel's ioremap, and physically.
            "x/8bx serial8250_ports[0].port.membase",
            "monitor xp /8xb 0xfe0004500",
            "maint packet Qqemu.PhyMemMode:1",
            "x/2xw 0x1000",
            "maint packet Qqemu.PhyMemMode:0",
            "monitor info mtree",
            // Ctrl-C while the kernel idles.
            "echo IDLING\\n",
            &fifo.shell_wait(),
            "continue",
            "info symbol $pc",
            "lx-ps",
            "kill",
        ])
        .spawn();
    // GDB waits at the fifo: count the stub's "runs on" messages so far, let
    // GDB continue, and wait for the next one: resumed and past the stub's
    // first slice, the kernel idles.
    gdb.out.wait_for("IDLING");
    let before = vm.log.text().matches(vmgdb_gdb::RUNS_ON_MESSAGE).count();
    fifo.release();
    vm.log
        .wait_for_count(vmgdb_gdb::RUNS_ON_MESSAGE, before + 1);
    gdb.signal("INT");
    let out = gdb.finish();
    assert_all(
        &out,
        &[
            "Breakpoint 1, start_kernel () at",
            "Breakpoint 2, do_sys_openat2 (",
            "#1  0x",
            "do_sys_openat2 + ",
            "Hardware access (read/write) watchpoint 3: total_forks\n\nValue = ",
            "copy_process (",
            "Hardware watchpoint 4: jiffies_64\n\nOld value = ",
            "Hardware read watchpoint 5: jiffies\n\nValue = ",
            "Breakpoint 6, timer_interrupt (",
            // finish returns to the exception entry that called the handler.
            " in Decrementer () at ",
            "Breakpoint 7, hrtimer_nanosleep (",
            "Linux version 6.1.192-vmgdb",
            &append,
            &format!("Kernel command line: {append}"),
            " init",
            "System RAM",
            " rootfs ",
            "$1 = \"init\", '\\000'",
            "$2 = \"init\", '\\000'",
            "Dumped fdt blob to",
            "vmgdb ",
            "* 1    Thread 1",
            // LSR (transmitter empty), MSR, SCR.
            "\t0x60\t0xb0\t0x00\n",
            "0000000fe0004500: 0x00 0x05 0x01 0x13 0x0b 0x60 0xb0 0x00",
            "received: \"OK\"",
            // Physical address 0x1000: the kernel's code.
            "0x1000:\t0x",
            "(prio 0, i/o): serial (console)",
            "Program received signal SIGINT, Interrupt.",
            "[Inferior 1 (process 1) killed]",
        ],
    );
    assert_none(
        &out,
        &[
            "Python Exception",
            "Error occurred in Python",
            "0x1000:\tCannot access memory",
        ],
    );
    let dtb = std::fs::read(&fdt).unwrap_or_default();
    let _ = std::fs::remove_file(&fdt);
    assert!(
        dtb.starts_with(&[0xd0, 0x0d, 0xfe, 0xed]),
        "lx-fdtdump wrote no FDT"
    );
    assert!(
        vm.wait_exit().success(),
        "kill ends vmgdb: {}",
        vm.log.text()
    );
}

/// GDB arms its breakpoint and watchpoint at the first instruction, before the
/// guest programs its own debug registers.
fn ptrace_with_gdb_armed_first(flavour: &'static str) {
    let mut vm = Vmgdb::linux(flavour, &format!("{CMDLINE} vmgdb.ptrace={ROUNDS}"), true);
    let out = vm
        .gdb()
        .cmds(&["set $forks0 = 0"])
        .script(COUNT_OWN_EVENTS)
        .cmds(&["continue", REPORT])
        .run();
    assert_all(
        &out,
        &[
            "[Inferior 1 (process 1) exited normally]",
            &format!("gdb: {SETHWDEBUG_CALLS} ppc_set_hwdebug, every fork seen 1"),
        ],
    );
    assert_none(&out, &["SIGTRAP"]);
    assert_guest_debugged_itself(&mut vm);
}

/// GDB arms its own only once the guest's IAC is live and has fired (GDB stops
/// in the kernel's handler for it).
fn ptrace_with_the_guests_armed_first(flavour: &'static str) {
    let mut vm = Vmgdb::linux(flavour, &format!("{CMDLINE} vmgdb.ptrace={ROUNDS}"), true);
    let out = vm
        .gdb()
        .cmds(&[
            "hbreak ppc_set_hwdebug",
            "continue",
            "delete",
            "hbreak DebugException",
            "continue",
            "delete",
            "set $forks0 = total_forks",
        ])
        .script(COUNT_OWN_EVENTS)
        .cmds(&["continue", REPORT])
        .run();
    assert_all(
        &out,
        &[
            "Breakpoint 1, ppc_set_hwdebug (",
            "Breakpoint 2, DebugException (",
            "[Inferior 1 (process 1) exited normally]",
            // The first call was before the guest's breakpoint fired.
            &format!(
                "gdb: {} ppc_set_hwdebug, every fork seen 1",
                SETHWDEBUG_CALLS - 1
            ),
        ],
    );
    assert_none(&out, &["SIGTRAP"]);
    assert_guest_debugged_itself(&mut vm);
}

/// GDB detaches with its comparators armed, after the guest's first round
/// began: the guest's own debugging carries on alone.
fn ptrace_with_gdb_detaching_midway(flavour: &'static str) {
    let mut vm = Vmgdb::linux(flavour, &format!("{CMDLINE} vmgdb.ptrace={ROUNDS}"), true);
    let out = vm
        .gdb()
        .script(&["watch total_forks", "commands", "silent", "continue", "end"])
        .cmds(&["hbreak ppc_set_hwdebug", "continue", "continue", "detach"])
        .run();
    assert_all(&out, &["[Inferior 1 (process 1) detached]"]);
    assert_eq!(
        out.matches("Breakpoint 2, ppc_set_hwdebug (").count(),
        2,
        "{out}"
    );
    assert_guest_debugged_itself(&mut vm);
}

macro_rules! both_flavours {
    ($($name:ident),* $(,)?) => {
        mod e500v2 { $(#[test] fn $name() { super::$name("e500v2") })* }
        mod e500mc { $(#[test] fn $name() { super::$name("e500mc") })* }
    };
}

both_flavours!(
    kernel_debugging,
    ptrace_with_gdb_armed_first,
    ptrace_with_the_guests_armed_first,
    ptrace_with_gdb_detaching_midway,
);
