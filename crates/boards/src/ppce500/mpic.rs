//! The MPIC register block (QEMU's FSL MPIC 4.2 `openpic`), first cut: the global
//! configuration register with its self-clearing reset bit and mode field, and
//! plain storage for every other 32-bit register. Interrupt delivery comes later.

use std::collections::HashMap;

/// Offset of the global configuration register in the MPIC block.
pub const GCR: u64 = 0x1020;

/// GCR bits.
pub mod gcr {
    /// Reset the controller; reads back 0 once done (at once here).
    pub const RESET: u32 = 0x8000_0000;
    /// Mode field of an FSL MPIC 4.2 (mixed 0x2000_0000, proxy 0x6000_0000).
    pub const MODE: u32 = 0x6000_0000;
}

/// The MPIC register block.
#[derive(Clone, Debug, Default)]
pub struct Mpic {
    gcr: u32,
    /// Every other register written, by offset.
    registers: HashMap<u64, u32>,
}

impl Mpic {
    /// An MPIC after reset.
    pub fn new() -> Mpic {
        Mpic::default()
    }

    /// Controller reset (GCR[RESET] or a machine reset).
    pub fn reset(&mut self) {
        self.gcr = 0;
        self.registers.clear();
    }

    /// Read a 32-bit register; other sizes and unaligned offsets read 0.
    pub fn read(&self, offset: u64, size: u8) -> u32 {
        if size != 4 || !offset.is_multiple_of(4) {
            return 0;
        }
        match offset {
            GCR => self.gcr,
            _ => self.registers.get(&offset).copied().unwrap_or(0),
        }
    }

    /// Write a 32-bit register; other sizes and unaligned offsets are ignored.
    pub fn write(&mut self, offset: u64, size: u8, value: u32) {
        if size != 4 || !offset.is_multiple_of(4) {
            return;
        }
        match offset {
            GCR if value & gcr::RESET != 0 => {
                tracing::debug!("MPIC reset");
                self.reset();
            }
            GCR => self.gcr = value & gcr::MODE,
            _ => {
                self.registers.insert(offset, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcr_reset_bit_self_clears_and_resets_the_block() {
        let mut m = Mpic::new();
        m.write(0x10, 4, 0x1234);
        m.write(GCR, 4, 0x2000_0000);
        assert_eq!(m.read(GCR, 4), 0x2000_0000);
        m.write(GCR, 4, gcr::RESET);
        assert_eq!(m.read(GCR, 4), 0, "reset bit reads back clear");
        assert_eq!(m.read(0x10, 4), 0, "reset cleared the other registers");
    }

    #[test]
    fn gcr_keeps_only_the_mode_field() {
        let mut m = Mpic::new();
        m.write(GCR, 4, 0x7FFF_FFFF);
        assert_eq!(m.read(GCR, 4), gcr::MODE);
    }

    #[test]
    fn other_registers_are_storage() {
        let mut m = Mpic::new();
        m.write(0x1_0000, 4, 0x8000_0001);
        assert_eq!(m.read(0x1_0000, 4), 0x8000_0001);
        assert_eq!(m.read(0x1_0010, 4), 0);
        m.write(0x1_0000, 1, 0xFF);
        assert_eq!(m.read(0x1_0000, 4), 0x8000_0001, "byte writes are ignored");
        assert_eq!(m.read(0x1_0000, 2), 0);
    }
}
