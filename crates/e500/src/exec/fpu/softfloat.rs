//! IEEE 754 binary64 arithmetic in software, with results rounded to double or to
//! single precision, following the PowerPC conventions QEMU 7.2 implements:
//!
//! - NaNs: an operation returns its first NaN operand in the order FRA, FRB, FRC
//!   (quieted by setting the fraction's most significant bit); an invalid
//!   operation with no NaN operand returns the default NaN `0x7FF8_0000_0000_0000`.
//!   A NaN rounded to single precision keeps the top 23 bits of its fraction.
//! - Tininess is detected before rounding; with underflow disabled, underflow is
//!   signalled only for tiny results that are also inexact.
//! - With FPSCR[OE] or FPSCR[UE] set, an overflowing or underflowing result is
//!   delivered with its exponent adjusted by 1536 (double) or 192 (single), as the
//!   architecture specifies for enabled overflow and underflow.
//! - Single-precision operations take double-precision operands and round their
//!   exact result once, to single precision, delivering it in double format.
//!
//! Every function here is pure: operands and results are raw bit patterns, and the
//! exceptions an operation raises accumulate in [`Env::flags`].

/// Rounding direction (FPSCR[RN]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Round {
    NearestEven,
    TowardZero,
    Up,
    Down,
}

impl Round {
    /// The rounding direction FPSCR[RN] selects.
    pub(crate) fn from_rn(rn: u32) -> Round {
        match rn & 3 {
            0 => Round::NearestEven,
            1 => Round::TowardZero,
            2 => Round::Up,
            _ => Round::Down,
        }
    }
}

/// Precision an arithmetic result is rounded to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prec {
    Double,
    Single,
}

/// Exceptions raised by one operation, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Flags(u16);

impl Flags {
    pub(crate) const INEXACT: Flags = Flags(1 << 0);
    pub(crate) const UNDERFLOW: Flags = Flags(1 << 1);
    pub(crate) const OVERFLOW: Flags = Flags(1 << 2);
    pub(crate) const DIV_BY_ZERO: Flags = Flags(1 << 3);
    /// The delivered fraction was incremented by rounding (what FPSCR[FR] reports
    /// on hardware; QEMU 7.2 never sets FR, so the FPU does not use it).
    pub(crate) const ROUNDED_UP: Flags = Flags(1 << 4);
    /// Invalid: a signalling NaN operand.
    pub(crate) const VXSNAN: Flags = Flags(1 << 5);
    /// Invalid: infinity minus infinity.
    pub(crate) const VXISI: Flags = Flags(1 << 6);
    /// Invalid: infinity divided by infinity.
    pub(crate) const VXIDI: Flags = Flags(1 << 7);
    /// Invalid: zero divided by zero.
    pub(crate) const VXZDZ: Flags = Flags(1 << 8);
    /// Invalid: infinity times zero.
    pub(crate) const VXIMZ: Flags = Flags(1 << 9);
    /// Invalid: square root of a negative number.
    pub(crate) const VXSQRT: Flags = Flags(1 << 10);
    /// Invalid: conversion of a NaN, an infinity or an out-of-range value to an
    /// integer (raised by the caller of [`to_i32`]).
    pub(crate) const VXCVI: Flags = Flags(1 << 11);
    /// Any invalid-operation kind.
    pub(crate) const INVALID: Flags = Flags(
        Self::VXSNAN.0
            | Self::VXISI.0
            | Self::VXIDI.0
            | Self::VXZDZ.0
            | Self::VXIMZ.0
            | Self::VXSQRT.0
            | Self::VXCVI.0,
    );

    pub(crate) const fn empty() -> Flags {
        Flags(0)
    }

    /// Whether any flag of `other` is raised.
    pub(crate) const fn any(self, other: Flags) -> bool {
        self.0 & other.0 != 0
    }

    pub(crate) fn insert(&mut self, other: Flags) {
        self.0 |= other.0;
    }
}

impl std::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

