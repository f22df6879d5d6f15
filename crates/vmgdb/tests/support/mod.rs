//! Helpers the integration tests share (each test binary uses only some of them).
#![allow(dead_code)]

pub mod gdb;
pub mod session;
pub mod uboot;
