//! Differential test against QEMU 7.2: a deterministic table of FP instruction
//! cases (operands, FPSCR, CR, MSR[FE0,FE1], a scratch doubleword) runs on an e500mc [`Core`] and is
//! compared with what the guest in `tests/fixtures/fpu` printed when it ran the
//! same table under `qemu-system-ppc -M ppce500 -cpu e500mc` (the golden file).
//!
//! - `fpu_matches_qemu_golden` needs no tools.
//! - `fpu_golden_matches_live_qemu` rebuilds the guest with
//!   `powerpc-linux-gnu-gcc`, runs QEMU and checks its output against the golden
//!   file; with `FPU_GOLDEN_WRITE=1` it rewrites the golden file instead.
//! - `fpu_matches_live_qemu_large` runs a much larger table on both and compares.
//!
//! The live tests take a few seconds and need the tools `scripts/test` installs;
//! without them they fail saying what to install.
//!
//! Known, intended differences (counted and reported, everything else must
//! match bit for bit):
//! - Invalid operation with FPSCR[VE]=1, or zero divide with FPSCR[ZE]=1, while
//!   MSR[FE0,FE1]=0: the architecture leaves the target FPR and FPRF unchanged;
//!   QEMU writes them.
//! - Program interrupts: QEMU ORs a Book III-S cause bit into SRR1 (0x0010_0000
//!   for FP enabled, 0x0008_0000 for illegal; reserved bits on Book E); vmgdb's
//!   SRR1 is the MSR.

use crate::asm;
use crate::spr::Spr;
use crate::{Flavor, NoDevices};

/// One case: the instruction word (FRA=f1, FRB=f2, FRC=f3, FRT=f4; loads and
/// stores address a scratch doubleword holding `c` with rA=r10, rB=r11=4 or
/// r12=0) and
/// its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Case {
    pub insn: u32,
    pub cr: u32,
    pub fpscr: u32,
    pub a: u64,
    pub b: u64,
    pub c: u64,
    pub t: u64,
    /// MSR bits ORed in around the instruction (FE0/FE1).
    pub msr_or: u32,
}

/// What a case leaves behind, as the guest prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Outcome {
    pub t: u64,
    pub fpscr: u32,
    pub cr: u32,
    /// 0: none, 6: program, 7: FP unavailable.
    pub vector: u32,
    pub esr: u32,
    /// SRR0 pointed at the instruction.
    pub srr0_ok: bool,
    /// SRR1 XOR the MSR the instruction ran with.
    pub srr1x: u32,
    /// The scratch doubleword afterwards, XOR its initial value (`c`).
    pub mem: u64,
    /// rA minus the scratch address afterwards (update forms).
    pub ra_offset: u32,
}

const FE0: u32 = crate::msr::FE0;
const FE1: u32 = crate::msr::FE1;
/// QEMU's SRR1 cause bit for a program interrupt with this ESR.
fn qemu_srr1_cause(esr: u32) -> u32 {
    match esr {
        crate::interrupt::esr::FP => 0x0010_0000,
        crate::interrupt::esr::PIL => 0x0008_0000,
        _ => 0,
    }
}
/// FPSCR[VE], [ZE], FPRF.
const VE: u32 = 0x80;
const ZE: u32 = 0x10;
const FPRF: u32 = 0x1_F000;

fn fixture_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fpu")
}

fn golden_path() -> std::path::PathBuf {
    fixture_dir().join("qemu-7.2.golden")
}

/// xorshift64*: deterministic and dependency-free.
pub(super) struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

const SIGN: u64 = 1 << 63;

