//! The BookE debug facility of the e500: DBCR0-2, DBSR, IAC1-2, DAC1-2, with two
//! banks of comparators.
//!
//! * The **guest bank** is what the guest programs with `mtspr` and reads back with
//!   `mfspr`; its events become the guest's own debug interrupts, gated by the
//!   guest's MSR[DE] and DBCR0[IDM], exactly as on the hardware.
//! * The **host bank** is what the debugger programs through the hypervisor layer
//!   (`set_guest_debug`); its events stop the run loop and are never seen by the
//!   guest. While it is active the guest reads DBCR0 with EDM set.
//!
//! Comparators cost nothing while disarmed: the engine asks [`Debug::iac_may_match`]
//! when it builds a block and [`Debug::dac_may_hit_page`] when it fills a soft-TLB
//! entry, and only then takes the checking path.

/// DBCR0 bits.
pub mod dbcr0 {
    pub const EDM: u32 = 0x8000_0000;
    pub const IDM: u32 = 0x4000_0000;
    pub const RST: u32 = 0x3000_0000;
    pub const IC: u32 = 0x0800_0000;
    pub const BT: u32 = 0x0400_0000;
    pub const IRPT: u32 = 0x0200_0000;
    pub const TDE: u32 = 0x0100_0000;
    pub const IAC1: u32 = 0x0080_0000;
    pub const IAC2: u32 = 0x0040_0000;
    pub const DAC1R: u32 = 0x0008_0000;
    pub const DAC1W: u32 = 0x0004_0000;
    pub const DAC2R: u32 = 0x0002_0000;
    pub const DAC2W: u32 = 0x0001_0000;
    pub const RET: u32 = 0x0000_8000;
    pub const CIRPT: u32 = 0x0000_0040;
    pub const CRET: u32 = 0x0000_0020;
    pub const FT: u32 = 0x0000_0001;
    /// The comparator enables.
    pub const IAC: u32 = IAC1 | IAC2;
    pub const DAC: u32 = DAC1R | DAC1W | DAC2R | DAC2W;
}

/// DBSR bits (write-1-to-clear). Event bits share DBCR0's positions.
pub mod dbsr {
    pub const IDE: u32 = 0x8000_0000;
    pub const UDE: u32 = 0x4000_0000;
    pub const MRR: u32 = 0x3000_0000;
    pub const IC: u32 = 0x0800_0000;
    pub const BT: u32 = 0x0400_0000;
    pub const IRPT: u32 = 0x0200_0000;
    pub const TIE: u32 = 0x0100_0000;
    pub const IAC1: u32 = 0x0080_0000;
    pub const IAC2: u32 = 0x0040_0000;
    pub const DAC1R: u32 = 0x0008_0000;
    pub const DAC1W: u32 = 0x0004_0000;
    pub const DAC2R: u32 = 0x0002_0000;
    pub const DAC2W: u32 = 0x0001_0000;
    pub const RET: u32 = 0x0000_8000;
    pub const CIRPT: u32 = 0x0000_0040;
    pub const CRET: u32 = 0x0000_0020;
    /// Every bit that records an event (and so can request a debug interrupt).
    pub const EVENTS: u32 = UDE
        | IC
        | BT
        | IRPT
        | TIE
        | IAC1
        | IAC2
        | DAC1R
        | DAC1W
        | DAC2R
        | DAC2W
        | RET
        | CIRPT
        | CRET;
    pub const DAC_WRITE: u32 = DAC1W | DAC2W;
    pub const DAC_READ: u32 = DAC1R | DAC2R;
}

/// DBCR1/DBCR2 field helpers.
mod qual {
    /// Whether a US (user/supervisor) field value admits problem state `pr`.
    pub fn us_ok(us: u32, pr: bool) -> bool {
        match us {
            2 => !pr,
            3 => pr,
            _ => true,
        }
    }
    /// Whether an ER field admits address space `space`.
    pub fn er_ok(er: u32, space: bool) -> bool {
        match er {
            2 => !space,
            3 => space,
            _ => true,
        }
    }
}

/// How a comparator pair compares (IAC12M / DAC12M).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PairMode {
    Exact,
    Mask,
    Inclusive,
    Exclusive,
}

impl PairMode {
    fn from_field(f: u32) -> PairMode {
        match f & 3 {
            0 => PairMode::Exact,
            1 => PairMode::Mask,
            2 => PairMode::Inclusive,
            _ => PairMode::Exclusive,
        }
    }

