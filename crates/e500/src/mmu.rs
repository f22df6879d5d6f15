//! The e500 MMU (BookE 2.06, MAV 1.0): TLB0 and TLB1, the MAS registers, and the
//! `tlbwe`/`tlbre`/`tlbsx`/`tlbivax` semantics. Pure data: the soft TLB in front of
//! it is in [`crate::softtlb`].

use crate::Flavor;

/// MAS0 fields.
pub mod mas0 {
    pub const TLBSEL: u32 = 0x3000_0000;
    pub const ESEL: u32 = 0x0FFF_0000;
    pub const NV: u32 = 0x0000_0FFF;
}
/// MAS1 fields.
pub mod mas1 {
    pub const V: u32 = 0x8000_0000;
    pub const IPROT: u32 = 0x4000_0000;
    pub const TID: u32 = 0x3FFF_0000;
    pub const TS: u32 = 0x0000_1000;
    /// TSIZE as QEMU and U-Boot write it (five bits, the low one ignored by e500).
    pub const TSIZE: u32 = 0x0000_0F80;
}
/// MAS2 fields.
pub mod mas2 {
    pub const EPN: u32 = 0xFFFF_F000;
    pub const WIMGE: u32 = 0x0000_007F;
    /// Little-endian page.
    pub const E: u32 = 0x0000_0001;
}
/// MAS3 permission bits.
pub mod perm {
    pub const UX: u32 = 0x20;
    pub const SX: u32 = 0x10;
    pub const UW: u32 = 0x08;
    pub const SW: u32 = 0x04;
    pub const UR: u32 = 0x02;
    pub const SR: u32 = 0x01;
}
/// MAS4 default fields.
pub mod mas4 {
    pub const TLBSELD: u32 = 0x3000_0000;
    pub const TSIZED: u32 = 0x0000_0F80;
    pub const WIMGED: u32 = 0x0000_007F;
}
/// MAS6 search fields.
pub mod mas6 {
    pub const SPID: u32 = 0x3FFF_0000;
    pub const SAS: u32 = 0x0000_0001;
}

/// TLB0 geometry (both flavours).
pub const TLB0_SETS: usize = 128;
/// TLB0 associativity.
pub const TLB0_WAYS: usize = 4;

/// One TLB entry, kept in MAS form as the hardware does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlbEntry {
    pub mas1: u32,
    pub mas2: u32,
    pub mas3: u32,
    pub mas7: u32,
}

/// What kind of access a translation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

/// Why a translation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No valid entry matches: TLB error interrupt.
    Miss,
    /// An entry matches but forbids the access: storage interrupt.
    Protection,
}

/// A successful translation of one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// Physical address of the 4 KiB page holding the EA.
    pub pa_page: u64,
    /// Little-endian page (MAS2[E]).
    pub little_endian: bool,
}

impl TlbEntry {
    pub fn valid(&self) -> bool {
        self.mas1 & mas1::V != 0
    }
    pub fn iprot(&self) -> bool {
        self.mas1 & mas1::IPROT != 0
    }
    pub fn tid(&self) -> u32 {
        (self.mas1 & mas1::TID) >> 16
    }
    pub fn ts(&self) -> bool {
        self.mas1 & mas1::TS != 0
    }
    /// The hardware TSIZE field (size = 4^tsize KiB).
    pub fn tsize(&self) -> u32 {
        (self.mas1 >> 8) & 0xF
    }
    /// Page size in bytes (4 KiB .. 4 GiB).
    pub fn size(&self) -> u64 {
        1024u64 << (2 * self.tsize().clamp(1, 11))
    }
    /// First effective address mapped.
    pub fn epn(&self) -> u32 {
        self.mas2 & mas2::EPN & !((self.size() - 1) as u32)
    }
    /// First physical address mapped (36 bits).
    pub fn rpn(&self) -> u64 {
        ((self.mas7 as u64 & 0xF) << 32 | (self.mas3 & 0xFFFF_F000) as u64) & !(self.size() - 1)
    }
    /// Whether the entry maps `ea` in address space `ts` for one of `pids`.
    #[inline]
    pub fn matches(&self, ea: u32, ts: bool, pids: &[u32; 3]) -> bool {
        if !self.valid() || self.ts() != ts {
            return false;
        }
        let tid = self.tid();
        if tid != 0 && !pids.contains(&tid) {
            return false;
        }
        (ea as u64 & !(self.size() - 1)) as u32 == self.epn()
    }
    /// Permission check for `access` in problem state `pr`.
    pub fn permits(&self, access: Access, pr: bool) -> bool {
        let bit = match (access, pr) {
            (Access::Read, false) => perm::SR,
            (Access::Read, true) => perm::UR,
            (Access::Write, false) => perm::SW,
            (Access::Write, true) => perm::UW,
            (Access::Execute, false) => perm::SX,
            (Access::Execute, true) => perm::UX,
        };
        self.mas3 & bit != 0
    }
    /// Physical address of `ea` through this entry.
    pub fn translate(&self, ea: u32) -> u64 {
        self.rpn() | (ea as u64 & (self.size() - 1))
    }
}

