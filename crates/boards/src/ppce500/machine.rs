//! The ppce500 machine: one e500 vCPU, its RAM, the board's devices and the boot
//! payload, with QEMU's machine reset and a run loop that turns the vCPU's exits
//! into [`Event`]s.
//!
//! Whoever drives the machine (the `vmgdb run` loop, the GDB stub) calls
//! [`Ppce500::run`] or [`Ppce500::run_for`] and acts on the event; it reaches the
//! vCPU for registers, memory and debug settings with [`Ppce500::vcpu_mut`], and
//! stops a run from another thread with [`Ppce500::kick_handle`].
//!
//! Console input wakes the machine by itself: a byte pushed to the console's
//! input queue makes a running vCPU look at its interrupt inputs at once, and a
//! guest idling with external interrupts enabled (`wait`) blocks the run until
//! input arrives, the queue closes, or the kick handle is used.

use crate::ppce500::boot::{BootFileKind, BootLayout, FileDoesNotFit, NoRoomForDeviceTree};
use crate::ppce500::devices::{BoardRequest, Devices};
use crate::ppce500::fdt::{self, DeviceTreeConfig, DT_SIZE};
use crate::ppce500::image::{Image, ImageError};
use crate::ppce500::map::{MAX_RAM_SIZE, RAM_SIZE_ALIGN};
use crate::ppce500::rtc::Ds1338;
use crate::ppce500::serial::{InputQueue, SerialLine};
use e500::Flavor;
use e500::{Bus, ResetKind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use vmgdb_hv::{DebugExit, E500Vcpu, Exit, Reg, Vcpu};

/// How the payload was given (QEMU's `-kernel` without `-bios`, or `-bios`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// The guest kernel itself; announced in `/chosen/qemu,boot-kernel`.
    Kernel,
    /// Firmware (e.g. U-Boot).
    Bios,
}

/// A parsed payload and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootImage {
    /// File name, for messages.
    pub path: PathBuf,
    pub kind: ImageKind,
    pub image: Image,
}

impl BootImage {
    /// Read the ELF file or uImage at `path`, refusing one larger than `limit`
    /// bytes (the guest's RAM) before reading it.
    pub fn from_file(path: &Path, kind: ImageKind, limit: u64) -> Result<BootImage, ImageError> {
        Ok(BootImage {
            path: path.to_owned(),
            kind,
            image: Image::from_file(path, limit)?,
        })
    }
}

/// A file handed to the guest byte for byte (QEMU's `load_image_targphys`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootFile {
    /// File name, for messages.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl BootFile {
    /// Read the regular file at `path`, at most `limit` bytes.
    pub fn from_file(path: &Path, limit: u64) -> Result<BootFile, ImageError> {
        Ok(BootFile {
            path: path.to_owned(),
            bytes: crate::ppce500::image::read_file(path, limit)?,
        })
    }
}

/// What QEMU's `-kernel` beside `-bios`, `-initrd`, `-append` and `-dtb` add to
/// the payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BootExtras {
    /// A kernel loaded as raw bytes above firmware (`-bios` with `-kernel`), for
    /// the firmware to find through `/chosen/qemu,boot-kernel`.
    pub kernel: Option<BootFile>,
    /// The initial RAM disk, announced in `/chosen`.
    pub initrd: Option<BootFile>,
    /// The kernel command line, `/chosen/bootargs`.
    pub cmdline: String,
    /// A device tree blob handed to the guest instead of the board's own, as it
    /// is (QEMU's `-dtb`: no `/chosen` changes).
    pub dtb: Option<BootFile>,
}

/// What the machine is built from.
#[derive(Clone, Debug)]
pub struct Ppce500Config {
    pub flavor: Flavor,
    /// Bytes of RAM: a non-zero multiple of 64 MiB.
    pub ram_size: u64,
    pub payload: BootImage,
    pub extras: BootExtras,
    /// What the RTC shows at power-on, in Unix seconds (QEMU: the host's time).
    pub rtc_base: i64,
}

