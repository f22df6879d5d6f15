//! The MPIC: the board's interrupt controller, modelled on QEMU 7.2's `openpic`
//! in its Freescale MPIC 4.2 flavour, with one CPU behind it.
//!
//! Interrupt sources are numbered as QEMU (and the device tree) numbers them:
//! 0..=11 the external pins, 16..=255 the internal sources (an on-chip device's
//! internal interrupt *n* is source 16 + *n*; the UART's is 42), 224..=231 the
//! MSI banks, then four IPIs and four global timers. A source asserts, the
//! controller checks its mask (IVPR[MSK]), destination (IDR), output selection
//! (ILR), priority against the CPU's current task priority (CTPR) and anything
//! in service, and raises its interrupt output; the core sees that output
//! through [`Mpic::int_output`] (the board's `Bus::external_interrupt`). The
//! guest takes the vector from IACK, which puts the source in service, and
//! ends it with a write to EOI.
//!
//! The output is modelled as a line that the events above raise and lower, in
//! the same places QEMU does: IACK lowers it even if another source still
//! waits (EOI raises it again), and a controller reset through GCR leaves it
//! as it was. Only the normal interrupt output reaches the core; sources routed
//! to the critical or machine-check outputs (ILR) are tracked but not
//! delivered, and the global timers keep their registers but do not count.
//!
//! Register accesses are 32-bit. As on QEMU, a 1- or 2-byte access at an
//! address aligned to its size reads the most significant bytes of the 32-bit
//! register access at that address, or writes the value shifted into them;
//! misaligned accesses read 0 and are ignored. Offsets the model does not
//! decode read all ones inside a register group and 0 between groups.

/// Sources with registers in the source block (externals, internals, MSIs).
pub const SOURCES: usize = 256;
/// Number of IPI sources; their source numbers follow [`SOURCES`].
pub const IPIS: usize = 4;
/// Number of global timers; their sources follow the IPIs.
pub const TIMERS: usize = 4;
/// Every interrupt source the controller knows.
pub const IRQS: usize = SOURCES + IPIS + TIMERS;
/// Source number of the first IPI.
pub const IPI0: usize = SOURCES;
/// Source number of the first global timer.
pub const TIMER0: usize = IPI0 + IPIS;
/// Source number of MSI bank 0 (banks 0..=7).
pub const MSI0: usize = 224;
/// MSI banks.
pub const MSI_BANKS: usize = 8;
/// External interrupt pins (their sense is programmable).
pub const EXTERNAL_PINS: usize = 12;
/// First internal source.
pub const INTERNAL0: usize = 16;

/// Sources the board's devices drive.
pub mod source {
    /// PCI INTA..INTD are external pins 1..=4.
    pub const PCI_INTA: usize = 1;
    /// Both UARTs share internal interrupt 26.
    pub const UART: usize = 42;
    /// The I2C controller.
    pub const I2C: usize = 43;
    /// The GPIO controller.
    pub const GPIO: usize = 47;
}

/// Offsets of the register groups inside the 256 KiB block, and their sizes.
pub mod block {
    /// Global registers (including per-CPU aliases at 0x40..=0xB0).
    pub const GLOBAL: (u64, u64) = (0x0, 0x10F0);
    /// Global timers (TFRR, then four timers of four registers).
    pub const TIMER: (u64, u64) = (0x10F0, 0x220);
    /// Shared message-signalled interrupt registers.
    pub const MSI: (u64, u64) = (0x1600, 0x200);
    /// Summary registers (read 0).
    pub const SUMMARY: (u64, u64) = (0x3800, 0x800);
    /// Per-source registers, 0x20 bytes each.
    pub const SOURCE: (u64, u64) = (0x1_0000, 0x20 * super::SOURCES as u64);
    /// Per-CPU registers, a 4 KiB page each (32 pages decoded).
    pub const CPU: (u64, u64) = (0x2_0000, 0x100 + 31 * 0x1000);
}

/// Global register offsets.
pub mod reg {
    /// Block revision register 1.
    pub const BRR1: u64 = 0x0000;
    /// Feature reporting register.
    pub const FRR: u64 = 0x1000;
    /// Global configuration register.
    pub const GCR: u64 = 0x1020;
    /// Vendor identification register.
    pub const VIR: u64 = 0x1080;
    /// Processor initialisation register.
    pub const PIR: u64 = 0x1090;
    /// IPI 0 vector/priority register (IPI n at +0x10·n).
    pub const IPIVPR0: u64 = 0x10A0;
    /// Spurious vector register.
    pub const SVR: u64 = 0x10E0;
    /// Timer frequency reporting register (first register of the timer group).
    pub const TFRR: u64 = 0x10F0;
    /// Timer 0 current count (timer n at +0x40·n; then GTBCR, GTVPR, GTDR).
    pub const GTCCR0: u64 = 0x1100;
    /// MSI register n (MSI group, +0x10·n): pending bits, cleared by reading.
    pub const MSIR0: u64 = 0x1600;
    /// MSI summary register.
    pub const MSISR: u64 = 0x1720;
    /// MSI index register: writing raises an MSI.
    pub const MSIIR: u64 = 0x1740;
    /// Source n's vector/priority register (+0x20·n).
    pub const IVPR0: u64 = 0x1_0000;
    /// Source n's destination register.
    pub const IDR0: u64 = 0x1_0010;
    /// Source n's level (output selection) register.
    pub const ILR0: u64 = 0x1_0018;
    /// CPU 0's IPI dispatch register 0 (IPI n at +0x10·n).
    pub const IPIDR0: u64 = 0x2_0040;
    /// CPU 0's current task priority register.
    pub const CTPR: u64 = 0x2_0080;
    /// CPU 0's who-am-I register.
    pub const WHOAMI: u64 = 0x2_0090;
    /// CPU 0's interrupt acknowledge register.
    pub const IACK: u64 = 0x2_00A0;
    /// CPU 0's end-of-interrupt register.
    pub const EOI: u64 = 0x2_00B0;
}

