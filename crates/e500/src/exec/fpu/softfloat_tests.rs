//! Tests of the soft-float: against independent oracles (the host's IEEE
//! arithmetic for round-to-nearest, `rustc_apfloat` for every rounding mode and
//! the exception flags), and known bit patterns for the PowerPC-specific rules
//! (NaN choice and quieting, signed zeros, tininess, exponent adjustment).

use super::qemu_compare::{specials, value, Rng};
use super::softfloat::*;
use rustc_apfloat::ieee::{Double, Quad, Single};
use rustc_apfloat::{Float, FloatConvert, Round as ApRound, Status, StatusAnd};

const ROUNDS: [Round; 4] = [
    Round::NearestEven,
    Round::TowardZero,
    Round::Up,
    Round::Down,
];

fn ap_round(r: Round) -> ApRound {
    match r {
        Round::NearestEven => ApRound::NearestTiesToEven,
        Round::TowardZero => ApRound::TowardZero,
        Round::Up => ApRound::TowardPositive,
        Round::Down => ApRound::TowardNegative,
    }
}

const SIGN: u64 = 1 << 63;
const INF: u64 = 0x7FF0_0000_0000_0000;
const MIN_NORMAL: u64 = 0x0010_0000_0000_0000;
const SINGLE_MIN_NORMAL: u64 = 0x3810_0000_0000_0000;

fn f(x: f64) -> u64 {
    x.to_bits()
}

/// Random operands without NaNs (the oracles' NaN rules are not PowerPC's).
fn operand(rng: &mut Rng, sp: &[u64]) -> u64 {
    loop {
        let v = value(rng, sp);
        if !is_nan(v) {
            return v;
        }
    }
}

/// A random single-precision value, in double format.
fn single_operand(rng: &mut Rng) -> u64 {
    loop {
        let s = match rng.below(4) {
            0 => rng.next() as u32,
            1 => (rng.next() as u32) & 0x80FF_FFFF | ((100 + rng.below(56)) as u32) << 23,
            2 => (rng.next() as u32) & 0x807F_FFFF | (rng.below(8) as u32) << 23,
            _ => (rng.next() as u32) & 0x807F_FFFF | ((250 + rng.below(5)) as u32) << 23,
        };
        let d = single_to_double(s);
        if !is_nan(d) {
            return d;
        }
    }
}

/// Our flags as apfloat's, for the kinds both report.
fn ap_status(flags: Flags) -> Status {
    let mut s = Status::OK;
    if flags.any(Flags::INVALID) {
        s |= Status::INVALID_OP;
    }
    if flags.any(Flags::DIV_BY_ZERO) {
        s |= Status::DIV_BY_ZERO;
    }
    if flags.any(Flags::OVERFLOW) {
        s |= Status::OVERFLOW;
    }
    if flags.any(Flags::UNDERFLOW) {
        s |= Status::UNDERFLOW;
    }
    if flags.any(Flags::INEXACT) {
        s |= Status::INEXACT;
    }
    s
}

/// Smallest normal and largest finite magnitude of a result format (in double
/// format).
#[derive(Clone, Copy)]
struct Limits {
    min_normal: u64,
    max: u64,
}

const DOUBLE_LIMITS: Limits = Limits {
    min_normal: MIN_NORMAL,
    max: 0x7FEF_FFFF_FFFF_FFFF,
};
const SINGLE_LIMITS: Limits = Limits {
    min_normal: SINGLE_MIN_NORMAL,
    max: 0x47EF_FFFF_E000_0000,
};

/// Compare a result and its flags with the oracle's. Two known differences in
/// apfloat: it detects tininess after rounding (so they disagree when an inexact
/// result rounds to the smallest normal), and it does not report overflow when a
/// directed rounding delivers the largest finite number.
fn check(what: &str, ours: (u64, Flags), oracle: (u64, Status), limits: Limits) {
    let (bits, flags) = ours;
    let (obits, ostatus) = oracle;
    assert_eq!(
        bits, obits,
        "{what}: result {bits:#018x} vs oracle {obits:#018x}"
    );
    let mut status = ap_status(flags);
    if bits & !SIGN == limits.min_normal && !ostatus.contains(Status::UNDERFLOW) {
        status -= Status::UNDERFLOW;
    }
    if bits & !SIGN == limits.max && !ostatus.contains(Status::OVERFLOW) {
        status -= Status::OVERFLOW;
    }
    assert_eq!(
        status, ostatus,
        "{what}: flags {flags:?} vs oracle {ostatus:?}"
    );
}