/// The floating-point environment of one operation: the controls it reads and the
/// flags it raises.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Env {
    pub round: Round,
    /// FPSCR[OE]: deliver overflowing results with the exponent adjusted down.
    pub rebias_overflow: bool,
    /// FPSCR[UE]: deliver tiny results with the exponent adjusted up.
    pub rebias_underflow: bool,
    pub flags: Flags,
}

impl Env {
    pub(crate) fn new(round: Round) -> Env {
        Env {
            round,
            rebias_overflow: false,
            rebias_underflow: false,
            flags: Flags::empty(),
        }
    }

    fn raise(&mut self, f: Flags) {
        self.flags.insert(f);
    }
}

/// The default quiet NaN.
pub(crate) const DEFAULT_NAN: u64 = 0x7FF8_0000_0000_0000;
/// +1.0.
pub(crate) const ONE: u64 = 0x3FF0_0000_0000_0000;
/// +0.5.
pub(crate) const HALF: u64 = 0x3FE0_0000_0000_0000;
const SIGN: u64 = 1 << 63;

/// Parameters of a binary interchange format.
struct Format {
    frac_bits: u32,
    bias: i32,
    /// Biased exponent of infinities and NaNs.
    exp_max: i32,
    /// Exponent adjustment for enabled overflow and underflow.
    rebias: i32,
}

const DOUBLE: Format = Format {
    frac_bits: 52,
    bias: 1023,
    exp_max: 2047,
    rebias: 1536,
};

const SINGLE: Format = Format {
    frac_bits: 23,
    bias: 127,
    exp_max: 255,
    rebias: 192,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Zero,
    Normal,
    Inf,
    QNan,
    SNan,
}

/// A double operand taken apart. For `Normal`, the value is
/// `sig * 2^(exp - 63)` with bit 63 of `sig` set (denormals are normalised).
/// For NaNs, `sig` holds the 52-bit fraction shifted left by 11 (the quiet bit is
/// bit 62).
#[derive(Clone, Copy, Debug)]
struct Parts {
    class: Class,
    sign: bool,
    exp: i32,
    sig: u64,
}

impl Parts {
    fn is_nan(&self) -> bool {
        matches!(self.class, Class::QNan | Class::SNan)
    }

    fn special(class: Class, sign: bool) -> Parts {
        Parts {
            class,
            sign,
            exp: 0,
            sig: 0,
        }
    }

    fn default_nan() -> Parts {
        unpack(DEFAULT_NAN)
    }

    fn quieted(mut self) -> Parts {
        self.class = Class::QNan;
        self.sig |= 1 << 62;
        self
    }
}

fn unpack(bits: u64) -> Parts {
    let sign = bits & SIGN != 0;
    let exp = ((bits >> 52) & 0x7FF) as i32;
    let frac = bits & ((1 << 52) - 1);
    match exp {
        0 if frac == 0 => Parts::special(Class::Zero, sign),
        0 => {
            let lz = frac.leading_zeros();
            Parts {
                class: Class::Normal,
                sign,
                exp: -1011 - lz as i32,
                sig: frac << lz,
            }
        }
        0x7FF if frac == 0 => Parts::special(Class::Inf, sign),
        0x7FF => Parts {
            class: if frac & (1 << 51) != 0 {
                Class::QNan
            } else {
                Class::SNan
            },
            sign,
            exp: 0,
            sig: frac << 11,
        },
        _ => Parts {
            class: Class::Normal,
            sign,
            exp: exp - 1023,
            sig: 1 << 63 | frac << 11,
        },
    }
}

/// Whether `bits` is a signalling NaN.
pub(crate) fn is_snan(bits: u64) -> bool {
    unpack(bits).class == Class::SNan
}

/// Whether `bits` is any NaN.
pub(crate) fn is_nan(bits: u64) -> bool {
    unpack(bits).is_nan()
}

/// Shift right, ORing every bit shifted out into bit 0 ("jamming").
fn shr_jam64(x: u64, n: u32) -> u64 {
    match n {
        0 => x,
        1..=63 => x >> n | (x << (64 - n) != 0) as u64,
        _ => (x != 0) as u64,
    }
}