/// GCR bits.
pub mod gcr {
    /// Reset the controller; reads back 0 once done (at once here).
    pub const RESET: u32 = 0x8000_0000;
    /// Mode field of an FSL MPIC 4.2 (mixed 0x2000_0000, external proxy 0x6000_0000).
    pub const MODE: u32 = 0x6000_0000;
}

/// IVPR bits.
pub mod ivpr {
    /// Masked.
    pub const MSK: u32 = 0x8000_0000;
    /// Activity: the source is asserted and enabled (read-only).
    pub const A: u32 = 0x4000_0000;
    /// Polarity.
    pub const P: u32 = 0x0080_0000;
    /// Sense: level (1) or edge (0); external pins only.
    pub const S: u32 = 0x0040_0000;
    /// Priority, 0..=15 (0 never interrupts).
    pub const PRIORITY: u32 = 0x000F_0000;
    /// Vector.
    pub const VECTOR: u32 = 0x0000_FFFF;
}

/// Values the identification registers read (QEMU's FSL MPIC 4.2).
pub mod id {
    /// BRR1: IP block id 0x0040, major 4, minor 2.
    pub const BRR1: u32 = 0x0040_0402;
    /// FRR: 196 interrupts (NIRQ 195), one CPU (NCPU 0), version 2.
    pub const FRR: u32 = 0x00C3_0002;
    /// VIR: generic vendor.
    pub const VIR: u32 = 0;
}

/// GTBCR count-inhibit bit.
const GTBCR_CI: u32 = 0x8000_0000;
/// GTCCR toggle bit.
const GTCCR_TOG: u32 = 0x8000_0000;
/// The CPUs the destination registers can name (bit 0 = CPU 0).
const CPU_MASK: u32 = 0x1;

/// What kind of source a number is, which fixes its trigger and IVPR bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// External pin: edge or level as IVPR[S] says.
    Pin,
    /// Internal source: always level, IVPR[S] reads 0.
    Internal,
    /// IPI or timer: edge, no sense or polarity.
    Special,
}

/// The controller output a source is routed to (ILR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Int,
    Critical,
    MachineCheck,
}

impl Output {
    fn from_ilr(value: u32) -> Output {
        match value & 0xFF {
            1 => Output::Critical,
            2 => Output::MachineCheck,
            0 => Output::Int,
            other => {
                tracing::debug!("MPIC: unsupported ILR target {other}, using int");
                Output::Int
            }
        }
    }

