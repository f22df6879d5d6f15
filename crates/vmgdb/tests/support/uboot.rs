//! Debian's qemu-ppce500 U-Boot rebuilt with symbols, for tests.
//!
//! [`uboot_symbols`] runs `scripts/uboot-symbols` once per test binary (the
//! script caches its build, so later runs take a fraction of a second) and reads
//! the `info.env` it leaves beside the ELF: the paths, and the facts that say
//! where U-Boot relocates itself for a given RAM size. See `docs/uboot.md`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// What `scripts/uboot-symbols` produced for the installed `u-boot-qemu`.
#[derive(Debug)]
pub struct UBootSymbols {
    /// Debian version of `u-boot-qemu`, e.g. `2023.01+dfsg-2+deb12u3`.
    pub version: String,
    /// The ELF as the build links it: symbols and DWARF.
    pub elf: PathBuf,
    /// The ELF with symbols that gdb-multiarch 13.1 loads (`elf` itself unless its
    /// `.PPC.EMB.apuinfo` had to be removed).
    pub gdb_elf: PathBuf,
    /// `elf` stripped the way Debian strips it: byte-identical to `debian_elf`.
    pub stripped_elf: PathBuf,
    /// Debian's `/usr/lib/u-boot/qemu-ppce500/uboot.elf`, what QEMU `-bios` boots.
    pub debian_elf: PathBuf,
    /// The patched source tree; DWARF file names are relative to it
    /// (GDB: `directory <src_dir>`).
    pub src_dir: PathBuf,
    /// `CONFIG_TEXT_BASE`: the link (and pre-relocation run) address.
    pub text_base: u64,
    /// `gd->mon_len`: `__bss_end - CONFIG_SYS_MONITOR_BASE`.
    pub mon_len: u64,
    /// `CONFIG_MAX_MEM_MAPPED`: RAM above this is not used for relocation.
    pub max_mem_mapped: u64,
    /// `relocaddr` is aligned down to this (64 KiB on E500, for IVPR).
    pub reloc_align: u64,
    /// Link address of `board_init_r`, the first function run after relocation.
    pub board_init_r: u64,
    /// The script's own table (`RELOC_OFF_<n>M`): (RAM size in MiB, reloc_off).
    pub recorded_reloc_offs: Vec<(u64, u64)>,
}

impl UBootSymbols {
    /// `gd->relocaddr` for a board with `ram_size` bytes of RAM at 0
    /// (common/board_f.c: `setup_dest_addr`, `reserve_uboot`).
    pub fn relocaddr(&self, ram_size: u64) -> u64 {
        let ram_top = ram_size.min(self.max_mem_mapped);
        ram_top.saturating_sub(self.mon_len) & !(self.reloc_align - 1)
    }

    /// `gd->reloc_off`: what relocation adds to every link address.
    pub fn reloc_off(&self, ram_size: u64) -> u64 {
        self.relocaddr(ram_size) - self.text_base
    }

    /// Where the code linked at `link_addr` runs after relocation.
    pub fn relocated(&self, link_addr: u64, ram_size: u64) -> u64 {
        link_addr + self.reloc_off(ram_size)
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run `scripts/uboot-symbols` (once per process) and read its `info.env`.
/// Panics with the script's output if it fails: the script installs what it
/// needs with apt-get and needs deb.debian.org the first time.
pub fn uboot_symbols() -> &'static UBootSymbols {
    static SYMBOLS: OnceLock<Result<UBootSymbols, String>> = OnceLock::new();
    match SYMBOLS.get_or_init(build) {
        Ok(symbols) => symbols,
        Err(e) => panic!("{e}"),
    }
}

fn build() -> Result<UBootSymbols, String> {
    let script = repo_root().join("scripts/uboot-symbols");
    let out = Command::new(&script)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}):\n{}{}",
            script.display(),
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let printed = stdout
        .lines()
        .last()
        .ok_or_else(|| format!("{} printed no path", script.display()))?;
    let dir = Path::new(printed)
        .parent()
        .ok_or_else(|| format!("{printed} has no parent directory"))?;
    let info_path = dir.join("info.env");
    let text = std::fs::read_to_string(&info_path)
        .map_err(|e| format!("cannot read {}: {e}", info_path.display()))?;
    let symbols = parse_info(&text)?;
    if symbols.gdb_elf != Path::new(printed) {
        return Err(format!(
            "the script printed {printed} but info.env names GDB_ELF={}",
            symbols.gdb_elf.display()
        ));
    }
    Ok(symbols)
}

/// Parse `info.env`: `KEY=VALUE` lines, `#` comments.
fn parse_info(text: &str) -> Result<UBootSymbols, String> {
    let values: HashMap<&str, &str> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .collect();
    let recorded_reloc_offs = values
        .iter()
        .filter_map(|(key, value)| {
            let mib = key.strip_prefix("RELOC_OFF_")?.strip_suffix('M')?;
            Some((mib.parse().ok()?, parse_hex(value).ok()?))
        })
        .collect();
    let get = |key: &str| {
        values
            .get(key)
            .copied()
            .ok_or_else(|| format!("info.env has no {key}"))
    };
    let hex = |key: &str| {
        let value = get(key)?;
        parse_hex(value).map_err(|e| format!("info.env {key}={value}: {e}"))
    };
    Ok(UBootSymbols {
        version: get("VERSION")?.to_owned(),
        elf: get("ELF")?.into(),
        gdb_elf: get("GDB_ELF")?.into(),
        stripped_elf: get("STRIPPED_ELF")?.into(),
        debian_elf: get("DEBIAN_ELF")?.into(),
        src_dir: get("SRC_DIR")?.into(),
        text_base: hex("TEXT_BASE")?,
        mon_len: hex("MON_LEN")?,
        max_mem_mapped: hex("MAX_MEM_MAPPED")?,
        reloc_align: hex("RELOC_ALIGN")?,
        board_init_r: hex("BOARD_INIT_R")?,
        recorded_reloc_offs,
    })
}

fn parse_hex(value: &str) -> Result<u64, std::num::ParseIntError> {
    u64::from_str_radix(value.strip_prefix("0x").unwrap_or(value), 16)
}
