//! Translation of one decoded block into Cranelift IR.
//!
//! Straight-line code: each instruction in order, a side exit after every one
//! that can fault, and the block's last instruction computing the next PC.
//! Guest registers are loaded on first use and kept as SSA values; the ones
//! written are stored back at every exit and before every call into the
//! interpreter (which may read or write any of them), and read again after it.

use super::{Context, FAULTED, INTERP_FAULTED, INTERP_JUMPED};
use crate::cpu::Cpu;
use crate::decode::{ArithOp, Insn, LoadKind, LogicOp, StoreKind, UnaryOp};
use crate::softtlb::{self, Entry, SoftTlb};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I16, I32, I64, I8};
use cranelift_codegen::ir::{
    AbiParam, BlockArg, Function, InstBuilder, MemFlagsData, SigRef, Signature, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use std::mem::{offset_of, size_of};

/// Guest registers compiled code keeps: GPRs 0..32, then these.
const CR: usize = 32;
const XER: usize = 33;
const LR: usize = 34;
const CTR: usize = 35;
const NREGS: usize = 36;

fn reg_offset(r: usize) -> i32 {
    (match r {
        CR => offset_of!(Cpu, cr),
        XER => offset_of!(Cpu, xer),
        LR => offset_of!(Cpu, lr),
        CTR => offset_of!(Cpu, ctr),
        gpr => offset_of!(Cpu, gpr) + 4 * gpr,
    }) as i32
}

struct Emitter<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    ctx: Value,
    cpu: Value,
    /// Host address of guest RAM.
    ram: Value,
    regs: [Option<Value>; NREGS],
    dirty: [bool; NREGS],
    /// Registers loaded from and written to the core (bit per register).
    loaded: Regs,
    written: Regs,
    /// The block's last instruction is a branch to a constant address: its
    /// condition (`None`: always) and target.
    direct: Option<(Option<Value>, u32)>,
    /// The instruction count at the start of this run of the block, when the
    /// block loops on itself (carried in a host register; stored at exits).
    icount: Option<Value>,
    sig_load: SigRef,
    sig_store: SigRef,
    sig_interp: SigRef,
}

