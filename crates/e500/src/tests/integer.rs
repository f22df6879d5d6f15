//! Integer arithmetic, logical, rotate/shift, compare, isel and CR operations.

use super::*;
use crate::cpu::xer;

/// Load r3 = a, r4 = b, clear XER, run `op`, return the core.
fn binop(a: u32, b: u32, op: u32) -> Core {
    let mut prog = vec![];
    prog.extend([lis(3, (a >> 16) as u16), ori(3, 3, a as u16)]);
    prog.extend([lis(4, (b >> 16) as u16), ori(4, 4, b as u16)]);
    prog.extend([li(0, 0), mtspr(1, 0), op]);
    exec(Flavor::E500v2, &prog)
}

fn cr0(core: &Core) -> u32 {
    core.cpu.cr >> 28
}

#[test]
fn add_family_carry_and_overflow() {
    // addo. 5,3,4: 0x7fffffff + 1 overflows, result negative
    let c = binop(0x7FFF_FFFF, 1, xo_form(5, 3, 4, true, 266, true));
    assert_eq!(c.cpu.gpr[5], 0x8000_0000);
    assert_eq!(c.cpu.xer & (xer::OV | xer::SO), xer::OV | xer::SO);
    assert_eq!(cr0(&c), 0b1001, "LT and SO");
    // addc: carry out
    let c = binop(0xFFFF_FFFF, 2, xo_form(5, 3, 4, false, 10, false));
    assert_eq!((c.cpu.gpr[5], c.cpu.xer & xer::CA), (1, xer::CA));
    // adde consumes CA: set it with addic first
    let prog = [
        li(3, -1),
        addic(3, 3, 1),
        li(4, 5),
        li(6, 7),
        xo_form(5, 4, 6, false, 138, false),
    ];
    let c = exec(Flavor::E500v2, &prog);
    assert_eq!(c.cpu.gpr[5], 13);
    // addze/addme with CA=0
    let c = binop(10, 0, xo_form(5, 3, 0, false, 202, false));
    assert_eq!(c.cpu.gpr[5], 10);
    let c = binop(10, 0, xo_form(5, 3, 0, false, 234, false));
    assert_eq!((c.cpu.gpr[5], c.cpu.xer & xer::CA), (9, xer::CA));
}

#[test]
fn subtract_family() {
    // subf 5,3,4 = r4 - r3
    let c = binop(3, 10, xo_form(5, 3, 4, false, 40, false));
    assert_eq!(c.cpu.gpr[5], 7);
    // subfc: CA = no borrow
    let c = binop(3, 10, xo_form(5, 3, 4, false, 8, false));
    assert_eq!(c.cpu.xer & xer::CA, xer::CA);
    let c = binop(10, 3, xo_form(5, 3, 4, false, 8, false));
    assert_eq!((c.cpu.gpr[5], c.cpu.xer & xer::CA), (0xFFFF_FFF9, 0));
    // subfo overflow: 0x80000000 - 1
    let c = binop(1, 0x8000_0000, xo_form(5, 3, 4, true, 40, false));
    assert_eq!(c.cpu.gpr[5], 0x7FFF_FFFF);
    assert_ne!(c.cpu.xer & xer::OV, 0);
    // subfic
    let c = exec(Flavor::E500v2, &[li(3, 5), subfic(5, 3, 2)]);
    assert_eq!((c.cpu.gpr[5], c.cpu.xer & xer::CA), (0xFFFF_FFFD, 0));
    // neg / nego of INT_MIN
    let c = binop(0x8000_0000, 0, xo_form(5, 3, 0, true, 104, false));
    assert_eq!(c.cpu.gpr[5], 0x8000_0000);
    assert_ne!(c.cpu.xer & xer::OV, 0);
    // subfe/subfze/subfme with CA = 1
    let prog = [
        li(3, -1),
        addic(3, 3, 1),
        li(4, 5),
        li(6, 7),
        xo_form(5, 4, 6, false, 136, false),
    ];
    assert_eq!(exec(Flavor::E500v2, &prog).cpu.gpr[5], 2);
    let prog = [
        li(3, -1),
        addic(3, 3, 1),
        li(4, 5),
        xo_form(5, 4, 0, false, 200, false),
    ];
    assert_eq!(exec(Flavor::E500v2, &prog).cpu.gpr[5], !5u32 + 1);
    let prog = [
        li(3, -1),
        addic(3, 3, 1),
        li(4, 5),
        xo_form(5, 4, 0, false, 232, false),
    ];
    assert_eq!(exec(Flavor::E500v2, &prog).cpu.gpr[5], !5u32);
}

