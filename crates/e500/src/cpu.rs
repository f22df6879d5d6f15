//! The architected state of one e500 core and the operations every instruction
//! class shares: MSR writes, interrupt delivery, register views.

use crate::debug::{dbsr, Debug, HostEvent, Qualifiers};
use crate::interrupt::{Class, Interrupt};
use crate::memory::Ram;
use crate::mmu::Mmu;
use crate::msr;
use crate::pagebits::PageBits;
use crate::softtlb::SoftTlb;
use crate::spr::Spr;
use crate::timer::{Timers, TB_TICKS_PER_INSN};
use crate::Flavor;
use rustc_hash::{FxHashMap, FxHashSet};

/// XER bits.
pub mod xer {
    pub const SO: u32 = 0x8000_0000;
    pub const OV: u32 = 0x4000_0000;
    pub const CA: u32 = 0x2000_0000;
    /// Byte count for `lswx`/`stswx`.
    pub const BYTE_COUNT: u32 = 0x7F;
}

/// How an instruction failed to complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exc {
    /// The core takes this interrupt; SRR0 (or its class's pair) gets the
    /// instruction's address. ESR/DEAR were already written.
    Interrupt(Interrupt),
    /// The debugger's bank fired: [`Cpu::host_event`] says how.
    Host,
    /// The instruction would access a device from inside a block. Nothing of it
    /// has happened yet (a device access is an instruction's first side effect
    /// that cannot be repeated); the engine retires the block up to it and runs
    /// it on its own, so the device sees the exact time and whatever the access
    /// raises is taken right after it.
    Device,
}

/// What instruction execution returns: `Ok(None)` falls through, `Ok(Some(t))` jumps.
pub type Flow = Result<Option<u32>, Exc>;

/// A reset the guest asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetKind {
    /// DBCR0[RST] or a watchdog with TCR[WRC] = 01.
    Core,
    /// TCR[WRC] = 10.
    Chip,
    /// TCR[WRC] = 11, or DBCR0[RST] = 11.
    System,
}

/// Planted software breakpoints: the words in RAM hold the breakpoint instruction,
/// this map holds what the guest and the debugger see there.
///
/// A breakpoint belongs to the (effective, physical) address pair the debugger
/// planted it through. Fetched through any other mapping of the same physical
/// word, the original instruction runs; a breakpoint word that the debugger did
/// not plant is the guest's own illegal instruction.
#[derive(Default)]
pub(crate) struct Overlay {
    /// Physical word address → original instruction word.
    pub words: FxHashMap<u64, u32>,
    /// The same words as a bitmap per page: what data accesses ask about.
    pub planted: PageBits,
    /// The (effective, physical word) pairs the debugger planted through.
    pub sites: FxHashSet<(u32, u64)>,
}

impl Overlay {
    /// The instruction a fetch of `word` from `ea` (physical `pa`) executes: the
    /// original under a planted word reached through a mapping the debugger
    /// did not plant through.
    #[inline]
    pub fn fetched(&self, ea: u32, pa: u64, word: u32) -> u32 {
        if self.words.is_empty() {
            return word;
        }
        let pa = pa & !3;
        match self.words.get(&pa) {
            Some(&orig) if !self.sites.contains(&(ea & !3, pa)) => orig,
            _ => word,
        }
    }

    /// Whether the debugger planted a breakpoint at `ea` through physical `pa`.
    pub fn is_site(&self, ea: u32, pa: u64) -> bool {
        self.sites.contains(&(ea & !3, pa & !3))
    }

    /// Whether an access of `len` bytes at `pa` (within one page) touches a planted word.
    #[inline]
    pub fn touches(&self, pa: u64, len: usize) -> bool {
        self.planted.touches(pa, len)
    }

    /// Replace the bytes of `buf` (read from physical `pa`) that are planted words.
    pub fn hide(&self, pa: u64, buf: &mut [u8]) {
        if self.words.is_empty() {
            return;
        }
        let end = pa + buf.len() as u64;
        let mut word = pa & !3;
        while word < end {
            if let Some(orig) = self.words.get(&word) {
                for (i, b) in orig.to_be_bytes().iter().enumerate() {
                    let a = word + i as u64;
                    if a >= pa && a < end {
                        buf[(a - pa) as usize] = *b;
                    }
                }
            }
            word += 4;
        }
    }

