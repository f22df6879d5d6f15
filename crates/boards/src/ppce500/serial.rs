//! The host side of a UART: where the guest's transmitted bytes go and where the
//! bytes it receives come from.
//!
//! Output goes to any [`Write`] (the process's stdout for `vmgdb run`, a
//! [`Capture`] in tests), written and flushed byte by byte so a prompt without a
//! newline shows at once. Input is an [`InputQueue`] that some producer fills — a
//! reader thread on stdin ([`spawn_reader`]), `vmgdb run`'s console, a test — and
//! that the UART drains as its receiver has room.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Bytes waiting for the guest; cloning gives another handle on the same queue.
///
/// The queue also tells the machine when to look at it: every push sets the
/// flags [attached](InputQueue::notify) to it (the vCPU's kick flag, so a running
/// guest notices input at once), and a machine whose guest idles waiting for
/// input blocks in [`InputQueue::wait_for_input`] until bytes arrive, the
/// producer [closes](InputQueue::close) the queue, or someone [wakes](InputQueue::wake) it.
#[derive(Clone, Debug, Default)]
pub struct InputQueue(Arc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<QueueState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct QueueState {
    bytes: VecDeque<u8>,
    /// Counts pushes and the close, so a waiter can tell whether anything came.
    generation: u64,
    /// No producer will push again.
    closed: bool,
    /// A wake-up nobody has waited for yet.
    woken: bool,
    notify: Vec<Arc<AtomicBool>>,
}

impl InputQueue {
    /// An empty queue, open (its producer may push).
    pub fn new() -> InputQueue {
        InputQueue::default()
    }

    /// An empty queue nothing will ever push to.
    pub fn closed() -> InputQueue {
        let queue = InputQueue::new();
        queue.close();
        queue
    }

    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // A producer that panicked leaves whole bytes behind: keep using them.
        self.0
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queue `bytes` for the guest.
    pub fn push(&self, bytes: &[u8]) {
        let mut state = self.lock();
        state.bytes.extend(bytes);
        state.generation += 1;
        for flag in &state.notify {
            flag.store(true, Ordering::SeqCst);
        }
        drop(state);
        self.0.changed.notify_all();
    }

    /// The producer is gone: nothing more will arrive.
    pub fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.generation += 1;
        drop(state);
        self.0.changed.notify_all();
    }

    /// Whether the producer is gone.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Set `flag` on every later push.
    pub fn notify(&self, flag: Arc<AtomicBool>) {
        self.lock().notify.push(flag);
    }

    /// Take the next byte, if any.
    pub fn pop(&self) -> Option<u8> {
        self.lock().bytes.pop_front()
    }

    /// Whether no byte waits.
    pub fn is_empty(&self) -> bool {
        self.lock().bytes.is_empty()
    }

    /// A count that changes with every push and with the close.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Block until the generation differs from `seen` (input came or the queue
    /// closed) or [`InputQueue::wake`] is called.
    pub fn wait_for_input(&self, seen: u64) {
        let mut state = self.lock();
        while state.generation == seen && !state.woken {
            state = self
                .0
                .changed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        state.woken = false;
    }

    /// Make a current (or the next) [`InputQueue::wait_for_input`] return.
    pub fn wake(&self) {
        self.lock().woken = true;
        self.0.changed.notify_all();
    }
}

/// Start a thread that copies everything `source` yields into `queue` until end
/// of file or a read error, then closes the queue.
pub fn spawn_reader(
    mut source: impl Read + Send + 'static,
    queue: InputQueue,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("serial-input".into())
        .spawn(move || {
            let mut buf = [0u8; 256];
            loop {
                match source.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => queue.push(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        tracing::warn!("serial input stopped: {e}");
                        break;
                    }
                }
            }
            tracing::debug!("serial input reached end of file");
            queue.close();
        })
}

/// A cloneable in-memory sink that records what the guest transmitted.
#[derive(Clone, Debug, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// An empty capture.
    pub fn new() -> Capture {
        Capture::default()
    }

    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.contents()).into_owned()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One serial line as the host sees it: an output sink and an input queue.
