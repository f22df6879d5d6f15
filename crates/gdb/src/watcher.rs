//! The watcher: one thread blocked in poll(2) on the listening socket, the
//! attached client (while the guest runs) and a wake-up socket. No timeouts,
//! no polling loops.
//!
//! * A connection while no session is attached becomes the pending session and
//!   kicks the machine, so a running guest stops for the debugger.
//! * A connection while a session is attached is handed to a short-lived
//!   thread, and the attached session never notices. Once the new client has
//!   said something (GDB opens with `+` and `qSupported`), the attached client
//!   gets [`CONTEND_GRACE`] to hang up: if it does, the new one takes over when
//!   its session ends; if not, the new one gets a refusal (an `E.` reply GDB
//!   prints). Deciding when the new client speaks, rather than when it
//!   connects, matters: a client whose socket a child process inherited (any
//!   client that spawns processes) stays connected, for the kernel, until that
//!   child execs or exits. A queued connection that hangs up before its
//!   session starts gives its place to the next.
//! * While the main thread runs the guest for the attached client, input from
//!   that client (Ctrl-C, a packet, a hang-up) kicks the machine once.
//!
//! The kick is only a hint: the main thread looks at the socket itself before
//! deciding anything, so a kick that races with another stop is harmless.

use crate::endpoint::{Listener, Stream};
use crate::machine::Kick;
use rustix::event::{PollFd, PollFlags};
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What a second client is told.
pub const BUSY_MESSAGE: &str = "vmgdb: another debugger is already attached";
/// Refusals in progress at most; beyond that a new connection is just closed.
const MAX_REFUSING: usize = 8;
/// How long a refused client gets to send its first packet, and then to hang
/// up after the refusal.
const REFUSAL_READ_TIMEOUT: Duration = Duration::from_secs(2);
/// How long, after a new client first speaks, the attached one gets to hang up
/// before the new one is refused (a take-over happens at the hang-up).
const CONTEND_GRACE: Duration = Duration::from_millis(500);

#[derive(Default)]
struct State {
    /// A session is attached (or accepted and not yet picked up).
    busy: bool,
    /// The accepted connection waiting for the main thread.
    pending: Option<Stream>,
    /// The attached client, polled while `armed`.
    client: Option<Arc<Stream>>,
    armed: bool,
    shutdown: bool,
}

struct Shared {
    state: Mutex<State>,
    arrived: Condvar,
    kicker: Arc<dyn Kick>,
    refusing: Arc<AtomicUsize>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave State inconsistent: every field is
        // written in one assignment.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue `stream` for the next session if there is room: no session, or
    /// one whose client has hung up (a client that reconnects at once, as GDB's
    /// `disconnect` then `target remote`, may arrive before the main thread has
    /// seen the old one go), or a queued one that has hung up already.
    fn offer(&self, stream: Stream) -> Result<(), Stream> {
        let mut st = self.lock();
        let successor = match &st.pending {
            Some(queued) => hung_up(queued),
            None => st.client.as_deref().is_some_and(hung_up),
        };
        if st.busy && !successor {
            return Err(stream);
        }
        st.busy = true;
        st.pending = Some(stream);
        drop(st);
        tracing::info!("gdb: debugger connected");
        self.arrived.notify_all();
        self.kicker.kick();
        Ok(())
    }

    /// A handle on the connection that keeps a new client out: the queued one,
    /// or else the attached one.
    fn obstacle(&self) -> Option<Stream> {
        let st = self.lock();
        match (&st.pending, &st.client) {
            (Some(queued), _) => queued.try_clone().ok(),
            (None, Some(client)) => client.try_clone().ok(),
            (None, None) => None,
        }
    }
}

/// Handle on the watcher thread; dropping it stops the thread.
pub(crate) struct Watcher {
    shared: Arc<Shared>,
    wake: UnixStream,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Start watching `listener`; `kicker` interrupts the machine.
    pub fn spawn(listener: Listener, kicker: Arc<dyn Kick>) -> io::Result<Watcher> {
        let (wake, wake_rx) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        wake_rx.set_nonblocking(true)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            arrived: Condvar::new(),
            kicker,
            refusing: Arc::new(AtomicUsize::new(0)),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("vmgdb-gdb-watch".into())
            .spawn(move || watch_loop(&s, &listener, &wake_rx))?;
        Ok(Watcher {
            shared,
            wake,
            thread: Some(thread),
        })
    }

