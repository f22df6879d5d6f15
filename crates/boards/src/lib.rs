//! # vmgdb-boards: the machines vmgdb emulates around its CPU
//!
//! One board so far, [`ppce500`]: QEMU's generic e500 platform (`-M ppce500`).
//! A board owns the vCPU of the hypervisor layer, the device models behind the
//! core's physical bus, the boot-image loader and the device tree it hands the
//! guest, and turns the vCPU's exits into machine events.

pub mod ppce500;