/// An RTC base for tests and tools that want the same clock every run:
/// 2026-01-01 00:00:00 UTC.
pub const RTC_TEST_BASE: i64 = 1_767_225_600;

/// Why the machine cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum MachineError {
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error("RAM size {} is not a non-zero multiple of 64 MiB", show_size(*.0))]
    RamSizeNotAligned(u64),
    #[error("RAM size {} is too large: RAM must end below the PCI window at 48 GiB", show_size(*.0))]
    RamTooLarge(u64),
    #[error("cannot allocate {} of guest RAM", show_size(*.0))]
    OutOfMemory(u64),
    #[error("{}: {source}", path.display())]
    NoRoomForDeviceTree {
        path: PathBuf,
        source: NoRoomForDeviceTree,
    },
    #[error("{}: {source}", path.display())]
    FileDoesNotFit {
        path: PathBuf,
        source: FileDoesNotFit,
    },
    #[error("{}: {problem}", path.display())]
    BadDeviceTree { path: PathBuf, problem: String },
    #[error("cannot build the device tree: {0}")]
    DeviceTree(vm_fdt::Error),
}

/// A byte count in the largest binary unit that divides it.
fn show_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{bytes} bytes")
}

/// What happened while the machine ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The guest powered the machine off (GPIO pin 0). Running again reports
    /// this again until [`Ppce500::reset`].
    PoweredOff,
    /// The guest asked for a reset: GUTS RSTCR or DBCR0[RST] = 11 ask for the
    /// whole machine ([`ResetKind::System`]); [`Ppce500::handle_reset`] does it.
    ResetRequested(ResetKind),
    /// A debug event the debugger asked for.
    Debug(DebugExit),
    /// The CPU waits for an interrupt nothing will raise.
    Halted,
    /// The kick handle was set.
    Interrupted,
    /// The instruction budget of [`Ppce500::run_for`] was used up.
    BudgetExhausted,
}

/// Makes a run of the machine return [`Event::Interrupted`] promptly, from any
/// thread, even while the guest idles waiting for console input.
#[derive(Debug)]
pub struct Kicker {
    vcpu: Arc<AtomicBool>,
    requested: AtomicBool,
    console: InputQueue,
}

impl Kicker {
    /// Interrupt the current (or the next) run.
    pub fn kick(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.vcpu.store(true, Ordering::SeqCst);
        self.console.wake();
    }

    fn take_request(&self) -> bool {
        self.requested.swap(false, Ordering::SeqCst)
    }
}

/// The ppce500 machine.
pub struct Ppce500 {
    vcpu: E500Vcpu,
    devices: Devices,
    payload: BootImage,
    extras: BootExtras,
    layout: BootLayout,
    device_tree: Vec<u8>,
    powered_off: bool,
    console_input: InputQueue,
    kicker: Arc<Kicker>,
}

