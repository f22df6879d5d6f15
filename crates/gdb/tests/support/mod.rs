//! Shared test support: building the debug-scenario guests, starting the
//! `test_machine` example as a real process, and running a real
//! `gdb-multiarch` against it. Every wait here is bounded by a watchdog so a
//! broken stub fails a test instead of hanging it; nothing is timed.

#![allow(dead_code)]

use e500::Flavor;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;
use wait_timeout::ChildExt;

/// Longest any single wait may take before the test fails.
pub const WATCHDOG: Duration = Duration::from_secs(120);

pub const FLAVORS: [Flavor; 2] = [Flavor::E500v2, Flavor::E500mc];

/// Fail with an install hint unless `tool` runs.
pub fn require(tool: &str, package: &str) {
    let ok = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "`{tool}` is needed by this test and was not found: install it with `apt-get install {package}`"
    );
}

fn guests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests")
}

fn scratch() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vmgdb-gdb");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A scratch path unique to this process and `name`.
pub fn scratch_path(name: &str) -> PathBuf {
    scratch().join(format!("{}-{name}", std::process::id()))
}

/// The debug-scenario guest for `flavor`, compiled once per test process
/// (into a unique file, renamed into place, so test binaries never race).
pub fn guest(flavor: Flavor) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<(Flavor, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, p)) = built.iter().find(|(f, _)| *f == flavor) {
        return p.clone();
    }
    require("powerpc-linux-gnu-gcc", "gcc-powerpc-linux-gnu");
    let src = guests_dir();
    let (cpu, define) = match flavor {
        Flavor::E500v2 => ("-mcpu=8548", "-DE500V2"),
        Flavor::E500mc => ("-mcpu=e500mc", "-DE500MC"),
    };
    let out = scratch().join(format!("debug-{flavor}.elf"));
    let tmp = scratch().join(format!("debug-{flavor}.elf.{}", std::process::id()));
    let output = Command::new("powerpc-linux-gnu-gcc")
        .args([
            cpu,
            define,
            "-msoft-float",
            "-g",
            "-O0",
            "-ffreestanding",
            "-nostdlib",
            "-static",
        ])
        .args(["-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments", "-T"])
        .arg(src.join("link.ld"))
        .arg(src.join("start.S"))
        .arg(src.join("debug.c"))
        .arg("-o")
        .arg(&tmp)
        .output()
        .expect("run powerpc-linux-gnu-gcc");
    assert!(
        output.status.success(),
        "building the {flavor} guest failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&tmp, &out).unwrap();
    built.push((flavor, out.clone()));
    out
}

/// Address of `symbol` in the guest ELF.
pub fn symbol(elf: &Path, symbol: &str) -> u32 {
    use object::{Object, ObjectSymbol};
    let data = std::fs::read(elf).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let found = file.symbols().find(|s| s.name() == Ok(symbol));
    found
        .unwrap_or_else(|| panic!("no symbol {symbol}"))
        .address() as u32
}

/// The `test_machine` example, built by `cargo test` alongside the tests.
fn test_machine_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile_dir.join("examples").join("test_machine");
    assert!(
        bin.exists(),
        "{} is missing: run the whole test suite (`cargo test -p vmgdb-gdb`), which builds the examples, or `cargo build -p vmgdb-gdb --example test_machine`",
        bin.display()
    );
    bin
}

/// Text that arrives over time from a child's pipes, and waiting for it.
#[derive(Clone, Default)]
pub struct Collected(Arc<(Mutex<Inner>, Condvar)>);

#[derive(Default)]
struct Inner {
    text: String,
    /// Pipes that reached end of file.
    closed: usize,
}

impl Collected {
    fn spawn_reader(&self, pipe: impl Read + Send + 'static) {
        let me = self.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(pipe);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                let n = r.read_until(b'\n', &mut buf).unwrap_or(0);
                let (m, cv) = &*me.0;
                let mut inner = m.lock().unwrap();
                if n == 0 {
                    inner.closed += 1;
                    cv.notify_all();
                    break;
                }
                inner.text.push_str(&String::from_utf8_lossy(&buf));
                cv.notify_all();
            }
        });
    }

    pub fn text(&self) -> String {
        self.0 .0.lock().unwrap().text.clone()
    }

    fn wait_until(&self, what: &str, done: impl Fn(&Inner) -> bool) -> String {
        let (m, cv) = &*self.0;
        let guard = m.lock().unwrap();
        let (guard, timeout) = cv
            .wait_timeout_while(guard, WATCHDOG, |i| !done(i))
            .unwrap();
        assert!(!timeout.timed_out(), "never saw {what} in:\n{}", guard.text);
        guard.text.clone()
    }

    /// Block until the text contains `needle`.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_until(&format!("{needle:?}"), |i| i.text.contains(needle))
    }

    /// Block until `pipes` pipes are closed; returns all the text.
    fn wait_closed(&self, pipes: usize) -> String {
        self.wait_until("end of output", |i| i.closed >= pipes)
    }
}

