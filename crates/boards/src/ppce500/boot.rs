//! Where the boot payload and the device tree go, and the state the boot CPU
//! starts in (QEMU's `ppce500_init` placement and `ppce500_cpu_reset`):
//!
//! * device tree at `dt_base = (load_addr + payload_size + 0x180_0000) & !0xF_FFFF`,
//!   which must leave 8 MiB (QEMU's largest blob) inside RAM;
//! * files loaded as they are ([`BootLayout::place_files`]) from the payload's end,
//!   but no lower than 32 MiB (firmware's own room): a raw kernel beside `-bios`
//!   first, then the initrd at `(end + 0x200_0000) & !0xFF_FFFF`;
//! * PC = entry, MSR = 0, r1 = 16 MiB − 8, r3 = `dt_base`, r6 = ePAPR magic,
//!   r7 = size of the initial mapping, every other register 0;
//! * TLB1[0]: valid, TS 0, TID 0, EPN 0 → RPN 0, all permissions, sized by
//!   [`initial_map_log2_kib`] to cover everything from 0 to the end of the tree.

use crate::ppce500::image::Image;
use e500::mmu::{mas1, perm};
use vmgdb_hv::{Reg, Vcpu};

/// ePAPR boot magic, in r6 ("EPAP").
pub const EPAPR_MAGIC: u32 = 0x4550_4150;
/// Gap left after the payload before the device tree.
pub const DT_LOAD_PAD: u64 = 0x180_0000;
/// The device tree starts on a 1 MiB boundary.
pub const DT_ALIGN_MASK: u64 = 0xF_FFFF;
/// Room QEMU insists on for the device tree.
pub const DT_MAX_SIZE: u64 = 8 << 20;
/// Files loaded as they are start no lower than this (U-Boot's room below).
pub const FILES_BASE_MIN: u64 = 32 << 20;
/// Gap before the initrd.
pub const INITRD_LOAD_PAD: u64 = 0x200_0000;
/// The initrd starts on a 16 MiB boundary.
pub const INITRD_ALIGN_MASK: u64 = 0xFF_FFFF;
/// Initial stack pointer.
pub const INITIAL_STACK: u32 = (16 << 20) - 8;

/// Where things go for one image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootLayout {
    /// Physical entry point.
    pub entry: u32,
    /// Lowest address of the payload.
    pub load_addr: u64,
    /// Bytes the payload occupies (sum of segment memory sizes).
    pub payload_size: u64,
    /// Physical address of the device tree.
    pub dt_base: u64,
    /// Size of the device tree blob.
    pub dt_size: u64,
    /// `(base, size)` of a kernel loaded as raw bytes beside firmware.
    pub raw_kernel: Option<(u64, u64)>,
    /// `(base, size)` of the initrd.
    pub initrd: Option<(u64, u64)>,
}

/// A file loaded as it is does not fit in RAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{size} bytes at {base:#x} do not fit in RAM, which ends at {ram_size:#x}")]
pub struct FileDoesNotFit {
    pub base: u64,
    pub size: u64,
    pub ram_size: u64,
}

/// Which file [`BootLayout::place_files`] could not place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootFileKind {
    Kernel,
    Initrd,
}

/// The device tree does not fit in RAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not enough RAM for the device tree: it goes at {dt_base:#x} and needs {DT_MAX_SIZE:#x} bytes there, but RAM ends at {ram_size:#x}")]
pub struct NoRoomForDeviceTree {
    pub dt_base: u64,
    pub ram_size: u64,
}

