//! The execution engine: decoded blocks, the run loop, and one-at-a-time stepping.
//!
//! A block is a run of decoded instructions from one entry address to the first
//! instruction that may change flow, translation, interrupt state or timers
//! ([`Insn::ends_block`]), a page end, or the next address an instruction
//! comparator may match. Blocks are keyed by (effective, physical) start address
//! and found through a direct-mapped jump cache; they are dropped when their page
//! is written. Between blocks the engine looks at timers, interrupts and requests
//! only when something asked for attention, so the inner loop is: execute
//! instructions, follow the branch, look up the next block.
//!
//! Debug comparators cost nothing when nothing is armed: an instruction comparator
//! makes the matching address the start of a block that checks it, a data
//! comparator makes its page take the soft TLB's slow path, and instruction-complete
//! or branch-taken events switch the engine to stepping.

use crate::cpu::{Cpu, Exc, ResetKind};
use crate::debug::{dbcr0, dbsr, HostDebug, HostEvent, StepResume};
use crate::decode::{decode, Insn};
use crate::exec::branch_taken;
use crate::interrupt::Interrupt;
use crate::jit::{self, BlockFn, Context, Jit, JitError};
use crate::memory::{Bus, Ram};
use crate::msr;
use crate::softtlb::{flags, Entry};
use crate::spr::Spr;
use crate::timer::{WatchdogReset, TB_TICKS_PER_INSN};
use crate::Flavor;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Most instructions in one block.
const MAX_BLOCK: usize = 64;
/// Jump-cache size (entries).
const JUMP_ENTRIES: usize = 4096;
const NO_BLOCK: u32 = u32::MAX;
/// Blocks kept before the cache is rebuilt from scratch.
const MAX_BLOCKS: usize = 1 << 16;
/// An entry address no fetch can have (marks an empty jump-cache slot).
const DEAD: u32 = 1;

/// Why [`Core::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The debugger's bank fired.
    Host(HostEvent),
    /// The core waits for an interrupt that nothing will raise by itself.
    Halted,
    /// A device asked the run loop to return.
    Bus,
    /// The guest asked for a reset.
    Reset(ResetKind),
    /// [`Core::stop_handle`] was set.
    Interrupted,
    /// The instruction budget was used up.
    Limit,
}

struct Block {
    /// Check instruction comparators before the first instruction.
    iac: bool,
    /// The decoded instructions, then Insn::EndOfBlock.
    insns: Box<[Insn]>,
    /// Times the block ran interpreted (counted while a compiler is on).
    runs: Cell<u32>,
    /// The compiled block, once it ran often enough.
    code: Option<BlockFn>,
}

impl Block {
    /// Guest instructions in the block.
    fn len(&self) -> u64 {
        self.insns.len() as u64 - 1
    }
}

/// Decoded blocks and the indexes to find them.
struct BlockCache {
    arena: Vec<Block>,
    by_start: HashMap<(u32, u64), u32>,
    /// Physical pages that blocks were decoded from.
    pages: HashSet<u64>,
    /// Direct-mapped (entry address, block) pairs: one load finds a block.
    jump: Box<[(u32, u32); JUMP_ENTRIES]>,
    /// The block compiler, when [`Engine::Jit`] is selected: its code lives
    /// and dies with the blocks it was compiled from.
    jit: Option<Box<Jit>>,
}

impl BlockCache {
    fn new() -> BlockCache {
        BlockCache {
            arena: Vec::new(),
            by_start: HashMap::new(),
            pages: HashSet::new(),
            jump: Box::new([(DEAD, NO_BLOCK); JUMP_ENTRIES]),
            jit: None,
        }
    }

    /// Forget every decoded block and the code compiled from them.
    fn clear(&mut self) {
        self.arena.clear();
        self.by_start.clear();
        self.pages.clear();
        self.clear_jump();
        if let Some(jit) = self.jit.as_mut() {
            jit.reset();
        }
    }