fn shr_jam128(x: u128, n: u32) -> u128 {
    match n {
        0 => x,
        1..=127 => x >> n | (x << (128 - n) != 0) as u128,
        _ => (x != 0) as u128,
    }
}

/// The top 64 bits of `x`, with the rest jammed into bit 0.
fn narrow_jam(x: u128) -> u64 {
    (x >> 64) as u64 | (x as u64 != 0) as u64
}

/// A result rounded to a format, before it is encoded.
#[derive(Clone, Copy, Debug)]
enum Rounded {
    Zero(bool),
    Inf(bool),
    /// NaN with its fraction (format width).
    Nan(bool, u64),
    /// Finite non-zero: biased exponent (0 for denormals; possibly out of range
    /// after an exponent adjustment) and fraction including the integer bit.
    Finite(bool, i32, u64),
}

/// Round `sig * 2^(exp - 63)` (bit 63 of `sig` set, lower bits may be jammed) to
/// `fmt`.
fn round_to(env: &mut Env, sign: bool, exp: i32, sig: u64, fmt: &Format) -> Rounded {
    let mut flags = Flags::empty();
    let r = round_with(env, &mut flags, sign, exp, sig, fmt);
    env.raise(flags);
    r
}

fn round_with(
    env: &Env,
    flags: &mut Flags,
    sign: bool,
    exp: i32,
    sig: u64,
    fmt: &Format,
) -> Rounded {
    let shift = 63 - fmt.frac_bits;
    let round_mask = (1u64 << shift) - 1;
    let half = 1u64 << (shift - 1);
    let lsb = 1u64 << shift;
    let round = env.round;
    let increment = |sig: u64| match round {
        Round::NearestEven if sig & (round_mask | lsb) == half => 0,
        Round::NearestEven => half,
        Round::TowardZero => 0,
        Round::Up if sign => 0,
        Round::Up => round_mask,
        Round::Down if sign => round_mask,
        Round::Down => 0,
    };
    // Round a normalised significand at the format's precision; returns the new
    // significand and whether the exponent must grow by one.
    let round_normal = |flags: &mut Flags, sig: u64| -> (u64, bool) {
        if sig & round_mask == 0 {
            return (sig, false);
        }
        flags.insert(Flags::INEXACT);
        let (sum, carry) = sig.overflowing_add(increment(sig));
        if carry || (sum & !round_mask) != (sig & !round_mask) {
            flags.insert(Flags::ROUNDED_UP);
        }
        if carry {
            ((sum >> 1 | 1 << 63) & !round_mask, true)
        } else {
            (sum & !round_mask, false)
        }
    };

    let mut biased = exp + fmt.bias;
    if biased > 0 {
        let (mut sig, carry) = round_normal(flags, sig);
        biased += carry as i32;
        if biased >= fmt.exp_max {
            flags.insert(Flags::OVERFLOW);
            if env.rebias_overflow {
                biased -= fmt.rebias;
            } else {
                flags.insert(Flags::INEXACT);
                let to_largest = match round {
                    Round::NearestEven => false,
                    Round::TowardZero => true,
                    Round::Up => sign,
                    Round::Down => !sign,
                };
                if !to_largest {
                    return Rounded::Inf(sign);
                }
                biased = fmt.exp_max - 1;
                sig = !round_mask;
            }
        }
        Rounded::Finite(sign, biased, sig >> shift)
    } else if env.rebias_underflow {
        flags.insert(Flags::UNDERFLOW);
        biased += fmt.rebias;
        let (sig, carry) = round_normal(flags, sig);
        Rounded::Finite(sign, biased + carry as i32, sig >> shift)
    } else {
        // Tiny before rounding: denormalise, then round at the denormal lsb.
        let mut sig = shr_jam64(sig, (1 - biased) as u32);
        if sig & round_mask != 0 {
            flags.insert(Flags::INEXACT | Flags::UNDERFLOW);
            let rounded = sig + increment(sig);
            if rounded & !round_mask != sig & !round_mask {
                flags.insert(Flags::ROUNDED_UP);
            }
            sig = rounded & !round_mask;
        }
        let biased = (sig >> 63) as i32;
        let frac = sig >> shift;
        if frac == 0 {
            Rounded::Zero(sign)
        } else {
            Rounded::Finite(sign, biased, frac)
        }
    }
}