impl BootLayout {
    /// Place `image` in RAM of `ram_size` bytes with a device tree of `dt_size` bytes.
    pub fn new(
        image: &Image,
        ram_size: u64,
        dt_size: u64,
    ) -> Result<BootLayout, NoRoomForDeviceTree> {
        let dt_base = image
            .load_addr
            .wrapping_add(image.payload_size)
            .wrapping_add(DT_LOAD_PAD)
            & !DT_ALIGN_MASK;
        if dt_base
            .checked_add(DT_MAX_SIZE)
            .is_none_or(|end| end > ram_size)
        {
            return Err(NoRoomForDeviceTree { dt_base, ram_size });
        }
        Ok(BootLayout {
            entry: image.entry,
            load_addr: image.load_addr,
            payload_size: image.payload_size,
            dt_base,
            dt_size,
            raw_kernel: None,
            initrd: None,
        })
    }

    /// Place a raw kernel of `kernel` bytes and an initrd of `initrd` bytes as
    /// QEMU's `ppce500_init` does.
    pub fn place_files(
        &mut self,
        kernel: Option<u64>,
        initrd: Option<u64>,
        ram_size: u64,
    ) -> Result<(), (BootFileKind, FileDoesNotFit)> {
        let fits = |base: u64, size: u64| {
            base.checked_add(size)
                .is_some_and(|end| end <= ram_size)
                .then_some(())
                .ok_or(FileDoesNotFit {
                    base,
                    size,
                    ram_size,
                })
        };
        let mut base = (self.load_addr + self.payload_size).max(FILES_BASE_MIN);
        if let Some(size) = kernel {
            fits(base, size).map_err(|e| (BootFileKind::Kernel, e))?;
            self.raw_kernel = Some((base, size));
            base += size;
        }
        if let Some(size) = initrd {
            let at = (base + INITRD_LOAD_PAD) & !INITRD_ALIGN_MASK;
            fits(at, size).map_err(|e| (BootFileKind::Initrd, e))?;
            self.initrd = Some((at, size));
        }
        Ok(())
    }

    /// Page size of the initial mapping, as log2 of KiB.
    pub fn initial_map_log2_kib(&self) -> u32 {
        initial_map_log2_kib(self.dt_base + self.dt_size)
    }

    /// Bytes covered by the initial mapping (what r7 holds).
    pub fn initial_map_size(&self) -> u64 {
        1u64 << 10 << self.initial_map_log2_kib()
    }

    /// TLB1[0] in MAS form: (MAS1, MAS2, MAS3, MAS7).
    pub fn initial_tlb1_entry(&self) -> (u32, u32, u32, u32) {
        let tsize = (self.initial_map_log2_kib() << 7) & mas1::TSIZE;
        let all = perm::UR | perm::UW | perm::UX | perm::SR | perm::SW | perm::SX;
        (mas1::V | tsize, 0, all, 0)
    }

    /// Put a freshly reset `vcpu` in the boot state.
    pub fn enter(&self, vcpu: &mut impl Vcpu) {
        let (mas1, mas2, mas3, mas7) = self.initial_tlb1_entry();
        let ok = vcpu.set_tlb1_entry(0, mas1, mas2, mas3, mas7);
        debug_assert!(ok, "every e500 has TLB1[0]");
        // The target register is 32 bits wide: a 4 GiB map reads as 0, as on QEMU.
        let map_size = self.initial_map_size() as u32 as u64;
        let registers = [
            (Reg::Pc, self.entry as u64),
            (Reg::Msr, 0),
            (Reg::Gpr(1), INITIAL_STACK as u64),
            (Reg::Gpr(3), self.dt_base),
            (Reg::Gpr(4), 0),
            (Reg::Gpr(5), 0),
            (Reg::Gpr(6), EPAPR_MAGIC as u64),
            (Reg::Gpr(7), map_size),
            (Reg::Gpr(8), 0),
            (Reg::Gpr(9), 0),
        ];
        for (reg, value) in registers {
            let set = vcpu.set_reg(reg, value);
            debug_assert!(set.is_ok(), "{reg:?} exists on every e500");
        }
    }
}