/// Accesses to the core's own state: aligned, never trapping.
fn mem() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Accesses to guest RAM: any alignment, never trapping (the soft TLB only
/// hits for pages inside RAM); the bytes are swapped around them.
fn guest_ram() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Emit the function for the block at `start`: `insns` ends with [`Insn::EndOfBlock`].
///
/// A block that may loop on itself is emitted twice: once on a scratch function
/// to learn which guest registers it uses, then for real with those registers
/// loaded once before the loop and carried around it in host registers (stored
/// back only when the loop is left).
pub(super) fn block(
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    call_conv: CallConv,
    frontend: TargetFrontendConfig,
    start: u32,
    insns: &[Insn],
    self_loop: bool,
) {
    let carried = self_loop.then(|| {
        let mut scratch = Function::with_name_signature(Default::default(), func.signature.clone());
        let mut sfctx = FunctionBuilderContext::new();
        let seen = emit(
            &mut scratch,
            &mut sfctx,
            call_conv,
            None,
            start,
            insns,
            None,
        );
        seen.0 | seen.1
    });
    emit(func, fctx, call_conv, Some(frontend), start, insns, carried);
}

/// Registers as bit masks (bit r for register r).
type Regs = u64;

/// Emit the block into `func` (finished for `frontend`, if given); returns the
/// registers it loaded and wrote. `carried`: loop on itself, with these
/// registers carried around the loop.
fn emit(
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    call_conv: CallConv,
    frontend: Option<TargetFrontendConfig>,
    start: u32,
    insns: &[Insn],
    carried: Option<Regs>,
) -> (Regs, Regs) {
    let sig = |params: &[cranelift_codegen::ir::Type], ret: Option<cranelift_codegen::ir::Type>| {
        let mut s = Signature::new(call_conv);
        s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        s.returns.extend(ret.map(AbiParam::new));
        s
    };
    let sig_load = func.import_signature(sig(&[I64, I32, I32], Some(I64)));
    let sig_store = func.import_signature(sig(&[I64, I32, I32, I32], Some(I32)));
    let sig_interp = func.import_signature(sig(&[I64, I64, I32], Some(I64)));
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let ctx = b.block_params(entry)[0];
    let cpu = b
        .ins()
        .load(I64, mem(), ctx, offset_of!(Context, cpu) as i32);
    let ram = b
        .ins()
        .load(I64, mem(), ctx, offset_of!(Context, ram) as i32);
    let stop = b
        .ins()
        .load(I64, mem(), ctx, offset_of!(Context, stop) as i32);
    let carried_regs: Vec<usize> = (0..NREGS)
        .filter(|&r| carried.is_some_and(|c| c & (1 << r) != 0))
        .collect();
    let header = b.create_block();
    let mut args = Vec::new();
    for &r in &carried_regs {
        b.append_block_param(header, I32);
        let v = b.ins().load(I32, mem(), cpu, reg_offset(r));
        args.push(BlockArg::Value(v));
    }
    if carried.is_some() {
        b.append_block_param(header, I64);
        let v = b
            .ins()
            .load(I64, mem(), cpu, offset_of!(Cpu, icount) as i32);
        args.push(BlockArg::Value(v));
    }
    b.ins().jump(header, &args);
    b.switch_to_block(header);
    let mut e = Emitter {
        b: &mut b,
        ctx,
        cpu,
        ram,
        regs: [None; NREGS],
        dirty: [false; NREGS],
        loaded: 0,
        written: 0,
        direct: None,
        icount: None,
        sig_load,
        sig_store,
        sig_interp,
    };
    // Around the loop every carried register may differ from memory: all count
    // as written (storing one that did not change is harmless).
    for (i, &r) in carried_regs.iter().enumerate() {
        e.regs[r] = Some(e.b.block_params(header)[i]);
        e.dirty[r] = true;
    }
    if carried.is_some() {
        e.icount = Some(e.b.block_params(header)[carried_regs.len()]);
    }
    let len = insns.len() - 1;
    let mut next = None;
    for (i, insn) in insns[..len].iter().enumerate() {
        let pc = start.wrapping_add(4 * i as u32);
        let last = i + 1 == len;
        let jumped = e.insn(insn, i, pc, insns.as_ptr());
        if last {
            next = Some(match jumped {
                Some(target) => target,
                None => e.imm(pc.wrapping_add(4)),
            });
        }
    }
    let next = next.unwrap_or_else(|| e.imm(start));
    let icount = match e.icount {
        Some(v) => v,
        None => {
            e.b.ins()
                .load(I64, mem(), cpu, offset_of!(Cpu, icount) as i32)
        }
    };
    let after = e.b.ins().iadd_imm_s(icount, len as i64);
    if carried.is_some() {
        // Again while the branch went back to the start, the next run of the
        // block stays below the horizon, and nobody asked the core to stop:
        // the interpreter's condition.
        let back = match e.direct {
            Some((cond, target)) if target == start => cond,
            Some(_) => Some(e.b.ins().iconst(I8, 0)),
            None => Some(e.b.ins().icmp_imm_u(IntCC::Equal, next, start as i64)),
        };
        let mut args: Vec<BlockArg> = carried_regs
            .iter()
            .map(|&r| BlockArg::Value(e.get(r)))
            .collect();
        args.push(BlockArg::Value(after));
        // One compare and branch per condition (cheaper than combining flags).
        let b = &mut e.b;
        let done = b.create_block();
        if let Some(back) = back {
            let more = b.create_block();
            b.ins().brif(back, more, &[], done, &[]);
            b.switch_to_block(more);
        }
        let horizon = b
            .ins()
            .load(I64, mem(), cpu, offset_of!(Cpu, horizon) as i32);
        let next_end = b.ins().iadd_imm_s(after, len as i64);
        let room = b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, next_end, horizon);
        let more = b.create_block();
        b.ins().brif(room, more, &[], done, &[]);
        b.switch_to_block(more);
        let stop = b.ins().uload8(I32, mem(), stop, 0);
        b.ins().brif(stop, done, &[], header, &args);
        e.b.switch_to_block(done);
    }
    e.flush();
    let seen = (e.loaded, e.written);
    b.ins()
        .store(mem(), after, cpu, offset_of!(Cpu, icount) as i32);
    b.ins().store(mem(), next, cpu, offset_of!(Cpu, pc) as i32);
    let r = b.ins().iconst(I64, super::COMPLETED as i64);
    b.ins().return_(&[r]);
    b.seal_all_blocks();
    if let Some(frontend) = frontend {
        b.finalize(frontend);
    }
    seen
}

impl Emitter<'_, '_> {
    fn imm(&mut self, v: u32) -> Value {
        self.b.ins().iconst(I32, v as i32 as i64)
    }

