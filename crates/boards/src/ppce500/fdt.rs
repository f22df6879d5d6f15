//! The device tree the board hands the guest (r3 at entry): QEMU 7.2's ppce500
//! tree for one CPU and the default devices, node for node and property for
//! property, in QEMU's order (so `dtc -I dtb` prints the same text).
//!
//! Two choices differ from QEMU on purpose:
//! * `/chosen/rng-seed` holds fixed bytes ([`RNG_SEED`]) instead of fresh random
//!   ones, so that every run of a guest is the same run — what a debugger wants.
//!   A guest that uses the seed only gets less entropy, not a different layout.
//! * Only the first UART has a node: QEMU adds `serial@4600` only with a second
//!   `-serial`, which vmgdb does not offer.
//!
//! The blob is padded to [`DT_SIZE`] (QEMU's 1 MiB `FDT_MAX_SIZE` buffer, whose
//! size also decides the initial mapping), leaving the guest room to edit it.

use crate::ppce500::map::*;
use e500::Flavor;
use vm_fdt::FdtWriter;

/// Size of the blob as placed in RAM.
pub const DT_SIZE: u64 = 1 << 20;

/// The bytes of `/chosen/rng-seed`.
pub const RNG_SEED: [u8; 32] = *b"vmgdb: deterministic rng-seed.\0\0";

/// Phandles, as QEMU allocates them.
pub mod phandle {
    pub const MPIC: u32 = 0x8003;
    pub const MSI: u32 = 0x8004;
    pub const GPIO: u32 = 0x8005;
}

/// MPIC interrupt numbers of the devices (the wired ones as the MPIC numbers them).
mod irq {
    use crate::ppce500::mpic::source;
    /// The PCI controller's own (error) interrupt, which QEMU does not wire.
    pub const PCI: u32 = 24;
    pub const UART: u32 = source::UART as u32;
    pub const I2C: u32 = source::I2C as u32;
    pub const GPIO: u32 = source::GPIO as u32;
    /// Level-sensitive, active high (MPIC sense 2).
    pub const LEVEL: u32 = 2;
}

/// Path of the SoC node.
const SOC: &str = "/soc@fe0000000";

/// What the tree depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceTreeConfig {
    pub ram_size: u64,
    pub flavor: Flavor,
    /// `(base, size)` of the kernel given with `-kernel` (the payload itself, or
    /// raw bytes beside `-bios`): QEMU announces it in `/chosen/qemu,boot-kernel`
    /// (U-Boot then boots it).
    pub boot_kernel: Option<(u64, u64)>,
    /// `(base, size)` of the initrd (`/chosen/linux,initrd-start` and `-end`).
    pub initrd: Option<(u64, u64)>,
    /// The kernel command line (`-append`), `/chosen/bootargs`.
    pub cmdline: String,
}

/// Building fails only on an invalid name or value (a bug caught by the tests).
type Result<T> = std::result::Result<T, vm_fdt::Error>;

fn hi(x: u64) -> u32 {
    (x >> 32) as u32
}

fn lo(x: u64) -> u32 {
    x as u32
}

/// Build the blob, padded to [`DT_SIZE`] bytes.
pub fn build(config: &DeviceTreeConfig) -> Result<Vec<u8>> {
    let mut fdt = FdtWriter::new()?;
    let root = fdt.begin_node("")?;
    fdt.property_string("compatible", "fsl,qemu-e500")?;
    fdt.property_string("model", "QEMU ppce500")?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_u32("#address-cells", 2)?;
    platform_bus(&mut fdt)?;
    pci(&mut fdt)?;
    soc(&mut fdt)?;
    aliases(&mut fdt)?;
    cpus(&mut fdt, config.flavor)?;
    chosen(&mut fdt, config)?;
    let memory = fdt.begin_node("memory")?;
    fdt.property_array_u64("reg", &[0, config.ram_size])?;
    fdt.property_string("device_type", "memory")?;
    fdt.end_node(memory)?;
    fdt.end_node(root)?;
    let mut blob = fdt.finish()?;
    pad(&mut blob);
    Ok(blob)
}

