//! `monitor` commands (GDB's `qRcmd`): help, TLB and SPR dumps, physical
//! addressing, reset and quit, plus whatever the board adds.

use super::regs::{Feature, RegKind};
use super::{EndRequest, Stub};
use crate::machine::Machine;
use crate::settings::sstep;
use gdbstub::target::ext::monitor_cmd::{ConsoleOutput, MonitorCmd};
use std::fmt::Write as _;
use vmgdb_hv::{HwDebugLimits, Reg, TlbInfo, Vcpu};

/// Bytes of text per `O` packet.
const CHUNK: usize = 2048;

const HELP: &str = "\
vmgdb monitor commands:
  help                 this text
  info version         vmgdb's version (the kernel's GDB scripts ask, as of QEMU)
  info cpus            the vCPUs, as GDB threads
  info tlb             valid TLB0/TLB1 entries
  info registers       NIP, LR, CTR, XER, MSR, CR, the GPRs and every SPR of this core
  info sprs            the SPRs alone
  phys [on|off]        memory accesses use guest-physical (on) or virtual (off) addresses
  x /FMT ADDR          memory through the guest's MMU, as QEMU's monitor: FMT is
                       [count][x|d|u|o|c][b|h|w|g], e.g. x /4xw 0xc0000000
  xp /FMT ADDR         guest-physical memory, the whole 36-bit space (devices too)
  sstep [FLAGS]         single-step flags, as QEMU's qqemu.sstep: 1 ENABLE, 2 NOIRQ
                       (a step runs an interrupt's handler through; default on),
                       4 NOTIMER (accepted; virtual time always advances)
  comparators [hardware|unlimited]
                       hbreak/watch limited to the core's 2 IACs and 2 DACs (1/2/4/8
                       aligned bytes), or any number of any length (vmgdb's own)
  reset, system_reset  reset the machine (then `maintenance flush register-cache`)
  quit                 end vmgdb
";

impl<M: Machine> MonitorCmd for Stub<'_, M> {
    fn handle_monitor_cmd(
        &mut self,
        cmd: &[u8],
        mut out: ConsoleOutput<'_>,
    ) -> Result<(), Self::Error> {
        let cmd = String::from_utf8_lossy(cmd);
        let mut words: Vec<&str> = cmd.split_whitespace().collect();
        // QEMU's `x/8xb ADDR` spelling, the format glued to the command.
        if let Some((name @ ("x" | "xp"), _)) = words.first().and_then(|w| w.split_once('/')) {
            let spec = &words[0][name.len()..];
            words.splice(0..1, [name, spec]);
        }
        let mut text = String::new();
        match words.as_slice() {
            [] | ["help"] => {
                text.push_str(HELP);
                self.machine.monitor_help(&mut text);
            }
            ["info", "version"] => {
                let _ = writeln!(text, "vmgdb {}", env!("CARGO_PKG_VERSION"));
            }
            ["info", "cpus"] => {
                // QEMU's format; one vCPU, GDB's thread 1.
                let pc = self.machine.vcpu().get_reg(Reg::Pc).unwrap_or(0);
                let _ = writeln!(text, "* CPU #0: thread_id=1 pc={pc:#010x}");
            }
            ["info", "tlb"] => tlb_table(&self.machine.vcpu().tlb(), &mut text),
            ["info", "registers"] => {
                self.gpr_table(&mut text);
                self.spr_table(&mut text);
            }
            ["info", "sprs"] => self.spr_table(&mut text),
            ["phys"] => {
                let _ = writeln!(
                    text,
                    "physical addressing is {}",
                    on_off(self.settings.phys.get())
                );
            }
            ["phys", arg @ ("on" | "off")] => {
                self.settings.phys.set(*arg == "on");
                let _ = writeln!(
                    text,
                    "memory accesses now use guest-{} addresses",
                    if self.settings.phys.get() {
                        "physical"
                    } else {
                        "virtual"
                    }
                );
            }
            ["sstep"] => {
                let _ = writeln!(text, "sstep flags 0x{:x}", self.settings.sstep.get());
            }
            ["sstep", flags] => {
                let flags = flags.trim_start_matches("0x");
                match u32::from_str_radix(flags, 16) {
                    Ok(f) if f & !sstep::ALL == 0 && f & sstep::ENABLE != 0 => {
                        self.settings.sstep.set(f);
                        let _ = writeln!(text, "sstep flags 0x{f:x}");
                    }
                    _ => text.push_str("sstep takes ENABLE (1) plus NOIRQ (2) and NOTIMER (4)\n"),
                }
            }
            ["comparators"] => {
                let (iacs, dacs) = self.machine.vcpu().hw_debug_slots();
                let _ = match iacs {
                    usize::MAX => writeln!(text, "comparators: unlimited"),
                    _ => writeln!(text, "comparators: hardware ({iacs} IACs, {dacs} DACs)"),
                };
            }
            ["comparators", arg @ ("hardware" | "unlimited")] => {
                let limits = match *arg {
                    "unlimited" => HwDebugLimits::Unlimited,
                    _ => HwDebugLimits::Hardware,
                };
                if !self.machine.vcpu().set_hw_debug_limits(limits) {
                    text.push_str("this vCPU has only its hardware comparators\n");
                } else if limits == HwDebugLimits::Hardware
                    && self.debug.reapply(self.machine.vcpu()).is_err()
                {
                    // More than the hardware has is set: keep the limit until they go.
                    let _ = self
                        .machine
                        .vcpu()
                        .set_hw_debug_limits(HwDebugLimits::Unlimited);
                    text.push_str(
                        "delete the breakpoints and watchpoints beyond the hardware's first\n",
                    );
                } else {
                    let _ = writeln!(text, "comparators: {arg}");
                }
            }
            ["x", args @ ..] => self.memory_dump(false, args, &mut text),
            ["xp", args @ ..] => self.memory_dump(true, args, &mut text),
            ["reset"] | ["system_reset"] => {
                self.machine.reset();
                text.push_str(
                    "machine reset; refresh GDB's view with `maintenance flush register-cache`\n",
                );
            }
            ["quit"] => {
                self.end = Some(EndRequest::Quit);
                text.push_str("vmgdb: quitting\n");
            }
            _ => {
                if !self.machine.monitor(&cmd, &mut text) {
                    let _ = writeln!(
                        text,
                        "unknown monitor command '{}'; try 'monitor help'",
                        cmd.trim()
                    );
                }
            }
        }
        for chunk in text.as_bytes().chunks(CHUNK) {
            out.write_raw(chunk);
            out.flush();
        }
        Ok(())
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

impl<M: Machine> Stub<'_, M> {
    /// What QEMU's `info registers` starts with: NIP, LR, CTR, XER, MSR, CR and
    /// the GPRs, eight to a line.
    fn gpr_table(&mut self, text: &mut String) {
        let vcpu = self.machine.vcpu();
        let r = |reg: Reg| vcpu.get_reg(reg).unwrap_or(0);
        let _ = writeln!(
            text,
            "NIP {:08x}   LR {:08x} CTR {:08x} XER {:08x} CPU#0",
            r(Reg::Pc),
            r(Reg::Lr),
            r(Reg::Ctr),
            r(Reg::Xer)
        );
        let _ = writeln!(text, "MSR {:08x}   CR {:08x}", r(Reg::Msr), r(Reg::Cr));
        for n in 0..32u8 {
            if n % 8 == 0 {
                let _ = write!(text, "GPR{n:02}");
            }
            let _ = write!(text, " {:08x}", r(Reg::Gpr(n)));
            if n % 8 == 7 {
                text.push('\n');
            }
        }
    }

    /// MSR and every SPR of the flavour, four to a line.
    fn spr_table(&mut self, text: &mut String) {
        let regs: Vec<(String, RegKind)> = self
            .regs
            .iter()
            .filter(|r| {
                r.feature == Feature::Spr || matches!(r.kind, RegKind::Vcpu(Reg::Msr | Reg::Spr(_)))
            })
            .map(|r| (r.name.clone(), r.kind))
            .collect();
        let vcpu = self.machine.vcpu();
        for (i, (name, kind)) in regs.iter().enumerate() {
            let value = match kind.read(vcpu) {
                Ok(v) => format!("0x{v:08x}"),
                Err(_) => "-".to_string(),
            };
            let _ = write!(text, "{name:<9}{value:<12}");
            text.push_str(if i % 4 == 3 { "\n" } else { "  " });
        }
        if !regs.len().is_multiple_of(4) {
            text.push('\n');
        }
    }
}

/// A page size the way the e500 manual writes it.
fn size_name(size: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")];
    for (unit, suffix) in UNITS {
        if size >= unit && size.is_multiple_of(unit) {
            return format!("{}{suffix}", size / unit);
        }
    }
    size.to_string()
}

/// WIMGE as letters, `-` for a clear bit.
fn wimge(bits: u8) -> String {
    "WIMGE"
        .chars()
        .enumerate()
        .map(|(i, c)| if bits & (0x10 >> i) != 0 { c } else { '-' })
        .collect()
}

/// MAS3 permissions as `S:rwx U:rwx` (SR SW SX, UR UW UX).
fn perms(bits: u8) -> String {
    let flag = |mask: u8, c: char| if bits & mask != 0 { c } else { '-' };
    format!(
        "S:{}{}{} U:{}{}{}",
        flag(0x01, 'r'),
        flag(0x04, 'w'),
        flag(0x10, 'x'),
        flag(0x02, 'r'),
        flag(0x08, 'w'),
        flag(0x20, 'x'),
    )
}

/// The valid entries of both TLBs as a table.
pub fn tlb_table(entries: &[TlbInfo], text: &mut String) {
    let valid: Vec<&TlbInfo> = entries.iter().filter(|e| e.valid).collect();
    if valid.is_empty() {
        text.push_str("no valid TLB entries\n");
        return;
    }
    text.push_str(
        "TLB  index  EA          PA             size   TID  TS  WIMGE  permissions  IPROT\n",
    );
    for e in valid {
        let _ = writeln!(
            text,
            "{:<3}  {:>5}  0x{:08x}  0x{:09x}  {:>5}  {:>4}  {:>2}  {}  {}  {}",
            e.tlb,
            e.index,
            e.ea,
            e.pa,
            size_name(e.size),
            e.tid,
            e.ts as u8,
            wimge(e.wimge),
            perms(e.perms),
            if e.iprot { "yes" } else { "no" },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlb_rows_are_readable() {
        let e = TlbInfo {
            tlb: 1,
            index: 0,
            valid: true,
            iprot: true,
            tid: 0,
            ts: false,
            ea: 0xE000_0000,
            pa: 0xF_E000_0000,
            size: 1 << 20,
            wimge: 0x0A,
            perms: 0x05,
        };
        let invalid = TlbInfo { valid: false, ..e };
        let mut t = String::new();
        tlb_table(&[invalid, e], &mut t);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 2, "{t}");
        assert!(
            lines[1].contains("0xe0000000") && lines[1].contains("0xfe0000000"),
            "{t}"
        );
        assert!(
            lines[1].contains(" 1M ") && lines[1].contains("-I-G-"),
            "{t}"
        );
        assert!(
            lines[1].contains("S:rw- U:---") && lines[1].ends_with("yes"),
            "{t}"
        );
        assert_eq!(size_name(4096), "4K");
        assert_eq!(size_name(1 << 30), "1G");
    }
}