    fn ilr(self) -> u32 {
        match self {
            Output::Int => 0,
            Output::Critical => 1,
            Output::MachineCheck => 2,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Source {
    kind: Kind,
    ivpr: u32,
    idr: u32,
    /// CPUs the source is delivered to (IDR, plus IPI dispatch bits).
    destinations: u32,
    output: Output,
    /// The input is asserted (level) or an edge was seen and not acknowledged.
    pending: bool,
    level_triggered: bool,
}

impl Source {
    fn new(number: usize) -> Source {
        let kind = if number >= SOURCES {
            Kind::Special
        } else if number >= INTERNAL0 {
            Kind::Internal
        } else {
            Kind::Pin
        };
        Source {
            kind,
            ivpr: 0,
            idr: 0,
            destinations: 0,
            output: Output::Int,
            pending: false,
            level_triggered: kind == Kind::Internal,
        }
    }

    fn priority(&self) -> i32 {
        ((self.ivpr & ivpr::PRIORITY) >> 16) as i32
    }
}

/// A set of sources with the highest-priority member cached, as last computed.
#[derive(Clone, Copy, Debug)]
struct Queue {
    bits: [u64; IRQS.div_ceil(64)],
    /// Highest-priority member at the last [`Queue::check`] (-1: none).
    next: i32,
    /// Its priority (-1: none; 0 after reset).
    priority: i32,
}

impl Queue {
    const EMPTY: Queue = Queue {
        bits: [0; IRQS.div_ceil(64)],
        next: -1,
        priority: 0,
    };

    fn set(&mut self, n: usize) {
        self.bits[n / 64] |= 1 << (n % 64);
    }

    fn clear(&mut self, n: usize) {
        self.bits[n / 64] &= !(1 << (n % 64));
    }

    fn members(&self) -> impl Iterator<Item = usize> + '_ {
        self.bits.iter().enumerate().flat_map(|(word, &bits)| {
            let mut left = bits;
            std::iter::from_fn(move || {
                let bit = (left != 0).then(|| left.trailing_zeros() as usize)?;
                left &= left - 1;
                Some(word * 64 + bit)
            })
        })
    }

    /// Recompute the highest-priority member (the lowest number wins a tie).
    fn check(&mut self, sources: &[Source; IRQS]) -> i32 {
        let (mut next, mut priority) = (-1, -1);
        for n in self.members() {
            let p = sources[n].priority();
            if p > priority {
                (next, priority) = (n as i32, p);
            }
        }
        self.next = next;
        self.priority = priority;
        next
    }
}

/// The one CPU's interface: task priority, raised and in-service sources, outputs.
#[derive(Clone, Copy, Debug)]
struct Cpu {
    ctpr: u32,
    raised: Queue,
    servicing: Queue,
    /// Level of the normal interrupt output.
    int: bool,
    /// Active sources routed to the critical output.
    critical_active: i32,
    /// Active sources routed to the machine-check output.
    machine_check_active: i32,
}

#[derive(Clone, Copy, Debug, Default)]
struct Timer {
    gtccr: u32,
    gtbcr: u32,
}

/// The MPIC register block and its interrupt logic.
#[derive(Clone, Debug)]
pub struct Mpic {
    gcr: u32,
    pir: u32,
    svr: u32,
    tfrr: u32,
    sources: Box<[Source; IRQS]>,
    cpu: Cpu,
    timers: [Timer; TIMERS],
    msir: [u32; MSI_BANKS],
}

impl Default for Mpic {
    fn default() -> Mpic {
        Mpic::new()
    }
}

/// Where an offset in the block lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    Global(u64),
    Timer(u64),
    Msi(u64),
    Summary,
    Source(u64),
    Cpu(u64),
    Hole,
}

fn group(offset: u64) -> Group {
    let within = |(base, size): (u64, u64)| offset.checked_sub(base).filter(|&o| o < size);
    if let Some(o) = within(block::GLOBAL) {
        Group::Global(o)
    } else if let Some(o) = within(block::TIMER) {
        Group::Timer(o)
    } else if let Some(o) = within(block::MSI) {
        Group::Msi(o)
    } else if within(block::SUMMARY).is_some() {
        Group::Summary
    } else if let Some(o) = within(block::SOURCE) {
        Group::Source(o)
    } else if let Some(o) = within(block::CPU) {
        Group::Cpu(o)
    } else {
        Group::Hole
    }
}

impl Mpic {
    /// An MPIC after reset, its output low.
    pub fn new() -> Mpic {
        let mut sources = Box::new([Source::new(0); IRQS]);
        for (n, s) in sources.iter_mut().enumerate() {
            *s = Source::new(n);
        }
        let mut mpic = Mpic {
            gcr: 0,
            pir: 0,
            svr: 0,
            tfrr: 0,
            sources,
            cpu: Cpu {
                ctpr: 0,
                raised: Queue::EMPTY,
                servicing: Queue::EMPTY,
                int: false,
                critical_active: 0,
                machine_check_active: 0,
            },
            timers: [Timer::default(); TIMERS],
            msir: [0; MSI_BANKS],
        };
        mpic.reset_controller();
        mpic
    }

    /// Machine reset: the controller resets, its outputs drop and no input is
    /// remembered (the devices drive their lines again).
    pub fn reset(&mut self) {
        *self = Mpic::new();
    }

    /// Controller reset (GCR[RST]), as QEMU does it: registers to their reset
    /// values, queues emptied; input levels, output routing and the output
    /// line itself are left alone.
    fn reset_controller(&mut self) {
        tracing::debug!("MPIC reset");
        self.gcr = 0;
        self.pir = 0;
        self.svr = ivpr::VECTOR;
        self.tfrr = 0;
        for n in 0..IRQS {
            let s = &mut self.sources[n];
            s.ivpr = ivpr::MSK;
            match s.kind {
                Kind::Pin => s.level_triggered = false,
                Kind::Internal => s.ivpr |= ivpr::P,
                Kind::Special => {}
            }
            // IPIs start with no destination, everything else at CPU 0.
            let idr = if (IPI0..TIMER0).contains(&n) { 0 } else { 1 };
            self.write_idr(n, idr);
        }
        self.cpu.ctpr = 15;
        self.cpu.raised = Queue::EMPTY;
        self.cpu.servicing = Queue::EMPTY;
        self.timers = [Timer {
            gtccr: 0,
            gtbcr: GTBCR_CI,
        }; TIMERS];
    }

    /// Level of the interrupt output to the core.
    pub fn int_output(&self) -> bool {
        self.cpu.int
    }

    /// Whether a source routed to the critical output is active (not wired to
    /// the core).
    pub fn critical_output(&self) -> bool {
        self.cpu.critical_active > 0
    }

    /// A device drives source `n`'s input line to `level` (numbers beyond the
    /// controller's are ignored).
    pub fn set_irq(&mut self, n: usize, level: bool) {
        let Some(s) = self.sources.get_mut(n) else {
            return;
        };
        if s.level_triggered {
            s.pending = level;
            self.update(n);
            return;
        }
        if level {
            s.pending = true;
            self.update(n);
        }
        if self.sources[n].output != Output::Int {
            // An edge on a non-int output is delivered and forgotten at once.
            self.sources[n].pending = false;
            self.update(n);
        }
    }