    /// Whether `addr` matches the pair `(v1, v2)`; for `Exact`, returns the per-comparator result.
    fn pair_match(self, addr: u32, v1: u32, v2: u32) -> bool {
        match self {
            PairMode::Exact => unreachable!("exact compares per comparator"),
            PairMode::Mask => addr & v2 == v1 & v2,
            PairMode::Inclusive => v1 <= addr && addr < v2,
            PairMode::Exclusive => addr < v1 || addr >= v2,
        }
    }
}

/// One bank of debug registers: the architected DBCR0-2, IAC1-2, DAC1-2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DebugRegs {
    pub dbcr0: u32,
    pub dbcr1: u32,
    pub dbcr2: u32,
    pub iac: [u32; 2],
    pub dac: [u32; 2],
}

/// MSR state that qualifies comparators.
#[derive(Clone, Copy, Debug)]
pub struct Qualifiers {
    pub pr: bool,
    pub is: bool,
    pub ds: bool,
}

/// A data access as the DAC comparators see it.
#[derive(Clone, Copy, Debug)]
pub struct DataAccess {
    /// Starting effective address.
    pub ea: u32,
    /// Bytes accessed.
    pub len: u32,
    pub write: bool,
    /// A cache-block operation (`dcbz`): compared on its aligned block.
    pub block: Option<u32>,
}

impl DebugRegs {
    /// DBSR bits of the IAC events that fire for an instruction at `ea`.
    pub fn iac_hits(&self, ea: u32, q: Qualifiers) -> u32 {
        let en = self.dbcr0 & dbcr0::IAC;
        if en == 0 {
            return 0;
        }
        let ea = ea & !3;
        let qualified = |n: usize| {
            let shift = 30 - 4 * n as u32;
            let us = (self.dbcr1 >> shift) & 3;
            let er = (self.dbcr1 >> (shift - 2)) & 3;
            qual::us_ok(us, q.pr) && qual::er_ok(er, q.is)
        };
        match PairMode::from_field(self.dbcr1 >> 22) {
            PairMode::Exact => {
                let mut hits = 0;
                for (n, bit) in [dbcr0::IAC1, dbcr0::IAC2].into_iter().enumerate() {
                    if en & bit != 0 && self.iac[n] & !3 == ea && qualified(n) {
                        hits |= bit;
                    }
                }
                hits
            }
            mode => {
                if mode.pair_match(ea, self.iac[0] & !3, self.iac[1] & !3) && qualified(0) {
                    en
                } else {
                    0
                }
            }
        }
    }

    /// DBSR bits of the DAC events that fire for `acc`.
    pub fn dac_hits(&self, acc: DataAccess, q: Qualifiers) -> u32 {
        let (r1, w1, r2, w2) = (dbcr0::DAC1R, dbcr0::DAC1W, dbcr0::DAC2R, dbcr0::DAC2W);
        let en = self.dbcr0 & if acc.write { w1 | w2 } else { r1 | r2 };
        if en == 0 {
            return 0;
        }
        let qualified = |n: usize| {
            let shift = 30 - 4 * n as u32;
            let us = (self.dbcr2 >> shift) & 3;
            let er = (self.dbcr2 >> (shift - 2)) & 3;
            qual::us_ok(us, q.pr) && qual::er_ok(er, q.ds)
        };
        let block_mask = acc.block.map_or(u32::MAX, |line| !(line - 1));
        let ea = acc.ea & block_mask;
        match PairMode::from_field(self.dbcr2 >> 22) {
            PairMode::Exact => {
                let mut hits = 0;
                for (n, bits) in [r1 | w1, r2 | w2].into_iter().enumerate() {
                    if en & bits != 0 && self.dac[n] & block_mask == ea && qualified(n) {
                        hits |= en & bits;
                    }
                }
                hits
            }
            mode => {
                if mode.pair_match(ea, self.dac[0], self.dac[1]) && qualified(0) {
                    en
                } else {
                    0
                }
            }
        }
    }

    fn iac_could_match(&self, ea: u32) -> bool {
        let en = self.dbcr0 & dbcr0::IAC;
        if en == 0 {
            return false;
        }
        let ea = ea & !3;
        match PairMode::from_field(self.dbcr1 >> 22) {
            PairMode::Exact => {
                (en & dbcr0::IAC1 != 0 && self.iac[0] & !3 == ea)
                    || (en & dbcr0::IAC2 != 0 && self.iac[1] & !3 == ea)
            }
            mode => mode.pair_match(ea, self.iac[0] & !3, self.iac[1] & !3),
        }
    }

