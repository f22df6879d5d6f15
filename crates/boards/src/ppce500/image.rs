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
//! Unlike QEMU, malformed input is reported precisely instead of falling back to
//! uImage parsing: see [`ImageProblem`].

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
    /// Read and parse the ELF file at `path`.
    pub fn from_file(path: &Path) -> Result<Image, ImageError> {
        let error = |problem| ImageError {
            path: path.to_owned(),
            problem,
        };
        let bytes = std::fs::read(path).map_err(|e| error(ImageProblem::Unreadable(e.to_string())))?;
        Image::parse(&bytes).map_err(error)
    }

    /// Parse an ELF image held in memory.
    pub fn parse(data: &[u8]) -> Result<Image, ImageProblem> {
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
            let (a, b) = (pair[0].index.min(pair[1].index), pair[0].index.max(pair[1].index));
            return Err(ImageProblem::Overlap {
                first: a,
                second: b,
            });
        }
    }
    Ok(())
}
