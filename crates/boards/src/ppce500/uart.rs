//! The NS16550A UART (QEMU's `serial_mm`, regshift 0, big-endian): eight byte
//! registers, a 16-byte receive FIFO, and the interrupt-identification logic.
//!
//! Transmission is immediate: a byte written to THR reaches the host line before
//! the guest's next access, so LSR reads THRE|TEMT (0x60) again at once. Input is
//! taken from the host line only when the guest looks at the receiver, so a
//! polling guest never overruns. The interrupt output is computed (IIR reads as on
//! QEMU) but not yet wired to the MPIC.

use crate::ppce500::serial::SerialLine;
use std::collections::VecDeque;

/// Register offsets (DLAB selects DLL/DLM at 0 and 1).
pub mod reg {
    /// RBR (read) / THR (write) / DLL (DLAB).
    pub const RBR_THR_DLL: u64 = 0;
    /// IER / DLM (DLAB).
    pub const IER_DLM: u64 = 1;
    /// IIR (read) / FCR (write).
    pub const IIR_FCR: u64 = 2;
    pub const LCR: u64 = 3;
    pub const MCR: u64 = 4;
    pub const LSR: u64 = 5;
    pub const MSR: u64 = 6;
    pub const SCR: u64 = 7;
}

/// Interrupt enable bits.
pub mod ier {
    /// Received data available.
    pub const RDI: u8 = 0x01;
    /// Transmitter holding register empty.
    pub const THRI: u8 = 0x02;
    /// Receiver line status.
    pub const RLSI: u8 = 0x04;
    /// Modem status.
    pub const MSI: u8 = 0x08;
}

/// Interrupt identification values.
pub mod iir {
    pub const NO_INT: u8 = 0x01;
    /// Mask of the interrupt ID.
    pub const ID: u8 = 0x06;
    pub const MSI: u8 = 0x00;
    pub const THRI: u8 = 0x02;
    pub const RDI: u8 = 0x04;
    pub const RLSI: u8 = 0x06;
    /// FIFOs enabled.
    pub const FIFO_ENABLED: u8 = 0xC0;
}

/// FIFO control bits.
pub mod fcr {
    /// FIFO enable.
    pub const FE: u8 = 0x01;
    /// Clear the receive FIFO.
    pub const RFR: u8 = 0x02;
    /// Clear the transmit FIFO.
    pub const XFR: u8 = 0x04;
    /// Receive trigger level.
    pub const ITL: u8 = 0xC0;
    /// Bits that stick.
    pub const STICKY: u8 = 0xC9;
}

/// Line control bits.
pub mod lcr {
    /// Divisor latch access.
    pub const DLAB: u8 = 0x80;
}

/// Modem control bits.
pub mod mcr {
    pub const DTR: u8 = 0x01;
    pub const RTS: u8 = 0x02;
    pub const OUT2: u8 = 0x08;
    /// Loopback: the transmitter feeds the receiver.
    pub const LOOP: u8 = 0x10;
    /// Bits that exist.
    pub const MASK: u8 = 0x1F;
}

/// Line status bits.
pub mod lsr {
    /// Data ready.
    pub const DR: u8 = 0x01;
    /// Overrun error.
    pub const OE: u8 = 0x02;
    /// Break interrupt.
    pub const BI: u8 = 0x10;
    /// Transmitter holding register empty.
    pub const THRE: u8 = 0x20;
    /// Transmitter empty.
    pub const TEMT: u8 = 0x40;
    /// Any receiver-line-status condition.
    pub const INT_ANY: u8 = 0x1E;
}

/// Modem status bits.
pub mod msr {
    pub const CTS: u8 = 0x10;
    pub const DSR: u8 = 0x20;
    pub const DCD: u8 = 0x80;
    /// Delta bits.
    pub const ANY_DELTA: u8 = 0x0F;
}

/// Receive FIFO depth.
pub const FIFO_DEPTH: usize = 16;