/// Operands that exercise the edges: signed zeros, denormals, limits of both
/// formats, NaNs with payloads, rounding ties, integer-conversion limits.
pub(super) fn specials() -> Vec<u64> {
    let f = |x: f64| x.to_bits();
    vec![
        0,
        SIGN,
        f(1.0),
        f(-1.0),
        f(1.5),
        f(-2.75),
        f(3.0),
        f(0.1),
        f(-0.1),
        f(0.5),
        f(-0.5),
        f(2.5),
        f(-2.5),
        f(4.5),
        1,                     // min denormal
        SIGN | 1,              // -min denormal
        0x000F_FFFF_FFFF_FFFF, // max denormal
        0x0010_0000_0000_0000, // min normal
        SIGN | 0x0010_0000_0000_0001,
        0x7FEF_FFFF_FFFF_FFFF, // max
        SIGN | 0x7FEF_FFFF_FFFF_FFFF,
        0x7FF0_0000_0000_0000, // +inf
        0xFFF0_0000_0000_0000, // -inf
        0x7FF8_0000_0000_0001, // QNaN with payload
        0xFFF8_0000_1234_5678, // -QNaN
        0x7FF0_0000_0000_0001, // SNaN, low payload
        0xFFF4_0000_DEAD_BEEF, // -SNaN, high payload
        0x3810_0000_0000_0000, // 2^-126 (single min normal)
        0x36A0_0000_0000_0000, // 2^-149 (single min denormal)
        0x3690_0000_0000_0000, // 2^-150
        0x3800_0000_0000_0000, // 2^-127
        0x380F_FFFF_F000_0000, // just below 2^-126, between single denormals
        0x47EF_FFFF_E000_0000, // single max
        0x47EF_FFFF_F000_0000, // single max + half ulp
        0x47F0_0000_0000_0000, // 2^128
        0x3FF0_0000_1000_0000, // 1 + 2^-24 (single tie)
        0x3FF0_0000_3000_0000, // 1 + 3*2^-24 (single tie, odd)
        0x3FF0_0000_1000_0001, // just above the tie
        0x3FF0_0000_0000_0001, // 1 + 2^-52
        f(2147483647.5),
        f(2147483648.0),
        f(-2147483648.0),
        f(-2147483648.5),
        f(-2147483649.0),
        f(2147483647.0),
        f(4294967296.0),
        f(1e300),
        f(-1e-300),
    ]
}

/// A random operand: specials, or values whose exponents sit near the edges of
/// both formats and whose fractions are dense, sparse or all ones.
pub(super) fn value(rng: &mut Rng, specials: &[u64]) -> u64 {
    if rng.chance(30) {
        return rng.pick(specials);
    }
    let sign = if rng.chance(50) { SIGN } else { 0 };
    let exp: u64 = match rng.below(10) {
        0..=3 => 1023 - 20 + rng.below(40),
        4 => 1023 - 126 - 30 + rng.below(34),
        5 => 1023 + 120 + rng.below(12),
        6 => rng.below(60),
        7 => 2046 - rng.below(40),
        8 => 0,
        _ => rng.below(2047),
    };
    let frac: u64 = match rng.below(5) {
        0 => rng.next(),
        1 => rng.next() & rng.next() & rng.next(),
        2 => !0 << rng.below(52),
        3 => rng.next() & !((1 << 29) - 1), // single-representable fraction
        _ => (rng.next() & 0xFF) << rng.below(44),
    } & ((1 << 52) - 1);
    sign | exp << 52 | frac
}

fn rn(rng: &mut Rng) -> u32 {
    rng.below(4) as u32
}

/// An FPSCR input: a rounding mode, sometimes sticky bits, NI, or enables.
fn fpscr_in(rng: &mut Rng, enables: bool) -> u32 {
    let mut v = rn(rng);
    if rng.chance(15) {
        // Sticky exception and status bits (FEX/VX are recomputed by mtfsf).
        v |= (rng.next() as u32) & 0xBFFF_F700;
    }
    if rng.chance(5) {
        v |= 0x4; // NI
    }
    if enables {
        v |= (rng.next() as u32) & 0xF8;
    }
    v
}

fn msr_fe(rng: &mut Rng) -> u32 {
    rng.pick(&[FE0 | FE1, FE0, FE1])
}

