//! Machine state register bits (32-bit BookE view, mask = `1 << (63 - bit)`).

/// Guest state (e500mc, E.HV).
pub const GS: u32 = 0x1000_0000;
/// User cache-lock enable.
pub const UCLE: u32 = 0x0400_0000;
/// SPE APU available (e500v2).
pub const SPE: u32 = 0x0200_0000;
/// Wait enable (e500v2).
pub const WE: u32 = 0x0004_0000;
/// Critical interrupt enable.
pub const CE: u32 = 0x0002_0000;
/// External interrupt enable.
pub const EE: u32 = 0x0000_8000;
/// Problem (user) state.
pub const PR: u32 = 0x0000_4000;
/// Floating point available.
pub const FP: u32 = 0x0000_2000;
/// Machine check enable.
pub const ME: u32 = 0x0000_1000;
/// FP exception mode 0.
pub const FE0: u32 = 0x0000_0800;
/// User BTB lock enable (e500v2).
pub const UBLE: u32 = 0x0000_0400;
/// Debug interrupt enable.
pub const DE: u32 = 0x0000_0200;
/// FP exception mode 1.
pub const FE1: u32 = 0x0000_0100;
/// Instruction address space.
pub const IS: u32 = 0x0000_0020;
/// Data address space.
pub const DS: u32 = 0x0000_0010;
/// Performance monitor mark (e500mc).
pub const PMM: u32 = 0x0000_0004;
/// Recoverable interrupt (e500mc).
pub const RI: u32 = 0x0000_0002;

/// MSR bits whose change alters address translation or privilege.
pub const TRANSLATION: u32 = PR | IS | DS | GS;