/// Grow the blob to [`DT_SIZE`], recording the free space in `totalsize`.
fn pad(blob: &mut Vec<u8>) {
    if (blob.len() as u64) < DT_SIZE {
        blob.resize(DT_SIZE as usize, 0);
        blob[4..8].copy_from_slice(&(DT_SIZE as u32).to_be_bytes());
    }
}

fn platform_bus(fdt: &mut FdtWriter) -> Result<()> {
    let node = fdt.begin_node(&format!("platform@{PLATFORM_BUS_BASE:x}"))?;
    fdt.property_u32("interrupt-parent", phandle::MPIC)?;
    fdt.property_array_u32(
        "ranges",
        &[
            0,
            hi(PLATFORM_BUS_BASE),
            lo(PLATFORM_BUS_BASE),
            PLATFORM_BUS_SIZE as u32,
        ],
    )?;
    fdt.property_u32("#address-cells", 1)?;
    fdt.property_u32("#size-cells", 1)?;
    fdt.property_string_list(
        "compatible",
        vec!["qemu,platform".into(), "simple-bus".into()],
    )?;
    fdt.end_node(node)
}

/// PCI slots with interrupt routing (QEMU's `pci_first_slot`..32).
const PCI_FIRST_SLOT: u32 = 1;
const PCI_SLOTS: u32 = 31;

/// `interrupt-map`: every slot's INTA..INTD to an MPIC source, rotated by slot.
fn pci_interrupt_map() -> Vec<u32> {
    let mut map = Vec::with_capacity((PCI_SLOTS * 4 * 7) as usize);
    for slot in PCI_FIRST_SLOT..PCI_FIRST_SLOT + PCI_SLOTS {
        for pin in 0..4 {
            let source = (slot + pin) % 4 + 1;
            map.extend_from_slice(&[slot << 11, 0, 0, pin + 1, phandle::MPIC, source, 1]);
        }
    }
    map
}

fn pci(fdt: &mut FdtWriter) -> Result<()> {
    let regs = CCSR_BASE + PCI_OFFSET;
    let node = fdt.begin_node(&format!("pci@{regs:x}"))?;
    fdt.property_u32("#address-cells", 3)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_u32("#interrupt-cells", 1)?;
    fdt.property_u32("clock-frequency", 66_666_666)?;
    fdt.property_array_u32("reg", &[hi(regs), lo(regs), 0, 0x1000])?;
    #[rustfmt::skip]
    fdt.property_array_u32("ranges", &[
        // 32-bit memory space: bus 0xE000_0000 → PCI_MMIO_BASE, 512 MiB.
        0x0200_0000, 0, lo(PCI_MMIO_BUS_BASE), hi(PCI_MMIO_BASE), lo(PCI_MMIO_BASE), 0, PCI_MMIO_SIZE as u32,
        // I/O space: bus 0 → PCI_PIO_BASE, 64 KiB.
        0x0100_0000, 0, 0, hi(PCI_PIO_BASE), lo(PCI_PIO_BASE), 0, PCI_PIO_SIZE as u32,
    ])?;
    fdt.property_u32("fsl,msi", phandle::MSI)?;
    fdt.property_array_u32("bus-range", &[0, 255])?;
    fdt.property_array_u32("interrupts", &[irq::PCI, irq::LEVEL])?;
    fdt.property_u32("interrupt-parent", phandle::MPIC)?;
    fdt.property_array_u32("interrupt-map", &pci_interrupt_map())?;
    fdt.property_array_u32("interrupt-map-mask", &[0xF800, 0, 0, 7])?;
    fdt.property_string("device_type", "pci")?;
    fdt.property_string("compatible", "fsl,mpc8540-pci")?;
    fdt.property_u32("cell-index", 0)?;
    fdt.end_node(node)
}

