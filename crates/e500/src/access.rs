//! Guest memory accesses: the soft-TLB fast path, and the slow path that walks the
//! MMU, raises storage interrupts, evaluates data comparators, reaches devices,
//! honours little-endian pages and keeps decoded code and planted breakpoints coherent.

use crate::cpu::{Cpu, Exc};
use crate::debug::DataAccess;
use crate::interrupt::{esr, Interrupt};
use crate::memory::{Bus, BusAction};
use crate::mmu::{Access, Fault};
use crate::msr;
use crate::softtlb::{self, flags, Entry};
use crate::spr::Spr;
use crate::timer::TB_TICKS_PER_INSN;

/// Why a debugger access failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MemError {
    #[error("address {0:#x} is not mapped")]
    Unmapped(u64),
    #[error("address {0:#x} is not RAM")]
    NotRam(u64),
}

impl Cpu {
    /// Soft-TLB lookup or MMU walk for a data access; raises DTLB/DSI on failure.
    fn data_entry(&mut self, ea: u32, write: bool) -> Result<Entry, Exc> {
        let page = ea & !0xFFF;
        let i = softtlb::index(ea);
        let e = if write {
            self.stlb.write[i]
        } else {
            self.stlb.read[i]
        };
        if e.holds(page) {
            return Ok(e);
        }
        let ts = self.msr & msr::DS != 0;
        let pr = self.msr & msr::PR != 0;
        let access = if write { Access::Write } else { Access::Read };
        match self.mmu.translate(ea, ts, pr, access) {
            Ok(m) => {
                let mut f = 0;
                if !self.ram.contains(m.pa_page, 0x1000) {
                    f |= flags::MMIO;
                }
                if m.little_endian {
                    f |= flags::LITTLE_ENDIAN;
                }
                if self.debug.dac_may_hit_page(page) {
                    f |= flags::WATCH;
                }
                if write && self.code.has_page(m.pa_page) {
                    f |= flags::CODE;
                }
                if self.overlay.has_page(m.pa_page) {
                    f |= flags::OVERLAY;
                }
                let e = Entry {
                    tag: page | f,
                    pa_page: m.pa_page,
                };
                if write {
                    self.stlb.write[i] = e;
                } else {
                    self.stlb.read[i] = e;
                }
                Ok(e)
            }
            Err(fault) => {
                self.set_spr(Spr::Dear, ea);
                self.set_spr(Spr::Esr, if write { esr::ST } else { 0 });
                Err(Exc::Interrupt(match fault {
                    Fault::Miss => {
                        self.mmu.tlb_miss(ea, ts);
                        Interrupt::DataTlbError
                    }
                    Fault::Protection => Interrupt::DataStorage,
                }))
            }
        }
    }

    /// Soft-TLB lookup or MMU walk for an instruction fetch; raises ITLB/ISI on failure.
    pub(crate) fn fetch_entry(&mut self, pc: u32) -> Result<Entry, Exc> {
        let page = pc & !0xFFF;
        let i = softtlb::index(pc);
        let e = self.stlb.fetch[i];
        if e.holds(page) {
            return Ok(e);
        }
        let ts = self.msr & msr::IS != 0;
        let pr = self.msr & msr::PR != 0;
        match self.mmu.translate(pc, ts, pr, Access::Execute) {
            Ok(m) => {
                let f = if self.ram.contains(m.pa_page, 0x1000) {
                    0
                } else {
                    flags::MMIO
                };
                let e = Entry {
                    tag: page | f,
                    pa_page: m.pa_page,
                };
                self.stlb.fetch[i] = e;
                Ok(e)
            }
            Err(Fault::Miss) => {
                self.mmu.tlb_miss(pc, ts);
                Err(Exc::Interrupt(Interrupt::InstructionTlbError))
            }
            Err(Fault::Protection) => {
                self.set_spr(Spr::Esr, 0);
                Err(Exc::Interrupt(Interrupt::InstructionStorage))
            }
        }
    }

    /// The instruction word at `pc` (through the MMU, as the core fetches it).
    pub(crate) fn fetch_word(&mut self, pc: u32, bus: &mut dyn Bus) -> Result<u32, Exc> {
        let e = self.fetch_entry(pc)?;
        let pa = e.pa_page | (pc & 0xFFC) as u64;
        if e.flags() & flags::MMIO != 0 {
            return Ok(bus.read(pa, 4));
        }
        let word = u32::from_be_bytes(self.ram.read_be::<4>(pa as usize));
        Ok(self.overlay.fetched(pc, pa, word))
    }