fn round_parts(env: &mut Env, p: Parts, fmt: &Format) -> Rounded {
    match p.class {
        Class::Zero => Rounded::Zero(p.sign),
        Class::Inf => Rounded::Inf(p.sign),
        Class::QNan | Class::SNan => Rounded::Nan(p.sign, p.sig >> (63 - fmt.frac_bits)),
        Class::Normal => round_to(env, p.sign, p.exp, p.sig, fmt),
    }
}

fn encode_double(r: Rounded) -> u64 {
    let sign = |s: bool| (s as u64) << 63;
    match r {
        Rounded::Zero(s) => sign(s),
        Rounded::Inf(s) => sign(s) | 0x7FF0_0000_0000_0000,
        Rounded::Nan(s, frac) => sign(s) | 0x7FF0_0000_0000_0000 | frac,
        Rounded::Finite(s, e, frac) => {
            sign(s) | ((e as u64) & 0x7FF) << 52 | (frac & ((1 << 52) - 1))
        }
    }
}

/// A single-precision result delivered in double format (what the `...s`
/// arithmetic instructions write to their target).
fn encode_single_as_double(r: Rounded) -> u64 {
    match r {
        Rounded::Zero(_) | Rounded::Inf(_) => encode_double(r),
        Rounded::Nan(s, frac) => encode_double(Rounded::Nan(s, frac << 29)),
        Rounded::Finite(s, 0, 0) => encode_double(Rounded::Zero(s)),
        Rounded::Finite(s, 0, frac) => {
            // A single-precision denormal is a normal double.
            let lz = frac.leading_zeros();
            let e = 1023 - 149 + 63 - lz as i32;
            encode_double(Rounded::Finite(s, e, frac << lz >> 11))
        }
        Rounded::Finite(s, e, frac) => encode_double(Rounded::Finite(
            s,
            e + DOUBLE.bias - SINGLE.bias,
            (frac & ((1 << 23) - 1)) << 29,
        )),
    }
}

/// A single-precision result as a 32-bit pattern.
fn encode_single(r: Rounded) -> u32 {
    let sign = |s: bool| (s as u32) << 31;
    match r {
        Rounded::Zero(s) => sign(s),
        Rounded::Inf(s) => sign(s) | 0x7F80_0000,
        Rounded::Nan(s, frac) => sign(s) | 0x7F80_0000 | frac as u32,
        Rounded::Finite(s, e, frac) => {
            sign(s) | ((e as u32) & 0xFF) << 23 | (frac as u32 & 0x7F_FFFF)
        }
    }
}

fn pack(env: &mut Env, p: Parts, prec: Prec) -> u64 {
    match prec {
        Prec::Double => encode_double(round_parts(env, p, &DOUBLE)),
        Prec::Single => encode_single_as_double(round_parts(env, p, &SINGLE)),
    }
}

fn normal(sign: bool, exp: i32, sig: u64) -> Parts {
    Parts {
        class: Class::Normal,
        sign,
        exp,
        sig,
    }
}

/// The NaN a two-operand operation returns: `a` if it is a NaN, else `b`.
fn pick_nan(env: &mut Env, a: Parts, b: Parts) -> Parts {
    if a.class == Class::SNan || b.class == Class::SNan {
        env.raise(Flags::VXSNAN);
    }
    if a.is_nan() { a } else { b }.quieted()
}

/// A NaN operand passed through a one-operand operation.
fn return_nan(env: &mut Env, a: Parts) -> Parts {
    if a.class == Class::SNan {
        env.raise(Flags::VXSNAN);
    }
    a.quieted()
}

fn invalid(env: &mut Env, kind: Flags) -> Parts {
    env.raise(kind);
    Parts::default_nan()
}