impl Ppce500 {
    /// Build the machine with its console on `console`, and reset it: the
    /// payload and device tree are in RAM and the CPU is at the entry point.
    pub fn new(config: Ppce500Config, console: SerialLine) -> Result<Ppce500, MachineError> {
        let Ppce500Config {
            flavor,
            ram_size,
            payload,
            extras,
            rtc_base,
        } = config;
        if ram_size == 0 || !ram_size.is_multiple_of(RAM_SIZE_ALIGN) {
            return Err(MachineError::RamSizeNotAligned(ram_size));
        }
        if ram_size > MAX_RAM_SIZE {
            return Err(MachineError::RamTooLarge(ram_size));
        }
        payload
            .image
            .check_fits(ram_size)
            .map_err(|problem| ImageError {
                path: payload.path.clone(),
                problem,
            })?;
        let given_tree = match &extras.dtb {
            Some(f) => Some(fdt::from_file(f.bytes.clone()).map_err(|problem| {
                MachineError::BadDeviceTree {
                    path: f.path.clone(),
                    problem,
                }
            })?),
            None => None,
        };
        let dt_size = given_tree.as_ref().map_or(DT_SIZE, |t| t.len() as u64);
        let mut layout = BootLayout::new(&payload.image, ram_size, dt_size).map_err(|source| {
            MachineError::NoRoomForDeviceTree {
                path: payload.path.clone(),
                source,
            }
        })?;
        let size = |f: &Option<BootFile>| f.as_ref().map(|f| f.bytes.len() as u64);
        layout
            .place_files(size(&extras.kernel), size(&extras.initrd), ram_size)
            .map_err(|(kind, source)| {
                let file = match kind {
                    BootFileKind::Kernel => &extras.kernel,
                    BootFileKind::Initrd => &extras.initrd,
                };
                MachineError::FileDoesNotFit {
                    path: file.as_ref().map(|f| f.path.clone()).unwrap_or_default(),
                    source,
                }
            })?;
        let boot_kernel = match payload.kind {
            ImageKind::Kernel => Some((layout.load_addr, layout.payload_size)),
            ImageKind::Bios => layout.raw_kernel,
        };
        let device_tree = match given_tree {
            Some(tree) => tree,
            None => fdt::build(&DeviceTreeConfig {
                ram_size,
                flavor,
                boot_kernel,
                initrd: layout.initrd,
                cmdline: extras.cmdline.clone(),
            })
            .map_err(MachineError::DeviceTree)?,
        };
        let ram_bytes =
            usize::try_from(ram_size).map_err(|_| MachineError::OutOfMemory(ram_size))?;
        // Ask first: the vCPU's allocation would abort the process on failure.
        if Vec::<u8>::new().try_reserve_exact(ram_bytes).is_err() {
            return Err(MachineError::OutOfMemory(ram_size));
        }
        let vcpu = E500Vcpu::new(flavor, ram_bytes);
        let console_input = console.input().clone();
        // Input makes a running vCPU come out of its block loop and poll the UART.
        console_input.notify(vcpu.kick_handle());
        let kicker = Arc::new(Kicker {
            vcpu: vcpu.kick_handle(),
            requested: AtomicBool::new(false),
            console: console_input.clone(),
        });
        let mut machine = Ppce500 {
            vcpu,
            devices: Devices::new(flavor, console),
            payload,
            extras,
            layout,
            device_tree,
            powered_off: false,
            console_input,
            kicker,
        };
        machine.devices.i2c.rtc = Ds1338::new(rtc_base);
        machine.reset();
        Ok(machine)
    }

    /// Machine reset, as QEMU does it for a guest-requested reset: devices reset,
    /// the payload's segments and the device tree are written to RAM again (the
    /// rest of RAM keeps its contents), the CPU resets and gets the boot state.
    /// The debugger's settings and software breakpoints survive.
    pub fn reset(&mut self) {
        self.devices.reset();
        self.load_payload();
        let files = [
            (self.layout.raw_kernel, &self.extras.kernel),
            (self.layout.initrd, &self.extras.initrd),
        ];
        for (place, file) in files {
            if let (Some((base, _)), Some(file)) = (place, file) {
                write_ram(&mut self.vcpu, base, &file.bytes);
            }
        }
        write_ram(&mut self.vcpu, self.layout.dt_base, &self.device_tree);
        self.vcpu.reset();
        self.layout.enter(&mut self.vcpu);
        self.powered_off = false;
        tracing::debug!(
            entry = format_args!("{:#x}", self.layout.entry),
            dt_base = format_args!("{:#x}", self.layout.dt_base),
            "machine reset"
        );
    }

    /// Act on [`Event::ResetRequested`]: a system reset resets the machine; a core
    /// or chip reset (DBCR0[RST] = 01/10) resets only the CPU, as QEMU does.
    pub fn handle_reset(&mut self, kind: ResetKind) {
        match kind {
            ResetKind::System => self.reset(),
            ResetKind::Core | ResetKind::Chip => self.vcpu.reset(),
        }
    }

