//! Instruction-level tests of the FPU: each instruction word is decoded and
//! executed on an e500mc core; results, FPSCR, CR and interrupts are checked
//! against hand-computed bit patterns. Where the behaviour is QEMU 7.2's choice
//! rather than the architecture's, the test says so.

use super::fpscr::bits::*;
use crate::asm::*;
use crate::cpu::Exc;
use crate::decode::decode;
use crate::interrupt::{esr, Interrupt};
use crate::msr;
use crate::spr::Spr;
use crate::{Core, Flavor, NoDevices};

/// Register numbers: FRT, FRA, FRB, FRC.
const FT: u32 = 4;
const FA: u32 = 1;
const FB: u32 = 2;
const FC: u32 = 3;
const SIGN: u64 = 1 << 63;
const INF: u64 = 0x7FF0_0000_0000_0000;
const QNAN: u64 = 0x7FF8_0000_0000_0000;
const SNAN: u64 = 0x7FF0_0000_0000_0001;
/// FA marker for "the target was not written".
const UNTOUCHED: u64 = 0x5A5A_5A5A_5A5A_5A5A;
/// FPRF values (already shifted into place).
const PLUS_NORMAL: u32 = 0x04 << FPRF_SHIFT;
const MINUS_NORMAL: u32 = 0x08 << FPRF_SHIFT;
const PLUS_ZERO: u32 = 0x02 << FPRF_SHIFT;
const MINUS_ZERO: u32 = 0x12 << FPRF_SHIFT;
const PLUS_DENORMAL: u32 = 0x14 << FPRF_SHIFT;
const MINUS_DENORMAL: u32 = 0x18 << FPRF_SHIFT;
const PLUS_INF: u32 = 0x05 << FPRF_SHIFT;
const MINUS_INF: u32 = 0x09 << FPRF_SHIFT;
const QNAN_CLASS: u32 = 0x11 << FPRF_SHIFT;

fn f(x: f64) -> u64 {
    x.to_bits()
}

fn p2(e: i32) -> u64 {
    f(2f64.powi(e))
}

/// An e500mc core with MSR[FP] set, FPSCR clear, and the target marked.
fn core() -> Core {
    let mut core = crate::tests::core_with(Flavor::E500mc, &[]);
    core.cpu.set_msr(msr::FP);
    core.cpu.fpr[FT as usize] = UNTOUCHED;
    core
}

fn exec(core: &mut Core, word: u32) -> Result<(), Exc> {
    core.cpu
        .exec(&decode(word), crate::tests::ORIGIN, &mut NoDevices)
        .map(|_| ())
}

/// Run `word` with FRA, FRB, FRC = a, b, c and the given FPSCR; returns the
/// target and the FPSCR.
fn op(fpscr: u32, word: u32, a: u64, b: u64, c: u64) -> (u64, u32) {
    let mut core = core();
    core.cpu.fpscr = fpscr;
    core.cpu.fpr[FA as usize] = a;
    core.cpu.fpr[FB as usize] = b;
    core.cpu.fpr[FC as usize] = c;
    exec(&mut core, word).expect("no interrupt");
    (core.cpu.fpr[FT as usize], core.cpu.fpscr)
}

fn program_fp(r: Result<(), Exc>, core: &Core) {
    assert_eq!(r, Err(Exc::Interrupt(Interrupt::Program)));
    assert_eq!(core.cpu.spr(Spr::Esr), esr::FP);
}

// ---- arithmetic ----

#[test]
fn double_arithmetic_results_and_fprf() {
    let (one, two, three) = (f(1.0), f(2.0), f(3.0));
    assert_eq!(
        op(0, fadd(false, FT, FA, FB, false), one, two, 0),
        (three, PLUS_NORMAL)
    );
    assert_eq!(
        op(0, fsub(false, FT, FA, FB, false), one, two, 0),
        (f(-1.0), MINUS_NORMAL)
    );
    assert_eq!(
        op(0, fmul(false, FT, FA, FC, false), two, 0, three),
        (f(6.0), PLUS_NORMAL)
    );
    assert_eq!(
        op(0, fdiv(false, FT, FA, FB, false), three, two, 0),
        (f(1.5), PLUS_NORMAL)
    );
    // Multiply-adds: frt = +-(fra * frc +- frb).
    let ma = |xo| fmadd_family(false, xo, FT, FA, FC, FB, false);
    assert_eq!(op(0, ma(29), two, one, three).0, f(7.0));
    assert_eq!(op(0, ma(28), two, one, three).0, f(5.0));
    assert_eq!(op(0, ma(31), two, one, three).0, f(-7.0));
    assert_eq!(op(0, ma(30), two, one, three).0, f(-5.0));
    // Inexact: 1/3.
    let (r, fpscr) = op(0, fdiv(false, FT, FA, FB, false), one, three, 0);
    assert_eq!(r, f(1.0 / 3.0));
    assert_eq!(fpscr, FX | XX | FI | PLUS_NORMAL);
    // Zeros and denormals classify as such.
    assert_eq!(
        op(0, fsub(false, FT, FA, FB, false), one, one, 0),
        (0, PLUS_ZERO)
    );
    assert_eq!(
        op(3, fsub(false, FT, FA, FB, false), one, one, 0),
        (SIGN, MINUS_ZERO | 3)
    );
    assert_eq!(
        op(0, fmul(false, FT, FA, FC, false), p2(-1022), 0, f(0.5)),
        (p2(-1023), PLUS_DENORMAL)
    );
    assert_eq!(
        op(0, fmul(false, FT, FA, FC, false), p2(-1022), 0, f(-0.5)),
        (SIGN | p2(-1023), MINUS_DENORMAL)
    );
}

