//! Legacy U-Boot images (`mkimage -T kernel`): a 64-byte big-endian header, then
//! the payload, raw or gzip-compressed. QEMU's ppce500 tries this format when a
//! `-kernel`/`-bios` file is not an ELF (`load_uimage`): the payload is
//! decompressed to the header's load address and entered at its entry point.
//!
//! Unlike QEMU, both CRCs are checked, so a damaged image is reported instead of
//! booted.

use crate::ppce500::image::{Image, ImageProblem, Segment};
use std::io::Read;

/// `ih_magic`.
pub const MAGIC: u32 = 0x2705_1956;
/// Size of the header.
pub const HEADER_SIZE: usize = 64;
/// The most a compressed payload may expand to (QEMU's `UBOOT_MAX_GUNZIP_BYTES`).
pub const MAX_GUNZIP_BYTES: u64 = 64 << 20;

/// `ih_os`, `ih_arch`, `ih_type` and `ih_comp` values this loader knows.
mod value {
    pub const OS_LINUX: u8 = 5;
    pub const ARCH_PPC: u8 = 7;
    pub const TYPE_KERNEL: u8 = 2;
    pub const COMP_NONE: u8 = 0;
    pub const COMP_GZIP: u8 = 1;
}

/// The header fields a loader uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub size: u32,
    pub load: u32,
    pub entry: u32,
    pub data_crc: u32,
    pub os: u8,
    pub arch: u8,
    pub kind: u8,
    pub comp: u8,
    pub name: String,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Whether `data` starts with the uImage magic.
pub fn is_uimage(data: &[u8]) -> bool {
    data.len() >= 4 && be32(data, 0) == MAGIC
}

fn problem(text: impl Into<String>) -> ImageProblem {
    ImageProblem::Malformed(format!("uImage: {}", text.into()))
}

/// Parse and check the header.
pub fn header(data: &[u8]) -> Result<Header, ImageProblem> {
    if data.len() < HEADER_SIZE {
        return Err(ImageProblem::Truncated("the uImage header".into()));
    }
    let mut raw = [0u8; HEADER_SIZE];
    raw.copy_from_slice(&data[..HEADER_SIZE]);
    let header_crc = be32(&raw, 4);
    raw[4..8].fill(0);
    if crc32fast::hash(&raw) != header_crc {
        return Err(problem("header checksum mismatch (damaged image)"));
    }
    let name_bytes = &data[32..64];
    let name_len = name_bytes.iter().position(|&b| b == 0).unwrap_or(32);
    Ok(Header {
        size: be32(data, 12),
        load: be32(data, 16),
        entry: be32(data, 20),
        data_crc: be32(data, 24),
        os: data[28],
        arch: data[29],
        kind: data[30],
        comp: data[31],
        name: String::from_utf8_lossy(&name_bytes[..name_len]).into_owned(),
    })
}

/// Parse a whole uImage into the one segment it loads.
pub fn parse(data: &[u8]) -> Result<Image, ImageProblem> {
    let h = header(data)?;
    if h.arch != value::ARCH_PPC {
        return Err(problem(format!(
            "architecture {} is not PowerPC ({})",
            h.arch,
            value::ARCH_PPC
        )));
    }
    if h.kind != value::TYPE_KERNEL {
        return Err(problem(format!(
            "image type {} is not a kernel ({}); ramdisks go to --initrd as plain files",
            h.kind,
            value::TYPE_KERNEL
        )));
    }
    if h.os != value::OS_LINUX {
        tracing::debug!(os = h.os, "uImage for an OS other than Linux");
    }
    let payload = data
        .get(HEADER_SIZE..HEADER_SIZE + h.size as usize)
        .ok_or_else(|| ImageProblem::Truncated(format!("the uImage payload ({} bytes)", h.size)))?;
    if crc32fast::hash(payload) != h.data_crc {
        return Err(problem("payload checksum mismatch (damaged image)"));
    }
    let bytes = match h.comp {
        value::COMP_NONE => payload.to_vec(),
        value::COMP_GZIP => gunzip(payload)?,
        other => {
            return Err(problem(format!(
                "compression {other} is not supported (none or gzip)"
            )))
        }
    };
    let size = bytes.len() as u64;
    Ok(Image {
        segments: vec![Segment {
            index: 0,
            paddr: h.load as u64,
            data: bytes,
            mem_size: size,
        }],
        entry: h.entry,
        load_addr: h.load as u64,
        payload_size: size,
    })
}

