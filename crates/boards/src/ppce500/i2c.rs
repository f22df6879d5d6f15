//! The SoC's I²C controller (CCSR+0x3000, Linux's i2c-mpc, QEMU's `mpc-i2c`)
//! with the one chip QEMU's ppce500 puts on its bus, the RTC at 0x68.
//!
//! Byte registers: ADR 0x00, FDR 0x04, CR 0x08, SR 0x0C, DR 0x10, DFSRR 0x14.
//! A byte moves on the bus the moment the guest asks for it, so every transfer
//! is complete when the guest next looks: SR[MCF] is set after each byte, and
//! SR[MIF] (with CR[MIEN], the interrupt output) after each byte, acknowledged or
//! not, as on the hardware. In master transmit mode the first byte written to
//! DR after a START or repeated START is the address; in receive mode each read
//! of DR returns the byte last received and receives the next.

use crate::ppce500::rtc::{self, Ds1338};

/// Register offsets.
pub mod reg {
    pub const ADR: u64 = 0x00;
    pub const FDR: u64 = 0x04;
    pub const CR: u64 = 0x08;
    pub const SR: u64 = 0x0C;
    pub const DR: u64 = 0x10;
    pub const DFSRR: u64 = 0x14;
}

/// CR bits.
pub mod cr {
    pub const MEN: u8 = 0x80;
    pub const MIEN: u8 = 0x40;
    pub const MSTA: u8 = 0x20;
    pub const MTX: u8 = 0x10;
    pub const TXAK: u8 = 0x08;
    pub const RSTA: u8 = 0x04;
}

/// SR bits.
pub mod sr {
    pub const MCF: u8 = 0x80;
    pub const MBB: u8 = 0x20;
    pub const MAL: u8 = 0x10;
    pub const SRW: u8 = 0x04;
    pub const MIF: u8 = 0x02;
    pub const RXAK: u8 = 0x01;
    /// What the guest can clear by writing 0.
    pub const WRITABLE: u8 = MAL | MIF;
}

/// The register block size.
pub const SIZE: u64 = 0x100;

/// A transfer in progress with the addressed chip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    /// No chip answered (or none addressed yet).
    None,
    Rtc,
}

/// The controller and its bus.
#[derive(Clone, Debug)]
pub struct I2c {
    adr: u8,
    fdr: u8,
    cr: u8,
    sr: u8,
    dr: u8,
    dfsrr: u8,
    /// The next byte written to DR in transmit mode is an address.
    address_next: bool,
    peer: Peer,
    pub rtc: Ds1338,
}

impl I2c {
    /// The controller, with the RTC showing `rtc_base` (Unix seconds) at time 0.
    pub fn new(rtc_base: i64) -> I2c {
        I2c {
            adr: 0,
            fdr: 0,
            cr: 0,
            sr: sr::MCF | sr::RXAK,
            dr: 0,
            dfsrr: 0x10,
            address_next: false,
            peer: Peer::None,
            rtc: Ds1338::new(rtc_base),
        }
    }

    /// Machine reset (the RTC keeps its time and RAM).
    pub fn reset(&mut self) {
        let rtc = self.rtc.clone();
        *self = I2c { rtc, ..I2c::new(0) };
    }

    /// The interrupt output.
    pub fn interrupt(&self) -> bool {
        self.cr & (cr::MEN | cr::MIEN) == cr::MEN | cr::MIEN && self.sr & sr::MIF != 0
    }

    /// A byte moved: the transfer is complete, acknowledged or not.
    fn byte_done(&mut self, acked: bool) {
        self.sr |= sr::MCF | sr::MIF;
        if acked {
            self.sr &= !sr::RXAK;
        } else {
            self.sr |= sr::RXAK;
        }
    }

    fn end_transfer(&mut self, now: i64) {
        if self.peer == Peer::Rtc {
            self.rtc.stop(now);
        }
        self.peer = Peer::None;
    }

    /// Read register `offset`.
    pub fn read(&mut self, offset: u64) -> u8 {
        match offset {
            reg::ADR => self.adr,
            reg::FDR => self.fdr,
            reg::CR => self.cr,
            reg::SR => self.sr,
            reg::DR => {
                let value = self.dr;
                let receiving =
                    self.sr & sr::MBB != 0 && self.cr & (cr::MSTA | cr::MTX) == cr::MSTA;
                if receiving {
                    self.dr = match self.peer {
                        Peer::Rtc => self.rtc.read(),
                        Peer::None => 0xFF,
                    };
                    self.byte_done(self.peer != Peer::None);
                }
                value
            }
            reg::DFSRR => self.dfsrr,
            _ => 0,
        }
    }

    /// Write register `offset`.
    pub fn write(&mut self, offset: u64, value: u8, now: i64) {
        match offset {
            reg::ADR => self.adr = value & 0xFE,
            reg::FDR => self.fdr = value & 0x3F,
            reg::CR => self.write_cr(value, now),
            reg::SR => self.sr = (self.sr & !sr::WRITABLE) | (value & sr::WRITABLE),
            reg::DR => self.write_dr(value, now),
            reg::DFSRR => self.dfsrr = value & 0x3F,
            _ => {}
        }
    }