#[test]
fn single_forms_round_once_to_single() {
    // 1 + 2^-30 is 1.0 in single precision: inexact.
    let (r, fpscr) = op(0, fadd(true, FT, FA, FB, false), f(1.0), p2(-30), 0);
    assert_eq!((r, fpscr), (f(1.0), FX | XX | FI | PLUS_NORMAL));
    // fmadds rounds the exact a*c+b once: 1 + 2^-24 + 2^-60 -> 1 + 2^-23.
    let a = f(1.0 + 2f64.powi(-30));
    let b = f(2f64.powi(-24) - 2f64.powi(-29));
    let (r, _) = op(0, fmadd_family(true, 29, FT, FA, FC, FB, false), a, b, a);
    assert_eq!(r, f(1.0 + 2f64.powi(-23)));
    // Single overflow: 2^127 * 4 is +inf (OX, XX), FPRF +inf.
    let (r, fpscr) = op(0, fmul(true, FT, FA, FC, false), p2(127), 0, f(4.0));
    assert_eq!((r, fpscr), (INF, FX | OX | XX | FI | PLUS_INF));
    // Single denormal results are exact single values in double format; QEMU
    // classifies them as normal doubles.
    let (r, fpscr) = op(0, fmul(true, FT, FA, FC, false), p2(-140), 0, f(1.0));
    assert_eq!((r, fpscr), (p2(-140), PLUS_NORMAL));
    // Below the single denormal range: underflow to zero.
    let (r, fpscr) = op(0, fmul(true, FT, FA, FC, false), p2(-151), 0, f(1.0));
    assert_eq!((r, fpscr), (0, FX | UX | XX | FI | PLUS_ZERO));
}

#[test]
fn every_rounding_mode() {
    // 1 + 0.75 ulp and its negation.
    let (one, tiny) = (f(1.0), f(3.0 * 2f64.powi(-54)));
    let up = 0x3FF0_0000_0000_0001;
    for (rn, pos, neg) in [
        (0, up, SIGN | up),
        (1, one, SIGN | one),
        (2, up, SIGN | one),
        (3, one, SIGN | up),
    ] {
        assert_eq!(
            op(rn, fadd(false, FT, FA, FB, false), one, tiny, 0).0,
            pos,
            "RN={rn}"
        );
        assert_eq!(
            op(
                rn,
                fadd(false, FT, FA, FB, false),
                SIGN | one,
                SIGN | tiny,
                0
            )
            .0,
            neg,
            "RN={rn}"
        );
    }
    // Ties to even: 1 + 0.5 ulp -> 1; 1 + 1.5 ulp -> 1 + 2 ulp.
    assert_eq!(
        op(0, fadd(false, FT, FA, FB, false), one, p2(-53), 0).0,
        one
    );
    assert_eq!(
        op(
            0,
            fadd(false, FT, FA, FB, false),
            one,
            f(3.0 * 2f64.powi(-53)),
            0
        )
        .0,
        0x3FF0_0000_0000_0002
    );
    // Overflow gives infinity or the largest number depending on the mode.
    let max = 0x7FEF_FFFF_FFFF_FFFF;
    for (rn, r) in [(0, INF), (1, max), (2, INF), (3, max)] {
        let (v, fpscr) = op(rn, fmul(false, FT, FA, FC, false), max, 0, f(2.0));
        assert_eq!(v, r, "RN={rn}");
        assert_eq!(fpscr & (OX | XX | FI), OX | XX | FI);
    }
}

#[test]
fn fr_is_never_set_as_in_qemu() {
    // Rounding 1 + 0.75 ulp up increments the fraction; the architecture would
    // set FR, QEMU 7.2 does not.
    let (_, fpscr) = op(
        0,
        fadd(false, FT, FA, FB, false),
        f(1.0),
        f(3.0 * 2f64.powi(-54)),
        0,
    );
    assert_eq!(fpscr, FX | XX | FI | PLUS_NORMAL);
    // And FR/FI are cleared by an invalid operation or a zero divide.
    let (_, fpscr) = op(FR | FI, fdiv(false, FT, FA, FB, false), f(1.0), 0, 0);
    assert_eq!(fpscr & (FR | FI), 0);
}

