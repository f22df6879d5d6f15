//! The PCI host controller at CCSR+0x8000 (QEMU 7.2's `e500-pcihost`): the
//! configuration address/data pair, the address-translation (ATMU) window
//! registers, and the one device on its bus, the host bridge itself at 00:00.0.
//!
//! Configuration cycles: CFG_ADDR (big-endian) latches `enable | bus << 16 |
//! devfn << 8 | register`; CFG_DATA is little-endian, so the guest's 32-bit load
//! sees the configuration dword byte-swapped (U-Boot reads it with `lwbrx`).
//! Any function but 00:00.0 is absent and reads all ones. The host bridge shows
//! what QEMU's shows (`pci header 0.0.0` in U-Boot): Freescale 0x1957/0x0030,
//! class 0x0B20 (PowerPC processor), header 0, subsystem 0x1AF4/0x1100, BAR0 a
//! 1 MiB memory BAR, with QEMU's writable bits (command 0x0507, cache line,
//! BAR0 0xFFF00000, interrupt line, everything from 0x40 up).
//!
//! Outbound windows 1..=4 translate CPU physical addresses to PCI bus
//! addresses; the only thing on the bus is the host bridge's BAR0, which (with
//! memory decoding on) shows the CCSR block, as on QEMU: with U-Boot's windows
//! the UART is at CPU physical 0xC_0000_4500 as well. [`PciHost::window_target`]
//! resolves that; the board does the access. Inbound windows are storage only
//! (nothing on the bus masters). Register accesses follow QEMU's sizes:
//! misaligned accesses read 0 and are ignored.

/// CFG_ADDR: configuration address (big-endian).
pub const CFG_ADDR: u64 = 0x000;
/// CFG_DATA: configuration data (little-endian).
pub const CFG_DATA: u64 = 0x004;
/// First ATMU register.
pub const ATMU_BASE: u64 = 0xC00;
/// Size of the controller's register block.
pub const BLOCK_SIZE: u64 = 0x1000;

/// ATMU register offsets in the block.
pub mod atmu {
    /// Outbound window n's translation address (n = 1..=4, +0x20·(n−1)).
    pub const POTAR1: u64 = 0xC20;
    /// Outbound window n's extended translation address.
    pub const POTEAR1: u64 = 0xC24;
    /// Outbound window n's base address (CPU physical >> 12).
    pub const POWBAR1: u64 = 0xC28;
    /// Outbound window n's attributes (enable, type, size).
    pub const POWAR1: u64 = 0xC30;
    /// Inbound window 1's translation address (inbound 3, 2, 1 at 0xDA0, 0xDC0, 0xDE0).
    pub const PITAR1: u64 = 0xDE0;
    /// Inbound window 1's base address.
    pub const PIWBAR1: u64 = 0xDE8;
    /// Inbound window 1's extended base address.
    pub const PIWBEAR1: u64 = 0xDEC;
    /// Inbound window 1's attributes.
    pub const PIWAR1: u64 = 0xDF0;
    /// Gasket timer.
    pub const GASKET_TIMR: u64 = 0xE20;
}

/// Window attribute bits.
pub mod war {
    /// Window enabled.
    pub const EN: u32 = 0x8000_0000;
    /// Size field: the window is 2^(n+1) bytes.
    pub const SIZE: u32 = 0x3F;
}

/// CFG_ADDR enable bit.
pub const CFG_ENABLE: u32 = 0x8000_0000;

/// Configuration space offsets and values of the host bridge.
pub mod config {
    pub const VENDOR_ID: usize = 0x00;
    pub const DEVICE_ID: usize = 0x02;
    pub const COMMAND: usize = 0x04;
    pub const STATUS: usize = 0x06;
    pub const CLASS_PROG: usize = 0x09;
    pub const CACHE_LINE_SIZE: usize = 0x0C;
    pub const HEADER_TYPE: usize = 0x0E;
    pub const BAR0: usize = 0x10;
    pub const SUBSYSTEM_VENDOR_ID: usize = 0x2C;
    pub const SUBSYSTEM_ID: usize = 0x2E;
    pub const INTERRUPT_LINE: usize = 0x3C;
    /// End of the standard header; device-specific space follows.
    pub const HEADER_END: usize = 0x40;

    /// Freescale.
    pub const FREESCALE: u16 = 0x1957;
    /// MPC8533E (what QEMU's e500 host bridge calls itself).
    pub const MPC8533E: u16 = 0x0030;
    /// Processor / PowerPC.
    pub const CLASS_PROCESSOR_POWERPC: u16 = 0x0B20;
    /// QEMU's default subsystem: Red Hat / QEMU.
    pub const SUBSYSTEM_VENDOR: u16 = 0x1AF4;
    pub const SUBSYSTEM: u16 = 0x1100;

