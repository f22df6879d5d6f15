//! Everything behind the core's physical bus outside RAM: the CCSR block with its
//! devices, the PCI windows, and unassigned space that reads 0 and ignores writes
//! (QEMU's behaviour, which U-Boot relies on for the eLBC LCRR at CCSR+0x5008).
//!
//! Interrupt lines: both UARTs drive MPIC source 42 and the GPIO controller
//! source 47, as QEMU wires them; the MPIC's interrupt output is the core's
//! external interrupt input. The core asks for that level between blocks and
//! after device stores ([`Bus::external_interrupt`]); the console UART takes in
//! waiting host input at that moment, so a guest with receive interrupts on is
//! interrupted when a key arrives.
//!
//! Devices that need the machine to act (GPIO pin 0 powering off, GUTS RSTCR
//! asking for a reset) record a [`BoardRequest`] and make the access return
//! [`BusAction::Exit`], so the run loop stops right after the instruction.

use crate::ppce500::gpio::{self, Gpio};
use crate::ppce500::guts::Guts;
use crate::ppce500::i2c::{self, I2c};
use crate::ppce500::map::*;
use crate::ppce500::mpic::{self, Mpic};
use crate::ppce500::pci::{self, PciHost};
use crate::ppce500::serial::SerialLine;
use crate::ppce500::uart::Ns16550;
use e500::{Bus, BusAction, Flavor};

/// GPIO pin wired to power-off (QEMU's `ppce500_power_off`).
pub const POWER_OFF_PIN: u32 = gpio::pin(0);

/// What a device asked the machine to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoardRequest {
    /// GPIO pin 0 driven high: the guest powered the machine off.
    PowerOff,
    /// GUTS RSTCR[HRESET_REQ] written: the guest asked for a machine reset.
    Reset,
}

/// Which device a physical address decodes to, with the offset inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Uart0(u64),
    Uart1(u64),
    I2c(u64),
    Pci(u64),
    Mpic(u64),
    Guts(u64),
    Gpio(u64),
    /// The CCSR block seen from the PCI bus (an outbound window onto the host
    /// bridge's BAR0): the offset in CCSR.
    CcsrThroughPci(u64),
    Unassigned,
}

/// The device at `offset` in the CCSR block.
fn decode_ccsr(offset: u64) -> Target {
    let within =
        |base: u64, size: u64| (offset >= base && offset - base < size).then(|| offset - base);
    if let Some(o) = within(UART0_OFFSET, UART_WINDOW) {
        Target::Uart0(o)
    } else if let Some(o) = within(UART1_OFFSET, UART_WINDOW) {
        Target::Uart1(o)
    } else if let Some(o) = within(I2C_OFFSET, i2c::SIZE) {
        Target::I2c(o)
    } else if let Some(o) = within(PCI_OFFSET, pci::BLOCK_SIZE) {
        Target::Pci(o)
    } else if let Some(o) = within(MPIC_OFFSET, MPIC_SIZE) {
        Target::Mpic(o)
    } else if let Some(o) = within(GUTS_OFFSET, GUTS_SIZE) {
        Target::Guts(o)
    } else if let Some(o) = within(GPIO_OFFSET, GPIO_SIZE) {
        Target::Gpio(o)
    } else {
        Target::Unassigned
    }
}

/// Levels of the interrupt lines as last given to the MPIC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Lines {
    uart: bool,
    i2c: bool,
    gpio: bool,
}

/// The board's devices.
#[derive(Debug)]
pub struct Devices {
    /// The console UART at CCSR+0x4500.
    pub uart0: Ns16550,
    /// The second UART at CCSR+0x4600 (its output is discarded).
    pub uart1: Ns16550,
    /// The I²C controller with the RTC.
    pub i2c: I2c,
    pub pci: PciHost,
    pub mpic: Mpic,
    pub guts: Guts,
    pub gpio: Gpio,
    lines: Lines,
    request: Option<BoardRequest>,
    /// The guest's time base at its latest device access.
    now_ticks: u64,
}

impl Devices {
    /// The devices of a board with a `flavor` core, the console on `console`.
    pub fn new(flavor: Flavor, console: SerialLine) -> Devices {
        Devices {
            uart0: Ns16550::new(console),
            uart1: Ns16550::new(SerialLine::null()),
            i2c: I2c::new(0),
            pci: PciHost::new(),
            mpic: Mpic::new(),
            // QEMU's e500 cores have SVR 0 ("CPU: Unknown" in U-Boot).
            guts: Guts::new(flavor.pvr(), 0),
            gpio: Gpio::new(),
            lines: Lines::default(),
            request: None,
            now_ticks: 0,
        }
    }