/// Result of `tlbwe` that the core must act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlbWrite {
    Done,
    /// MAS0 selects no entry, or TLB1 was given a size it does not support.
    Illegal,
}

/// TLB0, TLB1 and the MAS registers.
#[derive(Clone)]
pub struct Mmu {
    pub tlb0: Vec<TlbEntry>,
    pub tlb1: Vec<TlbEntry>,
    pub mas0: u32,
    pub mas1: u32,
    pub mas2: u32,
    pub mas3: u32,
    pub mas4: u32,
    pub mas6: u32,
    pub mas7: u32,
    pub pid: [u32; 3],
    /// QEMU's global round-robin TLB0 victim way.
    pub last_way: u32,
}

/// Which entries a `tlbilx` invalidates (its T field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlbilxScope {
    /// T=0: every entry.
    All,
    /// T=1: entries whose TID is MAS6[SPID].
    Pid,
    /// T=3: the entry translating this address for MAS6[SPID] and MAS6[SAS].
    Address(u32),
}

impl Mmu {
    pub fn new(flavor: Flavor) -> Mmu {
        Mmu {
            tlb0: vec![TlbEntry::default(); TLB0_SETS * TLB0_WAYS],
            tlb1: vec![TlbEntry::default(); flavor.tlb1_entries()],
            mas0: 0,
            mas1: 0,
            mas2: 0,
            mas3: 0,
            mas4: 0,
            mas6: 0,
            mas7: 0,
            pid: [0; 3],
            last_way: 0,
        }
    }

    fn tlb0_index(epn: u32, way: u32) -> usize {
        ((epn >> 12) as usize & (TLB0_SETS - 1)) * TLB0_WAYS + (way as usize & (TLB0_WAYS - 1))
    }

    /// The entry MAS0 (and MAS2 for TLB0) selects, as `(tlbsel, index)`.
    fn selected(&self) -> Option<(u32, usize)> {
        let tlbsel = (self.mas0 & mas0::TLBSEL) >> 28;
        let esel = (self.mas0 & mas0::ESEL) >> 16;
        match tlbsel {
            0 => Some((0, Self::tlb0_index(self.mas2, esel))),
            1 if (esel as usize) < self.tlb1.len() => Some((1, esel as usize)),
            _ => None,
        }
    }

    fn entry(&self, tlbsel: u32, index: usize) -> &TlbEntry {
        if tlbsel == 0 {
            &self.tlb0[index]
        } else {
            &self.tlb1[index]
        }
    }

