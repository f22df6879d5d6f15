//! The one decode table: a 32-bit instruction word becomes an [`Insn`].
//!
//! Decoding happens once per instruction (the block cache keeps the result), so
//! the decoder precomputes what execution would otherwise recompute: rotate
//! masks, sign-extended displacements, split SPR numbers.

use crate::spr::Spr;

/// A general-purpose (or floating-point) register number, 0..=31.
pub type Reg = u8;

/// Integer arithmetic of the XO form (`add`, `subf`, ... with optional OE and Rc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Addc,
    Adde,
    Addme,
    Addze,
    Subf,
    Subfc,
    Subfe,
    Subfme,
    Subfze,
    Neg,
    Mullw,
    Mulhw,
    Mulhwu,
    Divw,
    Divwu,
}

/// Register-register logical and shift operations of the X form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicOp {
    And,
    Andc,
    Or,
    Orc,
    Xor,
    Nor,
    Nand,
    Eqv,
    Slw,
    Srw,
    Sraw,
}

/// Single-operand integer operations (`rA <- f(rS)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Extsb,
    Extsh,
    Cntlzw,
}

/// Condition-register logical operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrOp {
    And,
    Andc,
    Or,
    Orc,
    Xor,
    Nor,
    Nand,
    Eqv,
}

/// Width and interpretation of an integer load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadKind {
    /// `lbz`: byte, zero-extended.
    Byte,
    /// `lhz`: halfword, zero-extended.
    Half,
    /// `lha`: halfword, sign-extended.
    HalfAlgebraic,
    /// `lwz`.
    Word,
    /// `lhbrx`: byte-reversed halfword.
    HalfReversed,
    /// `lwbrx`: byte-reversed word.
    WordReversed,
}

/// Width of an integer store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    Byte,
    Half,
    Word,
    HalfReversed,
    WordReversed,
}

/// Floating-point load/store formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpMem {
    /// `lfs`/`stfs`: single in memory, double in the register.
    Single,
    /// `lfd`/`stfd`.
    Double,
    /// `stfiwx`: low word of the register, as an integer.
    IntWord,
}

/// Cache and cache-lock management instructions that need no data movement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheOp {
    Dcbf,
    Dcbst,
    Dcbt,
    Dcbtst,
    Dcba,
    Icbi,
    Icbt,
    Dcbtls,
    Dcbtstls,
    Dcblc,
    Icbtls,
    Icblc,
    /// Privileged: `dcbi`.
    Dcbi,
}

/// Floating-point arithmetic (primary opcodes 59 and 63).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpOp {
    Add,
    Sub,
    Mul,
    Div,
    Sqrt,
    Madd,
    Msub,
    Nmadd,
    Nmsub,
    Res,
    Rsqrte,
    Sel,
    Rsp,
    Ctiw,
    Ctiwz,
    Mr,
    Neg,
    Abs,
    Nabs,
}

/// Floating-point status and control register operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpscrOp {
    /// `mffs frt`.
    Mffs { frt: Reg },
    /// `mtfsf flm, frb`.
    Mtfsf { flm: u8, frb: Reg },
    /// `mtfsfi bf, u`.
    Mtfsfi { bf: u8, u: u8 },
    /// `mtfsb0 bt`.
    Mtfsb0 { bt: u8 },
    /// `mtfsb1 bt`.
    Mtfsb1 { bt: u8 },
    /// `mcrfs bf, bfa`.
    Mcrfs { bf: u8, bfa: u8 },
}