fn run(round: Round, op: impl FnOnce(&mut Env) -> u64) -> (u64, Flags) {
    let mut env = Env::new(round);
    let r = op(&mut env);
    (r, env.flags)
}

fn ap_double(s: StatusAnd<Double>) -> (u64, Status) {
    (s.value.to_bits() as u64, s.status)
}

fn ap_single(s: StatusAnd<Single>) -> (u64, Status) {
    (single_to_double(s.value.to_bits() as u32), s.status)
}

#[test]
fn double_arithmetic_matches_apfloat_in_every_rounding_mode() {
    let mut rng = Rng(1);
    let sp = specials();
    for i in 0..4000 {
        let (a, b, c) = (
            operand(&mut rng, &sp),
            operand(&mut rng, &sp),
            operand(&mut rng, &sp),
        );
        let (da, db, dc) = (
            Double::from_bits(a as u128),
            Double::from_bits(b as u128),
            Double::from_bits(c as u128),
        );
        for round in ROUNDS {
            let r = ap_round(round);
            let what = |op: &str| format!("#{i} {op} {a:#x} {b:#x} {c:#x} {round:?}");
            check(
                &what("add"),
                run(round, |e| add(e, a, b, false, Prec::Double)),
                ap_double(da.add_r(db, r)),
                DOUBLE_LIMITS,
            );
            check(
                &what("sub"),
                run(round, |e| add(e, a, b, true, Prec::Double)),
                ap_double(da.sub_r(db, r)),
                DOUBLE_LIMITS,
            );
            check(
                &what("mul"),
                run(round, |e| mul(e, a, c, Prec::Double)),
                ap_double(da.mul_r(dc, r)),
                DOUBLE_LIMITS,
            );
            check(
                &what("div"),
                run(round, |e| div(e, a, b, Prec::Double)),
                ap_double(da.div_r(db, r)),
                DOUBLE_LIMITS,
            );
            check(
                &what("fma"),
                run(round, |e| {
                    mul_add(e, a, c, b, MulAddNeg::default(), Prec::Double)
                }),
                ap_double(da.mul_add_r(dc, db, r)),
                DOUBLE_LIMITS,
            );
        }
    }
}

#[test]
fn single_arithmetic_of_single_operands_matches_apfloat() {
    let mut rng = Rng(2);
    for i in 0..4000 {
        let (a, b, c) = (
            single_operand(&mut rng),
            single_operand(&mut rng),
            single_operand(&mut rng),
        );
        let s = |x: u64| Single::from_bits(double_to_single(x) as u128);
        let (sa, sb, sc) = (s(a), s(b), s(c));
        for round in ROUNDS {
            let r = ap_round(round);
            let what = |op: &str| format!("#{i} {op}s {a:#x} {b:#x} {c:#x} {round:?}");
            let m = SINGLE_LIMITS;
            check(
                &what("add"),
                run(round, |e| add(e, a, b, false, Prec::Single)),
                ap_single(sa.add_r(sb, r)),
                m,
            );
            check(
                &what("sub"),
                run(round, |e| add(e, a, b, true, Prec::Single)),
                ap_single(sa.sub_r(sb, r)),
                m,
            );
            check(
                &what("mul"),
                run(round, |e| mul(e, a, c, Prec::Single)),
                ap_single(sa.mul_r(sc, r)),
                m,
            );
            check(
                &what("div"),
                run(round, |e| div(e, a, b, Prec::Single)),
                ap_single(sa.div_r(sb, r)),
                m,
            );
            check(
                &what("fma"),
                run(round, |e| {
                    mul_add(e, a, c, b, MulAddNeg::default(), Prec::Single)
                }),
                ap_single(sa.mul_add_r(sc, sb, r)),
                m,
            );
        }
    }
}

