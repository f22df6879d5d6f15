//! Loads and stores: widths, update and indexed forms, byte reversal, multiple,
//! string, reservations, misalignment and page crossing.

use super::*;

fn data_prog(tail: &[u32]) -> Vec<u32> {
    let mut p = vec![lis(9, (DATA >> 16) as u16), ori(9, 9, DATA as u16)];
    p.extend_from_slice(tail);
    p
}

fn with_data(words: &[u32], tail: &[u32]) -> Core {
    let mut prog = data_prog(tail);
    prog.push(SW_BREAKPOINT);
    let mut core = core_with(Flavor::E500v2, &prog);
    trap_vectors(&mut core);
    poke(&mut core, DATA, words);
    let at = run_to_break(&mut core);
    assert_eq!(at, ORIGIN + 4 * (prog.len() as u32 - 1));
    core
}

#[test]
fn widths_and_sign_extension() {
    let c = with_data(
        &[0x8081_8283, 0xF00D_BEEF],
        &[
            lbz(3, 1, 9),
            lhz(4, 2, 9),
            d_form(42, 5, 9, 0),
            lwz(6, 4, 9),
        ],
    );
    assert_eq!(c.cpu.gpr[3], 0x81);
    assert_eq!(c.cpu.gpr[4], 0x8283);
    assert_eq!(c.cpu.gpr[5], 0xFFFF_8081, "lha sign-extends");
    assert_eq!(c.cpu.gpr[6], 0xF00D_BEEF);
}

#[test]
fn update_and_indexed_forms() {
    let c = with_data(
        &[1, 2, 3, 4],
        &[
            d_form(33, 3, 9, 8),
            li(7, 4),
            x_form(31, 4, 9, 7, 55, false),
            li(8, 0x55),
            d_form(37, 8, 9, 4),
        ],
    );
    // lwzu r3,8(r9): r3 = 3, r9 = DATA+8; lwzux r4,r9,r7: r4 = 4, r9 = DATA+12;
    // stwu r8,4(r9): stores at DATA+16, r9 = DATA+16
    assert_eq!((c.cpu.gpr[3], c.cpu.gpr[4]), (3, 4));
    assert_eq!(c.cpu.gpr[9], DATA + 16);
    assert_eq!(peek(&c, DATA + 16), 0x55);
}

#[test]
fn stores_of_each_width_and_byte_reversal() {
    let c = with_data(
        &[0; 4],
        &[
            lis(3, 0x1122),
            ori(3, 3, 0x3344),
            stb(3, 0, 9),
            sth(3, 2, 9),
            stw(3, 4, 9),
            li(7, 8),
            x_form(31, 3, 9, 7, 662, false),
            li(7, 12),
            x_form(31, 3, 9, 7, 918, false),
        ],
    );
    assert_eq!(peek(&c, DATA), 0x4400_3344);
    assert_eq!(peek(&c, DATA + 4), 0x1122_3344);
    assert_eq!(peek(&c, DATA + 8), 0x4433_2211, "stwbrx");
    assert_eq!(peek(&c, DATA + 12), 0x4433_0000, "sthbrx");
    let c = with_data(
        &[0x1122_3344],
        &[
            li(7, 0),
            x_form(31, 3, 9, 7, 534, false),
            x_form(31, 4, 9, 7, 790, false),
        ],
    );
    assert_eq!((c.cpu.gpr[3], c.cpu.gpr[4]), (0x4433_2211, 0x2211));
}

#[test]
fn load_store_multiple() {
    let c = with_data(
        &[10, 20, 30],
        &[
            d_form(46, 29, 9, 0),
            addi(29, 29, 1),
            addi(30, 30, 1),
            addi(31, 31, 1),
            d_form(47, 29, 9, 16),
        ],
    );
    assert_eq!((c.cpu.gpr[29], c.cpu.gpr[30], c.cpu.gpr[31]), (11, 21, 31));
    assert_eq!(
        (
            peek(&c, DATA + 16),
            peek(&c, DATA + 20),
            peek(&c, DATA + 24)
        ),
        (11, 21, 31)
    );
}

#[test]
fn misaligned_multiple_takes_alignment_interrupt() {
    let mut prog = data_prog(&[d_form(46, 30, 9, 2)]);
    prog.push(SW_BREAKPOINT);
    let mut core = core_with(Flavor::E500v2, &prog);
    trap_vectors(&mut core);
    assert_eq!(run_to_break(&mut core), VECTORS + 0x500);
    assert_eq!(core.cpu.peek_spr(crate::Spr::Dear), DATA + 2);
    assert_eq!(core.cpu.peek_spr(crate::Spr::Srr0), ORIGIN + 8);
}