    /// Virtual seconds since power-on (the time base runs at the platform clock).
    fn now_seconds(&self) -> i64 {
        (self.now_ticks / PLATFORM_CLOCK_HZ as u64) as i64
    }

    /// Machine reset of every device (host lines and queued input are kept).
    pub fn reset(&mut self) {
        self.uart0.reset();
        self.uart1.reset();
        self.i2c.reset();
        self.pci.reset();
        self.mpic.reset();
        self.gpio.reset();
        self.lines = Lines::default();
        self.request = None;
    }

    /// The request a device made since the last call, if any.
    pub fn take_request(&mut self) -> Option<BoardRequest> {
        self.request.take()
    }

    fn request(&mut self, request: BoardRequest) -> BusAction {
        tracing::debug!(?request, "device request");
        // Power-off wins over a reset asked for in the same run.
        if self.request != Some(BoardRequest::PowerOff) {
            self.request = Some(request);
        }
        BusAction::Exit
    }

    /// Give the MPIC the device interrupt lines that changed.
    fn sync_lines(&mut self) {
        let now = Lines {
            uart: self.uart0.interrupt() || self.uart1.interrupt(),
            i2c: self.i2c.interrupt(),
            gpio: self.gpio.interrupt(),
        };
        if now.i2c != self.lines.i2c {
            self.mpic.set_irq(mpic::source::I2C, now.i2c);
        }
        if now.uart != self.lines.uart {
            self.mpic.set_irq(mpic::source::UART, now.uart);
        }
        if now.gpio != self.lines.gpio {
            self.mpic.set_irq(mpic::source::GPIO, now.gpio);
        }
        self.lines = now;
    }

    fn decode(&self, pa: u64) -> Target {
        match pa.checked_sub(CCSR_BASE).filter(|&o| o < CCSR_SIZE) {
            Some(offset) => decode_ccsr(offset),
            None => match self.pci.window_target(pa) {
                Some(offset) => Target::CcsrThroughPci(offset),
                None => Target::Unassigned,
            },
        }
    }
}

impl Devices {
    /// What a guest read of `size` bytes at `pa` would return, for the debugger,
    /// changing no device state (the UART's RBR shows the next byte without
    /// taking it; the MPIC's IACK shows the vector without acknowledging it);
    /// `None` where no device is.
    pub fn peek(&self, pa: u64, size: u8) -> Option<u32> {
        Some(match self.decode(pa) {
            Target::Uart0(o) => self.uart0.peek(o) as u32,
            Target::Uart1(o) => self.uart1.peek(o) as u32,
            Target::I2c(o) => self.i2c.clone().read(o) as u32,
            Target::Pci(o) => self.pci.clone().read(o, size),
            Target::Mpic(o) => self.mpic.clone().read(o, size),
            Target::Guts(o) => self.guts.clone().read(o, size),
            Target::Gpio(o) => self.gpio.clone().read(o, size),
            Target::CcsrThroughPci(o) => return self.peek(CCSR_BASE + o, size),
            Target::Unassigned => return None,
        })
    }

    /// Whether a device answers at `pa` (where a debugger write goes somewhere).
    pub fn claims(&self, pa: u64) -> bool {
        self.decode(pa) != Target::Unassigned
    }
}

impl Bus for Devices {
    fn read(&mut self, pa: u64, size: u8) -> u32 {
        match self.decode(pa) {
            // Byte registers: any access size reads the one register, zero-extended.
            Target::Uart0(o) => {
                let value = self.uart0.read(o) as u32;
                self.sync_lines();
                value
            }
            Target::Uart1(o) => {
                let value = self.uart1.read(o) as u32;
                self.sync_lines();
                value
            }
            Target::I2c(o) => {
                let value = self.i2c.read(o) as u32;
                self.sync_lines();
                value
            }
            Target::Pci(o) => self.pci.read(o, size),
            Target::Mpic(o) => self.mpic.read(o, size),
            Target::Guts(o) => self.guts.read(o, size),
            Target::Gpio(o) => self.gpio.read(o, size),
            Target::CcsrThroughPci(o) => self.read(CCSR_BASE + o, size),
            Target::Unassigned => {
                tracing::trace!("read of unassigned physical address {pa:#x} ({size} bytes)");
                0
            }
        }
    }