    /// Record a write of `bytes` at physical `pa` into planted words; returns the
    /// bytes to store in RAM (planted words keep the breakpoint instruction).
    pub fn absorb(&mut self, pa: u64, bytes: &mut [u8], ram_now: &[u8]) {
        let end = pa + bytes.len() as u64;
        let mut word = pa & !3;
        while word < end {
            if let Some(orig) = self.words.get_mut(&word) {
                let mut o = orig.to_be_bytes();
                for (i, ob) in o.iter_mut().enumerate() {
                    let a = word + i as u64;
                    if a >= pa && a < end {
                        let k = (a - pa) as usize;
                        *ob = bytes[k];
                        bytes[k] = ram_now[k];
                    }
                }
                *orig = u32::from_be_bytes(o);
            }
            word += 4;
        }
    }

    pub fn has_page(&self, pa_page: u64) -> bool {
        self.planted.has_page(pa_page)
    }
}

/// Which words of RAM pages hold decoded instructions.
#[derive(Default)]
pub(crate) struct CodeMap {
    /// One bit per word that some block was decoded from.
    pub words: PageBits,
    /// Pages whose blocks must be dropped at the next block boundary.
    pub dirty: Vec<u64>,
}

impl CodeMap {
    /// Mark `[pa, pa + 4*words)` as decoded; returns true if the page is new.
    pub fn mark(&mut self, pa: u64, words: usize) -> bool {
        self.words.insert(pa, words)
    }

    /// Whether physical page `page` holds decoded words.
    #[inline]
    pub fn has_page(&self, page: u64) -> bool {
        self.words.has_page(page)
    }

    /// Whether a write of `len` bytes at `pa` (within one page) touches decoded words.
    #[inline]
    pub fn touches(&self, pa: u64, len: usize) -> bool {
        self.words.touches(pa, len)
    }

    /// Whether a write of `len` bytes at `pa` touches decoded words; if so the page is
    /// queued for invalidation and forgotten.
    pub fn write_hits(&mut self, pa: u64, len: usize) -> bool {
        let hit = self.words.touches(pa, len);
        if hit {
            self.words.remove_page(pa & !0xFFF);
            self.dirty.push(pa & !0xFFF);
        }
        hit
    }
}

/// The state of one e500 core.
pub struct Cpu {
    pub(crate) flavor: Flavor,
    pub gpr: [u32; 32],
    pub pc: u32,
    /// The MSR the guest wrote (its own view; see [`Cpu::msr`]).
    pub(crate) msr: u32,
    pub cr: u32,
    pub lr: u32,
    pub ctr: u32,
    pub xer: u32,
    pub fpr: [u64; 32],
    pub fpscr: u32,
    /// Plain-storage SPRs, indexed by SPR number.
    pub(crate) sprs: Box<[u32; 1024]>,
    pub mmu: Mmu,
    pub(crate) timers: Timers,
    pub debug: Debug,
    pub(crate) ram: Ram,
    pub(crate) stlb: SoftTlb,
    pub(crate) code: CodeMap,
    pub(crate) overlay: Overlay,
    /// Instructions retired since power-on (drives the time base).
    pub(crate) icount: u64,
    /// Address of the first instruction of the block being executed.
    pub(crate) block_start: u32,
    /// Executing a block (not stepping): device accesses end it ([`Exc::Device`]).
    pub(crate) in_block: bool,
    /// Which execution events are traced ([`crate::trace`]).
    pub(crate) trace: crate::Trace,
    /// Physical address reserved by `lwarx`.
    pub(crate) reservation: Option<u64>,
    /// In `wait`: idle until an interrupt.
    pub(crate) halted: bool,
    /// Instruction count at which the engine must next look at timers, interrupts
    /// and requests (between blocks); 0 asks for a look at the next boundary.
    pub(crate) horizon: u64,
    /// The translation changed: decoded-block lookups must be redone.
    pub(crate) translation_changed: bool,
    /// Comparator configuration changed: blocks must be rebuilt.
    pub(crate) debug_changed: bool,
    /// A device asked the run loop to return.
    pub(crate) bus_exit: bool,
    /// Level of the external interrupt input, as last reported by the bus.
    pub(crate) external_irq: bool,
    /// A reset the guest requested.
    pub(crate) reset_request: Option<ResetKind>,
    /// What the debugger's bank reported (valid after [`Exc::Host`]).
    pub(crate) host_event: Option<HostEvent>,
    /// A guest debug interrupt was delivered under the debugger and its handler
    /// has not returned yet (see [`Cpu::guest_de`]).
    pub(crate) in_debug_handler: bool,
}