/// Single-precision multiply-add of double operands: where the exact result fits
/// in a quad, rounding it to single is the oracle (a single rounding).
#[test]
fn single_fma_of_double_operands_rounds_once() {
    let mut rng = Rng(3);
    let mut compared = 0;
    for _ in 0..20000 {
        let a = f(1.0 + (rng.next() >> 40) as f64 / (1u64 << 24) as f64);
        let c = f((1.0 + (rng.next() >> 30) as f64 / (1u64 << 34) as f64) * 0.75);
        let b = f(-(f64::from_bits(a) * f64::from_bits(c))
            + (rng.below(2001) as f64 - 1000.0) / (1u64 << 40) as f64);
        let q = |x: u64| -> Quad {
            let mut loses = false;
            Double::from_bits(x as u128)
                .convert_r(ApRound::NearestTiesToEven, &mut loses)
                .value
        };
        let exact = q(a).mul_add_r(q(c), q(b), ApRound::NearestTiesToEven);
        if exact.status != Status::OK {
            continue;
        }
        compared += 1;
        for round in ROUNDS {
            let mut loses = false;
            let oracle: StatusAnd<Single> = exact.value.convert_r(ap_round(round), &mut loses);
            check(
                &format!("fmadds {a:#x} {c:#x} {b:#x} {round:?}"),
                run(round, |e| {
                    mul_add(e, a, c, b, MulAddNeg::default(), Prec::Single)
                }),
                ap_single(oracle),
                SINGLE_LIMITS,
            );
        }
    }
    assert!(compared > 10000);
}

#[test]
fn round_to_nearest_matches_the_host() {
    let mut rng = Rng(4);
    let sp = specials();
    for _ in 0..20000 {
        let (a, b, c) = (
            operand(&mut rng, &sp),
            operand(&mut rng, &sp),
            operand(&mut rng, &sp),
        );
        let (x, y, z) = (f64::from_bits(a), f64::from_bits(b), f64::from_bits(c));
        let rne = Round::NearestEven;
        // Any host NaN stands for the default NaN (tested on the bits: an optimised
        // build may fold `is_nan` of a computed NaN differently).
        let host = |v: f64| {
            let bits = v.to_bits();
            if bits & 0x7FFF_FFFF_FFFF_FFFF > 0x7FF0_0000_0000_0000 {
                DEFAULT_NAN
            } else {
                bits
            }
        };
        assert_eq!(
            run(rne, |e| add(e, a, b, false, Prec::Double)).0,
            host(x + y)
        );
        assert_eq!(run(rne, |e| mul(e, a, c, Prec::Double)).0, host(x * z));
        assert_eq!(run(rne, |e| div(e, a, b, Prec::Double)).0, host(x / y));
        assert_eq!(
            run(rne, |e| mul_add(
                e,
                a,
                c,
                b,
                MulAddNeg::default(),
                Prec::Double
            ))
            .0,
            host(x.mul_add(z, y))
        );
        let root = run(rne, |e| sqrt(e, a, Prec::Double)).0;
        assert_eq!(root, host(x.sqrt()), "sqrt {a:#x}");
        // frsp in round-to-nearest is the host's narrowing conversion.
        let narrowed = run(rne, |e| to_single(e, a) as u64).0 as u32;
        assert_eq!(narrowed, (x as f32).to_bits(), "frsp {a:#x}");
    }
}

/// Directed square roots: r is the right neighbour of the exact root, checked
/// with exact squares in quad precision.
#[test]
fn directed_square_roots_bracket_the_exact_root() {
    let mut rng = Rng(5);
    let sp = specials();
    let q = |x: u64| -> Quad {
        let mut loses = false;
        Double::from_bits(x as u128)
            .convert_r(ApRound::NearestTiesToEven, &mut loses)
            .value
    };
    let square = |x: u64| q(x).mul_r(q(x), ApRound::NearestTiesToEven).value;
    for _ in 0..5000 {
        let x = operand(&mut rng, &sp) & !SIGN;
        if x >= INF || x == 0 {
            continue;
        }
        let down = run(Round::Down, |e| sqrt(e, x, Prec::Double));
        let up = run(Round::Up, |e| sqrt(e, x, Prec::Double));
        let zero = run(Round::TowardZero, |e| sqrt(e, x, Prec::Double));
        assert_eq!(down, zero);
        let exact = square(down.0) == q(x);
        assert!(
            square(down.0) <= q(x) && q(x) <= square(up.0),
            "sqrt {x:#x}"
        );
        if exact {
            assert_eq!((up.0, up.1), (down.0, Flags::empty()));
        } else {
            assert_eq!(up.0, down.0 + 1, "sqrt {x:#x}: neighbours");
            assert!(up.1.any(Flags::INEXACT) && down.1.any(Flags::INEXACT));
        }
    }
}