const T: u32 = 4;
const A: u32 = 1;
const B: u32 = 2;
const C: u32 = 3;

/// A random A-form arithmetic instruction.
fn arith_insn(rng: &mut Rng) -> u32 {
    let single = rng.chance(50);
    let rc = rng.chance(20);
    match rng.below(8) {
        0 => asm::fadd(single, T, A, B, rc),
        1 => asm::fsub(single, T, A, B, rc),
        2 => asm::fmul(single, T, A, C, rc),
        3 => asm::fdiv(single, T, A, B, rc),
        k => asm::fmadd_family(single, [29, 28, 31, 30][k as usize - 4], T, A, C, B, rc),
    }
}

/// A random one-operand rounding/conversion/estimate instruction.
fn unary_insn(rng: &mut Rng) -> u32 {
    let rc = rng.chance(20);
    match rng.below(5) {
        0 => asm::fres(T, B, rc),
        1 => asm::frsqrte(T, B, rc),
        2 => asm::frsp(T, B, rc),
        3 => asm::fctiw(T, B, rc),
        _ => asm::fctiwz(T, B, rc),
    }
}

fn fpscr_insn(rng: &mut Rng) -> u32 {
    let rc = rng.chance(30);
    match rng.below(6) {
        0 => asm::mffs(T, rc),
        1 => asm::mtfsf(rng.below(256) as u32, B, rc),
        2 => asm::mtfsfi(rng.below(8) as u32, rng.below(16) as u32, rc),
        3 => asm::mtfsb0(rng.below(32) as u32, rc),
        4 => asm::mtfsb1(rng.below(32) as u32, rc),
        _ => asm::mcrfs(rng.below(8) as u32, rng.below(8) as u32),
    }
}

fn compare_insn(rng: &mut Rng) -> u32 {
    let bf = rng.below(8) as u32;
    if rng.chance(50) {
        asm::fcmpu(bf, A, B)
    } else {
        asm::fcmpo(bf, A, B)
    }
}

const RA: u32 = 10;
const RB: u32 = 11;
const RZ: u32 = 12;

/// A random FP load or store (doubles only at offset 0: aligned).
fn load_store_insn(rng: &mut Rng) -> u32 {
    let update = rng.chance(30) as u32;
    let d = rng.pick(&[0i16, 4]);
    let frs = rng.pick(&[A, B, T]);
    match rng.below(9) {
        0 => asm::d_form(48 + update, T, RA, d as u16), // lfs[u]
        1 => asm::x_form(31, T, RA, RB, 535 + 32 * update, false), // lfs[u]x
        2 => asm::d_form(50 + update, T, RA, 0),        // lfd[u]
        3 => asm::x_form(31, T, RA, RZ, 599 + 32 * update, false), // lfd[u]x
        4 => asm::d_form(52 + update, frs, RA, d as u16), // stfs[u]
        5 => asm::x_form(31, frs, RA, RB, 663 + 32 * update, false), // stfs[u]x
        6 => asm::d_form(54 + update, frs, RA, 0),      // stfd[u]
        7 => asm::x_form(31, frs, RA, RZ, 727 + 32 * update, false), // stfd[u]x
        _ => asm::stfiwx(frs, RA, RB),
    }
}

fn move_insn(rng: &mut Rng) -> u32 {
    let rc = rng.chance(30);
    match rng.below(5) {
        0 => asm::fmr(T, B, rc),
        1 => asm::fneg(T, B, rc),
        2 => asm::fabs(T, B, rc),
        3 => asm::fnabs(T, B, rc),
        _ => asm::fsel(T, A, C, B, rc),
    }
}

/// The golden case table.
pub(super) fn cases() -> Vec<Case> {
    cases_with(0x9E37_79B9_7F4A_7C15, 1)
}