    fn load_payload(&mut self) {
        static ZEROES: [u8; 64 << 10] = [0; 64 << 10];
        for s in &self.payload.image.segments {
            // Like QEMU's ROM reset, a segment without file bytes is left alone.
            if s.data.is_empty() {
                continue;
            }
            write_ram(&mut self.vcpu, s.paddr, &s.data);
            let mut at = s.paddr + s.data.len() as u64;
            while at < s.end() {
                let n = (s.end() - at).min(ZEROES.len() as u64);
                write_ram(&mut self.vcpu, at, &ZEROES[..n as usize]);
                at += n;
            }
        }
    }

    /// Run until something happens.
    pub fn run(&mut self) -> Event {
        self.run_for(u64::MAX)
    }

    /// Run at most about `budget` instructions (time spent idle waiting for
    /// console input does not count).
    pub fn run_for(&mut self, budget: u64) -> Event {
        if self.powered_off {
            return Event::PoweredOff;
        }
        // A debugger's write to a device may have asked for one already.
        if let Some(event) = self.board_request() {
            return event;
        }
        let start = self.vcpu.instructions();
        loop {
            let used = self.vcpu.instructions() - start;
            let input_seen = self.console_input.generation();
            let exit = self
                .vcpu
                .run_for(&mut self.devices, budget.saturating_sub(used));
            match exit {
                Exit::Device => match self.board_request() {
                    Some(event) => return event,
                    None => continue,
                },
                Exit::Reset(kind) => {
                    tracing::info!(?kind, "the guest asked for a reset");
                    return Event::ResetRequested(kind);
                }
                Exit::Debug(debug) => return Event::Debug(debug),
                Exit::Halted => {
                    if !self.input_may_wake() {
                        return Event::Halted;
                    }
                    tracing::trace!("guest idle: waiting for console input");
                    self.console_input.wait_for_input(input_seen);
                    if self.kicker.take_request() {
                        return Event::Interrupted;
                    }
                }
                Exit::Interrupted => {
                    if self.kicker.take_request() {
                        return Event::Interrupted;
                    }
                    // Console input stopped the vCPU: it polls the UART as it resumes.
                }
                Exit::Budget => return Event::BudgetExhausted,
            }
        }
    }

    /// What a device asked for (power-off, reset), as the run's event.
    fn board_request(&mut self) -> Option<Event> {
        match self.devices.take_request()? {
            BoardRequest::PowerOff => {
                tracing::info!("the guest powered the machine off");
                self.powered_off = true;
                Some(Event::PoweredOff)
            }
            BoardRequest::Reset => {
                tracing::info!("the guest asked for a machine reset");
                Some(Event::ResetRequested(ResetKind::System))
            }
        }
    }

    /// The guest-physical memory map in the shape of QEMU's `info mtree`:
    /// RAM, the PCI windows, and the CCSR block with its devices.
    pub fn memory_tree(&self) -> String {
        use crate::ppce500::map::*;
        let line = |depth: usize, base: u64, size: u64, kind: &str, name: &str| {
            format!(
                "{:indent$}{base:016x}-{:016x} (prio 0, {kind}): {name}\n",
                "",
                base + size - 1,
                indent = 2 * depth
            )
        };
        let ccsr =
            |offset: u64, size: u64, name: &str| line(2, CCSR_BASE + offset, size, "i/o", name);
        let mut out = String::from("address-space: memory\n");
        out += &line(1, 0, self.vcpu.ram_size(), "ram", "ppce500.ram");
        out += &line(1, PCI_MMIO_BASE, PCI_MMIO_SIZE, "i/o", "pci-mmio window");
        out += &line(1, CCSR_BASE, CCSR_SIZE, "container", "e500-ccsr");
        out += &ccsr(I2C_OFFSET, crate::ppce500::i2c::SIZE, "mpc-i2c");
        out += &ccsr(UART0_OFFSET, UART_WINDOW, "serial (console)");
        out += &ccsr(UART1_OFFSET, UART_WINDOW, "serial");
        out += &ccsr(PCI_OFFSET, crate::ppce500::pci::BLOCK_SIZE, "pci-host");
        out += &ccsr(MPIC_OFFSET, MPIC_SIZE, "openpic");
        out += &ccsr(GUTS_OFFSET, GUTS_SIZE, "mpc85xx-guts");
        out += &ccsr(GPIO_OFFSET, GPIO_SIZE, "mpc8xxx-gpio");
        out += &line(1, PCI_PIO_BASE, PCI_PIO_SIZE, "i/o", "pci-pio window");
        out
    }