fn gunzip(payload: &[u8]) -> Result<Vec<u8>, ImageProblem> {
    let mut out = Vec::new();
    let mut decoder = flate2::read::GzDecoder::new(payload).take(MAX_GUNZIP_BYTES + 1);
    decoder
        .read_to_end(&mut out)
        .map_err(|e| problem(format!("gzip payload: {e}")))?;
    if out.len() as u64 > MAX_GUNZIP_BYTES {
        return Err(problem(format!(
            "the payload expands to more than {} MiB",
            MAX_GUNZIP_BYTES >> 20
        )));
    }
    Ok(out)
}

/// Build a uImage around `payload` (tests, and tools that make test images).
pub fn build(payload: &[u8], gzip: bool, load: u32, entry: u32, name: &str) -> Vec<u8> {
    use std::io::Write;
    let body = if gzip {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(payload).expect("writing to a Vec cannot fail");
        e.finish().expect("writing to a Vec cannot fail")
    } else {
        payload.to_vec()
    };
    let mut h = [0u8; HEADER_SIZE];
    h[0..4].copy_from_slice(&MAGIC.to_be_bytes());
    h[12..16].copy_from_slice(&(body.len() as u32).to_be_bytes());
    h[16..20].copy_from_slice(&load.to_be_bytes());
    h[20..24].copy_from_slice(&entry.to_be_bytes());
    h[24..28].copy_from_slice(&crc32fast::hash(&body).to_be_bytes());
    h[28] = value::OS_LINUX;
    h[29] = value::ARCH_PPC;
    h[30] = value::TYPE_KERNEL;
    h[31] = if gzip {
        value::COMP_GZIP
    } else {
        value::COMP_NONE
    };
    let n = name.len().min(31);
    h[32..32 + n].copy_from_slice(&name.as_bytes()[..n]);
    let crc = crc32fast::hash(&h);
    h[4..8].copy_from_slice(&crc.to_be_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_and_raw_images_load_at_their_address() {
        let payload: Vec<u8> = (0..10_000u32).flat_map(|i| i.to_be_bytes()).collect();
        for gzip in [false, true] {
            let image = parse(&build(&payload, gzip, 0x10_0000, 0x10_0040, "t")).unwrap();
            assert_eq!(image.entry, 0x10_0040);
            assert_eq!(image.load_addr, 0x10_0000);
            assert_eq!(image.payload_size, payload.len() as u64);
            assert_eq!(image.segments[0].data, payload);
        }
    }

    #[test]
    fn damage_is_reported() {
        let good = build(b"kernel bytes", true, 0, 0, "t");
        let mut bad_header = good.clone();
        bad_header[17] ^= 1;
        assert!(parse(&bad_header)
            .unwrap_err()
            .to_string()
            .contains("header checksum"));
        let mut bad_data = good.clone();
        let last = bad_data.len() - 1;
        bad_data[last] ^= 1;
        assert!(parse(&bad_data)
            .unwrap_err()
            .to_string()
            .contains("payload checksum"));
        assert!(matches!(
            parse(&good[..good.len() - 3]),
            Err(ImageProblem::Truncated(_))
        ));
        assert!(matches!(
            parse(&good[..40]),
            Err(ImageProblem::Truncated(_))
        ));
    }

    #[test]
    fn a_gzip_bomb_is_refused() {
        let zeroes = vec![0u8; (MAX_GUNZIP_BYTES + 1) as usize];
        let image = build(&zeroes, true, 0, 0, "bomb");
        assert!(parse(&image).unwrap_err().to_string().contains("expands"));
    }
}