/// How the test machine listens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Unix,
}

/// A running `test_machine` process.
pub struct MachineProc {
    child: Child,
    /// What to give `target remote`.
    pub target: String,
    /// The guest's UART output.
    pub uart: Collected,
    pub log: Collected,
    pub elf: PathBuf,
    pub flavor: Flavor,
}

impl MachineProc {
    /// Start a machine running the debug guest; `wait`: stopped before its first
    /// instruction until a debugger attaches.
    pub fn start(flavor: Flavor, transport: Transport, wait: bool) -> MachineProc {
        let elf = guest(flavor);
        let listen = match transport {
            Transport::Tcp => "127.0.0.1:0".to_string(),
            Transport::Unix => {
                let p = scratch_path(&format!("{flavor}-{:?}.sock", std::thread::current().id()));
                format!("unix:{}", p.display())
            }
        };
        let mut cmd = Command::new(test_machine_bin());
        cmd.args(["--cpu", flavor.name(), "--listen", &listen]);
        if wait {
            cmd.arg("--wait");
        }
        let mut child = cmd
            .arg(&elf)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start test_machine");
        let uart = Collected::default();
        let log = Collected::default();
        uart.spawn_reader(child.stdout.take().unwrap());
        log.spawn_reader(child.stderr.take().unwrap());
        let text = log.wait_for("listening on ");
        let endpoint = text
            .lines()
            .find_map(|l| l.strip_prefix("listening on "))
            .unwrap()
            .trim()
            .to_string();
        let target = match endpoint.strip_prefix("unix:") {
            Some(path) => path.to_string(),
            None => endpoint,
        };
        MachineProc {
            child,
            target,
            uart,
            log,
            elf,
            flavor,
        }
    }

    /// Wait for the machine to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        match self.child.wait_timeout(WATCHDOG).unwrap() {
            Some(s) => s,
            None => {
                let _ = self.child.kill();
                panic!("test machine did not exit; log:\n{}", self.log.text());
            }
        }
    }

    /// Whether the process still runs.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// A GDB session against this machine, with the guest's symbols.
    pub fn gdb(&self) -> Gdb {
        Gdb::new(&self.target, Some(&self.elf))
    }
}

impl Drop for MachineProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `gdb-multiarch -batch` command line.
pub struct Gdb {
    args: Vec<String>,
    elf: Option<PathBuf>,
}

impl Gdb {
    pub fn new(target: &str, elf: Option<&Path>) -> Gdb {
        require("gdb-multiarch", "gdb-multiarch");
        let mut g = Gdb {
            args: Vec::new(),
            elf: elf.map(Path::to_path_buf),
        };
        for c in [
            "set confirm off",
            "set width 0",
            "set height 0",
            "set pagination off",
        ] {
            g.args.push("-ex".into());
            g.args.push(c.into());
        }
        if elf.is_none() {
            g.args.push("-ex".into());
            g.args.push("set endian big".into());
        }
        g.args.push("-ex".into());
        g.args.push(format!("target remote {target}"));
        g
    }

    /// Add commands, run one after another (errors do not stop batch mode).
    pub fn cmds(mut self, cmds: &[&str]) -> Gdb {
        for c in cmds {
            self.args.push("-ex".into());
            self.args.push(c.to_string());
        }
        self
    }

    fn command(&self) -> Command {
        let mut c = Command::new("gdb-multiarch");
        c.args(["-nx", "-batch"]).args(&self.args);
        if let Some(elf) = &self.elf {
            c.arg(elf);
        }
        c.stdin(Stdio::null());
        c
    }

    /// Run to completion; stdout and stderr interleaved as GDB wrote them.
    pub fn run(&self) -> String {
        let path = scratch_path(&format!("gdb-{:?}.out", std::thread::current().id()));
        let file = File::create(&path).unwrap();
        let mut child = self
            .command()
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("start gdb-multiarch");
        let status = child.wait_timeout(WATCHDOG).unwrap();
        let out = std::fs::read_to_string(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        if status.is_none() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gdb did not finish; output so far:\n{out}");
        }
        out
    }