impl Cpu {
    pub(crate) fn new(flavor: Flavor, ram: Ram) -> Cpu {
        let mut cpu = Cpu {
            flavor,
            gpr: [0; 32],
            pc: 0,
            msr: 0,
            cr: 0,
            lr: 0,
            ctr: 0,
            xer: 0,
            fpr: [0; 32],
            fpscr: 0,
            sprs: Box::new([0; 1024]),
            mmu: Mmu::new(flavor),
            timers: Timers::default(),
            debug: Debug::default(),
            ram,
            stlb: SoftTlb::default(),
            code: CodeMap::default(),
            overlay: Overlay::default(),
            icount: 0,
            block_start: 0,
            reservation: None,
            halted: false,
            horizon: 0,
            in_block: false,
            trace: crate::Trace::default(),
            translation_changed: true,
            debug_changed: true,
            bus_exit: false,
            external_irq: false,
            reset_request: None,
            host_event: None,
            in_debug_handler: false,
        };
        cpu.reset();
        cpu
    }

    /// Architected reset state (the debugger's bank is kept: it belongs to the host).
    pub(crate) fn reset(&mut self) {
        let host = self.debug.host.take();
        self.gpr = [0; 32];
        self.pc = 0xFFFF_FFFC;
        self.msr = 0;
        self.cr = 0;
        self.lr = 0;
        self.ctr = 0;
        self.xer = 0;
        self.fpr = [0; 32];
        self.fpscr = 0;
        self.sprs.fill(0);
        self.mmu = Mmu::new(self.flavor);
        self.timers = Timers::default();
        self.debug = Debug::default();
        self.debug.set_host(host);
        self.reservation = None;
        self.halted = false;
        self.in_debug_handler = false;
        self.reset_request = None;
        self.stlb.flush();
        self.want_attention();
        self.translation_changed = true;
        self.debug_changed = true;
    }

    /// Ask the engine to look at timers, interrupts and requests before the next block.
    #[inline]
    pub(crate) fn want_attention(&mut self) {
        self.horizon = 0;
    }

    /// Which core this is.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// MSR as the guest reads it. On e500mc, while the debugger owns debugging,
    /// MSRP[DEP] keeps DE set.
    pub fn msr(&self) -> u32 {
        if self.flavor == Flavor::E500mc && self.debug.host.is_some() {
            self.msr | msr::DE
        } else {
            self.msr
        }
    }

    /// The guest's own MSR[DE]: what gates its own debug events. While the debugger
    /// is attached, the guest's debug handler is a window without guest debug
    /// interrupts (as KVM injects none in the guest's critical window): on e500mc the
    /// guest reads DE forced on, and a handler writing back what it read must not
    /// re-enter itself.
    pub(crate) fn guest_de(&self) -> bool {
        self.msr & msr::DE != 0 && !self.in_debug_handler
    }

    /// Write the MSR on behalf of the guest (mtmsr, rfi, interrupt entry) or the debugger.
    pub fn set_msr(&mut self, value: u32) {
        let value = value & self.flavor.msr_mask();
        if (value ^ self.msr) & msr::TRANSLATION != 0 {
            self.stlb.flush();
            self.translation_changed = true;
        }
        self.msr = value;
        self.want_attention();
    }

    pub(crate) fn qualifiers(&self) -> Qualifiers {
        Qualifiers {
            pr: self.msr & msr::PR != 0,
            is: self.msr & msr::IS != 0,
            ds: self.msr & msr::DS != 0,
        }
    }

    /// Time-base ticks at the instruction at `pc` of the current block.
    #[inline]
    pub(crate) fn now(&self, pc: u32) -> u64 {
        let in_block = (pc.wrapping_sub(self.block_start) / 4) as u64;
        (self.icount + in_block) * TB_TICKS_PER_INSN
    }

    /// The time base between runs, where `icount` counts every retired
    /// instruction (what the debugger sees; a PC it writes changes nothing).
    pub(crate) fn now_between_runs(&self) -> u64 {
        self.icount * TB_TICKS_PER_INSN
    }

    /// Value of a plain-storage SPR.
    #[inline]
    pub(crate) fn spr(&self, spr: Spr) -> u32 {
        self.sprs[spr.number() as usize]
    }

    #[inline]
    pub(crate) fn set_spr(&mut self, spr: Spr, value: u32) {
        self.sprs[spr.number() as usize] = value;
    }

    /// The IVOR SPR for an interrupt's vector number.
    fn ivor(&self, n: usize) -> u32 {
        let number = if n < 16 { 400 + n } else { 528 + n - 32 };
        self.sprs[number]
    }