#[test]
fn exception_bits_of_each_kind() {
    let one = f(1.0);
    // Overflow, underflow (tiny and inexact), zero divide.
    assert_eq!(
        op(
            0,
            fmul(false, FT, FA, FC, false),
            0x7FEF_FFFF_FFFF_FFFF,
            0,
            f(2.0)
        ),
        (INF, FX | OX | XX | FI | PLUS_INF)
    );
    assert_eq!(
        op(0, fmul(false, FT, FA, FC, false), 1, 0, f(0.5)),
        (0, FX | UX | XX | FI | PLUS_ZERO)
    );
    assert_eq!(
        op(0, fdiv(false, FT, FA, FB, false), SIGN | one, 0, 0),
        (SIGN | INF, FX | ZX | MINUS_INF)
    );
    // Invalid operations: default NaN, VX summary, FPRF QNaN.
    let vx = |bit| FX | VX | bit | QNAN_CLASS;
    assert_eq!(
        op(0, fsub(false, FT, FA, FB, false), INF, INF, 0),
        (QNAN, vx(VXISI))
    );
    assert_eq!(
        op(0, fdiv(false, FT, FA, FB, false), INF, INF, 0),
        (QNAN, vx(VXIDI))
    );
    assert_eq!(
        op(0, fdiv(false, FT, FA, FB, false), 0, SIGN, 0),
        (QNAN, vx(VXZDZ))
    );
    assert_eq!(
        op(0, fmul(false, FT, FA, FC, false), INF, 0, 0),
        (QNAN, vx(VXIMZ))
    );
    assert_eq!(
        op(0, frsqrte(FT, FB, false), 0, f(-1.0), 0),
        (QNAN, vx(VXSQRT))
    );
    assert_eq!(
        op(0, fadd(false, FT, FA, FB, false), one, SNAN, 0),
        (0x7FF8_0000_0000_0001, vx(VXSNAN))
    );
    // Exception bits are sticky; FI is not.
    let (_, fpscr) = op(
        FX | XX | FI | OX,
        fadd(false, FT, FA, FB, false),
        one,
        one,
        0,
    );
    assert_eq!(fpscr, FX | XX | OX | PLUS_NORMAL);
}

#[test]
fn rc_forms_copy_fx_fex_vx_ox_to_cr1() {
    let mut core = core();
    core.cpu.cr = 0xFFFF_FFFF;
    core.cpu.fpr[FA as usize] = 0x7FEF_FFFF_FFFF_FFFF;
    core.cpu.fpr[FC as usize] = f(2.0);
    exec(&mut core, fmul(false, FT, FA, FC, true)).unwrap();
    assert_eq!(core.cpu.cr, 0xF9FF_FFFF, "CR1 = FX|OX");
    core.cpu.fpscr = VE | VXSOFT | VX | FEX;
    for word in [
        fmr(FT, FB, true),
        fneg(FT, FB, true),
        fabs(FT, FB, true),
        fnabs(FT, FB, true),
        fsel(FT, FA, FC, FB, true),
        mffs(FT, true),
    ] {
        core.cpu.cr = 0;
        exec(&mut core, word).unwrap();
        assert_eq!(core.cpu.cr, 0x0600_0000, "{word:#x}: CR1 = FEX|VX");
    }
}

// ---- rounding and conversion ----

#[test]
fn frsp_rounds_to_single() {
    let x = f(1.0 + 2f64.powi(-24) + 2f64.powi(-40)); // above the tie
    for (rn, r) in [
        (0, f(1.0 + 2f64.powi(-23))),
        (1, f(1.0)),
        (2, f(1.0 + 2f64.powi(-23))),
        (3, f(1.0)),
    ] {
        let (v, fpscr) = op(rn, frsp(FT, FB, false), 0, x, 0);
        assert_eq!(v, r, "RN={rn}");
        assert_eq!(fpscr, FX | XX | FI | PLUS_NORMAL | rn);
    }
    assert_eq!(
        op(0, frsp(FT, FB, false), 0, p2(200), 0),
        (INF, FX | OX | XX | FI | PLUS_INF)
    );
    assert_eq!(
        op(0, frsp(FT, FB, false), 0, p2(-149), 0),
        (p2(-149), PLUS_NORMAL)
    );
    // FA signalling NaN is quieted and keeps the top of its payload.
    assert_eq!(
        op(0, frsp(FT, FB, false), 0, 0xFFF0_0000_2000_0001, 0),
        (0xFFF8_0000_2000_0000, FX | VX | VXSNAN | QNAN_CLASS)
    );
}