fn soc(fdt: &mut FdtWriter) -> Result<()> {
    let node = fdt.begin_node(&SOC[1..])?;
    fdt.property_u32("bus-frequency", 0)?;
    fdt.property_array_u32(
        "ranges",
        &[0, hi(CCSR_BASE), lo(CCSR_BASE), CCSR_SIZE as u32],
    )?;
    fdt.property_u32("#size-cells", 1)?;
    fdt.property_u32("#address-cells", 1)?;
    fdt.property_string_list(
        "compatible",
        vec!["fsl,mpc8544-immr".into(), "simple-bus".into()],
    )?;
    fdt.property_string("device_type", "soc")?;

    let power_off = fdt.begin_node("power-off")?;
    fdt.property_array_u32("gpios", &[phandle::GPIO, 0, 0])?;
    fdt.property_string("compatible", "gpio-poweroff")?;
    fdt.end_node(power_off)?;

    let gpio = fdt.begin_node(&format!("gpio@{GPIO_OFFSET:x}"))?;
    fdt.property_u32("linux,phandle", phandle::GPIO)?;
    fdt.property_phandle(phandle::GPIO)?;
    fdt.property_null("gpio-controller")?;
    fdt.property_u32("#gpio-cells", 2)?;
    fdt.property_u32("interrupt-parent", phandle::MPIC)?;
    fdt.property_array_u32("interrupts", &[irq::GPIO, irq::LEVEL])?;
    fdt.property_array_u32("reg", &[GPIO_OFFSET as u32, GPIO_SIZE as u32])?;
    fdt.property_string("compatible", "fsl,qoriq-gpio")?;
    fdt.end_node(gpio)?;

    let msi = fdt.begin_node(&format!("msi@{MSI_OFFSET:x}"))?;
    fdt.property_u32("linux,phandle", phandle::MSI)?;
    fdt.property_phandle(phandle::MSI)?;
    let msi_interrupts: Vec<u32> = (0xE0..0xE8).flat_map(|n| [n, 0]).collect();
    fdt.property_array_u32("interrupts", &msi_interrupts)?;
    fdt.property_u32("interrupt-parent", phandle::MPIC)?;
    fdt.property_array_u32("msi-available-ranges", &[0, 0x100])?;
    fdt.property_array_u32("reg", &[MSI_OFFSET as u32, 0x200])?;
    fdt.property_string("compatible", "fsl,mpic-msi")?;
    fdt.end_node(msi)?;

    let guts = fdt.begin_node(&format!("global-utilities@{GUTS_OFFSET:x}"))?;
    fdt.property_null("fsl,has-rstcr")?;
    fdt.property_array_u32("reg", &[GUTS_OFFSET as u32, GUTS_SIZE as u32])?;
    fdt.property_string("compatible", "fsl,mpc8544-guts")?;
    fdt.end_node(guts)?;

    let i2c = fdt.begin_node(&format!("i2c@{I2C_OFFSET:x}"))?;
    fdt.property_u32("interrupt-parent", phandle::MPIC)?;
    fdt.property_array_u32("interrupts", &[irq::I2C, irq::LEVEL])?;
    fdt.property_u32("cell-index", 0)?;
    fdt.property_array_u32("reg", &[I2C_OFFSET as u32, 0x14])?;
    fdt.property_string("compatible", "fsl-i2c")?;
    fdt.property_string("device_type", "i2c")?;
    let rtc = fdt.begin_node("rtc@68")?;
    fdt.property_u32("reg", 0x68)?;
    fdt.property_string("compatible", "pericom,pt7c4338")?;
    fdt.end_node(rtc)?;
    fdt.end_node(i2c)?;

    let serial = fdt.begin_node(&format!("serial@{UART0_OFFSET:x}"))?;
    fdt.property_u32("interrupt-parent", phandle::MPIC)?;
    fdt.property_array_u32("interrupts", &[irq::UART, irq::LEVEL])?;
    fdt.property_u32("clock-frequency", PLATFORM_CLOCK_HZ)?;
    fdt.property_u32("cell-index", 0)?;
    fdt.property_array_u32("reg", &[UART0_OFFSET as u32, 0x100])?;
    fdt.property_string("compatible", "ns16550")?;
    fdt.property_string("device_type", "serial")?;
    fdt.end_node(serial)?;

    let pic = fdt.begin_node(&format!("pic@{MPIC_OFFSET:x}"))?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_u32("linux,phandle", phandle::MPIC)?;
    fdt.property_phandle(phandle::MPIC)?;
    fdt.property_u32("#interrupt-cells", 2)?;
    fdt.property_u32("#address-cells", 0)?;
    fdt.property_array_u32("reg", &[MPIC_OFFSET as u32, MPIC_SIZE as u32])?;
    fdt.property_string("compatible", "fsl,mpic")?;
    fdt.property_string("device_type", "open-pic")?;
    fdt.end_node(pic)?;

    fdt.end_node(node)
}

