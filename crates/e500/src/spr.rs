//! Special-purpose register numbers of the e500 cores, and which flavour has which.

use crate::Flavor;

/// Defines the `Spr` enum with its architected number, in one table.
macro_rules! sprs {
    ($($(#[$m:meta])* $name:ident = $num:expr),* $(,)?) => {
        /// A special-purpose register the e500 implements (decoded from an SPR number).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Spr { $($(#[$m])* $name),* }

        impl Spr {
            /// Every SPR known to vmgdb, in number order of the table.
            pub const ALL: &'static [Spr] = &[$(Spr::$name),*];

            /// The architected SPR number.
            pub const fn number(self) -> u16 {
                match self { $(Spr::$name => $num),* }
            }

            /// Lower-case mnemonic, as GDB and the e500 manual name it.
            pub fn name(self) -> String {
                let camel: &str = match self { $(Spr::$name => stringify!($name)),* };
                camel.to_ascii_lowercase()
            }

            fn lookup(n: u16) -> Option<Spr> {
                match n { $($num => Some(Spr::$name),)* _ => None }
            }
        }
    };
}

sprs! {
    Xer = 1, Lr = 8, Ctr = 9, Dec = 22, Srr0 = 26, Srr1 = 27, Pid0 = 48, Decar = 54,
    Csrr0 = 58, Csrr1 = 59, Dear = 61, Esr = 62, Ivpr = 63, Usprg0 = 256,
    Sprg4r = 260, Sprg5r = 261, Sprg6r = 262, Sprg7r = 263, Tbl = 268, Tbu = 269,
    Sprg0 = 272, Sprg1 = 273, Sprg2 = 274, Sprg3 = 275, Sprg4 = 276, Sprg5 = 277,
    Sprg6 = 278, Sprg7 = 279, TblW = 284, TbuW = 285, Pir = 286, Pvr = 287,
    Dbsr = 304, Epcr = 307, Dbcr0 = 308, Dbcr1 = 309, Dbcr2 = 310, Msrp = 311,
    Iac1 = 312, Iac2 = 313, Dac1 = 316, Dac2 = 317, Tsr = 336, Lpidr = 338, Mas5 = 339,
    Tcr = 340, Mas8 = 341,
    Ivor0 = 400, Ivor1 = 401, Ivor2 = 402, Ivor3 = 403, Ivor4 = 404, Ivor5 = 405,
    Ivor6 = 406, Ivor7 = 407, Ivor8 = 408, Ivor9 = 409, Ivor10 = 410, Ivor11 = 411,
    Ivor12 = 412, Ivor13 = 413, Ivor14 = 414, Ivor15 = 415,
    Spefscr = 512, Bbear = 513, Bbtar = 514, L1cfg0 = 515, L1cfg1 = 516, Npidr = 517,
    Atbl = 526, Atbu = 527, Ivor32 = 528, Ivor33 = 529, Ivor34 = 530, Ivor35 = 531,
    Ivor36 = 532, Ivor37 = 533,
    Mcsrr0 = 570, Mcsrr1 = 571, Mcsr = 572, Mcar = 573, Dsrr0 = 574, Dsrr1 = 575,
    Sprg8 = 604, Sprg9 = 605,
    Mas0 = 624, Mas1 = 625, Mas2 = 626, Mas3 = 627, Mas4 = 628, Mas6 = 630,
    Pid1 = 633, Pid2 = 634, Tlb0cfg = 688, Tlb1cfg = 689, Epr = 702, Mas7 = 944,
    Hid0 = 1008, Hid1 = 1009, L1csr0 = 1010, L1csr1 = 1011, Mmucsr0 = 1012,
    Bucsr = 1013, Mmucfg = 1015, L2csr0 = 1017, L2csr1 = 1018, Svr = 1023,
}

impl Spr {
    /// Decode an SPR number some e500 flavour implements.
    pub fn from_any(n: u16) -> Option<Spr> {
        Spr::lookup(n)
    }

    /// Decode an SPR number for `flavor`; `None` if that core does not implement it.
    pub fn from_number(n: u16, flavor: Flavor) -> Option<Spr> {
        let spr = Spr::lookup(n)?;
        spr.exists_on(flavor).then_some(spr)
    }

    /// Whether `flavor` implements this SPR.
    pub fn exists_on(self, flavor: Flavor) -> bool {
        use Spr::*;
        match self {
            Epcr | Msrp | Lpidr | Mas5 | Mas8 | L2csr0 | L2csr1 | Ivor36 | Ivor37 => {
                flavor == Flavor::E500mc
            }
            Spefscr | Bbear | Bbtar | Ivor32 | Ivor33 | Ivor34 => flavor == Flavor::E500v2,
            _ => true,
        }
    }

    /// Privileged SPRs (number bit 0x10) need MSR[PR]=0 for mfspr/mtspr.
    pub const fn privileged(self) -> bool {
        self.number() & 0x10 != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_round_trip() {
        for &s in Spr::ALL {
            assert_eq!(Spr::lookup(s.number()), Some(s), "{}", s.name());
        }
        assert_eq!(Spr::Dbcr0.name(), "dbcr0");
        assert_eq!(Spr::from_number(307, Flavor::E500v2), None);
        assert_eq!(Spr::from_number(307, Flavor::E500mc), Some(Spr::Epcr));
        assert!(!Spr::Tbl.privileged());
        assert!(Spr::Srr0.privileged());
        assert!(!Spr::Lr.privileged());
    }
}