#[test]
fn fctiw_rounds_saturates_and_sign_extends_like_qemu() {
    let ctiw = fctiw(FT, FB, false);
    let ctiwz = fctiwz(FT, FB, false);
    // The high word is the sign extension of the result (QEMU's choice; the
    // architecture leaves it undefined). FPRF is not changed.
    for (rn, x, r) in [
        (0, 2.5, 2u64),
        (1, 2.5, 2),
        (2, 2.5, 3),
        (3, 2.5, 2),
        (0, 3.5, 4),
        (0, -2.5, (-2i64) as u64),
        (2, -2.5, (-2i64) as u64),
        (3, -2.5, (-3i64) as u64),
        (0, -0.4, 0),
    ] {
        let (v, fpscr) = op(rn | PLUS_INF, ctiw, 0, f(x), 0);
        assert_eq!(v, r, "fctiw {x} RN={rn}");
        assert_eq!(fpscr, FX | XX | FI | PLUS_INF | rn);
    }
    assert_eq!(op(2, ctiwz, 0, f(-2.9), 0).0, (-2i64) as u64);
    assert_eq!(op(0, ctiw, 0, f(-7.0), 0), ((-7i64) as u64, 0));
    assert_eq!(op(0, ctiw, 0, SIGN, 0), (0, 0));
    // Out of range: saturated, VXCVI, FPRF "?" (C|FU) when VE = 0, no XX.
    let cvi = FX | VX | VXCVI | QNAN_CLASS;
    assert_eq!(op(0, ctiw, 0, f(3e9), 0), (0x7FFF_FFFF, cvi));
    assert_eq!(op(0, ctiw, 0, f(-3e9), 0), (0xFFFF_FFFF_8000_0000, cvi));
    assert_eq!(op(0, ctiw, 0, SIGN | INF, 0), (0xFFFF_FFFF_8000_0000, cvi));
    assert_eq!(op(0, ctiw, 0, f(2147483647.4), 0).0, 0x7FFF_FFFF);
    assert_eq!(op(0, ctiw, 0, f(2147483647.5), 0), (0x7FFF_FFFF, cvi));
    assert_eq!(op(0, ctiw, 0, f(-2147483648.5), 0).0, 0xFFFF_FFFF_8000_0000);
    // NaNs: 0x80000000 with a zero high word; a signalling NaN adds VXSNAN.
    assert_eq!(op(0, ctiw, 0, QNAN, 0), (0x8000_0000, cvi));
    assert_eq!(op(0, ctiwz, 0, SNAN, 0), (0x8000_0000, cvi | VXSNAN));
}

#[test]
fn fres_and_frsqrte_are_exact_as_in_qemu() {
    let res = fres(FT, FB, false);
    let rsqrte = frsqrte(FT, FB, false);
    assert_eq!(op(0, res, 0, f(2.0), 0), (f(0.5), PLUS_NORMAL));
    // 1/3 rounded to single.
    assert_eq!(
        op(0, res, 0, f(3.0), 0),
        (0x3FD5_5555_6000_0000, FX | XX | FI | PLUS_NORMAL)
    );
    // QEMU 7.2 returns +-0.5 for fres(+-0), with ZX (the architecture: +-inf).
    assert_eq!(
        op(0, res, 0, SIGN, 0),
        (SIGN | f(0.5), FX | ZX | MINUS_NORMAL)
    );
    assert_eq!(op(0, res, 0, INF, 0), (0, PLUS_ZERO));
    assert_eq!(
        op(0, res, 0, p2(-200), 0),
        (INF, FX | OX | XX | FI | PLUS_INF)
    );
    assert_eq!(op(0, rsqrte, 0, f(4.0), 0), (f(0.5), PLUS_NORMAL));
    // 1/sqrt(2): the square root and the division are each rounded (QEMU).
    assert_eq!(
        op(0, rsqrte, 0, f(2.0), 0),
        (f(1.0 / 2f64.sqrt()), FX | XX | FI | PLUS_NORMAL)
    );
    assert_eq!(op(0, rsqrte, 0, SIGN, 0), (SIGN | INF, FX | ZX | MINUS_INF));
    assert_eq!(op(0, rsqrte, 0, INF, 0), (0, PLUS_ZERO));
    assert_eq!(
        op(0, rsqrte, 0, SNAN, 0),
        (0x7FF8_0000_0000_0001, FX | VX | VXSNAN | QNAN_CLASS)
    );
}

// ---- select, moves, compares ----

#[test]
fn fsel_and_moves_change_no_status() {
    let (b, c) = (f(-7.0), f(9.0));
    let status = FX | XX | FI | MINUS_INF | 2;
    for (a, r) in [
        (f(1.0), c),
        (0, c),
        (SIGN, c),
        (f(-1.0), b),
        (QNAN, b),
        (SIGN | INF, b),
    ] {
        assert_eq!(
            op(status, fsel(FT, FA, FC, FB, false), a, b, c),
            (r, status),
            "fsel {a:#x}"
        );
    }
    // NaNs are moved bit for bit: no quieting, only the sign changes.
    let snan = 0xFFF0_0000_0000_0042;
    assert_eq!(op(status, fmr(FT, FB, false), 0, snan, 0), (snan, status));
    assert_eq!(
        op(status, fneg(FT, FB, false), 0, snan, 0),
        (snan & !SIGN, status)
    );
    assert_eq!(
        op(status, fabs(FT, FB, false), 0, snan, 0),
        (snan & !SIGN, status)
    );
    assert_eq!(
        op(status, fnabs(FT, FB, false), 0, SNAN, 0),
        (SNAN | SIGN, status)
    );
}