#[test]
fn string_instructions() {
    // lswi r5,r9,7 loads "ABCDEFG" into r5 (4 bytes) and r6 (3 bytes, zero padded)
    let c = with_data(
        &[0x4142_4344, 0x4546_4748],
        &[
            x_form(31, 5, 9, 7, 597, false),
            x_form(31, 5, 9, 16, 725, false),
        ],
    );
    assert_eq!((c.cpu.gpr[5], c.cpu.gpr[6]), (0x4142_4344, 0x4546_4700));
    // stswi r5,r9,16 stored 16 bytes from r5..r8 at DATA: first two words unchanged
    assert_eq!(peek(&c, DATA + 4), 0x4546_4700);
}

#[test]
fn reservation_pair() {
    let lwarx = |rt, ra, rb| x_form(31, rt, ra, rb, 20, false);
    let stwcx = |rs, ra, rb| x_form(31, rs, ra, rb, 150, true);
    let c = with_data(
        &[5],
        &[
            li(7, 0),
            lwarx(3, 9, 7),
            addi(3, 3, 1),
            stwcx(3, 9, 7),
            mfcr_(10),
            stwcx(3, 9, 7),
            mfcr_(11),
        ],
    );
    assert_eq!(peek(&c, DATA), 6);
    assert_eq!(c.cpu.gpr[10] >> 28, 0b0010, "first stwcx. succeeds");
    assert_eq!(c.cpu.gpr[11] >> 28, 0b0000, "reservation was consumed");
}

fn mfcr_(rt: u32) -> u32 {
    x_form(31, rt, 0, 0, 19, false)
}

#[test]
fn misaligned_word_within_and_across_pages() {
    let c = with_data(&[0x0011_2233, 0x4455_6677], &[lwz(3, 1, 9)]);
    assert_eq!(c.cpu.gpr[3], 0x1122_3344);
    // across a 4 KiB boundary
    let mut prog = vec![
        lis(9, 0),
        ori(9, 9, 0x8FFE),
        lwz(3, 0, 9),
        li(4, 0x7A7B),
        sth(4, 2, 9),
        lhz(5, 2, 9),
    ];
    prog.push(SW_BREAKPOINT);
    let mut core = core_with(Flavor::E500mc, &prog);
    poke(&mut core, 0x8FFC, &[0xAAAA_1234, 0x5678_BBBB]);
    run_to_break(&mut core);
    assert_eq!(core.cpu.gpr[3], 0x1234_5678);
    assert_eq!(core.cpu.gpr[5], 0x7A7B);
}

#[test]
fn invalid_update_form_is_illegal() {
    // lwzu r3,0(r3): rA = rT
    let mut core = core_with(Flavor::E500v2, &[d_form(33, 3, 3, 0), SW_BREAKPOINT]);
    trap_vectors(&mut core);
    assert_eq!(run_to_break(&mut core), VECTORS + 0x600);
    assert_eq!(
        core.cpu.peek_spr(crate::Spr::Esr),
        crate::interrupt::esr::PIL
    );
}

#[test]
fn dcbz_zeroes_one_line_per_flavour() {
    for (flavor, line) in [(Flavor::E500v2, 32u32), (Flavor::E500mc, 64)] {
        let mut prog = data_prog(&[li(7, 0x44), dcbz(9, 7)]);
        prog.push(SW_BREAKPOINT);
        let mut core = core_with(flavor, &prog);
        poke(&mut core, DATA, &[0xFFFF_FFFF; 64]);
        run_to_break(&mut core);
        for i in 0..64u32 {
            let zero = i * 4 >= 0x40 && i * 4 < 0x40 + line;
            assert_eq!(peek(&core, DATA + 4 * i) == 0, zero, "{flavor} word {i}");
        }
    }
}

#[test]
fn self_modifying_code_is_seen_after_the_store() {
    // Execute X once, patch it to `li r3,7`, execute it again.
    let new = li(3, 7);
    let x = ORIGIN + 0x20;
    let prog = [
        lis(4, (new >> 16) as u16),
        ori(4, 4, new as u16),
        lis(5, 0),
        ori(5, 5, x as u16),
        li(6, 0),
        b(12),
        stw(4, 0, 5),
        isync(),
        li(3, 1), // X
        addi(6, 6, 1),
        cmpwi(0, 6, 2),
        bc(12, 0, -20),
    ];
    let c = exec(Flavor::E500v2, &prog);
    assert_eq!((c.cpu.gpr[3], c.cpu.gpr[6]), (7, 2));
}
