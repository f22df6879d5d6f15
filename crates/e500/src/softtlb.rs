//! The soft TLB: a direct-mapped cache of 4 KiB translations in front of the MMU,
//! one table per access kind, so that a guest load or store that hits RAM costs a
//! compare and a copy.
//!
//! An entry whose page needs more than a plain RAM access (device memory, a
//! little-endian page, a watched page, a page holding decoded code for stores, a
//! page with a planted software breakpoint) carries flags in the tag's low bits,
//! which makes the fast compare fail and sends the access to the slow path.

/// Number of entries per table.
pub const ENTRIES: usize = 1024;

/// Why an access to a page takes the slow path.
pub mod flags {
    /// The page is not RAM: accesses go to the bus.
    pub const MMIO: u32 = 0x01;
    /// Little-endian page (MAS2[E]).
    pub const LITTLE_ENDIAN: u32 = 0x02;
    /// A data address comparator may fire in this page.
    pub const WATCH: u32 = 0x04;
    /// The page holds decoded instructions (write table only).
    pub const CODE: u32 = 0x08;
    /// A software breakpoint is planted in this page (data tables only).
    pub const OVERLAY: u32 = 0x10;
    /// The entry holds nothing.
    pub const INVALID: u32 = 0x800;
}

/// One cached translation (C layout: compiled code reads it).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Entry {
    /// Effective page address, with [`flags`] in the low 12 bits.
    pub tag: u32,
    /// Physical address of the page.
    pub pa_page: u64,
}

impl Entry {
    const EMPTY: Entry = Entry {
        tag: flags::INVALID,
        pa_page: 0,
    };

    /// Whether the entry translates `page` (whatever its flags).
    #[inline]
    pub fn holds(&self, page: u32) -> bool {
        self.tag & flags::INVALID == 0 && self.tag & !0xFFF == page
    }

    /// The slow-path flags.
    #[inline]
    pub fn flags(&self) -> u32 {
        self.tag & 0xFFF
    }
}

/// Index of the entry for `ea`.
#[inline(always)]
pub fn index(ea: u32) -> usize {
    (ea >> 12) as usize & (ENTRIES - 1)
}

/// The three tables (each behind a thin pointer, which compiled code loads).
pub struct SoftTlb {
    pub read: Box<[Entry; ENTRIES]>,
    pub write: Box<[Entry; ENTRIES]>,
    pub fetch: Box<[Entry; ENTRIES]>,
}

impl Default for SoftTlb {
    fn default() -> Self {
        SoftTlb {
            read: Box::new([Entry::EMPTY; ENTRIES]),
            write: Box::new([Entry::EMPTY; ENTRIES]),
            fetch: Box::new([Entry::EMPTY; ENTRIES]),
        }
    }
}

impl SoftTlb {
    /// Forget every translation.
    pub fn flush(&mut self) {
        self.flush_data();
        self.fetch.fill(Entry::EMPTY);
    }

    /// Forget the data translations (flags of data pages changed).
    pub fn flush_data(&mut self) {
        self.read.fill(Entry::EMPTY);
        self.write.fill(Entry::EMPTY);
    }
}