pub struct SerialLine {
    output: Box<dyn Write + Send>,
    input: InputQueue,
    /// The sink failed once (e.g. a closed pipe): later bytes are dropped quietly.
    broken: bool,
}

impl SerialLine {
    /// A line writing to `output` and reading from `input`.
    pub fn new(output: impl Write + Send + 'static, input: InputQueue) -> SerialLine {
        SerialLine {
            output: Box::new(output),
            input,
            broken: false,
        }
    }

    /// A line whose output is discarded and which never receives anything.
    pub fn null() -> SerialLine {
        SerialLine::new(std::io::sink(), InputQueue::closed())
    }

    /// The process's stdout, with stdin copied into the input queue by a thread.
    pub fn stdio() -> std::io::Result<SerialLine> {
        let input = InputQueue::new();
        spawn_reader(std::io::stdin(), input.clone())?;
        Ok(SerialLine::new(std::io::stdout(), input))
    }

    /// The queue the guest reads from.
    pub fn input(&self) -> &InputQueue {
        &self.input
    }

    /// Send one byte the guest transmitted to the host.
    pub(crate) fn transmit(&mut self, byte: u8) {
        if self.broken {
            return;
        }
        let written = self
            .output
            .write_all(&[byte])
            .and_then(|_| self.output.flush());
        if let Err(e) = written {
            tracing::warn!("serial output failed, dropping further output: {e}");
            self.broken = true;
        }
    }

    /// The next byte for the guest, if one waits.
    pub(crate) fn receive(&mut self) -> Option<u8> {
        self.input.pop()
    }
}

impl std::fmt::Debug for SerialLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialLine")
            .field("input", &self.input)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_is_fifo_and_shared_between_clones() {
        let q = InputQueue::new();
        let other = q.clone();
        q.push(b"ab");
        assert!(!other.is_empty());
        assert_eq!(other.pop(), Some(b'a'));
        assert_eq!(q.pop(), Some(b'b'));
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn reader_thread_copies_everything_until_eof() {
        let q = InputQueue::new();
        let handle = spawn_reader(&b"hello\n"[..], q.clone()).unwrap();
        handle.join().unwrap();
        assert!(q.is_closed(), "end of file closes the queue");
        let mut got = Vec::new();
        while let Some(b) = q.pop() {
            got.push(b);
        }
        assert_eq!(got, b"hello\n");
    }

    #[test]
    fn line_transmits_to_its_sink_and_receives_from_its_queue() {
        let capture = Capture::new();
        let input = InputQueue::new();
        let mut line = SerialLine::new(capture.clone(), input.clone());
        line.transmit(b'x');
        line.transmit(b'\n');
        assert_eq!(capture.contents(), b"x\n");
        assert_eq!(line.receive(), None);
        input.push(b"y");
        assert_eq!(line.receive(), Some(b'y'));
        assert_eq!(line.receive(), None);
    }

    #[test]
    fn pushes_notify_and_wake_waiters() {
        let q = InputQueue::new();
        let flag = Arc::new(AtomicBool::new(false));
        q.notify(flag.clone());
        let seen = q.generation();
        let producer = {
            let q = q.clone();
            std::thread::spawn(move || q.push(b"k"))
        };
        q.wait_for_input(seen);
        producer.join().unwrap();
        assert!(flag.load(Ordering::SeqCst));
        assert_ne!(q.generation(), seen);
        // A wake-up ends a wait without input; closing ends every later one.
        let seen = q.generation();
        q.wake();
        q.wait_for_input(seen);
        assert!(!q.is_closed());
        q.close();
        q.wait_for_input(seen);
        assert!(q.is_closed());
        assert!(InputQueue::closed().is_closed());
    }

    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_sink_is_dropped_not_fatal() {
        let mut line = SerialLine::new(Broken, InputQueue::new());
        line.transmit(b'a');
        line.transmit(b'b');
        assert!(line.broken);
    }
}