/// Exact sum of two magnitudes `x * 2^(ex - 126)` and `y * 2^(ey - 126)`
/// (bit 126 of each set), as a normalised jammed significand and exponent.
fn add_magnitudes(x: u128, ex: i32, y: u128, ey: i32) -> (i32, u64) {
    let (x, y, e) = if ex >= ey {
        (x, shr_jam128(y, (ex - ey) as u32), ex)
    } else {
        (y, shr_jam128(x, (ey - ex) as u32), ey)
    };
    let s = x + y;
    if s >> 127 != 0 {
        (e + 1, narrow_jam(s))
    } else {
        (e, narrow_jam(s << 1))
    }
}

/// Exact difference of two magnitudes as in [`add_magnitudes`]: `None` when it
/// is zero, else whether the result is `y - x` (negated), its exponent and
/// normalised significand.
fn sub_magnitudes(x: u128, ex: i32, y: u128, ey: i32) -> Option<(bool, i32, u64)> {
    let (big, small, e, negated) = match (ex, x).cmp(&(ey, y)) {
        std::cmp::Ordering::Equal => return None,
        std::cmp::Ordering::Greater => (x, shr_jam128(y, (ex - ey) as u32), ex, false),
        std::cmp::Ordering::Less => (y, shr_jam128(x, (ey - ex) as u32), ey, true),
    };
    let d = big - small;
    let lz = d.leading_zeros();
    Some((negated, e - (lz as i32 - 1), narrow_jam(d << lz)))
}

/// Sign of an exact zero sum of operands of opposite signs.
fn zero_sum_sign(env: &Env) -> bool {
    env.round == Round::Down
}

/// `a + b`, or `a - b` if `subtract`.
pub(crate) fn add(env: &mut Env, a: u64, b: u64, subtract: bool, prec: Prec) -> u64 {
    let a = unpack(a);
    let b = unpack(b);
    if a.is_nan() || b.is_nan() {
        let nan = pick_nan(env, a, b);
        return pack(env, nan, prec);
    }
    let b_sign = b.sign ^ subtract;
    let r = match (a.class, b.class) {
        (Class::Inf, Class::Inf) if a.sign != b_sign => invalid(env, Flags::VXISI),
        (Class::Inf, _) => a,
        (_, Class::Inf) => Parts::special(Class::Inf, b_sign),
        (Class::Zero, Class::Zero) if a.sign != b_sign => {
            Parts::special(Class::Zero, zero_sum_sign(env))
        }
        (Class::Zero, Class::Zero) | (Class::Normal, Class::Zero) => a,
        (Class::Zero, _) => Parts { sign: b_sign, ..b },
        _ => {
            let x = (a.sig as u128) << 63;
            let y = (b.sig as u128) << 63;
            if a.sign == b_sign {
                let (e, sig) = add_magnitudes(x, a.exp, y, b.exp);
                normal(a.sign, e, sig)
            } else {
                match sub_magnitudes(x, a.exp, y, b.exp) {
                    None => Parts::special(Class::Zero, zero_sum_sign(env)),
                    Some((negated, e, sig)) => normal(a.sign ^ negated, e, sig),
                }
            }
        }
    };
    pack(env, r, prec)
}

/// The exact product of two normal operands: significand in `[2^126, 2^128)`
/// scaled by `2^(exp - 126)`.
fn multiply(a: &Parts, b: &Parts) -> (u128, i32) {
    ((a.sig as u128) * (b.sig as u128), a.exp + b.exp)
}

/// `a * b`.
pub(crate) fn mul(env: &mut Env, a: u64, b: u64, prec: Prec) -> u64 {
    let a = unpack(a);
    let b = unpack(b);
    let sign = a.sign ^ b.sign;
    let r = match (a.class, b.class) {
        (Class::Inf, Class::Zero) | (Class::Zero, Class::Inf) => invalid(env, Flags::VXIMZ),
        _ if a.is_nan() || b.is_nan() => pick_nan(env, a, b),
        (Class::Inf, _) | (_, Class::Inf) => Parts::special(Class::Inf, sign),
        (Class::Zero, _) | (_, Class::Zero) => Parts::special(Class::Zero, sign),
        _ => {
            let (p, e) = multiply(&a, &b);
            if p >> 127 != 0 {
                normal(sign, e + 1, narrow_jam(p))
            } else {
                normal(sign, e, narrow_jam(p << 1))
            }
        }
    };
    pack(env, r, prec)
}

