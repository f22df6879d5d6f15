//! Boot images: an ELF file read the way QEMU's `load_elf` reads the ppce500's
//! `-kernel` or `-bios` payload.
//!
//! What QEMU does, and so what this does:
//! * only ELF32, big-endian, `EM_PPC` images;
//! * every `PT_LOAD` segment goes to its **physical** address (`p_paddr`); its file
//!   bytes are copied and the rest of `p_memsz` is zeroed — unless that zeroed tail
//!   would overlap another segment, in which case only `p_filesz` bytes are loaded;
//! * the entry point is `e_entry`, moved from virtual to physical when it lies in
//!   the file part of an executable segment whose `p_vaddr` differs from `p_paddr`;
//! * `load_addr` is the lowest `p_paddr` of any `PT_LOAD` segment and
//!   `payload_size` the sum of their (possibly truncated) memory sizes — the two
//!   numbers the board places the device tree with.
//!
//! A file that starts with the legacy U-Boot magic is a uImage instead
//! ([`uimage`](crate::ppce500::uimage)), as QEMU falls back to `load_uimage`.
//! Unlike QEMU, a malformed ELF is reported precisely instead of being tried as
//! a uImage: see [`ImageProblem`].

use object::elf::{
    FileHeader32, ProgramHeader32, ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, ELFMAG,
    EM_PPC, PF_X, PT_LOAD,
};
use object::read::elf::{FileHeader, ProgramHeader};
use object::BigEndian;
use std::path::{Path, PathBuf};

/// One piece of the image to place in RAM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Index of its program header (for messages).
    pub index: usize,
    /// Physical load address.
    pub paddr: u64,
    /// Bytes from the file.
    pub data: Vec<u8>,
    /// Bytes it occupies in memory (`data` then zeroes).
    pub mem_size: u64,
}

impl Segment {
    /// One past the last byte it occupies.
    pub fn end(&self) -> u64 {
        self.paddr + self.mem_size
    }
}

/// A parsed boot image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// Segments with a non-zero memory size, in program-header order.
    pub segments: Vec<Segment>,
    /// Physical entry point.
    pub entry: u32,
    /// Lowest physical address of a `PT_LOAD` segment (QEMU's `lowaddr`).
    pub load_addr: u64,
    /// Sum of the `PT_LOAD` memory sizes (what QEMU's `load_elf` returns).
    pub payload_size: u64,
}

/// What is wrong with an image.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageProblem {
    #[error("cannot read: {0}")]
    Unreadable(String),
    #[error("not a regular file")]
    NotRegularFile,
    #[error("{size} bytes is larger than the guest's {limit} bytes of RAM")]
    TooLarge { size: u64, limit: u64 },
    #[error("not an ELF file")]
    NotElf,
    #[error("ELF64 image; ppce500 boots ELF32 PowerPC images")]
    Elf64,
    #[error("invalid ELF class {0}")]
    BadClass(u8),
    #[error("little-endian ELF; ppce500 boots big-endian PowerPC images")]
    LittleEndian,
    #[error("invalid ELF data encoding {0}")]
    BadEncoding(u8),
    #[error("ELF machine {0} is not PowerPC (EM_PPC = 20)")]
    NotPowerPc(u16),
    #[error("truncated ELF: {0} extends past the end of the file")]
    Truncated(String),
    #[error("malformed ELF: {0}")]
    Malformed(String),
    #[error("no loadable segment (no PT_LOAD with a non-zero memory size)")]
    NoLoadableSegment,
    #[error("segment {index} at {start:#x}..{end:#x} lies outside RAM (0..{ram_size:#x})")]
    OutsideRam {
        index: usize,
        start: u64,
        end: u64,
        ram_size: u64,
    },
    #[error("segments {first} and {second} overlap in physical memory")]
    Overlap { first: usize, second: usize },
}

/// An image problem with the file it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct ImageError {
    pub path: PathBuf,
    pub problem: ImageProblem,
}

impl Image {
    /// Read and parse the ELF or uImage file at `path`, at most `limit` bytes.
    pub fn from_file(path: &Path, limit: u64) -> Result<Image, ImageError> {
        let bytes = read_file(path, limit)?;
        Image::parse(&bytes).map_err(|problem| ImageError {
            path: path.to_owned(),
            problem,
        })
    }