/// A decoded e500 instruction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Insn {
    // ---- integer arithmetic ----
    Addi {
        rt: Reg,
        ra: Reg,
        si: i16,
    },
    Addis {
        rt: Reg,
        ra: Reg,
        si: i16,
    },
    Addic {
        rt: Reg,
        ra: Reg,
        si: i16,
        rc: bool,
    },
    Subfic {
        rt: Reg,
        ra: Reg,
        si: i16,
    },
    Mulli {
        rt: Reg,
        ra: Reg,
        si: i16,
    },
    // ---- the commonest forms, decoded to variants of their own so that they
    // execute without a second dispatch ----
    /// `lwz rt,d(ra)`.
    Lwz {
        rt: Reg,
        ra: Reg,
        d: i16,
    },
    /// `lbz rt,d(ra)`.
    Lbz {
        rt: Reg,
        ra: Reg,
        d: i16,
    },
    /// `stw rs,d(ra)`.
    Stw {
        rs: Reg,
        ra: Reg,
        d: i16,
    },
    /// `stwu rs,d(ra)` (stack frames).
    Stwu {
        rs: Reg,
        ra: Reg,
        d: i16,
    },
    /// `lbzu rt,d(ra)` (string walks).
    Lbzu {
        rt: Reg,
        ra: Reg,
        d: i16,
    },
    /// `lwzx rt,ra,rb`.
    Lwzx {
        rt: Reg,
        ra: Reg,
        rb: Reg,
    },
    /// `lbzx rt,ra,rb`.
    Lbzx {
        rt: Reg,
        ra: Reg,
        rb: Reg,
    },
    /// `stwx rs,ra,rb`.
    Stwx {
        rs: Reg,
        ra: Reg,
        rb: Reg,
    },
    /// `stbx rs,ra,rb`.
    Stbx {
        rs: Reg,
        ra: Reg,
        rb: Reg,
    },
    /// `stb rs,d(ra)`.
    Stb {
        rs: Reg,
        ra: Reg,
        d: i16,
    },
    /// `or ra,rs,rb` without Rc (`mr` when rs = rb).
    Or {
        ra: Reg,
        rs: Reg,
        rb: Reg,
    },
    /// `and ra,rs,rb` without Rc.
    And {
        ra: Reg,
        rs: Reg,
        rb: Reg,
    },
    /// `xor ra,rs,rb` without Rc.
    Xor {
        ra: Reg,
        rs: Reg,
        rb: Reg,
    },
    /// `mflr rt`.
    Mflr {
        rt: Reg,
    },
    /// `mtlr rs`.
    Mtlr {
        rs: Reg,
    },
    /// `mfctr rt`.
    Mfctr {
        rt: Reg,
    },
    /// `mtctr rs`.
    Mtctr {
        rs: Reg,
    },
    /// `li rt,si` (`addi` with rA = 0).
    Li {
        rt: Reg,
        si: i16,
    },
    /// `lis rt,si` (`addis` with rA = 0).
    Lis {
        rt: Reg,
        si: i16,
    },
    /// `add` without OE or Rc.
    Add {
        rt: Reg,
        ra: Reg,
        rb: Reg,
    },
    /// `subf` without OE or Rc.
    Subf {
        rt: Reg,
        ra: Reg,
        rb: Reg,
    },
    Arith {
        op: ArithOp,
        rt: Reg,
        ra: Reg,
        rb: Reg,
        oe: bool,
        rc: bool,
    },
    // ---- logical, shifts, rotates ----
    Logic {
        op: LogicOp,
        ra: Reg,
        rs: Reg,
        rb: Reg,
        rc: bool,
    },
    Ori {
        ra: Reg,
        rs: Reg,
        ui: u16,
    },
    Oris {
        ra: Reg,
        rs: Reg,
        ui: u16,
    },
    Xori {
        ra: Reg,
        rs: Reg,
        ui: u16,
    },
    Xoris {
        ra: Reg,
        rs: Reg,
        ui: u16,
    },
    Andi {
        ra: Reg,
        rs: Reg,
        ui: u16,
    },
    Andis {
        ra: Reg,
        rs: Reg,
        ui: u16,
    },
    Unary {
        op: UnaryOp,
        ra: Reg,
        rs: Reg,
        rc: bool,
    },
    Srawi {
        ra: Reg,
        rs: Reg,
        sh: u8,
        rc: bool,
    },
    Rlwinm {
        ra: Reg,
        rs: Reg,
        sh: u8,
        mask: u32,
        rc: bool,
    },
    Rlwnm {
        ra: Reg,
        rs: Reg,
        rb: Reg,
        mask: u32,
        rc: bool,
    },
    Rlwimi {
        ra: Reg,
        rs: Reg,
        sh: u8,
        mask: u32,
        rc: bool,
    },
    // ---- compare, select ----
    Cmp {
        bf: u8,
        ra: Reg,
        rb: Reg,
    },
    Cmpl {
        bf: u8,
        ra: Reg,
        rb: Reg,
    },
    Cmpi {
        bf: u8,
        ra: Reg,
        si: i16,
    },
    Cmpli {
        bf: u8,
        ra: Reg,
        ui: u16,
    },
    Isel {
        rt: Reg,
        ra: Reg,
        rb: Reg,
        bc: u8,
    },
    // ---- condition register ----
    Cr {
        op: CrOp,
        bt: u8,
        ba: u8,
        bb: u8,
    },
    Mcrf {
        bf: u8,
        bfa: u8,
    },
    Mcrxr {
        bf: u8,
    },
    Mfcr {
        rt: Reg,
    },
    Mtcrf {
        rs: Reg,
        fxm: u8,
    },
    // ---- branches (displacements already sign-extended) ----
    B {
        disp: i32,
        aa: bool,
        lk: bool,
    },
    /// `bc` branching if CR bit `bi` is set (BO 011zy), relative, no link.
    Bt {
        bi: u8,
        disp: i16,
    },
    /// `bc` branching if CR bit `bi` is clear (BO 001zy), relative, no link.
    Bf {
        bi: u8,
        disp: i16,
    },
    /// `bdnz`: decrement CTR, branch if it is not zero (relative, no link).
    Bdnz {
        disp: i16,
    },
    Bc {
        bo: u8,
        bi: u8,
        disp: i32,
        aa: bool,
        lk: bool,
    },
    Bclr {
        bo: u8,
        bi: u8,
        lk: bool,
    },
    Bcctr {
        bo: u8,
        bi: u8,
        lk: bool,
    },
    // ---- integer loads and stores ----
    Load {
        kind: LoadKind,
        rt: Reg,
        ra: Reg,
        d: i16,
        update: bool,
    },
    LoadX {
        kind: LoadKind,
        rt: Reg,
        ra: Reg,
        rb: Reg,
        update: bool,
    },
    Store {
        kind: StoreKind,
        rs: Reg,
        ra: Reg,
        d: i16,
        update: bool,
    },
    StoreX {
        kind: StoreKind,
        rs: Reg,
        ra: Reg,
        rb: Reg,
        update: bool,
    },
    Lmw {
        rt: Reg,
        ra: Reg,
        d: i16,
    },
    Stmw {
        rs: Reg,
        ra: Reg,
        d: i16,
    },
    Lswi {
        rt: Reg,
        ra: Reg,
        nb: u8,
    },
    Lswx {
        rt: Reg,
        ra: Reg,
        rb: Reg,
    },
    Stswi {
        rs: Reg,
        ra: Reg,
        nb: u8,
    },
    Stswx {
        rs: Reg,
        ra: Reg,
        rb: Reg,
    },
    Lwarx {
        rt: Reg,
        ra: Reg,
        rb: Reg,
    },
    Stwcx {
        rs: Reg,
        ra: Reg,
        rb: Reg,
    },
    // ---- floating point (e500mc) ----
    FLoad {
        fmt: FpMem,
        frt: Reg,
        ra: Reg,
        d: i16,
        update: bool,
    },
    FLoadX {
        fmt: FpMem,
        frt: Reg,
        ra: Reg,
        rb: Reg,
        update: bool,
    },
    FStore {
        fmt: FpMem,
        frs: Reg,
        ra: Reg,
        d: i16,
        update: bool,
    },
    FStoreX {
        fmt: FpMem,
        frs: Reg,
        ra: Reg,
        rb: Reg,
        update: bool,
    },
    Fp {
        op: FpOp,
        single: bool,
        frt: Reg,
        fra: Reg,
        frb: Reg,
        frc: Reg,
        rc: bool,
    },
    Fcmp {
        ordered: bool,
        bf: u8,
        fra: Reg,
        frb: Reg,
    },
    Fpscr {
        op: FpscrOp,
        rc: bool,
    },
    // ---- storage control ----
    Sync,
    Isync,
    Mbar,
    Cache {
        op: CacheOp,
        ra: Reg,
        rb: Reg,
    },
    Dcbz {
        ra: Reg,
        rb: Reg,
    },
    Tlbwe,
    Tlbre,
    Tlbsx {
        ra: Reg,
        rb: Reg,
    },
    Tlbivax {
        ra: Reg,
        rb: Reg,
    },
    Tlbsync,
    /// `tlbilx T,RA,RB` (e500mc): T is the scope field.
    Tlbilx {
        t: u8,
        ra: Reg,
        rb: Reg,
    },
    // ---- processor control ----
    Sc,
    Rfi,
    Rfci,
    Rfdi,
    Rfmci,
    Mfmsr {
        rt: Reg,
    },
    Mtmsr {
        rs: Reg,
    },
    Wrtee {
        rs: Reg,
    },
    Wrteei {
        e: bool,
    },
    /// `mfspr` of an SPR some e500 has (whether this one has it is checked when
    /// executed); other SPR numbers decode as illegal.
    Mfspr {
        rt: Reg,
        spr: Spr,
    },
    /// `mtspr`, as `mfspr`.
    Mtspr {
        rs: Reg,
        spr: Spr,
    },
    /// `mftb` of a time-base register number other than TBL's and TBU's
    /// (an illegal instruction when executed).
    Mftb {
        rt: Reg,
        tbr: u16,
    },
    /// A user read of the time base: `mfspr`/`mftb` of TBL (268) or TBU (269),
    /// both user-readable on every e500, decoded apart so that polling loops
    /// (`udelay`, `get_ticks`) read the time base without the SPR dispatch.
    ReadTb {
        rt: Reg,
        upper: bool,
    },
    Mfpmr {
        rt: Reg,
        pmr: u16,
    },
    Mtpmr {
        rs: Reg,
        pmr: u16,
    },
    Tw {
        to: u8,
        ra: Reg,
        rb: Reg,
    },
    Twi {
        to: u8,
        ra: Reg,
        si: i16,
    },
    Wait,
    // ---- APUs vmgdb does not execute ----
    /// SPE / embedded floating point (primary opcode 4 on e500v2).
    Spe {
        word: u32,
    },
    /// Not an instruction of either flavour (includes the software-breakpoint word).
    Illegal {
        word: u32,
    },
    /// Not an instruction: the engine closes every decoded block with it, and
    /// executing it falls through to its own address (the one after the block).
    /// [`decode`] never returns it.
    EndOfBlock,
}

