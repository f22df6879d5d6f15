//! Writing a small ELF32 big-endian PowerPC executable: program headers for the
//! loader, one section per segment and a symbol table so GDB can name addresses.
//! Used for the built-in demo guest and by tests that need images.

use object::elf::{
    EM_PPC, ET_EXEC, PF_R, PF_W, PF_X, PT_LOAD, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_PROGBITS,
    STB_GLOBAL, STT_FUNC, STT_OBJECT,
};
use object::write::elf::{FileHeader, ProgramHeader, SectionHeader, Sym, Writer};
use object::Endianness;

/// A loadable segment.
#[derive(Clone, Copy, Debug)]
pub struct ElfSegment<'a> {
    pub vaddr: u32,
    pub paddr: u32,
    pub data: &'a [u8],
    /// Memory size; the part beyond `data` is zero-filled by the loader.
    pub mem_size: u32,
    pub executable: bool,
}

/// A global symbol.
#[derive(Clone, Copy, Debug)]
pub struct ElfSymbol<'a> {
    pub name: &'a str,
    pub value: u32,
    pub size: u32,
    /// A routine (STT_FUNC) rather than data (STT_OBJECT).
    pub function: bool,
}

impl<'a> ElfSegment<'a> {
    /// Code and data loaded and run at `address` (virtual = physical).
    pub fn code_at(address: u32, data: &'a [u8]) -> ElfSegment<'a> {
        ElfSegment {
            vaddr: address,
            paddr: address,
            data,
            mem_size: data.len() as u32,
            executable: true,
        }
    }
}

/// An ELF executable with `segments`, entry point `entry` and `symbols`.
pub fn write_executable(
    entry: u32,
    segments: &[ElfSegment],
    symbols: &[ElfSymbol],
) -> object::write::Result<Vec<u8>> {
    let mut buffer = Vec::new();
    let mut w = Writer::new(Endianness::Big, false, &mut buffer);

    w.reserve_file_header();
    w.reserve_program_headers(segments.len() as u32);
    let offsets: Vec<usize> = segments
        .iter()
        .map(|s| w.reserve(s.data.len(), 4))
        .collect();

    w.reserve_null_section_index();
    let sections: Vec<_> = segments
        .iter()
        .map(|s| {
            let name = w.add_section_name(if s.executable { b".text" } else { b".data" });
            (name, w.reserve_section_index())
        })
        .collect();
    let section_of = |value: u32| {
        segments
            .iter()
            .position(|s| value >= s.vaddr && value - s.vaddr < s.mem_size.max(1))
            .map(|i| sections[i].1)
    };
    let names: Vec<_> = symbols
        .iter()
        .map(|s| w.add_string(s.name.as_bytes()))
        .collect();
    w.reserve_null_symbol_index();
    for s in symbols {
        w.reserve_symbol_index(section_of(s.value));
    }
    w.reserve_symtab_section_index();
    w.reserve_strtab_section_index();
    w.reserve_shstrtab_section_index();
    w.reserve_symtab();
    w.reserve_strtab();
    w.reserve_shstrtab();
    w.reserve_section_headers();

    w.write_file_header(&FileHeader {
        os_abi: 0,
        abi_version: 0,
        e_type: ET_EXEC,
        e_machine: EM_PPC,
        e_entry: entry as u64,
        e_flags: 0,
    })?;
    w.write_align_program_headers();
    for (s, &offset) in segments.iter().zip(&offsets) {
        w.write_program_header(&ProgramHeader {
            p_type: PT_LOAD,
            p_flags: PF_R | PF_W | if s.executable { PF_X } else { 0 },
            p_offset: offset as u64,
            p_vaddr: s.vaddr as u64,
            p_paddr: s.paddr as u64,
            p_filesz: s.data.len() as u64,
            p_memsz: s.mem_size as u64,
            p_align: 4,
        });
    }
    for s in segments {
        w.write_align(4);
        w.write(s.data);
    }
    w.write_null_symbol();
    for (s, &name) in symbols.iter().zip(&names) {
        let kind = if s.function { STT_FUNC } else { STT_OBJECT };
        w.write_symbol(&Sym {
            name: Some(name),
            section: section_of(s.value),
            st_info: (STB_GLOBAL << 4) | kind,
            st_other: 0,
            st_shndx: 0,
            st_value: s.value as u64,
            st_size: s.size as u64,
        });
    }
    w.write_strtab();
    w.write_shstrtab();
    w.write_null_section_header();
    for ((s, &offset), &(name, _)) in segments.iter().zip(&offsets).zip(&sections) {
        let exec = if s.executable { SHF_EXECINSTR } else { 0 };
        w.write_section_header(&SectionHeader {
            name: Some(name),
            sh_type: SHT_PROGBITS,
            sh_flags: (SHF_ALLOC | SHF_WRITE | exec) as u64,
            sh_addr: s.vaddr as u64,
            sh_offset: offset as u64,
            sh_size: s.data.len() as u64,
            sh_link: 0,
            sh_info: 0,
            sh_addralign: 4,
            sh_entsize: 0,
        });
    }
    // Only the null symbol is local.
    w.write_symtab_section_header(1);
    w.write_strtab_section_header();
    w.write_shstrtab_section_header();
    Ok(buffer)
}