/// A deterministic case table: `seed` for the random parts, each of which has
/// `scale` times its base size.
pub(super) fn cases_with(seed: u64, scale: usize) -> Vec<Case> {
    let mut rng = Rng(seed);
    let sp = specials();
    let mut out = Vec::new();
    let mut push = |rng: &mut Rng, insn: u32, fpscr: u32, msr_or: u32, a: u64, b: u64, c: u64| {
        let cr = rng.next() as u32;
        let t = 0x5A5A_0000_0000_0000 | (rng.next() & 0xFFFF);
        out.push(Case {
            insn,
            cr,
            fpscr,
            a,
            b,
            c,
            t,
            msr_or,
        });
    };

    // Arithmetic: random operands, all rounding modes.
    for _ in 0..1700 * scale {
        let insn = arith_insn(&mut rng);
        let (a, mut b, c) = (
            value(&mut rng, &sp),
            value(&mut rng, &sp),
            value(&mut rng, &sp),
        );
        if rng.chance(15) {
            // Near-cancellation for the multiply-adds and subtractions.
            // (A NaN product's payload depends on the host's operand order, which the
            // optimiser may swap: keep b then, so the table is the same in every build.)
            let p = f64::from_bits(a) * f64::from_bits(c);
            let flip = rng.below(4) * (rng.chance(50) as u64);
            if !p.is_nan() {
                b = (-p).to_bits() ^ flip;
            }
        }
        let fpscr = fpscr_in(&mut rng, false);
        push(&mut rng, insn, fpscr, 0, a, b, c);
    }
    // One-operand instructions: every special in every rounding mode, then random.
    for &v in &sp {
        for mode in 0..4 {
            let rc = mode == 1;
            for insn in [
                asm::fres(T, B, rc),
                asm::frsqrte(T, B, rc),
                asm::frsp(T, B, rc),
                asm::fctiw(T, B, rc),
                asm::fctiwz(T, B, rc),
            ] {
                push(&mut rng, insn, mode, 0, 0, v, 0);
            }
        }
    }
    for _ in 0..400 * scale {
        let insn = unary_insn(&mut rng);
        let b = value(&mut rng, &sp);
        let fpscr = fpscr_in(&mut rng, false);
        push(&mut rng, insn, fpscr, 0, 0, b, 0);
    }
    // Moves and select.
    for _ in 0..150 * scale {
        let insn = move_insn(&mut rng);
        let (a, b, c) = (
            value(&mut rng, &sp),
            value(&mut rng, &sp),
            value(&mut rng, &sp),
        );
        let fpscr = fpscr_in(&mut rng, false);
        push(&mut rng, insn, fpscr, 0, a, b, c);
    }
    // Loads and stores: the single-precision conversions, stfiwx, update forms.
    for _ in 0..300 * scale {
        let insn = load_store_insn(&mut rng);
        let (a, b, c) = (
            value(&mut rng, &sp),
            value(&mut rng, &sp),
            value(&mut rng, &sp),
        );
        let fpscr = fpscr_in(&mut rng, false);
        push(&mut rng, insn, fpscr, 0, a, b, c);
    }
    // Compares, with VE sometimes set.
    for _ in 0..250 * scale {
        let insn = compare_insn(&mut rng);
        let (a, b) = (value(&mut rng, &sp), value(&mut rng, &sp));
        let enables = rng.chance(30);
        let fpscr = fpscr_in(&mut rng, enables);
        push(&mut rng, insn, fpscr, 0, a, b, 0);
    }
    // FPSCR instructions: random FPSCR contents, and an FRB of random bits.
    for _ in 0..350 * scale {
        let insn = fpscr_insn(&mut rng);
        let fpscr = (rng.next() as u32) & !0x800;
        let b = rng.next();
        let msr_or = if rng.chance(25) { msr_fe(&mut rng) } else { 0 };
        push(&mut rng, insn, fpscr, msr_or, 0, b, 0);
    }
    // Enabled exceptions in a precise mode, and enables without one.
    for _ in 0..500 * scale {
        let insn = match rng.below(10) {
            0..=5 => arith_insn(&mut rng),
            6 | 7 => unary_insn(&mut rng),
            8 => compare_insn(&mut rng),
            _ => fpscr_insn(&mut rng),
        };
        let (a, b, c) = (
            value(&mut rng, &sp),
            value(&mut rng, &sp),
            value(&mut rng, &sp),
        );
        let fpscr = fpscr_in(&mut rng, true);
        let msr_or = if rng.chance(75) { msr_fe(&mut rng) } else { 0 };
        push(&mut rng, insn, fpscr, msr_or, a, b, c);
    }
    // fsqrt and fsqrts are not implemented on the e500mc.
    for single in [false, true] {
        push(
            &mut rng,
            asm::fsqrt(single, T, B, false),
            0,
            0,
            0,
            0x4010_0000_0000_0000,
            0,
        );
    }
    out
}