    /// Parse an ELF image or a uImage held in memory.
    pub fn parse(data: &[u8]) -> Result<Image, ImageProblem> {
        if crate::ppce500::uimage::is_uimage(data) {
            return crate::ppce500::uimage::parse(data);
        }
        check_ident(data)?;
        let endian = BigEndian;
        let header = FileHeader32::<BigEndian>::parse(data).map_err(|_| {
            if data.len() < std::mem::size_of::<FileHeader32<BigEndian>>() {
                ImageProblem::Truncated("the ELF header".into())
            } else {
                ImageProblem::Malformed("unsupported ELF header version".into())
            }
        })?;
        let machine = header.e_machine(endian);
        if machine != EM_PPC {
            return Err(ImageProblem::NotPowerPc(machine));
        }
        let headers = program_headers(header, data)?;
        let loads: Vec<(usize, &ProgramHeader32<BigEndian>)> = headers
            .iter()
            .enumerate()
            .filter(|(_, ph)| ph.p_type(endian) == PT_LOAD)
            .collect();

        let e_entry = header.e_entry(endian);
        let mut entry = e_entry;
        let mut segments = Vec::new();
        let mut load_addr = u64::MAX;
        let mut payload_size = 0u64;
        for &(index, ph) in &loads {
            let paddr = ph.p_paddr(endian) as u64;
            let vaddr = ph.p_vaddr(endian);
            let file_size = ph.p_filesz(endian) as u64;
            let mut mem_size = ph.p_memsz(endian) as u64;
            if file_size > mem_size {
                return Err(ImageProblem::Malformed(format!(
                    "segment {index} has a file size ({file_size:#x}) larger than its memory size ({mem_size:#x})"
                )));
            }
            if mem_size > file_size {
                // A zero-filled tail that would land on another segment is not loaded.
                let (zero_start, zero_end) = (paddr + file_size, paddr + mem_size);
                let collides = loads.iter().any(|&(other, oph)| {
                    let start = oph.p_paddr(endian) as u64;
                    let end = start + oph.p_memsz(endian) as u64;
                    other != index && start < zero_end && zero_start < end
                });
                if collides {
                    mem_size = file_size;
                }
            }
            let bytes = ph
                .data(endian, data)
                .map_err(|_| ImageProblem::Truncated(format!("segment {index}")))?;
            let executable = ph.p_flags(endian) & PF_X != 0;
            if executable
                && vaddr as u64 != paddr
                && e_entry >= vaddr
                && (e_entry as u64) < vaddr as u64 + file_size
            {
                entry = e_entry - vaddr + paddr as u32;
            }
            if mem_size != 0 {
                segments.push(Segment {
                    index,
                    paddr,
                    data: bytes.to_vec(),
                    mem_size,
                });
            }
            payload_size += mem_size;
            load_addr = load_addr.min(paddr);
        }
        if segments.is_empty() {
            return Err(ImageProblem::NoLoadableSegment);
        }
        check_overlaps(&segments)?;
        Ok(Image {
            segments,
            entry,
            load_addr,
            payload_size,
        })
    }

    /// Check that every segment lies inside RAM of `ram_size` bytes.
    pub fn check_fits(&self, ram_size: u64) -> Result<(), ImageProblem> {
        match self.segments.iter().find(|s| s.end() > ram_size) {
            Some(s) => Err(ImageProblem::OutsideRam {
                index: s.index,
                start: s.paddr,
                end: s.end(),
                ram_size,
            }),
            None => Ok(()),
        }
    }
}

/// Read a file the guest is given (image, initrd, device tree): a regular file
/// of at most `limit` bytes, checked before reading so that `/dev/zero` or a
/// huge file is refused instead of filling the host's memory.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, ImageError> {
    let error = |problem| ImageError {
        path: path.to_owned(),
        problem,
    };
    let unreadable = |e: std::io::Error| error(ImageProblem::Unreadable(e.to_string()));
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(error(ImageProblem::NotRegularFile));
    }
    if meta.len() > limit {
        return Err(error(ImageProblem::TooLarge {
            size: meta.len(),
            limit,
        }));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    use std::io::Read;
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(error(ImageProblem::TooLarge {
            size: bytes.len() as u64,
            limit,
        }));
    }
    Ok(bytes)
}

/// Check `e_ident`: magic, class, data encoding.
fn check_ident(data: &[u8]) -> Result<(), ImageProblem> {
    if data.get(..4) != Some(&ELFMAG[..]) {
        return Err(ImageProblem::NotElf);
    }
    let (Some(&class), Some(&encoding)) = (data.get(4), data.get(5)) else {
        return Err(ImageProblem::Truncated("the ELF identification".into()));
    };
    match class {
        ELFCLASS32 => {}
        ELFCLASS64 => return Err(ImageProblem::Elf64),
        other => return Err(ImageProblem::BadClass(other)),
    }
    match encoding {
        ELFDATA2MSB => Ok(()),
        ELFDATA2LSB => Err(ImageProblem::LittleEndian),
        other => Err(ImageProblem::BadEncoding(other)),
    }
}

