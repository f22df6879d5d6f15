//! The C guest programs of `guests/`, built for both e500 flavours by
//! `make -C guests` (which needs `powerpc-linux-gnu-gcc`).

use crate::process::require;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository's `guests/` directory.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../guests")
}

/// Build every guest once per process (make is incremental: a later process
/// finds them built). Panics with make's output, or an install hint.
pub fn build() {
    static BUILD: OnceLock<Result<(), String>> = OnceLock::new();
    let result = BUILD.get_or_init(|| {
        require("make", "make");
        require("powerpc-linux-gnu-gcc", "gcc-powerpc-linux-gnu");
        let out = Command::new("make")
            .arg("-C")
            .arg(dir())
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

/// `guests/build/<flavour>/<program>.elf`, built if need be.
pub fn elf(program: &str, flavour: &str) -> PathBuf {
    build();
    let elf = dir()
        .join("build")
        .join(flavour)
        .join(format!("{program}.elf"));
    assert!(elf.is_file(), "{} was not built", elf.display());
    elf
}