    fn write_cr(&mut self, value: u8, now: i64) {
        let old = self.cr;
        // RSTA is a command: it reads back 0.
        self.cr = value & !cr::RSTA;
        if value & cr::MEN == 0 {
            // Disabled: the module resets its bus state.
            self.end_transfer(now);
            self.sr = sr::MCF | sr::RXAK;
            return;
        }
        let master = value & cr::MSTA != 0;
        if master && old & cr::MSTA == 0 {
            // START.
            self.sr |= sr::MBB;
            self.address_next = true;
        } else if !master && old & cr::MSTA != 0 {
            // STOP.
            self.end_transfer(now);
            self.sr &= !sr::MBB;
        } else if master && value & cr::RSTA != 0 {
            // Repeated START: the bus stays ours.
            self.end_transfer(now);
            self.address_next = true;
        }
    }

    fn write_dr(&mut self, value: u8, now: i64) {
        self.dr = value;
        if self.sr & sr::MBB == 0 || self.cr & (cr::MSTA | cr::MTX) != cr::MSTA | cr::MTX {
            return;
        }
        if std::mem::take(&mut self.address_next) {
            let read = value & 1 != 0;
            self.peer = if value >> 1 == rtc::I2C_ADDRESS {
                self.rtc.start(!read, now);
                Peer::Rtc
            } else {
                Peer::None
            };
            if read {
                self.sr |= sr::SRW;
            } else {
                self.sr &= !sr::SRW;
            }
            self.byte_done(self.peer != Peer::None);
            return;
        }
        match self.peer {
            Peer::Rtc => {
                self.rtc.write(value);
                self.byte_done(true);
            }
            Peer::None => self.byte_done(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Linux's i2c-mpc does for an SMBus register read: write the register
    /// number, repeated START, read `n` bytes.
    fn read_registers(i2c: &mut I2c, addr: u8, first: u8, n: usize) -> Result<Vec<u8>, u8> {
        let go = cr::MEN | cr::MIEN;
        i2c.write(reg::SR, 0, 0);
        i2c.write(reg::CR, go | cr::MSTA | cr::MTX, 0);
        i2c.write(reg::DR, addr << 1, 0);
        let status = i2c.read(reg::SR);
        if status & sr::RXAK != 0 {
            i2c.write(reg::CR, cr::MEN, 0);
            return Err(status);
        }
        assert!(i2c.interrupt());
        i2c.write(reg::SR, 0, 0);
        assert!(!i2c.interrupt());
        i2c.write(reg::DR, first, 0);
        i2c.write(reg::CR, go | cr::MSTA | cr::MTX | cr::RSTA, 0);
        i2c.write(reg::DR, addr << 1 | 1, 0);
        i2c.write(reg::CR, go | cr::MSTA, 0);
        i2c.read(reg::DR); // dummy read starts the first byte
        let mut out = vec![];
        for i in 0..n {
            if i == n - 1 {
                i2c.write(reg::CR, go | cr::MSTA | cr::MTX, 0);
            }
            out.push(i2c.read(reg::DR));
        }
        i2c.write(reg::CR, cr::MEN, 0);
        assert_eq!(i2c.read(reg::SR) & sr::MBB, 0, "STOP frees the bus");
        Ok(out)
    }

    #[test]
    fn linux_reads_the_rtc_registers() {
        // 2026-01-01 12:34:56.
        let mut i2c = I2c::new(1_767_225_600 + 12 * 3600 + 34 * 60 + 56);
        let t = read_registers(&mut i2c, 0x68, 0, 7).unwrap();
        assert_eq!(t, [0x56, 0x34, 0x12, 5, 0x01, 0x01, 0x26]);
        let t = read_registers(&mut i2c, 0x68, 4, 2).unwrap();
        assert_eq!(t, [0x01, 0x01], "from register 4 on");
    }

    #[test]
    fn an_absent_chip_does_not_acknowledge_but_interrupts() {
        let mut i2c = I2c::new(0);
        let status = read_registers(&mut i2c, 0x50, 0, 1).unwrap_err();
        assert_eq!(
            status & (sr::RXAK | sr::MIF | sr::MCF),
            sr::RXAK | sr::MIF | sr::MCF
        );
    }

    #[test]
    fn disabling_resets_the_bus_state() {
        let mut i2c = I2c::new(0);
        i2c.write(reg::CR, cr::MEN | cr::MSTA | cr::MTX, 0);
        assert_ne!(i2c.read(reg::SR) & sr::MBB, 0);
        i2c.write(reg::CR, 0, 0);
        assert_eq!(i2c.read(reg::SR), sr::MCF | sr::RXAK);
        assert!(!i2c.interrupt());
    }
}