    fn get(&mut self, r: usize) -> Value {
        if let Some(v) = self.regs[r] {
            return v;
        }
        let v = self.b.ins().load(I32, mem(), self.cpu, reg_offset(r));
        self.regs[r] = Some(v);
        self.loaded |= 1 << r;
        v
    }

    fn gpr(&mut self, r: u8) -> Value {
        self.get((r & 31) as usize)
    }

    /// (rA|0).
    fn base(&mut self, ra: u8) -> Value {
        if ra == 0 {
            self.imm(0)
        } else {
            self.gpr(ra)
        }
    }

    fn set(&mut self, r: usize, v: Value) {
        self.regs[r] = Some(v);
        self.dirty[r] = true;
        self.written |= 1 << r;
    }

    fn set_gpr(&mut self, r: u8, v: Value) {
        self.set((r & 31) as usize, v);
    }

    /// Store the registers written since the last flush (they stay cached).
    fn store_dirty(&mut self) {
        if let Some(icount) = self.icount {
            self.b
                .ins()
                .store(mem(), icount, self.cpu, offset_of!(Cpu, icount) as i32);
        }
        for r in 0..NREGS {
            if self.dirty[r] {
                let v = self.regs[r].expect("a dirty register has a value");
                self.b.ins().store(mem(), v, self.cpu, reg_offset(r));
            }
        }
    }

    fn flush(&mut self) {
        self.store_dirty();
        self.dirty = [false; NREGS];
    }

    /// Leave the block through a side exit when `fault` (an I8) is set,
    /// reporting the instruction at `index`.
    fn exit_if(&mut self, fault: Value, index: usize) {
        let exit = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(fault, exit, &[], cont, &[]);
        self.b.switch_to_block(exit);
        self.store_dirty();
        let r = self.b.ins().iconst(I64, (FAULTED | index as u64) as i64);
        self.b.ins().return_(&[r]);
        self.b.switch_to_block(cont);
    }

    fn bool_to_i32(&mut self, c: Value) -> Value {
        self.b.ins().uextend(I32, c)
    }

    /// A CR field value from a comparison's lt/gt/eq (I8s) and XER[SO].
    fn cr_value(&mut self, lt: Value, gt: Value, eq: Value) -> Value {
        let lt = self.bool_to_i32(lt);
        let gt = self.bool_to_i32(gt);
        let eq = self.bool_to_i32(eq);
        let lt = self.b.ins().ishl_imm_u(lt, 3);
        let gt = self.b.ins().ishl_imm_u(gt, 2);
        let eq = self.b.ins().ishl_imm_u(eq, 1);
        let xer = self.get(XER);
        let so = self.b.ins().ushr_imm_u(xer, 31);
        let f = self.b.ins().bor(lt, gt);
        let f = self.b.ins().bor(f, eq);
        self.b.ins().bor(f, so)
    }

    fn set_cr_field(&mut self, bf: u8, f: Value) {
        let shift = 28 - 4 * (bf as i64 & 7);
        let cr = self.get(CR);
        let kept = self
            .b
            .ins()
            .band_imm_u(cr, !(0xFi64 << shift) & 0xFFFF_FFFF);
        let f = self.b.ins().ishl_imm_u(f, shift);
        let cr = self.b.ins().bor(kept, f);
        self.set(CR, cr);
    }

    fn compare(&mut self, bf: u8, a: Value, b: Value, signed: bool) {
        let (lt, gt) = if signed {
            (IntCC::SignedLessThan, IntCC::SignedGreaterThan)
        } else {
            (IntCC::UnsignedLessThan, IntCC::UnsignedGreaterThan)
        };
        let lt = self.b.ins().icmp(lt, a, b);
        let gt = self.b.ins().icmp(gt, a, b);
        let eq = self.b.ins().icmp(IntCC::Equal, a, b);
        let f = self.cr_value(lt, gt, eq);
        self.set_cr_field(bf, f);
    }

    /// CR0 from a result (Rc = 1).
    fn cr0(&mut self, v: Value) {
        let zero = self.imm(0);
        self.compare(0, v, zero, true);
    }

    fn result(&mut self, ra: u8, v: Value, rc: bool) {
        self.set_gpr(ra, v);
        if rc {
            self.cr0(v);
        }
    }

    /// CR bit `bi` as an I8 truth value.
    fn cr_bit(&mut self, bi: u8) -> Value {
        let cr = self.get(CR);
        let bit = self
            .b
            .ins()
            .band_imm_u(cr, (0x8000_0000u32 >> (bi & 31)) as i64);
        self.b.ins().icmp_imm_u(IntCC::NotEqual, bit, 0)
    }