    /// Evaluate both banks' data comparators for an access about to happen.
    pub(crate) fn check_dac(&mut self, acc: DataAccess) -> Result<(), Exc> {
        let q = self.qualifiers();
        let guest = self.debug.guest_dac(acc, q);
        let host = self.debug.host_dac(acc);
        self.arbitrate(guest, host)
    }

    /// Load `N` bytes (1, 2, 4 or 8) at `ea`, most significant first.
    #[inline(always)]
    pub(crate) fn load<const N: usize>(
        &mut self,
        ea: u32,
        bus: &mut dyn Bus,
    ) -> Result<[u8; N], Exc> {
        let e = self.stlb.read[softtlb::index(ea)];
        let off = ea & 0xFFF;
        // One compare: the entry's page is that of the access's last byte too.
        if e.tag == ea.wrapping_add(N as u32 - 1) & !0xFFF {
            return Ok(self.ram.read_be::<N>(e.pa_page as usize + off as usize));
        }
        self.load_slow::<N>(ea, bus)
    }

    #[inline(never)]
    fn load_slow<const N: usize>(&mut self, ea: u32, bus: &mut dyn Bus) -> Result<[u8; N], Exc> {
        let e = self.stlb.read[softtlb::index(ea)];
        let off = (ea & 0xFFF) as usize;
        if e.holds(ea & !0xFFF) && off <= 0x1000 - N {
            let pa = e.pa_page + off as u64;
            if self.plain_ram_after_all(e.flags(), ea, pa, N, false) {
                return Ok(self.ram.read_be::<N>(pa as usize));
            }
        }
        self.load_general::<N>(ea, bus)
    }

    /// Whether an access within one RAM page whose entry has slow-path `flags`
    /// needs none of them: a comparator watches other bytes, the planted
    /// breakpoints and decoded code are in other words. A light filter, so that
    /// a watched word or a breakpoint slows only the accesses that touch it.
    #[inline(always)]
    fn plain_ram_after_all(&self, f: u32, ea: u32, pa: u64, len: usize, write: bool) -> bool {
        use flags::*;
        f & !(WATCH | OVERLAY | CODE) == 0
            && (f & WATCH == 0 || self.debug.dac_cannot_hit(ea, len as u32))
            && (f & OVERLAY == 0 || !self.overlay.touches(pa, len))
            && (f & CODE == 0 || !write || !self.code.touches(pa, len))
    }

    /// Every load the soft TLB and the plain-RAM filter do not serve (a function
    /// of its own, so that the filter above stays a light call).
    #[inline(never)]
    fn load_general<const N: usize>(&mut self, ea: u32, bus: &mut dyn Bus) -> Result<[u8; N], Exc> {
        let mut out = [0u8; N];
        if (ea & 0xFFF) as usize > 0x1000 - N {
            // Crosses a page: each page translated (and checked) on its own.
            let split = (0x1000 - (ea & 0xFFF)) as usize;
            let (lo, hi) = out.split_at_mut(split);
            self.load_bytes(ea, lo, bus)?;
            self.load_bytes(ea.wrapping_add(split as u32), hi, bus)?;
            return Ok(out);
        }
        let le = self.load_bytes(ea, &mut out, bus)?;
        if le {
            out.reverse();
        }
        Ok(out)
    }

    /// Load bytes within one page in address order; returns whether the page is little-endian.
    fn load_bytes(&mut self, ea: u32, buf: &mut [u8], bus: &mut dyn Bus) -> Result<bool, Exc> {
        let e = self.data_entry(ea, false)?;
        let f = e.flags();
        if f & flags::WATCH != 0 {
            self.check_dac(DataAccess {
                ea,
                len: buf.len() as u32,
                write: false,
                block: None,
            })?;
        }
        let pa = e.pa_page | (ea & 0xFFF) as u64;
        if f & flags::MMIO != 0 {
            if self.in_block {
                return Err(Exc::Device);
            }
            bus.set_time(self.icount * TB_TICKS_PER_INSN);
            read_bus(bus, pa, buf);
            // Reads can change device state too (an acknowledge, a FIFO).
            self.want_attention();
        } else {
            buf.copy_from_slice(
                self.ram
                    .slice(pa, buf.len())
                    .unwrap_or(&[0; 8][..buf.len()]),
            );
            if f & flags::OVERLAY != 0 {
                self.overlay.hide(pa, buf);
            }
        }
        Ok(f & flags::LITTLE_ENDIAN != 0)
    }