    /// Command bits: I/O, memory, bus master, SERR#, INTx disable are writable.
    pub const COMMAND_WRITABLE: u16 = 0x0507;
    /// Memory space decoding.
    pub const COMMAND_MEMORY: u16 = 0x0002;
    /// Status bits that writing 1 clears.
    pub const STATUS_W1C: u16 = 0xF900;
    /// BAR0 decodes 1 MiB (the CCSR block).
    pub const BAR0_SIZE: u32 = 0x10_0000;
}

/// Offsets of the window registers inside a window's 0x20 bytes.
mod window_reg {
    pub const TAR: u64 = 0x00;
    pub const TEAR: u64 = 0x04;
    pub const WBAR: u64 = 0x08;
    pub const WBEAR: u64 = 0x0C;
    pub const WAR: u64 = 0x10;
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Outbound {
    potar: u32,
    potear: u32,
    powbar: u32,
    powar: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Inbound {
    pitar: u32,
    piwbar: u32,
    piwbear: u32,
    piwar: u32,
}

/// Size of a window from its attribute register (0: never matches).
fn window_size(war: u32) -> u64 {
    2u64.checked_shl(war & war::SIZE).unwrap_or(0)
}

/// The host bridge's 256-byte configuration space with QEMU's write masks.
#[derive(Clone, Debug)]
struct HostBridge {
    config: [u8; 256],
}

impl HostBridge {
    fn new() -> HostBridge {
        let mut config = [0u8; 256];
        let mut put16 = |at: usize, v: u16| config[at..at + 2].copy_from_slice(&v.to_le_bytes());
        put16(config::VENDOR_ID, config::FREESCALE);
        put16(config::DEVICE_ID, config::MPC8533E);
        put16(config::CLASS_PROG + 1, config::CLASS_PROCESSOR_POWERPC);
        put16(config::SUBSYSTEM_VENDOR_ID, config::SUBSYSTEM_VENDOR);
        put16(config::SUBSYSTEM_ID, config::SUBSYSTEM);
        HostBridge { config }
    }

    /// Writable bits of configuration byte `at`.
    fn write_mask(at: usize) -> u8 {
        let [command_lo, command_hi] = config::COMMAND_WRITABLE.to_le_bytes();
        let bar0 = (!(config::BAR0_SIZE - 1)).to_le_bytes();
        match at {
            config::COMMAND => command_lo,
            0x05 => command_hi,
            config::CACHE_LINE_SIZE | config::INTERRUPT_LINE => 0xFF,
            0x10..=0x13 => bar0[at - config::BAR0],
            config::HEADER_END.. => 0xFF,
            _ => 0,
        }
    }

    /// Bits of configuration byte `at` that writing 1 clears.
    fn w1c_mask(at: usize) -> u8 {
        let [lo, hi] = config::STATUS_W1C.to_le_bytes();
        match at {
            config::STATUS => lo,
            0x07 => hi,
            _ => 0,
        }
    }

    /// Read `len` bytes from `at` (little-endian value; clipped at the end of space).
    fn read(&self, at: usize, len: usize) -> u32 {
        let end = (at + len).min(self.config.len());
        self.config[at..end]
            .iter()
            .rev()
            .fold(0, |acc, &b| acc << 8 | b as u32)
    }

    /// Write the little-endian `value`'s low `len` bytes at `at`.
    fn write(&mut self, at: usize, len: usize, value: u32) {
        let end = (at + len).min(self.config.len());
        for (i, byte) in (at..end).zip(value.to_le_bytes()) {
            let wmask = HostBridge::write_mask(i);
            let old = self.config[i];
            self.config[i] = ((old & !wmask) | (byte & wmask)) & !(byte & HostBridge::w1c_mask(i));
        }
    }

    fn command(&self) -> u16 {
        self.read(config::COMMAND, 2) as u16
    }

    /// Bus address range BAR0 decodes, if memory decoding is on and the BAR is
    /// placed (QEMU leaves a BAR at 0 or ending at 4 GiB unmapped).
    fn bar0(&self) -> Option<u64> {
        if self.command() & config::COMMAND_MEMORY == 0 {
            return None;
        }
        let base = self.read(config::BAR0, 4) & !(config::BAR0_SIZE - 1);
        let last = base as u64 + config::BAR0_SIZE as u64 - 1;
        (base != 0 && last < u32::MAX as u64).then_some(base as u64)
    }
}

/// The PCI host controller.
#[derive(Clone, Debug)]
pub struct PciHost {
    config_address: u32,
    bridge: HostBridge,
    /// Outbound windows 0..=4 (0 is not decoded, as on QEMU).
    outbound: [Outbound; 5],
    /// Inbound windows 3, 2, 1.
    inbound: [Inbound; 3],
    gasket_timer: u32,
}

impl Default for PciHost {
    fn default() -> PciHost {
        PciHost::new()
    }
}

/// `value` keeping only its low `size` bytes.
fn low_bytes(value: u32, size: u8) -> u32 {
    match size {
        1 => value & 0xFF,
        2 => value & 0xFFFF,
        _ => value,
    }
}

/// Swap a `size`-byte value between the little-endian device and the big-endian core.
fn swap(value: u32, size: u8) -> u32 {
    match size {
        2 => (value as u16).swap_bytes() as u32,
        4 => value.swap_bytes(),
        _ => value,
    }
}

/// Which ATMU register an offset names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AtmuReg {
    Outbound(usize, u64),
    Inbound(usize, u64),
    GasketTimer,
    None,
}

fn atmu_reg(offset: u64) -> AtmuReg {
    let r = offset - ATMU_BASE;
    match r & 0xFE0 {
        0x20 | 0x40 | 0x60 | 0x80 => AtmuReg::Outbound(((r >> 5) & 7) as usize, r & 0x1F),
        0x1A0 | 0x1C0 | 0x1E0 => AtmuReg::Inbound((((r >> 5) & 3) - 1) as usize, r & 0x1F),
        0x220 => AtmuReg::GasketTimer,
        _ => AtmuReg::None,
    }
}

impl PciHost {
    /// A controller after reset: no windows, the bridge unconfigured.
    pub fn new() -> PciHost {
        PciHost {
            config_address: 0,
            bridge: HostBridge::new(),
            outbound: [Outbound::default(); 5],
            inbound: [Inbound::default(); 3],
            gasket_timer: 0,
        }
    }

