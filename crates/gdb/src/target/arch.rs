//! The `gdbstub` architecture of the e500: a 32-bit big-endian PowerPC whose `g`
//! packet layout depends on the flavour (SPE upper halves on e500v2, FPRs on
//! e500mc). The `g` packet carries the core, SPE or FPU registers; every SPR is
//! outside it and read with `p`, which GDB does when a `g` reply is shorter than
//! the register set of the target description.

use gdbstub::arch::{Arch, RegId, Registers};
use std::num::NonZeroUsize;

/// Register numbers above this are not ours (keeps `p` of garbage cheap).
const MAX_REGNUM: usize = 4096;

/// Marker type for the e500 architecture.
pub enum E500Arch {}

impl Arch for E500Arch {
    type Usize = u32;
    type Registers = E500Regs;
    type BreakpointKind = usize;
    type RegId = E500RegId;

    /// Served by the target instead (the XML depends on the flavour).
    fn target_description_xml() -> Option<&'static str> {
        None
    }
}

/// A remote register number; the target's [`super::regs::RegMap`] gives it meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct E500RegId(pub usize);

impl RegId for E500RegId {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        (id < MAX_REGNUM).then_some((E500RegId(id), None))
    }

    fn to_raw_id(&self) -> Option<usize> {
        Some(self.0)
    }
}

/// The flavour-specific part of the `g` packet.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Extra {
    /// Only the core registers (never sent; the target always fills one of the others).
    #[default]
    None,
    /// e500v2: SPEFSCR (upper halves and ACC are zero).
    Spe { spefscr: u32 },
    /// e500mc: f0-f31 (raw IEEE double bits) and FPSCR.
    Fpu { fpr: Box<[u64; 32]>, fpscr: u32 },
}

/// Everything the `g` packet carries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct E500Regs {
    pub gpr: [u32; 32],
    pub pc: u32,
    pub msr: u32,
    pub cr: u32,
    pub lr: u32,
    pub ctr: u32,
    pub xer: u32,
    pub extra: Extra,
}

/// Bytes in a `g` packet: core only, e500v2, e500mc.
const CORE_BYTES: usize = 32 * 4 + 6 * 4;
const SPE_BYTES: usize = CORE_BYTES + 32 * 4 + 8 + 4;
const FPU_BYTES: usize = CORE_BYTES + 32 * 8 + 4;

impl Registers for E500Regs {
    type ProgramCounter = u32;

    fn pc(&self) -> u32 {
        self.pc
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        let mut put = |bytes: &[u8]| bytes.iter().for_each(|b| write_byte(Some(*b)));
        for r in self.gpr {
            put(&r.to_be_bytes());
        }
        match &self.extra {
            Extra::None => {}
            Extra::Spe { .. } => (0..32).for_each(|_| put(&[0; 4])),
            Extra::Fpu { fpr, .. } => fpr.iter().for_each(|f| put(&f.to_be_bytes())),
        }
        for r in [self.pc, self.msr, self.cr, self.lr, self.ctr, self.xer] {
            put(&r.to_be_bytes());
        }
        match &self.extra {
            Extra::None => {}
            Extra::Spe { spefscr } => {
                put(&[0; 8]);
                put(&spefscr.to_be_bytes());
            }
            Extra::Fpu { fpscr, .. } => put(&fpscr.to_be_bytes()),
        }
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        let mut words = Reader(bytes);
        for r in self.gpr.iter_mut() {
            *r = words.u32()?;
        }
        let mut fpr = Box::new([0u64; 32]);
        match bytes.len() {
            CORE_BYTES => {}
            SPE_BYTES => words.skip(32 * 4)?,
            FPU_BYTES => {
                for f in fpr.iter_mut() {
                    *f = words.u64()?;
                }
            }
            _ => return Err(()),
        }
        for r in [
            &mut self.pc,
            &mut self.msr,
            &mut self.cr,
            &mut self.lr,
            &mut self.ctr,
            &mut self.xer,
        ] {
            *r = words.u32()?;
        }
        self.extra = match bytes.len() {
            SPE_BYTES => {
                words.skip(8)?;
                Extra::Spe {
                    spefscr: words.u32()?,
                }
            }
            FPU_BYTES => Extra::Fpu {
                fpr,
                fpscr: words.u32()?,
            },
            _ => Extra::None,
        };
        Ok(())
    }
}

/// Big-endian reader over a `G` packet's bytes.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], ()> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or(())?;
        self.0 = rest;
        Ok(*head)
    }
    fn u32(&mut self) -> Result<u32, ()> {
        self.take::<4>().map(u32::from_be_bytes)
    }
    fn u64(&mut self) -> Result<u64, ()> {
        self.take::<8>().map(u64::from_be_bytes)
    }
    fn skip(&mut self, n: usize) -> Result<(), ()> {
        self.0 = self.0.get(n..).ok_or(())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(r: &E500Regs) -> Vec<u8> {
        let mut out = Vec::new();
        r.gdb_serialize(|b| out.push(b.unwrap_or(0)));
        out
    }

    #[test]
    fn g_packet_round_trips_for_both_flavours() {
        let mut r = E500Regs {
            pc: 0x1000,
            msr: 0x200,
            lr: 0x2000,
            extra: Extra::Spe { spefscr: 0x33 },
            ..Default::default()
        };
        r.gpr[1] = 0x7fff0;
        let b = bytes(&r);
        assert_eq!(b.len(), SPE_BYTES);
        assert_eq!(&b[4..8], &0x7fff0u32.to_be_bytes());
        assert_eq!(
            &b[256..260],
            &0x1000u32.to_be_bytes(),
            "pc after r0-31, ev0h-31h"
        );
        let mut back = E500Regs::default();
        back.gdb_deserialize(&b).unwrap();
        assert_eq!(back, r);

        r.extra = Extra::Fpu {
            fpr: Box::new([0x4000_0000_0000_0000; 32]),
            fpscr: 7,
        };
        let b = bytes(&r);
        assert_eq!(b.len(), FPU_BYTES);
        let mut back = E500Regs::default();
        back.gdb_deserialize(&b).unwrap();
        assert_eq!(back, r);
        assert!(back.gdb_deserialize(&b[..b.len() - 1]).is_err());
    }
}