    /// Record a guest debug event in DBSR (IDE too when its DE is clear).
    pub(crate) fn record_guest_event(&mut self, bits: u32) {
        if bits == 0 {
            return;
        }
        self.debug.dbsr |= bits;
        if !self.guest_de() {
            self.debug.dbsr |= dbsr::IDE;
        }
        self.want_attention();
    }

    /// Take `int`: save the return address and MSR in the class's pair, enter the
    /// handler at IVPR | IVORn.
    pub(crate) fn take_interrupt(&mut self, int: Interrupt, return_pc: u32) {
        let debug_level = self.flavor.debug_level_interrupt();
        let class = int.class(debug_level);
        let old = self.msr();
        let (save0, save1, keep) = match class {
            Class::Base => (Spr::Srr0, Spr::Srr1, msr::CE | msr::ME | msr::DE),
            Class::Critical => {
                let keep = if debug_level {
                    msr::ME | msr::DE
                } else {
                    msr::ME
                };
                (Spr::Csrr0, Spr::Csrr1, keep)
            }
            Class::DebugLevel => (Spr::Dsrr0, Spr::Dsrr1, msr::ME),
            Class::MachineCheck => (
                Spr::Mcsrr0,
                Spr::Mcsrr1,
                if debug_level { msr::DE } else { 0 },
            ),
        };
        self.set_spr(save0, return_pc);
        self.set_spr(save1, old);
        if self.trace.int || self.trace.mmu {
            self.trace_interrupt(int, return_pc, (save0, save1));
        }
        if int == Interrupt::Debug && self.debug.host.is_some() {
            self.in_debug_handler = true;
        }
        self.set_msr(self.msr & keep);
        self.pc = (self.spr(Spr::Ivpr) & 0xFFFF_0000) | (self.ivor(int.ivor()) & 0xFFF0);
        self.halted = false;
        self.reservation = None;
        // Taking an interrupt takes time, so an interrupt storm still advances the clock.
        self.icount += 1;
        // Interrupt-taken debug events (not for the debug interrupt itself).
        let event = match class {
            Class::Base => crate::debug::dbcr0::IRPT,
            Class::Critical if debug_level => crate::debug::dbcr0::CIRPT,
            _ => 0,
        };
        if event != 0 && self.debug.guest_idm() && self.debug.guest.dbcr0 & event != 0 {
            self.record_guest_event(event);
        }
    }

    #[cold]
    fn trace_interrupt(&self, int: Interrupt, return_pc: u32, (save0, save1): (Spr, Spr)) {
        let vector = (self.spr(Spr::Ivpr) & 0xFFFF_0000) | (self.ivor(int.ivor()) & 0xFFF0);
        if self.trace.int {
            // The instruction that raised it (`sc` returns after itself).
            let at = match int {
                Interrupt::SystemCall => return_pc.wrapping_sub(4),
                _ => return_pc,
            };
            crate::trace::event!(
                int,
                "int: {int:?} (IVOR{}) at {at:#010x} => {vector:#010x} {save0:?} {:#010x} {save1:?} {:#010x} ESR {:#010x} DEAR {:#010x}",
                int.ivor(),
                self.spr(save0),
                self.spr(save1),
                self.spr(Spr::Esr),
                self.spr(Spr::Dear)
            );
        }
        if self.trace.mmu {
            match int {
                Interrupt::DataTlbError => crate::trace::event!(
                    mmu,
                    "mmu: data TLB miss at {return_pc:#010x}: EA {:#010x}",
                    self.spr(Spr::Dear)
                ),
                Interrupt::InstructionTlbError => {
                    crate::trace::event!(mmu, "mmu: instruction TLB miss: EA {return_pc:#010x}")
                }
                _ => {}
            }
        }
    }

    /// Raise a program interrupt with `esr`.
    pub(crate) fn program(&mut self, esr: u32) -> Exc {
        self.set_spr(Spr::Esr, esr);
        Exc::Interrupt(Interrupt::Program)
    }

    /// One comparator check's outcome for both banks (guest-debug-model.md):
    /// the debugger's event stops the run, and the guest's own event from the
    /// same check (DBSR bits in `guest`) is recorded, to be delivered once the
    /// debugger resumes; without a debugger event, the guest's is a debug
    /// interrupt if MSR[DE] allows it, and stays pending in DBSR if not.
    pub(crate) fn arbitrate(&mut self, guest: u32, host: Option<HostEvent>) -> Result<(), Exc> {
        if let Some(event) = host {
            self.record_guest_event(guest);
            return Err(self.host_stop(event));
        }
        if guest != 0 {
            self.record_guest_event(guest);
            if self.guest_de() {
                return Err(Exc::Interrupt(Interrupt::Debug));
            }
        }
        Ok(())
    }

