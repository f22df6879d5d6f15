//! A small PowerPC assembler: instruction encoders and a label-resolving
//! [`Assembler`]. It builds the built-in demo guest and the unit tests' programs,
//! so vmgdb needs no cross-compiler to build or test its core.

/// D-form: opcode, rT/rS, rA, 16-bit immediate.
pub const fn d_form(op: u32, rt: u32, ra: u32, imm: u16) -> u32 {
    op << 26 | rt << 21 | ra << 16 | imm as u32
}

/// X-form: opcode 31 (or other), rT, rA, rB, 10-bit extended opcode, Rc.
pub const fn x_form(op: u32, rt: u32, ra: u32, rb: u32, xo: u32, rc: bool) -> u32 {
    op << 26 | rt << 21 | ra << 16 | rb << 11 | xo << 1 | rc as u32
}

/// XO-form arithmetic (opcode 31) with OE and Rc.
pub const fn xo_form(rt: u32, ra: u32, rb: u32, oe: bool, xo: u32, rc: bool) -> u32 {
    31 << 26 | rt << 21 | ra << 16 | rb << 11 | (oe as u32) << 10 | xo << 1 | rc as u32
}

/// M-form rotates.
pub const fn m_form(op: u32, rs: u32, ra: u32, sh: u32, mb: u32, me: u32, rc: bool) -> u32 {
    op << 26 | rs << 21 | ra << 16 | sh << 11 | mb << 6 | me << 1 | rc as u32
}

const fn spr_field(spr: u32) -> u32 {
    ((spr & 0x1F) << 5 | (spr >> 5)) << 11
}

