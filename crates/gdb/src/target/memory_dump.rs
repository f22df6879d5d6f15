//! `monitor x /FMT ADDR` and `monitor xp /FMT ADDR`, as QEMU's monitor has them:
//! memory through the guest's MMU, or at any guest-physical address of the
//! 36-bit space (which GDB's own `x`, with 32-bit addresses, cannot reach),
//! device registers included.

use super::Stub;
use crate::machine::Machine;
use std::fmt::Write as _;

/// The most units one command shows.
const MAX_UNITS: u64 = 4096;

/// How to show memory: `/{count}{format}{size}`, each part optional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Format {
    pub count: u64,
    /// `x` hex, `d` signed, `u` unsigned, `o` octal, `c` characters.
    pub format: char,
    /// Unit size in bytes: 1 (`b`), 2 (`h`), 4 (`w`), 8 (`g`).
    pub size: usize,
}

impl Format {
    /// Parse QEMU's `/FMT` (without the slash); `None` if malformed.
    pub fn parse(spec: &str) -> Option<Format> {
        let digits = spec
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(spec.len());
        let count = match &spec[..digits] {
            "" => 1,
            n => n.parse().ok()?,
        };
        let mut f = Format {
            count,
            format: 'x',
            size: 4,
        };
        for c in spec[digits..].chars() {
            match c {
                'x' | 'd' | 'u' | 'o' | 'c' => f.format = c,
                'b' => f.size = 1,
                'h' => f.size = 2,
                'w' => f.size = 4,
                'g' => f.size = 8,
                _ => return None,
            }
        }
        if f.format == 'c' {
            f.size = 1;
        }
        Some(f)
    }

    fn show(&self, bytes: &[u8], out: &mut String) {
        let v = bytes.iter().fold(0u64, |v, b| v << 8 | *b as u64);
        let bits = 8 * self.size as u32;
        let _ = match self.format {
            'c' => match bytes[0] {
                b @ 0x20..=0x7e => write!(out, " '{}'", b as char),
                b => write!(out, " '\\x{b:02x}'"),
            },
            'd' => write!(out, " {}", ((v << (64 - bits)) as i64) >> (64 - bits)),
            'u' => write!(out, " {v}"),
            'o' => write!(out, " {v:#o}"),
            _ => write!(out, " 0x{v:0width$x}", width = 2 * self.size),
        };
    }
}

impl<M: Machine> Stub<'_, M> {
    /// `x` (`phys` false) or `xp`: `args` are `[/FMT] ADDR`.
    pub(crate) fn memory_dump(&mut self, phys: bool, args: &[&str], out: &mut String) {
        let name = if phys { "xp" } else { "x" };
        let (fmt, addr) = match args {
            [addr] => (Some(DEFAULT), *addr),
            [spec, addr] => (spec.strip_prefix('/').and_then(Format::parse), *addr),
            _ => (None, ""),
        };
        let addr = parse_address(addr);
        let (Some(fmt), Some(mut addr)) = (fmt, addr) else {
            let _ = writeln!(out, "usage: {name} /[count][xduoc][bhwg] ADDRESS");
            return;
        };
        if !phys && addr > u32::MAX as u64 {
            let _ = writeln!(out, "{addr:#x} is not a 32-bit virtual address");
            return;
        }
        let per_line = if fmt.size == 1 { 8 } else { 16 } / fmt.size;
        let units = fmt.count.min(MAX_UNITS);
        for i in 0..units {
            if i % per_line as u64 == 0 {
                if i > 0 {
                    out.push('\n');
                }
                let _ = match phys {
                    true => write!(out, "{addr:016x}:"),
                    false => write!(out, "{addr:08x}:"),
                };
            }
            let mut unit = [0u8; 8];
            let unit = &mut unit[..fmt.size];
            // A unit crossing a page is read in its two pages.
            let split = ((0x1000 - addr % 0x1000) as usize).min(fmt.size);
            let (lo, hi) = unit.split_at_mut(split);
            let read = self
                .read_mem_as(phys, addr, lo)
                .and_then(|()| match hi.len() {
                    0 => Ok(()),
                    _ => self.read_mem_as(phys, addr + split as u64, hi),
                });
            if read.is_err() {
                let _ = write!(out, "\nCannot access memory at {addr:#x}");
                break;
            }
            fmt.show(unit, out);
            addr += fmt.size as u64;
        }
        out.push('\n');
    }
}

const DEFAULT: Format = Format {
    count: 1,
    format: 'x',
    size: 4,
};

/// `0x…` hex or decimal.
fn parse_address(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_as_qemus() {
        assert_eq!(Format::parse(""), Some(DEFAULT));
        assert_eq!(
            Format::parse("8xb"),
            Some(Format {
                count: 8,
                format: 'x',
                size: 1
            })
        );
        assert_eq!(
            Format::parse("2dg").map(|f| (f.format, f.size)),
            Some(('d', 8))
        );
        assert_eq!(Format::parse("4c").map(|f| f.size), Some(1));
        assert_eq!(Format::parse("4q"), None);
        assert_eq!(Format::parse("99999999999999999999"), None);
    }

    #[test]
    fn units_show_in_their_format() {
        let show = |spec: &str, bytes: &[u8]| {
            let mut s = String::new();
            Format::parse(spec).unwrap().show(bytes, &mut s);
            s
        };
        assert_eq!(show("xh", &[0x12, 0x34]), " 0x1234");
        assert_eq!(show("db", &[0xff]), " -1");
        assert_eq!(show("ub", &[0xff]), " 255");
        assert_eq!(show("c", b"A"), " 'A'");
        assert_eq!(show("c", &[0]), " '\\x00'");
        assert_eq!(parse_address("0xfe0004500"), Some(0xf_e000_4500));
        assert_eq!(parse_address("zz"), None);
    }
}
