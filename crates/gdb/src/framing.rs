//! The remote protocol's framing, checked before `gdbstub` sees a byte.
//!
//! `gdbstub` 0.7 ends the session on anything it cannot parse: a packet with a
//! bad checksum, the client's `-` (asking for the last reply again), a command
//! it does not know how to parse (a bare `qSupported`). A noisy link or an odd
//! client must not cost the session, so the stub wraps `gdbstub` (it is not
//! patched) with this layer: [`Framer`] takes the client's raw bytes and says
//! what to do with each complete unit:
//!
//! * `$body#cs` with a good checksum is passed on (rewritten where `gdbstub`
//!   would fail or do too much: a bare `qSupported` gets an empty feature, and a
//!   memory read `m` asks for at most [`MAX_READ`] bytes, as QEMU caps it — GDB
//!   splits its reads by the packet size it was told);
//! * a bad checksum is answered with `-` (GDB sends the packet again);
//! * the client's `-` is answered by sending the last reply again;
//! * QEMU's own packets (`qqemu.sstep`, `Qqemu.PhyMemMode:1`, ...) are answered
//!   here from the session's [`Settings`], acknowledged with `+` until the
//!   client has switched to no-ack mode;
//! * `+` and Ctrl-C (0x03) pass on; bytes outside a packet are dropped.

/// The most a memory read returns: its hex reply fits the advertised packet size.
pub const MAX_READ: usize = (crate::server::PACKET_SIZE - 16) / 2;

/// Longest packet body accepted; a longer one is dropped (answered with `-`).
const MAX_BODY: usize = crate::server::PACKET_SIZE - 4;

/// What to do after a byte from the client.
use crate::settings;

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing yet (inside a packet, or junk dropped).
    None,
    /// Give `gdbstub` these bytes.
    Feed(Vec<u8>),
    /// Tell the client the packet was damaged (`-`).
    Nak,
    /// Send the last reply again.
    Resend,
    /// Send this to the client (an acknowledgement if due, then the framed
    /// reply, which is the last reply from now on).
    Reply { ack: bool, packet: Vec<u8> },
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Outside,
    Body,
    Checksum(Option<u8>),
}

/// The client's bytes, one packet at a time.
#[derive(Debug, Default)]
pub struct Framer {
    state: State,
    body: Vec<u8>,
    /// The session's settings, which QEMU's packets read and set.
    settings: settings::Shared,
    /// The client asked for no-ack mode (`gdbstub` grants it).
    no_ack: bool,
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn checksum(body: &[u8]) -> u8 {
    body.iter().fold(0u8, |s, b| s.wrapping_add(*b))
}

/// `$body#cs` for `body`.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(b'$');
    out.extend_from_slice(body);
    out.extend_from_slice(format!("#{:02x}", checksum(body)).as_bytes());
    out
}

/// The body `gdbstub` should get for the client's `body`.
fn rewrite(body: &[u8]) -> Vec<u8> {
    if body == b"qSupported" {
        // Valid per the protocol (no features); gdbstub wants at least one.
        return b"qSupported:swbreak+".to_vec();
    }
    if let Some(args) = body.strip_prefix(b"m") {
        if let Some(capped) = cap_read(args) {
            return capped;
        }
    }
    body.to_vec()
}

/// `mADDR,LEN` with LEN over [`MAX_READ`]: the same read, capped.
fn cap_read(args: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(args).ok()?;
    let (addr, len) = text.split_once(',')?;
    let n = usize::from_str_radix(len, 16).ok();
    // A length too long to parse is a huge read too.
    let too_long = n.is_none_or(|n| n > MAX_READ) && len.bytes().all(|b| hex(b).is_some());
    too_long.then(|| format!("m{addr},{MAX_READ:x}").into_bytes())
}

impl Framer {
    /// A framer for a session with `settings`.
    pub fn new(settings: settings::Shared) -> Framer {
        Framer {
            settings,
            ..Framer::default()
        }
    }

