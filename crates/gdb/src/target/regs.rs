//! The registers GDB sees, one table per e500 flavour, and how each one is read
//! from and written to the vCPU.
//!
//! Numbers follow GDB's own PowerPC layout (`rs6000/power-*.xml`): r0-r31 are 0-31,
//! 32-63 hold the SPE upper halves (e500v2) or f0-f31 (e500mc), pc msr cr lr ctr xer
//! are 64-69, fpscr is 70, acc and spefscr are 73 and 74. Every other SPR of the
//! flavour follows from [`SPR_BASE`] in `Spr::ALL` order, in a feature of
//! our own. The same table generates the target description XML, so names,
//! sizes and numbers cannot disagree.

use std::collections::HashMap;
use vmgdb_hv::arch::{Flavor, Spr};
use vmgdb_hv::{Reg, RegError, Vcpu};

/// Remote register number of the first SPR of the vmgdb feature.
pub const SPR_BASE: usize = 128;
/// Remote number GDB expects for pc, the first core register after r31.
pub const PC: usize = 64;

/// Which target-description feature a register belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Core,
    Fpu,
    Spe,
    Spr,
}

impl Feature {
    /// The feature name GDB looks for.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Core => "org.gnu.gdb.power.core",
            Feature::Fpu => "org.gnu.gdb.power.fpu",
            Feature::Spe => "org.gnu.gdb.power.spe",
            Feature::Spr => "org.vmgdb.e500.spr",
        }
    }
}

/// What a GDB register number stands for on the vCPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegKind {
    /// A register of the vCPU.
    Vcpu(Reg),
    /// Upper half of an SPE 64-bit GPR: the core does not execute SPE, so it is 0.
    EvHigh(u8),
    /// The SPE accumulator: always 0 (no SPE execution).
    Acc,
}

impl RegKind {
    /// Size in bits.
    pub fn bits(self) -> u32 {
        match self {
            RegKind::Vcpu(Reg::Fpr(_)) | RegKind::Acc => 64,
            _ => 32,
        }
    }

    /// Read the value (zero for the SPE state the core does not model).
    pub fn read<V: Vcpu>(self, vcpu: &V) -> Result<u64, RegError> {
        match self {
            RegKind::Vcpu(reg) => vcpu.get_reg(reg),
            RegKind::EvHigh(_) | RegKind::Acc => Ok(0),
        }
    }

    /// Write the value. Writes to the time base go to its write-side SPRs; the SPE
    /// upper halves and accumulator take only the 0 they hold (anything else is
    /// refused, never acknowledged and dropped).
    pub fn write<V: Vcpu>(self, vcpu: &mut V, value: u64) -> Result<(), RegError> {
        let reg = match self {
            RegKind::Vcpu(Reg::Spr(Spr::Tbl)) => Reg::Spr(Spr::TblW),
            RegKind::Vcpu(Reg::Spr(Spr::Tbu)) => Reg::Spr(Spr::TbuW),
            RegKind::Vcpu(reg) => reg,
            RegKind::EvHigh(_) | RegKind::Acc if value == 0 => return Ok(()),
            RegKind::EvHigh(_) | RegKind::Acc => return Err(RegError::SpeNotEmulated),
        };
        vcpu.set_reg(reg, value)
    }
}

/// One register as GDB knows it.
#[derive(Clone, Debug)]
pub struct GdbReg {
    /// Remote register number (`p`/`P` packets, `regnum` in the XML).
    pub num: usize,
    pub name: String,
    pub kind: RegKind,
    pub feature: Feature,
}

/// SPRs that are not listed in the vmgdb feature: core registers, write-side and
/// user-read aliases of others.
fn listed_elsewhere(spr: Spr) -> bool {
    matches!(
        spr,
        Spr::Xer
            | Spr::Lr
            | Spr::Ctr
            | Spr::TblW
            | Spr::TbuW
            | Spr::Sprg4r
            | Spr::Sprg5r
            | Spr::Sprg6r
            | Spr::Sprg7r
            | Spr::Spefscr
    )
}

/// Every register of one flavour, by remote number.
#[derive(Clone, Debug)]
pub struct RegMap {
    flavor: Flavor,
    regs: Vec<GdbReg>,
    by_num: HashMap<usize, usize>,
}

