//! Helpers the integration tests share (each test binary uses only some of them).
#![allow(dead_code)]

pub mod gdb;
pub mod session;
pub mod uboot;

use std::process::{Command, Stdio};

/// Panic with an install hint unless `tool --version` runs.
pub fn require_tool(tool: &str, install: &str) {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(found, "{tool} not found: {install}");
}