#[test]
fn compares_set_the_cr_field_and_fpcc() {
    for (ordered, a, b, cc) in [
        (false, f(1.0), f(2.0), 8),
        (false, f(2.0), f(1.0), 4),
        (true, 0, SIGN, 2),
        (true, SIGN | INF, 1, 8),
    ] {
        let mut core = core();
        core.cpu.fpscr = FI | C;
        core.cpu.fpr[FA as usize] = a;
        core.cpu.fpr[FB as usize] = b;
        let word = if ordered {
            fcmpo(6, FA, FB)
        } else {
            fcmpu(6, FA, FB)
        };
        exec(&mut core, word).unwrap();
        assert_eq!(core.cpu.cr, cc << 4);
        // FPCC is set, C kept, and FI cleared (QEMU).
        assert_eq!(core.cpu.fpscr, C | cc << FPRF_SHIFT);
    }
    // Unordered: fcmpu flags only a signalling NaN; fcmpo flags VXVC (and sets
    // C, as QEMU does) and VXSNAN for a signalling NaN.
    let mut core = core();
    core.cpu.fpr[FA as usize] = f(1.0);
    core.cpu.fpr[FB as usize] = QNAN;
    exec(&mut core, fcmpu(1, FA, FB)).unwrap();
    assert_eq!((core.cpu.cr, core.cpu.fpscr), (0x0100_0000, FU));
    exec(&mut core, fcmpo(1, FA, FB)).unwrap();
    assert_eq!(core.cpu.fpscr, FX | VX | VXVC | C | FU);
    core.cpu.fpscr = 0;
    core.cpu.fpr[FB as usize] = SNAN;
    exec(&mut core, fcmpu(0, FA, FB)).unwrap();
    assert_eq!(
        (core.cpu.cr >> 28, core.cpu.fpscr),
        (1, FX | VX | VXSNAN | FU)
    );
    core.cpu.fpscr = 0;
    exec(&mut core, fcmpo(0, FA, FB)).unwrap();
    assert_eq!(core.cpu.fpscr, FX | VX | VXSNAN | VXVC | C | FU);
}

// ---- FPSCR instructions ----

#[test]
fn mffs_zero_extends() {
    let mut core = core();
    core.cpu.fpscr = 0xE100_F0F3;
    exec(&mut core, mffs(FT, false)).unwrap();
    assert_eq!(core.cpu.fpr[FT as usize], 0xE100_F0F3);
}

#[test]
fn mtfsf_writes_fields_and_recomputes_fex_vx() {
    let mut core = core();
    core.cpu.fpscr = RN;
    // All fields from FRB: FEX/VX from FRB are ignored, recomputed from the
    // exception and enable bits; the reserved bit 52 reads as zero.
    core.cpu.fpr[FB as usize] = 0xFFFF_FFFF_6000_0800;
    exec(&mut core, mtfsf(0xFF, FB, false)).unwrap();
    assert_eq!(core.cpu.fpscr, 0);
    core.cpu.fpr[FB as usize] = (VXSOFT | ZX | ZE) as u64;
    exec(&mut core, mtfsf(0xFF, FB, false)).unwrap();
    assert_eq!(core.cpu.fpscr, VXSOFT | ZX | ZE | VX | FEX);
    // Only the selected fields change: field 7 (XE NI RN).
    core.cpu.fpr[FB as usize] = 0x0000_0003;
    exec(&mut core, mtfsf(0x01, FB, true)).unwrap();
    assert_eq!(core.cpu.fpscr, VXSOFT | ZX | ZE | VX | FEX | 3);
    assert_eq!(
        core.cpu.cr >> 24 & 0xF,
        0x6,
        "CR1 = FEX|VX (no FX: mtfsf does not set it)"
    );
    // Field 6 (VE OE UE ZE): clearing ZE clears FEX.
    exec(&mut core, mtfsf(0x02, FB, false)).unwrap();
    assert_eq!(core.cpu.fpscr, VXSOFT | ZX | VX | 3);
}

