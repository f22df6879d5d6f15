//! Child processes for tests: their output collected as it arrives, every wait
//! bounded by [`WATCHDOG`].

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use wait_timeout::ChildExt;

/// Longest any single wait may take before the test fails.
pub const WATCHDOG: Duration = Duration::from_secs(120);

/// Fail with an install hint unless `tool --version` runs; `package` is the
/// Debian package that has it.
pub fn require(tool: &str, package: &str) {
    let ok = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "`{tool}` is needed here and was not found: install it with `apt-get install {package}`"
    );
}

/// Text that arrives over time from pipes, and waiting for it.
#[derive(Clone, Default)]
pub struct Collected(Arc<(Mutex<Inner>, Condvar)>);

#[derive(Default)]
struct Inner {
    text: String,
    /// Pipes that reached end of file.
    closed: usize,
}

impl Collected {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0 .0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Copy `pipe` into the text from a thread of its own, a line at a time.
    pub fn spawn_reader(&self, pipe: impl Read + Send + 'static) {
        let me = self.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(pipe);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                let n = r.read_until(b'\n', &mut buf).unwrap_or(0);
                let mut inner = me.lock();
                if n == 0 {
                    inner.closed += 1;
                    me.0 .1.notify_all();
                    break;
                }
                inner.text.push_str(&String::from_utf8_lossy(&buf));
                me.0 .1.notify_all();
            }
        });
    }

    /// Everything so far.
    pub fn text(&self) -> String {
        self.lock().text.clone()
    }

    fn wait_until(&self, what: &str, done: impl Fn(&Inner) -> bool) -> String {
        let guard = self.lock();
        let (guard, timeout) = self
            .0
             .1
            .wait_timeout_while(guard, WATCHDOG, |i| !done(i))
            .unwrap_or_else(|p| p.into_inner());
        assert!(!timeout.timed_out(), "never saw {what} in:\n{}", guard.text);
        guard.text.clone()
    }

    /// Block until the text contains `needle`; returns all the text.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_until(&format!("{needle:?}"), |i| i.text.contains(needle))
    }

    /// Block until the text contains `needle` `count` times.
    pub fn wait_for_count(&self, needle: &str, count: usize) -> String {
        self.wait_until(&format!("{count} times {needle:?}"), |i| {
            i.text.matches(needle).count() >= count
        })
    }

    /// Block until `pipes` pipes are closed; returns all the text.
    pub fn wait_closed(&self, pipes: usize) -> String {
        self.wait_until("end of output", |i| i.closed >= pipes)
    }
}

/// A child process with stdout and stderr collected separately; killed when
/// dropped.
pub struct Proc {
    pub child: Child,
    pub stdout: Collected,
    pub stderr: Collected,
    what: String,
}

impl Proc {
    /// Start `cmd` (stdin closed, stdout and stderr piped); `what` names it in
    /// failures.
    pub fn spawn(what: &str, mut cmd: Command) -> Proc {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let stdout = Collected::default();
        let stderr = Collected::default();
        if let Some(p) = child.stdout.take() {
            stdout.spawn_reader(p);
        }
        if let Some(p) = child.stderr.take() {
            stderr.spawn_reader(p);
        }
        Proc {
            child,
            stdout,
            stderr,
            what: what.to_string(),
        }
    }

    /// Wait for the process to exit and its output to end.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let status = match self.child.wait_timeout(WATCHDOG) {
            Ok(Some(s)) => s,
            _ => {
                let _ = self.child.kill();
                panic!(
                    "{} did not exit; stdout:\n{}\nstderr:\n{}",
                    self.what,
                    self.stdout.text(),
                    self.stderr.text()
                );
            }
        };
        self.stdout.wait_closed(1);
        self.stderr.wait_closed(1);
        status
    }

    /// Whether the process still runs.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Send a signal by name ("INT", "KILL", ...).
    pub fn signal(&self, sig: &str) {
        signal(&self.child, sig);
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Send `sig` (a name such as "INT") to `child`.
pub fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill -{sig} {} failed", child.id());
}