    fn dac_could_hit_page(&self, page: u32) -> bool {
        let en = self.dbcr0 & dbcr0::DAC;
        if en == 0 {
            return false;
        }
        match PairMode::from_field(self.dbcr2 >> 22) {
            PairMode::Exact => {
                (en & (dbcr0::DAC1R | dbcr0::DAC1W) != 0 && self.dac[0] & !0xFFF == page)
                    || (en & (dbcr0::DAC2R | dbcr0::DAC2W) != 0 && self.dac[1] & !0xFFF == page)
            }
            _ => true,
        }
    }
}

/// What kind of access a debugger watchpoint catches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchKind {
    pub read: bool,
    pub write: bool,
}

/// One debugger watchpoint: `len` bytes from `addr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostWatch {
    pub addr: u32,
    pub len: u32,
    pub kind: WatchKind,
}

impl HostWatch {
    /// Whether any byte of `[start, start + len)` is watched for this kind of access.
    fn catches(&self, start: u32, len: u32, write: bool) -> bool {
        let wanted = if write {
            self.kind.write
        } else {
            self.kind.read
        };
        let end = start as u64 + len as u64;
        wanted && (start as u64) < self.addr as u64 + self.len as u64 && (self.addr as u64) < end
    }

    /// The first and last 4 KiB pages the watched bytes touch.
    fn pages(&self) -> (u32, u32) {
        let last = self.addr.saturating_add(self.len.max(1) - 1);
        (self.addr & !0xFFF, last & !0xFFF)
    }
}

/// The debugger's bank, as `set_guest_debug` programs it: comparators in order,
/// the first two standing for the hardware's IAC1/IAC2 and DAC1/DAC2 (the
/// hypervisor layer decides how many it allows; the core compares any number at
/// no cost while they do not fire).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostDebug {
    /// Exit after every instruction (DBCR0[IC] with IDM).
    pub single_step: bool,
    /// The software-breakpoint instruction exits instead of reaching the guest.
    pub sw_breakpoints: bool,
    /// Instruction comparators (word addresses).
    pub iac: Vec<u32>,
    /// Data comparators.
    pub dac: Vec<HostWatch>,
    /// With `single_step`: an asynchronous interrupt that comes due during a
    /// step is taken at its instruction as ever, and its handler runs through
    /// to the return before the step completes, so a step never lands in a
    /// handler and the guest's timing is what it would be without the debugger
    /// (QEMU's SSTEP_NOIRQ masks the interrupt instead, which delays it).
    pub step_over_interrupts: bool,
}

impl HostDebug {
    /// The shadow DBCR0 KVM would load for this bank (its first two comparators).
    pub fn dbcr0(&self) -> u32 {
        let mut v = dbcr0::IDM;
        if self.single_step {
            v |= dbcr0::IC;
        }
        for n in 0..self.iac.len().min(2) {
            v |= iac_bit(n);
        }
        for (n, w) in self.dac.iter().take(2).enumerate() {
            if w.kind.read {
                v |= dac_bit(n, false);
            }
            if w.kind.write {
                v |= dac_bit(n, true);
            }
        }
        v
    }

    /// The first instruction comparator matching an instruction at `ea`.
    fn iac_hit(&self, ea: u32) -> Option<usize> {
        self.iac.iter().position(|&a| a & !3 == ea & !3)
    }

    /// The first data comparator catching `acc`: any byte of it inside a watched range.
    fn dac_hit(&self, acc: DataAccess) -> Option<usize> {
        let (start, len) = match acc.block {
            Some(line) => (acc.ea & !(line - 1), line),
            None => (acc.ea, acc.len),
        };
        self.dac
            .iter()
            .position(|w| w.catches(start, len, acc.write))
    }
}

/// DBSR bit of instruction comparator `n` (0 beyond the hardware's two).
fn iac_bit(n: usize) -> u32 {
    match n {
        0 => dbsr::IAC1,
        1 => dbsr::IAC2,
        _ => 0,
    }
}

/// DBSR bit of data comparator `n` for a read or a write (0 beyond the hardware's two).
fn dac_bit(n: usize, write: bool) -> u32 {
    match (n, write) {
        (0, false) => dbsr::DAC1R,
        (0, true) => dbsr::DAC1W,
        (1, false) => dbsr::DAC2R,
        (1, true) => dbsr::DAC2W,
        _ => 0,
    }
}