    /// Re-evaluate source `n` after its input or registers changed.
    fn update(&mut self, n: usize) {
        let s = &mut self.sources[n];
        let active = s.pending && s.ivpr & ivpr::MSK == 0;
        let was_active = s.ivpr & ivpr::A != 0;
        if !active && !was_active {
            return;
        }
        if active {
            s.ivpr |= ivpr::A;
        } else {
            s.ivpr &= !ivpr::A;
        }
        // One CPU: deliver when it is among the destinations.
        if s.destinations & 1 != 0 {
            self.deliver(n, active, was_active);
        }
    }

    /// The CPU's view of source `n` becoming (in)active.
    fn deliver(&mut self, n: usize, mut active: bool, was_active: bool) {
        let output = self.sources[n].output;
        if output != Output::Int {
            // Critical and machine-check outputs ignore priority, IACK and EOI.
            let counter = match output {
                Output::Critical => &mut self.cpu.critical_active,
                _ => &mut self.cpu.machine_check_active,
            };
            if active && !was_active {
                *counter += 1;
            } else if !active && was_active {
                *counter -= 1;
            }
            return;
        }
        let priority = self.sources[n].priority();
        if active {
            self.cpu.raised.set(n);
        } else {
            self.cpu.raised.clear(n);
        }
        self.cpu.raised.check(&self.sources);
        // Too low a priority stays raised (CTPR may drop later) but is not signalled.
        if active && priority <= self.cpu.ctpr as i32 {
            active = false;
        }
        if active {
            let in_service = self.cpu.servicing.check(&self.sources) >= 0;
            if !(in_service && priority <= self.cpu.servicing.priority) {
                self.cpu.int = true;
            }
        } else {
            self.cpu.servicing.check(&self.sources);
            let raised = self.cpu.raised.priority;
            if !(raised > self.cpu.ctpr as i32 && raised > self.cpu.servicing.priority) {
                self.cpu.int = false;
            }
        }
    }

    fn write_ivpr(&mut self, n: usize, value: u32) {
        let mask = ivpr::MSK | ivpr::PRIORITY | ivpr::S | ivpr::P | ivpr::VECTOR;
        let s = &mut self.sources[n];
        s.ivpr = (s.ivpr & ivpr::A) | (value & mask);
        match s.kind {
            Kind::Pin => s.level_triggered = s.ivpr & ivpr::S != 0,
            Kind::Internal => s.ivpr &= !ivpr::S,
            Kind::Special => s.ivpr &= !(ivpr::S | ivpr::P),
        }
        self.update(n);
    }

    fn write_idr(&mut self, n: usize, value: u32) {
        let s = &mut self.sources[n];
        s.idr = value & CPU_MASK;
        s.destinations = s.idr;
    }

    /// IACK: the highest-priority raised source goes into service; its vector
    /// (or the spurious vector) is returned. In proxy mode the core does this
    /// itself as it takes the interrupt, and puts the vector in EPR.
    pub fn acknowledge(&mut self) -> u32 {
        self.cpu.int = false;
        let next = self.cpu.raised.check(&self.sources);
        let Ok(n) = usize::try_from(next) else {
            return self.svr;
        };
        let s = self.sources[n];
        let vector = if s.ivpr & ivpr::A == 0 || s.priority() <= self.cpu.ctpr as i32 {
            tracing::debug!("MPIC: raised source {n} cannot be acknowledged");
            self.update(n);
            self.svr
        } else {
            self.cpu.servicing.set(n);
            s.ivpr & ivpr::VECTOR
        };
        if !s.level_triggered {
            // An edge is consumed by its acknowledgement.
            let s = &mut self.sources[n];
            s.ivpr &= !ivpr::A;
            s.pending = false;
            self.cpu.raised.clear(n);
        }
        if n >= IPI0 {
            // IPIs and timers are multicast: CPUs still to be told get an edge.
            self.sources[n].destinations &= !1;
            if self.sources[n].destinations != 0 && !self.sources[n].level_triggered {
                self.set_irq(n, true);
                self.set_irq(n, false);
                self.sources[n].ivpr |= ivpr::A;
            }
        }
        vector
    }

    /// Whether GCR selects external proxy mode (CoreInt): the core acknowledges
    /// the interrupt as it takes it and finds the vector in its EPR.
    pub fn proxy_mode(&self) -> bool {
        self.gcr & gcr::MODE == gcr::MODE
    }

    /// EOI: the highest-priority source in service leaves service.
    fn end_of_interrupt(&mut self) {
        let Ok(done) = usize::try_from(self.cpu.servicing.check(&self.sources)) else {
            tracing::debug!("MPIC: EOI with nothing in service");
            return;
        };
        self.cpu.servicing.clear(done);
        let in_service = self.cpu.servicing.check(&self.sources);
        let next = self.cpu.raised.check(&self.sources);
        if let Ok(n) = usize::try_from(next) {
            if in_service < 0 || self.sources[n].priority() > self.cpu.servicing.priority {
                self.cpu.int = true;
            }
        }
    }