/// Path of the console UART's node.
pub fn console_path() -> String {
    format!("{SOC}/serial@{UART0_OFFSET:x}")
}

fn aliases(fdt: &mut FdtWriter) -> Result<()> {
    let node = fdt.begin_node("aliases")?;
    fdt.property_string("pci0", &format!("/pci@{:x}", CCSR_BASE + PCI_OFFSET))?;
    // QEMU writes this alias relative, as "i2c/rtc@68".
    fdt.property_string("rtc", "i2c/rtc@68")?;
    fdt.property_string("i2c", &format!("{SOC}/i2c@{I2C_OFFSET:x}"))?;
    fdt.property_string("serial0", &console_path())?;
    fdt.end_node(node)
}

fn cpus(fdt: &mut FdtWriter, flavor: Flavor) -> Result<()> {
    let node = fdt.begin_node("cpus")?;
    fdt.property_u32("#size-cells", 0)?;
    fdt.property_u32("#address-cells", 1)?;
    let cpu = fdt.begin_node("PowerPC,8544@0")?;
    fdt.property_string("status", "okay")?;
    fdt.property_u32("bus-frequency", 0)?;
    fdt.property_u32("i-cache-size", 0x8000)?;
    fdt.property_u32("d-cache-size", 0x8000)?;
    fdt.property_u32("i-cache-line-size", flavor.cache_line())?;
    fdt.property_u32("d-cache-line-size", flavor.cache_line())?;
    fdt.property_u32("reg", 0)?;
    fdt.property_string("device_type", "cpu")?;
    fdt.property_u32("timebase-frequency", PLATFORM_CLOCK_HZ)?;
    fdt.property_u32("clock-frequency", PLATFORM_CLOCK_HZ)?;
    fdt.end_node(cpu)?;
    fdt.end_node(node)
}

fn chosen(fdt: &mut FdtWriter, config: &DeviceTreeConfig) -> Result<()> {
    let node = fdt.begin_node("chosen")?;
    fdt.property_string("stdout-path", &console_path())?;
    fdt.property_string("linux,stdout-path", &console_path())?;
    fdt.property("rng-seed", &RNG_SEED)?;
    fdt.property_string("bootargs", &config.cmdline)?;
    if let Some((base, size)) = config.boot_kernel {
        fdt.property_array_u32(
            "qemu,boot-kernel",
            &[hi(base), lo(base), hi(size), lo(size)],
        )?;
    }
    // QEMU's order (libfdt puts each new property first in this node's tail).
    if let Some((base, size)) = config.initrd {
        fdt.property_u32("linux,initrd-end", lo(base + size))?;
        fdt.property_u32("linux,initrd-start", lo(base))?;
    }
    fdt.end_node(node)
}

