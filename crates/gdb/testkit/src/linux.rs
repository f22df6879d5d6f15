//! The Linux test kernels: `scripts/linux-kernel` builds each flavour once per
//! configuration (from Debian's linux-source-6.1, cached outside the tree) and
//! prints the directory holding `vmlinux`, `uImage`, `initrd.cpio.gz` and the
//! kernel's GDB scripts. `scripts/test` builds them before the tests run, so
//! here the script is a cache hit; run alone, a test builds what is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The product directory of `flavour`'s kernel (built if need be). Panics with
/// the script's own error, which names the missing package or the failing step.
pub fn kernel(flavour: &str) -> PathBuf {
    // One build at a time in this process (the script also locks its cache).
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../scripts/linux-kernel");
    let out = Command::new(&script)
        .arg(flavour)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "scripts/linux-kernel {flavour} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        dir.join("vmlinux").is_file(),
        "scripts/linux-kernel {flavour} printed {}, which has no vmlinux",
        dir.display()
    );
    dir
}

/// A console with what legitimately differs between two boots of the same
/// kernel made comparable: durations the self-tests measure (host time on QEMU,
/// virtual time on vmgdb) and the RTC's date (the host's clock at power-on).
pub fn normalise(console: &str) -> String {
    console.split_inclusive('\n').map(normalise_line).collect()
}

fn normalise_line(line: &str) -> String {
    const DURATIONS: [(&str, &str); 3] =
        [("Time: ", ""), ("bytes in ", " nsec"), ("", "s elapsed")];
    if let Some(at) = line.find("setting system clock to ") {
        return format!("{}setting system clock to <date>\n", &line[..at]);
    }
    let mut out = line.to_string();
    for (before, after) in DURATIONS {
        out = replace_number(&out, before, after);
    }
    out
}

/// Replace each number (digits and dots) that follows `before` and is followed
/// by `after` with `N`.
fn replace_number(line: &str, before: &str, after: &str) -> String {
    let is_num = |c: char| c.is_ascii_digit() || c == '.';
    let mut out = String::new();
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        let prev_is_num = line[..i].chars().next_back().is_some_and(is_num);
        if let Some(num) = rest.strip_prefix(before) {
            let len = num.find(|c: char| !is_num(c)).unwrap_or(num.len());
            let starts_here = !before.is_empty() || !prev_is_num;
            if len > 0 && starts_here && num[len..].starts_with(after) {
                out.push_str(before);
                out.push('N');
                out.push_str(after);
                i += before.len() + len + after.len();
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The lines the init prints for `rounds` rounds of `vmgdb.ptrace=N` when the
/// guest's own IAC breakpoint and DAC watchpoint fire every time.
pub fn ptrace_rounds(rounds: usize) -> Vec<String> {
    (0..rounds)
        .map(|r| {
            let info = if r == 0 {
                " 2 instruction and 2 data comparators;"
            } else {
                ""
            };
            format!(
                "init: ptrace round {r}:{info} breakpoint at ptrace_target; watchpoint on ptrace_watched; child exited"
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates_are_normalised_and_nothing_else() {
        let qemu = "crc32: self tests passed, processed 225944 bytes in 394945 nsec\n\
                    test_div64: Completed 64bit/32bit division and modulo test, 0.006244153s elapsed\n\
                    test_bitmap: parselist: 14: input is '0-2047:128/256' OK, Time: 1535\n\
                    rtc-ds1307 0-0068: setting system clock to 2026-12-04T21:11:29 UTC (1796418689)\n\
                    init: worker: 9592 primes below 100000, crc32 0x12e573a3\n";
        assert_eq!(
            normalise(qemu),
            "crc32: self tests passed, processed 225944 bytes in N nsec\n\
             test_div64: Completed 64bit/32bit division and modulo test, Ns elapsed\n\
             test_bitmap: parselist: 14: input is '0-2047:128/256' OK, Time: N\n\
             rtc-ds1307 0-0068: setting system clock to <date>\n\
             init: worker: 9592 primes below 100000, crc32 0x12e573a3\n"
        );
    }
}