/// What a debug event of the host bank reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostEvent {
    /// An IAC fired: the instruction at `addr` has not executed.
    Breakpoint { addr: u32, dbsr: u32 },
    /// A DAC fired before the access; `addr` is the programmed comparator address.
    Watchpoint { addr: u32, write: bool, dbsr: u32 },
    /// One instruction completed (or an interrupt was entered); `next` is the PC.
    Step { next: u32 },
    /// The software-breakpoint instruction at `addr` was reached.
    SoftwareBreakpoint { addr: u32 },
}

/// Where a host single step goes on once the interrupt handler it ran into
/// ([`HostDebug::step_over_interrupts`]) returns: the interrupted instruction,
/// in the same privilege (and, in user mode, the same address space).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepResume {
    pub pc: u32,
    pub pr: bool,
    pub pid: u32,
}

/// The debug facility of one core: the guest bank, DBSR, and the host bank.
#[derive(Clone, Debug, Default)]
pub struct Debug {
    /// What the guest programmed.
    pub guest: DebugRegs,
    /// The guest-visible DBSR.
    pub dbsr: u32,
    /// The debugger's bank, while it owns debugging (KVM_GUESTDBG_ENABLE); set
    /// with [`Debug::set_host`], which keeps the watch span up to date.
    pub(crate) host: Option<HostDebug>,
    /// The bytes the host bank's watchpoints span, first to last (empty when none):
    /// most accesses to a watched page are told apart with two compares.
    host_watch_span: (u64, u64),
    /// A host single step waits for an interrupt handler to return here.
    pub(crate) step_resume: Option<StepResume>,
    /// Software breakpoints the debugger set where nothing was mapped to plant
    /// them: compared by effective address (as QEMU compares all of its), and
    /// reported as software breakpoints while the host bank takes them.
    pub(crate) address_breakpoints: std::collections::BTreeSet<u32>,
}

impl Debug {
    /// The debugger's bank, if the debugger owns debugging.
    pub fn host(&self) -> Option<&HostDebug> {
        self.host.as_ref()
    }

    /// Install (or remove) the debugger's bank.
    pub fn set_host(&mut self, host: Option<HostDebug>) {
        let watches = host.iter().flat_map(|h| h.dac.iter());
        let span = watches.fold((u64::MAX, 0), |(lo, hi), w| {
            (lo.min(w.addr as u64), hi.max(w.addr as u64 + w.len as u64))
        });
        self.host_watch_span = span;
        self.host = host;
        self.step_resume = None;
    }

    /// Whether the debugger single-steps now (not while a step waits for an
    /// interrupt handler to return).
    pub fn host_stepping(&self) -> bool {
        self.step_resume.is_none() && self.host.as_ref().is_some_and(|h| h.single_step)
    }

    /// DBCR0 as the guest reads it: EDM shows that an external debugger owns the facility.
    pub fn guest_dbcr0(&self) -> u32 {
        let edm = if self.host.is_some() { dbcr0::EDM } else { 0 };
        (self.guest.dbcr0 & !dbcr0::EDM) | edm
    }

    /// Whether the guest's internal debug mode is on.
    pub fn guest_idm(&self) -> bool {
        self.guest.dbcr0 & dbcr0::IDM != 0
    }

    /// Whether any comparator of either bank could fire for an instruction at `ea`.
    pub fn iac_may_match(&self, ea: u32) -> bool {
        let resume = self.step_resume.is_some_and(|r| r.pc == ea & !3)
            || self.address_breakpoint(ea).is_some();
        let host = resume || self.host.as_ref().is_some_and(|h| h.iac_hit(ea).is_some());
        host || (self.guest_idm() && self.guest.iac_could_match(ea))
    }

    /// Whether any data comparator of either bank could fire for an access in the 4 KiB page.
    pub fn dac_may_hit_page(&self, page: u32) -> bool {
        let host = self.host.as_ref().is_some_and(|h| {
            h.dac.iter().any(|w| {
                let (first, last) = w.pages();
                (first..=last).contains(&page)
            })
        });
        host || (self.guest_idm() && self.guest.dac_could_hit_page(page))
    }

    /// Whether execution must go one instruction at a time: the debugger single-steps,
    /// or the guest has instruction-complete or branch-taken events armed with DE set.
    pub fn needs_stepping(&self, guest_de: bool) -> bool {
        let host = self.host_stepping();
        host || (guest_de && self.guest_idm() && self.guest.dbcr0 & (dbcr0::IC | dbcr0::BT) != 0)
    }

