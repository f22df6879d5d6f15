//! The client connection as `gdbstub` sees it: buffered both ways (gdbstub reads
//! and writes one byte at a time; each reply leaves in one `write`), with a
//! non-blocking look for input while the guest runs, and a short busy look for
//! the next packet before sleeping (see [`Conn::read_byte`]). What the client
//! sends goes through [`Framer`] first: damaged packets are answered with `-`,
//! the client's `-` with the last reply again, and only checked packets reach
//! `gdbstub`.

use crate::endpoint::Stream;
use crate::framing::{self, Action, Framer};
use gdbstub::conn::Connection;
use rustix::net::RecvFlags;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

const INPUT_BUFFER: usize = 16 * 1024;
/// How long to look for the client's next packet before sleeping until it comes.
const SPIN: Duration = Duration::from_micros(500);

pub(crate) struct Conn {
    stream: Stream,
    input: Box<[u8]>,
    start: usize,
    end: usize,
    output: Vec<u8>,
    framer: Framer,
    /// Checked bytes for gdbstub.
    ready: VecDeque<u8>,
    /// The last packet sent, for the client's `-`.
    last_packet: Vec<u8>,
}

impl Conn {
    pub fn new(stream: Stream, settings: crate::settings::Shared) -> Conn {
        Conn {
            stream,
            input: vec![0; INPUT_BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            output: Vec::with_capacity(4096),
            framer: Framer::new(settings),
            ready: VecDeque::new(),
            last_packet: Vec::new(),
        }
    }

    /// The next checked byte from the client for gdbstub, waiting for it.
    pub fn read_byte(&mut self) -> io::Result<u8> {
        loop {
            if let Some(b) = self.ready.pop_front() {
                return Ok(b);
            }
            let raw = self.read_raw_byte()?;
            match self.framer.push(raw) {
                Action::None => {}
                Action::Feed(bytes) => self.ready.extend(bytes),
                Action::Nak => {
                    tracing::debug!("gdb: damaged packet from the client; asked for it again");
                    self.stream.write_all(b"-")?;
                }
                Action::Resend => {
                    tracing::debug!("gdb: the client asked for the last reply again");
                    self.stream.write_all(&self.last_packet)?;
                }
                Action::Reply { ack, packet } => {
                    let mut out = Vec::with_capacity(packet.len() + 1);
                    if ack {
                        out.push(b'+');
                    }
                    out.extend_from_slice(&packet);
                    self.stream.write_all(&out)?;
                    self.last_packet = packet;
                }
            }
        }
    }

    /// The next byte the client sent, waiting for it. End of stream is an error.
    fn read_raw_byte(&mut self) -> io::Result<u8> {
        if self.start == self.end {
            // While GDB talks to us it sends its next packet within microseconds of
            // our reply, sooner than the kernel can put us to sleep and wake us up
            // again (tens of microseconds on a virtual machine): look for it, without
            // sleeping, for a bounded moment before blocking in the kernel. This
            // doubles stepi and breakpoint round trips; an idle GDB costs nothing
            // after the first SPIN.
            let spin_until = Instant::now() + SPIN;
            while Instant::now() < spin_until && !self.has_input() {
                std::hint::spin_loop();
            }
            if self.start < self.end {
                let b = self.input[self.start];
                self.start += 1;
                return Ok(b);
            }
            let n = loop {
                match self.stream.read(&mut self.input) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other?,
                }
            };
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.start = 0;
            self.end = n;
        }
        let b = self.input[self.start];
        self.start += 1;
        Ok(b)
    }

    /// Whether a byte (or end of stream, or an error) is ready, without blocking.
    pub fn has_input(&mut self) -> bool {
        if !self.ready.is_empty() || self.start < self.end {
            return true;
        }
        match rustix::net::recv(&self.stream, &mut self.input[..], RecvFlags::DONTWAIT) {
            Ok((n, _)) => {
                self.start = 0;
                self.end = n;
                // Zero bytes is end of stream: report it so the next read sees it.
                true
            }
            Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => false,
            Err(_) => true,
        }
    }
}

impl Connection for Conn {
    type Error = io::Error;

    fn write(&mut self, byte: u8) -> io::Result<()> {
        self.output.push(byte);
        Ok(())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.output.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(p) = framing::last_packet(&self.output) {
            self.last_packet.clear();
            self.last_packet.extend_from_slice(p);
        }
        let r = self.stream.write_all(&self.output);
        self.output.clear();
        r
    }
}