    /// Machine reset.
    pub fn reset(&mut self) {
        *self = PciHost::new();
    }

    /// The configuration-space offset of the selected function's register, if
    /// that function exists (only 00:00.0 does) and CFG_ADDR is enabled.
    fn selected(&self, data_offset: u64) -> Option<usize> {
        let address = self.config_address | (data_offset & 3) as u32;
        let bus = (address >> 16) & 0xFF;
        let devfn = (address >> 8) & 0xFF;
        (address & CFG_ENABLE != 0 && bus == 0 && devfn == 0).then_some((address & 0xFF) as usize)
    }

    /// Read `size` bytes at `offset` in the register block (core's big-endian view).
    pub fn read(&mut self, offset: u64, size: u8) -> u32 {
        if !matches!(size, 1 | 2 | 4) || !offset.is_multiple_of(size as u64) {
            return 0;
        }
        let value = match offset {
            CFG_ADDR..=0x003 => self.config_address,
            CFG_DATA..=0x007 => {
                let value = match self.selected(offset - CFG_DATA) {
                    Some(at) => self.bridge.read(at, size as usize),
                    None => u32::MAX,
                };
                swap(low_bytes(value, size), size)
            }
            ATMU_BASE..BLOCK_SIZE => self.read_atmu(offset),
            _ => 0,
        };
        low_bytes(value, size)
    }

    /// Write `size` bytes at `offset` in the register block.
    pub fn write(&mut self, offset: u64, size: u8, value: u32) {
        if !matches!(size, 1 | 2 | 4) || !offset.is_multiple_of(size as u64) {
            return;
        }
        let value = low_bytes(value, size);
        match offset {
            CFG_ADDR if size == 4 => self.config_address = value,
            CFG_DATA..=0x007 => {
                if let Some(at) = self.selected(offset - CFG_DATA) {
                    self.bridge.write(at, size as usize, swap(value, size));
                }
            }
            ATMU_BASE..BLOCK_SIZE => self.write_atmu(offset, value),
            _ => {}
        }
    }

    fn read_atmu(&self, offset: u64) -> u32 {
        match atmu_reg(offset) {
            AtmuReg::Outbound(i, r) => {
                let w = &self.outbound[i];
                match r {
                    window_reg::TAR => w.potar,
                    window_reg::TEAR => w.potear,
                    window_reg::WBAR => w.powbar,
                    window_reg::WAR => w.powar,
                    _ => 0,
                }
            }
            AtmuReg::Inbound(i, r) => {
                let w = &self.inbound[i];
                match r {
                    window_reg::TAR => w.pitar,
                    window_reg::WBAR => w.piwbar,
                    window_reg::WBEAR => w.piwbear,
                    window_reg::WAR => w.piwar,
                    _ => 0,
                }
            }
            AtmuReg::GasketTimer => self.gasket_timer,
            AtmuReg::None => 0,
        }
    }

