//! BookE interrupts: what each one is, which save/restore pair it uses, and its vector.

/// The save/restore register pair (and return instruction) an interrupt uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// SRR0/SRR1, `rfi`.
    Base,
    /// CSRR0/CSRR1, `rfci`.
    Critical,
    /// DSRR0/DSRR1, `rfdi` (e500mc debug level).
    DebugLevel,
    /// MCSRR0/MCSRR1, `rfmci`.
    MachineCheck,
}

/// An interrupt the core can take, named after its IVOR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupt {
    CriticalInput,
    MachineCheck,
    DataStorage,
    InstructionStorage,
    External,
    Alignment,
    Program,
    FpUnavailable,
    SystemCall,
    ApUnavailable,
    Decrementer,
    FixedInterval,
    Watchdog,
    DataTlbError,
    InstructionTlbError,
    Debug,
    /// SPE/embedded FP unavailable (e500v2, IVOR32).
    SpeUnavailable,
    /// Embedded floating-point data (e500v2, IVOR33).
    EfpData,
}

impl Interrupt {
    /// Index of the IVOR that holds this interrupt's vector offset.
    pub const fn ivor(self) -> usize {
        use Interrupt::*;
        match self {
            CriticalInput => 0,
            MachineCheck => 1,
            DataStorage => 2,
            InstructionStorage => 3,
            External => 4,
            Alignment => 5,
            Program => 6,
            FpUnavailable => 7,
            SystemCall => 8,
            ApUnavailable => 9,
            Decrementer => 10,
            FixedInterval => 11,
            Watchdog => 12,
            DataTlbError => 13,
            InstructionTlbError => 14,
            Debug => 15,
            SpeUnavailable => 32,
            EfpData => 33,
        }
    }

    /// Which save/restore pair the interrupt uses on a core whose debug interrupt is
    /// (`debug_level`) or is not of the debug level.
    pub const fn class(self, debug_level: bool) -> Class {
        use Interrupt::*;
        match self {
            CriticalInput | Watchdog => Class::Critical,
            Debug if debug_level => Class::DebugLevel,
            Debug => Class::Critical,
            MachineCheck => Class::MachineCheck,
            _ => Class::Base,
        }
    }
}

/// Exception syndrome register bits.
pub mod esr {
    /// Illegal instruction.
    pub const PIL: u32 = 0x0800_0000;
    /// Privileged instruction.
    pub const PPR: u32 = 0x0400_0000;
    /// Trap.
    pub const PTR: u32 = 0x0200_0000;
    /// Floating-point operation.
    pub const FP: u32 = 0x0100_0000;
    /// Store operation.
    pub const ST: u32 = 0x0080_0000;
    /// Byte-ordering (data storage on a little-endian page mismatch).
    pub const BO: u32 = 0x0002_0000;
    /// Unimplemented operation.
    pub const PUO: u32 = 0x0004_0000;
    /// SPE/EFP operation.
    pub const SPV: u32 = 0x0000_0080;
}