/// Mask with bits `mb..=me` set, in 32-bit big-endian bit numbering (wraps when mb > me).
pub const fn rotate_mask(mb: u32, me: u32) -> u32 {
    let begin = u32::MAX >> mb;
    let end = u32::MAX << (31 - me);
    if mb <= me {
        begin & end
    } else {
        begin | end
    }
}

#[inline]
fn rt(w: u32) -> Reg {
    ((w >> 21) & 31) as Reg
}
#[inline]
fn ra(w: u32) -> Reg {
    ((w >> 16) & 31) as Reg
}
#[inline]
fn rb(w: u32) -> Reg {
    ((w >> 11) & 31) as Reg
}
#[inline]
fn rcbit(w: u32) -> bool {
    w & 1 != 0
}
#[inline]
fn simm(w: u32) -> i16 {
    w as u16 as i16
}
#[inline]
fn uimm(w: u32) -> u16 {
    w as u16
}
/// The split SPR/TBR/PMR field, reassembled.
#[inline]
fn split10(w: u32) -> u16 {
    (((w >> 16) & 0x1f) | ((w >> 6) & 0x3e0)) as u16
}

/// Decode one instruction word. Never fails: anything unknown is [`Insn::Illegal`].
pub fn decode(w: u32) -> Insn {
    let insn = decode_fields(w);
    if insn.is_invalid_form() {
        Insn::Illegal { word: w }
    } else {
        insn
    }
}