pub const fn addi(rt: u32, ra: u32, si: i16) -> u32 {
    d_form(14, rt, ra, si as u16)
}
pub const fn addis(rt: u32, ra: u32, si: i16) -> u32 {
    d_form(15, rt, ra, si as u16)
}
pub const fn li(rt: u32, si: i16) -> u32 {
    addi(rt, 0, si)
}
pub const fn lis(rt: u32, si: u16) -> u32 {
    addis(rt, 0, si as i16)
}
pub const fn ori(ra: u32, rs: u32, ui: u16) -> u32 {
    d_form(24, rs, ra, ui)
}
pub const fn oris(ra: u32, rs: u32, ui: u16) -> u32 {
    d_form(25, rs, ra, ui)
}
pub const fn andi_(ra: u32, rs: u32, ui: u16) -> u32 {
    d_form(28, rs, ra, ui)
}
pub const fn xori(ra: u32, rs: u32, ui: u16) -> u32 {
    d_form(26, rs, ra, ui)
}
pub const fn mulli(rt: u32, ra: u32, si: i16) -> u32 {
    d_form(7, rt, ra, si as u16)
}
pub const fn addic(rt: u32, ra: u32, si: i16) -> u32 {
    d_form(12, rt, ra, si as u16)
}
pub const fn subfic(rt: u32, ra: u32, si: i16) -> u32 {
    d_form(8, rt, ra, si as u16)
}
pub const fn cmpwi(bf: u32, ra: u32, si: i16) -> u32 {
    d_form(11, bf << 2, ra, si as u16)
}
pub const fn cmplwi(bf: u32, ra: u32, ui: u16) -> u32 {
    d_form(10, bf << 2, ra, ui)
}
pub const fn cmpw(bf: u32, ra: u32, rb: u32) -> u32 {
    x_form(31, bf << 2, ra, rb, 0, false)
}
pub const fn cmplw(bf: u32, ra: u32, rb: u32) -> u32 {
    x_form(31, bf << 2, ra, rb, 32, false)
}
pub const fn add(rt: u32, ra: u32, rb: u32) -> u32 {
    xo_form(rt, ra, rb, false, 266, false)
}
pub const fn subf(rt: u32, ra: u32, rb: u32) -> u32 {
    xo_form(rt, ra, rb, false, 40, false)
}
pub const fn mullw(rt: u32, ra: u32, rb: u32) -> u32 {
    xo_form(rt, ra, rb, false, 235, false)
}
pub const fn divwu(rt: u32, ra: u32, rb: u32) -> u32 {
    xo_form(rt, ra, rb, false, 459, false)
}
pub const fn divw(rt: u32, ra: u32, rb: u32) -> u32 {
    xo_form(rt, ra, rb, false, 491, false)
}
pub const fn or(ra: u32, rs: u32, rb: u32) -> u32 {
    x_form(31, rs, ra, rb, 444, false)
}
pub const fn mr(ra: u32, rs: u32) -> u32 {
    or(ra, rs, rs)
}
pub const fn and(ra: u32, rs: u32, rb: u32) -> u32 {
    x_form(31, rs, ra, rb, 28, false)
}
pub const fn xor(ra: u32, rs: u32, rb: u32) -> u32 {
    x_form(31, rs, ra, rb, 316, false)
}
pub const fn slw(ra: u32, rs: u32, rb: u32) -> u32 {
    x_form(31, rs, ra, rb, 24, false)
}
pub const fn srw(ra: u32, rs: u32, rb: u32) -> u32 {
    x_form(31, rs, ra, rb, 536, false)
}
pub const fn rlwinm(ra: u32, rs: u32, sh: u32, mb: u32, me: u32) -> u32 {
    m_form(21, rs, ra, sh, mb, me, false)
}
pub const fn slwi(ra: u32, rs: u32, n: u32) -> u32 {
    rlwinm(ra, rs, n, 0, 31 - n)
}
pub const fn srwi(ra: u32, rs: u32, n: u32) -> u32 {
    rlwinm(ra, rs, (32 - n) % 32, n, 31)
}
pub const fn lwz(rt: u32, d: i16, ra: u32) -> u32 {
    d_form(32, rt, ra, d as u16)
}
pub const fn lbz(rt: u32, d: i16, ra: u32) -> u32 {
    d_form(34, rt, ra, d as u16)
}
pub const fn lhz(rt: u32, d: i16, ra: u32) -> u32 {
    d_form(40, rt, ra, d as u16)
}
pub const fn stw(rs: u32, d: i16, ra: u32) -> u32 {
    d_form(36, rs, ra, d as u16)
}
pub const fn stwu(rs: u32, d: i16, ra: u32) -> u32 {
    d_form(37, rs, ra, d as u16)
}
pub const fn stb(rs: u32, d: i16, ra: u32) -> u32 {
    d_form(38, rs, ra, d as u16)
}
pub const fn sth(rs: u32, d: i16, ra: u32) -> u32 {
    d_form(44, rs, ra, d as u16)
}
pub const fn lbzx(rt: u32, ra: u32, rb: u32) -> u32 {
    x_form(31, rt, ra, rb, 87, false)
}
pub const fn stbx(rs: u32, ra: u32, rb: u32) -> u32 {
    x_form(31, rs, ra, rb, 215, false)
}
pub const fn lwzx(rt: u32, ra: u32, rb: u32) -> u32 {
    x_form(31, rt, ra, rb, 23, false)
}
pub const fn stwx(rs: u32, ra: u32, rb: u32) -> u32 {
    x_form(31, rs, ra, rb, 151, false)
}
pub const fn mtspr(spr: u32, rs: u32) -> u32 {
    31 << 26 | rs << 21 | spr_field(spr) | 467 << 1
}
pub const fn mfspr(rt: u32, spr: u32) -> u32 {
    31 << 26 | rt << 21 | spr_field(spr) | 339 << 1
}
pub const fn mtlr(rs: u32) -> u32 {
    mtspr(8, rs)
}
pub const fn mflr(rt: u32) -> u32 {
    mfspr(rt, 8)
}
pub const fn mtctr(rs: u32) -> u32 {
    mtspr(9, rs)
}
pub const fn mfmsr(rt: u32) -> u32 {
    x_form(31, rt, 0, 0, 83, false)
}
pub const fn mtmsr(rs: u32) -> u32 {
    x_form(31, rs, 0, 0, 146, false)
}
pub const fn wrteei(e: bool) -> u32 {
    31 << 26 | (e as u32) << 15 | 163 << 1
}
pub const fn tlbwe() -> u32 {
    x_form(31, 0, 0, 0, 978, false)
}
pub const fn isync() -> u32 {
    19 << 26 | 150 << 1
}
pub const fn msync() -> u32 {
    x_form(31, 0, 0, 0, 598, false)
}
pub const fn sc() -> u32 {
    17 << 26 | 2
}
pub const fn rfi() -> u32 {
    19 << 26 | 50 << 1
}
pub const fn rfci() -> u32 {
    19 << 26 | 51 << 1
}
pub const fn rfdi() -> u32 {
    19 << 26 | 39 << 1
}
pub const fn blr() -> u32 {
    19 << 26 | 20 << 21 | 16 << 1
}
pub const fn bctr() -> u32 {
    19 << 26 | 20 << 21 | 528 << 1
}
pub const fn tw(to: u32, ra: u32, rb: u32) -> u32 {
    x_form(31, to, ra, rb, 4, false)
}
pub const fn twi(to: u32, ra: u32, si: i16) -> u32 {
    d_form(3, to, ra, si as u16)
}
pub const fn nop() -> u32 {
    ori(0, 0, 0)
}
pub const fn dcbz(ra: u32, rb: u32) -> u32 {
    x_form(31, 0, ra, rb, 1014, false)
}
pub const fn wait() -> u32 {
    x_form(31, 0, 0, 0, 62, false)
}
pub const fn mtcrf(fxm: u32, rs: u32) -> u32 {
    31 << 26 | rs << 21 | (fxm & 0xFF) << 12 | 144 << 1
}