    fn clear_jump(&mut self) {
        self.jump.fill((DEAD, NO_BLOCK));
    }

    /// Drop every block decoded from physical `page`.
    fn drop_page(&mut self, page: u64) {
        if self.pages.remove(&page) {
            self.by_start.retain(|&(_, pa), _| pa & !0xFFF != page);
            self.clear_jump();
        }
    }
}

#[inline(always)]
fn jump_index(pc: u32) -> usize {
    (pc >> 2) as usize & (JUMP_ENTRIES - 1)
}

/// How the core executes guest code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// Decoded blocks, interpreted (the reference).
    #[default]
    Interp,
    /// Hot blocks compiled to host code ([`crate::jit`]), the rest interpreted.
    Jit,
}

/// One e500 core with its RAM: the unit the hypervisor layer runs.
pub struct Core {
    /// Architected state.
    pub cpu: Cpu,
    blocks: BlockCache,
    stop: Arc<AtomicBool>,
    /// Execute one instruction at a time (debug events that need it are armed).
    /// The jump cache stays empty meanwhile, so every block lookup misses into
    /// [`Core::step`].
    stepping: bool,
}

impl Core {
    /// A core of `flavor` with `ram_size` bytes of RAM at physical 0, in reset state.
    pub fn new(flavor: Flavor, ram_size: usize) -> Core {
        Core {
            cpu: Cpu::new(flavor, Ram::new(ram_size)),
            blocks: BlockCache::new(),
            stop: Arc::new(AtomicBool::new(false)),
            stepping: false,
        }
    }

    /// Select the execution engine. Guest-visible behaviour is the same with
    /// either; only speed differs.
    pub fn set_engine(&mut self, engine: Engine) -> Result<(), JitError> {
        self.blocks.clear();
        self.blocks.jit = match engine {
            Engine::Interp => None,
            Engine::Jit => Some(Box::new(Jit::new()?)),
        };
        Ok(())
    }

    /// The engine in use.
    pub fn engine(&self) -> Engine {
        if self.blocks.jit.is_some() {
            Engine::Jit
        } else {
            Engine::Interp
        }
    }

    /// What the block compiler did so far (`None` without one).
    pub fn jit_stats(&self) -> Option<jit::JitStats> {
        self.blocks.jit.as_ref().map(|j| j.stats)
    }

    /// Compile blocks after they ran `runs` times (with [`Engine::Jit`]).
    pub fn set_jit_threshold(&mut self, runs: u32) {
        if let Some(jit) = self.blocks.jit.as_mut() {
            jit.hot = runs.max(1);
        }
    }

    /// Reset the core (RAM is kept; the debugger's bank is kept).
    pub fn reset(&mut self) {
        self.cpu.reset();
        self.blocks.clear();
        self.cpu.code = Default::default();
    }

    /// Setting this flag makes [`Core::run`] return [`Stop::Interrupted`] promptly.
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Instructions retired since power-on.
    pub fn icount(&self) -> u64 {
        self.cpu.icount
    }

    /// Trace these execution events ([`crate::trace`]).
    pub fn set_trace(&mut self, trace: crate::Trace) {
        self.cpu.trace = trace;
    }

    /// Install (or remove) the debugger's bank.
    pub fn set_host_debug(&mut self, host: Option<HostDebug>) {
        self.cpu.debug.set_host(host);
        self.cpu.debug_updated();
    }

    /// Run until something stops the core, at most about `limit` instructions.
    pub fn run(&mut self, bus: &mut dyn Bus, limit: u64) -> Stop {
        let end = self.cpu.icount.saturating_add(limit);
        self.cpu.want_attention();
        let stop = loop {
            if self.cpu.icount >= self.cpu.horizon || self.stop.load(Ordering::Relaxed) {
                if let Some(s) = self.attend(bus, end) {
                    break s;
                }
                continue;
            }
            if let Some(s) = self.run_block(bus) {
                break s;
            }
        };
        self.cpu.block_start = self.cpu.pc;
        // A stop the debugger sees in a handler a step ran into ends the step.
        if matches!(stop, Stop::Host(_) | Stop::Interrupted) && self.cpu.debug.step_resume.is_some()
        {
            self.cpu.debug.step_resume = None;
            self.cpu.debug_updated();
        }
        stop
    }

