//! Time base, decrementer, fixed-interval timer and watchdog (TCR/TSR).
//!
//! Time is virtual: it advances with retired instructions (see [`TB_TICKS_PER_INSN`]),
//! so a guest stopped in the debugger sees no time pass, and every run of a program
//! sees the same timer interrupts at the same instructions. State is brought up to
//! date lazily ([`Timers::sync`]); only enabled interrupt sources schedule events.

/// Time-base ticks per retired instruction: the 400 MHz time base advances as if
/// the core retired 100 M instructions per second.
pub const TB_TICKS_PER_INSN: u64 = 4;

/// TCR fields.
pub mod tcr {
    pub const WP: u32 = 0xC000_0000;
    pub const WRC: u32 = 0x3000_0000;
    pub const WIE: u32 = 0x0800_0000;
    pub const DIE: u32 = 0x0400_0000;
    pub const FP: u32 = 0x0300_0000;
    pub const FIE: u32 = 0x0080_0000;
    pub const ARE: u32 = 0x0040_0000;
    pub const WPEXT: u32 = 0x001E_0000;
    pub const FPEXT: u32 = 0x0001_E000;
}

/// TSR bits (write-1-to-clear).
pub mod tsr {
    pub const ENW: u32 = 0x8000_0000;
    pub const WIS: u32 = 0x4000_0000;
    pub const WRS: u32 = 0x3000_0000;
    pub const DIS: u32 = 0x0800_0000;
    pub const FIS: u32 = 0x0400_0000;
}

/// What a watchdog expiry asks of the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchdogReset {
    /// TCR[WRC] = 01, 10 or 11: core, chip or system reset.
    Requested(u32),
}

/// Timer state of one core.
#[derive(Clone, Debug, Default)]
pub struct Timers {
    /// TB = tb_base + ticks.
    tb_base: u64,
    /// Tick at which DEC reaches zero, while it is counting.
    dec_expiry: Option<u64>,
    pub decar: u32,
    pub tcr: u32,
    pub tsr: u32,
    /// Tick up to which TSR has been brought up to date.
    synced: u64,
    /// Latched by a watchdog expiry with a reset action; taken by the core.
    pub reset_request: Option<WatchdogReset>,
}

/// The TB bit (LSB numbering) selected by a 6-bit period field.
fn period_bit(field: u32) -> u32 {
    63 - field.min(63)
}

/// Number of 0→1 transitions of TB bit `b` at time-base values up to and including `x`.
fn rising_edges(x: u64, b: u32) -> u128 {
    (x as u128 + (1u128 << b)) >> (b + 1)
}

/// The next time-base value after `x` at which bit `b` goes 0→1.
fn next_rising_edge(x: u64, b: u32) -> u128 {
    let period = 1u128 << (b + 1);
    let half = 1u128 << b;
    let x = x as u128;
    let base = x - (x % period);
    if base + half > x {
        base + half
    } else {
        base + period + half
    }
}

impl Timers {
    /// Time-base value at `now` (ticks).
    pub fn tb(&self, now: u64) -> u64 {
        self.tb_base.wrapping_add(now)
    }

    /// Write the upper or lower half of the time base.
    pub fn set_tb(&mut self, now: u64, upper: bool, value: u32) {
        self.sync(now);
        let tb = self.tb(now);
        let new = if upper {
            (tb & 0xFFFF_FFFF) | (value as u64) << 32
        } else {
            (tb & !0xFFFF_FFFF) | value as u64
        };
        self.tb_base = new.wrapping_sub(now);
    }

    fn fit_bit(&self) -> u32 {
        period_bit(((self.tcr & tcr::FP) >> 24) | ((self.tcr & tcr::FPEXT) >> 13) << 2)
    }

    fn wdt_bit(&self) -> u32 {
        period_bit(((self.tcr & tcr::WP) >> 30) | ((self.tcr & tcr::WPEXT) >> 17) << 2)
    }

    /// Current DEC value.
    pub fn dec(&mut self, now: u64) -> u32 {
        self.sync(now);
        match self.dec_expiry {
            Some(e) if e > now => (e - now).min(u32::MAX as u64) as u32,
            _ => 0,
        }
    }

    /// Write DEC: it counts down from `value`; writing 0 stops it without an event.
    pub fn set_dec(&mut self, now: u64, value: u32) {
        self.sync(now);
        self.dec_expiry = (value != 0).then(|| now + value as u64);
    }

    /// Write TCR.
    pub fn set_tcr(&mut self, now: u64, value: u32) {
        self.sync(now);
        self.tcr = value;
    }

    /// Read TSR.
    pub fn tsr(&mut self, now: u64) -> u32 {
        self.sync(now);
        self.tsr
    }

    /// Set TSR to `value` (the debugger's write; the guest's writes clear bits).
    pub fn set_tsr(&mut self, now: u64, value: u32) {
        self.sync(now);
        self.tsr = value;
    }

    /// Write TSR (write-1-to-clear).
    pub fn clear_tsr(&mut self, now: u64, value: u32) {
        self.sync(now);
        self.tsr &= !value;
    }