impl RegMap {
    /// The table for `flavor`.
    pub fn new(flavor: Flavor) -> RegMap {
        let mut regs = Vec::new();
        let mut push = |num: usize, name: String, kind: RegKind, feature: Feature| {
            regs.push(GdbReg {
                num,
                name,
                kind,
                feature,
            })
        };
        for n in 0..32u8 {
            push(
                n as usize,
                format!("r{n}"),
                RegKind::Vcpu(Reg::Gpr(n)),
                Feature::Core,
            );
        }
        for n in 0..32u8 {
            let num = 32 + n as usize;
            match flavor {
                Flavor::E500v2 => push(num, format!("ev{n}h"), RegKind::EvHigh(n), Feature::Spe),
                Flavor::E500mc => push(
                    num,
                    format!("f{n}"),
                    RegKind::Vcpu(Reg::Fpr(n)),
                    Feature::Fpu,
                ),
            }
        }
        let core = [
            ("pc", RegKind::Vcpu(Reg::Pc)),
            ("msr", RegKind::Vcpu(Reg::Msr)),
            ("cr", RegKind::Vcpu(Reg::Cr)),
            ("lr", RegKind::Vcpu(Reg::Lr)),
            ("ctr", RegKind::Vcpu(Reg::Ctr)),
            ("xer", RegKind::Vcpu(Reg::Xer)),
        ];
        for (i, (name, kind)) in core.into_iter().enumerate() {
            push(PC + i, name.to_string(), kind, Feature::Core);
        }
        match flavor {
            Flavor::E500v2 => {
                push(73, "acc".into(), RegKind::Acc, Feature::Spe);
                push(
                    74,
                    "spefscr".into(),
                    RegKind::Vcpu(Reg::Spr(Spr::Spefscr)),
                    Feature::Spe,
                );
            }
            Flavor::E500mc => push(70, "fpscr".into(), RegKind::Vcpu(Reg::Fpscr), Feature::Fpu),
        }
        let sprs = Spr::ALL
            .iter()
            .copied()
            .filter(|s| s.exists_on(flavor) && !listed_elsewhere(*s));
        for (i, spr) in sprs.enumerate() {
            push(
                SPR_BASE + i,
                spr.name(),
                RegKind::Vcpu(Reg::Spr(spr)),
                Feature::Spr,
            );
        }
        let by_num = regs.iter().enumerate().map(|(i, r)| (r.num, i)).collect();
        RegMap {
            flavor,
            regs,
            by_num,
        }
    }

    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// The register with remote number `num`.
    pub fn get(&self, num: usize) -> Option<&GdbReg> {
        self.by_num.get(&num).map(|&i| &self.regs[i])
    }

    /// Every register, in remote-number order.
    pub fn iter(&self) -> impl Iterator<Item = &GdbReg> {
        self.regs.iter()
    }

    /// The registers of one feature, in remote-number order.
    pub fn feature(&self, f: Feature) -> impl Iterator<Item = &GdbReg> {
        self.regs.iter().filter(move |r| r.feature == f)
    }
}

/// Which flavour a vCPU is, from its PVR.
pub fn flavor_of<V: Vcpu>(vcpu: &V) -> Option<Flavor> {
    let pvr = vcpu.get_reg(Reg::Spr(Spr::Pvr)).ok()? as u32;
    [Flavor::E500v2, Flavor::E500mc]
        .into_iter()
        .find(|f| f.pvr() >> 16 == pvr >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_gdb_numbering() {
        let v2 = RegMap::new(Flavor::E500v2);
        assert_eq!(v2.get(0).unwrap().name, "r0");
        assert_eq!(v2.get(32).unwrap().name, "ev0h");
        assert_eq!(v2.get(64).unwrap().name, "pc");
        assert_eq!(v2.get(69).unwrap().name, "xer");
        assert_eq!(v2.get(73).unwrap().kind, RegKind::Acc);
        assert_eq!(v2.get(74).unwrap().name, "spefscr");
        assert!(v2.get(70).is_none());
        let mc = RegMap::new(Flavor::E500mc);
        assert_eq!(mc.get(63).unwrap().name, "f31");
        assert_eq!(mc.get(70).unwrap().name, "fpscr");
        assert!(mc.get(74).is_none());
        let names = |m: &RegMap| {
            m.feature(Feature::Spr)
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()
        };
        let (v2s, mcs) = (names(&v2), names(&mc));
        for want in [
            "dbcr0", "dac1", "iac2", "mas7", "tlb1cfg", "ivor15", "sprg7", "tbl",
        ] {
            assert!(v2s.iter().any(|n| n == want), "{want} on e500v2");
            assert!(mcs.iter().any(|n| n == want), "{want} on e500mc");
        }
        assert!(v2s.iter().any(|n| n == "ivor32"));
        assert!(!mcs.iter().any(|n| n == "ivor32"));
        assert!(mcs.iter().any(|n| n == "epcr") && mcs.iter().any(|n| n == "msrp"));
        assert!(!v2s.iter().any(|n| n == "epcr"));
        assert!(!v2s
            .iter()
            .any(|n| n == "tblw" || n == "sprg4r" || n == "xer"));
    }
}