    /// The debugger reads device memory at guest-physical `pa` (outside RAM),
    /// register by register in their natural sizes, changing no device state
    /// ([`Devices::peek`]); `false` if some byte has no device.
    pub fn read_device(&self, pa: u64, buf: &mut [u8]) -> bool {
        let mut off = 0;
        while off < buf.len() {
            let a = pa + off as u64;
            let size = access_size(a, buf.len() - off);
            let Some(value) = self.devices.peek(a, size as u8) else {
                return false;
            };
            buf[off..off + size].copy_from_slice(&value.to_be_bytes()[4 - size..]);
            off += size;
        }
        true
    }

    /// The debugger writes device memory at guest-physical `pa`: the devices act
    /// on it as on the guest's stores (a power-off or reset it asks for happens
    /// at the next run). `false`, and nothing written, if some byte has no device.
    pub fn write_device(&mut self, pa: u64, data: &[u8]) -> bool {
        let end = pa + data.len() as u64;
        if !(pa..end).all(|a| self.devices.claims(a)) {
            return false;
        }
        let mut off = 0;
        while off < data.len() {
            let a = pa + off as u64;
            let size = access_size(a, data.len() - off);
            let value = data[off..off + size]
                .iter()
                .fold(0u32, |v, b| v << 8 | *b as u32);
            let _ = self.devices.write(a, size as u8, value);
            off += size;
        }
        true
    }

    /// Whether console input could still end the guest's idling: the producer is
    /// there and the core takes external interrupts.
    fn input_may_wake(&self) -> bool {
        let msr = self.vcpu.get_reg(Reg::Msr).unwrap_or(0);
        !self.console_input.is_closed() && msr & e500::msr::EE as u64 != 0
    }

    /// The vCPU (registers, memory, TLB, instruction count).
    pub fn vcpu(&self) -> &E500Vcpu {
        &self.vcpu
    }

    /// The vCPU, to change registers, memory and debug settings between runs.
    pub fn vcpu_mut(&mut self) -> &mut E500Vcpu {
        &mut self.vcpu
    }

    /// What makes a run return [`Event::Interrupted`] from any thread.
    pub fn kick_handle(&self) -> Arc<Kicker> {
        self.kicker.clone()
    }

    /// The board's devices.
    pub fn devices(&self) -> &Devices {
        &self.devices
    }

    /// The board's devices, mutably.
    pub fn devices_mut(&mut self) -> &mut Devices {
        &mut self.devices
    }

    /// Where the payload and device tree went, and the entry point.
    pub fn layout(&self) -> &BootLayout {
        &self.layout
    }

    /// The payload.
    pub fn payload(&self) -> &BootImage {
        &self.payload
    }

    /// The device tree blob placed at `layout().dt_base`.
    pub fn device_tree(&self) -> &[u8] {
        &self.device_tree
    }

    /// Which e500 the machine has.
    pub fn flavor(&self) -> Flavor {
        self.vcpu.flavor()
    }

    /// Bytes of RAM.
    pub fn ram_size(&self) -> u64 {
        self.vcpu.ram_size()
    }

    /// Whether the guest has powered the machine off (until the next reset).
    pub fn is_powered_off(&self) -> bool {
        self.powered_off
    }
}

/// Write RAM that construction checked to exist.
fn write_ram(vcpu: &mut E500Vcpu, pa: u64, bytes: &[u8]) {
    let written = vcpu.write_phys(pa, bytes);
    debug_assert!(written.is_ok(), "{pa:#x} was checked to be RAM");
}

