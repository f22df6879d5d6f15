//! Any sequence of remote-protocol pieces from one client (framed packets of
//! every kind GDB sends, raw bytes, Ctrl-C) that then hangs up: the stub answers
//! or drops the client, nothing panics, and the next client is served.
//!
//! One stub serves a small looping guest for the whole fuzzing process, over a
//! Unix socket; `kill` and `monitor quit` end it and the next input starts
//! another.

#![no_main]

use arbitrary::Arbitrary;
use e500::{Flavor, NoDevices};
use libfuzzer_sys::fuzz_target;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use vmgdb_gdb::{Endpoint, GdbServer, Kick, Machine, MachineEvent, ServeOptions};
use vmgdb_hv::{E500Vcpu, Exit, Reg, Vcpu};

/// The guest, at 0x100: a counter stored to and loaded from 0x200, forever.
const GUEST: [u32; 5] = [
    0x3880_0000, // li   r4,0
    0x3884_0001, // addi r4,r4,1
    0x9080_0200, // stw  r4,0x200(0)
    0x80a0_0200, // lwz  r5,0x200(0)
    0x4bff_fff4, // b    .-12
];
const ENTRY: u64 = 0x100;

struct Guest {
    vcpu: E500Vcpu,
}

impl Guest {
    fn new() -> Guest {
        let mut g = Guest {
            vcpu: E500Vcpu::new(Flavor::E500v2, 1 << 20),
        };
        g.load();
        g
    }

    fn load(&mut self) {
        let code: Vec<u8> = GUEST.iter().flat_map(|w| w.to_be_bytes()).collect();
        self.vcpu
            .write_phys(ENTRY, &code)
            .expect("code fits in RAM");
        assert!(self.vcpu.set_tlb1_entry(0, 0x8000_0800, 0, 0x3F, 0));
        self.vcpu.set_reg(Reg::Pc, ENTRY).expect("PC exists");
    }
}

impl Machine for Guest {
    type Vcpu = E500Vcpu;

    fn vcpu(&mut self) -> &mut E500Vcpu {
        &mut self.vcpu
    }

    fn run(&mut self, budget: u64) -> MachineEvent {
        loop {
            return match self.vcpu.run_for(&mut NoDevices, budget) {
                Exit::Debug(d) => MachineEvent::Debug(d),
                Exit::Halted => MachineEvent::Halted,
                Exit::Interrupted => MachineEvent::Interrupted,
                Exit::Budget => MachineEvent::Budget,
                Exit::Device => continue,
                Exit::Reset(_) => {
                    self.reset();
                    continue;
                }
            };
        }
    }

    fn reset(&mut self) {
        self.vcpu.reset();
        self.load();
    }

    fn kicker(&self) -> Arc<dyn Kick> {
        self.vcpu.kick_handle()
    }
}

struct Server {
    path: PathBuf,
    thread: JoinHandle<()>,
}

static SERVER: Mutex<Option<Server>> = Mutex::new(None);