/// `a / b`.
pub(crate) fn div(env: &mut Env, a: u64, b: u64, prec: Prec) -> u64 {
    let a = unpack(a);
    let b = unpack(b);
    let sign = a.sign ^ b.sign;
    let r = match (a.class, b.class) {
        (Class::Zero, Class::Zero) => invalid(env, Flags::VXZDZ),
        (Class::Inf, Class::Inf) => invalid(env, Flags::VXIDI),
        _ if a.is_nan() || b.is_nan() => pick_nan(env, a, b),
        (Class::Inf, _) | (Class::Zero, _) => Parts::special(a.class, sign),
        (_, Class::Inf) => Parts::special(Class::Zero, sign),
        (_, Class::Zero) => {
            env.raise(Flags::DIV_BY_ZERO);
            Parts::special(Class::Inf, sign)
        }
        _ => {
            // Quotient of significands in [1/2, 2): scale the dividend so that the
            // integer quotient has exactly 64 bits.
            let (n, e) = if a.sig >= b.sig {
                ((a.sig as u128) << 63, a.exp - b.exp)
            } else {
                ((a.sig as u128) << 64, a.exp - b.exp - 1)
            };
            let d = b.sig as u128;
            let q = (n / d) as u64;
            let sticky = (n % d != 0) as u64;
            normal(sign, e, q | sticky)
        }
    };
    pack(env, r, prec)
}

/// Integer square root of `n` and whether it was inexact.
fn isqrt(n: u128) -> (u64, bool) {
    let mut rem = n;
    let mut root: u128 = 0;
    let mut bit: u128 = 1 << 126;
    while bit > rem {
        bit >>= 2;
    }
    while bit != 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    (root as u64, rem != 0)
}

/// Square root of `a`.
pub(crate) fn sqrt(env: &mut Env, a: u64, prec: Prec) -> u64 {
    let a = unpack(a);
    let r = match a.class {
        Class::QNan | Class::SNan => return_nan(env, a),
        Class::Zero => a,
        _ if a.sign => invalid(env, Flags::VXSQRT),
        Class::Inf => a,
        Class::Normal => {
            // Make the exponent even; the root of sig * 2^63 (or 2^64) then has
            // exactly 64 bits.
            let (n, e) = if a.exp & 1 == 0 {
                ((a.sig as u128) << 63, a.exp >> 1)
            } else {
                ((a.sig as u128) << 64, (a.exp - 1) >> 1)
            };
            let (root, inexact) = isqrt(n);
            normal(false, e, root | inexact as u64)
        }
    };
    pack(env, r, prec)
}

/// Negations applied by the multiply-add family.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct MulAddNeg {
    /// Subtract the addend (`fmsub`, `fnmsub`).
    pub addend: bool,
    /// Negate the result, except a NaN (`fnmadd`, `fnmsub`).
    pub result: bool,
}