// ---- classic floating point (e500mc) ----

pub const fn lfs(frt: u32, d: i16, ra: u32) -> u32 {
    d_form(48, frt, ra, d as u16)
}
pub const fn lfd(frt: u32, d: i16, ra: u32) -> u32 {
    d_form(50, frt, ra, d as u16)
}
pub const fn stfs(frs: u32, d: i16, ra: u32) -> u32 {
    d_form(52, frs, ra, d as u16)
}
pub const fn stfd(frs: u32, d: i16, ra: u32) -> u32 {
    d_form(54, frs, ra, d as u16)
}
pub const fn stfiwx(frs: u32, ra: u32, rb: u32) -> u32 {
    x_form(31, frs, ra, rb, 983, false)
}

/// A-form FP arithmetic: opcode 63 (double) or 59 (single), `xo` in bits 26..30.
pub const fn fp_a(single: bool, xo: u32, frt: u32, fra: u32, frb: u32, frc: u32, rc: bool) -> u32 {
    let op = if single { 59 } else { 63 };
    op << 26 | frt << 21 | fra << 16 | frb << 11 | frc << 6 | xo << 1 | rc as u32
}
pub const fn fadd(single: bool, frt: u32, fra: u32, frb: u32, rc: bool) -> u32 {
    fp_a(single, 21, frt, fra, frb, 0, rc)
}
pub const fn fsub(single: bool, frt: u32, fra: u32, frb: u32, rc: bool) -> u32 {
    fp_a(single, 20, frt, fra, frb, 0, rc)
}
pub const fn fmul(single: bool, frt: u32, fra: u32, frc: u32, rc: bool) -> u32 {
    fp_a(single, 25, frt, fra, 0, frc, rc)
}
pub const fn fdiv(single: bool, frt: u32, fra: u32, frb: u32, rc: bool) -> u32 {
    fp_a(single, 18, frt, fra, frb, 0, rc)
}
pub const fn fsqrt(single: bool, frt: u32, frb: u32, rc: bool) -> u32 {
    fp_a(single, 22, frt, 0, frb, 0, rc)
}
/// `fmadd` (29), `fmsub` (28), `fnmadd` (31), `fnmsub` (30): frt = ±(fra * frc ± frb).
pub const fn fmadd_family(
    single: bool,
    xo: u32,
    frt: u32,
    fra: u32,
    frc: u32,
    frb: u32,
    rc: bool,
) -> u32 {
    fp_a(single, xo, frt, fra, frb, frc, rc)
}
pub const fn fres(frt: u32, frb: u32, rc: bool) -> u32 {
    fp_a(true, 24, frt, 0, frb, 0, rc)
}
pub const fn frsqrte(frt: u32, frb: u32, rc: bool) -> u32 {
    fp_a(false, 26, frt, 0, frb, 0, rc)
}
pub const fn fsel(frt: u32, fra: u32, frc: u32, frb: u32, rc: bool) -> u32 {
    fp_a(false, 23, frt, fra, frb, frc, rc)
}