/// The socket of a running stub, starting one if none runs (or the last was
/// killed or quit).
fn server() -> PathBuf {
    static STARTED: AtomicUsize = AtomicUsize::new(0);
    let mut server = SERVER.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = server.as_ref().filter(|s| !s.thread.is_finished()) {
        return s.path.clone();
    }
    let n = STARTED.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("vmgdb-fuzz-{}-{n}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let gdb = GdbServer::bind(&Endpoint::Unix(path.clone())).expect("bind the fuzzing socket");
    let thread = std::thread::spawn(move || {
        let mut guest = Guest::new();
        gdb.serve(&mut guest, ServeOptions::default())
            .expect("the stub starts");
    });
    *server = Some(Server {
        path: path.clone(),
        thread,
    });
    path
}

#[derive(Arbitrary, Debug)]
enum Piece {
    /// `$<command><args>#<checksum>`; `hex` maps the argument bytes onto the
    /// characters addresses and lengths are made of.
    Packet {
        command: u8,
        args: Vec<u8>,
        hex: bool,
    },
    /// `qRcmd` with one of the stub's monitor commands and arbitrary arguments.
    Monitor { command: u8, args: String },
    /// Bytes on the wire, framed or not.
    Raw(Vec<u8>),
    /// Ctrl-C.
    Interrupt,
}

/// What GDB sends, as packet prefixes.
const COMMANDS: &[&str] = &[
    "?",
    "g",
    "G",
    "p",
    "P",
    "m",
    "M",
    "X",
    "c",
    "s",
    "C",
    "S",
    "vCont;c",
    "vCont;s",
    "vCont;s:1;c",
    "vCont?",
    "Z0,",
    "z0,",
    "Z1,",
    "z1,",
    "Z2,",
    "z2,",
    "Z3,",
    "z3,",
    "Z4,",
    "z4,",
    "D",
    "k",
    "vKill;1",
    "H",
    "Hg",
    "Hc",
    "T",
    "qC",
    "qAttached",
    "qfThreadInfo",
    "qsThreadInfo",
    "qSupported:",
    "qXfer:features:read:target.xml:",
    "qXfer:features:read:",
    "QStartNoAckMode",
    "vMustReplyEmpty",
    "qOffsets",
    "qSymbol::",
    "qTStatus",
    "R",
    "r",
    "!",
    "qRcmd,",
];

/// `monitor` commands the stub knows.
const MONITOR: &[&str] = &[
    "help",
    "info tlb",
    "info registers",
    "phys on",
    "phys off",
    "reset",
    "comparators unlimited",
    "comparators hardware",
    "quit",
    "",
];

fn frame(body: &[u8]) -> Vec<u8> {
    let sum = body.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    let mut p = Vec::with_capacity(body.len() + 4);
    p.push(b'$');
    p.extend_from_slice(body);
    p.extend_from_slice(format!("#{sum:02x}").as_bytes());
    p
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Piece {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Piece::Packet { command, args, hex } => {
                let mut body = COMMANDS[*command as usize % COMMANDS.len()]
                    .as_bytes()
                    .to_vec();
                if *hex {
                    const DIGITS: &[u8] = b"0123456789abcdef,:;";
                    body.extend(args.iter().map(|b| DIGITS[*b as usize % DIGITS.len()]));
                } else {
                    body.extend_from_slice(args);
                }
                frame(&body)
            }
            Piece::Monitor { command, args } => {
                let text = format!("{} {args}", MONITOR[*command as usize % MONITOR.len()]);
                frame(format!("qRcmd,{}", hex(text.trim().as_bytes())).as_bytes())
            }
            Piece::Raw(bytes) => bytes.clone(),
            Piece::Interrupt => vec![0x03],
        }
    }
}

/// A client with short patience: the fuzzer must not wait on a running guest.
struct Client {
    stream: UnixStream,
    received: Vec<u8>,
}

impl Client {
    fn connect(path: &PathBuf) -> Option<Client> {
        let stream = UnixStream::connect(path).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .ok()?;
        Some(Client {
            stream,
            received: Vec::new(),
        })
    }

    /// Send one packet and wait (up to 5 s) for its reply's body.
    fn ask(&mut self, body: &[u8]) -> Option<String> {
        self.stream.write_all(&frame(body)).ok()?;
        match self.reply(Duration::from_secs(5)) {
            Reply::Packet(body) => Some(body),
            Reply::Silent | Reply::Gone => None,
        }
    }

