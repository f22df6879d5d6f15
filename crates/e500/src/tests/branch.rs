//! Branches: relative and absolute, conditional on CR and CTR, through LR and CTR.

use super::*;

#[test]
fn conditional_branches_and_ctr() {
    // Count down CTR=5 with bdnz, accumulating in r3.
    let prog = [li(3, 0), li(4, 5), mtctr(4), addi(3, 3, 2), bc(16, 0, -4)];
    on_both(&prog, |c| {
        assert_eq!(c.cpu.gpr[3], 10);
        assert_eq!(c.cpu.ctr, 0);
    });
    // bdz falls through when CTR becomes non-zero
    let prog = [li(4, 2), mtctr(4), bc(18, 0, 8), li(3, 1)];
    assert_eq!(exec(Flavor::E500v2, &prog).cpu.gpr[3], 1);
    // beq taken / bne not taken
    let prog = [
        li(3, 0),
        cmpwi(0, 3, 0),
        bc(12, 2, 8),
        li(3, 99),
        bc(4, 2, 8),
        li(3, 7),
    ];
    assert_eq!(exec(Flavor::E500v2, &prog).cpu.gpr[3], 7);
}

#[test]
fn calls_and_returns() {
    // bl to a leaf that sets r3 and returns with blr; LR holds the return address.
    let prog = [bl(12), li(4, 1), b(12), li(3, 42), blr()];
    let c = exec(Flavor::E500mc, &prog);
    assert_eq!((c.cpu.gpr[3], c.cpu.gpr[4]), (42, 1));
    assert_eq!(c.cpu.lr, ORIGIN + 4);
    // bctrl through CTR
    let target = ORIGIN + 20;
    let prog = [
        lis(5, (target >> 16) as u16),
        ori(5, 5, target as u16),
        mtctr(5),
        bctr() | 1,
        b(12),
        li(3, 9),
        blr(),
    ];
    let c = exec(Flavor::E500v2, &prog);
    assert_eq!(c.cpu.gpr[3], 9);
}

#[test]
fn absolute_branch() {
    // ba to ORIGIN+12 (AA=1)
    let prog = [b(ORIGIN as i32 + 12) | 2, li(3, 1), li(3, 2), li(4, 4)];
    let c = exec(Flavor::E500v2, &prog);
    assert_eq!((c.cpu.gpr[3], c.cpu.gpr[4]), (0, 4));
}