#[test]
fn frsp_matches_apfloat_conversion() {
    let mut rng = Rng(6);
    let sp = specials();
    for _ in 0..5000 {
        let a = operand(&mut rng, &sp);
        for round in ROUNDS {
            let mut loses = false;
            let oracle: StatusAnd<Single> =
                Double::from_bits(a as u128).convert_r(ap_round(round), &mut loses);
            let ours = run(round, |e| single_to_double(to_single(e, a)));
            check(
                &format!("frsp {a:#x} {round:?}"),
                ours,
                ap_single(oracle),
                SINGLE_LIMITS,
            );
        }
    }
}

#[test]
fn conversion_to_int_matches_the_host() {
    let mut rng = Rng(7);
    let sp = specials();
    for _ in 0..20000 {
        let a = value(&mut rng, &sp);
        let x = f64::from_bits(a);
        for (round, r) in [
            (Round::NearestEven, x.round_ties_even()),
            (Round::TowardZero, x.trunc()),
            (Round::Up, x.ceil()),
            (Round::Down, x.floor()),
        ] {
            let expect = if x.is_nan() {
                ToInt::Nan { snan: is_snan(a) }
            } else if r < -2147483648.0 {
                ToInt::Saturated(i32::MIN)
            } else if r > 2147483647.0 {
                ToInt::Saturated(i32::MAX)
            } else {
                ToInt::Value {
                    value: r as i32,
                    inexact: r != x,
                }
            };
            assert_eq!(to_i32(a, round), expect, "{a:#x} {round:?}");
        }
    }
}

#[test]
fn nan_operands_propagate_fra_then_frb_then_frc_quieted() {
    let qa = 0x7FF8_0000_0000_00AA;
    let qb = 0xFFF8_0000_0000_00BB;
    let sb = 0x7FF0_0000_0000_00BB;
    let sc = 0xFFF4_0000_0000_00CC;
    let one = f(1.0);
    let rne = Round::NearestEven;
    assert_eq!(
        run(rne, |e| add(e, qa, qb, false, Prec::Double)),
        (qa, Flags::empty())
    );
    assert_eq!(
        run(rne, |e| add(e, one, qb, true, Prec::Double)),
        (qb, Flags::empty())
    );
    // A signalling NaN is quieted and raises VXSNAN even when not chosen.
    assert_eq!(
        run(rne, |e| mul(e, qa, sb, Prec::Double)),
        (qa, Flags::VXSNAN)
    );
    assert_eq!(
        run(rne, |e| div(e, one, sb, Prec::Double)),
        (0x7FF8_0000_0000_00BB, Flags::VXSNAN)
    );
    // fmadd: FRA, then FRB (the addend), then FRC; the result negation of fnmadd
    // does not apply to NaNs.
    let neg = MulAddNeg {
        addend: true,
        result: true,
    };
    assert_eq!(
        run(rne, |e| mul_add(e, one, sc, qb, neg, Prec::Double)),
        (qb, Flags::VXSNAN)
    );
    assert_eq!(
        run(rne, |e| mul_add(e, one, sc, one, neg, Prec::Double)),
        (0xFFFC_0000_0000_00CC, Flags::VXSNAN)
    );
    // Infinity times zero plus a NaN: the NaN, and VXIMZ as well.
    assert_eq!(
        run(rne, |e| mul_add(e, INF, 0, qb, neg, Prec::Double)),
        (qb, Flags::VXIMZ)
    );
    // Invalid operations without NaN operands give the default NaN (positive,
    // even for fnmadd).
    assert_eq!(
        run(rne, |e| add(e, INF, INF, true, Prec::Double)),
        (DEFAULT_NAN, Flags::VXISI)
    );
    assert_eq!(
        run(rne, |e| mul_add(e, INF, one, INF, neg, Prec::Double)),
        (DEFAULT_NAN, Flags::VXISI)
    );
    assert_eq!(
        run(rne, |e| div(e, 0, SIGN, Prec::Double)),
        (DEFAULT_NAN, Flags::VXZDZ)
    );
    assert_eq!(
        run(rne, |e| div(e, INF, INF, Prec::Double)),
        (DEFAULT_NAN, Flags::VXIDI)
    );
    assert_eq!(
        run(rne, |e| mul(e, 0, INF, Prec::Double)),
        (DEFAULT_NAN, Flags::VXIMZ)
    );
    assert_eq!(
        run(rne, |e| sqrt(e, f(-4.0), Prec::Double)),
        (DEFAULT_NAN, Flags::VXSQRT)
    );
    assert_eq!(
        run(rne, |e| sqrt(e, SIGN, Prec::Double)),
        (SIGN, Flags::empty())
    );
    // A NaN rounded to single keeps the top 23 bits of its fraction.
    assert_eq!(
        run(rne, |e| add(
            e,
            0x7FF8_0000_2345_6789,
            one,
            false,
            Prec::Single
        )),
        (0x7FF8_0000_2000_0000, Flags::empty())
    );
    assert_eq!(
        run(rne, |e| to_single(e, 0xFFF0_0000_2345_6789) as u64),
        (0xFFC0_0001, Flags::VXSNAN)
    );
}

