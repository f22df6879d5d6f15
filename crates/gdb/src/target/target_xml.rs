//! The target description served to GDB (`qXfer:features:read:target.xml`),
//! generated from the flavour's register table.
//!
//! MSR, DBCR0 and DBSR get flag types, so GDB names their set bits
//! (`dbcr0 0x40800000 [ IDM IAC1 ]`).
//!
//! e500v2 is `powerpc:e500` with the core and SPE features (GDB's
//! `powerpc-e500.xml`); e500mc is `powerpc:common` (GDB 13 has no e500mc
//! architecture) with the core and classic FPU features. Both add a feature of
//! our own with every SPR of the flavour, in group `spr`, never saved and
//! restored around inferior calls (some SPRs change state when written).

use super::regs::{Feature, GdbReg, RegKind, RegMap};
use super::Stub;
use crate::machine::Machine;
use gdbstub::target::ext::target_description_xml_override::TargetDescriptionXmlOverride;
use gdbstub::target::{TargetError, TargetResult};
use std::fmt::Write as _;
use vmgdb_hv::arch::{dbcr0, dbsr};
use vmgdb_hv::arch::{msr, Flavor, Spr};
use vmgdb_hv::Reg;

/// GDB's architecture name for the flavour.
pub fn architecture(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::E500v2 => "powerpc:e500",
        Flavor::E500mc => "powerpc:common",
    }
}

/// A flags type: its id and one-bit fields (name, mask).
type Flags = (&'static str, &'static [(&'static str, u32)]);

const MSR_FLAGS: Flags = (
    "e500_msr",
    &[
        ("GS", msr::GS),
        ("UCLE", msr::UCLE),
        ("SPE", msr::SPE),
        ("WE", msr::WE),
        ("CE", msr::CE),
        ("EE", msr::EE),
        ("PR", msr::PR),
        ("FP", msr::FP),
        ("ME", msr::ME),
        ("FE0", msr::FE0),
        ("UBLE", msr::UBLE),
        ("DE", msr::DE),
        ("FE1", msr::FE1),
        ("IS", msr::IS),
        ("DS", msr::DS),
        ("PMM", msr::PMM),
        ("RI", msr::RI),
    ],
);

const DBCR0_FLAGS: Flags = (
    "e500_dbcr0",
    &[
        ("EDM", dbcr0::EDM),
        ("IDM", dbcr0::IDM),
        ("IC", dbcr0::IC),
        ("BT", dbcr0::BT),
        ("IRPT", dbcr0::IRPT),
        ("TDE", dbcr0::TDE),
        ("IAC1", dbcr0::IAC1),
        ("IAC2", dbcr0::IAC2),
        ("DAC1R", dbcr0::DAC1R),
        ("DAC1W", dbcr0::DAC1W),
        ("DAC2R", dbcr0::DAC2R),
        ("DAC2W", dbcr0::DAC2W),
        ("RET", dbcr0::RET),
        ("CIRPT", dbcr0::CIRPT),
        ("CRET", dbcr0::CRET),
        ("FT", dbcr0::FT),
    ],
);

const DBSR_FLAGS: Flags = (
    "e500_dbsr",
    &[
        ("IDE", dbsr::IDE),
        ("UDE", dbsr::UDE),
        ("IC", dbsr::IC),
        ("BT", dbsr::BT),
        ("IRPT", dbsr::IRPT),
        ("TIE", dbsr::TIE),
        ("IAC1", dbsr::IAC1),
        ("IAC2", dbsr::IAC2),
        ("DAC1R", dbsr::DAC1R),
        ("DAC1W", dbsr::DAC1W),
        ("DAC2R", dbsr::DAC2R),
        ("DAC2W", dbsr::DAC2W),
        ("RET", dbsr::RET),
        ("CIRPT", dbsr::CIRPT),
        ("CRET", dbsr::CRET),
    ],
);

/// The flags type of a register, if it has one.
fn flags_of(kind: RegKind) -> Option<Flags> {
    match kind {
        RegKind::Vcpu(Reg::Msr) => Some(MSR_FLAGS),
        RegKind::Vcpu(Reg::Spr(Spr::Dbcr0)) => Some(DBCR0_FLAGS),
        RegKind::Vcpu(Reg::Spr(Spr::Dbsr)) => Some(DBSR_FLAGS),
        _ => None,
    }
}

/// `<flags>` definition of `flags`, with only the bits `valid` has.
fn flags_xml(x: &mut String, (id, fields): Flags, valid: u32) {
    let _ = writeln!(x, "    <flags id=\"{id}\" size=\"4\">");
    for (name, mask) in fields.iter().filter(|(_, m)| m & valid != 0) {
        let bit = mask.trailing_zeros();
        let _ = writeln!(
            x,
            "      <field name=\"{name}\" start=\"{bit}\" end=\"{bit}\"/>"
        );
    }
    x.push_str("    </flags>\n");
}

/// GDB type of a register (how `print` shows it).
fn gdb_type(reg: &GdbReg) -> &'static str {
    if let Some((id, _)) = flags_of(reg.kind) {
        return id;
    }
    match reg.kind {
        RegKind::Vcpu(Reg::Pc | Reg::Lr) => "code_ptr",
        RegKind::Vcpu(Reg::Fpr(_)) => "ieee_double",
        RegKind::EvHigh(_) => "int",
        RegKind::Acc => "int64",
        RegKind::Vcpu(Reg::Spr(
            Spr::Srr0 | Spr::Csrr0 | Spr::Dsrr0 | Spr::Mcsrr0 | Spr::Iac1 | Spr::Iac2,
        )) => "code_ptr",
        RegKind::Vcpu(Reg::Spr(Spr::Dear | Spr::Dac1 | Spr::Dac2 | Spr::Mcar)) => "data_ptr",
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
        for flags in regs.feature(f).filter_map(|r| flags_of(r.kind)) {
            let valid = if flags.0 == MSR_FLAGS.0 {
                flavor.msr_mask()
            } else {
                u32::MAX
            };
            flags_xml(&mut x, flags, valid);
        }
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
                RegKind::Vcpu(Reg::Fpscr) => x.push_str(" group=\"float\""),
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
        let (out, rest) = buf.split_at_mut(n);
        out.copy_from_slice(&xml[start..start + n]);
        // `buf` is the unused end of gdbstub's packet buffer: keep it full of
        // `#` so later packets stay cheap to parse (see `server::packet_buffer`).
        rest.fill(b'#');
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
        assert!(v2.contains("name=\"dbcr0\" bitsize=\"32\" type=\"e500_dbcr0\""));
        assert!(v2.contains("<field name=\"IAC1\" start=\"23\" end=\"23\"/>"));
        assert!(v2.contains("<field name=\"SPE\" start=\"25\" end=\"25\"/>"));
        let mc = generate(&RegMap::new(Flavor::E500mc));
        assert!(mc.contains("<architecture>powerpc:common</architecture>"));
        assert!(
            mc.contains("<reg name=\"f31\" bitsize=\"64\" type=\"ieee_double\" regnum=\"63\"/>")
        );
        assert!(mc.contains("name=\"epcr\""));
        assert!(
            !mc.contains("<field name=\"SPE\""),
            "MSR fields follow the flavour"
        );
        assert!(mc.contains(
            "name=\"fpscr\" bitsize=\"32\" type=\"uint32\" regnum=\"70\" group=\"float\""
        ));
    }
}
