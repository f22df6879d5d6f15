//! What a session sets for itself with QEMU's packets or the matching `monitor`
//! commands: physical addressing (`Qqemu.PhyMemMode`, `monitor phys`) and the
//! single-step flags (`Qqemu.sstep`, `monitor sstep`). The packets are answered
//! in front of `gdbstub` ([`answer`], from the framer, since `gdbstub` has no
//! hook for packets it does not know); the target reads the same settings.

use std::cell::Cell;
use std::rc::Rc;

/// QEMU's single-step flags (`qqemu.sstepbits`).
pub mod sstep {
    /// Single-stepping is enabled (always set).
    pub const ENABLE: u32 = 0x1;
    /// No interrupt handler during a step. vmgdb takes an interrupt at the
    /// instruction where it comes due even while stepping (the guest must not
    /// depend on the debugger) and runs its handler through before the step
    /// completes; QEMU masks the interrupt during the step instead.
    pub const NOIRQ: u32 = 0x2;
    /// No timer during a step. Accepted and shown, but virtual time always
    /// advances with the instruction stepped: the guest sees no difference
    /// between a step and a run.
    pub const NOTIMER: u32 = 0x4;
    /// The flags QEMU starts with, and so does vmgdb.
    pub const DEFAULT: u32 = ENABLE | NOIRQ | NOTIMER;
    /// All the flags.
    pub const ALL: u32 = DEFAULT;
}

/// One session's settings, shared by its connection and its target.
#[derive(Debug)]
pub struct Settings {
    /// Memory packets address guest-physical memory.
    pub phys: Cell<bool>,
    /// [`sstep`] flags.
    pub sstep: Cell<u32>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            phys: Cell::new(false),
            sstep: Cell::new(sstep::DEFAULT),
        }
    }
}

pub type Shared = Rc<Settings>;

/// The reply to one of QEMU's packets `body`, or `None` if it is not one.
pub fn answer(settings: &Settings, body: &[u8]) -> Option<Vec<u8>> {
    let body = std::str::from_utf8(body).ok()?;
    let reply = match body {
        "qqemu.sstepbits" => format!(
            "ENABLE={:x},NOIRQ={:x},NOTIMER={:x}",
            sstep::ENABLE,
            sstep::NOIRQ,
            sstep::NOTIMER
        ),
        "qqemu.sstep" => format!("0x{:x}", settings.sstep.get()),
        "qqemu.PhyMemMode" => (settings.phys.get() as u8).to_string(),
        _ => {
            if let Some(v) = body.strip_prefix("Qqemu.sstep=") {
                match u32::from_str_radix(v, 16) {
                    Ok(flags) if flags & !sstep::ALL == 0 => {
                        settings.sstep.set(flags);
                        "OK".into()
                    }
                    _ => "E22".into(),
                }
            } else if let Some(v) = body.strip_prefix("Qqemu.PhyMemMode:") {
                match v {
                    "0" | "1" => {
                        settings.phys.set(v == "1");
                        "OK".into()
                    }
                    _ => "E22".into(),
                }
            } else {
                return None;
            }
        }
    };
    Some(reply.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemus_packets_read_and_set_the_settings() {
        let s = Settings::default();
        let a = |body: &str| answer(&s, body.as_bytes()).map(|r| String::from_utf8(r).unwrap());
        assert_eq!(
            a("qqemu.sstepbits").as_deref(),
            Some("ENABLE=1,NOIRQ=2,NOTIMER=4")
        );
        assert_eq!(a("qqemu.sstep").as_deref(), Some("0x7"));
        assert_eq!(a("Qqemu.sstep=1").as_deref(), Some("OK"));
        assert_eq!(a("qqemu.sstep").as_deref(), Some("0x1"));
        assert_eq!(a("Qqemu.sstep=10").as_deref(), Some("E22"));
        assert_eq!(a("Qqemu.sstep=zz").as_deref(), Some("E22"));
        assert_eq!(a("qqemu.PhyMemMode").as_deref(), Some("0"));
        assert_eq!(a("Qqemu.PhyMemMode:1").as_deref(), Some("OK"));
        assert!(s.phys.get());
        assert_eq!(a("Qqemu.PhyMemMode:2").as_deref(), Some("E22"));
        assert_eq!(a("qSupported"), None);
    }
}