/// The widest naturally aligned access (4, 2 or 1 bytes) at `pa` that fits in `left`.
fn access_size(pa: u64, left: usize) -> usize {
    match (pa % 4, left) {
        (0, 4..) => 4,
        (0 | 2, 2..) => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ppce500::boot::EPAPR_MAGIC;
    use crate::ppce500::demo;
    use crate::ppce500::elf_writer::{write_executable, ElfSegment};
    use crate::ppce500::serial::{Capture, InputQueue};
    use e500::asm::*;
    use vmgdb_hv::Reg;

    const ORIGIN: u32 = 0x10_0000;

    /// A `-kernel` payload assembled at [`ORIGIN`] by `program`.
    fn guest(program: impl FnOnce(&mut Assembler)) -> BootImage {
        let mut a = Assembler::new(ORIGIN);
        program(&mut a);
        let code = a.finish().unwrap();
        let elf = write_executable(ORIGIN, &[ElfSegment::code_at(ORIGIN, &code)], &[]).unwrap();
        BootImage {
            path: "test-guest.elf".into(),
            kind: ImageKind::Kernel,
            image: Image::parse(&elf).unwrap(),
        }
    }

    fn machine(payload: BootImage, ram_size: u64) -> Result<(Ppce500, Capture), MachineError> {
        let capture = Capture::new();
        let line = SerialLine::new(capture.clone(), InputQueue::new());
        let config = Ppce500Config {
            flavor: Flavor::E500v2,
            ram_size,
            payload,
            extras: BootExtras::default(),
            rtc_base: RTC_TEST_BASE,
        };
        Ppce500::new(config, line).map(|m| (m, capture))
    }

    fn reg(m: &Ppce500, r: Reg) -> u64 {
        m.vcpu().get_reg(r).unwrap()
    }

    #[test]
    fn boot_state_is_qemus() {
        let (m, _) = machine(demo::boot_image(), 128 << 20).unwrap();
        let dt_base = m.layout().dt_base;
        // Payload ends just past 1 MiB: the tree goes at 0x1800000 + 1 MiB rounding.
        assert_eq!(dt_base, 0x190_0000);
        assert_eq!(reg(&m, Reg::Pc), demo::LOAD_ADDRESS as u64);
        assert_eq!(reg(&m, Reg::Msr), 0);
        assert_eq!(reg(&m, Reg::Gpr(1)), (16 << 20) - 8);
        assert_eq!(reg(&m, Reg::Gpr(3)), dt_base);
        assert_eq!(reg(&m, Reg::Gpr(6)), EPAPR_MAGIC as u64);
        assert_eq!(reg(&m, Reg::Gpr(7)), 64 << 20);
        for r in [0, 2, 4, 5, 8, 9, 10, 31] {
            assert_eq!(reg(&m, Reg::Gpr(r)), 0, "r{r}");
        }
        let tlb = m.vcpu().tlb();
        let tlb1: Vec<_> = tlb.iter().filter(|e| e.tlb == 1 && e.valid).collect();
        assert_eq!(tlb1.len(), 1);
        let e = tlb1[0];
        assert_eq!((e.index, e.ea, e.pa, e.size), (0, 0, 0, 64 << 20));
        assert_eq!((e.ts, e.tid, e.iprot, e.perms), (false, 0, false, 0x3F));
        assert!(tlb.iter().filter(|e| e.tlb == 0).all(|e| !e.valid));
        // The tree and the payload are in RAM.
        let mut magic = [0u8; 4];
        m.vcpu().read_phys(dt_base, &mut magic).unwrap();
        assert_eq!(magic, 0xD00D_FEEDu32.to_be_bytes());
        let mut first = [0u8; 8];
        m.vcpu()
            .read_phys(demo::LOAD_ADDRESS as u64, &mut first)
            .unwrap();
        assert_eq!(&first[..], &m.payload().image.segments[0].data[..8]);
    }

    #[test]
    fn ram_size_rules() {
        let e = machine(demo::boot_image(), 100 << 20).err().unwrap();
        assert_eq!(
            e.to_string(),
            "RAM size 100 MiB is not a non-zero multiple of 64 MiB"
        );
        let e = machine(demo::boot_image(), 0).err().unwrap();
        assert!(matches!(e, MachineError::RamSizeNotAligned(0)));
        let e = machine(demo::boot_image(), 64 << 30).err().unwrap();
        assert!(e.to_string().contains("too large"), "{e}");
        assert!(machine(demo::boot_image(), 64 << 20).is_ok());
    }

    #[test]
    fn payload_must_fit_with_its_device_tree() {
        let mut image = demo::boot_image();
        image.image.segments[0].paddr = 0x400_0000;
        image.image.load_addr = 0x400_0000;
        let e = machine(image, 64 << 20).err().unwrap();
        assert!(
            e.to_string()
                .starts_with("<built-in demo guest>: segment 0 at 0x4000000"),
            "{e}"
        );
        // 64 MiB of RAM, payload at 40 MiB: the tree would go at 64 MiB.
        let mut image = demo::boot_image();
        image.image.segments[0].paddr = 0x280_0000;
        image.image.load_addr = 0x280_0000;
        let e = machine(image, 64 << 20).err().unwrap();
        assert!(
            e.to_string()
                .starts_with("<built-in demo guest>: not enough RAM for the device tree"),
            "{e}"
        );
    }

    #[test]
    fn budget_and_kick_stop_a_run() {
        let spin = guest(|a| {
            a.label("spin").b_to("spin", false);
        });
        let (mut m, _) = machine(spin, 64 << 20).unwrap();
        assert_eq!(m.run_for(1000), Event::BudgetExhausted);
        let used = m.vcpu().instructions();
        assert!((1000..2000).contains(&used), "{used}");
        m.kick_handle().kick();
        assert_eq!(m.run(), Event::Interrupted);
        // Input alone does not end a run: it only makes the vCPU look at the UART.
        m.devices().uart0.line().input().push(b"x");
        assert_eq!(m.run_for(1000), Event::BudgetExhausted);
    }

    /// Counts its boots in RAM beyond the payload, asks GUTS for a reset twice,
    /// then powers off.
    fn resetting_guest() -> BootImage {
        const COUNTER: u32 = 0x20_0000;
        const RSTCR: u32 = 0xE000_0000 + 0xE_00B0;
        guest(|a| {
            a.b_to("main", false);
            demo::map_ccsr(a);
            demo::power_off(a);
            a.label("main")
                .b_to("map_ccsr", true)
                .load_imm(4, COUNTER)
                .emit(&[lwz(5, 0, 4), addi(5, 5, 1), stw(5, 0, 4), cmpwi(0, 5, 3)])
                .bc_to(Cond::Ge, "power_off")
                .load_imm(6, RSTCR)
                .emit(&[li(7, 2), stw(7, 0, 6)]);
            a.label("hang").b_to("hang", false);
        })
    }

    #[test]
    fn guest_reset_request_reloads_and_restarts() {
        let (mut m, _) = machine(resetting_guest(), 64 << 20).unwrap();
        let entry = m.layout().entry as u64;
        for boot in 1..=2u32 {
            assert_eq!(
                m.run_for(100_000),
                Event::ResetRequested(ResetKind::System),
                "boot {boot}"
            );
            // Clobber the payload: the reset must load it again.
            m.vcpu_mut().write_phys(ORIGIN as u64, &[0; 16]).unwrap();
            m.handle_reset(ResetKind::System);
            assert_eq!(reg(&m, Reg::Pc), entry);
        }
        assert_eq!(m.run_for(100_000), Event::PoweredOff);
        let mut count = [0u8; 4];
        m.vcpu().read_phys(0x20_0000, &mut count).unwrap();
        assert_eq!(
            u32::from_be_bytes(count),
            3,
            "RAM outside the payload survives resets"
        );
        // Powered off stays off until reset.
        assert_eq!(m.run_for(100_000), Event::PoweredOff);
        m.reset();
        assert!(!m.is_powered_off());
    }

    #[test]
    fn demo_runs_again_after_a_reset() {
        let (mut m, out) = machine(demo::boot_image(), 128 << 20).unwrap();
        assert_eq!(m.run(), Event::PoweredOff);
        m.reset();
        assert_eq!(m.run(), Event::PoweredOff);
        assert_eq!(out.text(), demo::expected_output(Flavor::E500v2).repeat(2));
    }

    #[test]
    fn waiting_with_interrupts_off_halts() {
        let idle = guest(|a| {
            a.emit(&[wait()]);
        });
        let run = |flavor| {
            let config = Ppce500Config {
                flavor,
                ram_size: 64 << 20,
                payload: idle.clone(),
                extras: Default::default(),
                rtc_base: RTC_TEST_BASE,
            };
            let mut m = Ppce500::new(config, SerialLine::null()).unwrap();
            (m.run_for(1000), m)
        };
        assert_eq!(run(Flavor::E500mc).0, Event::Halted);
        // e500v2 has no `wait`: the program interrupt goes to IVPR|IVOR6 = 0, whose
        // zero word faults again; the budget still ends the run.
        let (event, m) = run(Flavor::E500v2);
        assert_eq!(event, Event::BudgetExhausted);
        assert_eq!(reg(&m, Reg::Pc), 0);
    }

    /// On e500mc: routes the UART's receive interrupt to the core, turns MSR[EE]
    /// on and idles in `wait`; the external interrupt handler powers off.
    fn idle_until_input() -> BootImage {
        const MPIC: u32 = 0xE004_0000;
        guest(|a| {
            a.b_to("main", false);
            while a.here() % 16 != 0 {
                a.emit(&[nop()]);
            }
            let handler = a.here() - ORIGIN;
            a.b_to("power_off", false);
            demo::map_ccsr(a);
            demo::power_off(a);
            a.label("main")
                .b_to("map_ccsr", true)
                .load_imm(3, ORIGIN)
                .emit(&[
                    mtspr(e500::Spr::Ivpr.number() as u32, 3),
                    li(3, handler as i16),
                ])
                .emit(&[mtspr(e500::Spr::Ivor4.number() as u32, 3)])
                .load_imm(4, MPIC + 0x1_0000 + 42 * 0x20)
                .load_imm(3, 5 << 16 | 42)
                .emit(&[stw(3, 0, 4)])
                .load_imm(4, MPIC + 0x2_0080)
                .emit(&[li(3, 0), stw(3, 0, 4)])
                .load_imm(4, 0xE000_4500)
                .emit(&[li(3, 1), stb(3, 1, 4)])
                .emit(&[mfmsr(3), ori(3, 3, 0x8000), mtmsr(3)]);
            a.label("idle").emit(&[wait()]).b_to("idle", false);
        })
    }

    fn mc_machine(payload: BootImage, input: InputQueue) -> Ppce500 {
        let config = Ppce500Config {
            flavor: Flavor::E500mc,
            ram_size: 64 << 20,
            payload,
            extras: Default::default(),
            rtc_base: RTC_TEST_BASE,
        };
        Ppce500::new(config, SerialLine::new(Capture::new(), input)).unwrap()
    }

    #[test]
    fn idle_guest_wakes_on_console_input() {
        let input = InputQueue::new();
        let mut m = mc_machine(idle_until_input(), input.clone());
        let typist = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            input.push(b"k");
        });
        assert_eq!(
            m.run(),
            Event::PoweredOff,
            "the key's interrupt ran the handler"
        );
        typist.join().unwrap();
    }

    #[test]
    fn kick_ends_an_idle_wait_and_closed_input_halts() {
        let input = InputQueue::new();
        let mut m = mc_machine(idle_until_input(), input.clone());
        let kicker = m.kick_handle();
        let kick = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            kicker.kick();
        });
        assert_eq!(m.run(), Event::Interrupted);
        kick.join().unwrap();
        input.close();
        assert_eq!(m.run(), Event::Halted, "nothing can wake it now");
    }

    #[test]
    fn core_reset_resets_only_the_cpu() {
        let (mut m, _) = machine(demo::boot_image(), 128 << 20).unwrap();
        m.handle_reset(ResetKind::Core);
        assert_eq!(
            reg(&m, Reg::Pc),
            0xFFFF_FFFC,
            "the core's reset vector, no boot state"
        );
        assert_eq!(reg(&m, Reg::Gpr(3)), 0);
    }
}
