//! The guest's console on vmgdb's own stdin and stdout.
//!
//! Output is the guest's bytes alone, on stdout. Input depends on what stdin is:
//!
//! * A terminal is put in raw mode for the run, as QEMU's `-nographic` does: no
//!   echo or line editing by the host, and Ctrl-C, Ctrl-Z, Ctrl-\ are bytes for
//!   the guest rather than signals (output processing stays on). Ctrl-A is the
//!   escape key: Ctrl-A x quits vmgdb (exit status 0), Ctrl-A Ctrl-A sends one
//!   Ctrl-A, Ctrl-A h lists these on stderr; any other key after Ctrl-A is
//!   dropped. The terminal's settings come back on every way out: a normal
//!   return or an unwinding panic ([`Console`]'s drop), Ctrl-A x, and the
//!   signals that end a process (SIGTERM, SIGHUP, SIGINT, SIGQUIT), which are
//!   then re-raised.
//! * Anything else (a pipe, a file, /dev/null) is copied to the guest unchanged;
//!   its end of file ends the input (a guest waiting for input then stays idle).

use std::io::{self, Read};
use std::sync::OnceLock;
use vmgdb_boards::ppce500::serial::spawn_reader;
use vmgdb_boards::ppce500::{InputQueue, SerialLine};

/// The escape key (Ctrl-A), as in QEMU's `-nographic`.
pub const ESCAPE: u8 = 0x01;

const HELP: &str =
    "\r\nC-a x    exit vmgdb\r\nC-a C-a  send C-a to the guest\r\nC-a h    this help\r\n";

/// The console for one run; while it lives, a terminal on stdin is in raw mode.
pub struct Console {
    raw: bool,
}

impl Console {
    /// Put stdin in raw mode if it is a terminal, start copying it to the
    /// guest, and return the serial line for the board with the console.
    pub fn open() -> io::Result<(SerialLine, Console)> {
        let input = InputQueue::new();
        let raw = stdin_is_terminal();
        if raw {
            enter_raw_mode()?;
            std::thread::Builder::new()
                .name("console-input".into())
                .spawn({
                    let input = input.clone();
                    move || read_terminal(io::stdin(), &input)
                })?;
        } else {
            spawn_reader(io::stdin(), input.clone())?;
        }
        Ok((SerialLine::new(io::stdout(), input), Console { raw }))
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if self.raw {
            restore_terminal();
        }
    }
}

fn stdin_is_terminal() -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(libc::STDIN_FILENO) == 1 }
}

/// What one byte typed on the terminal means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// Send this byte to the guest.
    Guest(u8),
    /// Ctrl-A x.
    Quit,
    /// Ctrl-A h.
    Help,
    /// Nothing (the escape key itself, or an unknown escape).
    None,
}

/// The Ctrl-A escape state of the terminal input.
#[derive(Clone, Copy, Debug, Default)]
pub struct Escapes {
    after_escape: bool,
}

impl Escapes {
    /// Interpret the next byte typed.
    pub fn key(&mut self, byte: u8) -> Key {
        if !std::mem::take(&mut self.after_escape) {
            if byte == ESCAPE {
                self.after_escape = true;
                return Key::None;
            }
            return Key::Guest(byte);
        }
        match byte {
            ESCAPE => Key::Guest(ESCAPE),
            b'x' | b'X' => Key::Quit,
            b'h' | b'H' | b'?' => Key::Help,
            _ => Key::None,
        }
    }
}

/// Copy a raw terminal to the guest, acting on the escapes.
fn read_terminal(mut source: impl Read, input: &InputQueue) {
    let mut escapes = Escapes::default();
    let mut buf = [0u8; 256];
    loop {
        let n = match source.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                tracing::warn!("console input stopped: {e}");
                break;
            }
        };
        let mut keys = Vec::with_capacity(n);
        for &byte in &buf[..n] {
            match escapes.key(byte) {
                Key::Guest(b) => keys.push(b),
                Key::Quit => {
                    input.push(&keys);
                    quit();
                }
                Key::Help => crate::say!("{}", HELP.trim_end_matches('\n')),
                Key::None => {}
            }
        }
        input.push(&keys);
    }
    input.close();
}

/// Ctrl-A x: restore the terminal and end the process, as QEMU does.
fn quit() -> ! {
    restore_terminal();
    crate::say!("vmgdb: terminated (C-a x)");
    std::process::exit(0);
}