    /// Start in the background; its output is collected as it comes.
    pub fn spawn(&self) -> GdbProc {
        let mut child = self
            .command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start gdb-multiarch");
        let out = Collected::default();
        out.spawn_reader(child.stdout.take().unwrap());
        out.spawn_reader(child.stderr.take().unwrap());
        GdbProc { child, out }
    }
}

/// A GDB running in the background.
pub struct GdbProc {
    pub child: Child,
    pub out: Collected,
}

impl GdbProc {
    /// Send a signal (by name, e.g. "INT" or "KILL") to GDB.
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    /// Wait for GDB to end; returns everything it printed.
    pub fn finish(mut self) -> String {
        if self.child.wait_timeout(WATCHDOG).unwrap().is_none() {
            let _ = self.child.kill();
            panic!("gdb did not finish; output:\n{}", self.out.text());
        }
        self.out.wait_closed(2)
    }
}

impl Drop for GdbProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Assert that `out` contains every one of `needles`, showing `out` if not.
#[track_caller]
pub fn assert_all(out: &str, needles: &[&str]) {
    for n in needles {
        assert!(out.contains(n), "expected {n:?} in GDB output:\n{out}");
    }
}

/// Assert that `out` contains none of `needles`.
#[track_caller]
pub fn assert_none(out: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            !out.contains(n),
            "did not expect {n:?} in GDB output:\n{out}"
        );
    }
}

/// The value GDB printed for `$N = value` lines, in order.
pub fn values(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix('$')?;
            let (num, value) = rest.split_once(" = ")?;
            num.parse::<u32>().ok()?;
            Some(value.trim().to_string())
        })
        .collect()
}

/// `$body#checksum`.
pub fn packet(body: &[u8]) -> Vec<u8> {
    let sum = body.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    let mut p = vec![b'$'];
    p.extend_from_slice(body);
    p.extend_from_slice(format!("#{sum:02x}").as_bytes());
    p
}

/// A hand-driven remote-protocol client, for what GDB would never send.
pub struct RawClient {
    pub stream: std::net::TcpStream,
    pending: Vec<u8>,
}

impl RawClient {
    pub fn connect(target: &str) -> RawClient {
        let addr = target.strip_prefix(':').map(|p| format!("127.0.0.1:{p}"));
        let stream = std::net::TcpStream::connect(addr.as_deref().unwrap_or(target)).unwrap();
        stream.set_read_timeout(Some(WATCHDOG)).unwrap();
        RawClient {
            stream,
            pending: Vec::new(),
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        self.stream.write_all(bytes)
    }

    /// The body of the next packet, or `None` at end of stream.
    pub fn read_packet(&mut self) -> Option<String> {
        loop {
            if let Some(start) = self.pending.iter().position(|&b| b == b'$') {
                if let Some(hash) = self.pending[start..].iter().position(|&b| b == b'#') {
                    let end = start + hash;
                    if self.pending.len() >= end + 3 {
                        let body =
                            String::from_utf8_lossy(&self.pending[start + 1..end]).into_owned();
                        self.pending.drain(..end + 3);
                        return Some(body);
                    }
                }
            }
            let mut buf = [0u8; 4096];
            match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// Send a command and return its reply (acknowledging it).
    pub fn command(&mut self, body: &str) -> Option<String> {
        self.send_raw(&packet(body.as_bytes())).ok()?;
        let reply = self.read_packet();
        let _ = self.send_raw(b"+");
        reply
    }

    /// Read until the stub closes the connection; everything received.
    pub fn drain(&mut self) -> Vec<u8> {
        let mut all = std::mem::take(&mut self.pending);
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    }
}

/// A FIFO a background GDB can block on (`shell cat FIFO`) until released.
pub struct Fifo(pub PathBuf);

impl Fifo {
    pub fn new(name: &str) -> Fifo {
        let path = scratch_path(name);
        let _ = std::fs::remove_file(&path);
        let ok = Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "mkfifo failed");
        Fifo(path)
    }

    /// Let the reader go.
    pub fn release(&self) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.0)
            .unwrap();
        let _ = f.write_all(b"go\n");
    }

    pub fn shell_wait(&self) -> String {
        format!("shell cat {} > /dev/null", self.0.display())
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