#[test]
fn mtfsfi_and_mtfsb() {
    let mut core = core();
    exec(&mut core, mtfsfi(7, 2, false)).unwrap();
    assert_eq!(core.cpu.fpscr, 2);
    // Field 0: FX and OX written, FEX and VX recomputed.
    exec(&mut core, mtfsfi(0, 0xF, true)).unwrap();
    assert_eq!(core.cpu.fpscr, FX | OX | 2);
    assert_eq!(core.cpu.cr >> 24 & 0xF, 0x9);
    exec(&mut core, mtfsb1(25, false)).unwrap(); // OE
    assert_eq!(core.cpu.fpscr, FX | OX | OE | FEX | 2);
    exec(&mut core, mtfsb0(0, false)).unwrap(); // FX
    exec(&mut core, mtfsb0(1, false)).unwrap(); // FEX: not writable
    exec(&mut core, mtfsb1(2, false)).unwrap(); // VX: not writable
    assert_eq!(core.cpu.fpscr, OX | OE | FEX | 2);
    // NI cannot be set by mtfsb1 (QEMU: no non-IEEE mode), but by mtfsfi.
    exec(&mut core, mtfsb1(29, false)).unwrap();
    assert_eq!(core.cpu.fpscr & NI, 0);
    exec(&mut core, mtfsfi(7, 0x6, false)).unwrap();
    assert_eq!(core.cpu.fpscr & (NI | RN), NI | 2);
    exec(&mut core, mtfsb0(29, false)).unwrap();
    assert_eq!(core.cpu.fpscr & NI, 0);
    // An invalid-operation bit brings VX with it.
    exec(&mut core, mtfsb1(7, false)).unwrap(); // VXSNAN
    assert_eq!(core.cpu.fpscr & (VX | VXSNAN), VX | VXSNAN);
}

#[test]
fn mcrfs_copies_and_clears_exception_bits() {
    let mut core = core();
    core.cpu.fpscr = FX | VX | VXSNAN | VXISI | XX | FI | VE | FEX | PLUS_NORMAL;
    exec(&mut core, mcrfs(2, 1)).unwrap(); // UX ZX XX VXSNAN
    assert_eq!(core.cpu.cr >> 20 & 0xF, 0x3);
    // XX and VXSNAN cleared; VX stays (VXISI), FEX stays (VX & VE).
    assert_eq!(
        core.cpu.fpscr,
        FX | VX | VXISI | FI | VE | FEX | PLUS_NORMAL
    );
    exec(&mut core, mcrfs(0, 0)).unwrap(); // FX FEX VX OX
    assert_eq!(core.cpu.cr >> 28, 0xE);
    assert_eq!(core.cpu.fpscr, VX | VXISI | FI | VE | FEX | PLUS_NORMAL);
    // Status fields (FR FI FPRF) are copied, not cleared.
    exec(&mut core, mcrfs(7, 3)).unwrap(); // VXVC FR FI C
    assert_eq!(core.cpu.cr & 0xF, 0x2);
    assert_eq!(core.cpu.fpscr & FI, FI);
}

// ---- enabled exceptions ----

/// FA core in a precise FP exception mode.
fn precise_core(fpscr: u32) -> Core {
    let mut core = core();
    core.cpu.set_msr(msr::FP | msr::FE0 | msr::FE1);
    core.cpu.fpscr = fpscr;
    core
}

#[test]
fn enabled_invalid_and_zero_divide_interrupt_before_the_target() {
    let mut core = precise_core(VE | PLUS_NORMAL);
    core.cpu.cr = 0;
    core.cpu.fpr[FA as usize] = INF;
    core.cpu.fpr[FB as usize] = INF;
    let r = exec(&mut core, fsub(false, FT, FA, FB, true));
    program_fp(r, &core);
    assert_eq!(core.cpu.fpr[FT as usize], UNTOUCHED);
    assert_eq!(core.cpu.fpscr, VE | FX | FEX | VX | VXISI | PLUS_NORMAL);
    assert_eq!(core.cpu.cr, 0, "CR1 not written");

    let mut core = precise_core(ZE);
    core.cpu.fpr[FA as usize] = f(1.0);
    let r = exec(&mut core, fdiv(false, FT, FA, FB, false));
    program_fp(r, &core);
    assert_eq!(core.cpu.fpr[FT as usize], UNTOUCHED);
    assert_eq!(core.cpu.fpscr, ZE | FX | FEX | ZX);

    // FA signalling NaN interrupts before FI is updated (QEMU's order).
    let mut core = precise_core(VE | FI);
    core.cpu.fpr[FB as usize] = SNAN;
    program_fp(exec(&mut core, fadd(false, FT, FA, FB, false)), &core);
    assert_eq!(core.cpu.fpscr, VE | FI | FX | FEX | VX | VXSNAN);
}

#[test]
fn enabled_invalid_without_precise_mode_keeps_the_target() {
    // MSR[FE0,FE1] = 0: no interrupt, FEX set, and (per the architecture; QEMU
    // writes them) the target and FPRF unchanged.
    let (r, fpscr) = op(
        VE | PLUS_NORMAL,
        fsub(false, FT, FA, FB, false),
        INF,
        INF,
        0,
    );
    assert_eq!(r, UNTOUCHED);
    assert_eq!(fpscr, VE | FX | FEX | VX | VXISI | PLUS_NORMAL);
    let (r, fpscr) = op(ZE, fdiv(false, FT, FA, FB, false), f(1.0), 0, 0);
    assert_eq!((r, fpscr), (UNTOUCHED, ZE | FX | FEX | ZX));
    let (r, fpscr) = op(VE, fctiw(FT, FB, false), 0, QNAN, 0);
    assert_eq!((r, fpscr), (UNTOUCHED, VE | FX | FEX | VX | VXCVI));
}