    fn poke(&self) {
        // A full buffer already holds a wake-up: nothing to add.
        let _ = (&self.wake).write(&[1]);
    }

    /// The queued connection, if any, now the attached client (see [`claim`]).
    pub fn take_pending(&self) -> Option<Stream> {
        claim(&mut self.shared.lock())
    }

    /// Wait for a connection; it is the attached client from now on.
    pub fn wait_pending(&self) -> Stream {
        let mut st = self.shared.lock();
        loop {
            if let Some(s) = claim(&mut st) {
                return s;
            }
            st = self
                .shared
                .arrived
                .wait(st)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The session ended: accept the next client.
    pub fn detach(&self) {
        {
            let mut st = self.shared.lock();
            st.busy = st.pending.is_some();
            st.client = None;
            st.armed = false;
        }
        self.poke();
    }

    /// Kick the machine (once) when the attached client sends something.
    pub fn arm(&self, on: bool) {
        self.shared.lock().armed = on;
        if on {
            self.poke();
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.shared.lock().shutdown = true;
        self.poke();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Hand the queued connection to the main thread for a session, and watch it as
/// the attached client from the same moment: a connection arriving meanwhile is
/// judged against it (refused while it is live, queued once it has hung up).
fn claim(st: &mut State) -> Option<Stream> {
    let stream = st.pending.take()?;
    match stream.try_clone() {
        Ok(handle) => {
            st.client = Some(Arc::new(handle));
            st.armed = false;
            Some(stream)
        }
        Err(e) => {
            tracing::warn!("gdb: cannot watch the client socket: {e}");
            st.busy = false;
            None
        }
    }
}

fn watch_loop(shared: &Arc<Shared>, listener: &Listener, wake: &UnixStream) {
    loop {
        let client = {
            let st = shared.lock();
            if st.shutdown {
                return;
            }
            st.client.clone().filter(|_| st.armed)
        };
        let mut fds = vec![
            PollFd::new(listener, PollFlags::IN),
            PollFd::new(wake, PollFlags::IN),
        ];
        if let Some(c) = &client {
            fds.push(PollFd::new(&**c, PollFlags::IN));
        }
        match rustix::event::poll(&mut fds, None) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => {
                tracing::error!("gdb watcher: poll failed: {e}");
                return;
            }
        }
        let ready = |i: usize| fds.get(i).is_some_and(|f| !f.revents().is_empty());
        let (accept, woken, client_ready) = (ready(0), ready(1), ready(2));
        drop(fds);
        if woken {
            let mut sink = [0u8; 64];
            while matches!((&*wake).read(&mut sink), Ok(n) if n > 0) {}
        }
        if accept {
            accept_all(shared, listener);
        }
        if client_ready {
            let mut st = shared.lock();
            if st.armed {
                st.armed = false;
                shared.kicker.kick();
            }
        }
    }
}

/// Take every queued connection: the first becomes the session if none is
/// attached, the others contend for the next (see [`contend`]).
fn accept_all(shared: &Arc<Shared>, listener: &Listener) {
    loop {
        let stream = match listener.accept() {
            Ok(s) => s,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                tracing::warn!("gdb: accept failed: {e}");
                return;
            }
        };
        if let Err(stream) = shared.offer(stream) {
            contend(shared, stream);
        }
    }
}

/// Wait up to `wait` for any of `flags` on `stream`; the events seen.
fn poll_within(stream: &Stream, flags: PollFlags, wait: Duration) -> PollFlags {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let timeout = rustix::event::Timespec {
            tv_sec: left.as_secs() as i64,
            tv_nsec: left.subsec_nanos() as i64,
        };
        let mut fds = [PollFd::new(stream, flags)];
        match rustix::event::poll(&mut fds, Some(&timeout)) {
            Ok(n) if n > 0 => return fds[0].revents(),
            Err(rustix::io::Errno::INTR) if !left.is_zero() => continue,
            _ => return PollFlags::empty(),
        }
    }
}

/// Whether the peer of `client` has closed its end (it will send nothing more),
/// waiting up to `wait` for it to.
fn hangs_up_within(client: &Stream, wait: Duration) -> bool {
    poll_within(client, PollFlags::RDHUP, wait)
        .intersects(PollFlags::RDHUP | PollFlags::HUP | PollFlags::ERR)
}

/// Whether the peer of `client` has closed its end already.
fn hung_up(client: &Stream) -> bool {
    hangs_up_within(client, Duration::ZERO)
}

/// A client arrived while another is attached or queued: from its own thread
/// (so a client that never sends anything cannot hold up the watcher), let it
/// in if room appears in time ([`wait_for_room`]); tell it the stub is busy if
/// not.
fn contend(shared: &Arc<Shared>, stream: Stream) {
    let refusing = shared.refusing.clone();
    if refusing.fetch_add(1, Ordering::SeqCst) >= MAX_REFUSING {
        refusing.fetch_sub(1, Ordering::SeqCst);
        stream.shutdown(Shutdown::Both);
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("vmgdb-gdb-contend".into())
        .spawn({
            let shared = shared.clone();
            move || {
                if let Err(stream) = wait_for_room(&shared, stream) {
                    tracing::info!("gdb: refusing a second debugger");
                    send_refusal(stream);
                }
                refusing.fetch_sub(1, Ordering::SeqCst);
            }
        });
    if spawned.is_err() {
        shared.refusing.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Once `stream`'s client has spoken, give whichever connection keeps it out
/// (queued or attached) [`CONTEND_GRACE`] to hang up, and queue it when one
/// does. Nothing is read: a client that gets in keeps its first packet for its
/// session.
fn wait_for_room(shared: &Shared, mut stream: Stream) -> Result<(), Stream> {
    if !poll_within(&stream, PollFlags::IN, REFUSAL_READ_TIMEOUT).contains(PollFlags::IN) {
        return Err(stream);
    }
    let deadline = Instant::now() + CONTEND_GRACE;
    loop {
        stream = match shared.offer(stream) {
            Ok(()) => return Ok(()),
            Err(s) => s,
        };
        let left = deadline.saturating_duration_since(Instant::now());
        match shared.obstacle() {
            Some(obstacle) if !left.is_zero() && hangs_up_within(&obstacle, left) => {}
            _ => return Err(stream),
        }
    }
}

/// Wait for the client's first packet (GDB opens with `qSupported`), answer it
/// with an error carrying [`BUSY_MESSAGE`], and hang up.
///
/// Only the sending side is closed at first: GDB acknowledges the reply before
/// it shows it, and over a Unix socket that acknowledgement would fail with
/// EPIPE (GDB then reports a broken pipe instead of the message) if the
/// socket were already closed both ways. The client's last bytes are read
/// until it hangs up, or for [`REFUSAL_READ_TIMEOUT`] at most.
fn send_refusal(mut stream: Stream) {
    let _ = stream.set_read_timeout(Some(REFUSAL_READ_TIMEOUT));
    let mut seen = Vec::new();
    let mut buf = [0u8; 512];
    // Read up to the end of one packet: '$' ... '#' and two checksum digits.
    while seen.len() < 4096 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
        let packet_end = seen
            .iter()
            .position(|&b| b == b'$')
            .and_then(|d| seen[d..].iter().position(|&b| b == b'#').map(|h| d + h));
        if packet_end.is_some_and(|h| seen.len() >= h + 3) {
            break;
        }
    }
    let body = format!("E.{BUSY_MESSAGE}");
    let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
    let _ = stream.write_all(format!("+${body}#{sum:02x}").as_bytes());
    stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + REFUSAL_READ_TIMEOUT;
    let mut drained = 0;
    while drained < 4096 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
    stream.shutdown(Shutdown::Both);
}
