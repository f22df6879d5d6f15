//! A guest's console: run a machine (vmgdb or QEMU) to its end with stdin
//! closed, collecting what it prints, and show where two consoles differ.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Longest a single guest run may take before it counts as hung.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// What one run of a guest produced.
pub struct Run {
    pub output: Vec<u8>,
    pub status: ExitStatus,
}

/// Run `cmd` with stdin closed, collecting stdout, killing it after RUN_TIMEOUT.
pub fn run(what: &str, mut cmd: Command) -> Run {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let partial = reader.join().unwrap_or_default();
            panic!(
                "{what} did not finish within {RUN_TIMEOUT:?}; its output so far:\n{}",
                String::from_utf8_lossy(&partial)
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    let output = reader.join().expect("reader thread");
    Run { output, status }
}

/// A readable line diff: the common head and tail are skipped and the block
/// between them is shown as QEMU's lines (-) against vmgdb's (+).
pub fn diff(qemu: &[u8], vmgdb: &[u8]) -> String {
    const SHOWN: usize = 40;
    let q = String::from_utf8_lossy(qemu);
    let v = String::from_utf8_lossy(vmgdb);
    let ql: Vec<&str> = q.split_inclusive('\n').collect();
    let vl: Vec<&str> = v.split_inclusive('\n').collect();
    let head = ql.iter().zip(&vl).take_while(|(a, b)| a == b).count();
    let tail = ql[head..]
        .iter()
        .rev()
        .zip(vl[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = format!(
        "QEMU wrote {} bytes, vmgdb {}; first difference at line {}\n",
        qemu.len(),
        vmgdb.len(),
        head + 1
    );
    if head > 0 {
        out += &format!("  {}", ql[head - 1].trim_end_matches(['\r', '\n']));
        out.push('\n');
    }
    for (sign, lines) in [
        ('-', &ql[head..ql.len() - tail]),
        ('+', &vl[head..vl.len() - tail]),
    ] {
        for line in lines.iter().take(SHOWN) {
            out += &format!("{sign} {:?}\n", line.trim_end_matches(['\r', '\n']));
        }
        if lines.len() > SHOWN {
            out += &format!("{sign} ... {} more lines\n", lines.len() - SHOWN);
        }
    }
    out
}
