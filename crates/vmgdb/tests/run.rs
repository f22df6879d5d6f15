//! The real `vmgdb` binary: the demo guest's console output and exit status, and
//! one-line errors with a non-zero status for bad command lines and bad images.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use vmgdb_boards::ppce500::demo;

fn vmgdb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vmgdb"))
        .args(args)
        .stdin(Stdio::null())
        .env_remove("RUST_LOG")
        .output()
        .expect("the vmgdb binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch directory for this test binary.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vmgdb-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn demo_guest_prints_and_powers_off() {
    let o = vmgdb(&["run"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), demo::expected_output(e500::Flavor::E500v2));
    assert_eq!(stderr(&o), "", "vmgdb is quiet by default");
}

#[test]
fn demo_guest_on_e500mc_with_more_ram() {
    let o = vmgdb(&["run", "--machine", "ppce500", "--cpu", "e500mc", "-m", "1G"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), demo::expected_output(e500::Flavor::E500mc));
}

#[test]
fn demo_elf_boots_as_a_kernel() {
    let dir = scratch("demo-elf");
    let elf = dir.join("demo.elf");
    let o = vmgdb(&["demo-elf", elf.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let o = vmgdb(&["run", "--kernel", elf.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), demo::expected_output(e500::Flavor::E500v2));
    // The same bytes as firmware: no qemu,boot-kernel, same program.
    let o = vmgdb(&["run", "--bios", elf.to_str().unwrap(), "-m", "128M"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), demo::expected_output(e500::Flavor::E500v2));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Exit status 1, nothing on stdout, exactly one line on stderr containing `needle`.
fn assert_one_line_error(o: &Output, status: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(status), "stderr: {err}");
    assert_eq!(stdout(o), "");
    assert_eq!(err.lines().count(), 1, "one line expected: {err:?}");
    assert!(err.starts_with("error: "), "{err:?}");
    assert!(err.contains(needle), "{err:?} lacks {needle:?}");
}

#[test]
fn broken_elves_are_one_line_errors() {
    let dir = scratch("broken");
    let good = demo::elf();
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("text.elf", b"just some text\n".to_vec(), "not an ELF file"),
        ("truncated.elf", good[..40].to_vec(), "truncated ELF"),
        ("empty.elf", Vec::new(), "not an ELF file"),
    ];
    let mut elf64 = good.clone();
    elf64[4] = 2;
    cases.push(("elf64.elf", elf64, "ELF64"));
    let mut little = good.clone();
    little[5] = 1;
    cases.push(("little.elf", little, "little-endian"));
    let mut arm = good.clone();
    arm[18..20].copy_from_slice(&40u16.to_be_bytes());
    cases.push(("arm.elf", arm, "not PowerPC"));
    let mut no_load = good.clone();
    no_load[44..46].copy_from_slice(&0u16.to_be_bytes()); // e_phnum = 0
    cases.push(("noload.elf", no_load, "no loadable segment"));
    let mut high = good.clone();
    // p_paddr of the only segment (program headers at 52, p_paddr at +12): 1 GiB.
    high[52 + 12..52 + 16].copy_from_slice(&0x4000_0000u32.to_be_bytes());
    cases.push(("high.elf", high, "outside RAM"));
    for (name, bytes, needle) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        for flag in ["--kernel", "--bios"] {
            let o = vmgdb(&["run", flag, path.to_str().unwrap()]);
            assert_one_line_error(&o, 1, needle);
            assert!(stderr(&o).contains(name), "the message names the file");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn missing_file_is_a_one_line_error() {
    let o = vmgdb(&["run", "--kernel", "/nonexistent/guest.elf"]);
    assert_one_line_error(&o, 1, "/nonexistent/guest.elf: cannot read");
}

#[test]
fn bad_ram_sizes_are_one_line_errors() {
    let o = vmgdb(&["run", "-m", "100"]);
    assert_one_line_error(&o, 1, "not a non-zero multiple of 64 MiB");
    let o = vmgdb(&["run", "-m", "lots"]);
    assert_one_line_error(&o, 2, "not a size");
}

#[test]
fn bad_command_lines_are_one_line_errors() {
    for args in [
        &["run", "--frobnicate"][..],
        &["run", "--cpu", "e600"],
        &["run", "--machine", "virt"],
        &["run", "--append", "console=ttyS0"],
        &["run", "--initrd", "rd.cpio"],
        &["fly"],
        &[],
    ] {
        let o = vmgdb(args);
        assert_one_line_error(&o, 2, "");
    }
    // The line keeps what clap says beyond its first line.
    let o = vmgdb(&["run", "--append", "x"]);
    assert_one_line_error(&o, 2, "--kernel <FILE>");
    let o = vmgdb(&["run", "--kernal", "x"]);
    assert_one_line_error(&o, 2, "a similar argument exists: '--kernel'");
}

#[test]
fn boot_files_are_checked_before_they_are_read() {
    let o = vmgdb(&["run", "--kernel", "/dev/zero"]);
    assert_one_line_error(&o, 1, "/dev/zero: not a regular file");
    let dir = scratch("boot-files");
    let elf = dir.join("demo.elf");
    std::fs::write(&elf, demo::elf()).unwrap();
    let elf = elf.to_str().unwrap();
    let big = dir.join("big.cpio");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(200 << 20)
        .unwrap();
    let o = vmgdb(&[
        "run",
        "-m",
        "128",
        "--kernel",
        elf,
        "--initrd",
        big.to_str().unwrap(),
    ]);
    assert_one_line_error(&o, 1, "larger than the guest's 134217728 bytes of RAM");
    let o = vmgdb(&["run", "-m", "0"]);
    assert_one_line_error(&o, 1, "-m 0");
    let o = vmgdb(&["run", "--kernel", elf, "--dtb", elf]);
    assert_one_line_error(&o, 1, "not a device tree blob");
    let o = vmgdb(&["run", "--kernel", elf, "--kernel", elf]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A uImage damaged in transit.
    let bad = dir.join("bad.uImage");
    let mut image = vmgdb_boards::ppce500::uimage::build(b"payload", true, 0, 0, "t");
    let last = image.len() - 1;
    image[last] ^= 0xFF;
    std::fs::write(&bad, image).unwrap();
    let o = vmgdb(&["run", "--kernel", bad.to_str().unwrap()]);
    assert_one_line_error(&o, 1, "payload checksum mismatch");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn dumpdtb_writes_the_tree_with_the_boot_options() {
    let dir = scratch("dumpdtb");
    let elf = dir.join("demo.elf");
    std::fs::write(&elf, demo::elf()).unwrap();
    let rd = dir.join("rd");
    std::fs::write(&rd, [7u8; 1000]).unwrap();
    let dtb = dir.join("out.dtb");
    let o = vmgdb(&[
        "run",
        "--kernel",
        elf.to_str().unwrap(),
        "--initrd",
        rd.to_str().unwrap(),
        "--append",
        "console=ttyS0 hello",
        "--dumpdtb",
        dtb.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "the guest does not run");
    let blob = std::fs::read(&dtb).unwrap();
    assert_eq!(blob.len(), 1 << 20);
    let has = |needle: &[u8]| blob.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"console=ttyS0 hello\0"));
    assert!(has(b"linux,initrd-start"));
    // Given back with --dtb, the same tree boots the demo (it ignores the tree).
    let o = vmgdb(&[
        "run",
        "--kernel",
        elf.to_str().unwrap(),
        "--dtb",
        dtb.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn help_is_not_an_error() {
    let o = vmgdb(&["run", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("--kernel"));
}

#[test]
fn logging_goes_to_stderr_when_asked() {
    let o = Command::new(env!("CARGO_BIN_EXE_vmgdb"))
        .args(["run"])
        .stdin(Stdio::null())
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        demo::expected_output(e500::Flavor::E500v2),
        "stdout stays the guest's"
    );
    assert!(
        stderr(&o).contains("powered the machine off"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_closed_stderr_never_makes_vmgdb_panic() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vmgdb"))
        .args(["run", "--stats"])
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away at once, as `2>&1 | head -1` does after one line.
    drop(child.stderr.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        demo::expected_output(e500::Flavor::E500v2)
    );
}

#[test]
fn cpu_help_lists_the_cpus() {
    let o = vmgdb(&["run", "--cpu", "help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("e500v2   PVR 0x80210030"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("e500mc   PVR 0x80230020"));
}

/// vmgdb serving GDB on `endpoint`, held at its first instruction.
fn serving(endpoint: &str) -> vmgdb_gdb_testkit::Proc {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vmgdb"));
    cmd.args(["run", "--gdb", endpoint, "--wait"]);
    let p = vmgdb_gdb_testkit::Proc::spawn("vmgdb", cmd);
    p.stderr.wait_for("waiting for gdb on");
    p
}

#[test]
fn the_listener_is_safe_by_default() {
    let dir = scratch("listener");
    let path = dir.join("gdb.sock");
    let endpoint = format!("unix:{}", path.display());
    let mut first = serving(&endpoint);
    // A client holds the first vmgdb's session, so the guest stays held
    // whatever the second vmgdb's probe of the socket does.
    let mut holder =
        vmgdb_gdb_testkit::RawClient::connect(&vmgdb_gdb_testkit::gdb_target(&endpoint));
    assert!(holder.command("qSupported:multiprocess+").is_some());
    // A second vmgdb does not take over a socket the first still answers on.
    let o = vmgdb(&["run", "--gdb", &endpoint, "--wait"]);
    assert_one_line_error(&o, 1, "is in use");
    assert!(first.running(), "the first vmgdb still serves");
    // SIGTERM ends vmgdb and takes its socket file with it.
    first.signal("TERM");
    first.wait_exit();
    assert!(!path.exists(), "{} left behind", path.display());
    // Every interface only with a warning.
    let mut open = serving("0.0.0.0:0");
    let text = open.stderr.text();
    assert!(
        text.contains("listens on every network interface"),
        "{text}"
    );
    open.signal("TERM");
    open.wait_exit();
    let mut local = serving("127.0.0.1:0");
    assert!(!local.stderr.text().contains("every network interface"));
    local.signal("TERM");
    local.wait_exit();
    std::fs::remove_dir_all(dir).unwrap();
}