    /// The BO/BI condition (decrementing CTR when BO says so); `None` when always true.
    fn condition(&mut self, bo: u8, bi: u8) -> Option<Value> {
        let ctr_ok = if bo & 0x04 == 0 {
            let ctr = self.get(CTR);
            let ctr = self.b.ins().iadd_imm_s(ctr, -1);
            self.set(CTR, ctr);
            let cc = if bo & 0x02 != 0 {
                IntCC::Equal
            } else {
                IntCC::NotEqual
            };
            Some(self.b.ins().icmp_imm_u(cc, ctr, 0))
        } else {
            None
        };
        let cond_ok = if bo & 0x10 == 0 {
            let bit = self.cr_bit(bi);
            Some(if bo & 0x08 != 0 {
                bit
            } else {
                self.b.ins().bxor_imm_u(bit, 1)
            })
        } else {
            None
        };
        match (ctr_ok, cond_ok) {
            (Some(a), Some(b)) => Some(self.b.ins().band(a, b)),
            (a, b) => a.or(b),
        }
    }

    /// A branch to the constant `target` if `cond` holds (always if `None`),
    /// else to the next instruction; remembered for the loop test.
    fn branch_to(&mut self, cond: Option<Value>, target: u32, pc: u32) -> Value {
        self.direct = Some((cond, target));
        let t = self.imm(target);
        self.branch(cond, t, pc)
    }

    /// `target` if `cond` holds, else the next instruction.
    fn branch(&mut self, cond: Option<Value>, target: Value, pc: u32) -> Value {
        match cond {
            None => target,
            Some(c) => {
                let fall = self.imm(pc.wrapping_add(4));
                self.b.ins().select(c, target, fall)
            }
        }
    }

    /// The soft-TLB entry for `ea` in the table at `table` (an offset in Cpu),
    /// and whether it is a hit for an access of `size` bytes: the same one
    /// compare as [`Cpu::load`]'s fast path.
    fn tlb_probe(&mut self, table: usize, ea: Value, size: u32) -> (Value, Value) {
        let tlb = self.b.ins().load(I64, mem(), self.cpu, table as i32);
        let idx = self.b.ins().ushr_imm_u(ea, 12);
        let idx = self.b.ins().band_imm_u(idx, (softtlb::ENTRIES - 1) as i64);
        let idx = self.b.ins().uextend(I64, idx);
        let off = self.b.ins().imul_imm_u(idx, size_of::<Entry>() as i64);
        let entry = self.b.ins().iadd(tlb, off);
        let tag = self
            .b
            .ins()
            .load(I32, mem(), entry, offset_of!(Entry, tag) as i32);
        let last = self.b.ins().iadd_imm_s(ea, size as i64 - 1);
        let page = self.b.ins().band_imm_u(last, 0xFFFF_F000);
        let hit = self.b.ins().icmp(IntCC::Equal, tag, page);
        (entry, hit)
    }

    /// The host address of the guest RAM byte `ea` translates to through `entry`.
    fn host_address(&mut self, entry: Value, ea: Value) -> Value {
        let pa = self
            .b
            .ins()
            .load(I64, mem(), entry, offset_of!(Entry, pa_page) as i32);
        let off = self.b.ins().band_imm_u(ea, 0xFFF);
        let off = self.b.ins().uextend(I64, off);
        let host = self.b.ins().iadd(self.ram, pa);
        self.b.ins().iadd(host, off)
    }