/// One NS16550A and the host line behind it.
#[derive(Debug)]
pub struct Ns16550 {
    line: SerialLine,
    rbr: u8,
    ier: u8,
    iir: u8,
    lcr: u8,
    mcr: u8,
    lsr: u8,
    msr: u8,
    scr: u8,
    fcr: u8,
    divisor: u16,
    rx_fifo: VecDeque<u8>,
    /// A THR-empty interrupt is owed (cleared by reading IIR or writing THR).
    thr_pending: bool,
}

impl Ns16550 {
    /// A UART in reset state, connected to `line`.
    pub fn new(line: SerialLine) -> Ns16550 {
        let mut uart = Ns16550 {
            line,
            rbr: 0,
            ier: 0,
            iir: 0,
            lcr: 0,
            mcr: 0,
            lsr: 0,
            msr: 0,
            scr: 0,
            fcr: 0,
            divisor: 0,
            rx_fifo: VecDeque::with_capacity(FIFO_DEPTH),
            thr_pending: false,
        };
        uart.reset();
        uart
    }

    /// Device reset. As on QEMU, FCR keeps its value (only IIR's FIFO bits clear).
    pub fn reset(&mut self) {
        self.rbr = 0;
        self.ier = 0;
        self.iir = iir::NO_INT;
        self.lcr = 0;
        self.lsr = lsr::TEMT | lsr::THRE;
        self.msr = msr::DCD | msr::DSR | msr::CTS;
        self.divisor = 0x0C;
        self.mcr = mcr::OUT2;
        self.scr = 0;
        self.rx_fifo.clear();
        self.thr_pending = false;
    }

    /// The host line.
    pub fn line(&self) -> &SerialLine {
        &self.line
    }

    /// Move waiting host input into the receiver (as far as it has room), as
    /// the host side of a real line would without the guest asking.
    pub fn poll(&mut self) {
        self.fill_receiver();
    }

    /// Level of the interrupt output.
    pub fn interrupt(&self) -> bool {
        self.iir & iir::NO_INT == 0
    }

    fn fifo_enabled(&self) -> bool {
        self.fcr & fcr::FE != 0
    }

    fn dlab(&self) -> bool {
        self.lcr & lcr::DLAB != 0
    }

    fn loopback(&self) -> bool {
        self.mcr & mcr::LOOP != 0
    }

    /// Recompute IIR from the enabled conditions (character timeout is not modelled).
    fn update_interrupt(&mut self) {
        let id = if self.ier & ier::RLSI != 0 && self.lsr & lsr::INT_ANY != 0 {
            iir::RLSI
        } else if self.ier & ier::RDI != 0 && self.lsr & lsr::DR != 0 {
            iir::RDI
        } else if self.ier & ier::THRI != 0 && self.thr_pending {
            iir::THRI
        } else if self.ier & ier::MSI != 0 && self.msr & msr::ANY_DELTA != 0 {
            iir::MSI
        } else {
            iir::NO_INT
        };
        self.iir = id | (self.iir & 0xF0);
    }

    /// A byte arrives at the receiver.
    fn receive(&mut self, byte: u8) {
        if self.fifo_enabled() {
            if self.rx_fifo.len() < FIFO_DEPTH {
                self.rx_fifo.push_back(byte);
            } else {
                self.lsr |= lsr::OE;
            }
        } else {
            if self.lsr & lsr::DR != 0 {
                self.lsr |= lsr::OE;
            }
            self.rbr = byte;
        }
        self.lsr |= lsr::DR;
        self.update_interrupt();
    }

    /// Take waiting host input while the receiver has room (never in loopback).
    fn fill_receiver(&mut self) {
        if self.loopback() {
            return;
        }
        loop {
            let room = if self.fifo_enabled() {
                self.rx_fifo.len() < FIFO_DEPTH
            } else {
                self.lsr & lsr::DR == 0
            };
            if !room {
                break;
            }
            match self.line.receive() {
                Some(byte) => {
                    tracing::trace!(byte, "received");
                    self.receive(byte)
                }
                None => break,
            }
        }
    }