/// FNV-1a over the table, so the golden file is tied to the generator.
pub(super) fn table_hash(cases: &[Case]) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= b as u32;
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    for c in cases {
        eat(&c.insn.to_be_bytes());
        eat(&c.cr.to_be_bytes());
        eat(&c.fpscr.to_be_bytes());
        for v in [c.a, c.b, c.c, c.t] {
            eat(&v.to_be_bytes());
        }
        eat(&c.msr_or.to_be_bytes());
    }
    h
}

/// Vectors used by the runner: program and FP unavailable interrupts spin there.
const PROGRAM_VECTOR: u32 = 0x700;
const FPU_VECTOR: u32 = 0x800;
const SYSCALL_VECTOR: u32 = 0x900;
const CODE_BASE: u32 = 0x10000;
const SCRATCH: u32 = 0x8000;
const CASE_STRIDE: u32 = 32;
/// Offset of the case instruction in its program.
const INSN_OFFSET: u32 = 16;

/// Run every case on an e500mc core, as the guest does: `mtfsf 0xff` loads the
/// FPSCR, `mtcrf` the CR, `mtmsr` adds FE0/FE1, `sc` (whose handler returns at
/// once) isolates the case in QEMU, then the instruction.
pub(super) fn run_on_core(cases: &[Case]) -> Vec<Outcome> {
    let mut core = crate::tests::core_with(Flavor::E500mc, &[]);
    let cpu = &mut core.cpu;
    cpu.set_spr(Spr::Ivpr, 0);
    cpu.set_spr(Spr::Ivor6, PROGRAM_VECTOR);
    cpu.set_spr(Spr::Ivor7, FPU_VECTOR);
    cpu.set_spr(Spr::Ivor8, SYSCALL_VECTOR);
    let spin = asm::b(0).to_be_bytes();
    cpu.write_phys(PROGRAM_VECTOR as u64, &spin).unwrap();
    cpu.write_phys(FPU_VECTOR as u64, &spin).unwrap();
    cpu.write_phys(SYSCALL_VECTOR as u64, &asm::rfi().to_be_bytes())
        .unwrap();
    let mut code = Vec::new();
    for c in cases {
        for w in [
            asm::mtfsf(0xFF, 0, false),
            asm::mtcrf(0xFF, 5),
            asm::mtmsr(7),
            asm::sc(),
            c.insn,
            asm::b(0),
            asm::nop(),
            asm::nop(),
        ] {
            code.extend_from_slice(&w.to_be_bytes());
        }
    }
    cpu.write_phys(CODE_BASE as u64, &code).unwrap();

    let base_msr = crate::msr::FP;
    let mut out = Vec::with_capacity(cases.len());
    for (i, c) in cases.iter().enumerate() {
        let addr = CODE_BASE + i as u32 * CASE_STRIDE;
        let cpu = &mut core.cpu;
        cpu.set_msr(base_msr);
        cpu.fpr[0] = c.fpscr as u64;
        cpu.fpr[1] = c.a;
        cpu.fpr[2] = c.b;
        cpu.fpr[3] = c.c;
        cpu.fpr[4] = c.t;
        cpu.gpr[5] = c.cr;
        cpu.gpr[RA as usize] = SCRATCH;
        cpu.gpr[RB as usize] = 4;
        cpu.gpr[RZ as usize] = 0;
        cpu.write_phys(SCRATCH as u64, &c.c.to_be_bytes()).unwrap();
        let msr_used = base_msr | c.msr_or;
        cpu.gpr[7] = msr_used;
        cpu.pc = addr;
        core.run(&mut NoDevices, 24);
        let cpu = &core.cpu;
        let vector = match cpu.pc {
            PROGRAM_VECTOR => 6,
            FPU_VECTOR => 7,
            pc => {
                assert_eq!(pc, addr + INSN_OFFSET + 4, "case {i}: stray pc");
                0
            }
        };
        let taken = vector != 0;
        let mut mem = [0u8; 8];
        cpu.read_phys(SCRATCH as u64, &mut mem).unwrap();
        out.push(Outcome {
            t: cpu.fpr[4],
            fpscr: cpu.fpscr,
            cr: cpu.cr,
            vector,
            esr: if taken { cpu.spr(Spr::Esr) } else { 0 },
            srr0_ok: taken && cpu.spr(Spr::Srr0) == addr + INSN_OFFSET,
            srr1x: if taken {
                cpu.spr(Spr::Srr1) ^ msr_used
            } else {
                0
            },
            mem: u64::from_be_bytes(mem) ^ c.c,
            ra_offset: cpu.gpr[RA as usize].wrapping_sub(SCRATCH),
        });
    }
    out
}

