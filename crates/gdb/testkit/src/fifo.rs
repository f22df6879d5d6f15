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

    /// Let the reader go.
    pub fn release(&self) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.0)
            .expect("open the FIFO for writing");
        let _ = f.write_all(b"go\n");
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