#[test]
fn exact_zero_sums_are_negative_only_rounding_down() {
    let one = f(1.0);
    for round in ROUNDS {
        let sign = if round == Round::Down { SIGN } else { 0 };
        assert_eq!(run(round, |e| add(e, one, one, true, Prec::Double)).0, sign);
        assert_eq!(run(round, |e| add(e, 0, SIGN, false, Prec::Double)).0, sign);
        assert_eq!(
            run(round, |e| add(e, SIGN, SIGN, false, Prec::Double)).0,
            SIGN
        );
        // fnmadd negates the exact zero after its sign is chosen.
        let nmadd = MulAddNeg {
            addend: false,
            result: true,
        };
        assert_eq!(
            run(round, |e| mul_add(
                e,
                one,
                one,
                f(-1.0),
                nmadd,
                Prec::Double
            ))
            .0,
            sign ^ SIGN
        );
    }
}

#[test]
fn tininess_is_detected_before_rounding() {
    // (2^-1022 - 2^-1075) * (1 + tiny) rounds up to the smallest normal: tiny
    // before rounding, inexact, so underflow.
    let just_below = 0x000F_FFFF_FFFF_FFFF; // max denormal
    let (r, flags) = run(Round::Up, |e| {
        mul(e, just_below, f(1.0 + f64::EPSILON), Prec::Double)
    });
    assert_eq!(r, MIN_NORMAL);
    assert!(flags.any(Flags::UNDERFLOW) && flags.any(Flags::INEXACT));
    // An exact denormal result is not an underflow (with UE = 0).
    let (r, flags) = run(Round::NearestEven, |e| {
        mul(e, MIN_NORMAL, f(0.5), Prec::Double)
    });
    assert_eq!((r, flags), (0x0008_0000_0000_0000, Flags::empty()));
}

#[test]
fn enabled_overflow_and_underflow_adjust_the_exponent() {
    let mut env = Env::new(Round::NearestEven);
    env.rebias_overflow = true;
    // 2^1023 * 4 = 2^1025, delivered as 2^(1025 - 1536).
    let r = mul(&mut env, f(2f64.powi(1023)), f(4.0), Prec::Double);
    assert_eq!(r, f(2f64.powi(1025 - 1536)));
    assert_eq!(env.flags, Flags::OVERFLOW);
    let mut env = Env::new(Round::NearestEven);
    env.rebias_underflow = true;
    // 2^-1074 / 2 = 2^-1075, delivered as 2^(-1075 + 1536): exact, yet underflow.
    let r = div(&mut env, 1, f(2.0), Prec::Double);
    assert_eq!(r, f(2f64.powi(-1075 + 1536)));
    assert_eq!(env.flags, Flags::UNDERFLOW);
    // Single precision adjusts by 192.
    let mut env = Env::new(Round::NearestEven);
    env.rebias_overflow = true;
    let r = mul(&mut env, f(2f64.powi(127)), f(2.0), Prec::Single);
    assert_eq!(r, f(2f64.powi(128 - 192)));
    // Disabled: infinity or the largest number, by rounding mode.
    for (round, expect) in [
        (Round::NearestEven, INF),
        (Round::TowardZero, 0x7FEF_FFFF_FFFF_FFFF),
        (Round::Up, INF),
        (Round::Down, 0x7FEF_FFFF_FFFF_FFFF),
    ] {
        let (r, flags) = run(round, |e| mul(e, f(2f64.powi(1023)), f(4.0), Prec::Double));
        assert_eq!(r, expect, "{round:?}");
        assert_eq!(flags, Flags::OVERFLOW | Flags::INEXACT);
    }
}