/// Parse the guest's output: header (count, hash) and one outcome per case.
fn parse_output(text: &str) -> Result<(u32, u32, Vec<Outcome>), String> {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let header = lines
        .by_ref()
        .find(|l| l.starts_with("# fpu-golden"))
        .ok_or("no header line")?;
    let field = |name: &str| -> Result<u32, String> {
        let tail = header
            .split(&format!("{name}="))
            .nth(1)
            .ok_or(format!("header lacks {name}"))?;
        u32::from_str_radix(tail.split_whitespace().next().unwrap_or(""), 16)
            .map_err(|e| format!("header {name}: {e}"))
    };
    let (count, hash) = (field("cases")?, field("hash")?);
    let mut outs = Vec::new();
    for line in lines {
        if line == "# end" {
            return Ok((count, hash, outs));
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 9 {
            return Err(format!("bad line {:?}", line));
        }
        let h32 = |s: &str| u32::from_str_radix(s, 16).map_err(|e| format!("{line:?}: {e}"));
        outs.push(Outcome {
            t: u64::from_str_radix(f[0], 16).map_err(|e| format!("{line:?}: {e}"))?,
            fpscr: h32(f[1])?,
            cr: h32(f[2])?,
            vector: h32(f[3])?,
            esr: h32(f[4])?,
            srr0_ok: h32(f[5])? != 0,
            srr1x: h32(f[6])?,
            mem: u64::from_str_radix(f[7], 16).map_err(|e| format!("{line:?}: {e}"))?,
            ra_offset: h32(f[8])?,
        });
    }
    Err("no end line".into())
}

/// How our outcomes compare with QEMU's.
#[derive(Debug, Default)]
struct Comparison {
    identical: usize,
    /// Target/FPRF kept for an invalid/zero-divide with VE/ZE and FE0=FE1=0.
    isa_target_kept: usize,
    /// Only QEMU's SRR1 program-interrupt cause bit differs.
    srr1_cause_bit: usize,
    mismatches: Vec<String>,
}

fn compare(cases: &[Case], ours: &[Outcome], qemu: &[Outcome]) -> Comparison {
    let mut cmp = Comparison::default();
    for (i, ((c, o), q)) in cases.iter().zip(ours).zip(qemu).enumerate() {
        if o == q {
            cmp.identical += 1;
            continue;
        }
        let q_srr1 = if q.vector == 6 {
            q.srr1x & !qemu_srr1_cause(q.esr)
        } else {
            q.srr1x
        };
        let q_adj = Outcome {
            srr1x: q_srr1,
            ..*q
        };
        if *o == q_adj {
            cmp.srr1_cause_bit += 1;
            continue;
        }
        // The architecture keeps the target and FPRF for an invalid operation
        // with VE=1 or a zero divide with ZE=1, whatever MSR[FE0,FE1] says.
        let kept = c.msr_or == 0
            && o.vector == 0
            && c.fpscr & (VE | ZE) != 0
            && o.t == c.t
            && Outcome {
                t: o.t,
                fpscr: (q.fpscr & !FPRF) | (o.fpscr & FPRF),
                ..*q
            } == *o;
        if kept {
            cmp.isa_target_kept += 1;
            continue;
        }
        cmp.mismatches.push(format!(
            "case {i}: insn {:08x} fpscr {:08x} msr_or {:x} a {:016x} b {:016x} c {:016x} t {:016x} cr {:08x}\n  ours {:x?}\n  qemu {:x?}",
            c.insn, c.fpscr, c.msr_or, c.a, c.b, c.c, c.t, c.cr, o, q
        ));
    }
    cmp
}

#[test]
fn fpu_matches_qemu_golden() {
    let cases = cases();
    let text = std::fs::read_to_string(golden_path()).expect("golden file");
    let (count, hash, qemu) = parse_output(&text).expect("golden file parses");
    assert_eq!(
        (count as usize, hash),
        (cases.len(), table_hash(&cases)),
        "the case generator changed: regenerate the golden file with \
         FPU_GOLDEN_WRITE=1 cargo test -p e500 fpu_golden_matches_live_qemu"
    );
    assert_eq!(qemu.len(), cases.len());
    let ours = run_on_core(&cases);
    let cmp = compare(&cases, &ours, &qemu);
    println!(
        "{} cases: {} identical, {} differ only where the architecture keeps the target \
         (VE/ZE with MSR[FE0,FE1]=0), {} only in QEMU's SRR1 cause bit, {} mismatches",
        cases.len(),
        cmp.identical,
        cmp.isa_target_kept,
        cmp.srr1_cause_bit,
        cmp.mismatches.len()
    );
    for m in cmp.mismatches.iter().take(40) {
        println!("{m}");
    }
    assert!(
        cmp.mismatches.is_empty(),
        "{} mismatches",
        cmp.mismatches.len()
    );
    // The table exercises what it claims to.
    assert!(cmp.isa_target_kept > 0 && cmp.srr1_cause_bit > 0);
    assert!(ours.iter().filter(|o| o.vector == 6).count() > 50);
}

/// The guest table as assembler data.
fn cases_asm(cases: &[Case]) -> String {
    let mut s = String::from(
        "/* Generated by e500's fpu::qemu_compare tests: do not edit. */\n\
         \t.section .rodata\n\t.align 3\n\t.globl cases, ncases, cases_hash\n",
    );
    s += &format!(
        "ncases:\t.long {}\ncases_hash:\t.long 0x{:08x}\n\t.align 3\ncases:\n",
        cases.len(),
        table_hash(cases)
    );
    for c in cases {
        s += &format!(
            "\t.long 0x{:08x}, 0x{:08x}\n\t.quad 0x{:x}, 0x{:016x}, 0x{:016x}, 0x{:016x}, 0x{:016x}\n\t.long 0x{:x}, 0\n\t.quad 0\n",
            c.insn, c.cr, c.fpscr, c.a, c.b, c.c, c.t, c.msr_or
        );
    }
    s
}

fn tool(name: &str, install: &str) -> String {
    let found = std::process::Command::new(name)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{name} is needed for this test: install it with `{install}`"
    );
    name.to_string()
}