fn decode_fields(w: u32) -> Insn {
    use Insn::*;
    let illegal = Illegal { word: w };
    match w >> 26 {
        3 => Twi {
            to: rt(w),
            ra: ra(w),
            si: simm(w),
        },
        4 => Spe { word: w },
        7 => Mulli {
            rt: rt(w),
            ra: ra(w),
            si: simm(w),
        },
        8 => Subfic {
            rt: rt(w),
            ra: ra(w),
            si: simm(w),
        },
        10 if w & 0x0060_0000 == 0 => Cmpli {
            bf: (w >> 23) as u8 & 7,
            ra: ra(w),
            ui: uimm(w),
        },
        11 if w & 0x0060_0000 == 0 => Cmpi {
            bf: (w >> 23) as u8 & 7,
            ra: ra(w),
            si: simm(w),
        },
        12 => Addic {
            rt: rt(w),
            ra: ra(w),
            si: simm(w),
            rc: false,
        },
        13 => Addic {
            rt: rt(w),
            ra: ra(w),
            si: simm(w),
            rc: true,
        },
        14 if ra(w) == 0 => Li {
            rt: rt(w),
            si: simm(w),
        },
        14 => Addi {
            rt: rt(w),
            ra: ra(w),
            si: simm(w),
        },
        15 if ra(w) == 0 => Lis {
            rt: rt(w),
            si: simm(w),
        },
        15 => Addis {
            rt: rt(w),
            ra: ra(w),
            si: simm(w),
        },
        16 => decode_bc(w),
        17 if w & 2 != 0 => Sc,
        18 => B {
            disp: (((w & 0x03ff_fffc) << 6) as i32) >> 6,
            aa: w & 2 != 0,
            lk: w & 1 != 0,
        },
        19 => decode_19(w),
        20 => Rlwimi {
            ra: ra(w),
            rs: rt(w),
            sh: rb(w),
            mask: rotate_mask((w >> 6) & 31, (w >> 1) & 31),
            rc: rcbit(w),
        },
        21 => Rlwinm {
            ra: ra(w),
            rs: rt(w),
            sh: rb(w),
            mask: rotate_mask((w >> 6) & 31, (w >> 1) & 31),
            rc: rcbit(w),
        },
        23 => Rlwnm {
            ra: ra(w),
            rs: rt(w),
            rb: rb(w),
            mask: rotate_mask((w >> 6) & 31, (w >> 1) & 31),
            rc: rcbit(w),
        },
        24 => Ori {
            ra: ra(w),
            rs: rt(w),
            ui: uimm(w),
        },
        25 => Oris {
            ra: ra(w),
            rs: rt(w),
            ui: uimm(w),
        },
        26 => Xori {
            ra: ra(w),
            rs: rt(w),
            ui: uimm(w),
        },
        27 => Xoris {
            ra: ra(w),
            rs: rt(w),
            ui: uimm(w),
        },
        28 => Andi {
            ra: ra(w),
            rs: rt(w),
            ui: uimm(w),
        },
        29 => Andis {
            ra: ra(w),
            rs: rt(w),
            ui: uimm(w),
        },
        31 => decode_31(w),
        32..=45 => decode_load_store_d(w),
        46 => Lmw {
            rt: rt(w),
            ra: ra(w),
            d: simm(w),
        },
        47 => Stmw {
            rs: rt(w),
            ra: ra(w),
            d: simm(w),
        },
        48..=55 => {
            let op = w >> 26;
            let fmt = if op & 2 == 0 {
                FpMem::Single
            } else {
                FpMem::Double
            };
            let update = op & 1 != 0;
            if op < 52 {
                FLoad {
                    fmt,
                    frt: rt(w),
                    ra: ra(w),
                    d: simm(w),
                    update,
                }
            } else {
                FStore {
                    fmt,
                    frs: rt(w),
                    ra: ra(w),
                    d: simm(w),
                    update,
                }
            }
        }
        59 => decode_fp_a(w, true).unwrap_or(illegal),
        63 => decode_63(w).unwrap_or(illegal),
        _ => illegal,
    }
}