    /// Look at everything that is not an instruction: requests, code coherence,
    /// timers, pending interrupts, idling.
    fn attend(&mut self, bus: &mut dyn Bus, end: u64) -> Option<Stop> {
        let cpu = &mut self.cpu;
        // Anything below asking for attention again sets the horizon back to 0.
        cpu.horizon = u64::MAX;
        if self.stop.swap(false, Ordering::Relaxed) {
            return Some(Stop::Interrupted);
        }
        if std::mem::take(&mut cpu.bus_exit) {
            return Some(Stop::Bus);
        }
        if let Some(kind) = cpu.reset_request.take() {
            return Some(Stop::Reset(kind));
        }
        for page in std::mem::take(&mut cpu.code.dirty) {
            self.blocks.drop_page(page);
        }
        if std::mem::take(&mut cpu.debug_changed) {
            self.blocks.clear();
            cpu.code = Default::default();
            cpu.stlb.flush();
            cpu.translation_changed = false;
        }
        if std::mem::take(&mut cpu.translation_changed) {
            self.blocks.clear_jump();
        }
        let now = cpu.icount * TB_TICKS_PER_INSN;
        cpu.timers.sync(now);
        if let Some(WatchdogReset::Requested(wrc)) = cpu.timers.reset_request.take() {
            return Some(Stop::Reset(match wrc {
                1 => ResetKind::Core,
                2 => ResetKind::Chip,
                _ => ResetKind::System,
            }));
        }
        cpu.external_irq = bus.external_interrupt();
        let host_step = cpu.debug.host_stepping();
        let step_over = host_step
            && cpu
                .debug
                .host
                .as_ref()
                .is_some_and(|h| h.step_over_interrupts);
        // Interrupts are taken at the instruction where they come due, stepping
        // or not (the guest must not depend on the debugger).
        if let Some(int) = cpu.pending_interrupt() {
            if int == Interrupt::External {
                if let Some(vector) = bus.acknowledge_external() {
                    cpu.set_spr(Spr::Epr, vector);
                }
            }
            let resume = StepResume {
                pc: cpu.pc,
                pr: cpu.msr & msr::PR != 0,
                pid: cpu.mmu.pid[0],
            };
            cpu.take_interrupt(int, cpu.pc);
            if host_step {
                if !(step_over && int != Interrupt::Debug) {
                    return Some(Stop::Host(HostEvent::Step { next: cpu.pc }));
                }
                // Run the handler through; the step goes on at its return.
                cpu.debug.step_resume = Some(resume);
                cpu.debug_updated();
            }
        }
        if cpu.halted {
            let next = cpu
                .timers
                .next_event(now)
                .map(|t| t.div_ceil(TB_TICKS_PER_INSN));
            return match next {
                Some(t) if t < end => {
                    cpu.icount = t.max(cpu.icount);
                    cpu.want_attention();
                    None
                }
                Some(_) => {
                    cpu.icount = end.max(cpu.icount);
                    Some(Stop::Limit)
                }
                None => Some(Stop::Halted),
            };
        }
        if cpu.icount >= end {
            return Some(Stop::Limit);
        }
        let stepping = cpu.debug.needs_stepping(cpu.guest_de());
        if stepping && !self.stepping {
            // Blocks are found through the jump cache only while not stepping.
            self.blocks.clear_jump();
        }
        self.stepping = stepping;
        let next = cpu
            .timers
            .next_event(now)
            .map_or(u64::MAX, |t| t.div_ceil(TB_TICKS_PER_INSN));
        if cpu.horizon != 0 {
            cpu.horizon = next.min(end);
        }
        None
    }