    fn write_ctpr(&mut self, value: u32) {
        self.cpu.ctpr = value & 0xF;
        let raised = self.cpu.raised.priority;
        if raised <= self.cpu.ctpr as i32 {
            self.cpu.int = false;
        } else if raised > self.cpu.servicing.priority {
            self.cpu.int = true;
        }
    }

    /// Read `size` bytes at `offset` in the block.
    pub fn read(&mut self, offset: u64, size: u8) -> u32 {
        match size {
            4 if offset.is_multiple_of(4) => self.read32(offset),
            1 | 2 if offset.is_multiple_of(size as u64) => {
                self.read32(offset) >> (8 * (4 - size as u32))
            }
            _ => 0,
        }
    }

    /// Write `size` bytes at `offset` in the block.
    pub fn write(&mut self, offset: u64, size: u8, value: u32) {
        match size {
            4 if offset.is_multiple_of(4) => self.write32(offset, value),
            1 | 2 if offset.is_multiple_of(size as u64) => {
                self.write32(offset, value << (8 * (4 - size as u32)))
            }
            _ => {}
        }
    }

    fn read32(&mut self, offset: u64) -> u32 {
        match group(offset) {
            Group::Global(o) => self.read_global(o),
            Group::Timer(o) => self.read_timer(o),
            Group::Msi(o) => self.read_msi(o),
            Group::Summary | Group::Hole => 0,
            Group::Source(o) => self.read_source(o),
            Group::Cpu(o) => self.read_cpu(o),
        }
    }

    fn write32(&mut self, offset: u64, value: u32) {
        match group(offset) {
            Group::Global(o) => self.write_global(o, value),
            Group::Timer(o) => self.write_timer(o, value),
            Group::Msi(o) => self.write_msi(o, value),
            Group::Summary | Group::Hole => {}
            Group::Source(o) => self.write_source(o, value),
            Group::Cpu(o) => self.write_cpu(o, value),
        }
    }

    fn read_global(&mut self, o: u64) -> u32 {
        if o & 0xF != 0 {
            return u32::MAX;
        }
        match o {
            reg::BRR1 => id::BRR1,
            0x40..=0xB0 => self.read_cpu_register(o),
            reg::FRR => id::FRR,
            reg::GCR => self.gcr,
            reg::VIR => id::VIR,
            reg::PIR => 0,
            0x10A0..=0x10D0 => self.sources[IPI0 + ((o - reg::IPIVPR0) >> 4) as usize].ivpr,
            reg::SVR => self.svr,
            _ => u32::MAX,
        }
    }

    fn write_global(&mut self, o: u64, value: u32) {
        if o & 0xF != 0 {
            return;
        }
        match o {
            0x40..=0xB0 => self.write_cpu_register(o, value),
            reg::GCR if value & gcr::RESET != 0 => self.reset_controller(),
            reg::GCR => self.gcr = (self.gcr & !gcr::MODE) | (value & gcr::MODE),
            // The core-reset outputs PIR drives are not wired on this board.
            reg::PIR => self.pir = value,
            0x10A0..=0x10D0 => self.write_ivpr(IPI0 + ((o - reg::IPIVPR0) >> 4) as usize, value),
            reg::SVR => self.svr = value & ivpr::VECTOR,
            // BRR1, FRR and VIR are read-only.
            _ => {}
        }
    }

    /// Timer group offset `o` (from TFRR) → (timer, register offset 0/0x10/0x20/0x30).
    fn timer_register(o: u64) -> (usize, u64) {
        let o = o - 0x10;
        (((o >> 6) & 3) as usize, o & 0x30)
    }

    fn read_timer(&mut self, o: u64) -> u32 {
        if o & 0xF != 0 {
            return u32::MAX;
        }
        if o == 0 {
            return self.tfrr;
        }
        let (t, r) = Mpic::timer_register(o);
        match r {
            0x00 => self.timers[t].gtccr,
            0x10 => self.timers[t].gtbcr,
            0x20 => self.sources[TIMER0 + t].ivpr,
            _ => self.sources[TIMER0 + t].idr,
        }
    }

    fn write_timer(&mut self, o: u64, value: u32) {
        if o & 0xF != 0 {
            return;
        }
        if o == 0 {
            self.tfrr = value;
            return;
        }
        let (t, r) = Mpic::timer_register(o);
        match r {
            0x00 => {} // GTCCR is read-only
            0x10 => {
                let timer = &mut self.timers[t];
                if (timer.gtbcr ^ value) & GTBCR_CI != 0 {
                    if value & GTBCR_CI == 0 {
                        // Counting starts from the base count (and stays there:
                        // the timers do not run).
                        timer.gtccr = value & !GTCCR_TOG;
                    } else {
                        timer.gtccr &= GTCCR_TOG;
                    }
                }
                timer.gtbcr = value;
            }
            0x20 => self.write_ivpr(TIMER0 + t, value),
            _ => self.write_idr(TIMER0 + t, value),
        }
    }

