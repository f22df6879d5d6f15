//! The MPC8xxx GPIO controller (QEMU's `mpc8xxx_gpio`): 32 pins, pin 0 is the
//! most significant bit. Writing GPDAT drives the pins configured as outputs in
//! GPDIR; the board wires pin 0 to power-off. Registers are 32-bit; other access
//! sizes read 0 and are ignored, as on QEMU.

/// Register offsets.
pub mod reg {
    /// Direction (1 = output).
    pub const GPDIR: u64 = 0x00;
    /// Open drain.
    pub const GPODR: u64 = 0x04;
    /// Data.
    pub const GPDAT: u64 = 0x08;
    /// Interrupt event (write 1 to clear).
    pub const GPIER: u64 = 0x0C;
    /// Interrupt mask.
    pub const GPIMR: u64 = 0x10;
    /// Interrupt control.
    pub const GPICR: u64 = 0x14;
}

/// The register bit of pin `n` (pin 0 is the MSB).
pub const fn pin(n: u32) -> u32 {
    0x8000_0000 >> n
}

/// Output pins a write changed: which, and their new levels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PinChanges {
    pub changed: u32,
    pub levels: u32,
}

impl PinChanges {
    /// Whether `pin_bit` was driven high by this write.
    pub fn rose(&self, pin_bit: u32) -> bool {
        self.changed & self.levels & pin_bit != 0
    }
}

/// The GPIO controller.
#[derive(Clone, Debug, Default)]
pub struct Gpio {
    dir: u32,
    odr: u32,
    dat: u32,
    ier: u32,
    imr: u32,
    icr: u32,
}

impl Gpio {
    /// A controller after reset.
    pub fn new() -> Gpio {
        Gpio::default()
    }

    /// Device reset: every register 0.
    pub fn reset(&mut self) {
        *self = Gpio::default();
    }

    /// Level of the interrupt output.
    pub fn interrupt(&self) -> bool {
        self.ier & self.imr != 0
    }

    /// Read a register.
    pub fn read(&self, offset: u64, size: u8) -> u32 {
        if size != 4 {
            return 0;
        }
        match offset {
            reg::GPDIR => self.dir,
            reg::GPODR => self.odr,
            reg::GPDAT => self.dat,
            reg::GPIER => self.ier,
            reg::GPIMR => self.imr,
            reg::GPICR => self.icr,
            _ => 0,
        }
    }

    /// Write a register; returns the output pins that changed level.
    pub fn write(&mut self, offset: u64, size: u8, value: u32) -> PinChanges {
        if size != 4 {
            return PinChanges::default();
        }
        match offset {
            reg::GPDIR => self.dir = value,
            reg::GPODR => self.odr = value,
            reg::GPDAT => {
                let changed = (self.dat ^ value) & self.dir;
                self.dat = value;
                return PinChanges {
                    changed,
                    levels: value & changed,
                };
            }
            reg::GPIER => self.ier &= !value,
            reg::GPIMR => self.imr = value,
            reg::GPICR => self.icr = value,
            _ => {}
        }
        PinChanges::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_drives_only_output_pins() {
        let mut g = Gpio::new();
        // Pin 0 is an input: no change is reported.
        assert_eq!(g.write(reg::GPDAT, 4, pin(0)), PinChanges::default());
        g.write(reg::GPDAT, 4, 0);
        g.write(reg::GPDIR, 4, pin(0));
        let c = g.write(reg::GPDAT, 4, pin(0) | pin(5));
        assert!(c.rose(pin(0)));
        assert_eq!(c.changed, pin(0), "pin 5 is an input");
        // Writing the same level again changes nothing.
        assert!(!g.write(reg::GPDAT, 4, pin(0)).rose(pin(0)));
        let c = g.write(reg::GPDAT, 4, 0);
        assert_eq!(c.changed, pin(0));
        assert!(!c.rose(pin(0)));
    }

    #[test]
    fn registers_read_back_and_gpier_is_write_one_to_clear() {
        let mut g = Gpio::new();
        g.write(reg::GPODR, 4, 0x1234);
        g.write(reg::GPIMR, 4, 0xFF);
        g.write(reg::GPICR, 4, 0x0F);
        assert_eq!(g.read(reg::GPODR, 4), 0x1234);
        assert_eq!(g.read(reg::GPIMR, 4), 0xFF);
        assert_eq!(g.read(reg::GPICR, 4), 0x0F);
        g.ier = 0x3;
        assert!(g.interrupt());
        g.write(reg::GPIER, 4, 0x1);
        assert_eq!(g.read(reg::GPIER, 4), 0x2);
        assert_eq!(g.read(reg::GPODR, 2), 0, "only 32-bit accesses are valid");
        g.reset();
        assert_eq!(g.read(reg::GPODR, 4), 0);
    }
}