    /// `tlbwe`: write the MAS registers into the selected entry.
    pub fn tlbwe(&mut self) -> TlbWrite {
        let Some((tlbsel, index)) = self.selected() else {
            return TlbWrite::Illegal;
        };
        let mut e = TlbEntry {
            mas1: self.mas1 & (mas1::V | mas1::IPROT | mas1::TID | mas1::TS | mas1::TSIZE),
            mas2: self.mas2 & (mas2::EPN | mas2::WIMGE),
            mas3: self.mas3,
            mas7: self.mas7 & 0xF,
        };
        if tlbsel == 0 {
            // TLB0 holds 4 KiB pages only and has no IPROT.
            e.mas1 = (e.mas1 & !(mas1::TSIZE | mas1::IPROT)) | (1 << 8);
        } else if e.valid() && !(1..=11).contains(&e.tsize()) {
            return TlbWrite::Illegal;
        }
        e.mas2 = (e.mas2 & !mas2::EPN) | e.epn();
        if tlbsel == 0 {
            self.tlb0[index] = e;
        } else {
            self.tlb1[index] = e;
        }
        TlbWrite::Done
    }

    fn load_mas(&mut self, tlbsel: u32, index: usize) {
        let e = *self.entry(tlbsel, index);
        let esel = if tlbsel == 0 {
            (index % TLB0_WAYS) as u32
        } else {
            index as u32
        };
        self.mas0 = (tlbsel << 28) | (esel << 16) | self.last_way;
        self.mas1 = e.mas1;
        self.mas2 = e.mas2;
        self.mas3 = e.mas3;
        self.mas7 = e.mas7;
    }

    /// `tlbre`: read the selected entry into the MAS registers.
    pub fn tlbre(&mut self) {
        match self.selected() {
            Some((tlbsel, index)) => self.load_mas(tlbsel, index),
            None => self.mas1 = 0,
        }
    }

    fn next_victim(&mut self) -> u32 {
        let way = self.last_way;
        self.last_way = (self.last_way + 1) & (TLB0_WAYS as u32 - 1);
        way
    }

    /// `tlbsx`: search for `ea` with MAS6's PID and address space.
    pub fn tlbsx(&mut self, ea: u32) {
        let spid = (self.mas6 & mas6::SPID) >> 16;
        let sas = self.mas6 & mas6::SAS != 0;
        let pids = [spid, spid, spid];
        if let Some((tlbsel, index)) = self.find(ea, sas, &pids) {
            self.load_mas(tlbsel, index);
            return;
        }
        let victim = self.next_victim();
        self.mas0 = (self.mas4 & mas4::TLBSELD) | (victim << 16) | self.last_way;
        self.mas1 = (self.mas4 & mas4::TSIZED) | (spid << 16) | if sas { mas1::TS } else { 0 };
        self.mas2 = self.mas4 & mas4::WIMGED;
        self.mas3 = 0;
        self.mas7 = 0;
    }

    /// The matching entry for `ea`, TLB0 first, as `(tlbsel, index)`.
    pub fn find(&self, ea: u32, ts: bool, pids: &[u32; 3]) -> Option<(u32, usize)> {
        let set = Self::tlb0_index(ea, 0);
        for i in set..set + TLB0_WAYS {
            if self.tlb0[i].matches(ea, ts, pids) {
                return Some((0, i));
            }
        }
        self.tlb1
            .iter()
            .position(|e| e.matches(ea, ts, pids))
            .map(|i| (1, i))
    }

    /// Translate `ea` for `access` in address space `ts`, problem state `pr`.
    pub fn translate(&self, ea: u32, ts: bool, pr: bool, access: Access) -> Result<Mapping, Fault> {
        let (tlbsel, index) = self.find(ea, ts, &self.pid).ok_or(Fault::Miss)?;
        let e = self.entry(tlbsel, index);
        if !e.permits(access, pr) {
            return Err(Fault::Protection);
        }
        Ok(Mapping {
            pa_page: e.translate(ea & !0xFFF),
            little_endian: e.mas2 & mas2::E != 0,
        })
    }

