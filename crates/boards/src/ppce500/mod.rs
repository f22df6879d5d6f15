//! QEMU's `ppce500` machine (the generic e500 platform, `e500plat`): RAM at 0,
//! the MPC8544-style CCSR block at physical 0xF_E000_0000 with a console UART,
//! MPIC, PCI host bridge, GUTS and GPIO, a payload loaded the way QEMU's `-kernel`/`-bios` load
//! it, and QEMU's device tree. The same guest program prints the same console
//! output here as on `qemu-system-ppc -M ppce500`.

pub mod boot;
pub mod demo;
pub mod devices;
pub mod elf_writer;
pub mod fdt;
pub mod gpio;
pub mod guts;
pub mod i2c;
pub mod image;
pub mod machine;
pub mod map;
pub mod mpic;
pub mod pci;
pub mod rtc;
pub mod serial;
pub mod uart;
pub mod uimage;

pub use boot::BootLayout;
pub use devices::{BoardRequest, Devices};
pub use image::{Image, ImageError, ImageProblem};
pub use machine::{
    BootExtras, BootFile, BootImage, Event, ImageKind, Kicker, MachineError, Ppce500,
    Ppce500Config, RTC_TEST_BASE,
};
pub use serial::{Capture, InputQueue, SerialLine};