/// `bc`: the commonest forms (on a CR bit, or `bdnz`, relative, no link) get
/// variants of their own; the branch-prediction hint bits of BO change nothing.
fn decode_bc(w: u32) -> Insn {
    let (bo, bi) = (rt(w), ra(w));
    let disp = (w & 0xfffc) as u16 as i16;
    if w & 3 == 0 {
        match bo {
            12..=15 => return Insn::Bt { bi, disp },
            4..=7 => return Insn::Bf { bi, disp },
            16 | 17 | 24 | 25 => return Insn::Bdnz { disp },
            _ => {}
        }
    }
    Insn::Bc {
        bo,
        bi,
        disp: disp as i32,
        aa: w & 2 != 0,
        lk: w & 1 != 0,
    }
}

fn decode_19(w: u32) -> Insn {
    use Insn::*;
    let bt = rt(w);
    let ba = ra(w);
    let bb = rb(w);
    let cr = |op| Cr { op, bt, ba, bb };
    match (w >> 1) & 0x3ff {
        0 => Mcrf {
            bf: (w >> 23) as u8 & 7,
            bfa: (w >> 18) as u8 & 7,
        },
        16 => Bclr {
            bo: bt,
            bi: ba,
            lk: w & 1 != 0,
        },
        33 => cr(CrOp::Nor),
        38 => Rfmci,
        39 => Rfdi,
        50 => Rfi,
        51 => Rfci,
        129 => cr(CrOp::Andc),
        150 => Isync,
        193 => cr(CrOp::Xor),
        225 => cr(CrOp::Nand),
        257 => cr(CrOp::And),
        289 => cr(CrOp::Eqv),
        417 => cr(CrOp::Orc),
        449 => cr(CrOp::Or),
        // bcctr that would decrement CTR is an invalid form.
        528 if bt & 4 != 0 => Bcctr {
            bo: bt,
            bi: ba,
            lk: w & 1 != 0,
        },
        _ => Illegal { word: w },
    }
}

fn decode_load_store_d(w: u32) -> Insn {
    use Insn::*;
    let op = w >> 26;
    let update = op & 1 != 0;
    let (t, a, d) = (rt(w), ra(w), simm(w));
    let load = |kind| Load {
        kind,
        rt: t,
        ra: a,
        d,
        update,
    };
    let store = |kind| Store {
        kind,
        rs: t,
        ra: a,
        d,
        update,
    };
    match op {
        32 => Lwz { rt: t, ra: a, d },
        34 => Lbz { rt: t, ra: a, d },
        36 => Stw { rs: t, ra: a, d },
        37 => Stwu { rs: t, ra: a, d },
        38 => Stb { rs: t, ra: a, d },
        33 => load(LoadKind::Word),
        35 => Lbzu { rt: t, ra: a, d },
        39 => store(StoreKind::Byte),
        40 | 41 => load(LoadKind::Half),
        42 | 43 => load(LoadKind::HalfAlgebraic),
        _ => store(StoreKind::Half),
    }
}

