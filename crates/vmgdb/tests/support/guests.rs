//! The C guest programs of `guests/`: built once per test binary with
//! `make -C guests` (which needs `powerpc-linux-gnu-gcc`), found by flavour and name.

use super::require_tool;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The `guests/` directory of the repository.
pub fn guests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests")
}

/// Build every guest once (all tests of a binary share the result).
pub fn build_guests() {
    static BUILD: OnceLock<Result<(), String>> = OnceLock::new();
    let result = BUILD.get_or_init(|| {
        require_tool("make", "apt-get install make");
        require_tool(
            "powerpc-linux-gnu-gcc",
            "apt-get install gcc-powerpc-linux-gnu",
        );
        let out = Command::new("make")
            .arg("-C")
            .arg(guests_dir())
            .arg("-j2")
            .output()
            .map_err(|e| format!("cannot run make: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "make -C guests failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The ELF of guest `program` for `flavour` (`e500v2` or `e500mc`), built if needed.
pub fn guest_elf(flavour: &str, program: &str) -> PathBuf {
    build_guests();
    guests_dir()
        .join("build")
        .join(flavour)
        .join(format!("{program}.elf"))
}