    fn write_atmu(&mut self, offset: u64, value: u32) {
        match atmu_reg(offset) {
            AtmuReg::Outbound(i, r) => {
                let w = &mut self.outbound[i];
                match r {
                    window_reg::TAR => w.potar = value,
                    window_reg::TEAR => w.potear = value,
                    window_reg::WBAR => w.powbar = value,
                    window_reg::WAR => w.powar = value,
                    _ => {}
                }
            }
            AtmuReg::Inbound(i, r) => {
                let w = &mut self.inbound[i];
                match r {
                    window_reg::TAR => w.pitar = value,
                    window_reg::WBAR => w.piwbar = value,
                    window_reg::WBEAR => w.piwbear = value,
                    window_reg::WAR => w.piwar = value,
                    _ => {}
                }
            }
            AtmuReg::GasketTimer => self.gasket_timer = value,
            AtmuReg::None => {}
        }
    }

    /// Where CPU physical address `pa` lands on the PCI bus through an enabled
    /// outbound window (QEMU ignores the extended address registers here).
    pub fn outbound(&self, pa: u64) -> Option<u64> {
        self.outbound[1..].iter().find_map(|w| {
            let base = (w.powbar as u64) << 12;
            let offset = pa.checked_sub(base)?;
            (w.powar & war::EN != 0 && offset < window_size(w.powar))
                .then(|| ((w.potar as u64) << 12) + offset)
        })
    }

    /// The CCSR offset that PCI bus address `bus_address` reaches through the
    /// host bridge's BAR0, if it does.
    pub fn bar0_target(&self, bus_address: u64) -> Option<u64> {
        let base = self.bridge.bar0()?;
        let offset = bus_address.checked_sub(base)?;
        (offset < config::BAR0_SIZE as u64).then_some(offset)
    }