    /// Stop for the debugger.
    pub(crate) fn host_stop(&mut self, event: HostEvent) -> Exc {
        self.host_event = Some(event);
        Exc::Host
    }

    /// CR field 0 from a result (LT/GT/EQ by signed compare with 0, SO from XER).
    #[inline]
    pub(crate) fn set_cr0(&mut self, v: u32) {
        let v = v as i32;
        let f = if v < 0 {
            8
        } else if v > 0 {
            4
        } else {
            2
        } | (self.xer >> 31);
        self.cr = (self.cr & 0x0FFF_FFFF) | (f << 28);
    }

    /// Set CR field `bf` (0..8) to the 4-bit value `f`.
    #[inline]
    pub(crate) fn set_cr_field(&mut self, bf: u8, f: u32) {
        let shift = 28 - 4 * bf as u32;
        self.cr = (self.cr & !(0xF << shift)) | ((f & 0xF) << shift);
    }

    /// CR bit `n` (0 = MSB).
    #[inline]
    pub(crate) fn cr_bit(&self, n: u8) -> bool {
        self.cr & (0x8000_0000 >> n) != 0
    }

    #[inline]
    pub(crate) fn set_ca(&mut self, ca: bool) {
        if ca {
            self.xer |= xer::CA;
        } else {
            self.xer &= !xer::CA;
        }
    }

    #[inline]
    pub(crate) fn ca(&self) -> u32 {
        (self.xer >> 29) & 1
    }

    #[inline]
    pub(crate) fn set_ov(&mut self, ov: bool) {
        if ov {
            self.xer |= xer::OV | xer::SO;
        } else {
            self.xer &= !xer::OV;
        }
    }

    /// The guest RAM.
    pub fn ram(&self) -> &Ram {
        &self.ram
    }
}

/// What a program can observe of a core, gathered for comparing two runs of
/// the same guest (engines in lockstep, record and replay): registers, SPRs,
/// the TLBs, timers as the guest reads them, both debug banks' guest side,
/// the reservation and the instruction count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchState {
    pub pc: u32,
    pub gpr: [u32; 32],
    pub msr: u32,
    pub cr: u32,
    pub lr: u32,
    pub ctr: u32,
    pub xer: u32,
    pub fpr: [u64; 32],
    pub fpscr: u32,
    /// Plain-storage SPRs as (number, value), the non-zero ones.
    pub sprs: Vec<(u16, u32)>,
    pub tlb0: Vec<crate::mmu::TlbEntry>,
    pub tlb1: Vec<crate::mmu::TlbEntry>,
    /// MAS0..MAS4, MAS6, MAS7.
    pub mas: [u32; 7],
    pub pid: [u32; 3],
    pub tlb0_victim: u32,
    pub icount: u64,
    pub tb: u64,
    pub dec: u32,
    pub tsr: u32,
    pub tcr: u32,
    pub decar: u32,
    pub guest_debug: crate::debug::DebugRegs,
    pub dbsr: u32,
    pub reservation: Option<u64>,
    pub halted: bool,
}

impl Cpu {
    /// The architected state, between runs.
    pub fn arch_state(&self) -> ArchState {
        let now = self.now_between_runs();
        let mut timers = self.timers.clone();
        let m = &self.mmu;
        ArchState {
            pc: self.pc,
            gpr: self.gpr,
            msr: self.msr,
            cr: self.cr,
            lr: self.lr,
            ctr: self.ctr,
            xer: self.xer,
            fpr: self.fpr,
            fpscr: self.fpscr,
            sprs: (0u16..)
                .zip(self.sprs.iter())
                .filter(|(_, &v)| v != 0)
                .map(|(n, &v)| (n, v))
                .collect(),
            tlb0: m.tlb0.clone(),
            tlb1: m.tlb1.clone(),
            mas: [m.mas0, m.mas1, m.mas2, m.mas3, m.mas4, m.mas6, m.mas7],
            pid: m.pid,
            tlb0_victim: m.last_way,
            icount: self.icount,
            tb: timers.tb(now),
            dec: timers.dec(now),
            tsr: timers.tsr(now),
            tcr: timers.tcr,
            decar: timers.decar,
            guest_debug: self.debug.guest,
            dbsr: self.debug.dbsr,
            reservation: self.reservation,
            halted: self.halted,
        }
    }
}