    /// Preload the MAS registers after a TLB miss on `ea` in address space `ts`.
    pub fn tlb_miss(&mut self, ea: u32, ts: bool) {
        let tidsel = (self.mas4 >> 16) & 3;
        let tid = match tidsel {
            0..=2 => self.pid[tidsel as usize],
            _ => 0,
        };
        let victim = self.next_victim();
        self.mas0 = (self.mas4 & mas4::TLBSELD) | (victim << 16) | self.last_way;
        self.mas1 =
            mas1::V | (tid << 16) | (self.mas4 & mas4::TSIZED) | if ts { mas1::TS } else { 0 };
        self.mas2 = (ea & mas2::EPN) | (self.mas4 & mas4::WIMGED);
        // The RPN and permissions are the handler's to fill in: they start cleared.
        self.mas3 = 0;
        self.mas7 = 0;
        self.mas6 = (self.pid[0] << 16) | ts as u32;
    }

    /// `tlbivax`: invalidate by EA (bit 0x4: all entries; bit 0x8: TLB1), sparing IPROT.
    pub fn tlbivax(&mut self, ea: u32) {
        let tlb1 = ea & 0x8 != 0;
        if ea & 0x4 != 0 {
            self.flash_invalidate(!tlb1, tlb1);
            return;
        }
        let page = ea & mas2::EPN;
        let tlb = if tlb1 {
            &mut self.tlb1[..]
        } else {
            &mut self.tlb0[..]
        };
        for e in tlb.iter_mut() {
            if e.valid() && !e.iprot() && (page as u64 & !(e.size() - 1)) as u32 == e.epn() {
                e.mas1 &= !mas1::V;
            }
        }
    }

    /// `tlbilx` (e500mc): invalidate this core's entries, sparing IPROT ones, as
    /// QEMU does (Linux's kernel mappings are IPROT entries with TID 0, which
    /// `tlbilx` by PID 0 must leave alone).
    pub fn tlbilx(&mut self, scope: TlbilxScope) {
        let spid = (self.mas6 & mas6::SPID) >> 16;
        let sas = self.mas6 & mas6::SAS != 0;
        let hit = |e: &TlbEntry| -> bool {
            match scope {
                TlbilxScope::All => true,
                TlbilxScope::Pid => e.tid() == spid,
                TlbilxScope::Address(ea) => e.matches(ea, sas, &[spid; 3]),
            }
        };
        for e in self.tlb0.iter_mut().chain(self.tlb1.iter_mut()) {
            if e.valid() && !e.iprot() && hit(e) {
                e.mas1 &= !mas1::V;
            }
        }
    }

    /// MMUCSR0 flash invalidate of TLB0 and/or TLB1, sparing IPROT entries.
    pub fn flash_invalidate(&mut self, tlb0: bool, tlb1: bool) {
        if tlb0 {
            for e in &mut self.tlb0 {
                e.mas1 &= !mas1::V;
            }
        }
        if tlb1 {
            for e in self.tlb1.iter_mut().filter(|e| !e.iprot()) {
                e.mas1 &= !mas1::V;
            }
        }
    }