    /// A packet passed its checksum: answer it here or pass it on.
    fn checked(&mut self) -> Action {
        if let Some(reply) = settings::answer(&self.settings, &self.body) {
            return Action::Reply {
                ack: !self.no_ack,
                packet: frame(&reply),
            };
        }
        if self.body == b"QStartNoAckMode" {
            self.no_ack = true;
        }
        Action::Feed(frame(&rewrite(&self.body)))
    }

    /// Take one byte from the client.
    pub fn push(&mut self, byte: u8) -> Action {
        match self.state {
            State::Outside => match byte {
                b'$' => {
                    self.body.clear();
                    self.state = State::Body;
                    Action::None
                }
                b'+' | 0x03 => Action::Feed(vec![byte]),
                b'-' => Action::Resend,
                _ => Action::None,
            },
            State::Body => match byte {
                b'#' => {
                    self.state = State::Checksum(None);
                    Action::None
                }
                // A new packet start inside a packet: the first one was cut short.
                b'$' => {
                    self.body.clear();
                    Action::Nak
                }
                _ if self.body.len() >= MAX_BODY => {
                    self.state = State::Outside;
                    Action::Nak
                }
                _ => {
                    self.body.push(byte);
                    Action::None
                }
            },
            State::Checksum(None) => match hex(byte) {
                Some(h) => {
                    self.state = State::Checksum(Some(h));
                    Action::None
                }
                None => {
                    self.state = State::Outside;
                    Action::Nak
                }
            },
            State::Checksum(Some(high)) => {
                self.state = State::Outside;
                match hex(byte) {
                    Some(low) if high << 4 | low == checksum(&self.body) => self.checked(),
                    _ => Action::Nak,
                }
            }
        }
    }
}

/// The last complete packet in what the stub wrote, to send again on `-`.
pub fn last_packet(output: &[u8]) -> Option<&[u8]> {
    let start = output.iter().rposition(|&b| b == b'$')?;
    let packet = &output[start..];
    (packet.len() >= 4 && packet[packet.len() - 3] == b'#').then_some(packet)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_all(f: &mut Framer, bytes: &[u8]) -> Vec<Action> {
        bytes
            .iter()
            .map(|&b| f.push(b))
            .filter(|a| *a != Action::None)
            .collect()
    }

    #[test]
    fn good_packets_pass_and_damaged_ones_are_naked() {
        let mut f = Framer::default();
        assert_eq!(
            push_all(&mut f, b"+$g#67"),
            [Action::Feed(b"+".to_vec()), Action::Feed(b"$g#67".to_vec())]
        );
        assert_eq!(push_all(&mut f, b"$g#68"), [Action::Nak]);
        assert_eq!(push_all(&mut f, b"$g#zz"), [Action::Nak]);
        assert_eq!(
            push_all(&mut f, b"junk\x03-"),
            [Action::Feed(vec![3]), Action::Resend]
        );
        assert_eq!(
            push_all(&mut f, b"$g$g#67"),
            [Action::Nak, Action::Feed(b"$g#67".to_vec())]
        );
    }

    #[test]
    fn what_gdbstub_would_choke_on_is_rewritten() {
        let mut f = Framer::default();
        assert_eq!(
            push_all(&mut f, &frame(b"qSupported")),
            [Action::Feed(frame(b"qSupported:swbreak+"))]
        );
        let capped = frame(format!("m0,{MAX_READ:x}").as_bytes());
        assert_eq!(
            push_all(&mut f, &frame(b"m0,ffffffff")),
            [Action::Feed(capped.clone())]
        );
        assert_eq!(
            push_all(&mut f, &frame(b"m0,fffffffffffffffffffff")),
            [Action::Feed(capped)]
        );
        assert_eq!(
            push_all(&mut f, &frame(b"m100,4")),
            [Action::Feed(frame(b"m100,4"))]
        );
    }

    #[test]
    fn the_last_reply_is_found_for_a_resend() {
        assert_eq!(last_packet(b"+$OK#9a"), Some(&b"$OK#9a"[..]));
        assert_eq!(last_packet(b"+"), None);
        assert_eq!(last_packet(b"$O"), None);
    }
}