    fn write(&mut self, pa: u64, size: u8, value: u32) -> BusAction {
        match self.decode(pa) {
            Target::Uart0(o) => {
                self.uart0.write(o, value as u8);
                self.sync_lines();
            }
            Target::Uart1(o) => {
                self.uart1.write(o, value as u8);
                self.sync_lines();
            }
            Target::I2c(o) => {
                let now = self.now_seconds();
                self.i2c.write(o, value as u8, now);
                self.sync_lines();
            }
            Target::Pci(o) => self.pci.write(o, size, value),
            Target::Mpic(o) => self.mpic.write(o, size, value),
            Target::Guts(o) => {
                if self.guts.write(o, size, value) {
                    return self.request(BoardRequest::Reset);
                }
            }
            Target::Gpio(o) => {
                let changes = self.gpio.write(o, size, value);
                self.sync_lines();
                if changes.rose(POWER_OFF_PIN) {
                    return self.request(BoardRequest::PowerOff);
                }
            }
            Target::CcsrThroughPci(o) => return self.write(CCSR_BASE + o, size, value),
            Target::Unassigned => {
                tracing::trace!(
                    "write of {value:#x} to unassigned physical address {pa:#x} ({size} bytes)"
                );
            }
        }
        BusAction::Continue
    }

    fn external_interrupt(&mut self) -> bool {
        self.uart0.poll();
        self.sync_lines();
        self.mpic.int_output()
    }

    fn set_time(&mut self, tb_ticks: u64) {
        self.now_ticks = tb_ticks;
    }