    fn transmit(&mut self, byte: u8) {
        self.thr_pending = false;
        self.lsr &= !(lsr::THRE | lsr::TEMT);
        self.update_interrupt();
        if self.loopback() {
            self.receive(byte);
        } else {
            self.line.transmit(byte);
        }
        self.lsr |= lsr::THRE | lsr::TEMT;
        if !self.thr_pending {
            self.thr_pending = true;
            self.update_interrupt();
        }
    }

    fn read_rbr(&mut self) -> u8 {
        tracing::trace!(lsr = self.lsr, fifo = self.rx_fifo.len(), "RBR read");
        let value = if self.fifo_enabled() {
            let value = self.rx_fifo.pop_front().unwrap_or(0);
            if self.rx_fifo.is_empty() {
                self.lsr &= !(lsr::DR | lsr::BI);
            }
            value
        } else {
            self.lsr &= !(lsr::DR | lsr::BI);
            self.rbr
        };
        self.update_interrupt();
        value
    }

    /// Read register `offset` (0..8).
    pub fn read(&mut self, offset: u64) -> u8 {
        self.fill_receiver();
        if offset == reg::RBR_THR_DLL && !self.dlab() {
            return self.read_rbr();
        }
        let value = self.peek(offset);
        match offset {
            reg::IIR_FCR if value & iir::ID == iir::THRI => {
                self.thr_pending = false;
                self.update_interrupt();
            }
            reg::LSR if value & (lsr::BI | lsr::OE) != 0 => {
                self.lsr &= !(lsr::BI | lsr::OE);
                self.update_interrupt();
            }
            reg::MSR if !self.loopback() && value & msr::ANY_DELTA != 0 => {
                self.msr &= 0xF0;
                self.update_interrupt();
            }
            _ => {}
        }
        value
    }

    /// What a read of register `offset` would return, changing nothing (for the
    /// debugger): RBR shows the next received byte without taking it, IIR, LSR
    /// and MSR keep their pending conditions, no host input is taken in.
    pub fn peek(&self, offset: u64) -> u8 {
        match offset {
            reg::RBR_THR_DLL if self.dlab() => self.divisor as u8,
            reg::RBR_THR_DLL if self.fifo_enabled() => self.rx_fifo.front().copied().unwrap_or(0),
            reg::RBR_THR_DLL => self.rbr,
            reg::IER_DLM if self.dlab() => (self.divisor >> 8) as u8,
            reg::IER_DLM => self.ier,
            reg::IIR_FCR => self.iir,
            reg::LCR => self.lcr,
            reg::MCR => self.mcr,
            reg::LSR => self.lsr,
            reg::MSR if self.loopback() => {
                // The modem outputs loop back to the inputs.
                (self.mcr & 0x0C) << 4 | (self.mcr & mcr::RTS) << 3 | (self.mcr & mcr::DTR) << 5
            }
            reg::MSR => self.msr,
            reg::SCR => self.scr,
            _ => 0,
        }
    }

    /// Write register `offset` (0..8).
    pub fn write(&mut self, offset: u64, value: u8) {
        match offset {
            reg::RBR_THR_DLL if self.dlab() => {
                self.divisor = (self.divisor & 0xFF00) | value as u16;
            }
            reg::RBR_THR_DLL => self.transmit(value),
            reg::IER_DLM if self.dlab() => {
                self.divisor = (self.divisor & 0x00FF) | (value as u16) << 8;
            }
            reg::IER_DLM => {
                let changed = (self.ier ^ value) & 0x0F;
                self.ier = value & 0x0F;
                if changed & ier::THRI != 0 {
                    self.thr_pending = self.ier & ier::THRI != 0 && self.lsr & lsr::THRE != 0;
                }
                if changed != 0 {
                    self.update_interrupt();
                }
            }
            reg::IIR_FCR => self.write_fcr(value),
            reg::LCR => self.lcr = value,
            reg::MCR => self.mcr = value & mcr::MASK,
            reg::SCR => self.scr = value,
            // LSR and MSR are read-only.
            _ => {}
        }
    }