/// QEMU's `booke206_initial_map_tsize`: the smallest power-of-4 KiB page that
/// covers `[0, end)` — log2(end / 1 KiB) rounded down, plus one, made even.
pub fn initial_map_log2_kib(end: u64) -> u32 {
    let kib = (end / 1024).max(1);
    let log2 = 63 - kib.leading_zeros() + 1;
    log2 + (log2 & 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ppce500::image::Segment;

    fn image(load_addr: u64, payload_size: u64) -> Image {
        Image {
            segments: vec![Segment {
                index: 0,
                paddr: load_addr,
                data: vec![],
                mem_size: payload_size,
            }],
            entry: load_addr as u32,
            load_addr,
            payload_size,
        }
    }

    #[test]
    fn u_boot_placement_matches_qemu() {
        // U-Boot 2023.01: PT_LOAD at 0xF00000, memsz 0x65E74 → DT at 0x2700000, 64 MiB map.
        let l = BootLayout::new(&image(0xF0_0000, 0x6_5E74), 128 << 20, 1 << 20).unwrap();
        assert_eq!(l.dt_base, 0x270_0000);
        assert_eq!(l.initial_map_log2_kib(), 16);
        assert_eq!(l.initial_map_size(), 64 << 20);
        assert_eq!(l.initial_tlb1_entry(), (0x8000_0800, 0, 0x3F, 0));
    }

    #[test]
    fn map_size_rounds_up_to_a_power_of_four() {
        assert_eq!(initial_map_log2_kib(0x190_0000), 16, "25 MiB → 64 MiB");
        assert_eq!(
            initial_map_log2_kib(0x400_0000),
            18,
            "exactly 64 MiB → 256 MiB, as QEMU"
        );
        assert_eq!(initial_map_log2_kib(0x410_0000), 18);
        assert_eq!(initial_map_log2_kib(0x1000_0001), 20);
    }

    #[test]
    fn large_payload_moves_the_tree_and_grows_the_map() {
        let l = BootLayout::new(&image(0, 0x500_0000), 256 << 20, 1 << 20).unwrap();
        assert_eq!(l.dt_base, 0x680_0000);
        assert_eq!(l.initial_map_size(), 256 << 20);
        assert_eq!(l.initial_tlb1_entry().0, 0x8000_0900);
    }

    #[test]
    fn files_go_above_32_mib_as_qemu_puts_them() {
        // A small -kernel ELF with -initrd: QEMU puts the initrd at 64 MiB.
        let mut l = BootLayout::new(&image(0x10_0000, 0x5A80), 128 << 20, 1 << 20).unwrap();
        l.place_files(None, Some(3_000_000), 128 << 20).unwrap();
        assert_eq!(l.initrd, Some((0x400_0000, 3_000_000)));
        // U-Boot with a uImage beside it: the kernel at 32 MiB, the initrd after it.
        let mut l = BootLayout::new(&image(0xF0_0000, 0x6_5E74), 128 << 20, 1 << 20).unwrap();
        l.place_files(Some(0x30_0000), Some(10), 128 << 20).unwrap();
        assert_eq!(l.raw_kernel, Some((32 << 20, 0x30_0000)));
        assert_eq!(l.initrd, Some((0x400_0000, 10)));
        let e = l.place_files(None, Some(200 << 20), 128 << 20).unwrap_err();
        assert_eq!(e.0, BootFileKind::Initrd);
    }

    #[test]
    fn the_tree_needs_8_mib_of_ram() {
        // 0x6800000 + 8 MiB = 0x7000000 fits in 128 MiB; one more MiB of payload does not.
        assert!(BootLayout::new(&image(0, 0x500_0000), 128 << 20, 1 << 20).is_ok());
        let e = BootLayout::new(&image(0, 0x6F0_0000), 128 << 20, 1 << 20).unwrap_err();
        assert_eq!(e.dt_base, 0x870_0000);
        assert!(e
            .to_string()
            .starts_with("not enough RAM for the device tree"));
    }
}
