//! The block compiler: hot decoded blocks become host code through Cranelift.
//!
//! The interpreter stays the reference and runs everything first; a block that
//! has run [`Jit::hot`] times is compiled. Compiled code does exactly what the
//! interpreter's walk through the block does, and reports the same outcomes:
//!
//! - the common integer, logical, rotate, compare, load/store and branch
//!   instructions are translated ([`emit`]); guest registers live in host
//!   registers within the block and are written back at every exit;
//! - every other instruction is executed by a call into the interpreter
//!   ([`Cpu::exec`]), with the registers written back before and read again
//!   after, so that any instruction can sit in a compiled block;
//! - loads and stores go through the core's own access paths (soft TLB, MMU,
//!   comparators, devices), so a fault or a device access stops the block at
//!   that instruction with everything before it retired, as interpreted;
//! - a block that branches back to its own start loops inside the compiled code
//!   while the instruction budget up to the next timer event allows and nobody
//!   asked the core to stop: the same check the interpreter makes.
//!
//! Compiled code is dropped with the decoded blocks it came from (self-modifying
//! code, planted breakpoints, debug changes all go through the block cache).

mod emit;

use crate::cpu::{Cpu, Exc};
use crate::decode::Insn;
use crate::memory::Bus;
use cranelift_codegen::ir::{types, AbiParam, Signature};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Module};
use std::sync::atomic::AtomicBool;

/// Blocks run this many times before they are compiled.
pub const DEFAULT_HOT: u32 = 32;

/// What compiled code and its helpers share during one call.
#[repr(C)]
pub(crate) struct Context<'a> {
    /// Read by compiled code (offset 0).
    pub cpu: *mut Cpu,
    /// Read by compiled code: the core's stop request.
    pub stop: *const AtomicBool,
    /// Read by compiled code: the host address of guest RAM.
    pub ram: *mut u8,
    /// The bus, for helpers.
    pub bus: *mut (dyn Bus + 'a),
    /// The exception a helper reported.
    pub exc: Option<Exc>,
}

/// Compiled block entry: returns [`COMPLETED`] or `FAULTED | index`.
pub(crate) type BlockFn = unsafe extern "C" fn(*mut Context) -> u64;

/// The block ran to its end (the core's PC and instruction count are updated).
pub(crate) const COMPLETED: u64 = 0;
/// The instruction at the index in the low bits did not complete: the
/// exception is in [`Context::exc`]; the instructions before it retired
/// (registers written back) but the instruction count was not advanced.
pub(crate) const FAULTED: u64 = 1 << 32;

/// The compiler and the code it made.
pub struct Jit {
    module: Option<JITModule>,
    isa: OwnedTargetIsa,
    fctx: FunctionBuilderContext,
    /// Copies of the decoded instructions that compiled code hands to the
    /// interpreter; they live as long as the code.
    insns: Vec<Box<[Insn]>>,
    /// Bytes of guest code compiled since the last reset (bounds the code memory).
    compiled: usize,
    /// Runs before a block is compiled.
    pub hot: u32,
    /// What was compiled so far.
    pub stats: JitStats,
}

/// Counts of the compiler's work since the core was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitStats {
    /// Blocks compiled.
    pub blocks: u64,
    /// Blocks Cranelift could not compile (they stay interpreted).
    pub failures: u64,
    /// Times all compiled code was dropped (debug changes, resets, a full cache).
    pub resets: u64,
}

/// Guest instructions compiled before all code is dropped and compiled anew.
const MAX_COMPILED: usize = 1 << 20;

/// Why a block could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    #[error("this host has no Cranelift backend: {0}")]
    Host(String),
    #[error("Cranelift failed: {0}")]
    Codegen(String),
}

