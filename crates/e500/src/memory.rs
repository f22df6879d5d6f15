//! Guest physical memory: RAM owned by the core, everything else behind the [`Bus`].

/// What the run loop should do after a device access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusAction {
    /// Keep running.
    Continue,
    /// Finish the current instruction, then return from the run loop so the
    /// device model's owner can act (power-off, reset, ...).
    Exit,
}

/// The devices behind the core: every physical access outside RAM lands here.
///
/// Values are in the core's big-endian view: a 4-byte read returns the word as
/// the guest would see it on a big-endian page.
pub trait Bus {
    /// Read `size` (1, 2 or 4) bytes at physical address `pa`.
    fn read(&mut self, pa: u64, size: u8) -> u32;
    /// Write `size` (1, 2 or 4) bytes at physical address `pa`.
    fn write(&mut self, pa: u64, size: u8, value: u32) -> BusAction;
    /// Level of the core's external interrupt input.
    fn external_interrupt(&mut self) -> bool {
        false
    }
    /// The guest's time base (ticks since power-on) at the device access that
    /// follows, for devices that keep time (an RTC). Counted at the start of
    /// the current block.
    fn set_time(&mut self, _tb_ticks: u64) {}
    /// The core takes an external input interrupt. An interrupt controller in
    /// external proxy mode (CoreInt) acknowledges it here and returns the vector,
    /// which the core puts in EPR; otherwise `None` and the guest reads the
    /// controller's acknowledge register itself.
    fn acknowledge_external(&mut self) -> Option<u32> {
        None
    }
}

/// A bus with nothing on it: reads return 0, writes are ignored (QEMU's unassigned memory).
#[derive(Default)]
pub struct NoDevices;

impl Bus for NoDevices {
    fn read(&mut self, _pa: u64, _size: u8) -> u32 {
        0
    }
    fn write(&mut self, _pa: u64, _size: u8, _value: u32) -> BusAction {
        BusAction::Continue
    }
}

/// Guest RAM, at physical address 0.
pub struct Ram {
    bytes: Vec<u8>,
}

impl Ram {
    /// Zero-filled RAM of `size` bytes (pages are only touched when used).
    pub fn new(size: usize) -> Ram {
        Ram {
            bytes: vec![0; size],
        }
    }

    /// Size in bytes.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Whether the RAM is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Whether `[pa, pa+len)` lies within RAM.
    #[inline]
    pub fn contains(&self, pa: u64, len: u64) -> bool {
        pa.checked_add(len).is_some_and(|end| end <= self.len())
    }

    /// The bytes at `[pa, pa+len)`, if in RAM.
    pub fn slice(&self, pa: u64, len: usize) -> Option<&[u8]> {
        let start = usize::try_from(pa).ok()?;
        self.bytes.get(start..start.checked_add(len)?)
    }

    /// The bytes at `[pa, pa+len)` for writing, if in RAM.
    pub fn slice_mut(&mut self, pa: u64, len: usize) -> Option<&mut [u8]> {
        let start = usize::try_from(pa).ok()?;
        self.bytes.get_mut(start..start.checked_add(len)?)
    }

    #[inline]
    pub(crate) fn read_be<const N: usize>(&self, off: usize) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[off..off + N]);
        out
    }

    #[inline]
    pub(crate) fn write_be<const N: usize>(&mut self, off: usize, val: [u8; N]) {
        self.bytes[off..off + N].copy_from_slice(&val);
    }

    /// The host address of RAM's first byte (for compiled code; RAM never moves).
    pub(crate) fn host_base(&mut self) -> *mut u8 {
        self.bytes.as_mut_ptr()
    }

    /// Fill with zeroes (used by a machine reset before reloading images).
    pub fn clear(&mut self) {
        self.bytes.fill(0);
    }
}