#[test]
fn single_fma_rounds_once_not_twice() {
    // a*c + b = 1 + 2^-24 + 2^-60: rounding to double first would give the tie
    // 1 + 2^-24 and then 1.0; rounding once gives 1 + 2^-23.
    let a = f(1.0 + 2f64.powi(-30));
    let b = f(2f64.powi(-24) - 2f64.powi(-29));
    let (r, flags) = run(Round::NearestEven, |e| {
        mul_add(e, a, a, b, MulAddNeg::default(), Prec::Single)
    });
    assert_eq!(r, f(1.0 + 2f64.powi(-23)));
    assert_eq!(flags, Flags::INEXACT | Flags::ROUNDED_UP);
    // A single-precision denormal result is delivered as a (normal) double.
    let (r, flags) = run(Round::NearestEven, |e| {
        mul(e, f(2f64.powi(-130)), f(1.5), Prec::Single)
    });
    assert_eq!(r, f(1.5 * 2f64.powi(-130)));
    assert_eq!(flags, Flags::empty());
    assert_eq!(fprf(r), 0x04, "QEMU classifies it as a normal double");
}

#[test]
fn fprf_classes() {
    assert_eq!(fprf(f(1.0)), 0x04);
    assert_eq!(fprf(f(-1.0)), 0x08);
    assert_eq!(fprf(0), 0x02);
    assert_eq!(fprf(SIGN), 0x12);
    assert_eq!(fprf(1), 0x14);
    assert_eq!(fprf(SIGN | 1), 0x18);
    assert_eq!(fprf(INF), 0x05);
    assert_eq!(fprf(SIGN | INF), 0x09);
    assert_eq!(fprf(DEFAULT_NAN), 0x11);
    assert_eq!(fprf(0xFFF8_0000_0000_0001), 0x11);
}

#[test]
fn compare_orders_signed_zeros_denormals_and_nans() {
    use cmp::*;
    assert_eq!(compare(0, SIGN), EQ);
    assert_eq!(compare(SIGN | 1, 0), LT);
    assert_eq!(compare(1, SIGN | INF), GT);
    assert_eq!(compare(f(-2.0), f(-1.0)), LT);
    assert_eq!(compare(DEFAULT_NAN, DEFAULT_NAN), UNORDERED);
    assert_eq!(compare(f(1.0), 0x7FF0_0000_0000_0001), UNORDERED);
}

#[test]
fn load_and_store_single_conversions_are_bit_exact() {
    // Every exponent with assorted fractions, both signs: DOUBLE then SINGLE is
    // the identity, and DOUBLE agrees with the host for non-NaNs.
    let mut rng = Rng(8);
    for exp in 0..=255u32 {
        for _ in 0..64 {
            let s = (rng.next() as u32) & 0x807F_FFFF | exp << 23;
            let d = single_to_double(s);
            assert_eq!(double_to_single(d), s, "{s:#x}");
            if exp != 255 {
                assert_eq!(d, (f32::from_bits(s) as f64).to_bits(), "{s:#x}");
            }
        }
    }
    // Signalling NaNs stay signalling.
    assert_eq!(single_to_double(0x7F80_0001), 0x7FF0_0000_2000_0000);
    assert_eq!(double_to_single(0xFFF0_0000_2000_0000), 0xFF80_0001);
    // SINGLE truncates (no rounding) ...
    assert_eq!(double_to_single(0x3FF0_0000_1FFF_FFFF), 0x3F80_0000);
    // ... denormalises by shifting in the single denormal range ...
    assert_eq!(double_to_single(0x3800_0000_0000_0000), 0x0040_0000);
    assert_eq!(double_to_single(0x36A0_0000_0000_0000), 0x0000_0001);
    // ... and gives a signed zero below it, and for double denormals.
    assert_eq!(double_to_single(SIGN | 0x3690_0000_0000_0000), 0x8000_0000);
    assert_eq!(double_to_single(1), 0);
    // Too large for single: the sign, the exponent's top bit and the next 30 bits
    // are kept as they are.
    assert_eq!(double_to_single(f(1e300)), 0x71BF_21E4);
}