    fn load(&mut self, kind: LoadKind, rt: u8, ra: u8, ea: Value, update: bool, index: usize) {
        let size = match kind {
            LoadKind::Byte => 1,
            LoadKind::Half | LoadKind::HalfAlgebraic => 2,
            _ => 4,
        };
        let (entry, hit) =
            self.tlb_probe(offset_of!(Cpu, stlb) + offset_of!(SoftTlb, read), ea, size);
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let done = self.b.create_block();
        let loaded = self.b.append_block_param(done, I32);
        self.b.ins().brif(hit, fast, &[], slow, &[]);
        // A RAM hit: read it in place, big-endian.
        self.b.switch_to_block(fast);
        let host = self.host_address(entry, ea);
        // Guest RAM is big-endian: load natively and swap the bytes (the x86
        // backend has no big-endian loads).
        let v = match size {
            1 => self.b.ins().uload8(I32, guest_ram(), host, 0),
            2 => {
                let h = self.b.ins().load(I16, guest_ram(), host, 0);
                let h = self.b.ins().bswap(h);
                self.b.ins().uextend(I32, h)
            }
            _ => {
                let w = self.b.ins().load(I32, guest_ram(), host, 0);
                self.b.ins().bswap(w)
            }
        };
        self.b.ins().jump(done, &[BlockArg::Value(v)]);
        // Everything else: the core's own path.
        self.b.switch_to_block(slow);
        let helper = self.helper(super::load as *const () as usize);
        let size_v = self.imm(size);
        let call = self
            .b
            .ins()
            .call_indirect(self.sig_load, helper, &[self.ctx, ea, size_v]);
        let r = self.b.inst_results(call)[0];
        let fault = self.b.ins().ushr_imm_u(r, 32);
        let fault = self.b.ins().icmp_imm_u(IntCC::NotEqual, fault, 0);
        self.exit_if(fault, index);
        let v = self.b.ins().ireduce(I32, r);
        self.b.ins().jump(done, &[BlockArg::Value(v)]);
        self.b.switch_to_block(done);
        let mut v = loaded;
        if kind == LoadKind::HalfAlgebraic {
            let h = self.b.ins().ireduce(I16, v);
            v = self.b.ins().sextend(I32, h);
        }
        self.set_gpr(rt, v);
        if update {
            self.set_gpr(ra, ea);
        }
    }

    fn store(&mut self, kind: StoreKind, rs: u8, ra: u8, ea: Value, update: bool, index: usize) {
        let size = match kind {
            StoreKind::Byte => 1,
            StoreKind::Half => 2,
            _ => 4,
        };
        let v = self.gpr(rs);
        let (entry, hit) =
            self.tlb_probe(offset_of!(Cpu, stlb) + offset_of!(SoftTlb, write), ea, size);
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(hit, fast, &[], slow, &[]);
        self.b.switch_to_block(fast);
        let host = self.host_address(entry, ea);
        match size {
            1 => self.b.ins().istore8(guest_ram(), v, host, 0),
            2 => {
                let h = self.b.ins().ireduce(I16, v);
                let h = self.b.ins().bswap(h);
                self.b.ins().store(guest_ram(), h, host, 0)
            }
            _ => {
                let w = self.b.ins().bswap(v);
                self.b.ins().store(guest_ram(), w, host, 0)
            }
        };
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(slow);
        let helper = self.helper(super::store as *const () as usize);
        let size_v = self.imm(size);
        let call = self
            .b
            .ins()
            .call_indirect(self.sig_store, helper, &[self.ctx, ea, size_v, v]);
        let r = self.b.inst_results(call)[0];
        let fault = self.b.ins().icmp_imm_u(IntCC::NotEqual, r, 0);
        self.exit_if(fault, index);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        if update {
            self.set_gpr(ra, ea);
        }
    }

    fn helper(&mut self, f: usize) -> Value {
        self.b.ins().iconst(I64, f as i64)
    }

    fn ea_d(&mut self, ra: u8, d: i16) -> Value {
        let base = self.base(ra);
        self.b.ins().iadd_imm_s(base, d as i64)
    }

    fn ea_x(&mut self, ra: u8, rb: u8) -> Value {
        let base = self.base(ra);
        let b = self.gpr(rb);
        self.b.ins().iadd(base, b)
    }