fn decode_31(w: u32) -> Insn {
    use Insn::*;
    let (t, a, b, rc) = (rt(w), ra(w), rb(w), rcbit(w));
    let xo = (w >> 1) & 0x3ff;
    // isel uses a 5-bit extended opcode; the CR bit number sits in the upper five bits.
    if xo & 0x1f == 15 {
        return Isel {
            rt: t,
            ra: a,
            rb: b,
            bc: ((w >> 6) & 31) as u8,
        };
    }
    let oe = w & 0x400 != 0;
    let arith = |op| match op {
        ArithOp::Add if !oe && !rc => Add {
            rt: t,
            ra: a,
            rb: b,
        },
        ArithOp::Subf if !oe && !rc => Subf {
            rt: t,
            ra: a,
            rb: b,
        },
        _ => Arith {
            op,
            rt: t,
            ra: a,
            rb: b,
            oe,
            rc,
        },
    };
    // XO-form arithmetic: 9-bit extended opcode with OE in bit 21.
    match xo & 0x1ff {
        8 => return arith(ArithOp::Subfc),
        10 => return arith(ArithOp::Addc),
        11 => return arith(ArithOp::Mulhwu),
        40 => return arith(ArithOp::Subf),
        75 => return arith(ArithOp::Mulhw),
        104 => return arith(ArithOp::Neg),
        136 => return arith(ArithOp::Subfe),
        138 => return arith(ArithOp::Adde),
        200 => return arith(ArithOp::Subfze),
        202 => return arith(ArithOp::Addze),
        232 => return arith(ArithOp::Subfme),
        234 => return arith(ArithOp::Addme),
        235 => return arith(ArithOp::Mullw),
        266 => return arith(ArithOp::Add),
        459 => return arith(ArithOp::Divwu),
        491 => return arith(ArithOp::Divw),
        _ => {}
    }
    let logic = |op| match op {
        LogicOp::Or if !rc => Or {
            ra: a,
            rs: t,
            rb: b,
        },
        LogicOp::And if !rc => And {
            ra: a,
            rs: t,
            rb: b,
        },
        LogicOp::Xor if !rc => Xor {
            ra: a,
            rs: t,
            rb: b,
        },
        _ => Logic {
            op,
            ra: a,
            rs: t,
            rb: b,
            rc,
        },
    };
    let loadx = |kind, update| LoadX {
        kind,
        rt: t,
        ra: a,
        rb: b,
        update,
    };
    let storex = |kind, update| StoreX {
        kind,
        rs: t,
        ra: a,
        rb: b,
        update,
    };
    let cache = |op| Cache { op, ra: a, rb: b };
    let fload = |fmt, update| FLoadX {
        fmt,
        frt: t,
        ra: a,
        rb: b,
        update,
    };
    let fstore = |fmt, update| FStoreX {
        fmt,
        frs: t,
        ra: a,
        rb: b,
        update,
    };
    match xo {
        0 if w & 0x0060_0000 == 0 => Cmp {
            bf: (w >> 23) as u8 & 7,
            ra: a,
            rb: b,
        },
        4 => Tw {
            to: t,
            ra: a,
            rb: b,
        },
        19 => Mfcr { rt: t },
        20 => Lwarx {
            rt: t,
            ra: a,
            rb: b,
        },
        22 => cache(CacheOp::Icbt),
        23 => Lwzx {
            rt: t,
            ra: a,
            rb: b,
        },
        24 => logic(LogicOp::Slw),
        26 => Unary {
            op: UnaryOp::Cntlzw,
            ra: a,
            rs: t,
            rc,
        },
        28 => logic(LogicOp::And),
        32 if w & 0x0060_0000 == 0 => Cmpl {
            bf: (w >> 23) as u8 & 7,
            ra: a,
            rb: b,
        },
        54 => cache(CacheOp::Dcbst),
        55 => loadx(LoadKind::Word, true),
        60 => logic(LogicOp::Andc),
        62 => Wait,
        83 => Mfmsr { rt: t },
        86 => cache(CacheOp::Dcbf),
        87 => Lbzx {
            rt: t,
            ra: a,
            rb: b,
        },
        119 => loadx(LoadKind::Byte, true),
        124 => logic(LogicOp::Nor),
        131 => Wrtee { rs: t },
        134 => cache(CacheOp::Dcbtstls),
        144 => Mtcrf {
            rs: t,
            fxm: ((w >> 12) & 0xff) as u8,
        },
        146 => Mtmsr { rs: t },
        150 if rc => Stwcx {
            rs: t,
            ra: a,
            rb: b,
        },
        151 => Stwx {
            rs: t,
            ra: a,
            rb: b,
        },
        163 => Wrteei { e: w & 0x8000 != 0 },
        166 => cache(CacheOp::Dcbtls),
        183 => storex(StoreKind::Word, true),
        215 => Stbx {
            rs: t,
            ra: a,
            rb: b,
        },
        230 => cache(CacheOp::Icblc),
        246 => cache(CacheOp::Dcbtst),
        247 => storex(StoreKind::Byte, true),
        278 => cache(CacheOp::Dcbt),
        279 => loadx(LoadKind::Half, false),
        284 => logic(LogicOp::Eqv),
        311 => loadx(LoadKind::Half, true),
        316 => logic(LogicOp::Xor),
        334 => Mfpmr {
            rt: t,
            pmr: split10(w),
        },
        339 => match Spr::from_any(split10(w)) {
            Some(Spr::Lr) => Mflr { rt: t },
            Some(Spr::Ctr) => Mfctr { rt: t },
            Some(Spr::Tbl) => ReadTb {
                rt: t,
                upper: false,
            },
            Some(Spr::Tbu) => ReadTb { rt: t, upper: true },
            Some(spr) => Mfspr { rt: t, spr },
            None => Illegal { word: w },
        },
        343 => loadx(LoadKind::HalfAlgebraic, false),
        371 => match split10(w) {
            268 => ReadTb {
                rt: t,
                upper: false,
            },
            269 => ReadTb { rt: t, upper: true },
            tbr => Mftb { rt: t, tbr },
        },
        375 => loadx(LoadKind::HalfAlgebraic, true),
        390 => cache(CacheOp::Dcblc),
        407 => storex(StoreKind::Half, false),
        412 => logic(LogicOp::Orc),
        439 => storex(StoreKind::Half, true),
        444 => logic(LogicOp::Or),
        462 => Mtpmr {
            rs: t,
            pmr: split10(w),
        },
        467 => match Spr::from_any(split10(w)) {
            Some(Spr::Lr) => Mtlr { rs: t },
            Some(Spr::Ctr) => Mtctr { rs: t },
            Some(spr) => Mtspr { rs: t, spr },
            None => Illegal { word: w },
        },
        470 => cache(CacheOp::Dcbi),
        476 => logic(LogicOp::Nand),
        486 => cache(CacheOp::Icbtls),
        512 => Mcrxr {
            bf: (w >> 23) as u8 & 7,
        },
        533 => Lswx {
            rt: t,
            ra: a,
            rb: b,
        },
        534 => loadx(LoadKind::WordReversed, false),
        535 => fload(FpMem::Single, false),
        536 => logic(LogicOp::Srw),
        566 => Tlbsync,
        567 => fload(FpMem::Single, true),
        597 => Lswi {
            rt: t,
            ra: a,
            nb: b,
        },
        598 => Sync,
        599 => fload(FpMem::Double, false),
        631 => fload(FpMem::Double, true),
        661 => Stswx {
            rs: t,
            ra: a,
            rb: b,
        },
        662 => storex(StoreKind::WordReversed, false),
        663 => fstore(FpMem::Single, false),
        695 => fstore(FpMem::Single, true),
        725 => Stswi {
            rs: t,
            ra: a,
            nb: b,
        },
        727 => fstore(FpMem::Double, false),
        758 => cache(CacheOp::Dcba),
        759 => fstore(FpMem::Double, true),
        18 => Tlbilx {
            t: (w >> 21) as u8 & 3,
            ra: a,
            rb: b,
        },
        786 => Tlbivax { ra: a, rb: b },
        790 => loadx(LoadKind::HalfReversed, false),
        792 => logic(LogicOp::Sraw),
        824 => Srawi {
            ra: a,
            rs: t,
            sh: b,
            rc,
        },
        854 => Mbar,
        914 => Tlbsx { ra: a, rb: b },
        918 => storex(StoreKind::HalfReversed, false),
        922 => Unary {
            op: UnaryOp::Extsh,
            ra: a,
            rs: t,
            rc,
        },
        946 => Tlbre,
        954 => Unary {
            op: UnaryOp::Extsb,
            ra: a,
            rs: t,
            rc,
        },
        978 => Tlbwe,
        982 => cache(CacheOp::Icbi),
        983 => fstore(FpMem::IntWord, false),
        1014 => Dcbz { ra: a, rb: b },
        _ => Illegal { word: w },
    }
}