/// `a * c + b` with a single rounding (`fmadd frt, fra, frc, frb`).
pub(crate) fn mul_add(env: &mut Env, a: u64, c: u64, b: u64, neg: MulAddNeg, prec: Prec) -> u64 {
    let a = unpack(a);
    let c = unpack(c);
    let b = unpack(b);
    let inf_times_zero = matches!(
        (a.class, c.class),
        (Class::Inf, Class::Zero) | (Class::Zero, Class::Inf)
    );
    if a.is_nan() || b.is_nan() || c.is_nan() {
        if [a, b, c].iter().any(|p| p.class == Class::SNan) {
            env.raise(Flags::VXSNAN);
        }
        let nan = if inf_times_zero {
            // The NaN is the addend; the product is still an invalid operation.
            env.raise(Flags::VXIMZ);
            b
        } else if a.is_nan() {
            a
        } else if b.is_nan() {
            b
        } else {
            c
        };
        return pack(env, nan.quieted(), prec);
    }
    if inf_times_zero {
        let nan = invalid(env, Flags::VXIMZ);
        return pack(env, nan, prec);
    }
    let b_sign = b.sign ^ neg.addend;
    let p_sign = a.sign ^ c.sign;
    let r = match (a.class, c.class, b.class) {
        (Class::Inf, _, Class::Inf) | (_, Class::Inf, Class::Inf) if p_sign != b_sign => {
            let nan = invalid(env, Flags::VXISI);
            return pack(env, nan, prec);
        }
        (Class::Inf, _, _) | (_, Class::Inf, _) => Parts::special(Class::Inf, p_sign),
        (_, _, Class::Inf) => Parts::special(Class::Inf, b_sign),
        (Class::Zero, _, Class::Zero) | (_, Class::Zero, Class::Zero) => {
            let sign = if p_sign == b_sign {
                p_sign
            } else {
                zero_sum_sign(env)
            };
            Parts::special(Class::Zero, sign)
        }
        (Class::Zero, _, _) | (_, Class::Zero, _) => Parts { sign: b_sign, ..b },
        (_, _, Class::Zero) => {
            let (p, e) = multiply(&a, &c);
            if p >> 127 != 0 {
                normal(p_sign, e + 1, narrow_jam(p))
            } else {
                normal(p_sign, e, narrow_jam(p << 1))
            }
        }
        _ => {
            // Product and addend as magnitudes with bit 126 set (the product has
            // at most 106 significant bits, so halving it loses nothing).
            let (p, e) = multiply(&a, &c);
            let (x, ex) = if p >> 127 != 0 {
                (p >> 1, e + 1)
            } else {
                (p, e)
            };
            let y = (b.sig as u128) << 63;
            if p_sign == b_sign {
                let (e, sig) = add_magnitudes(x, ex, y, b.exp);
                normal(p_sign, e, sig)
            } else {
                match sub_magnitudes(x, ex, y, b.exp) {
                    None => Parts::special(Class::Zero, zero_sum_sign(env)),
                    Some((negated, e, sig)) => normal(p_sign ^ negated, e, sig),
                }
            }
        }
    };
    let r = Parts {
        sign: r.sign ^ neg.result,
        ..r
    };
    pack(env, r, prec)
}

/// Round a double to single precision (`frsp`), as a 32-bit pattern.
pub(crate) fn to_single(env: &mut Env, a: u64) -> u32 {
    let a = unpack(a);
    let a = if a.is_nan() { return_nan(env, a) } else { a };
    encode_single(round_parts(env, a, &SINGLE))
}

/// Outcome of a conversion to a 32-bit signed integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ToInt {
    /// In range; `inexact` if rounding changed the value.
    Value { value: i32, inexact: bool },
    /// A NaN operand (`snan`: a signalling one).
    Nan { snan: bool },
    /// Infinite or out of range: the saturated value.
    Saturated(i32),
}

/// Convert to a 32-bit signed integer, rounding in `round`.
pub(crate) fn to_i32(a: u64, round: Round) -> ToInt {
    let a = unpack(a);
    match a.class {
        Class::QNan => ToInt::Nan { snan: false },
        Class::SNan => ToInt::Nan { snan: true },
        Class::Inf if a.sign => ToInt::Saturated(i32::MIN),
        Class::Inf => ToInt::Saturated(i32::MAX),
        Class::Zero => ToInt::Value {
            value: 0,
            inexact: false,
        },
        Class::Normal => {
            // The magnitude as a 64.64 fixed-point number; anything at or above
            // 2^63 is out of range whatever the rounding.
            if a.exp >= 63 {
                return ToInt::Saturated(if a.sign { i32::MIN } else { i32::MAX });
            }
            let fixed = if a.exp >= 0 {
                (a.sig as u128) << (a.exp + 1)
            } else {
                shr_jam128((a.sig as u128) << 1, (-a.exp) as u32)
            };
            let int = (fixed >> 64) as u64;
            let frac = fixed as u64;
            let half = 1u64 << 63;
            let up = match round {
                Round::NearestEven => frac > half || (frac == half && int & 1 != 0),
                Round::TowardZero => false,
                Round::Up => !a.sign && frac != 0,
                Round::Down => a.sign && frac != 0,
            };
            let magnitude = int + up as u64;
            let limit = if a.sign { 1u64 << 31 } else { (1u64 << 31) - 1 };
            if magnitude > limit {
                return ToInt::Saturated(if a.sign { i32::MIN } else { i32::MAX });
            }
            let value = if a.sign {
                (magnitude as i64).wrapping_neg() as i32
            } else {
                magnitude as i32
            };
            ToInt::Value {
                value,
                inexact: frac != 0,
            }
        }
    }
}