/// The terminal settings before raw mode, for every path that restores them.
static ORIGINAL: OnceLock<libc::termios> = OnceLock::new();

fn enter_raw_mode() -> io::Result<()> {
    // SAFETY: termios is plain data; tcgetattr fills it for a valid descriptor.
    let mut original: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: stdin is open and `original` is a valid termios to write.
    if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut original) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if ORIGINAL.set(original).is_err() {
        // Already raw (a second console in one process): keep the first original.
        return Ok(());
    }
    install_signal_handlers();
    let mut raw = original;
    raw.c_iflag &= !(libc::IGNBRK
        | libc::BRKINT
        | libc::PARMRK
        | libc::ISTRIP
        | libc::INLCR
        | libc::IGNCR
        | libc::ICRNL
        | libc::IXON);
    raw.c_oflag |= libc::OPOST;
    raw.c_lflag &= !(libc::ECHO | libc::ECHONL | libc::ICANON | libc::IEXTEN | libc::ISIG);
    raw.c_cflag &= !(libc::CSIZE | libc::PARENB);
    raw.c_cflag |= libc::CS8;
    raw.c_cc[libc::VMIN] = 1;
    raw.c_cc[libc::VTIME] = 0;
    // SAFETY: stdin is a terminal and `raw` a valid termios.
    if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Put the terminal back as it was (async-signal-safe: one tcsetattr).
fn restore_terminal() {
    if let Some(original) = ORIGINAL.get() {
        // SAFETY: `original` came from tcgetattr on this descriptor.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, original);
        }
    }
}

/// Signals that end the process: restore the terminal, remove the GDB socket
/// file, then die of the signal.
const FATAL_SIGNALS: [libc::c_int; 4] = [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT];

/// The Unix socket the GDB stub listens on, removed if a signal ends vmgdb.
static SOCKET_PATH: OnceLock<std::ffi::CString> = OnceLock::new();

/// Remove `path` (the stub's Unix socket) if a fatal signal ends vmgdb; normal
/// exits remove it as the listener is dropped.
pub fn remove_on_fatal_signal(path: &std::path::Path) {
    use std::os::unix::ffi::OsStrExt;
    if let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) {
        let _ = SOCKET_PATH.set(c);
        install_signal_handlers();
    }
}

extern "C" fn on_fatal_signal(signal: libc::c_int) {
    restore_terminal();
    if let Some(path) = SOCKET_PATH.get() {
        // SAFETY: unlink is async-signal-safe and `path` is a valid C string
        // that lives for the whole process.
        unsafe {
            libc::unlink(path.as_ptr());
        }
    }
    // SAFETY: the handler was installed with SA_RESETHAND, so raising the signal
    // again runs its default action (terminating the process).
    unsafe {
        libc::raise(signal);
    }
}

fn install_signal_handlers() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(install_signal_handlers_now);
}

fn install_signal_handlers_now() {
    for signal in FATAL_SIGNALS {
        // SAFETY: a zeroed sigaction is valid; the handler only calls
        // async-signal-safe functions (tcsetattr, unlink, raise).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fatal_signal as extern "C" fn(libc::c_int) as usize;
            action.sa_flags = libc::SA_RESETHAND;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                tracing::warn!(
                    "cannot handle signal {signal}: {}",
                    io::Error::last_os_error()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(typed: &[u8]) -> Vec<Key> {
        let mut e = Escapes::default();
        typed.iter().map(|&b| e.key(b)).collect()
    }

    #[test]
    fn plain_keys_go_to_the_guest() {
        assert_eq!(
            keys(b"a\x03\r"),
            [Key::Guest(b'a'), Key::Guest(3), Key::Guest(b'\r')]
        );
    }

    #[test]
    fn escapes_as_qemu_nographic() {
        assert_eq!(keys(b"\x01x"), [Key::None, Key::Quit]);
        assert_eq!(
            keys(b"\x01\x01a"),
            [Key::None, Key::Guest(1), Key::Guest(b'a')]
        );
        assert_eq!(keys(b"\x01h"), [Key::None, Key::Help]);
        assert_eq!(keys(b"\x01zx"), [Key::None, Key::None, Key::Guest(b'x')]);
    }
}