    fn acknowledge_external(&mut self) -> Option<u32> {
        self.mpic.proxy_mode().then(|| self.mpic.acknowledge())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ppce500::serial::{Capture, InputQueue};
    use crate::ppce500::{gpio, guts, mpic, pci, uart};

    fn devices() -> (Devices, Capture) {
        let capture = Capture::new();
        let line = SerialLine::new(capture.clone(), InputQueue::new());
        (Devices::new(Flavor::E500v2, line), capture)
    }

    const UART0: u64 = CCSR_BASE + UART0_OFFSET;
    const GPIO: u64 = CCSR_BASE + GPIO_OFFSET;
    const GUTS: u64 = CCSR_BASE + GUTS_OFFSET;

    #[test]
    fn addresses_decode_to_their_devices() {
        let (d, _) = devices();
        let decode = |pa| d.decode(pa);
        assert_eq!(decode(UART0 + 5), Target::Uart0(5));
        assert_eq!(decode(CCSR_BASE + UART1_OFFSET), Target::Uart1(0));
        assert_eq!(
            decode(UART0 + 8),
            Target::Unassigned,
            "the UART decodes 8 bytes"
        );
        assert_eq!(decode(CCSR_BASE + 0x4_1020), Target::Mpic(0x1020));
        assert_eq!(decode(CCSR_BASE + 0x8C20), Target::Pci(0xC20));
        assert_eq!(decode(CCSR_BASE + 0x9000), Target::Unassigned);
        assert_eq!(decode(GUTS + 0xB0), Target::Guts(0xB0));
        assert_eq!(decode(GPIO + 8), Target::Gpio(8));
        assert_eq!(decode(CCSR_BASE + CCSR_SIZE), Target::Unassigned);
        assert_eq!(
            decode(0xE000_4500),
            Target::Unassigned,
            "CCSR is above 4 GiB"
        );
    }

    #[test]
    fn unassigned_space_reads_zero_and_ignores_writes() {
        let (mut d, _) = devices();
        for pa in [
            CCSR_BASE + LBC_LCRR_OFFSET,
            CCSR_BASE + I2C_OFFSET + 0x20,
            PLATFORM_BUS_BASE,
            PCI_MMIO_BASE,
            0x1_0000_0000,
        ] {
            assert_eq!(d.write(pa, 4, 0xFFFF_FFFF), BusAction::Continue);
            assert_eq!(d.read(pa, 4), 0, "{pa:#x}");
            assert_eq!(d.read(pa, 1), 0, "{pa:#x}");
        }
        assert_eq!(d.take_request(), None);
    }

    #[test]
    fn console_uart_writes_reach_the_console() {
        let (mut d, out) = devices();
        assert_eq!(d.read(UART0 + uart::reg::LSR, 1), 0x60);
        d.write(UART0, 1, b'A' as u32);
        // A word store reaches the byte register too.
        d.write(UART0, 4, b'B' as u32);
        assert_eq!(out.contents(), b"AB");
        assert_eq!(d.read(UART0 + uart::reg::LSR, 4), 0x60);
    }

    #[test]
    fn second_uart_is_present_but_silent() {
        let (mut d, out) = devices();
        let uart1 = CCSR_BASE + UART1_OFFSET;
        assert_eq!(d.read(uart1 + uart::reg::LSR, 1), 0x60);
        d.write(uart1 + uart::reg::SCR, 1, 0x42);
        assert_eq!(d.read(uart1 + uart::reg::SCR, 1), 0x42);
        d.write(uart1, 1, b'x' as u32);
        assert!(out.contents().is_empty());
    }

    #[test]
    fn gpio_pin0_high_powers_off() {
        let (mut d, _) = devices();
        assert_eq!(
            d.write(GPIO + gpio::reg::GPDAT, 4, POWER_OFF_PIN),
            BusAction::Continue
        );
        assert_eq!(d.take_request(), None, "pin 0 is still an input");
        d.write(GPIO + gpio::reg::GPDAT, 4, 0);
        d.write(GPIO + gpio::reg::GPDIR, 4, POWER_OFF_PIN);
        assert_eq!(
            d.write(GPIO + gpio::reg::GPDAT, 4, POWER_OFF_PIN),
            BusAction::Exit
        );
        assert_eq!(d.take_request(), Some(BoardRequest::PowerOff));
        assert_eq!(d.take_request(), None);
    }

    #[test]
    fn guts_rstcr_requests_a_reset_and_reports_the_core() {
        let (mut d, _) = devices();
        assert_eq!(d.read(GUTS + guts::reg::PVR, 4), Flavor::E500v2.pvr());
        assert_eq!(d.read(GUTS + guts::reg::SVR, 4), 0);
        assert_eq!(d.write(GUTS + guts::reg::RSTCR, 4, 2), BusAction::Exit);
        assert_eq!(d.take_request(), Some(BoardRequest::Reset));
    }

    #[test]
    fn power_off_wins_over_reset() {
        let (mut d, _) = devices();
        d.write(GPIO + gpio::reg::GPDIR, 4, POWER_OFF_PIN);
        d.write(GPIO + gpio::reg::GPDAT, 4, POWER_OFF_PIN);
        d.write(GUTS + guts::reg::RSTCR, 4, 2);
        assert_eq!(d.take_request(), Some(BoardRequest::PowerOff));
    }

    #[test]
    fn mpic_gcr_through_the_bus() {
        let (mut d, _) = devices();
        let gcr = CCSR_BASE + MPIC_OFFSET + mpic::reg::GCR;
        assert_eq!(d.read(gcr, 4), 0);
        d.write(gcr, 4, mpic::gcr::RESET);
        assert_eq!(d.read(gcr, 4), 0);
        d.write(gcr, 4, 0x2000_0000);
        assert_eq!(d.read(gcr, 4), 0x2000_0000);
    }

    #[test]
    fn uart_receive_interrupt_reaches_the_core_through_the_mpic() {
        let (mut d, _) = devices();
        let mpic = CCSR_BASE + MPIC_OFFSET;
        let ivpr42 = mpic + mpic::reg::IVPR0 + 0x20 * mpic::source::UART as u64;
        d.write(ivpr42, 4, 5 << 16 | 42);
        d.write(mpic + mpic::reg::CTPR, 4, 0);
        d.write(UART0 + uart::reg::IER_DLM, 1, uart::ier::RDI as u32);
        assert!(!d.external_interrupt());
        d.uart0.line().input().push(b"k");
        assert!(d.external_interrupt(), "a key arrived");
        assert_eq!(d.read(mpic + mpic::reg::IACK, 4), 42);
        assert!(!d.external_interrupt(), "acknowledged");
        assert_eq!(d.read(UART0, 1), b'k' as u32);
        d.write(mpic + mpic::reg::EOI, 4, 0);
        assert!(!d.external_interrupt(), "the receiver is empty");
        // Masking the source in the UART or the MPIC keeps the core quiet.
        d.uart0.line().input().push(b"l");
        d.write(ivpr42, 4, mpic::ivpr::MSK | 5 << 16 | 42);
        assert!(!d.external_interrupt());
    }

    #[test]
    fn pci_memory_window_shows_ccsr_through_the_host_bridge() {
        let (mut d, out) = devices();
        // U-Boot's outbound window 1 and its enumeration of the host bridge.
        for (offset, value) in [
            (0x8C20, 0x000E_0000),
            (0x8C28, 0x00C0_0000),
            (0x8C30, 0x8004_401C),
        ] {
            d.write(CCSR_BASE + offset, 4, value);
        }
        let config_write = |d: &mut Devices, reg: u32, value: u32| {
            d.write(CCSR_BASE + PCI_OFFSET, 4, pci::CFG_ENABLE | reg);
            d.write(CCSR_BASE + PCI_OFFSET + 4, 4, value.swap_bytes());
        };
        assert_eq!(
            d.read(PCI_MMIO_BASE + 0x4505, 1),
            0,
            "nothing on the bus yet"
        );
        config_write(&mut d, 0x10, 0xE000_0000);
        config_write(&mut d, 0x04, 0x6);
        assert_eq!(d.read(PCI_MMIO_BASE + 0x4505, 1), 0x60, "the UART's LSR");
        d.write(PCI_MMIO_BASE + 0x4500, 1, b'P' as u32);
        assert_eq!(out.contents(), b"P");
        assert_eq!(d.read(PCI_MMIO_BASE + 0x4_1000, 4), mpic::id::FRR);
    }

    #[test]
    fn machine_reset_resets_devices_and_forgets_requests() {
        let (mut d, _) = devices();
        d.write(UART0 + uart::reg::SCR, 1, 7);
        d.write(GPIO + gpio::reg::GPDIR, 4, POWER_OFF_PIN);
        d.write(GPIO + gpio::reg::GPDAT, 4, POWER_OFF_PIN);
        d.reset();
        assert_eq!(d.take_request(), None);
        assert_eq!(d.read(UART0 + uart::reg::SCR, 1), 0);
        assert_eq!(d.read(GPIO + gpio::reg::GPDIR, 4), 0);
    }

    /// One guest access in the fuzz test: where (a block and an offset in it),
    /// size, value, read or write.
    fn access() -> impl proptest::strategy::Strategy<Value = (u64, u8, u32, bool)> {
        use proptest::prelude::*;
        let block = prop_oneof![
            // MPIC: the whole block, and its register groups densely.
            (0..MPIC_SIZE).prop_map(|o| CCSR_BASE + MPIC_OFFSET + o),
            (0x1000..0x1800u64).prop_map(|o| CCSR_BASE + MPIC_OFFSET + o),
            (0x1_0000..0x1_0600u64).prop_map(|o| CCSR_BASE + MPIC_OFFSET + o),
            (0x2_0000..0x2_0100u64).prop_map(|o| CCSR_BASE + MPIC_OFFSET + o),
            // PCI controller, the PCI windows, the UART, anything in CCSR.
            (0..0x1000u64).prop_map(|o| CCSR_BASE + PCI_OFFSET + o),
            (0..0x10u64).prop_map(|o| CCSR_BASE + PCI_OFFSET + o),
            (0..PCI_MMIO_SIZE).prop_map(|o| PCI_MMIO_BASE + o),
            (0..8u64).prop_map(|o| CCSR_BASE + UART0_OFFSET + o),
            (0..CCSR_SIZE).prop_map(|o| CCSR_BASE + o),
        ];
        (
            block,
            prop_oneof![Just(1u8), Just(2), Just(4), Just(3)],
            any::<u32>(),
            any::<bool>(),
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

        /// A hostile guest cannot crash the board: random accesses to the MPIC,
        /// the PCI controller and its windows, with console input arriving.
        #[test]
        fn random_accesses_never_panic(
            accesses in proptest::collection::vec(access(), 1..2000),
            input in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..16),
        ) {
            let (mut d, _) = devices();
            d.uart0.line().input().push(&input);
            // Let the PCI windows reach CCSR as U-Boot sets them up.
            for (offset, value) in [(0x8C20, 0x000E_0000), (0x8C28, 0x00C0_0000), (0x8C30, 0x8004_401C)] {
                d.write(CCSR_BASE + offset, 4, value);
            }
            d.write(CCSR_BASE + PCI_OFFSET, 4, 0x8000_0010);
            d.write(CCSR_BASE + PCI_OFFSET + 4, 4, 0xE0u32.swap_bytes());
            for (pa, size, value, write) in accesses {
                if write {
                    d.write(pa, size, value);
                } else {
                    d.read(pa, size);
                }
                d.external_interrupt();
            }
        }
    }
}