/// The program header table, checked against the file.
fn program_headers<'d>(
    header: &FileHeader32<BigEndian>,
    data: &'d [u8],
) -> Result<&'d [ProgramHeader32<BigEndian>], ImageProblem> {
    let endian = BigEndian;
    let count = header.e_phnum(endian) as u64;
    let entry_size = header.e_phentsize(endian) as u64;
    if count > 0 && entry_size != std::mem::size_of::<ProgramHeader32<BigEndian>>() as u64 {
        return Err(ImageProblem::Malformed(format!(
            "program header entry size {entry_size} (expected 32)"
        )));
    }
    let end = header.e_phoff(endian) as u64 + count * entry_size;
    if end > data.len() as u64 {
        return Err(ImageProblem::Truncated("the program header table".into()));
    }
    header
        .program_headers(endian, data)
        .map_err(|e| ImageProblem::Malformed(e.to_string()))
}

/// QEMU refuses images whose segments overlap in memory.
fn check_overlaps(segments: &[Segment]) -> Result<(), ImageProblem> {
    let mut by_address: Vec<&Segment> = segments.iter().collect();
    by_address.sort_by_key(|s| s.paddr);
    for pair in by_address.windows(2) {
        if pair[1].paddr < pair[0].end() {
            let (a, b) = (
                pair[0].index.min(pair[1].index),
                pair[0].index.max(pair[1].index),
            );
            return Err(ImageProblem::Overlap {
                first: a,
                second: b,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ppce500::elf_writer::{write_executable, ElfSegment, ElfSymbol};

    fn elf(entry: u32, segments: &[ElfSegment]) -> Vec<u8> {
        write_executable(entry, segments, &[]).unwrap()
    }

    fn segment(
        vaddr: u32,
        paddr: u32,
        data: &[u8],
        mem_size: u32,
        executable: bool,
    ) -> ElfSegment<'_> {
        ElfSegment {
            vaddr,
            paddr,
            data,
            mem_size,
            executable,
        }
    }

    /// Text linked at 0xC001_0000 but loaded at 0x1_0000, then data with a .bss tail.
    fn good() -> Vec<u8> {
        elf(
            0xC001_0004,
            &[
                segment(
                    0xC001_0000,
                    0x1_0000,
                    &[0x60, 0, 0, 0, 0x48, 0, 0, 0],
                    8,
                    true,
                ),
                segment(0xC002_0000, 0x2_0000, &[1, 2, 3, 4], 0x100, false),
            ],
        )
    }

    #[test]
    fn loads_segments_at_physical_addresses() {
        let image = Image::parse(&good()).unwrap();
        assert_eq!(image.segments.len(), 2);
        assert_eq!(image.segments[0].paddr, 0x1_0000);
        assert_eq!(image.segments[0].data, [0x60, 0, 0, 0, 0x48, 0, 0, 0]);
        assert_eq!(image.segments[1].paddr, 0x2_0000);
        assert_eq!(image.segments[1].data, [1, 2, 3, 4]);
        assert_eq!(image.segments[1].mem_size, 0x100, "the .bss tail is kept");
        assert_eq!(
            image.entry, 0x1_0004,
            "entry moved from virtual to physical"
        );
        assert_eq!(image.load_addr, 0x1_0000);
        assert_eq!(image.payload_size, 0x108);
    }

    /// Bytes anywhere in memory parse the same: an image handed over at an odd
    /// address (inside a larger buffer) is not refused for its alignment.
    #[test]
    fn parses_at_any_alignment() {
        let file = good();
        let aligned = Image::parse(&file).unwrap();
        for shift in 1..8 {
            let mut buf = vec![0u8; shift];
            buf.extend_from_slice(&file);
            assert_eq!(
                Image::parse(&buf[shift..]),
                Ok(aligned.clone()),
                "offset {shift}"
            );
        }
    }

    #[test]
    fn entry_outside_executable_file_bytes_stays_virtual() {
        let data = [0u8; 8];
        let bytes = elf(
            0xC002_0000,
            &[
                segment(0xC001_0000, 0x1_0000, &data, 8, true),
                segment(0xC002_0000, 0x2_0000, &data, 8, false),
            ],
        );
        assert_eq!(Image::parse(&bytes).unwrap().entry, 0xC002_0000);
    }

    #[test]
    fn zero_tail_landing_on_another_segment_is_dropped() {
        let bytes = elf(
            0x1000,
            &[
                segment(0x1000, 0x1000, &[1; 16], 0x2000, true),
                segment(0x2000, 0x2000, &[2; 16], 16, false),
            ],
        );
        let image = Image::parse(&bytes).unwrap();
        assert_eq!(image.segments[0].mem_size, 16);
        assert_eq!(image.payload_size, 32);
    }

    #[test]
    fn overlapping_file_bytes_are_refused() {
        let bytes = elf(
            0x1000,
            &[
                segment(0x1000, 0x1000, &[1; 32], 32, true),
                segment(0x1010, 0x1010, &[2; 16], 16, false),
            ],
        );
        assert_eq!(
            Image::parse(&bytes),
            Err(ImageProblem::Overlap {
                first: 0,
                second: 1
            })
        );
    }

    #[test]
    fn not_elf() {
        assert_eq!(Image::parse(b""), Err(ImageProblem::NotElf));
        assert_eq!(
            Image::parse(b"#!/bin/sh\necho hi\n"),
            Err(ImageProblem::NotElf)
        );
    }

    #[test]
    fn wrong_class_encoding_or_machine() {
        let mut bytes = good();
        bytes[4] = 2;
        assert_eq!(Image::parse(&bytes), Err(ImageProblem::Elf64));
        bytes[4] = 7;
        assert_eq!(Image::parse(&bytes), Err(ImageProblem::BadClass(7)));
        let mut bytes = good();
        bytes[5] = 1;
        assert_eq!(Image::parse(&bytes), Err(ImageProblem::LittleEndian));
        let mut bytes = good();
        bytes[18..20].copy_from_slice(&62u16.to_be_bytes());
        assert_eq!(Image::parse(&bytes), Err(ImageProblem::NotPowerPc(62)));
    }

    #[test]
    fn truncated_anywhere() {
        let bytes = good();
        assert!(matches!(
            Image::parse(&bytes[..5]),
            Err(ImageProblem::Truncated(_))
        ));
        assert!(
            matches!(Image::parse(&bytes[..40]), Err(ImageProblem::Truncated(w)) if w.contains("header"))
        );
        assert!(
            matches!(Image::parse(&bytes[..60]), Err(ImageProblem::Truncated(w)) if w.contains("program header"))
        );
        // Cut inside the second segment's bytes (after both program headers).
        let data_end = 52 + 64 + 8 + 2;
        assert!(
            matches!(Image::parse(&bytes[..data_end]), Err(ImageProblem::Truncated(w)) if w.contains("segment 1"))
        );
    }

    #[test]
    fn no_loadable_segment() {
        assert_eq!(
            Image::parse(&elf(0, &[])),
            Err(ImageProblem::NoLoadableSegment)
        );
        let empty = elf(0x1000, &[segment(0x1000, 0x1000, &[], 0, true)]);
        assert_eq!(Image::parse(&empty), Err(ImageProblem::NoLoadableSegment));
    }

    #[test]
    fn file_size_beyond_memory_size_is_malformed() {
        let mut bytes = good();
        // Second program header's p_memsz (offset 52 + 32 + 20) set below its p_filesz.
        bytes[52 + 32 + 20..52 + 32 + 24].copy_from_slice(&2u32.to_be_bytes());
        assert!(
            matches!(Image::parse(&bytes), Err(ImageProblem::Malformed(m)) if m.contains("segment 1"))
        );
    }

    #[test]
    fn segments_must_fit_in_ram() {
        let image = Image::parse(&good()).unwrap();
        assert_eq!(image.check_fits(64 << 20), Ok(()));
        assert_eq!(
            image.check_fits(0x2_0080),
            Err(ImageProblem::OutsideRam {
                index: 1,
                start: 0x2_0000,
                end: 0x2_0100,
                ram_size: 0x2_0080
            })
        );
    }

    #[test]
    fn errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("vmgdb-image-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("short.elf");
        std::fs::write(&path, &good()[..20]).unwrap();
        let message = Image::from_file(&path, 1 << 20).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "{}: truncated ELF: the ELF header extends past the end of the file",
                path.display()
            )
        );
        let missing = dir.join("missing.elf");
        let message = Image::from_file(&missing, 1 << 20).unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("{}: cannot read: ", missing.display())),
            "{message}"
        );
        // Sizes are checked before reading: a file larger than RAM, or a device
        // that never ends, is refused at once.
        let message = Image::from_file(&path, 10).unwrap_err().to_string();
        assert!(
            message.ends_with("20 bytes is larger than the guest's 10 bytes of RAM"),
            "{message}"
        );
        let message = Image::from_file(Path::new("/dev/zero"), 1 << 20)
            .unwrap_err()
            .to_string();
        assert_eq!(message, "/dev/zero: not a regular file");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn symbols_do_not_change_loading() {
        let data = [0u8; 8];
        let symbols = [ElfSymbol {
            name: "main",
            value: 0x1000,
            size: 8,
            function: true,
        }];
        let bytes =
            write_executable(0x1000, &[segment(0x1000, 0x1000, &data, 8, true)], &symbols).unwrap();
        let image = Image::parse(&bytes).unwrap();
        assert_eq!((image.entry, image.payload_size), (0x1000, 8));
    }
}