    /// Deliver the interrupt an instruction raised; `Some` if the run must stop.
    fn raise(&mut self, exc: Exc, pc: u32) -> Option<Stop> {
        let cpu = &mut self.cpu;
        match exc {
            Exc::Host => {
                cpu.pc = pc;
                cpu.host_event.take().map(Stop::Host)
            }
            Exc::Interrupt(Interrupt::SystemCall) => {
                cpu.icount += 1;
                cpu.take_interrupt(Interrupt::SystemCall, pc.wrapping_add(4));
                None
            }
            Exc::Interrupt(int) => {
                cpu.take_interrupt(int, pc);
                None
            }
            // Raised only inside blocks (Cpu::in_block), and handled there.
            Exc::Device => None,
        }
    }

    /// Find or build the block at the current PC.
    #[inline(always)]
    fn lookup(&mut self, pc: u32) -> Result<Option<u32>, Exc> {
        let (ea, id) = self.blocks.jump[jump_index(pc)];
        if ea == pc {
            return Ok(Some(id));
        }
        self.lookup_slow(pc)
    }

    #[inline(never)]
    fn lookup_slow(&mut self, pc: u32) -> Result<Option<u32>, Exc> {
        if self.stepping {
            return Ok(None);
        }
        let e: Entry = self.cpu.fetch_entry(pc)?;
        if e.flags() & flags::MMIO != 0 || pc & 3 != 0 {
            return Ok(None);
        }
        let pa = e.pa_page | (pc & 0xFFF) as u64;
        let id = match self.blocks.by_start.get(&(pc, pa)) {
            Some(&id) => id,
            None => self.build(pc, pa),
        };
        self.blocks.jump[jump_index(pc)] = (pc, id);
        Ok(Some(id))
    }

    fn build(&mut self, pc: u32, pa: u64) -> u32 {
        if self.blocks.arena.len() >= MAX_BLOCKS
            || self.blocks.jit.as_ref().is_some_and(|j| j.full())
        {
            self.blocks.clear();
            self.cpu.code = Default::default();
            self.cpu.stlb.flush_data();
        }
        let cpu = &mut self.cpu;
        let mut insns = Vec::with_capacity(8);
        let mut ea = pc;
        let mut a = pa;
        loop {
            let word = u32::from_be_bytes(cpu.ram.read_be::<4>(a as usize));
            let insn = decode(cpu.overlay.fetched(ea, a, word));
            insns.push(insn);
            ea = ea.wrapping_add(4);
            a += 4;
            if insn.ends_block()
                || insns.len() >= MAX_BLOCK
                || ea & 0xFFF == 0
                || cpu.debug.iac_may_match(ea)
            {
                break;
            }
        }
        let len = insns.len();
        insns.push(Insn::EndOfBlock);
        if cpu.code.mark(pa, len) {
            // Stores to this page must now take the slow path.
            cpu.stlb.write.fill(Entry {
                tag: flags::INVALID,
                pa_page: 0,
            });
        }
        let id = self.blocks.arena.len() as u32;
        self.blocks.arena.push(Block {
            iac: cpu.debug.iac_may_match(pc),
            insns: insns.into(),
            runs: Cell::new(0),
            code: None,
        });
        self.blocks.by_start.insert((pc, pa), id);
        self.blocks.pages.insert(pa & !0xFFF);
        id
    }