    fn read_msi(&mut self, o: u64) -> u32 {
        if o & 0xF != 0 {
            return u32::MAX;
        }
        match o {
            0x00..=0x70 => {
                let bank = (o >> 4) as usize;
                let value = std::mem::take(&mut self.msir[bank]);
                self.set_irq(MSI0 + bank, false);
                value
            }
            0x120 => self
                .msir
                .iter()
                .enumerate()
                .fold(0, |acc, (i, &m)| acc | ((m != 0) as u32) << i),
            _ => 0,
        }
    }

    fn write_msi(&mut self, o: u64, value: u32) {
        if o != reg::MSIIR - block::MSI.0 {
            return;
        }
        let bank = (value >> 29) as usize;
        let bit = (value >> 24) & 0x1F;
        self.msir[bank] |= 1 << bit;
        self.set_irq(MSI0 + bank, true);
    }

    fn read_source(&mut self, o: u64) -> u32 {
        let n = (o >> 5) as usize;
        match o & 0x1F {
            0x00 => self.sources[n].ivpr,
            0x10 => self.sources[n].idr,
            0x18 => self.sources[n].output.ilr(),
            _ => u32::MAX,
        }
    }

    fn write_source(&mut self, o: u64, value: u32) {
        let n = (o >> 5) as usize;
        match o & 0x1F {
            0x00 => self.write_ivpr(n, value),
            0x10 => self.write_idr(n, value),
            0x18 => self.sources[n].output = Output::from_ilr(value),
            _ => {}
        }
    }

    fn read_cpu(&mut self, o: u64) -> u32 {
        if o >> 12 != 0 || o & 0xF != 0 {
            // Another CPU's page: this board has one.
            return u32::MAX;
        }
        self.read_cpu_register(o & 0xFF0)
    }

    fn write_cpu(&mut self, o: u64, value: u32) {
        if o >> 12 != 0 || o & 0xF != 0 {
            return;
        }
        self.write_cpu_register(o & 0xFF0, value)
    }

    /// CPU 0's register at page offset `o` (16-byte aligned).
    fn read_cpu_register(&mut self, o: u64) -> u32 {
        match o {
            0x80 => self.cpu.ctpr,
            0x90 => 0, // WHOAMI: CPU 0
            0xA0 => self.acknowledge(),
            0xB0 => 0,
            _ => u32::MAX,
        }
    }