    /// Whether no comparator of either bank can fire for an `len`-byte access at
    /// `ea` (false whenever the guest's own data comparators are armed: their
    /// modes are compared on the slow path).
    #[inline]
    pub fn dac_cannot_hit(&self, ea: u32, len: u32) -> bool {
        if self.guest_idm() && self.guest.dbcr0 & dbcr0::DAC != 0 {
            return false;
        }
        let (start, end) = (ea as u64, ea as u64 + len as u64);
        let (lo, hi) = self.host_watch_span;
        if end <= lo || start >= hi {
            return true;
        }
        !self.host.as_ref().is_some_and(|h| {
            h.dac
                .iter()
                .any(|w| start < w.addr as u64 + w.len as u64 && (w.addr as u64) < end)
        })
    }

    /// The software breakpoint by address at `ea`, while the debugger takes them.
    fn address_breakpoint(&self, ea: u32) -> Option<HostEvent> {
        let taken = !self.address_breakpoints.is_empty()
            && self.host.as_ref().is_some_and(|h| h.sw_breakpoints)
            && self.address_breakpoints.contains(&(ea & !3));
        taken.then_some(HostEvent::SoftwareBreakpoint { addr: ea })
    }

    /// The debugger's event for an instruction at `ea`, if a comparator (or a
    /// software breakpoint by address) matches.
    pub fn host_iac(&self, ea: u32) -> Option<HostEvent> {
        if let Some(event) = self.address_breakpoint(ea) {
            return Some(event);
        }
        let n = self.host.as_ref()?.iac_hit(ea)?;
        Some(HostEvent::Breakpoint {
            addr: ea,
            dbsr: iac_bit(n),
        })
    }

    /// The debugger's event for a data access, if a comparator catches it.
    pub fn host_dac(&self, acc: DataAccess) -> Option<HostEvent> {
        let host = self.host.as_ref()?;
        let n = host.dac_hit(acc)?;
        Some(HostEvent::Watchpoint {
            addr: host.dac[n].addr,
            write: acc.write,
            dbsr: dac_bit(n, acc.write),
        })
    }

    /// Guest IAC hits (recorded only in internal debug mode).
    pub fn guest_iac(&self, ea: u32, q: Qualifiers) -> u32 {
        if self.guest_idm() {
            self.guest.iac_hits(ea, q)
        } else {
            0
        }
    }

    /// Guest DAC hits (recorded only in internal debug mode).
    pub fn guest_dac(&self, acc: DataAccess, q: Qualifiers) -> u32 {
        if self.guest_idm() {
            self.guest.dac_hits(acc, q)
        } else {
            0
        }
    }