#[test]
fn multiply_and_divide_edge_cases() {
    let c = binop(0x1234_5678, 0x9ABC_DEF0, xo_form(5, 3, 4, false, 11, false));
    assert_eq!(
        c.cpu.gpr[5],
        ((0x1234_5678u64 * 0x9ABC_DEF0u64) >> 32) as u32
    );
    let c = binop(0xFFFF_FFFE, 3, xo_form(5, 3, 4, false, 75, false));
    assert_eq!(c.cpu.gpr[5], 0xFFFF_FFFF, "mulhw of -2*3");
    let c = binop(0x10000, 0x10000, xo_form(5, 3, 4, true, 235, false));
    assert_eq!(c.cpu.gpr[5], 0);
    assert_ne!(c.cpu.xer & xer::OV, 0, "mullwo overflow");
    let c = exec(Flavor::E500v2, &[li(3, -7), mulli(5, 3, 6)]);
    assert_eq!(c.cpu.gpr[5] as i32, -42);
    // divw: normal, truncation toward zero
    let c = binop(-7i32 as u32, 2, xo_form(5, 3, 4, false, 491, false));
    assert_eq!(c.cpu.gpr[5] as i32, -3);
    // divwo by zero: OV set, quotient as QEMU computes it (dividend / 1)
    let c = binop(1234, 0, xo_form(5, 3, 4, true, 491, true));
    assert_eq!(c.cpu.gpr[5], 1234);
    assert_ne!(c.cpu.xer & xer::OV, 0);
    assert_eq!(cr0(&c) & 1, 1, "SO copied into CR0");
    let c = binop(0x8000_0000, 0xFFFF_FFFF, xo_form(5, 3, 4, true, 491, false));
    assert_eq!(c.cpu.gpr[5], 0x8000_0000);
    assert_ne!(c.cpu.xer & xer::OV, 0);
    let c = binop(0xFFFF_FFFF, 0, xo_form(5, 3, 4, true, 459, false));
    assert_eq!(c.cpu.gpr[5], 0xFFFF_FFFF);
    assert_ne!(c.cpu.xer & xer::OV, 0);
    let c = binop(0xFFFF_FFFF, 16, xo_form(5, 3, 4, true, 459, false));
    assert_eq!(c.cpu.gpr[5], 0x0FFF_FFFF);
    assert_eq!(c.cpu.xer & xer::OV, 0);
}

#[test]
fn logical_and_shifts() {
    let l = |xo| x_form(31, 3, 5, 4, xo, false);
    assert_eq!(binop(0xF0F0, 0xFF00, l(28)).cpu.gpr[5], 0xF000);
    assert_eq!(binop(0xF0F0, 0xFF00, l(60)).cpu.gpr[5], 0x00F0);
    assert_eq!(binop(0xF0F0, 0xFF00, l(412)).cpu.gpr[5], 0xFFFF_F0FF);
    assert_eq!(binop(0xF0F0, 0xFF00, l(124)).cpu.gpr[5], !0xFFF0u32);
    assert_eq!(binop(0xF0F0, 0xFF00, l(476)).cpu.gpr[5], !0xF000u32);
    assert_eq!(binop(0xF0F0, 0xFF00, l(284)).cpu.gpr[5], !0x0FF0u32);
    // slw/srw use 6 bits of rB: 32..63 give 0
    assert_eq!(binop(1, 31, l(24)).cpu.gpr[5], 0x8000_0000);
    assert_eq!(binop(1, 32, l(24)).cpu.gpr[5], 0);
    assert_eq!(binop(0x8000_0000, 63, l(536)).cpu.gpr[5], 0);
    // sraw: CA when a negative value loses one bits
    let c = binop(0xFFFF_FFF5, 2, l(792));
    assert_eq!((c.cpu.gpr[5], c.cpu.xer & xer::CA), (0xFFFF_FFFD, xer::CA));
    let c = binop(0xFFFF_FFF4, 2, l(792));
    assert_eq!((c.cpu.gpr[5], c.cpu.xer & xer::CA), (0xFFFF_FFFD, 0));
    let c = binop(0x8000_0000, 40, l(792));
    assert_eq!((c.cpu.gpr[5], c.cpu.xer & xer::CA), (0xFFFF_FFFF, xer::CA));
    // srawi 5,3,4
    let c = binop(0xFFFF_FF01, 0, x_form(31, 3, 5, 4, 824, false));
    assert_eq!((c.cpu.gpr[5], c.cpu.xer & xer::CA), (0xFFFF_FFF0, xer::CA));
    // extsb, extsh, cntlzw (with Rc)
    assert_eq!(
        binop(0x80, 0, x_form(31, 3, 5, 0, 954, false)).cpu.gpr[5],
        0xFFFF_FF80
    );
    assert_eq!(
        binop(0x7FFF, 0, x_form(31, 3, 5, 0, 922, false)).cpu.gpr[5],
        0x7FFF
    );
    let c = binop(0, 0, x_form(31, 3, 5, 0, 26, true));
    assert_eq!((c.cpu.gpr[5], cr0(&c)), (32, 0b0100));
    // immediate forms
    let c = exec(Flavor::E500v2, &[li(3, 0x0F0F), andi_(5, 3, 0xF0)]);
    assert_eq!((c.cpu.gpr[5], cr0(&c)), (0, 0b0010), "andi. sets CR0 EQ");
    let c = exec(
        Flavor::E500v2,
        &[lis(3, 0x1234), oris(5, 3, 0x8000), xoris_(6, 5, 0x8000)],
    );
    assert_eq!((c.cpu.gpr[5], c.cpu.gpr[6]), (0x9234_0000, 0x1234_0000));
}