impl Jit {
    /// A compiler for this host.
    pub fn new() -> Result<Jit, JitError> {
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| {
            f.set(k, v).map_err(|e| JitError::Host(e.to_string()))
        };
        set(&mut flags, "opt_level", "speed")?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "is_pic", "false")?;
        // The IR comes from one emitter that the lockstep tests check; the
        // verifier would double the compile time of every block.
        set(&mut flags, "enable_verifier", "false")?;
        let isa = cranelift_native::builder()
            .map_err(|e| JitError::Host(e.to_string()))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError::Host(e.to_string()))?;
        Ok(Jit {
            module: None,
            isa,
            fctx: FunctionBuilderContext::new(),
            insns: Vec::new(),
            compiled: 0,
            hot: DEFAULT_HOT,
            stats: JitStats::default(),
        })
    }

    fn module(&mut self) -> &mut JITModule {
        self.module.get_or_insert_with(|| {
            JITModule::new(JITBuilder::with_isa(
                self.isa.clone(),
                default_libcall_names(),
            ))
        })
    }

    /// Whether the code memory is full: the caller drops every block (and with
    /// them every pointer into the code) and calls [`Jit::reset`].
    pub(crate) fn full(&self) -> bool {
        self.compiled >= MAX_COMPILED
    }

    /// Drop all compiled code. Only once no block holds a [`BlockFn`] any more.
    pub(crate) fn reset(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the engine calls this only after dropping every block, so
            // no pointer into this module's code or data is left anywhere.
            unsafe { module.free_memory() };
            self.stats.resets += 1;
        }
        self.insns.clear();
        self.compiled = 0;
    }

    /// Compile the block of `insns` (its last one [`Insn::EndOfBlock`]) that
    /// starts at `pc`. `self_loop`: the block may branch back to its start
    /// and loop inside the compiled code.
    pub(crate) fn compile(
        &mut self,
        pc: u32,
        insns: &[Insn],
        self_loop: bool,
    ) -> Result<BlockFn, JitError> {
        let insns: Box<[Insn]> = insns.into();
        let ptr = insns.as_ptr();
        let len = insns.len() - 1;
        self.insns.push(insns);
        let call_conv = self.isa.default_call_conv();
        let frontend = self.isa.frontend_config();
        let mut sig = Signature::new(call_conv);
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I64));
        let mut fctx = std::mem::take(&mut self.fctx);
        let module = self.module();
        let mut ctx = module.make_context();
        ctx.func.signature = sig.clone();
        // SAFETY: `ptr` points at `len + 1` instructions owned by `self.insns`.
        let block = unsafe { std::slice::from_raw_parts(ptr, len + 1) };
        emit::block(
            &mut ctx.func,
            &mut fctx,
            call_conv,
            frontend,
            pc,
            block,
            self_loop,
        );
        let result = (|| {
            let id = module
                .declare_anonymous_function(&sig)
                .map_err(|e| JitError::Codegen(e.to_string()))?;
            module
                .define_function(id, &mut ctx)
                .map_err(|e| JitError::Codegen(format!("{e:?}")))?;
            module.clear_context(&mut ctx);
            module
                .finalize_definitions()
                .map_err(|e| JitError::Codegen(e.to_string()))?;
            Ok(module.get_finalized_function(id))
        })();
        self.fctx = fctx;
        let code = result.inspect_err(|_| self.stats.failures += 1)?;
        self.compiled += len;
        self.stats.blocks += 1;
        // SAFETY: the function was built with the signature of BlockFn.
        Ok(unsafe { std::mem::transmute::<*const u8, BlockFn>(code) })
    }
}

// ---- helpers that compiled code calls ----

/// A load of `size` bytes (1, 2 or 4) at `ea`; bit 32 set if it faulted.
pub(crate) unsafe extern "C" fn load(ctx: *mut Context, ea: u32, size: u32) -> u64 {
    // SAFETY: compiled code passes the context it was called with; the engine
    // made it from live references for the duration of the call.
    let ctx = unsafe { &mut *ctx };
    let (cpu, bus) = unsafe { (&mut *ctx.cpu, &mut *ctx.bus) };
    let v = match size {
        1 => cpu.load::<1>(ea, bus).map(|b| b[0] as u32),
        2 => cpu.load::<2>(ea, bus).map(|b| u16::from_be_bytes(b) as u32),
        _ => cpu.load::<4>(ea, bus).map(u32::from_be_bytes),
    };
    match v {
        Ok(v) => v as u64,
        Err(e) => {
            ctx.exc = Some(e);
            FAULTED
        }
    }
}

/// A store of the low `size` bytes (1, 2 or 4) of `value` at `ea`; 1 if it faulted.
pub(crate) unsafe extern "C" fn store(ctx: *mut Context, ea: u32, size: u32, value: u32) -> u32 {
    // SAFETY: as for `load`.
    let ctx = unsafe { &mut *ctx };
    let (cpu, bus) = unsafe { (&mut *ctx.cpu, &mut *ctx.bus) };
    let r = match size {
        1 => cpu.store::<1>(ea, [value as u8], bus),
        2 => cpu.store::<2>(ea, (value as u16).to_be_bytes(), bus),
        _ => cpu.store::<4>(ea, value.to_be_bytes(), bus),
    };
    match r {
        Ok(()) => 0,
        Err(e) => {
            ctx.exc = Some(e);
            1
        }
    }
}

/// Outcomes of [`interpret`] (bits 32..): fell through, jumped to the low bits, faulted.
pub(crate) const INTERP_JUMPED: u64 = 1 << 32;
pub(crate) const INTERP_FAULTED: u64 = 2 << 32;

/// Execute the instruction at `insn` (address `pc`) in the interpreter.
pub(crate) unsafe extern "C" fn interpret(ctx: *mut Context, insn: *const Insn, pc: u32) -> u64 {
    // SAFETY: as for `load`; `insn` points into `Jit::insns`, alive with the code.
    let ctx = unsafe { &mut *ctx };
    let (cpu, bus, insn) = unsafe { (&mut *ctx.cpu, &mut *ctx.bus, &*insn) };
    match cpu.exec(insn, pc, bus) {
        Ok(None) => 0,
        Ok(Some(target)) => INTERP_JUMPED | target as u64,
        Err(e) => {
            ctx.exc = Some(e);
            INTERP_FAULTED
        }
    }
}