    /// Bring DEC, FIT and watchdog status up to `now`.
    pub fn sync(&mut self, now: u64) {
        if now <= self.synced {
            return;
        }
        let prev = self.synced;
        self.synced = now;
        if let Some(e) = self.dec_expiry {
            if e <= now {
                self.tsr |= tsr::DIS;
                self.dec_expiry = if self.tcr & tcr::ARE != 0 && self.decar != 0 {
                    let period = self.decar as u64;
                    let periods = (now - e) / period + 1;
                    Some(e + periods * period)
                } else {
                    None
                };
            }
        }
        let (tb0, tb1) = (self.tb(prev), self.tb(now));
        if tb1 < tb0 {
            return; // the time base was rewritten backwards; nothing elapsed
        }
        if rising_edges(tb1, self.fit_bit()) > rising_edges(tb0, self.fit_bit()) {
            self.tsr |= tsr::FIS;
        }
        let edges = rising_edges(tb1, self.wdt_bit()) - rising_edges(tb0, self.wdt_bit());
        for _ in 0..edges.min(3) {
            if self.tsr & tsr::ENW == 0 {
                self.tsr |= tsr::ENW;
            } else if self.tsr & tsr::WIS == 0 {
                self.tsr |= tsr::WIS;
            } else {
                let wrc = (self.tcr & tcr::WRC) >> 28;
                if wrc != 0 && self.tsr & tsr::WRS == 0 {
                    self.tsr |= wrc << 28;
                    self.reset_request = Some(WatchdogReset::Requested(wrc));
                }
                break;
            }
        }
    }

    /// The next tick at which an enabled timer source needs attention.
    pub fn next_event(&self, now: u64) -> Option<u64> {
        let mut next: Option<u64> = None;
        let mut consider = |t: u128| {
            let t = u64::try_from(t).unwrap_or(u64::MAX).max(now + 1);
            next = Some(next.map_or(t, |n| n.min(t)));
        };
        if self.tcr & tcr::DIE != 0 {
            if let Some(e) = self.dec_expiry {
                consider(e as u128);
            }
        }
        let tb = self.tb(now);
        let to_ticks = |edge: u128| edge - tb as u128 + now as u128;
        if self.tcr & tcr::FIE != 0 && self.tsr & tsr::FIS == 0 {
            consider(to_ticks(next_rising_edge(tb, self.fit_bit())));
        }
        let watchdog_acts = self.tcr & (tcr::WIE | tcr::WRC) != 0;
        if watchdog_acts && self.tsr & tsr::WRS == 0 {
            consider(to_ticks(next_rising_edge(tb, self.wdt_bit())));
        }
        next
    }

    /// Whether the decrementer interrupt is asserted (before MSR[EE]).
    pub fn dec_asserted(&self) -> bool {
        self.tsr & tsr::DIS != 0 && self.tcr & tcr::DIE != 0
    }

    /// Whether the fixed-interval interrupt is asserted (before MSR[EE]).
    pub fn fit_asserted(&self) -> bool {
        self.tsr & tsr::FIS != 0 && self.tcr & tcr::FIE != 0
    }

    /// Whether the watchdog (critical) interrupt is asserted (before MSR[CE]).
    pub fn wdt_asserted(&self) -> bool {
        self.tsr & tsr::WIS != 0 && self.tcr & tcr::WIE != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dec_counts_down_and_stops() {
        let mut t = Timers::default();
        t.set_dec(100, 50);
        assert_eq!(t.dec(120), 30);
        assert_eq!(t.next_event(120), None, "no event without DIE");
        t.set_tcr(120, tcr::DIE);
        assert_eq!(t.next_event(120), Some(150));
        assert_eq!(t.dec(150), 0);
        assert!(t.dec_asserted());
        t.clear_tsr(151, tsr::DIS);
        assert!(!t.dec_asserted());
        assert_eq!(t.next_event(151), None);
    }

    #[test]
    fn dec_auto_reload() {
        let mut t = Timers {
            decar: 10,
            ..Default::default()
        };
        t.set_tcr(0, tcr::DIE | tcr::ARE);
        t.set_dec(0, 5);
        assert_eq!(t.dec(7), 8);
        assert!(t.dec_asserted());
        assert_eq!(t.next_event(7), Some(15));
    }

    #[test]
    fn writing_zero_stops_dec() {
        let mut t = Timers::default();
        t.set_tcr(0, tcr::DIE);
        t.set_dec(0, 0);
        assert_eq!(t.next_event(0), None);
        assert_eq!(t.tsr(1000), 0);
    }

    #[test]
    fn fit_edges() {
        let mut t = Timers::default();
        // FP=3, FPEXT=15: field 63 → TB bit 0 toggles every tick.
        t.set_tcr(0, tcr::FIE | tcr::FP | tcr::FPEXT);
        assert_eq!(t.next_event(0), Some(1));
        t.sync(1);
        assert!(t.fit_asserted());
        // field 0: TB bit 63 → never within reach.
        t.set_tcr(1, tcr::FIE);
        t.clear_tsr(1, tsr::FIS);
        t.sync(1 << 40);
        assert!(!t.fit_asserted());
    }

    #[test]
    fn watchdog_state_machine_requests_reset() {
        let mut t = Timers::default();
        // period field 63 → bit 0: an edge every two ticks.
        t.set_tcr(0, tcr::WP | tcr::WPEXT | (2 << 28));
        t.sync(2);
        assert_eq!(t.tsr & (tsr::ENW | tsr::WIS), tsr::ENW);
        t.sync(4);
        assert_eq!(t.tsr & (tsr::ENW | tsr::WIS), tsr::ENW | tsr::WIS);
        t.sync(6);
        assert_eq!(t.reset_request, Some(WatchdogReset::Requested(2)));
        assert_eq!(t.tsr & tsr::WRS, 2 << 28);
    }

    #[test]
    fn tb_write() {
        let mut t = Timers::default();
        t.set_tb(100, false, 0);
        t.set_tb(100, true, 1);
        assert_eq!(t.tb(100), 1 << 32);
        assert_eq!(t.tb(110), (1 << 32) + 10);
    }
}