fn xoris_(ra: u32, rs: u32, ui: u16) -> u32 {
    d_form(27, rs, ra, ui)
}

#[test]
fn rotates() {
    // rlwinm 5,3,8,24,31 extracts the top byte
    assert_eq!(
        binop(0xAB12_3456, 0, rlwinm(5, 3, 8, 24, 31)).cpu.gpr[5],
        0xAB
    );
    // rlwimi 5,3,16,0,15 inserts r3's low half into r5's high half
    let prog = [
        lis(5, 0x1111),
        ori(5, 5, 0x2222),
        li(3, 0x7777),
        m_form(20, 3, 5, 16, 0, 15, false),
    ];
    assert_eq!(exec(Flavor::E500v2, &prog).cpu.gpr[5], 0x7777_2222);
    // rlwnm 5,3,4,0,31 rotates by r4 & 31
    assert_eq!(
        binop(0x8000_0001, 33, m_form(23, 3, 5, 4, 0, 31, false))
            .cpu
            .gpr[5],
        0x0000_0003
    );
    // wrap-around mask
    assert_eq!(
        binop(0xFFFF_FFFF, 0, rlwinm(5, 3, 0, 30, 1)).cpu.gpr[5],
        0xC000_0003
    );
    // record form
    let c = binop(0x8000_0000, 0, m_form(21, 3, 5, 0, 0, 31, true));
    assert_eq!(cr0(&c), 0b1000);
}

#[test]
fn compares_isel_and_cr_ops() {
    // cmpw cr1: -1 < 1 signed; cmplw cr2: 0xffffffff > 1 unsigned
    let c = binop(0xFFFF_FFFF, 1, cmpw(1, 3, 4));
    assert_eq!((c.cpu.cr >> 24) & 0xF, 0b1000);
    let c = binop(0xFFFF_FFFF, 1, cmplw(2, 3, 4));
    assert_eq!((c.cpu.cr >> 20) & 0xF, 0b0100);
    let c = exec(Flavor::E500v2, &[li(3, 5), cmpwi(7, 3, 5), cmplwi(6, 3, 9)]);
    assert_eq!(c.cpu.cr & 0xFF, 0b1000_0010);
    // isel r5 = CR0[EQ] ? r3 : r4, and rA=0 means 0
    let isel = |rt: u32, ra: u32, rb: u32, bc: u32| -> u32 {
        31 << 26 | rt << 21 | ra << 16 | rb << 11 | bc << 6 | 15 << 1
    };
    let c = exec(
        Flavor::E500mc,
        &[
            li(3, 1),
            li(4, 2),
            cmpwi(0, 3, 1),
            isel(5, 3, 4, 2),
            isel(6, 0, 4, 2),
        ],
    );
    assert_eq!((c.cpu.gpr[5], c.cpu.gpr[6]), (1, 0));
    // crxor 6,6,6 clears bit 6; creqv sets; mcrf copies; mtcrf/mfcr
    let crop = |xo: u32, bt: u32, ba: u32, bb: u32| -> u32 {
        19 << 26 | bt << 21 | ba << 16 | bb << 11 | xo << 1
    };
    let prog = [
        lis(3, 0x1234),
        ori(3, 3, 0x5678),
        31 << 26 | 3 << 21 | 0xFF << 12 | 144 << 1, // mtcrf 0xff,r3
        crop(193, 0, 0, 0),                         // crxor 0,0,0 (clear bit 0)
        crop(289, 1, 1, 1),                         // creqv 1,1,1 (set bit 1)
        19 << 26 | 7 << 23 | 1 << 18,               // mcrf 7,1
        x_form(31, 5, 0, 0, 19, false),             // mfcr r5
    ];
    let c = exec(Flavor::E500v2, &prog);
    assert_eq!(c.cpu.gpr[5], 0x5234_5672);
    // mcrxr moves XER[SO,OV,CA] into a CR field and clears them
    let prog = [
        lis(3, 0xE000),
        mtspr(1, 3),
        31 << 26 | 3 << 23 | 512 << 1,
        mfspr(4, 1),
    ];
    let c = exec(Flavor::E500v2, &prog);
    assert_eq!(((c.cpu.cr >> 16) & 0xF, c.cpu.gpr[4]), (0b1110, 0));
}
