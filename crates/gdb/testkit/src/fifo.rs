//! A named pipe a background GDB blocks on (`shell cat FIFO`) until the test
//! lets it go: how a test holds a GDB session open at a chosen point.

use std::path::PathBuf;
use std::process::Command;

/// A FIFO in the temporary directory, removed when dropped.
pub struct Fifo(pub PathBuf);

impl Fifo {
    pub fn new(name: &str) -> Fifo {
        let path = crate::scratch_path(name);
        let ok = Command::new("mkfifo")
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "mkfifo {} failed", path.display());
        Fifo(path)
    }

    /// Let the reader go, now or whenever it comes. Never blocks the caller:
    /// opening a FIFO for writing waits for a reader, so a thread of its own
    /// does it (a GDB killed before it reached [`Fifo::shell_wait`] never
    /// comes, and leaves that thread waiting until the test process ends).
    pub fn release(&self) {
        let path = self.0.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(path) {
                let _ = f.write_all(b"go\n");
            }
        });
    }

    /// The GDB command that waits for [`Fifo::release`].
    pub fn shell_wait(&self) -> String {
        format!("shell cat {} > /dev/null", self.0.display())
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