#[test]
fn enabled_overflow_underflow_inexact_interrupt_after_the_target() {
    // Overflow with OE: the exponent is adjusted by -1536, the result written.
    let mut core = precise_core(OE);
    core.cpu.fpr[FA as usize] = p2(1023);
    core.cpu.fpr[FC as usize] = f(4.0);
    program_fp(exec(&mut core, fmul(false, FT, FA, FC, false)), &core);
    assert_eq!(core.cpu.fpr[FT as usize], p2(1025 - 1536));
    assert_eq!(core.cpu.fpscr, OE | FX | FEX | OX | PLUS_NORMAL);
    // Single precision: -192.
    let mut core = precise_core(OE);
    core.cpu.fpr[FA as usize] = p2(127);
    core.cpu.fpr[FC as usize] = f(4.0);
    program_fp(exec(&mut core, fmul(true, FT, FA, FC, false)), &core);
    assert_eq!(core.cpu.fpr[FT as usize], p2(129 - 192));
    // Underflow with UE: +1536, signalled even though exact.
    let mut core = precise_core(UE);
    core.cpu.fpr[FA as usize] = 1;
    core.cpu.fpr[FB as usize] = f(2.0);
    program_fp(exec(&mut core, fdiv(false, FT, FA, FB, false)), &core);
    assert_eq!(core.cpu.fpr[FT as usize], p2(-1075 + 1536));
    assert_eq!(core.cpu.fpscr, UE | FX | FEX | UX | PLUS_NORMAL);
    // Inexact with XE: result, FI and XX written first.
    let mut core = precise_core(XE);
    core.cpu.fpr[FA as usize] = f(1.0);
    core.cpu.fpr[FB as usize] = p2(-30);
    program_fp(exec(&mut core, fadd(true, FT, FA, FB, true)), &core);
    assert_eq!(core.cpu.fpr[FT as usize], f(1.0));
    assert_eq!(core.cpu.fpscr, XE | FX | FEX | XX | FI | PLUS_NORMAL);
    // With the enables but MSR[FE0,FE1] = 0: FEX, no interrupt.
    let (r, fpscr) = op(XE, fadd(true, FT, FA, FB, false), f(1.0), p2(-30), 0);
    assert_eq!((r, fpscr), (f(1.0), XE | FX | FEX | XX | FI | PLUS_NORMAL));
}

#[test]
fn enabled_exceptions_from_compares_and_fpscr_writes() {
    // fcmpo with a QNaN and VE: CR and FPSCR written, then the interrupt.
    let mut core = precise_core(VE);
    core.cpu.fpr[FB as usize] = QNAN;
    program_fp(exec(&mut core, fcmpo(3, FA, FB)), &core);
    assert_eq!(core.cpu.cr >> 16 & 0xF, 1);
    assert_eq!(core.cpu.fpscr, VE | FX | FEX | VX | VXVC | C | FU);
    // mtfsf making an exception pending: written, CR1 copied, then interrupt.
    let mut core = precise_core(0);
    core.cpu.fpr[FB as usize] = (XX | XE) as u64;
    program_fp(exec(&mut core, mtfsf(0xFF, FB, true)), &core);
    assert_eq!(core.cpu.fpscr, XX | XE | FEX);
    assert_eq!(core.cpu.cr >> 24 & 0xF, 0x4);
    // mtfsb1 likewise; mtfsb0 never interrupts.
    let mut core = precise_core(ZE);
    program_fp(exec(&mut core, mtfsb1(5, false)), &core); // ZX
    assert_eq!(core.cpu.fpscr, ZE | ZX | FEX);
    exec(&mut core, mtfsb0(0, false)).unwrap();
    let mut core = precise_core(VE);
    program_fp(exec(&mut core, mtfsfi(5, 0x4, false)), &core); // VXSOFT
    assert_eq!(core.cpu.fpscr, VE | VXSOFT | VX | FEX);
}