/// A-form floating-point arithmetic shared by opcodes 59 (single) and 63 (double).
fn decode_fp_a(w: u32, single: bool) -> Option<Insn> {
    let (frt, fra, frb, frc) = (rt(w), ra(w), rb(w), ((w >> 6) & 31) as Reg);
    let op = match (w >> 1) & 31 {
        18 => FpOp::Div,
        20 => FpOp::Sub,
        21 => FpOp::Add,
        22 => FpOp::Sqrt,
        23 if !single => FpOp::Sel,
        24 if single => FpOp::Res,
        25 => FpOp::Mul,
        26 if !single => FpOp::Rsqrte,
        28 => FpOp::Msub,
        29 => FpOp::Madd,
        30 => FpOp::Nmsub,
        31 => FpOp::Nmadd,
        _ => return None,
    };
    Some(Insn::Fp {
        op,
        single,
        frt,
        fra,
        frb,
        frc,
        rc: rcbit(w),
    })
}

fn decode_63(w: u32) -> Option<Insn> {
    if (w >> 1) & 0x10 != 0 {
        return decode_fp_a(w, false);
    }
    let (frt, fra, frb, rc) = (rt(w), ra(w), rb(w), rcbit(w));
    let unary = |op| Insn::Fp {
        op,
        single: false,
        frt,
        fra: 0,
        frb,
        frc: 0,
        rc,
    };
    let fpscr = |op| Insn::Fpscr { op, rc };
    Some(match (w >> 1) & 0x3ff {
        0 => Insn::Fcmp {
            ordered: false,
            bf: (w >> 23) as u8 & 7,
            fra,
            frb,
        },
        12 => unary(FpOp::Rsp),
        14 => unary(FpOp::Ctiw),
        15 => unary(FpOp::Ctiwz),
        32 => Insn::Fcmp {
            ordered: true,
            bf: (w >> 23) as u8 & 7,
            fra,
            frb,
        },
        38 => fpscr(FpscrOp::Mtfsb1 { bt: frt }),
        40 => unary(FpOp::Neg),
        64 => fpscr(FpscrOp::Mcrfs {
            bf: (w >> 23) as u8 & 7,
            bfa: (w >> 18) as u8 & 7,
        }),
        70 => fpscr(FpscrOp::Mtfsb0 { bt: frt }),
        72 => unary(FpOp::Mr),
        134 => fpscr(FpscrOp::Mtfsfi {
            bf: (w >> 23) as u8 & 7,
            u: ((w >> 12) & 15) as u8,
        }),
        136 => unary(FpOp::Nabs),
        264 => unary(FpOp::Abs),
        583 => fpscr(FpscrOp::Mffs { frt }),
        711 => fpscr(FpscrOp::Mtfsf {
            flm: ((w >> 17) & 0xff) as u8,
            frb,
        }),
        _ => return None,
    })
}