    /// Execute the block at the current PC (again and again while it loops on itself
    /// and nothing needs attention).
    #[inline(always)]
    fn run_block(&mut self, bus: &mut dyn Bus) -> Option<Stop> {
        let pc = self.cpu.pc;
        let id = match self.lookup(pc) {
            Ok(Some(id)) => id,
            Ok(None) => return self.step(bus),
            Err(exc) => return self.raise(exc, pc),
        };
        let mut compiling = false;
        let mut hot_after = u32::MAX;
        if let BlockCache {
            arena,
            jit: Some(jit),
            ..
        } = &mut self.blocks
        {
            let block = &mut arena[id as usize];
            if block.code.is_none() && block.runs.get() < u32::MAX {
                let runs = block.runs.get() + 1;
                block.runs.set(runs);
                if runs >= jit.hot {
                    match jit.compile(pc, &block.insns, !block.iac) {
                        Ok(f) => block.code = Some(f),
                        Err(e) => {
                            tracing::warn!("block at {pc:#010x} stays interpreted: {e}");
                            block.runs.set(u32::MAX);
                        }
                    }
                } else {
                    compiling = true;
                    hot_after = jit.hot;
                }
            }
        }
        let Core {
            cpu, blocks, stop, ..
        } = self;
        let block = &blocks.arena[id as usize];
        let len = block.len();
        if cpu.icount + len > cpu.horizon {
            // A timer event or the run's end falls inside the block: run up to
            // it one instruction at a time, so that an interrupt is taken at the
            // instruction where it becomes due, however blocks are cut.
            return self.step(bus);
        }
        cpu.block_start = pc;
        if block.iac {
            if cpu.step_resumes_at(pc) {
                return self.step(bus);
            }
            if let Err(exc) = cpu.check_iac(pc) {
                return self.raise(exc, pc);
            }
        }
        cpu.in_block = true;
        if let Some(code) = block.code.filter(|_| !cpu.trace.exec) {
            let mut ctx = Context {
                ram: cpu.ram.host_base(),
                cpu,
                stop: Arc::as_ptr(stop),
                bus,
                exc: None,
            };
            // SAFETY: `code` was compiled from this block by this core's Jit
            // (blocks and code are dropped together), and `ctx` holds pointers
            // made from live, exclusive references used by nothing else
            // during the call.
            let r = unsafe { code(&mut ctx) };
            let exc = ctx.exc;
            let cpu = &mut self.cpu;
            cpu.in_block = false;
            if r == jit::COMPLETED {
                return None;
            }
            let index = (r & 0xFFFF_FFFF) as u32;
            let at = pc.wrapping_add(4 * index);
            cpu.icount += index as u64;
            return match exc {
                Some(Exc::Device) |
                // A fault with nothing reported cannot happen; go on at the
                // instruction, interpreted.
                None => {
                    cpu.pc = at;
                    self.step(bus)
                }
                Some(exc) => self.raise(exc, at),
            };
        }
        // Only a block's last instruction can branch (Insn::ends_block), and
        // Insn::EndOfBlock after it ends every walk through the block.
        let first: *const Insn = block.insns.as_ptr();
        loop {
            if cpu.trace.exec {
                crate::trace::event!(exec, "exec: {pc:#010x} ({len} instructions)");
            }
            let mut at = pc;
            let mut insn = first;
            let cur = loop {
                // SAFETY: `insn` starts at the block's first entry and moves on only
                // past an entry that fell through (`Ok(None)`). The last entry is
                // Insn::EndOfBlock, which never falls through, so `insn` never leaves
                // the block's slice. This walk, without a bounds check per
                // instruction, is the interpreter's hottest loop.
                match cpu.exec(unsafe { &*insn }, at, bus) {
                    Ok(None) => {
                        at = at.wrapping_add(4);
                        // SAFETY: as above, `insn` was not the last entry.
                        insn = unsafe { insn.add(1) };
                    }
                    Ok(Some(target)) => break target,
                    Err(exc) => {
                        cpu.in_block = false;
                        cpu.icount += (at.wrapping_sub(pc) / 4) as u64;
                        if exc == Exc::Device {
                            cpu.pc = at;
                            return self.step(bus);
                        }
                        return self.raise(exc, at);
                    }
                }
            };
            cpu.icount += len;
            cpu.pc = cur;
            let again = cur == pc && !block.iac && cpu.icount + len <= cpu.horizon;
            // A loop interpreted on itself counts its runs, and leaves once
            // hot, for the next run to compile it.
            let hot = compiling && {
                let runs = block.runs.get() + 1;
                block.runs.set(runs);
                runs >= hot_after
            };
            if !again || hot || stop.load(Ordering::Relaxed) {
                cpu.in_block = false;
                return None;
            }
        }
    }

