//! The ppce500 physical address map: where RAM, the CCSR block and each device
//! inside it live (QEMU's `e500plat` class values and `MPC8544_*` offsets).

/// Base of the CCSR block (36-bit physical).
pub const CCSR_BASE: u64 = 0xF_E000_0000;
/// Size of the CCSR block.
pub const CCSR_SIZE: u64 = 0x10_0000;

/// I2C controller, with the RTC on its bus.
pub const I2C_OFFSET: u64 = 0x3000;
/// First NS16550A UART (the console).
pub const UART0_OFFSET: u64 = 0x4500;
/// Second NS16550A UART.
pub const UART1_OFFSET: u64 = 0x4600;
/// Bytes of register space each UART decodes (8 registers, regshift 0).
pub const UART_WINDOW: u64 = 8;
/// eLBC clock-ratio register (not modelled: reads 0, which U-Boot relies on).
pub const LBC_LCRR_OFFSET: u64 = 0x5008;
/// PCI host bridge registers (not modelled yet).
pub const PCI_OFFSET: u64 = 0x8000;
/// MPIC register block.
pub const MPIC_OFFSET: u64 = 0x4_0000;
/// MPIC register block size.
pub const MPIC_SIZE: u64 = 0x4_0000;
/// MSI registers (inside the MPIC block).
pub const MSI_OFFSET: u64 = 0x4_1600;
/// Global utilities (GUTS).
pub const GUTS_OFFSET: u64 = 0xE_0000;
/// GUTS register block size.
pub const GUTS_SIZE: u64 = 0x1000;
/// GPIO controller (pin 0 powers the machine off).
pub const GPIO_OFFSET: u64 = 0xF_F000;
/// GPIO register block size.
pub const GPIO_SIZE: u64 = 0x1000;

/// PCI memory window (physical) and its PCI bus address.
pub const PCI_MMIO_BASE: u64 = 0xC_0000_0000;
pub const PCI_MMIO_BUS_BASE: u64 = 0xE000_0000;
/// PCI memory window size.
pub const PCI_MMIO_SIZE: u64 = 0x2000_0000;
/// PCI I/O window (physical).
pub const PCI_PIO_BASE: u64 = 0xF_E100_0000;
/// PCI I/O window size.
pub const PCI_PIO_SIZE: u64 = 0x1_0000;
/// Platform bus for dynamic devices (empty here).
pub const PLATFORM_BUS_BASE: u64 = 0xF_0000_0000;
/// Platform bus size.
pub const PLATFORM_BUS_SIZE: u64 = 0x800_0000;

/// Platform, CPU and time-base clock: 400 MHz.
pub const PLATFORM_CLOCK_HZ: u32 = 400_000_000;

/// RAM sizes must be a multiple of this (QEMU's `RAM_SIZES_ALIGN`).
pub const RAM_SIZE_ALIGN: u64 = 64 << 20;
/// RAM size when none is given.
pub const DEFAULT_RAM_SIZE: u64 = 128 << 20;
/// RAM must end below the PCI memory window.
pub const MAX_RAM_SIZE: u64 = PCI_MMIO_BASE;