    /// Store `N` bytes (most significant first) at `ea`.
    #[inline(always)]
    pub(crate) fn store<const N: usize>(
        &mut self,
        ea: u32,
        val: [u8; N],
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        let e = self.stlb.write[softtlb::index(ea)];
        let off = ea & 0xFFF;
        // One compare: the entry's page is that of the access's last byte too.
        if e.tag == ea.wrapping_add(N as u32 - 1) & !0xFFF {
            self.ram
                .write_be::<N>(e.pa_page as usize + off as usize, val);
            return Ok(());
        }
        self.store_slow::<N>(ea, val, bus)
    }

    #[inline(never)]
    fn store_slow<const N: usize>(
        &mut self,
        ea: u32,
        val: [u8; N],
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        let e = self.stlb.write[softtlb::index(ea)];
        let off = (ea & 0xFFF) as usize;
        if e.holds(ea & !0xFFF) && off <= 0x1000 - N {
            let pa = e.pa_page + off as u64;
            if self.plain_ram_after_all(e.flags(), ea, pa, N, true) {
                self.ram.write_be::<N>(pa as usize, val);
                return Ok(());
            }
        }
        self.store_general::<N>(ea, val, bus)
    }

    /// Every store the soft TLB and the plain-RAM filter do not serve.
    #[inline(never)]
    fn store_general<const N: usize>(
        &mut self,
        ea: u32,
        mut val: [u8; N],
        bus: &mut dyn Bus,
    ) -> Result<(), Exc> {
        if (ea & 0xFFF) as usize > 0x1000 - N {
            let split = (0x1000 - (ea & 0xFFF)) as usize;
            let second = ea.wrapping_add(split as u32);
            // Translate both pages before writing anything.
            self.data_entry(ea, true)?;
            self.data_entry(second, true)?;
            let (lo, hi) = val.split_at_mut(split);
            self.store_bytes(ea, lo, bus)?;
            return self.store_bytes(second, hi, bus);
        }
        let e = self.data_entry(ea, true)?;
        if e.flags() & flags::LITTLE_ENDIAN != 0 {
            val.reverse();
        }
        self.store_bytes(ea, &mut val, bus)
    }

    fn store_bytes(&mut self, ea: u32, buf: &mut [u8], bus: &mut dyn Bus) -> Result<(), Exc> {
        let e = self.data_entry(ea, true)?;
        let f = e.flags();
        if f & flags::WATCH != 0 {
            self.check_dac(DataAccess {
                ea,
                len: buf.len() as u32,
                write: true,
                block: None,
            })?;
        }
        let pa = e.pa_page | (ea & 0xFFF) as u64;
        if f & flags::MMIO != 0 {
            if self.in_block {
                return Err(Exc::Device);
            }
            bus.set_time(self.icount * TB_TICKS_PER_INSN);
            if write_bus(bus, pa, buf) == BusAction::Exit {
                self.bus_exit = true;
            }
            self.want_attention();
            return Ok(());
        }
        self.write_ram(pa, buf, f);
        Ok(())
    }

    /// Write guest RAM keeping decoded code and planted breakpoints coherent.
    fn write_ram(&mut self, pa: u64, buf: &mut [u8], f: u32) {
        if f & flags::CODE != 0 && self.code.write_hits(pa, buf.len()) {
            self.stlb.write.fill(Entry {
                tag: flags::INVALID,
                pa_page: 0,
            });
            self.want_attention();
        }
        if f & flags::OVERLAY != 0 && self.overlay.touches(pa, buf.len()) {
            let now: Vec<u8> = self
                .ram
                .slice(pa, buf.len())
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            if now.len() == buf.len() {
                self.overlay.absorb(pa, buf, &now);
            }
        }
        if let Some(dst) = self.ram.slice_mut(pa, buf.len()) {
            dst.copy_from_slice(buf);
        }
    }

    /// Translate for a cache-block operation at `ea` (`dcbz`), evaluating comparators.
    pub(crate) fn zero_block(&mut self, ea: u32, bus: &mut dyn Bus) -> Result<(), Exc> {
        let line = self.flavor.cache_line();
        let start = ea & !(line - 1);
        let e = self.data_entry(start, true)?;
        let f = e.flags();
        if f & flags::WATCH != 0 {
            self.check_dac(DataAccess {
                ea,
                len: line,
                write: true,
                block: Some(line),
            })?;
        }
        let pa = e.pa_page | (start & 0xFFF) as u64;
        let mut zeros = [0u8; 64];
        let buf = &mut zeros[..line as usize];
        if f & flags::MMIO != 0 {
            bus.set_time(self.icount * TB_TICKS_PER_INSN);
            if write_bus(bus, pa, buf) == BusAction::Exit {
                self.bus_exit = true;
                self.want_attention();
            }
            return Ok(());
        }
        self.write_ram(pa, buf, f);
        Ok(())
    }

