//! Linux on both flavours, as QEMU's ppce500 boots it: the test kernels of
//! `scripts/linux-kernel` (Debian's linux-source-6.1, the flavour's defconfig,
//! the kernel's own self-tests, an initramfs with the project's init) boot on
//! QEMU 7.2 and on vmgdb with the same options, and the consoles must be equal
//! line by line once the durations the self-tests measure and the RTC's date are
//! normalised (`testkit::linux::normalise`). The init runs a user-space
//! workload (fork/exec, signals, interval timers, a computation with a known
//! result) and powers the machine off; both machines must exit 0.
//!
//! Booted four ways: the ELF `vmlinux` with `--initrd` and `--append`; the
//! uImage; U-Boot (`--bios`) booting the uImage with `bootm`; and, on vmgdb
//! only, with the init tracing a child through the guest's own debug registers
//! (QEMU TCG has none).

use std::path::Path;
use std::process::Command;
use std::thread;
use vmgdb_gdb_testkit::console::{diff, run, Run};
use vmgdb_gdb_testkit::{linux, qemu, require};

/// RAM for every boot (QEMU's test used 256 MiB).
const RAM: &str = "256";
/// The console, and the initramfs unpacked before the self-tests run (by
/// default it is unpacked in parallel with them, in an order timing decides).
const CMDLINE: &str = "console=ttyS0 initramfs_async=0";
const UBOOT: &str = "/usr/lib/u-boot/qemu-ppce500/uboot.elf";

/// What the init prints when its workload ran as it should.
const WORKLOAD: [&str; 6] = [
    "init: hello from user space",
    "init: worker: 9592 primes below 100000, crc32 0x12e573a3",
    "init: worker exited with status 42",
    "init: SIGUSR1 delivered to its handler",
    "init: 3 interval timer signals",
    "reboot: Power down",
];

/// How a boot is set up: (option, file) pairs given to both machines.
struct Boot<'a> {
    flavour: &'a str,
    /// `-kernel`/`--kernel`.
    kernel: &'a Path,
    initrd: Option<&'a Path>,
    bios: Option<&'a str>,
    append: &'a str,
}

fn run_qemu(b: &Boot) -> Run {
    let mut cmd = Command::new("qemu-system-ppc");
    cmd.args(["-M", "ppce500", "-cpu", qemu::cpu(b.flavour), "-m", RAM])
        .args([
            "-nographic",
            "-nic",
            "none",
            "-monitor",
            "none",
            "-serial",
            "stdio",
        ])
        .arg("-kernel")
        .arg(b.kernel)
        .args(["-append", b.append]);
    if let Some(initrd) = b.initrd {
        cmd.arg("-initrd").arg(initrd);
    }
    if let Some(bios) = b.bios {
        cmd.args(["-bios", bios]);
    }
    run(&format!("QEMU ({})", b.flavour), cmd)
}

fn run_vmgdb(b: &Boot) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vmgdb"));
    cmd.args(["run", "--cpu", b.flavour, "-m", RAM, "--kernel"])
        .arg(b.kernel)
        .args(["--append", b.append]);
    if let Some(initrd) = b.initrd {
        cmd.arg("--initrd").arg(initrd);
    }
    if let Some(bios) = b.bios {
        cmd.args(["--bios", bios]);
    }
    run(&format!("vmgdb ({})", b.flavour), cmd)
}

fn text(run: &Run) -> String {
    String::from_utf8_lossy(&run.output).into_owned()
}

