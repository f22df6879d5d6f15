//! The target description served to GDB (`qXfer:features:read:target.xml`),
//! generated from the flavour's register table.
//!
//! e500v2 is `powerpc:e500` with the core and SPE features (GDB's
//! `powerpc-e500.xml`); e500mc is `powerpc:common` (GDB 13 has no e500mc
//! architecture) with the core and classic FPU features. Both add a feature of
//! our own with every SPR of the flavour, in group `spr`, never saved and
//! restored around inferior calls (some SPRs change state when written).

use super::regs::{Feature, GdbReg, RegKind, RegMap};
use super::Stub;
use crate::machine::Machine;
use e500::{Flavor, Spr};
use gdbstub::target::ext::target_description_xml_override::TargetDescriptionXmlOverride;
use gdbstub::target::{TargetError, TargetResult};
use std::fmt::Write as _;

/// GDB's architecture name for the flavour.
pub fn architecture(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::E500v2 => "powerpc:e500",
        Flavor::E500mc => "powerpc:common",
    }
}

/// GDB type of a register (how `print` shows it).
fn gdb_type(reg: &GdbReg) -> &'static str {
    match reg.kind {
        RegKind::Pc | RegKind::Lr => "code_ptr",
        RegKind::Fpr(_) => "ieee_double",
        RegKind::EvHigh(_) => "int",
        RegKind::Acc => "int64",
        RegKind::Spr(Spr::Srr0 | Spr::Csrr0 | Spr::Dsrr0 | Spr::Mcsrr0 | Spr::Iac1 | Spr::Iac2) => {
            "code_ptr"
        }
        RegKind::Spr(Spr::Dear | Spr::Dac1 | Spr::Dac2 | Spr::Mcar) => "data_ptr",
        _ => "uint32",
    }
}

/// The whole description for `regs`' flavour.
pub fn generate(regs: &RegMap) -> String {
    let flavor = regs.flavor();
    let mut x = String::from(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n",
    );
    let _ = writeln!(x, "  <architecture>{}</architecture>", architecture(flavor));
    let features = match flavor {
        Flavor::E500v2 => [Feature::Core, Feature::Spe, Feature::Spr],
        Flavor::E500mc => [Feature::Core, Feature::Fpu, Feature::Spr],
    };
    for f in features {
        let _ = writeln!(x, "  <feature name=\"{}\">", f.name());
        for r in regs.feature(f) {
            let _ = write!(
                x,
                "    <reg name=\"{}\" bitsize=\"{}\" type=\"{}\" regnum=\"{}\"",
                r.name,
                r.kind.bits(),
                gdb_type(r),
                r.num
            );
            match r.kind {
                RegKind::Fpscr => x.push_str(" group=\"float\""),
                _ if f == Feature::Spr => x.push_str(" group=\"spr\" save-restore=\"no\""),
                _ => {}
            }
            x.push_str("/>\n");
        }
        x.push_str("  </feature>\n");
    }
    x.push_str("</target>\n");
    x
}

impl<M: Machine> TargetDescriptionXmlOverride for Stub<'_, M> {
    fn target_description_xml(
        &self,
        annex: &[u8],
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        if annex != b"target.xml" {
            return Err(TargetError::NonFatal);
        }
        let xml = self.xml.as_bytes();
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(xml.len());
        let n = length.min(buf.len()).min(xml.len() - start);
        buf[..n].copy_from_slice(&xml[start..start + n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_name_gdb_features() {
        let v2 = generate(&RegMap::new(Flavor::E500v2));
        assert!(v2.contains("<architecture>powerpc:e500</architecture>"));
        assert!(v2.contains("org.gnu.gdb.power.spe"));
        assert!(!v2.contains("org.gnu.gdb.power.fpu"));
        assert!(v2.contains("<reg name=\"acc\" bitsize=\"64\" type=\"int64\" regnum=\"73\"/>"));
        assert!(v2.contains("name=\"dbcr0\" bitsize=\"32\" type=\"uint32\""));
        let mc = generate(&RegMap::new(Flavor::E500mc));
        assert!(mc.contains("<architecture>powerpc:common</architecture>"));
        assert!(
            mc.contains("<reg name=\"f31\" bitsize=\"64\" type=\"ieee_double\" regnum=\"63\"/>")
        );
        assert!(mc.contains("name=\"epcr\""));
        assert!(mc.contains(
            "name=\"fpscr\" bitsize=\"32\" type=\"uint32\" regnum=\"70\" group=\"float\""
        ));
    }
}