    /// Whether a recorded guest event asks for a debug interrupt now.
    pub fn guest_interrupt_pending(&self, guest_de: bool) -> bool {
        guest_de && self.guest_idm() && self.dbsr & dbsr::EVENTS != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY: Qualifiers = Qualifiers {
        pr: false,
        is: false,
        ds: false,
    };
    const USER: Qualifiers = Qualifiers {
        pr: true,
        is: false,
        ds: false,
    };

    fn acc(ea: u32, write: bool) -> DataAccess {
        DataAccess {
            ea,
            len: 4,
            write,
            block: None,
        }
    }

    #[test]
    fn iac_exact_and_qualifiers() {
        let mut r = DebugRegs {
            dbcr0: dbcr0::IDM | dbcr0::IAC1,
            iac: [0x1000, 0x2000],
            ..Default::default()
        };
        assert_eq!(r.iac_hits(0x1000, ANY), dbsr::IAC1);
        assert_eq!(r.iac_hits(0x1002, ANY), dbsr::IAC1, "word compare");
        assert_eq!(r.iac_hits(0x2000, ANY), 0, "IAC2 not enabled");
        r.dbcr1 = 0xC000_0000; // IAC1US = user only
        assert_eq!(r.iac_hits(0x1000, ANY), 0);
        assert_eq!(r.iac_hits(0x1000, USER), dbsr::IAC1);
        r.dbcr1 = 0x3000_0000; // IAC1ER = EA with IS=1
        assert_eq!(r.iac_hits(0x1000, ANY), 0);
    }

    #[test]
    fn iac_ranges() {
        let mut r = DebugRegs {
            dbcr0: dbcr0::IAC1,
            iac: [0x1000, 0x2000],
            ..Default::default()
        };
        r.dbcr1 = 0x0080_0000; // inclusive
        assert_eq!(r.iac_hits(0x1ffc, ANY), dbsr::IAC1);
        assert_eq!(r.iac_hits(0x2000, ANY), 0);
        r.dbcr1 = 0x00C0_0000; // exclusive
        assert_eq!(r.iac_hits(0x2000, ANY), dbsr::IAC1);
        assert_eq!(r.iac_hits(0x1000, ANY), 0);
        r.dbcr1 = 0x0040_0000; // mask: IAC2 holds the mask
        r.iac = [0x1000, 0xFFFF_F000];
        assert_eq!(r.iac_hits(0x1abc, ANY), dbsr::IAC1);
        assert_eq!(r.iac_hits(0x2abc, ANY), 0);
    }

    #[test]
    fn dac_read_write_and_block() {
        let r = DebugRegs {
            dbcr0: dbcr0::DAC1W | dbcr0::DAC2R,
            dac: [0x3000, 0x4000],
            ..Default::default()
        };
        assert_eq!(r.dac_hits(acc(0x3000, true), ANY), dbsr::DAC1W);
        assert_eq!(r.dac_hits(acc(0x3000, false), ANY), 0);
        assert_eq!(r.dac_hits(acc(0x4000, false), ANY), dbsr::DAC2R);
        assert_eq!(
            r.dac_hits(acc(0x3001, true), ANY),
            0,
            "starting EA compared exactly"
        );
        let dcbz = DataAccess {
            ea: 0x3010,
            len: 32,
            write: true,
            block: Some(32),
        };
        assert_eq!(r.dac_hits(dcbz, ANY), dbsr::DAC1W);
    }

    #[test]
    fn host_bank_overlap_and_kvm_dbcr0() {
        let both = WatchKind {
            read: true,
            write: true,
        };
        let h = HostDebug {
            single_step: true,
            sw_breakpoints: true,
            iac: vec![0x100],
            dac: vec![
                HostWatch {
                    addr: 0x9000,
                    len: 1,
                    kind: WatchKind {
                        read: true,
                        write: false,
                    },
                },
                HostWatch {
                    addr: 0x2004,
                    len: 4,
                    kind: both,
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            h.dbcr0(),
            dbcr0::IDM | dbcr0::IC | dbcr0::IAC1 | dbcr0::DAC1R | dbcr0::DAC2R | dbcr0::DAC2W
        );
        let acc = |ea, len, write| DataAccess {
            ea,
            len,
            write,
            block: None,
        };
        let mut d = Debug::default();
        d.set_host(Some(h));
        let watch = |addr, write, dbsr| Some(HostEvent::Watchpoint { addr, write, dbsr });
        assert_eq!(
            d.host_dac(acc(0x2006, 1, true)),
            watch(0x2004, true, dbsr::DAC2W)
        );
        assert_eq!(
            d.host_dac(acc(0x2000, 4, false)),
            None,
            "adjacent bytes are not watched"
        );
        assert_eq!(
            d.host_dac(acc(0x2000, 8, false)),
            watch(0x2004, false, dbsr::DAC2R)
        );
        assert_eq!(
            d.host_iac(0x102),
            Some(HostEvent::Breakpoint {
                addr: 0x102,
                dbsr: dbsr::IAC1
            })
        );
        assert_eq!(d.guest_dbcr0() & dbcr0::EDM, dbcr0::EDM);
        assert!(d.dac_may_hit_page(0x2000));
        assert!(!d.dac_may_hit_page(0x3000));
        assert!(d.iac_may_match(0x100));
    }

    #[test]
    fn host_bank_beyond_the_hardware() {
        // Any number of comparators; a watch of any length spans its pages.
        let big = HostWatch {
            addr: 0x1FF0,
            len: 0x2020,
            kind: WatchKind {
                read: false,
                write: true,
            },
        };
        let h = HostDebug {
            iac: vec![0x100, 0x200, 0x300],
            dac: vec![big; 3],
            ..Default::default()
        };
        let mut d = Debug::default();
        d.set_host(Some(h));
        assert_eq!(
            d.host_iac(0x300),
            Some(HostEvent::Breakpoint {
                addr: 0x300,
                dbsr: 0
            })
        );
        assert!((0x1000..=0x4000)
            .step_by(0x1000)
            .all(|p| d.dac_may_hit_page(p)));
        assert!(!d.dac_may_hit_page(0x5000));
        let acc = DataAccess {
            ea: 0x400C,
            len: 4,
            write: true,
            block: None,
        };
        assert_eq!(
            d.host_dac(acc),
            Some(HostEvent::Watchpoint {
                addr: 0x1FF0,
                write: true,
                dbsr: dbsr::DAC1W
            })
        );
    }
}