/// Result of comparing two operands: the FPCC / CR field encoding.
pub(crate) mod cmp {
    pub const LT: u32 = 8;
    pub const GT: u32 = 4;
    pub const EQ: u32 = 2;
    pub const UNORDERED: u32 = 1;
}

/// Compare `a` with `b` (no exceptions: the caller inspects NaN operands).
pub(crate) fn compare(a: u64, b: u64) -> u32 {
    let (pa, pb) = (unpack(a), unpack(b));
    if pa.is_nan() || pb.is_nan() {
        return cmp::UNORDERED;
    }
    // Map to an order-preserving integer key (both zeros to 0).
    let key = |p: &Parts, bits: u64| -> i128 {
        if p.class == Class::Zero {
            0
        } else {
            let mag = (bits & !SIGN) as i128;
            if p.sign {
                -mag
            } else {
                mag
            }
        }
    };
    match key(&pa, a).cmp(&key(&pb, b)) {
        std::cmp::Ordering::Less => cmp::LT,
        std::cmp::Ordering::Greater => cmp::GT,
        std::cmp::Ordering::Equal => cmp::EQ,
    }
}

/// Class of a double result, in FPSCR[FPRF] encoding (C, FL, FG, FE, FU), as
/// QEMU computes it: the value is classified as a double even when it is a
/// single-precision result.
pub(crate) fn fprf(bits: u64) -> u32 {
    let p = unpack(bits);
    let neg = p.sign;
    match p.class {
        Class::QNan => 0x11,
        Class::SNan => 0x00,
        Class::Inf if neg => 0x09,
        Class::Inf => 0x05,
        Class::Zero if neg => 0x12,
        Class::Zero => 0x02,
        Class::Normal if bits & 0x7FF0_0000_0000_0000 == 0 => {
            if neg {
                0x18
            } else {
                0x14
            }
        }
        Class::Normal if neg => 0x08,
        Class::Normal => 0x04,
    }
}

/// The conversion `lfs` performs (the architecture's DOUBLE): exact, NaN payloads
/// kept (a host conversion would quiet signalling NaNs).
pub(crate) fn single_to_double(s: u32) -> u64 {
    let sign = ((s >> 31) as u64) << 63;
    let exp = (s >> 23) & 0xFF;
    let frac = (s & 0x7F_FFFF) as u64;
    match exp {
        0xFF => sign | 0x7FF0_0000_0000_0000 | frac << 29,
        0 if frac == 0 => sign,
        // A single denormal is a normal double.
        0 => encode_single_as_double(Rounded::Finite(sign != 0, 0, frac)),
        e => sign | ((e as u64 + 1023 - 127) << 52) | frac << 29,
    }
}

/// The conversion `stfs` performs (the architecture's SINGLE): no rounding; the
/// bits that fit are kept, values below the single normal range are denormalised
/// by shifting, and values too small even for that give a signed zero.
pub(crate) fn double_to_single(d: u64) -> u32 {
    let sign = ((d >> 63) as u32) << 31;
    let exp = ((d >> 52) & 0x7FF) as u32;
    if exp > 896 {
        // Normal single range, and infinities and NaNs: take the bits.
        let hi = ((d >> 32) & 0xC000_0000) as u32;
        let lo = ((d >> 29) & 0x3FFF_FFFF) as u32;
        return hi | lo;
    }
    if exp >= 874 {
        let m = (1u64 << 52) | (d & ((1 << 52) - 1));
        return sign | (m >> (896 + 30 - exp)) as u32;
    }
    sign
}