    /// Translate `ea` for the debugger, without side effects: through the data address
    /// space, else the instruction address space. `None` if unmapped.
    pub fn debug_translate(&self, ea: u32) -> Option<u64> {
        let ds = self.msr & msr::DS != 0;
        let is = self.msr & msr::IS != 0;
        let pids = &self.mmu.pid;
        let found = self
            .mmu
            .find(ea, ds, pids)
            .or_else(|| self.mmu.find(ea, is, pids));
        found.map(|(sel, i)| {
            let e = if sel == 0 {
                &self.mmu.tlb0[i]
            } else {
                &self.mmu.tlb1[i]
            };
            e.translate(ea)
        })
    }

    /// Translate `ea` as an instruction fetch would, without side effects.
    pub fn debug_translate_fetch(&self, ea: u32) -> Option<u64> {
        let ts = self.msr & msr::IS != 0;
        let (sel, i) = self.mmu.find(ea, ts, &self.mmu.pid)?;
        let e = if sel == 0 {
            &self.mmu.tlb0[i]
        } else {
            &self.mmu.tlb1[i]
        };
        Some(e.translate(ea))
    }

    /// Read guest physical memory as the debugger sees it (planted breakpoints hidden).
    pub fn read_phys(&self, pa: u64, buf: &mut [u8]) -> Result<(), MemError> {
        let src = self.ram.slice(pa, buf.len()).ok_or(MemError::NotRam(pa))?;
        buf.copy_from_slice(src);
        self.overlay.hide(pa, buf);
        Ok(())
    }

    /// Write guest physical memory for the debugger (planted breakpoints kept).
    pub fn write_phys(&mut self, pa: u64, data: &[u8]) -> Result<(), MemError> {
        if !self.ram.contains(pa, data.len() as u64) {
            return Err(MemError::NotRam(pa));
        }
        let mut buf = data.to_vec();
        let mut off = 0usize;
        while off < buf.len() {
            let a = pa + off as u64;
            let n = ((0x1000 - (a & 0xFFF)) as usize).min(buf.len() - off);
            let mut f = 0;
            if self.code.has_page(a & !0xFFF) {
                f |= flags::CODE;
            }
            if self.overlay.has_page(a & !0xFFF) {
                f |= flags::OVERLAY;
            }
            self.write_ram(a, &mut buf[off..off + n], f);
            off += n;
        }
        Ok(())
    }

    /// Read guest-virtual memory through the current MMU state, page by page.
    pub fn read_virt(&self, ea: u32, buf: &mut [u8]) -> Result<(), MemError> {
        let mut off = 0usize;
        while off < buf.len() {
            let a = ea.wrapping_add(off as u32);
            let n = ((0x1000 - (a & 0xFFF)) as usize).min(buf.len() - off);
            let pa = self
                .debug_translate(a)
                .ok_or(MemError::Unmapped(a as u64))?;
            self.read_phys(pa, &mut buf[off..off + n])?;
            off += n;
        }
        Ok(())
    }

    /// Write guest-virtual memory through the current MMU state, page by page.
    pub fn write_virt(&mut self, ea: u32, data: &[u8]) -> Result<(), MemError> {
        // Check every page first so that a failure writes nothing.
        let mut off = 0usize;
        let mut spans = Vec::new();
        while off < data.len() {
            let a = ea.wrapping_add(off as u32);
            let n = ((0x1000 - (a & 0xFFF)) as usize).min(data.len() - off);
            let pa = self
                .debug_translate(a)
                .ok_or(MemError::Unmapped(a as u64))?;
            if !self.ram.contains(pa, n as u64) {
                return Err(MemError::NotRam(pa));
            }
            spans.push((pa, off, n));
            off += n;
        }
        for (pa, off, n) in spans {
            self.write_phys(pa, &data[off..off + n])?;
        }
        Ok(())
    }
}

/// Read device memory in bus-sized pieces.
fn read_bus(bus: &mut dyn Bus, pa: u64, buf: &mut [u8]) {
    match buf.len() {
        1 | 2 | 4 => {
            let v = bus.read(pa, buf.len() as u8).to_be_bytes();
            buf.copy_from_slice(&v[4 - buf.len()..]);
        }
        _ => {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = bus.read(pa + i as u64, 1) as u8;
            }
        }
    }
}

