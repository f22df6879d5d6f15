//! Any file given to `--kernel` or `--bios`: the loader either refuses it with an
//! error or boots it on the whole ppce500 board (devices, device tree, reset),
//! and whatever the image then does, nothing panics.
//!
//! The first byte picks the flavour, the payload kind and the RAM size; the rest
//! is the file. `scripts/fuzz boot_image` seeds the corpus with the test guests.

#![no_main]

use e500::Flavor;
use libfuzzer_sys::fuzz_target;
use vmgdb_boards::ppce500::{
    BootImage, Capture, Event, Image, ImageKind, InputQueue, Ppce500, Ppce500Config, SerialLine,
    RTC_TEST_BASE,
};

/// Guest instructions per boot.
const BUDGET: u64 = 200_000;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, file)) = data.split_first() else {
        return;
    };
    let Ok(image) = Image::parse(file) else {
        return;
    };
    let config = Ppce500Config {
        flavor: if flags & 1 != 0 {
            Flavor::E500mc
        } else {
            Flavor::E500v2
        },
        ram_size: [64 << 20, 128 << 20, 256 << 20, 32 << 20][(flags >> 2 & 3) as usize],
        payload: BootImage {
            path: "fuzz.elf".into(),
            kind: if flags & 2 != 0 {
                ImageKind::Bios
            } else {
                ImageKind::Kernel
            },
            image,
        },
        extras: Default::default(),
        rtc_base: RTC_TEST_BASE,
    };
    let input = InputQueue::new();
    input.push(b"help\r");
    let Ok(mut machine) = Ppce500::new(config, SerialLine::new(Capture::new(), input)) else {
        return;
    };
    // Each reset boots the image again; a few are enough to exercise it.
    for _ in 0..4 {
        match machine.run_for(BUDGET) {
            Event::ResetRequested(kind) => machine.handle_reset(kind),
            Event::Debug(_) => panic!("a debug exit with no debugger attached"),
            Event::PoweredOff | Event::Halted | Event::BudgetExhausted => break,
            Event::Interrupted => {}
        }
    }
});