    /// Execute exactly one instruction, with every per-instruction debug event.
    fn step(&mut self, bus: &mut dyn Bus) -> Option<Stop> {
        let pc = self.cpu.pc;
        self.cpu.block_start = pc;
        self.cpu.step_resumes_at(pc);
        let host_step = self.cpu.debug.host_stepping();
        let stepped =
            |core: &Core| host_step.then_some(Stop::Host(HostEvent::Step { next: core.cpu.pc }));
        let word = match self.cpu.fetch_word(pc, bus) {
            Ok(w) => w,
            Err(exc) => return self.raise(exc, pc).or_else(|| stepped(self)),
        };
        if let Err(exc) = self.cpu.check_iac(pc) {
            return self.raise(exc, pc).or_else(|| stepped(self));
        }
        let insn = decode(word);
        let cpu = &mut self.cpu;
        if cpu.trace.exec {
            crate::trace::event!(exec, "exec: {pc:#010x} (1 instruction)");
        }
        let guest_events = cpu.guest_de() && cpu.debug.guest_idm();
        if guest_events && cpu.debug.guest.dbcr0 & dbcr0::BT != 0 && branch_taken(cpu, &insn) {
            cpu.record_guest_event(dbsr::BT);
            cpu.take_interrupt(Interrupt::Debug, pc);
            return stepped(self);
        }
        let complete_event = guest_events && cpu.debug.guest.dbcr0 & dbcr0::IC != 0;
        match cpu.exec(&insn, pc, bus) {
            Ok(next) => {
                cpu.pc = next.unwrap_or(pc.wrapping_add(4));
                cpu.icount += 1;
                if complete_event {
                    cpu.record_guest_event(dbsr::IC);
                }
            }
            Err(exc) => {
                let completed = exc == Exc::Interrupt(Interrupt::SystemCall);
                if let Some(s) = self.raise(exc, pc) {
                    return Some(s);
                }
                if completed && complete_event {
                    self.cpu.record_guest_event(dbsr::IC);
                }
            }
        }
        stepped(self)
    }
}

impl Cpu {
    /// Whether a host step waiting for an interrupt handler's return goes on at
    /// `pc` (then it is no longer waiting).
    fn step_resumes_at(&mut self, pc: u32) -> bool {
        let Some(r) = self.debug.step_resume else {
            return false;
        };
        let pr = self.msr & msr::PR != 0;
        if r.pc != pc & !3 || r.pr != pr || (pr && r.pid != self.mmu.pid[0]) {
            return false;
        }
        self.debug.step_resume = None;
        self.debug_updated();
        true
    }

    /// Evaluate both banks' instruction comparators before executing at `pc`.
    pub(crate) fn check_iac(&mut self, pc: u32) -> Result<(), Exc> {
        let q = self.qualifiers();
        let guest = self.debug.guest_iac(pc, q);
        let host = self.debug.host_iac(pc);
        self.arbitrate(guest, host)
    }

    /// The highest-priority interrupt that is asserted and enabled.
    pub(crate) fn pending_interrupt(&self) -> Option<Interrupt> {
        if self.debug.guest_interrupt_pending(self.guest_de()) {
            return Some(Interrupt::Debug);
        }
        if self.msr & msr::CE != 0 && self.timers.wdt_asserted() {
            return Some(Interrupt::Watchdog);
        }
        if self.msr & msr::EE != 0 {
            if self.external_irq {
                return Some(Interrupt::External);
            }
            if self.timers.fit_asserted() {
                return Some(Interrupt::FixedInterval);
            }
            if self.timers.dec_asserted() {
                return Some(Interrupt::Decrementer);
            }
        }
        None
    }
}