    /// The instruction through the interpreter; its next PC if it jumped.
    fn interpret(&mut self, index: usize, pc: u32, insns: *const Insn) -> Value {
        self.flush();
        let helper = self.helper(super::interpret as *const () as usize);
        let insn = self
            .b
            .ins()
            .iconst(I64, (insns as usize + index * size_of::<Insn>()) as i64);
        let pc_v = self.imm(pc);
        let call = self
            .b
            .ins()
            .call_indirect(self.sig_interp, helper, &[self.ctx, insn, pc_v]);
        let r = self.b.inst_results(call)[0];
        self.regs = [None; NREGS];
        let outcome = self.b.ins().ushr_imm_u(r, 32);
        let fault = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, outcome, (INTERP_FAULTED >> 32) as i64);
        self.exit_if(fault, index);
        let jumped = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, outcome, (INTERP_JUMPED >> 32) as i64);
        let target = self.b.ins().ireduce(I32, r);
        let fall = self.imm(pc.wrapping_add(4));
        self.b.ins().select(jumped, target, fall)
    }

    /// Emit one instruction; `Some(next PC)` for a branch.
    fn insn(&mut self, insn: &Insn, index: usize, pc: u32, insns: *const Insn) -> Option<Value> {
        use Insn::*;
        match *insn {
            Li { rt, si } => {
                let v = self.imm(si as i32 as u32);
                self.set_gpr(rt, v);
            }
            Lis { rt, si } => {
                let v = self.imm((si as i32 as u32) << 16);
                self.set_gpr(rt, v);
            }
            Addi { rt, ra, si } => {
                let a = self.gpr(ra);
                let v = self.b.ins().iadd_imm_s(a, si as i64);
                self.set_gpr(rt, v);
            }
            Addis { rt, ra, si } => {
                let a = self.gpr(ra);
                let v = self.b.ins().iadd_imm_s(a, (si as i64) << 16);
                self.set_gpr(rt, v);
            }
            Mulli { rt, ra, si } => {
                let a = self.gpr(ra);
                let v = self.b.ins().imul_imm_s(a, si as i64);
                self.set_gpr(rt, v);
            }
            Add { rt, ra, rb } => {
                let (a, b) = (self.gpr(ra), self.gpr(rb));
                let v = self.b.ins().iadd(a, b);
                self.set_gpr(rt, v);
            }
            Subf { rt, ra, rb } => {
                let (a, b) = (self.gpr(ra), self.gpr(rb));
                let v = self.b.ins().isub(b, a);
                self.set_gpr(rt, v);
            }
            Arith {
                op,
                rt,
                ra,
                rb,
                oe: false,
                rc,
            } if matches!(
                op,
                ArithOp::Add | ArithOp::Subf | ArithOp::Neg | ArithOp::Mullw | ArithOp::Mulhwu
            ) =>
            {
                let a = self.gpr(ra);
                let v = match op {
                    ArithOp::Add => {
                        let b = self.gpr(rb);
                        self.b.ins().iadd(a, b)
                    }
                    ArithOp::Subf => {
                        let b = self.gpr(rb);
                        self.b.ins().isub(b, a)
                    }
                    ArithOp::Neg => self.b.ins().ineg(a),
                    ArithOp::Mullw => {
                        let b = self.gpr(rb);
                        self.b.ins().imul(a, b)
                    }
                    _ => {
                        let b = self.gpr(rb);
                        self.b.ins().umulhi(a, b)
                    }
                };
                self.result(rt, v, rc);
            }
            Or { ra, rs, rb } => {
                let (s, b) = (self.gpr(rs), self.gpr(rb));
                let v = self.b.ins().bor(s, b);
                self.set_gpr(ra, v);
            }
            And { ra, rs, rb } => {
                let (s, b) = (self.gpr(rs), self.gpr(rb));
                let v = self.b.ins().band(s, b);
                self.set_gpr(ra, v);
            }
            Xor { ra, rs, rb } => {
                let (s, b) = (self.gpr(rs), self.gpr(rb));
                let v = self.b.ins().bxor(s, b);
                self.set_gpr(ra, v);
            }
            Logic { op, ra, rs, rb, rc } if op != LogicOp::Sraw => {
                let (s, b) = (self.gpr(rs), self.gpr(rb));
                let ins = self.b.ins();
                let v = match op {
                    LogicOp::And => ins.band(s, b),
                    LogicOp::Andc => ins.band_not(s, b),
                    LogicOp::Or => ins.bor(s, b),
                    LogicOp::Orc => ins.bor_not(s, b),
                    LogicOp::Xor => ins.bxor(s, b),
                    LogicOp::Nor => {
                        let v = ins.bor(s, b);
                        self.b.ins().bnot(v)
                    }
                    LogicOp::Nand => {
                        let v = ins.band(s, b);
                        self.b.ins().bnot(v)
                    }
                    LogicOp::Eqv => {
                        let v = ins.bxor(s, b);
                        self.b.ins().bnot(v)
                    }
                    _ => {
                        // slw/srw: shift amounts 32..63 give 0.
                        let n = ins.band_imm_u(b, 31);
                        let shifted = if op == LogicOp::Slw {
                            self.b.ins().ishl(s, n)
                        } else {
                            self.b.ins().ushr(s, n)
                        };
                        let big = self.b.ins().band_imm_u(b, 0x20);
                        let zero = self.imm(0);
                        self.b.ins().select(big, zero, shifted)
                    }
                };
                self.result(ra, v, rc);
            }
            Ori { ra, rs, ui } => {
                let s = self.gpr(rs);
                let v = self.b.ins().bor_imm_u(s, ui as i64);
                self.set_gpr(ra, v);
            }
            Oris { ra, rs, ui } => {
                let s = self.gpr(rs);
                let v = self.b.ins().bor_imm_u(s, (ui as i64) << 16);
                self.set_gpr(ra, v);
            }
            Xori { ra, rs, ui } => {
                let s = self.gpr(rs);
                let v = self.b.ins().bxor_imm_u(s, ui as i64);
                self.set_gpr(ra, v);
            }
            Xoris { ra, rs, ui } => {
                let s = self.gpr(rs);
                let v = self.b.ins().bxor_imm_u(s, (ui as i64) << 16);
                self.set_gpr(ra, v);
            }
            Andi { ra, rs, ui } => {
                let s = self.gpr(rs);
                let v = self.b.ins().band_imm_u(s, ui as i64);
                self.result(ra, v, true);
            }
            Andis { ra, rs, ui } => {
                let s = self.gpr(rs);
                let v = self.b.ins().band_imm_u(s, (ui as i64) << 16);
                self.result(ra, v, true);
            }
            Unary { op, ra, rs, rc } => {
                let s = self.gpr(rs);
                let v = match op {
                    UnaryOp::Extsb => {
                        let n = self.b.ins().ireduce(I8, s);
                        self.b.ins().sextend(I32, n)
                    }
                    UnaryOp::Extsh => {
                        let n = self.b.ins().ireduce(I16, s);
                        self.b.ins().sextend(I32, n)
                    }
                    UnaryOp::Cntlzw => self.b.ins().clz(s),
                };
                self.result(ra, v, rc);
            }
            Rlwinm {
                ra,
                rs,
                sh,
                mask,
                rc,
            } => {
                let s = self.gpr(rs);
                let r = self.b.ins().rotl_imm_u(s, (sh & 31) as i64);
                let v = self.b.ins().band_imm_u(r, mask as i64);
                self.result(ra, v, rc);
            }
            Rlwimi {
                ra,
                rs,
                sh,
                mask,
                rc,
            } => {
                let s = self.gpr(rs);
                let a = self.gpr(ra);
                let r = self.b.ins().rotl_imm_u(s, (sh & 31) as i64);
                let r = self.b.ins().band_imm_u(r, mask as i64);
                let a = self.b.ins().band_imm_u(a, !mask as i64);
                let v = self.b.ins().bor(r, a);
                self.result(ra, v, rc);
            }
            Rlwnm {
                ra,
                rs,
                rb,
                mask,
                rc,
            } => {
                let (s, b) = (self.gpr(rs), self.gpr(rb));
                let n = self.b.ins().band_imm_u(b, 31);
                let r = self.b.ins().rotl(s, n);
                let v = self.b.ins().band_imm_u(r, mask as i64);
                self.result(ra, v, rc);
            }
            Cmp { bf, ra, rb } => {
                let (a, b) = (self.gpr(ra), self.gpr(rb));
                self.compare(bf, a, b, true);
            }
            Cmpl { bf, ra, rb } => {
                let (a, b) = (self.gpr(ra), self.gpr(rb));
                self.compare(bf, a, b, false);
            }
            Cmpi { bf, ra, si } => {
                let a = self.gpr(ra);
                let b = self.imm(si as i32 as u32);
                self.compare(bf, a, b, true);
            }
            Cmpli { bf, ra, ui } => {
                let a = self.gpr(ra);
                let b = self.imm(ui as u32);
                self.compare(bf, a, b, false);
            }
            Mflr { rt } => {
                let v = self.get(LR);
                self.set_gpr(rt, v);
            }
            Mtlr { rs } => {
                let v = self.gpr(rs);
                self.set(LR, v);
            }
            Mfctr { rt } => {
                let v = self.get(CTR);
                self.set_gpr(rt, v);
            }
            Mtctr { rs } => {
                let v = self.gpr(rs);
                self.set(CTR, v);
            }
            Mfcr { rt } => {
                let v = self.get(CR);
                self.set_gpr(rt, v);
            }
            Lwz { rt, ra, d } => {
                let ea = self.ea_d(ra, d);
                self.load(LoadKind::Word, rt, ra, ea, false, index);
            }
            Lbz { rt, ra, d } => {
                let ea = self.ea_d(ra, d);
                self.load(LoadKind::Byte, rt, ra, ea, false, index);
            }
            Lbzu { rt, ra, d } => {
                let ea = self.ea_d(ra, d);
                self.load(LoadKind::Byte, rt, ra, ea, true, index);
            }
            Lwzx { rt, ra, rb } => {
                let ea = self.ea_x(ra, rb);
                self.load(LoadKind::Word, rt, ra, ea, false, index);
            }
            Lbzx { rt, ra, rb } => {
                let ea = self.ea_x(ra, rb);
                self.load(LoadKind::Byte, rt, ra, ea, false, index);
            }
            Stw { rs, ra, d } => {
                let ea = self.ea_d(ra, d);
                self.store(StoreKind::Word, rs, ra, ea, false, index);
            }
            Stwu { rs, ra, d } => {
                let ea = self.ea_d(ra, d);
                self.store(StoreKind::Word, rs, ra, ea, true, index);
            }
            Stb { rs, ra, d } => {
                let ea = self.ea_d(ra, d);
                self.store(StoreKind::Byte, rs, ra, ea, false, index);
            }
            Stwx { rs, ra, rb } => {
                let ea = self.ea_x(ra, rb);
                self.store(StoreKind::Word, rs, ra, ea, false, index);
            }
            Stbx { rs, ra, rb } => {
                let ea = self.ea_x(ra, rb);
                self.store(StoreKind::Byte, rs, ra, ea, false, index);
            }
            Load {
                kind,
                rt,
                ra,
                d,
                update,
            } if plain_load(kind) => {
                let ea = self.ea_d(ra, d);
                self.load(kind, rt, ra, ea, update, index);
            }
            LoadX {
                kind,
                rt,
                ra,
                rb,
                update,
            } if plain_load(kind) => {
                let ea = self.ea_x(ra, rb);
                self.load(kind, rt, ra, ea, update, index);
            }
            Store {
                kind,
                rs,
                ra,
                d,
                update,
            } if plain_store(kind) => {
                let ea = self.ea_d(ra, d);
                self.store(kind, rs, ra, ea, update, index);
            }
            StoreX {
                kind,
                rs,
                ra,
                rb,
                update,
            } if plain_store(kind) => {
                let ea = self.ea_x(ra, rb);
                self.store(kind, rs, ra, ea, update, index);
            }
            B { disp, aa, lk } => {
                if lk {
                    let link = self.imm(pc.wrapping_add(4));
                    self.set(LR, link);
                }
                let base = if aa { 0 } else { pc };
                return Some(self.branch_to(None, base.wrapping_add(disp as u32), pc));
            }
            Bt { bi, disp } | Bf { bi, disp } => {
                let mut c = self.cr_bit(bi);
                if matches!(insn, Bf { .. }) {
                    c = self.b.ins().bxor_imm_u(c, 1);
                }
                return Some(self.branch_to(Some(c), pc.wrapping_add(disp as i32 as u32), pc));
            }
            Bdnz { disp } => {
                let ctr = self.get(CTR);
                let ctr = self.b.ins().iadd_imm_s(ctr, -1);
                self.set(CTR, ctr);
                let c = self.b.ins().icmp_imm_u(IntCC::NotEqual, ctr, 0);
                return Some(self.branch_to(Some(c), pc.wrapping_add(disp as i32 as u32), pc));
            }
            Bc {
                bo,
                bi,
                disp,
                aa,
                lk,
            } => {
                if lk {
                    let link = self.imm(pc.wrapping_add(4));
                    self.set(LR, link);
                }
                let c = self.condition(bo, bi);
                let base = if aa { 0 } else { pc };
                return Some(self.branch_to(c, base.wrapping_add(disp as u32), pc));
            }
            Bclr { bo, bi, lk } | Bcctr { bo, bi, lk } => {
                let from = if matches!(insn, Bclr { .. }) { LR } else { CTR };
                let to = self.get(from);
                let target = self.b.ins().band_imm_u(to, !3i64 & 0xFFFF_FFFF);
                if lk {
                    let link = self.imm(pc.wrapping_add(4));
                    self.set(LR, link);
                }
                let c = self.condition(bo, bi);
                return Some(self.branch(c, target, pc));
            }
            _ => {
                let next = self.interpret(index, pc, insns);
                return insn.ends_block().then_some(next);
            }
        }
        None
    }
}

fn plain_load(kind: LoadKind) -> bool {
    matches!(
        kind,
        LoadKind::Byte | LoadKind::Half | LoadKind::HalfAlgebraic | LoadKind::Word
    )
}

fn plain_store(kind: StoreKind) -> bool {
    matches!(kind, StoreKind::Byte | StoreKind::Half | StoreKind::Word)
}