#[test]
fn enabled_exception_enters_the_program_vector_at_the_instruction() {
    let prog = [fdiv(false, FT, FA, FB, false), b(0)];
    let mut core = crate::tests::core_with(Flavor::E500mc, &prog);
    core.cpu.set_msr(msr::FP | msr::FE0);
    core.cpu.set_spr(Spr::Ivpr, 0);
    core.cpu.set_spr(Spr::Ivor6, 0x700);
    core.cpu.write_phys(0x700, &b(0).to_be_bytes()).unwrap();
    core.cpu.fpscr = ZE;
    core.cpu.fpr[FA as usize] = f(1.0);
    core.cpu.fpr[FT as usize] = UNTOUCHED;
    core.run(&mut NoDevices, 10);
    assert_eq!(core.cpu.pc, 0x700);
    assert_eq!(core.cpu.spr(Spr::Srr0), crate::tests::ORIGIN);
    assert_eq!(core.cpu.spr(Spr::Esr), esr::FP);
    assert_eq!(core.cpu.spr(Spr::Srr1), msr::FP | msr::FE0);
    assert_eq!(core.cpu.fpr[FT as usize], UNTOUCHED);
}

// ---- availability ----

#[test]
fn fp_unavailable_illegal_and_fsqrt() {
    let mut core = core();
    core.cpu.set_msr(0);
    for word in [
        fadd(false, FT, FA, FB, false),
        mffs(FT, false),
        fcmpu(0, FA, FB),
        lfd(FT, 0, 0),
        stfd(FT, 0, 0),
    ] {
        assert_eq!(
            exec(&mut core, word),
            Err(Exc::Interrupt(Interrupt::FpUnavailable)),
            "{word:#x}"
        );
    }
    // fsqrt[s] is illegal on the e500mc, whatever MSR[FP] says.
    for fp in [0, msr::FP] {
        core.cpu.set_msr(fp);
        for single in [false, true] {
            let r = exec(&mut core, fsqrt(single, FT, FB, false));
            assert_eq!(r, Err(Exc::Interrupt(Interrupt::Program)));
            assert_eq!(core.cpu.spr(Spr::Esr), esr::PIL);
        }
    }
    // The e500v2 has no FPU.
    let mut v2 = crate::tests::core_with(Flavor::E500v2, &[]);
    v2.cpu.set_msr(msr::FP);
    let r = v2
        .cpu
        .exec(&decode(fadd(false, FT, FA, FB, false)), 0, &mut NoDevices);
    assert_eq!(r, Err(Exc::Interrupt(Interrupt::Program)));
    assert_eq!(v2.cpu.spr(Spr::Esr), esr::PIL);
}

// ---- loads and stores ----

#[test]
fn single_loads_and_stores_convert_bit_exactly() {
    let mut core = core();
    let base = 0x2000u32;
    core.cpu.gpr[9] = base;
    let put = |core: &mut Core, off: u32, bytes: &[u8]| {
        core.cpu.write_phys((base + off) as u64, bytes).unwrap()
    };
    let get = |core: &Core, off: u32| {
        let mut b = [0u8; 4];
        core.cpu.read_phys((base + off) as u64, &mut b).unwrap();
        u32::from_be_bytes(b)
    };
    // lfs: denormal singles become normal doubles; signalling NaNs stay so.
    for (s, d) in [
        (0x0000_0001u32, 0x36A0_0000_0000_0000u64),
        (0x8040_0000, 0xB800_0000_0000_0000),
        (0x7F80_0001, 0x7FF0_0000_2000_0000),
        (0xFF80_0000, 0xFFF0_0000_0000_0000),
        (0x3F80_0000, f(1.0)),
    ] {
        put(&mut core, 0, &s.to_be_bytes());
        exec(&mut core, lfs(FT, 0, 9)).unwrap();
        assert_eq!(core.cpu.fpr[FT as usize], d, "lfs {s:#x}");
        exec(&mut core, stfs(FT, 4, 9)).unwrap();
        assert_eq!(get(&core, 4), s, "stfs {d:#x}");
    }
    // stfs truncates; no FPSCR change.
    core.cpu.fpscr = 0;
    core.cpu.fpr[FT as usize] = 0x3FF0_0000_1FFF_FFFF;
    exec(&mut core, stfs(FT, 0, 9)).unwrap();
    assert_eq!((get(&core, 0), core.cpu.fpscr), (0x3F80_0000, 0));
    // stfiwx stores the low word.
    core.cpu.fpr[FT as usize] = 0xFFFF_FFFF_8000_0001;
    core.cpu.gpr[10] = 8;
    exec(&mut core, stfiwx(FT, 9, 10)).unwrap();
    assert_eq!(get(&core, 8), 0x8000_0001);
    // Update forms write the EA back to rA.
    put(&mut core, 16, &f(2.5).to_be_bytes());
    exec(&mut core, d_form(51, FT, 9, 16)).unwrap(); // lfdu
    assert_eq!(
        (core.cpu.fpr[FT as usize], core.cpu.gpr[9]),
        (f(2.5), base + 16)
    );
    exec(&mut core, d_form(55, FT, 9, 8)).unwrap(); // stfdu
    assert_eq!(core.cpu.gpr[9], base + 24);
    let mut d = [0u8; 8];
    core.cpu.read_phys((base + 24) as u64, &mut d).unwrap();
    assert_eq!(u64::from_be_bytes(d), f(2.5));
}