/// A device tree given with `--dtb`, prepared as QEMU's `load_device_tree`
/// does: the blob's buffer grows to `(size + 10000) * 2` bytes (room for the
/// guest to edit it), recorded in its `totalsize`. Nothing else changes.
pub fn from_file(mut blob: Vec<u8>) -> std::result::Result<Vec<u8>, String> {
    const MAGIC: u32 = 0xD00D_FEED;
    const HEADER: usize = 40;
    if blob.len() < HEADER {
        return Err("too short for a device tree blob".into());
    }
    let field =
        |at: usize| u32::from_be_bytes([blob[at], blob[at + 1], blob[at + 2], blob[at + 3]]);
    if field(0) != MAGIC {
        return Err("not a device tree blob (no d00dfeed magic)".into());
    }
    let total = field(4) as usize;
    if total < HEADER || total > blob.len() {
        return Err(format!(
            "header totalsize {total} does not match the file's {} bytes",
            blob.len()
        ));
    }
    for (name, at) in [("structure block", 8), ("strings block", 12)] {
        if field(at) as usize >= total {
            return Err(format!("{name} offset lies outside the blob"));
        }
    }
    let size = (blob.len() + 10_000) * 2;
    blob.resize(size, 0);
    blob[4..8].copy_from_slice(&(size as u32).to_be_bytes());
    Ok(blob)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line of a flattened tree: a node path, or a property with its value.
    #[derive(Debug, PartialEq, Eq)]
    enum Item {
        Node(String),
        Property(String, String, Vec<u8>),
    }

    fn be32(blob: &[u8], at: usize) -> u32 {
        u32::from_be_bytes(blob[at..at + 4].try_into().unwrap())
    }

    fn c_string(bytes: &[u8]) -> String {
        let end = bytes.iter().position(|&b| b == 0).unwrap();
        String::from_utf8(bytes[..end].to_vec()).unwrap()
    }

    /// Walk a blob's structure block, in order.
    fn flatten(blob: &[u8]) -> Vec<Item> {
        assert_eq!(be32(blob, 0), 0xD00D_FEED);
        let (structure, strings) = (be32(blob, 8) as usize, be32(blob, 12) as usize);
        let mut items = Vec::new();
        let mut path: Vec<String> = Vec::new();
        let mut at = structure;
        loop {
            let token = be32(blob, at);
            at += 4;
            match token {
                1 => {
                    let name = c_string(&blob[at..]);
                    at += (name.len() + 4) & !3;
                    path.push(name);
                    items.push(Item::Node(path.join("/")));
                }
                2 => {
                    path.pop();
                }
                3 => {
                    let (len, name) = (be32(blob, at) as usize, be32(blob, at + 4) as usize);
                    let value = blob[at + 8..at + 8 + len].to_vec();
                    at += (8 + len + 3) & !3;
                    let name = c_string(&blob[strings + name..]);
                    items.push(Item::Property(path.join("/"), name, value));
                }
                4 => {}
                9 => return items,
                other => panic!("bad token {other}"),
            }
        }
    }

    fn without_rng_seed(items: Vec<Item>) -> Vec<Item> {
        items
            .into_iter()
            .map(|item| match item {
                Item::Property(path, name, _) if name == "rng-seed" => {
                    Item::Property(path, name, vec![])
                }
                other => other,
            })
            .collect()
    }

    fn property<'a>(items: &'a [Item], path: &str, name: &str) -> Option<&'a [u8]> {
        items.iter().find_map(|item| match item {
            Item::Property(p, n, v) if p == path && n == name => Some(v.as_slice()),
            _ => None,
        })
    }

    #[test]
    fn initrd_and_command_line_match_qemu_7_2() {
        // qemu-system-ppc -M ppce500,dumpdtb=... -kernel bits.elf (0x5a80 bytes at
        // 1 MiB) -initrd (3,000,000 bytes) -append "console=ttyS0 foo=bar"
        let qemu = include_bytes!("../../testdata/qemu-7.2-kernel-initrd-append-e500v2-128m.dtb");
        let ours = build(&DeviceTreeConfig {
            ram_size: 128 << 20,
            flavor: Flavor::E500v2,
            boot_kernel: Some((0x10_0000, 0x5A80)),
            initrd: Some((0x400_0000, 3_000_000)),
            cmdline: "console=ttyS0 foo=bar".into(),
        })
        .unwrap();
        assert_eq!(
            without_rng_seed(flatten(&ours)),
            without_rng_seed(flatten(qemu))
        );
    }

    #[test]
    fn a_given_tree_gets_qemus_room_and_nothing_else() {
        let qemu = include_bytes!("../../testdata/qemu-7.2-kernel-initrd-append-e500v2-128m.dtb");
        let blob = from_file(qemu.to_vec()).unwrap();
        assert_eq!(blob.len(), (qemu.len() + 10_000) * 2);
        assert_eq!(flatten(&blob), flatten(qemu));
        assert!(from_file(vec![0; 100]).unwrap_err().contains("magic"));
        assert!(from_file(qemu[..20].to_vec()).is_err());
        let mut lying = qemu.to_vec();
        lying[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(from_file(lying).is_err());
    }

    #[test]
    fn kernel_tree_matches_qemu_7_2_node_for_node() {
        let qemu = include_bytes!("../../testdata/qemu-7.2-kernel-e500v2-128m.dtb");
        let ours = build(&DeviceTreeConfig {
            ram_size: 128 << 20,
            flavor: Flavor::E500v2,
            // The ELF QEMU was given: one 0x1ac-byte segment at 1 MiB.
            boot_kernel: Some((0x10_0000, 0x1AC)),
            initrd: None,
            cmdline: String::new(),
        })
        .unwrap();
        assert_eq!(
            without_rng_seed(flatten(&ours)),
            without_rng_seed(flatten(qemu))
        );
    }

    #[test]
    fn bios_tree_matches_qemu_7_2_node_for_node() {
        let qemu = include_bytes!("../../testdata/qemu-7.2-bios-e500mc-256m.dtb");
        let ours = build(&DeviceTreeConfig {
            ram_size: 256 << 20,
            flavor: Flavor::E500mc,
            boot_kernel: None,
            initrd: None,
            cmdline: String::new(),
        })
        .unwrap();
        assert_eq!(
            without_rng_seed(flatten(&ours)),
            without_rng_seed(flatten(qemu))
        );
    }

    #[test]
    fn key_properties() {
        let blob = build(&DeviceTreeConfig {
            ram_size: 512 << 20,
            flavor: Flavor::E500mc,
            boot_kernel: None,
            initrd: None,
            cmdline: String::new(),
        })
        .unwrap();
        assert_eq!(blob.len() as u64, DT_SIZE);
        assert_eq!(
            be32(&blob, 4) as u64,
            DT_SIZE,
            "totalsize covers the padding"
        );
        let items = flatten(&blob);
        let memory = property(&items, "/memory", "reg").unwrap();
        assert_eq!(memory, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0]);
        let cpu = "/cpus/PowerPC,8544@0";
        assert_eq!(
            property(&items, cpu, "clock-frequency"),
            Some(&400_000_000u32.to_be_bytes()[..])
        );
        assert_eq!(
            property(&items, cpu, "timebase-frequency"),
            Some(&400_000_000u32.to_be_bytes()[..])
        );
        assert_eq!(
            property(&items, cpu, "d-cache-line-size"),
            Some(&[0, 0, 0, 64][..])
        );
        assert_eq!(
            property(&items, "/soc@fe0000000", "ranges"),
            Some(&[0, 0, 0, 0, 0, 0, 0, 0xF, 0xE0, 0, 0, 0, 0, 0x10, 0, 0][..])
        );
        assert_eq!(
            property(&items, "/chosen", "stdout-path"),
            Some(&b"/soc@fe0000000/serial@4500\0"[..])
        );
        assert_eq!(property(&items, "/chosen", "rng-seed"), Some(&RNG_SEED[..]));
        assert_eq!(
            property(&items, "/chosen", "qemu,boot-kernel"),
            None,
            "only for -kernel"
        );
        assert!(items.contains(&Item::Node("/soc@fe0000000/gpio@ff000".into())));
        assert!(items.contains(&Item::Node("/soc@fe0000000/power-off".into())));
        assert!(!items
            .iter()
            .any(|i| matches!(i, Item::Node(n) if n.ends_with("serial@4600"))));
        let pci_ranges = property(&items, "/pci@fe0008000", "ranges").unwrap();
        assert_eq!(pci_ranges.len(), 2 * 7 * 4, "two ranges: memory and I/O");
    }

    #[test]
    fn e500v2_caches_have_32_byte_lines() {
        let blob = build(&DeviceTreeConfig {
            ram_size: 128 << 20,
            flavor: Flavor::E500v2,
            boot_kernel: Some((0x1_0000_0000, 0x2_0000_0010)),
            initrd: None,
            cmdline: String::new(),
        })
        .unwrap();
        let items = flatten(&blob);
        let cpu = "/cpus/PowerPC,8544@0";
        assert_eq!(
            property(&items, cpu, "i-cache-line-size"),
            Some(&[0, 0, 0, 32][..])
        );
        assert_eq!(
            property(&items, "/chosen", "qemu,boot-kernel"),
            Some(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x10][..])
        );
    }
}