    fn write_cpu_register(&mut self, o: u64, value: u32) {
        match o {
            0x40..=0x70 => {
                let n = IPI0 + ((o - 0x40) >> 4) as usize;
                self.sources[n].destinations |= value;
                self.set_irq(n, true);
                self.set_irq(n, false);
            }
            0x80 => self.write_ctpr(value),
            0xB0 => self.end_of_interrupt(),
            // WHOAMI and IACK are read-only.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ivpr_of(n: usize) -> u64 {
        reg::IVPR0 + 0x20 * n as u64
    }

    fn idr_of(n: usize) -> u64 {
        reg::IDR0 + 0x20 * n as u64
    }

    /// Unmask source `n` with `priority` and `vector`, CPU 0 accepting everything.
    fn enable(m: &mut Mpic, n: usize, priority: u32, vector: u32) {
        m.write(ivpr_of(n), 4, priority << 16 | vector);
        m.write(reg::CTPR, 4, 0);
    }

    #[test]
    fn reset_values_match_qemu() {
        let mut m = Mpic::new();
        assert_eq!(m.read(reg::BRR1, 4), 0x0040_0402);
        assert_eq!(m.read(reg::FRR, 4), 0x00C3_0002);
        assert_eq!(m.read(reg::GCR, 4), 0);
        assert_eq!(m.read(reg::VIR, 4), 0);
        assert_eq!(m.read(reg::PIR, 4), 0);
        assert_eq!(m.read(reg::SVR, 4), 0xFFFF);
        assert_eq!(
            m.read(reg::FRR + 4, 4),
            u32::MAX,
            "unaligned to 16: all ones"
        );
        // External pin 0 and the UART's internal source (polarity set).
        assert_eq!(m.read(ivpr_of(0), 4), 0x8000_0000);
        assert_eq!(m.read(idr_of(0), 4), 1);
        assert_eq!(m.read(reg::ILR0, 4), 0);
        assert_eq!(m.read(reg::IVPR0 + 4, 4), u32::MAX);
        assert_eq!(m.read(ivpr_of(source::UART), 4), 0x8080_0000);
        // IPIs start unrouted, timers at CPU 0 and inhibited.
        assert_eq!(m.read(reg::IPIVPR0, 4), 0x8000_0000);
        assert_eq!(m.read(reg::GTCCR0 + 0x10, 4), 0x8000_0000, "GTBCR0");
        assert_eq!(m.read(reg::GTCCR0 + 0x20, 4), 0x8000_0000, "GTVPR0");
        assert_eq!(m.read(reg::GTCCR0 + 0x30, 4), 1, "GTDR0");
        // Per-CPU page and its global alias.
        assert_eq!(m.read(reg::CTPR, 4), 15);
        assert_eq!(m.read(0x80, 4), 15);
        assert_eq!(m.read(reg::WHOAMI, 4), 0);
        assert_eq!(
            m.read(reg::IACK, 4),
            0xFFFF,
            "nothing raised: spurious vector"
        );
        assert_eq!(m.read(reg::EOI, 4), 0);
        assert_eq!(m.read(reg::CTPR + 0x1000, 4), u32::MAX, "no CPU 1");
        assert_eq!(m.read(0x2_0000, 4), u32::MAX);
        // Holes between groups read 0.
        assert_eq!(m.read(0x4000, 4), 0);
        assert_eq!(m.read(0x3800, 4), 0, "summary");
    }

    #[test]
    fn gcr_reset_bit_self_clears_and_resets_registers() {
        let mut m = Mpic::new();
        m.write(reg::GCR, 4, 0x2000_0000);
        assert_eq!(m.read(reg::GCR, 4), 0x2000_0000);
        m.write(ivpr_of(5), 4, 0x0005_0033);
        m.write(reg::CTPR, 4, 3);
        m.write(reg::GCR, 4, gcr::RESET);
        assert_eq!(m.read(reg::GCR, 4), 0, "reset bit reads back clear");
        assert_eq!(m.read(ivpr_of(5), 4), 0x8000_0000);
        assert_eq!(m.read(reg::CTPR, 4), 15);
        m.write(reg::GCR, 4, 0x7FFF_FFFF);
        assert_eq!(m.read(reg::GCR, 4), gcr::MODE, "only the mode field sticks");
    }

    #[test]
    fn ivpr_masks_and_kinds() {
        let mut m = Mpic::new();
        // Activity and mode bits are not writable; internal sources have no sense bit.
        m.write(ivpr_of(source::UART), 4, 0xFFFF_FFFF);
        assert_eq!(m.read(ivpr_of(source::UART), 4), 0x808F_FFFF);
        m.write(ivpr_of(3), 4, 0xFFFF_FFFF);
        assert_eq!(m.read(ivpr_of(3), 4), 0x80CF_FFFF);
        m.write(reg::IPIVPR0, 4, 0xFFFF_FFFF);
        assert_eq!(m.read(reg::IPIVPR0, 4), 0x800F_FFFF);
        // IDR keeps only CPU 0; ILR selects an output.
        m.write(idr_of(3), 4, 0xFFFF_FFFF);
        assert_eq!(m.read(idr_of(3), 4), 1);
        m.write(reg::ILR0 + 0x20 * 3, 4, 1);
        assert_eq!(m.read(reg::ILR0 + 0x20 * 3, 4), 1);
    }

    #[test]
    fn level_source_interrupts_until_its_line_drops() {
        let mut m = Mpic::new();
        m.set_irq(source::UART, true);
        assert!(!m.int_output(), "masked at reset");
        enable(&mut m, source::UART, 5, 0x42);
        assert!(m.int_output());
        assert_eq!(m.read(ivpr_of(source::UART), 4) & ivpr::A, ivpr::A);
        assert_eq!(m.read(reg::IACK, 4), 0x42);
        assert!(!m.int_output(), "IACK lowers the output");
        // The device is serviced, its line drops, EOI finds nothing else.
        m.set_irq(source::UART, false);
        m.write(reg::EOI, 4, 0);
        assert!(!m.int_output());
        assert_eq!(m.read(ivpr_of(source::UART), 4) & ivpr::A, 0);
        // A line still high after EOI interrupts again.
        m.set_irq(source::UART, true);
        assert_eq!(m.read(reg::IACK, 4), 0x42);
        m.write(reg::EOI, 4, 0);
        assert!(m.int_output());
    }

    #[test]
    fn ctpr_and_in_service_priority_hide_sources() {
        let mut m = Mpic::new();
        enable(&mut m, source::UART, 5, 1);
        enable(&mut m, source::GPIO, 9, 2);
        m.write(reg::CTPR, 4, 5);
        m.set_irq(source::UART, true);
        assert!(!m.int_output(), "priority 5 is not above CTPR 5");
        m.write(reg::CTPR, 4, 4);
        assert!(m.int_output(), "lowering CTPR lets it through");
        assert_eq!(m.read(reg::IACK, 4), 1);
        // A higher priority preempts the one in service; a lower one waits.
        m.set_irq(source::GPIO, true);
        assert!(m.int_output());
        assert_eq!(m.read(reg::IACK, 4), 2);
        m.set_irq(source::GPIO, false);
        m.write(reg::EOI, 4, 0); // ends GPIO; UART is still in service
        assert!(!m.int_output());
        m.set_irq(source::UART, false);
        m.write(reg::EOI, 4, 0);
        assert!(!m.int_output());
        assert_eq!(m.read(reg::IACK, 4), 0xFFFF, "spurious");
    }

    #[test]
    fn highest_priority_is_acknowledged_first() {
        let mut m = Mpic::new();
        enable(&mut m, 17, 3, 0x17);
        enable(&mut m, 18, 8, 0x18);
        enable(&mut m, 19, 8, 0x19);
        for n in [17, 18, 19] {
            m.set_irq(n, true);
        }
        assert_eq!(m.read(reg::IACK, 4), 0x18, "ties go to the lower number");
        m.set_irq(18, false);
        m.write(reg::EOI, 4, 0);
        assert_eq!(m.read(reg::IACK, 4), 0x19);
        m.set_irq(19, false);
        m.write(reg::EOI, 4, 0);
        assert_eq!(m.read(reg::IACK, 4), 0x17);
    }

    #[test]
    fn edge_pin_is_consumed_by_iack() {
        let mut m = Mpic::new();
        enable(&mut m, 2, 4, 0x20); // sense 0: edge
        m.set_irq(2, true);
        m.set_irq(2, false);
        assert!(m.int_output(), "the edge is remembered");
        assert_eq!(m.read(reg::IACK, 4), 0x20);
        m.write(reg::EOI, 4, 0);
        assert!(!m.int_output());
        // Level sense on a pin follows the line.
        m.write(ivpr_of(2), 4, ivpr::S | 4 << 16 | 0x20);
        m.set_irq(2, true);
        assert!(m.int_output());
        m.set_irq(2, false);
        assert!(!m.int_output());
    }

    #[test]
    fn masking_and_destination_gate_delivery() {
        let mut m = Mpic::new();
        enable(&mut m, source::UART, 5, 1);
        m.write(idr_of(source::UART), 4, 0);
        m.set_irq(source::UART, true);
        assert!(!m.int_output(), "no destination");
        m.write(idr_of(source::UART), 4, 1);
        m.write(ivpr_of(source::UART), 4, ivpr::MSK | 5 << 16 | 1);
        m.write(ivpr_of(source::UART), 4, 5 << 16 | 1);
        assert!(m.int_output(), "unmasking a pending source delivers it");
        m.write(ivpr_of(source::UART), 4, ivpr::MSK | 5 << 16 | 1);
        assert!(!m.int_output(), "masking withdraws it");
    }

    #[test]
    fn critical_routing_bypasses_the_int_output() {
        let mut m = Mpic::new();
        enable(&mut m, source::UART, 5, 1);
        m.write(reg::ILR0 + 0x20 * source::UART as u64, 4, 1);
        m.set_irq(source::UART, true);
        assert!(!m.int_output());
        assert!(m.critical_output());
        m.set_irq(source::UART, false);
        assert!(!m.critical_output());
    }

    #[test]
    fn ipi_dispatch_raises_an_edge() {
        let mut m = Mpic::new();
        m.write(reg::IPIVPR0 + 0x10, 4, 7 << 16 | 0x77);
        m.write(reg::CTPR, 4, 0);
        m.write(reg::IPIDR0 + 0x10, 4, 1);
        assert!(m.int_output());
        assert_eq!(m.read(reg::IACK, 4), 0x77);
        m.write(reg::EOI, 4, 0);
        assert!(!m.int_output());
    }

    #[test]
    fn msi_sets_its_bank_and_reading_clears_it() {
        let mut m = Mpic::new();
        enable(&mut m, MSI0 + 2, 6, 0xE2);
        m.write(reg::MSIIR, 4, 2 << 29 | 5 << 24);
        assert!(m.int_output());
        assert_eq!(m.read(reg::MSISR, 4), 1 << 2);
        assert_eq!(m.read(reg::IACK, 4), 0xE2);
        assert_eq!(m.read(reg::MSIR0 + 0x20, 4), 1 << 5);
        assert_eq!(m.read(reg::MSIR0 + 0x20, 4), 0, "read clears");
        m.write(reg::EOI, 4, 0);
        assert!(!m.int_output());
    }

    #[test]
    fn timer_registers_are_kept() {
        let mut m = Mpic::new();
        let gtbcr1 = reg::GTCCR0 + 0x40 + 0x10;
        m.write(gtbcr1, 4, 0x1234);
        assert_eq!(m.read(gtbcr1, 4), 0x1234);
        assert_eq!(
            m.read(reg::GTCCR0 + 0x40, 4),
            0x1234,
            "count loads from base"
        );
        m.write(reg::TFRR, 4, 25_000_000);
        assert_eq!(m.read(reg::TFRR, 4), 25_000_000);
        m.write(reg::GTCCR0 + 0x60, 4, 0x8000_0000 | 3 << 16 | 9);
        assert_eq!(m.read(reg::GTCCR0 + 0x60, 4), 0x8000_0000 | 3 << 16 | 9);
    }

    #[test]
    fn narrow_accesses_use_the_top_bytes_as_qemu() {
        let mut m = Mpic::new();
        assert_eq!(m.read(reg::FRR, 1), 0x00);
        assert_eq!(m.read(reg::FRR, 2), 0x00C3);
        assert_eq!(m.read(reg::FRR + 1, 1), 0xFF, "not a register address");
        assert_eq!(m.read(reg::FRR + 1, 2), 0, "misaligned");
        m.write(reg::GCR, 1, 0x20);
        assert_eq!(m.read(reg::GCR, 4), 0x2000_0000);
        m.write(reg::GCR + 2, 4, 0xFFFF_FFFF);
        assert_eq!(
            m.read(reg::GCR, 4),
            0x2000_0000,
            "misaligned writes are ignored"
        );
    }

    #[test]
    fn machine_reset_drops_the_output() {
        let mut m = Mpic::new();
        enable(&mut m, source::UART, 5, 1);
        m.set_irq(source::UART, true);
        m.write(reg::GCR, 4, gcr::RESET);
        assert!(m.int_output(), "a controller reset leaves the line (QEMU)");
        m.reset();
        assert!(!m.int_output());
    }
}