/// X-form opcode-63 instruction.
pub const fn fp_x(xo: u32, frt: u32, fra: u32, frb: u32, rc: bool) -> u32 {
    x_form(63, frt, fra, frb, xo, rc)
}
pub const fn frsp(frt: u32, frb: u32, rc: bool) -> u32 {
    fp_x(12, frt, 0, frb, rc)
}
pub const fn fctiw(frt: u32, frb: u32, rc: bool) -> u32 {
    fp_x(14, frt, 0, frb, rc)
}
pub const fn fctiwz(frt: u32, frb: u32, rc: bool) -> u32 {
    fp_x(15, frt, 0, frb, rc)
}
pub const fn fmr(frt: u32, frb: u32, rc: bool) -> u32 {
    fp_x(72, frt, 0, frb, rc)
}
pub const fn fneg(frt: u32, frb: u32, rc: bool) -> u32 {
    fp_x(40, frt, 0, frb, rc)
}
pub const fn fabs(frt: u32, frb: u32, rc: bool) -> u32 {
    fp_x(264, frt, 0, frb, rc)
}
pub const fn fnabs(frt: u32, frb: u32, rc: bool) -> u32 {
    fp_x(136, frt, 0, frb, rc)
}
pub const fn fcmpu(bf: u32, fra: u32, frb: u32) -> u32 {
    fp_x(0, bf << 2, fra, frb, false)
}
pub const fn fcmpo(bf: u32, fra: u32, frb: u32) -> u32 {
    fp_x(32, bf << 2, fra, frb, false)
}
pub const fn mffs(frt: u32, rc: bool) -> u32 {
    fp_x(583, frt, 0, 0, rc)
}
pub const fn mtfsf(flm: u32, frb: u32, rc: bool) -> u32 {
    63 << 26 | (flm & 0xFF) << 17 | frb << 11 | 711 << 1 | rc as u32
}
pub const fn mtfsfi(bf: u32, u: u32, rc: bool) -> u32 {
    63 << 26 | bf << 23 | (u & 0xF) << 12 | 134 << 1 | rc as u32
}
pub const fn mtfsb0(bt: u32, rc: bool) -> u32 {
    fp_x(70, bt, 0, 0, rc)
}
pub const fn mtfsb1(bt: u32, rc: bool) -> u32 {
    fp_x(38, bt, 0, 0, rc)
}
pub const fn mcrfs(bf: u32, bfa: u32) -> u32 {
    fp_x(64, bf << 2, bfa << 2, 0, false)
}

/// `b` with a byte displacement.
pub const fn b(disp: i32) -> u32 {
    18 << 26 | (disp as u32 & 0x03FF_FFFC)
}
/// `bl` with a byte displacement.
pub const fn bl(disp: i32) -> u32 {
    b(disp) | 1
}
/// `bc` with a byte displacement.
pub const fn bc(bo: u32, bi: u32, disp: i32) -> u32 {
    16 << 26 | bo << 21 | bi << 16 | (disp as u32 & 0xFFFC)
}

/// Branch condition for [`Assembler::bc_to`].
#[derive(Clone, Copy, Debug)]
pub enum Cond {
    Eq,
    Ne,
    Lt,
    Ge,
    Gt,
    Le,
    /// Decrement CTR, branch if not zero.
    Dnz,
}

impl Cond {
    /// (BO, BI) for CR field 0.
    const fn bo_bi(self) -> (u32, u32) {
        match self {
            Cond::Eq => (12, 2),
            Cond::Ne => (4, 2),
            Cond::Lt => (12, 0),
            Cond::Ge => (4, 0),
            Cond::Gt => (12, 1),
            Cond::Le => (4, 1),
            Cond::Dnz => (16, 0),
        }
    }
}

/// Assembles words at increasing addresses, with labels resolved at the end.
pub struct Assembler {
    origin: u32,
    words: Vec<u32>,
    labels: std::collections::HashMap<&'static str, u32>,
    fixups: Vec<(usize, &'static str, Fixup)>,
}

#[derive(Clone, Copy)]
enum Fixup {
    Branch,
    Conditional,
    /// `lis`/`ori` pair loading an absolute address.
    Address,
}

impl Assembler {
    /// Start assembling at `origin`.
    pub fn new(origin: u32) -> Assembler {
        Assembler {
            origin,
            words: Vec::new(),
            labels: Default::default(),
            fixups: Vec::new(),
        }
    }

    /// Address of the next word.
    pub fn here(&self) -> u32 {
        self.origin + 4 * self.words.len() as u32
    }

    /// Emit raw words.
    pub fn emit(&mut self, words: &[u32]) -> &mut Self {
        self.words.extend_from_slice(words);
        self
    }