    /// Write a TLB1 entry directly (what a loader uses for the boot mapping).
    pub fn set_tlb1(&mut self, index: usize, entry: TlbEntry) -> bool {
        match self.tlb1.get_mut(index) {
            Some(e) => {
                *e = entry;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boot_map() -> TlbEntry {
        // QEMU's initial mapping: 64 MiB at 0, all permissions.
        TlbEntry {
            mas1: 0x8000_0800,
            mas2: 0,
            mas3: 0x3F,
            mas7: 0,
        }
    }

    #[test]
    fn translates_through_tlb1() {
        let mut mmu = Mmu::new(Flavor::E500v2);
        mmu.set_tlb1(0, boot_map());
        let m = mmu
            .translate(0x0123_4567, false, false, Access::Read)
            .unwrap();
        assert_eq!(m.pa_page, 0x0123_4000);
        assert_eq!(
            mmu.translate(0x0400_0000, false, false, Access::Read),
            Err(Fault::Miss)
        );
        assert_eq!(
            mmu.translate(0x1000, true, false, Access::Read),
            Err(Fault::Miss)
        );
    }

    #[test]
    fn ccsr_mapping_is_36_bit() {
        let mut mmu = Mmu::new(Flavor::E500mc);
        mmu.mas0 = 0x1001_0000;
        mmu.mas1 = 0xC000_0500;
        mmu.mas2 = 0xE000_000A;
        mmu.mas3 = 0xE000_0005;
        mmu.mas7 = 0xF;
        assert_eq!(mmu.tlbwe(), TlbWrite::Done);
        let m = mmu
            .translate(0xE000_4500, false, false, Access::Write)
            .unwrap();
        assert_eq!(m.pa_page, 0xF_E000_4000);
        assert_eq!(
            mmu.translate(0xE000_4500, false, true, Access::Write),
            Err(Fault::Protection)
        );
        assert_eq!(
            mmu.translate(0xE000_4500, false, false, Access::Execute),
            Err(Fault::Protection)
        );
    }

    #[test]
    fn tlb0_write_read_search_invalidate() {
        let mut mmu = Mmu::new(Flavor::E500v2);
        mmu.mas0 = 0x0002_0000; // TLB0, way 2
        mmu.mas1 = 0xC005_0A00; // V, IPROT (dropped), TID 5, bogus size (forced 4K)
        mmu.mas2 = 0x1234_5004;
        mmu.mas3 = 0x0009_9015;
        assert_eq!(mmu.tlbwe(), TlbWrite::Done);
        mmu.pid[0] = 5;
        let m = mmu
            .translate(0x1234_5678, false, false, Access::Read)
            .unwrap();
        assert_eq!(m.pa_page, 0x0009_9000);
        mmu.pid[0] = 6;
        assert_eq!(
            mmu.translate(0x1234_5678, false, false, Access::Read),
            Err(Fault::Miss)
        );

        mmu.mas6 = 5 << 16;
        mmu.tlbsx(0x1234_5FFC);
        assert_eq!(mmu.mas1, 0x8005_0100);
        assert_eq!(mmu.mas0 & (mas0::TLBSEL | mas0::ESEL), 0x0002_0000);
        mmu.tlbre();
        assert_eq!(mmu.mas2, 0x1234_5004);

        mmu.tlbivax(0x1234_5000);
        assert!(!mmu.tlb0.iter().any(|e| e.valid()));
    }

    #[test]
    fn tlb_miss_preloads_mas_and_clears_rpn() {
        let mut mmu = Mmu::new(Flavor::E500v2);
        mmu.mas3 = 0x0080_4005;
        mmu.mas7 = 0xF;
        mmu.mas4 = 0x0000_010A; // TSIZED 4K, I|G
        mmu.pid[0] = 3;
        mmu.tlb_miss(0x6000_1234, true);
        assert_eq!(mmu.mas1, 0x8003_1100);
        assert_eq!(mmu.mas2, 0x6000_100A);
        assert_eq!((mmu.mas3, mmu.mas7), (0, 0));
        assert_eq!(mmu.mas6, 0x0003_0001);
    }

    #[test]
    fn flash_invalidate_spares_iprot() {
        let mut mmu = Mmu::new(Flavor::E500v2);
        mmu.set_tlb1(
            0,
            TlbEntry {
                mas1: 0xC000_0500,
                ..boot_map()
            },
        );
        mmu.set_tlb1(1, boot_map());
        mmu.flash_invalidate(true, true);
        assert!(mmu.tlb1[0].valid());
        assert!(!mmu.tlb1[1].valid());
    }

    #[test]
    fn tlb1_rejects_unsupported_size() {
        let mut mmu = Mmu::new(Flavor::E500v2);
        mmu.mas0 = 0x1003_0000;
        mmu.mas1 = 0x8000_0000; // TSIZE 0
        assert_eq!(mmu.tlbwe(), TlbWrite::Illegal);
        mmu.mas0 = 0x1010_0000; // ESEL 16 does not exist on e500v2
        mmu.mas1 = 0x8000_0100;
        assert_eq!(mmu.tlbwe(), TlbWrite::Illegal);
    }
}