/// Write device memory in bus-sized pieces.
fn write_bus(bus: &mut dyn Bus, pa: u64, buf: &[u8]) -> BusAction {
    let mut action = BusAction::Continue;
    let mut note = |a| {
        if a == BusAction::Exit {
            action = BusAction::Exit;
        }
    };
    match buf.len() {
        1 | 2 | 4 => {
            let mut v = [0u8; 4];
            v[4 - buf.len()..].copy_from_slice(buf);
            note(bus.write(pa, buf.len() as u8, u32::from_be_bytes(v)));
        }
        n if n % 4 == 0 => {
            for (i, chunk) in buf.chunks(4).enumerate() {
                let v = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                note(bus.write(pa + 4 * i as u64, 4, v));
            }
        }
        _ => {
            for (i, b) in buf.iter().enumerate() {
                note(bus.write(pa + i as u64, 1, *b as u32));
            }
        }
    }
    action
}

impl Cpu {
    /// Plant the software-breakpoint instruction at physical word `pa`, for
    /// fetches through effective address `ea`; the original stays visible to
    /// guest loads, to the debugger, and to fetches through other mappings.
    pub fn plant_breakpoint(&mut self, ea: u32, pa: u64, inst: u32) -> Result<(), MemError> {
        let pa = pa & !3;
        if !self.overlay.words.contains_key(&pa) {
            let orig = self.ram.slice(pa, 4).ok_or(MemError::NotRam(pa))?;
            let orig = u32::from_be_bytes([orig[0], orig[1], orig[2], orig[3]]);
            self.overlay.words.insert(pa, orig);
            self.overlay.planted.insert(pa, 1);
        }
        self.overlay.sites.insert((ea & !3, pa));
        // Also drops blocks decoded through `ea` while it ran the original.
        self.poke_code(pa, inst);
        Ok(())
    }

    /// Remove the breakpoint planted at `ea` through `pa`; the original word
    /// returns to RAM when no other address still has it planted.
    pub fn remove_breakpoint(&mut self, ea: u32, pa: u64) -> Result<(), MemError> {
        let pa = pa & !3;
        if !self.overlay.sites.remove(&(ea & !3, pa)) {
            return Err(MemError::NotRam(pa));
        }
        if self.overlay.sites.iter().any(|&(_, p)| p == pa) {
            // Still planted for another address: `ea` runs the original from now on.
            self.poke_code(pa, self.ram_word(pa));
            return Ok(());
        }
        let orig = self.overlay.words.remove(&pa).ok_or(MemError::NotRam(pa))?;
        self.overlay.planted.remove(pa);
        self.poke_code(pa, orig);
        Ok(())
    }

    /// A software breakpoint at `ea` compared by address, for where nothing is
    /// mapped (or no RAM is) to plant one: it fires wherever `ea` is fetched
    /// from, once the guest maps it.
    pub fn add_address_breakpoint(&mut self, ea: u32) {
        self.debug.address_breakpoints.insert(ea & !3);
        self.debug_updated();
    }

    /// Remove the breakpoint by address at `ea`; whether there was one.
    pub fn remove_address_breakpoint(&mut self, ea: u32) -> bool {
        let had = self.debug.address_breakpoints.remove(&(ea & !3));
        self.debug_updated();
        had
    }

    /// Remove every planted breakpoint, restoring the original words, and every
    /// breakpoint by address.
    pub fn clear_breakpoints(&mut self) {
        if !self.debug.address_breakpoints.is_empty() {
            self.debug.address_breakpoints.clear();
            self.debug_updated();
        }
        let sites: Vec<(u32, u64)> = self.overlay.sites.iter().copied().collect();
        for (ea, pa) in sites {
            let _ = self.remove_breakpoint(ea, pa);
        }
    }

    /// The (effective, physical) pairs with a planted breakpoint.
    pub fn planted_breakpoints(&self) -> Vec<(u32, u64)> {
        self.overlay.sites.iter().copied().collect()
    }

    fn ram_word(&self, pa: u64) -> u32 {
        u32::from_be_bytes(self.ram.read_be::<4>(pa as usize))
    }

    /// Write an instruction word into RAM under the overlay, dropping decoded copies.
    fn poke_code(&mut self, pa: u64, word: u32) {
        self.code.write_hits(pa, 4);
        if let Some(dst) = self.ram.slice_mut(pa, 4) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        self.stlb.flush();
        self.translation_changed = true;
        self.want_attention();
    }
}
