//! `vmgdb run` with a terminal as stdin (a pseudo-terminal here), driving
//! Debian's U-Boot: the terminal is raw while the guest runs (no host echo, no
//! line editing, Ctrl-C is a byte for the guest), Ctrl-A Ctrl-A types a Ctrl-A,
//! Ctrl-A x ends vmgdb with status 0, and the terminal's settings come back
//! after Ctrl-A x and after a SIGTERM.
//!
//! Needs `u-boot-qemu` (`scripts/test` installs it).

mod support;

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use support::session::{Session, DEBIAN_UBOOT, PROMPT};

/// A pseudo-terminal: the master (the test's end) and the slave (vmgdb's stdin).
struct Pty {
    master: File,
    slave: OwnedFd,
}

fn openpty() -> Pty {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors; the name, termios and window size
    // arguments may be null.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are fresh and owned by nobody else.
    unsafe {
        Pty {
            master: File::from_raw_fd(master),
            slave: OwnedFd::from_raw_fd(slave),
        }
    }
}

/// The terminal settings of `fd`, as comparable bytes.
fn termios(fd: &impl AsRawFd) -> Vec<u8> {
    // SAFETY: termios is plain data that tcgetattr fills.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is an open terminal and `t` valid.
    assert_eq!(unsafe { libc::tcgetattr(fd.as_raw_fd(), &mut t) }, 0);
    let flags = [t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag];
    flags
        .iter()
        .flat_map(|f| f.to_ne_bytes())
        .chain(t.c_cc.iter().copied())
        .collect()
}

fn local_flags(fd: &impl AsRawFd) -> libc::tcflag_t {
    // SAFETY: as in `termios`.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: as in `termios`.
    assert_eq!(unsafe { libc::tcgetattr(fd.as_raw_fd(), &mut t) }, 0);
    t.c_lflag
}

/// vmgdb booting U-Boot with the pty's slave as stdin, stdout on a pipe.
fn start(pty: &Pty) -> Session {
    assert!(
        Path::new(DEBIAN_UBOOT).exists(),
        "{DEBIAN_UBOOT} is missing: install it with `apt-get install u-boot-qemu` (scripts/test does)"
    );
    let stdin = pty.slave.try_clone().expect("dup the pty slave");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vmgdb"))
        .args(["run", "--bios", DEBIAN_UBOOT])
        .env_remove("RUST_LOG")
        .stdin(Stdio::from(stdin))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vmgdb");
    let stdout = child.stdout.take().expect("stdout is piped");
    Session::with_output("vmgdb on a pty", child, stdout)
}

fn type_keys(pty: &mut Pty, keys: &[u8]) {
    pty.master.write_all(keys).expect("type on the pty");
}

/// Bytes waiting on the master side (the host's echo, if any), without blocking.
fn pending_on_master(pty: &Pty) -> usize {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes an int.
    assert_eq!(
        unsafe { libc::ioctl(pty.master.as_raw_fd(), libc::FIONREAD, &mut n) },
        0
    );
    n as usize
}

#[test]
fn terminal_is_raw_keys_reach_the_guest_and_ctrl_a_x_quits() {
    let mut pty = openpty();
    let before = termios(&pty.slave);
    let mut vmgdb = start(&pty);
    vmgdb.until(PROMPT);
    let lflag = local_flags(&pty.slave);
    for (flag, name) in [
        (libc::ECHO, "ECHO"),
        (libc::ICANON, "ICANON"),
        (libc::ISIG, "ISIG"),
    ] {
        assert_eq!(lflag & flag, 0, "{name} is still set while the guest runs");
    }

    // Ctrl-C is the guest's: U-Boot abandons the line.
    type_keys(&mut pty, b"echo never\x03");
    let out = vmgdb.until(PROMPT);
    assert_eq!(out, "echo never<INTERRUPT>\r\n=> ");
    // Ctrl-A Ctrl-A is one Ctrl-A: U-Boot's line editor moves to the line start.
    type_keys(&mut pty, b"cho typed\x01\x01e\r");
    let out = vmgdb.until(PROMPT);
    assert!(out.ends_with("\r\ntyped\r\n=> "), "{out:?}");
    assert_eq!(pending_on_master(&pty), 0, "the host echoed input");

    type_keys(&mut pty, b"\x01x");
    let (status, _) = vmgdb.finish();
    assert_eq!(status.code(), Some(0), "Ctrl-A x");
    assert_eq!(termios(&pty.slave), before, "terminal settings restored");
}

#[test]
fn sigterm_restores_the_terminal() {
    let pty = openpty();
    let before = termios(&pty.slave);
    let mut vmgdb = start(&pty);
    vmgdb.until("U-Boot");
    assert_ne!(termios(&pty.slave), before, "raw mode while running");
    let pid = vmgdb.child().id() as libc::pid_t;
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let (status, _) = vmgdb.finish();
    assert_eq!(status.signal(), Some(libc::SIGTERM));
    assert_eq!(termios(&pty.slave), before, "terminal settings restored");
}