    /// The CCSR offset CPU physical address `pa` reaches through an outbound
    /// window and the host bridge's BAR0, if it does.
    pub fn window_target(&self, pa: u64) -> Option<u64> {
        self.bar0_target(self.outbound(pa)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 32-bit configuration read as U-Boot does it: CFG_ADDR, then `lwbrx` of CFG_DATA.
    fn config_read(p: &mut PciHost, bus: u32, dev: u32, func: u32, reg: u32) -> u32 {
        p.write(
            CFG_ADDR,
            4,
            CFG_ENABLE | bus << 16 | dev << 11 | func << 8 | reg,
        );
        p.read(CFG_DATA, 4).swap_bytes()
    }

    fn config_write(p: &mut PciHost, reg: u32, value: u32) {
        p.write(CFG_ADDR, 4, CFG_ENABLE | reg);
        p.write(CFG_DATA, 4, value.swap_bytes());
    }

    #[test]
    fn host_bridge_header_is_qemus() {
        let mut p = PciHost::new();
        // `pci display.l 0.0.0 0 10` on QEMU 7.2 before U-Boot touches it.
        let expected = [
            0x0030_1957,
            0,
            0x0B20_0000,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0x1100_1AF4,
            0,
            0,
            0,
            0,
        ];
        for (i, &e) in expected.iter().enumerate() {
            assert_eq!(config_read(&mut p, 0, 0, 0, 4 * i as u32), e, "dword {i}");
        }
    }

    #[test]
    fn absent_functions_and_disabled_cycles_read_all_ones() {
        let mut p = PciHost::new();
        for (bus, dev, func) in [(0, 1, 0), (0, 31, 7), (0, 0, 1), (1, 0, 0)] {
            assert_eq!(config_read(&mut p, bus, dev, func, 0), u32::MAX);
        }
        p.write(CFG_ADDR, 4, 0);
        assert_eq!(p.read(CFG_DATA, 4), u32::MAX);
        assert_eq!(p.read(CFG_DATA, 1), 0xFF);
        assert_eq!(p.read(CFG_ADDR, 4), 0);
    }

    #[test]
    fn write_masks_are_qemus() {
        let mut p = PciHost::new();
        // Writing all ones to every header dword, as measured on QEMU 7.2.
        for reg in (0..0x40).step_by(4).chain([0x40, 0xFC]) {
            config_write(&mut p, reg, u32::MAX);
        }
        let expected = [
            0x0030_1957,
            0x0000_0507,
            0x0B20_0000,
            0x0000_00FF,
            0xFFF0_0000,
            0,
            0,
            0,
            0,
            0,
            0,
            0x1100_1AF4,
            0,
            0,
            0,
            0x0000_00FF,
            u32::MAX,
        ];
        for (i, &e) in expected.iter().enumerate() {
            assert_eq!(config_read(&mut p, 0, 0, 0, 4 * i as u32), e, "dword {i}");
        }
        assert_eq!(config_read(&mut p, 0, 0, 0, 0xFC), u32::MAX);
        assert_eq!(config_read(&mut p, 0, 0, 0, 0x44), 0);
    }

    #[test]
    fn narrow_data_accesses_pick_bytes_little_endian() {
        let mut p = PciHost::new();
        p.write(CFG_ADDR, 4, CFG_ENABLE);
        assert_eq!(p.read(CFG_DATA, 1), 0x57);
        assert_eq!(p.read(CFG_DATA + 1, 1), 0x19);
        assert_eq!(p.read(CFG_DATA + 2, 2), 0x3000, "byte-swapped 0x0030");
        assert_eq!(p.read(CFG_DATA + 1, 2), 0, "misaligned");
        p.write(CFG_ADDR, 4, CFG_ENABLE | 0x0C);
        p.write(CFG_DATA, 1, 0x08);
        assert_eq!(p.read(CFG_DATA, 4), 0x0800_0000);
        // CFG_ADDR only latches whole words.
        p.write(CFG_ADDR, 2, 0x8000);
        assert_eq!(p.read(CFG_ADDR, 4), CFG_ENABLE | 0x0C);
    }

    #[test]
    fn atmu_registers_are_storage() {
        let mut p = PciHost::new();
        // U-Boot's writes (reference §4), read back.
        let writes = [
            (atmu::POTAR1, 0x000E_0000),
            (atmu::POTEAR1, 0),
            (atmu::POWBAR1, 0x00C0_0000),
            (atmu::POWAR1, 0x8004_401C),
            (atmu::POTAR1 + 0x20, 0),
            (atmu::POWBAR1 + 0x20, 0x00FE_1000),
            (atmu::POWAR1 + 0x20, 0x8008_800F),
            (atmu::PITAR1, 0),
            (atmu::PIWBAR1, 0),
            (atmu::PIWAR1, 0xA0F5_501E),
            (atmu::PIWBEAR1 - 0x40, 0x1234),
            (atmu::GASKET_TIMR, 0x55),
        ];
        for (offset, value) in writes {
            p.write(offset, 4, value);
        }
        for (offset, value) in writes {
            assert_eq!(p.read(offset, 4), value, "{offset:#x}");
        }
        assert_eq!(p.read(atmu::POWBAR1 + 4, 4), 0, "POWBEAR is not kept");
        assert_eq!(p.read(0xC00, 4), 0, "window 0 is not decoded");
        assert_eq!(p.read(0x100, 4), 0);
        assert_eq!(
            p.read(atmu::GASKET_TIMR + 8, 4),
            0x55,
            "QEMU decodes 32 bytes"
        );
    }

    #[test]
    fn outbound_window_reaches_ccsr_through_bar0() {
        let mut p = PciHost::new();
        p.write(atmu::POTAR1, 4, 0x000E_0000);
        p.write(atmu::POWBAR1, 4, 0x00C0_0000);
        p.write(atmu::POWAR1, 4, 0x8004_401C);
        assert_eq!(p.outbound(0xC_0000_4500), Some(0xE000_4500));
        assert_eq!(p.outbound(0xC_2000_0000), None, "512 MiB window");
        assert_eq!(p.outbound(0xB_FFFF_FFFF), None);
        assert_eq!(p.window_target(0xC_0000_4500), None, "BAR0 not placed");
        // U-Boot's enumeration: BAR0 at 0xE000_0000, memory decoding on.
        config_write(&mut p, 0x10, 0xE000_0000);
        assert_eq!(p.window_target(0xC_0000_4500), None, "memory decoding off");
        config_write(&mut p, 0x04, 0x6);
        assert_eq!(p.window_target(0xC_0000_4500), Some(0x4500));
        assert_eq!(p.window_target(0xC_0010_0000), None, "beyond the 1 MiB BAR");
        p.write(atmu::POWAR1, 4, 0);
        assert_eq!(p.window_target(0xC_0000_4500), None, "window disabled");
    }
}