fn run_cmd(cmd: &mut std::process::Command) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Build the guest for this table and run it under QEMU; returns its output.
fn run_guest_on_qemu(cases: &[Case]) -> String {
    let cc = tool(
        "powerpc-linux-gnu-gcc",
        "apt-get install gcc-powerpc-linux-gnu",
    );
    let qemu = tool("qemu-system-ppc", "apt-get install qemu-system-ppc");
    let dir = std::env::temp_dir().join(format!(
        "vmgdb-fpu-guest-{}-{:08x}-{}",
        std::process::id(),
        table_hash(cases),
        cases.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cases.S"), cases_asm(cases)).unwrap();
    let fx = fixture_dir();
    let flags = [
        "-mcpu=e500mc",
        "-msoft-float",
        "-ffreestanding",
        "-nostdlib",
        "-nostartfiles",
        "-fno-builtin",
        "-fno-pic",
        "-no-pie",
        "-static",
        "-O2",
        "-Wall",
    ];
    let elf = dir.join("fpu.elf");
    run_cmd(
        std::process::Command::new(&cc)
            .args(flags)
            .arg("-T")
            .arg(fx.join("link.ld"))
            .arg("-Wl,--no-warn-rwx-segments,-z,noexecstack")
            .arg(fx.join("start.S"))
            .arg(fx.join("main.c"))
            .arg(dir.join("cases.S"))
            .arg("-o")
            .arg(&elf),
    );
    let out = run_cmd(
        std::process::Command::new(&qemu)
            .args([
                "-M",
                "ppce500",
                "-cpu",
                "e500mc",
                "-nographic",
                "-nic",
                "none",
            ])
            .args(["-monitor", "none", "-serial", "stdio", "-kernel"])
            .arg(&elf),
    );
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

#[test]
fn fpu_golden_matches_live_qemu() {
    let cases = cases();
    let live = run_guest_on_qemu(&cases);
    let (count, hash, outs) = parse_output(&live).expect("guest output parses");
    assert_eq!((count as usize, hash), (cases.len(), table_hash(&cases)));
    assert_eq!(outs.len(), cases.len());
    let start = live.find("# fpu-golden").unwrap_or(0);
    let live = &live[start..];
    if std::env::var_os("FPU_GOLDEN_WRITE").is_some() {
        std::fs::write(golden_path(), live).unwrap();
        return;
    }
    let golden = std::fs::read_to_string(golden_path()).expect("golden file");
    assert!(golden == live, "QEMU's output differs from the golden file");
}

/// A much larger table, compared with QEMU live (nothing stored). The seed and
/// scale can be changed with FPU_LIVE_SEED / FPU_LIVE_SCALE.
#[test]
fn fpu_matches_live_qemu_large() {
    let env_num = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seed = env_num("FPU_LIVE_SEED", 0x0123_4567_89AB_CDEF);
    let scale = env_num("FPU_LIVE_SCALE", 12) as usize;
    let cases = cases_with(seed, scale);
    let live = run_guest_on_qemu(&cases);
    let (count, hash, qemu) = parse_output(&live).expect("guest output parses");
    assert_eq!((count as usize, hash), (cases.len(), table_hash(&cases)));
    assert_eq!(qemu.len(), cases.len());
    let ours = run_on_core(&cases);
    let cmp = compare(&cases, &ours, &qemu);
    println!(
        "seed {seed:#x}: {} cases: {} identical, {} architecture-kept targets, {} SRR1 cause bits, {} mismatches",
        cases.len(),
        cmp.identical,
        cmp.isa_target_kept,
        cmp.srr1_cause_bit,
        cmp.mismatches.len()
    );
    for m in cmp.mismatches.iter().take(40) {
        println!("{m}");
    }
    assert!(
        cmp.mismatches.is_empty(),
        "{} mismatches",
        cmp.mismatches.len()
    );
}
