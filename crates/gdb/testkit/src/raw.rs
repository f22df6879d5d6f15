//! A hand-driven remote-protocol client, and generated bad input: what GDB
//! itself would never send.

use crate::process::WATCHDOG;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;

/// `$body#checksum`.
pub fn packet(body: &[u8]) -> Vec<u8> {
    let sum = body.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    let mut p = vec![b'$'];
    p.extend_from_slice(body);
    p.extend_from_slice(format!("#{sum:02x}").as_bytes());
    p
}

enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

/// A client connected to a stub over TCP or a Unix socket.
pub struct RawClient {
    stream: Stream,
    pending: Vec<u8>,
}

impl RawClient {
    /// Connect to `target` as GDB's `target remote` takes it: `HOST:PORT`,
    /// `:PORT`, or the path of a Unix socket.
    pub fn connect(target: &str) -> RawClient {
        let stream = if target.starts_with('/') {
            let s = UnixStream::connect(target).unwrap_or_else(|e| panic!("{target}: {e}"));
            s.set_read_timeout(Some(WATCHDOG)).expect("read timeout");
            Stream::Unix(s)
        } else {
            let addr = match target.strip_prefix(':') {
                Some(port) => format!("127.0.0.1:{port}"),
                None => target.to_string(),
            };
            let s = TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
            s.set_read_timeout(Some(WATCHDOG)).expect("read timeout");
            // As GDB does: no waiting for the stub's acknowledgement of a
            // small write before sending the next.
            s.set_nodelay(true).expect("TCP_NODELAY");
            Stream::Tcp(s)
        };
        RawClient {
            stream,
            pending: Vec::new(),
        }
    }

    fn read_some(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.stream {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.stream {
            Stream::Tcp(s) => s.write_all(bytes),
            Stream::Unix(s) => s.write_all(bytes),
        }
    }

    /// A child process holding a copy of this connection (as its stdout), as
    /// any client that spawns processes has one between fork and exec: the
    /// stub sees the connection open until the child ends. The child exits
    /// when its stdin is closed.
    pub fn lend_to_child(&self) -> std::process::Child {
        let copy: std::os::fd::OwnedFd = match &self.stream {
            Stream::Tcp(s) => s.try_clone().expect("dup the socket").into(),
            Stream::Unix(s) => s.try_clone().expect("dup the socket").into(),
        };
        std::process::Command::new("cat")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::from(copy))
            .spawn()
            .expect("spawn cat")
    }

    /// Say no more (the stub sees end of stream) but keep reading.
    pub fn shutdown_write(&self) {
        let _ = match &self.stream {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        };
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
            match self.read_some(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// The next byte the stub sent (an ack, a NAK or part of a packet), or `None`
    /// at end of stream.
    pub fn next_byte(&mut self) -> Option<u8> {
        if self.pending.is_empty() {
            let mut buf = [0u8; 4096];
            match self.read_some(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
            }
        }
        Some(self.pending.remove(0))
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
        while let Ok(n) = self.read_some(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    }
}

/// xorshift64: a fixed sequence, so a failure reproduces.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Commands to mangle: reads and queries, never a resume, kill or restart.
const PREFIXES: &[&str] = &[
    "m",
    "g",
    "p",
    "qXfer:features:read:target.xml:",
    "qXfer:features:read:",
    "qSupported:",
    "qSupported",
    "qRcmd,",
    "H",
    "Hg",
    "Hc",
    "T",
    "vCont?",
    "qAttached",
    "qC",
    "qfThreadInfo",
    "qsThreadInfo",
    "?",
    "qOffsets",
    "qTStatus",
    "vMustReplyEmpty",
    "qSymbol::",
    "vFile:",
    "z0,",
    "z1,",
    "z2,",
    "Z9,",
    "QStartNoAckMode",
    "vAttach;",
    "qL",
    "QThreadEvents:",
    "x",
    "qHostInfo",
];

/// Writes that must be refused whole (bad hex, bad lengths, unmapped).
const MALFORMED_WRITES: &[&str] = &[
    "M100000,4:zzzzzzzz",
    "M100000,4:00",
    "M,4:00000000",
    "X100000,4:",
    "P40=zz",
    "P40=001000",
    "P99999=00000000",
    "Gxyz",
    "G00112233",
    "Z0,zz,4",
    "Z0,10000000,4",
    "Z1,10000000",
    "Z2,100000,3",
    "Z4,100001,4",
    "qRcmd,7",
    "qRcmd,zz",
];

/// One connection's worth of bad input for a stub whose largest packet is
/// `packet_size`: random bytes, mangled queries, packets cut short (the client
/// vanishes mid-packet), bad checksums, oversized packets, malformed writes,
/// acknowledgements and replies out of place, a handshake then nonsense.
pub fn garbage(rng: &mut Rng, packet_size: usize) -> Vec<u8> {
    const CHARS: &[u8] = b"0123456789abcdefABCDEF,:;.-+xX$#}*\x00\xff \x03";
    let tail = |rng: &mut Rng, max: usize| -> Vec<u8> {
        let n = rng.below(max);
        (0..n).map(|_| *rng.pick(CHARS)).collect()
    };
    match rng.below(8) {
        0 => (0..1 + rng.below(300))
            .map(|_| rng.next_u64() as u8)
            .collect(),
        1 => {
            let mut body = rng.pick(PREFIXES).as_bytes().to_vec();
            body.extend(tail(rng, 40));
            packet(&body)
        }
        2 => {
            let mut body = rng.pick(PREFIXES).as_bytes().to_vec();
            body.extend(tail(rng, 40));
            let p = packet(&body);
            let cut = 1 + rng.below(p.len() - 1);
            p[..cut].to_vec()
        }
        3 => {
            let mut p = packet(rng.pick(PREFIXES).as_bytes());
            let n = p.len();
            p[n - 1] = if p[n - 1] == b'0' { b'1' } else { b'0' };
            p
        }
        4 => {
            let mut p = b"$".to_vec();
            p.resize(packet_size + 1 + rng.below(10_000), b'A');
            p.extend_from_slice(b"#00");
            p
        }
        5 => packet(rng.pick(MALFORMED_WRITES).as_bytes()),
        6 => {
            let bits: [&[u8]; 6] = [b"+", b"-", b"\x03", b"$T05#b9", b"$OK#9a", b"$W00#b7"];
            (0..1 + rng.below(6))
                .flat_map(|_| rng.pick(&bits).to_vec())
                .collect()
        }
        _ => {
            let mut p = packet(b"qSupported:multiprocess+");
            p.extend(packet(b"?"));
            p.extend(tail(rng, 200));
            p
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_carry_their_checksum() {
        assert_eq!(packet(b"OK"), b"$OK#9a");
        assert_eq!(packet(b""), b"$#00");
    }

    #[test]
    fn garbage_is_reproducible_and_varied() {
        let run = || {
            let mut rng = Rng(7);
            (0..64).map(|_| garbage(&mut rng, 4096)).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.iter().any(|g| g.len() > 4096), "an oversized packet");
        assert!(
            a.iter().any(|g| g.starts_with(b"$") && !g.contains(&b'#')),
            "a cut packet"
        );
    }
}