impl Insn {
    /// Update forms with rA = 0, or loads with rA = rT: invalid forms, which the
    /// core treats as illegal instructions (as QEMU does).
    fn is_invalid_form(&self) -> bool {
        use Insn::*;
        match *self {
            Load {
                rt,
                ra,
                update: true,
                ..
            }
            | LoadX {
                rt,
                ra,
                update: true,
                ..
            }
            | Lbzu { rt, ra, .. } => ra == 0 || ra == rt,
            Stwu { ra, .. }
            | Store {
                ra, update: true, ..
            }
            | StoreX {
                ra, update: true, ..
            }
            | FLoad {
                ra, update: true, ..
            }
            | FLoadX {
                ra, update: true, ..
            }
            | FStore {
                ra, update: true, ..
            }
            | FStoreX {
                ra, update: true, ..
            } => ra == 0,
            _ => false,
        }
    }

    /// Whether a decoded block must end after this instruction: it may change the
    /// program flow, the translation context, the interrupt state or the timers.
    pub fn ends_block(&self) -> bool {
        use Insn::*;
        matches!(
            self,
            B { .. }
                | Bt { .. }
                | Bf { .. }
                | Bdnz { .. }
                | Bc { .. }
                | Bclr { .. }
                | Bcctr { .. }
                | Sc
                | Rfi
                | Rfci
                | Rfdi
                | Rfmci
                | Mtmsr { .. }
                | Wrtee { .. }
                | Wrteei { .. }
                | Mtspr { .. }
                | Isync
                | Tlbwe
                | Tlbivax { .. }
                | Tlbilx { .. }
                | Wait
                | Tw { .. }
                | Twi { .. }
                | Illegal { .. }
                | Spe { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoded_instructions_stay_small() {
        // The engine walks arrays of these: keep them to three words.
        assert!(
            std::mem::size_of::<Insn>() <= 12,
            "{}",
            std::mem::size_of::<Insn>()
        );
    }

    #[test]
    fn masks() {
        assert_eq!(rotate_mask(0, 31), 0xffff_ffff);
        assert_eq!(rotate_mask(16, 31), 0x0000_ffff);
        assert_eq!(rotate_mask(0, 0), 0x8000_0000);
        assert_eq!(rotate_mask(31, 0), 0x8000_0001);
        assert_eq!(rotate_mask(28, 3), 0xf000_000f);
    }

    #[test]
    fn decodes_common_words() {
        // addi r3,r3,1
        assert_eq!(
            decode(0x3863_0001),
            Insn::Addi {
                rt: 3,
                ra: 3,
                si: 1
            }
        );
        // bdnz -8, beq+ 8 (a hint bit in BO), bnel: the last is the general form
        assert_eq!(decode(0x4200_fff8), Insn::Bdnz { disp: -8 });
        assert_eq!(decode(0x41a2_0008), Insn::Bt { bi: 2, disp: 8 });
        assert_eq!(
            decode(0x4082_0009),
            Insn::Bc {
                bo: 4,
                bi: 2,
                disp: 8,
                aa: false,
                lk: true
            }
        );
        // li r3,5 is addi with rA = 0
        assert_eq!(decode(0x3860_0005), Insn::Li { rt: 3, si: 5 });
        // blr
        assert_eq!(
            decode(0x4e80_0020),
            Insn::Bclr {
                bo: 20,
                bi: 0,
                lk: false
            }
        );
        // mtspr 624, r3  (mtmas0)
        assert_eq!(
            decode(0x7c70_9ba6),
            Insn::Mtspr {
                rs: 3,
                spr: Spr::Mas0
            }
        );
        // An SPR no e500 has is an illegal instruction.
        assert_eq!(
            decode(crate::asm::mfspr(3, 1)),
            Insn::Mfspr {
                rt: 3,
                spr: Spr::Xer
            }
        );
        assert_eq!(
            decode(crate::asm::mfspr(3, 2)),
            Insn::Illegal {
                word: crate::asm::mfspr(3, 2)
            }
        );
        // the software-breakpoint word is illegal
        assert_eq!(decode(0x00dd_dd00), Insn::Illegal { word: 0x00dd_dd00 });
        // iseleq r3,r4,r5 (bc = 2)
        assert_eq!(
            decode(0x7c64_289e),
            Insn::Isel {
                rt: 3,
                ra: 4,
                rb: 5,
                bc: 2
            }
        );
        // b . (branch to self)
        assert_eq!(
            decode(0x4800_0000),
            Insn::B {
                disp: 0,
                aa: false,
                lk: false
            }
        );
        // b .-4
        assert_eq!(
            decode(0x4bff_fffc),
            Insn::B {
                disp: -4,
                aa: false,
                lk: false
            }
        );
    }
}
