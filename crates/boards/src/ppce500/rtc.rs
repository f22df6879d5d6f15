//! The DS1338-compatible real-time clock QEMU's ppce500 puts at I²C address
//! 0x68 (`rtc@68`, "pericom,pt7c4338"; Linux's rtc-ds1307 drives it).
//!
//! 64 byte registers: 0..=6 the time in BCD (seconds with the clock-halt bit,
//! minutes, hours in 24- or 12-hour form, day of week 1..=7, date, month, year
//! 00..=99 of 2000..=2099), 7 control, 8..=63 battery-backed RAM. The first
//! byte written in a transfer sets the register pointer; reads and further
//! writes go on from it, wrapping at 64. The time registers are latched when a
//! transfer starts, so a multi-byte read is consistent.
//!
//! Time is virtual: the clock counts from `base` (Unix seconds when the machine
//! was powered on) with the guest's time base, so a guest that sleeps a second
//! sees the clock advance a second. Writing the time moves the offset.

/// The address the board wires the RTC at.
pub const I2C_ADDRESS: u8 = 0x68;

const REGS: usize = 64;
const TIME_REGS: usize = 7;
/// Hours register: 12-hour mode, and PM in that mode.
const HOURS_12: u8 = 0x40;
const HOURS_PM: u8 = 0x20;

/// The RTC chip.
#[derive(Clone, Debug)]
pub struct Ds1338 {
    regs: [u8; REGS],
    pointer: usize,
    /// The next byte written sets the pointer.
    expect_pointer: bool,
    /// Unix seconds at virtual time 0, moved by guest writes of the time.
    base: i64,
    /// Whether time registers were written since the transfer started.
    time_written: bool,
}

fn bcd(v: u32) -> u8 {
    (((v / 10) << 4) | (v % 10)) as u8
}

fn from_bcd(b: u8) -> u32 {
    ((b >> 4) as u32 & 0xF) * 10 + (b & 0xF) as u32
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

impl Ds1338 {
    /// A clock showing `base` (Unix seconds) at virtual time 0.
    pub fn new(base: i64) -> Ds1338 {
        Ds1338 {
            regs: [0; REGS],
            pointer: 0,
            expect_pointer: false,
            base,
            time_written: false,
        }
    }

    /// A transfer addressed to the chip starts (`now`: virtual seconds).
    pub fn start(&mut self, write: bool, now: i64) {
        self.expect_pointer = write;
        self.time_written = false;
        self.latch(now);
    }

    /// The transfer ends: a time written in it takes effect.
    pub fn stop(&mut self, now: i64) {
        if std::mem::take(&mut self.time_written) {
            self.base = self.registers_time() - now;
        }
    }

    /// The master reads the next byte.
    pub fn read(&mut self) -> u8 {
        let v = self.regs[self.pointer];
        self.pointer = (self.pointer + 1) % REGS;
        v
    }

    /// The master writes a byte.
    pub fn write(&mut self, byte: u8) {
        if std::mem::take(&mut self.expect_pointer) {
            self.pointer = byte as usize % REGS;
            return;
        }
        if self.pointer < TIME_REGS {
            self.time_written = true;
        }
        self.regs[self.pointer] = byte;
        self.pointer = (self.pointer + 1) % REGS;
    }

    /// Put the current time in registers 0..=6, in the hour mode the guest chose.
    fn latch(&mut self, now: i64) {
        let t = self.base + now;
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let halt = self.regs[0] & 0x80;
        self.regs[0] = halt | bcd(secs % 60);
        self.regs[1] = bcd(secs / 60 % 60);
        let hour = secs / 3600;
        self.regs[2] = if self.regs[2] & HOURS_12 != 0 {
            let h12 = if hour.is_multiple_of(12) {
                12
            } else {
                hour % 12
            };
            HOURS_12 | if hour >= 12 { HOURS_PM } else { 0 } | bcd(h12)
        } else {
            bcd(hour)
        };
        // 1970-01-01 was a Thursday; day 1 is Sunday.
        self.regs[3] = ((days + 4).rem_euclid(7) + 1) as u8;
        self.regs[4] = bcd(day);
        self.regs[5] = bcd(month);
        self.regs[6] = bcd(year.rem_euclid(100) as u32);
    }

    /// The time the registers hold, in Unix seconds (years 2000..=2099).
    fn registers_time(&self) -> i64 {
        let r = &self.regs;
        let hour = if r[2] & HOURS_12 != 0 {
            from_bcd(r[2] & 0x1F) % 12 + if r[2] & HOURS_PM != 0 { 12 } else { 0 }
        } else {
            from_bcd(r[2] & 0x3F)
        };
        let days = days_from_civil(
            2000 + from_bcd(r[6]) as i64,
            from_bcd(r[5] & 0x1F).clamp(1, 12),
            from_bcd(r[4] & 0x3F).clamp(1, 31),
        );
        days * 86_400
            + hour as i64 * 3600
            + from_bcd(r[1] & 0x7F) as i64 * 60
            + from_bcd(r[0] & 0x7F) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_time(rtc: &mut Ds1338, now: i64) -> [u8; 7] {
        rtc.start(true, now);
        rtc.write(0);
        rtc.stop(now);
        rtc.start(false, now);
        let mut t = [0; 7];
        for b in &mut t {
            *b = rtc.read();
        }
        rtc.stop(now);
        t
    }

    #[test]
    fn shows_the_base_and_counts_virtual_seconds() {
        // 2026-01-01 00:00:00 UTC, a Thursday.
        let mut rtc = Ds1338::new(1_767_225_600);
        assert_eq!(read_time(&mut rtc, 0), [0, 0, 0, 5, 0x01, 0x01, 0x26]);
        assert_eq!(
            read_time(&mut rtc, 86_400 * 59 + 3661),
            [0x01, 0x01, 0x01, 1, 0x01, 0x03, 0x26],
            "2026-03-01 01:01:01, a Sunday"
        );
    }

    #[test]
    fn a_written_time_sticks_and_twelve_hour_mode_is_kept() {
        let mut rtc = Ds1338::new(0);
        rtc.start(true, 10);
        for b in [
            0u8,
            0x30,
            0x15,
            HOURS_12 | HOURS_PM | 0x11,
            1,
            0x24,
            0x12,
            0x99,
        ] {
            rtc.write(b);
        }
        rtc.stop(10);
        // 2099-12-24 23:15:30, 5 s later.
        assert_eq!(
            read_time(&mut rtc, 15),
            [0x35, 0x15, HOURS_12 | HOURS_PM | 0x11, 5, 0x24, 0x12, 0x99]
        );
    }

    #[test]
    fn pointer_wraps_and_ram_keeps_bytes() {
        let mut rtc = Ds1338::new(0);
        rtc.start(true, 0);
        for b in [63u8, 0xAA, 0xBB] {
            rtc.write(b);
        }
        rtc.stop(0);
        rtc.start(true, 0);
        rtc.write(63);
        rtc.stop(0);
        rtc.start(false, 0);
        assert_eq!(rtc.read(), 0xAA);
        assert_eq!(
            rtc.read() & 0x80,
            0x80,
            "the clock-halt bit written stays set"
        );
    }

    #[test]
    fn calendar_round_trips() {
        for days in [-1, 0, 59, 10_957, 47_482, 47_846] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }
}