    fn write_fcr(&mut self, mut value: u8) {
        tracing::trace!(value, fifo = self.rx_fifo.len(), "FCR write");
        if (value ^ self.fcr) & fcr::FE != 0 {
            // Switching the FIFOs on or off empties them.
            value |= fcr::XFR | fcr::RFR;
        }
        if value & fcr::RFR != 0 {
            self.lsr &= !(lsr::DR | lsr::BI);
            self.rx_fifo.clear();
        }
        if value & fcr::XFR != 0 {
            self.lsr |= lsr::THRE;
            self.thr_pending = true;
        }
        self.fcr = value & fcr::STICKY;
        if self.fcr & fcr::FE != 0 {
            self.iir |= iir::FIFO_ENABLED;
        } else {
            self.iir &= !iir::FIFO_ENABLED;
        }
        self.update_interrupt();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ppce500::serial::{Capture, InputQueue};

    fn uart() -> (Ns16550, Capture, InputQueue) {
        let capture = Capture::new();
        let input = InputQueue::new();
        let uart = Ns16550::new(SerialLine::new(capture.clone(), input.clone()));
        (uart, capture, input)
    }

    #[test]
    fn reset_values_match_qemu() {
        let (mut u, _, _) = uart();
        assert_eq!(u.read(reg::IER_DLM), 0);
        assert_eq!(u.read(reg::IIR_FCR), iir::NO_INT);
        assert_eq!(u.read(reg::LCR), 0);
        assert_eq!(u.read(reg::MCR), mcr::OUT2);
        assert_eq!(u.read(reg::LSR), 0x60);
        assert_eq!(u.read(reg::MSR), 0xB0);
        assert_eq!(u.read(reg::SCR), 0);
        u.write(reg::LCR, lcr::DLAB);
        assert_eq!(u.read(reg::RBR_THR_DLL), 0x0C);
        assert_eq!(u.read(reg::IER_DLM), 0);
    }

    #[test]
    fn thr_writes_reach_the_host_and_lsr_stays_empty() {
        let (mut u, out, _) = uart();
        for &b in b"hi\r\n" {
            assert_eq!(u.read(reg::LSR) & lsr::THRE, lsr::THRE);
            u.write(reg::RBR_THR_DLL, b);
        }
        assert_eq!(out.contents(), b"hi\r\n");
        assert_eq!(u.read(reg::LSR), 0x60);
    }

    #[test]
    fn dlab_selects_the_divisor_latch() {
        let (mut u, out, _) = uart();
        // U-Boot's init: LCR 8N1, DLAB on, DLL 0xD9, DLM 0, DLAB off.
        u.write(reg::IER_DLM, 0);
        u.write(reg::LCR, 0x03 | lcr::DLAB);
        u.write(reg::RBR_THR_DLL, 0xD9);
        u.write(reg::IER_DLM, 0x01);
        assert_eq!(u.read(reg::RBR_THR_DLL), 0xD9);
        assert_eq!(u.read(reg::IER_DLM), 0x01);
        assert_eq!(u.read(reg::LCR), 0x83);
        u.write(reg::LCR, 0x03);
        // The latch writes changed neither IER nor the output.
        assert_eq!(u.read(reg::IER_DLM), 0);
        assert!(out.contents().is_empty());
        u.write(reg::LCR, 0x83);
        assert_eq!(u.divisor, 0x01D9);
    }

    #[test]
    fn lsr_shows_data_ready_while_input_waits() {
        let (mut u, _, input) = uart();
        assert_eq!(u.read(reg::LSR), 0x60);
        input.push(b"ab");
        assert_eq!(u.read(reg::LSR), 0x61);
        assert_eq!(u.read(reg::RBR_THR_DLL), b'a');
        assert_eq!(u.read(reg::LSR), 0x61);
        assert_eq!(u.read(reg::RBR_THR_DLL), b'b');
        assert_eq!(u.read(reg::LSR), 0x60);
    }

    #[test]
    fn the_debuggers_peek_takes_nothing() {
        let (mut u, _, input) = uart();
        u.write(reg::IIR_FCR, fcr::FE);
        u.write(reg::IER_DLM, 0x03); // receive and THRE interrupts
        input.push(b"q");
        assert_eq!(u.peek(reg::LSR) & lsr::DR, 0, "no host input taken in");
        assert_eq!(u.read(reg::LSR) & lsr::DR, lsr::DR);
        for _ in 0..3 {
            assert_eq!(u.peek(reg::RBR_THR_DLL), b'q');
            assert_eq!(u.peek(reg::IIR_FCR) & iir::ID, iir::RDI);
        }
        assert_eq!(u.read(reg::RBR_THR_DLL), b'q', "the guest still gets it");
        assert_eq!(u.peek(reg::IIR_FCR) & iir::ID, iir::THRI);
        assert_eq!(u.peek(reg::IIR_FCR) & iir::ID, iir::THRI, "still pending");
        assert_eq!(u.read(reg::IIR_FCR) & iir::ID, iir::THRI);
        assert_eq!(u.read(reg::IIR_FCR) & iir::ID, iir::NO_INT & iir::ID);
    }

    #[test]
    fn fifo_mode_receives_in_order_and_fcr_clears_it() {
        let (mut u, _, input) = uart();
        u.write(reg::IIR_FCR, fcr::FE | fcr::RFR | fcr::XFR);
        assert_eq!(u.read(reg::IIR_FCR), iir::FIFO_ENABLED | iir::NO_INT);
        input.push(b"xyz");
        assert_eq!(u.read(reg::LSR) & lsr::DR, lsr::DR);
        assert_eq!(u.read(reg::RBR_THR_DLL), b'x');
        u.write(reg::IIR_FCR, fcr::FE | fcr::RFR);
        // The FIFO held y and z; both are gone, nothing more waits.
        assert_eq!(u.read(reg::LSR), 0x60);
        assert_eq!(u.read(reg::RBR_THR_DLL), 0);
    }

    #[test]
    fn iir_reports_enabled_conditions_by_priority() {
        let (mut u, _, input) = uart();
        u.write(reg::IER_DLM, ier::THRI);
        assert_eq!(u.read(reg::IIR_FCR), iir::THRI);
        assert!(!u.interrupt(), "reading IIR acknowledges THRE");
        assert_eq!(u.read(reg::IIR_FCR), iir::NO_INT);
        u.write(reg::IER_DLM, ier::THRI | ier::RDI);
        input.push(b"q");
        assert_eq!(u.read(reg::IIR_FCR), iir::RDI);
        assert!(u.interrupt());
        u.read(reg::RBR_THR_DLL);
        assert!(!u.interrupt());
    }

    #[test]
    fn loopback_feeds_the_receiver_not_the_host() {
        let (mut u, out, input) = uart();
        input.push(b"h");
        u.write(reg::MCR, mcr::LOOP | mcr::RTS);
        u.write(reg::RBR_THR_DLL, b'L');
        assert!(out.contents().is_empty());
        assert_eq!(u.read(reg::LSR) & lsr::DR, lsr::DR);
        assert_eq!(u.read(reg::RBR_THR_DLL), b'L');
        // RTS loops back to CTS.
        assert_eq!(u.read(reg::MSR), msr::CTS);
        u.write(reg::MCR, 0);
        assert_eq!(u.read(reg::RBR_THR_DLL), b'h');
    }

    #[test]
    fn overrun_is_reported_once() {
        let (mut u, _, _) = uart();
        u.write(reg::MCR, mcr::LOOP);
        u.write(reg::RBR_THR_DLL, 1);
        u.write(reg::RBR_THR_DLL, 2);
        assert_eq!(u.read(reg::LSR) & lsr::OE, lsr::OE);
        assert_eq!(u.read(reg::LSR) & lsr::OE, 0);
        assert_eq!(u.read(reg::RBR_THR_DLL), 2);
    }

    #[test]
    fn scratch_and_read_only_registers() {
        let (mut u, _, _) = uart();
        u.write(reg::SCR, 0x5A);
        assert_eq!(u.read(reg::SCR), 0x5A);
        u.write(reg::LSR, 0);
        u.write(reg::MSR, 0);
        assert_eq!(u.read(reg::LSR), 0x60);
        assert_eq!(u.read(reg::MSR), 0xB0);
        u.write(reg::MCR, 0xFF);
        assert_eq!(u.read(reg::MCR), 0x1F);
    }
}