/// Boot `b` on both machines; both power off and print the same console.
/// Returns vmgdb's console.
fn same_as_qemu(b: &Boot) -> String {
    require("qemu-system-ppc", "qemu-system-ppc");
    let (q, v) = thread::scope(|s| {
        let q = s.spawn(|| run_qemu(b));
        let v = s.spawn(|| run_vmgdb(b));
        (q.join(), v.join())
    });
    let q = q.unwrap_or_else(|e| std::panic::resume_unwind(e));
    let v = v.unwrap_or_else(|e| std::panic::resume_unwind(e));
    assert!(
        q.status.success(),
        "QEMU exited with {}:\n{}",
        q.status,
        text(&q)
    );
    assert!(
        v.status.success(),
        "vmgdb exited with {}:\n{}",
        v.status,
        text(&v)
    );
    let (qn, vn) = (linux::normalise(&text(&q)), linux::normalise(&text(&v)));
    assert!(
        qn == vn,
        "{} console differs between QEMU and vmgdb (after normalising):\n{}",
        b.flavour,
        diff(qn.as_bytes(), vn.as_bytes())
    );
    for line in WORKLOAD {
        assert!(vn.contains(line), "{}: no {line:?} in:\n{vn}", b.flavour);
    }
    vn
}

fn elf_with_initrd(flavour: &str) {
    let k = linux::kernel(flavour);
    let console = same_as_qemu(&Boot {
        flavour,
        kernel: &k.join("vmlinux"),
        initrd: Some(&k.join("initrd.cpio.gz")),
        bios: None,
        append: &format!("{CMDLINE} vmgdb.test=elf"),
    });
    for line in [
        "init: initrd: loaded by the boot loader",
        "init: command line: console=ttyS0 initramfs_async=0 vmgdb.test=elf",
        "rtc-ds1307 0-0068: registered as rtc0",
        "crc32: self tests passed",
        "glob: 64 self-tests passed, 0 failed",
    ] {
        assert!(console.contains(line), "{flavour}: no {line:?}");
    }
}

fn uimage(flavour: &str) {
    let k = linux::kernel(flavour);
    same_as_qemu(&Boot {
        flavour,
        kernel: &k.join("uImage"),
        initrd: None,
        bios: None,
        append: CMDLINE,
    });
}

fn uboot_boots_the_uimage(flavour: &str) {
    assert!(
        Path::new(UBOOT).is_file(),
        "{UBOOT} is needed here: install it with `apt-get install u-boot-qemu`"
    );
    let k = linux::kernel(flavour);
    let console = same_as_qemu(&Boot {
        flavour,
        kernel: &k.join("uImage"),
        initrd: None,
        bios: Some(UBOOT),
        append: CMDLINE,
    });
    for line in [
        "## Booting kernel from Legacy Image at 02000000 ...",
        &format!("   Image Name:   Linux-6.1-vmgdb-{flavour}"),
        "   Uncompressing Kernel Image",
    ] {
        assert!(console.contains(line), "{flavour}: no {line:?}");
    }
}

/// The guest's own hardware debugging: the init traces a child with
/// PPC_PTRACE_SETHWDEBUG (an IAC breakpoint, then a DAC write watchpoint),
/// round after round. QEMU has no debug facility, so vmgdb alone is checked.
fn guest_ptrace(flavour: &str) {
    let k = linux::kernel(flavour);
    let v = run_vmgdb(&Boot {
        flavour,
        kernel: &k.join("vmlinux"),
        initrd: None,
        bios: None,
        append: &format!("{CMDLINE} vmgdb.ptrace=3"),
    });
    let console = text(&v);
    assert!(
        v.status.success(),
        "vmgdb exited with {}:\n{console}",
        v.status
    );
    for line in linux::ptrace_rounds(3) {
        assert!(
            console.contains(&line),
            "{flavour}: no {line:?} in:\n{console}"
        );
    }
}

macro_rules! both_flavours {
    ($($name:ident),* $(,)?) => {
        mod e500v2 { $(#[test] fn $name() { super::$name("e500v2") })* }
        mod e500mc { $(#[test] fn $name() { super::$name("e500mc") })* }
    };
}

both_flavours!(
    elf_with_initrd,
    uimage,
    uboot_boots_the_uimage,
    guest_ptrace
);