    /// Define `name` at the next word.
    pub fn label(&mut self, name: &'static str) -> &mut Self {
        self.labels.insert(name, self.here());
        self
    }

    /// Address of a defined label.
    pub fn address_of(&self, name: &str) -> Option<u32> {
        self.labels.get(name).copied()
    }

    /// `b label` (or `bl` with `link`).
    pub fn b_to(&mut self, label: &'static str, link: bool) -> &mut Self {
        self.fixups.push((self.words.len(), label, Fixup::Branch));
        self.words.push(b(0) | link as u32);
        self
    }

    /// Conditional branch to `label` on CR0.
    pub fn bc_to(&mut self, cond: Cond, label: &'static str) -> &mut Self {
        let (bo, bi) = cond.bo_bi();
        self.fixups
            .push((self.words.len(), label, Fixup::Conditional));
        self.words.push(bc(bo, bi, 0));
        self
    }

    /// Load a 32-bit constant into `rt` (`lis` + `ori`).
    pub fn load_imm(&mut self, rt: u32, value: u32) -> &mut Self {
        self.emit(&[lis(rt, (value >> 16) as u16), ori(rt, rt, value as u16)])
    }

    /// Load the address of `label` into `rt`.
    pub fn load_addr(&mut self, rt: u32, label: &'static str) -> &mut Self {
        self.fixups.push((self.words.len(), label, Fixup::Address));
        self.emit(&[lis(rt, 0), ori(rt, rt, 0)])
    }

    /// Emit the bytes of a string, NUL-terminated and padded to a word.
    pub fn asciz(&mut self, s: &str) -> &mut Self {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        while !bytes.len().is_multiple_of(4) {
            bytes.push(0);
        }
        for c in bytes.chunks(4) {
            self.words
                .push(u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        }
        self
    }

    /// Resolve labels; returns the big-endian image, or the first undefined label.
    pub fn finish(&self) -> Result<Vec<u8>, String> {
        let mut words = self.words.clone();
        for &(i, label, kind) in &self.fixups {
            let target = *self
                .labels
                .get(label)
                .ok_or_else(|| format!("undefined label {label}"))?;
            let at = self.origin + 4 * i as u32;
            let disp = target.wrapping_sub(at) as i32;
            match kind {
                Fixup::Branch => words[i] |= disp as u32 & 0x03FF_FFFC,
                Fixup::Conditional => words[i] |= disp as u32 & 0xFFFC,
                Fixup::Address => {
                    words[i] |= target >> 16;
                    words[i + 1] |= target & 0xFFFF;
                }
            }
        }
        Ok(words.iter().flat_map(|w| w.to_be_bytes()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode, Insn};

    #[test]
    fn encoders_round_trip_through_the_decoder() {
        assert_eq!(
            decode(addi(3, 4, -2)),
            Insn::Addi {
                rt: 3,
                ra: 4,
                si: -2
            }
        );
        assert_eq!(
            decode(mtspr(624, 3)),
            Insn::Mtspr {
                rs: 3,
                spr: crate::Spr::Mas0
            }
        );
        assert_eq!(
            decode(mfspr(5, 1015)),
            Insn::Mfspr {
                rt: 5,
                spr: crate::Spr::Mmucfg
            }
        );
        assert_eq!(
            decode(blr()),
            Insn::Bclr {
                bo: 20,
                bi: 0,
                lk: false
            }
        );
        assert_eq!(decode(bc(16, 0, -8)), Insn::Bdnz { disp: -8 });
        assert_eq!(
            decode(bc(16, 0, -8) | 1),
            Insn::Bc {
                bo: 16,
                bi: 0,
                disp: -8,
                aa: false,
                lk: true
            }
        );
        assert_eq!(rlwinm(3, 4, 2, 0, 29), 0x5483_103a);
    }

    #[test]
    fn labels_resolve() {
        let mut a = Assembler::new(0x1000);
        a.label("top")
            .emit(&[nop()])
            .bc_to(Cond::Ne, "top")
            .b_to("end", false)
            .label("end");
        let img = a.finish().unwrap();
        let w = |i: usize| u32::from_be_bytes(img[4 * i..4 * i + 4].try_into().unwrap());
        assert_eq!(decode(w(1)), Insn::Bf { bi: 2, disp: -4 });
        assert_eq!(
            decode(w(2)),
            Insn::B {
                disp: 4,
                aa: false,
                lk: false
            }
        );
    }
}