    /// Wait up to `patience` for the next reply packet (acknowledged), past any
    /// console output (`O...`) a monitor command sends first.
    fn reply(&mut self, patience: Duration) -> Reply {
        let deadline = Instant::now() + patience;
        let mut buf = [0u8; 4096];
        loop {
            if let Some((end, body)) = packet_body(&self.received) {
                self.received.drain(..end);
                let _ = self.stream.write_all(b"+");
                if body.starts_with('O') && body != "OK" {
                    continue;
                }
                return Reply::Packet(body);
            }
            if Instant::now() >= deadline {
                return Reply::Silent;
            }
            match self.stream.read(&mut buf) {
                Ok(0) => return Reply::Gone,
                Ok(n) => self.received.extend_from_slice(&buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return Reply::Gone,
            }
        }
    }
}

enum Reply {
    Packet(String),
    /// Nothing yet (a resumed guest still running, say).
    Silent,
    /// The stub closed the connection.
    Gone,
}

/// Where the first whole `$body#xx` in `bytes` ends, and its body.
fn packet_body(bytes: &[u8]) -> Option<(usize, String)> {
    let start = bytes.iter().position(|&b| b == b'$')?;
    let hash = start + bytes[start..].iter().position(|&b| b == b'#')?;
    (bytes.len() >= hash + 3).then(|| (hash + 3, run_length_decoded(&bytes[start + 1..hash])))
}

/// A reply body with the protocol's run-length encoding (`x*n`: `x` repeated
/// `n - 29` more times) spelled out.
fn run_length_decoded(body: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(body.len());
    let mut bytes = body.iter();
    while let Some(&b) = bytes.next() {
        match (b, out.last().copied()) {
            (b'*', Some(prev)) => {
                let n = bytes.next().map_or(0, |&c| c.saturating_sub(29));
                out.extend(std::iter::repeat_n(prev, n as usize));
            }
            _ => out.push(b),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `piece` may change guest memory for good (GDB's `M` and `X`).
fn writes_memory(piece: &Piece) -> bool {
    match piece {
        Piece::Packet { command, .. } => {
            let c = COMMANDS[*command as usize % COMMANDS.len()];
            c.starts_with('M') || c.starts_with('X')
        }
        Piece::Raw(bytes) => bytes.windows(2).any(|w| w == b"$M" || w == b"$X"),
        Piece::Monitor { .. } | Piece::Interrupt => false,
    }
}

/// After a session: a fresh client gets a stop reply from a live stub and, unless
/// the session wrote memory, finds the guest's code as it was (every software
/// breakpoint taken out).
fn check_next_client(code_intact: bool) {
    for _ in 0..3 {
        let Some(mut c) = Client::connect(&server()) else {
            // Killed or quit a moment ago: the next call starts a new stub.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if let Some(stop) = c.ask(b"?") {
            assert!(
                stop.starts_with('S') || stop.starts_with('T'),
                "`?` got {stop:?}"
            );
            if code_intact {
                // Physical addresses: the session may have changed the MSR's address space.
                let phys = format!("qRcmd,{}", hex(b"phys on"));
                assert_eq!(
                    c.ask(phys.as_bytes()).as_deref(),
                    Some("OK"),
                    "monitor phys on"
                );
                let code: Vec<u8> = GUEST.iter().flat_map(|w| w.to_be_bytes()).collect();
                let read = format!("m{ENTRY:x},{:x}", code.len());
                assert_eq!(c.ask(read.as_bytes()), Some(hex(&code)), "the guest's code");
            }
            return;
        }
        // No answer is fine only from a stub that `kill` or `monitor quit` ended.
        let finished = || {
            SERVER
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .is_none_or(|s| s.thread.is_finished())
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(finished(), "the stub stopped answering");
    }
    panic!("no stub would serve a client");
}

fuzz_target!(|pieces: Vec<Piece>| {
    let pieces = &pieces[..pieces.len().min(64)];
    if let Some(mut client) = Client::connect(&server()) {
        for piece in pieces {
            if client.stream.write_all(&piece.bytes()).is_err() {
                break;
            }
            if let Reply::Gone = client.reply(Duration::from_millis(20)) {
                break;
            }
        }
        let _ = client.stream.shutdown(std::net::Shutdown::Both);
    }
    check_next_client(!pieces.iter().any(writes_memory));
});
