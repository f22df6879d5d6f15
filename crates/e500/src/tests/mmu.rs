//! The MMU as programs see it: TLB instructions, TLB-miss and storage interrupts,
//! address spaces, aliases.

use super::*;
use crate::interrupt::esr;
use crate::msr;
use crate::Spr;

/// Instructions writing MAS0-3 (and MAS7 = 0) from constants and doing `tlbwe`.
fn tlbwe_words(mas0: u32, mas1: u32, mas2: u32, mas3: u32) -> Vec<u32> {
    let mut v = vec![];
    for (spr, val) in [(624, mas0), (625, mas1), (626, mas2), (627, mas3)] {
        v.extend([
            lis(3, (val >> 16) as u16),
            ori(3, 3, val as u16),
            mtspr(spr, 3),
        ]);
    }
    v.extend([li(3, 0), mtspr(944, 3), isync(), tlbwe(), isync()]);
    v
}

fn run_prog(flavor: Flavor, words: &[u32]) -> (Core, u32) {
    let mut prog = words.to_vec();
    prog.push(SW_BREAKPOINT);
    let mut core = core_with(flavor, &prog);
    trap_vectors(&mut core);
    let at = run_to_break(&mut core);
    (core, at)
}

#[test]
fn alias_mapping_in_tlb0() {
    // Map EA 0x4000_0000 → PA DATA (4 KiB, TLB0 way 1), write through it, read at DATA.
    let mut p = tlbwe_words(0x0001_0000, 0x8000_0100, 0x4000_0000, DATA | 0x3F);
    p.extend([
        lis(5, 0x4000),
        li(6, 0x77),
        stw(6, 8, 5),
        lis(7, 0),
        ori(7, 7, DATA as u16),
        lwz(8, 8, 7),
    ]);
    let (c, at) = run_prog(Flavor::E500v2, &p);
    assert_eq!(at, ORIGIN + 4 * p.len() as u32);
    assert_eq!(c.cpu.gpr[8], 0x77);
    assert_eq!(peek(&c, DATA + 8), 0x77);
}

#[test]
fn data_tlb_miss_preloads_mas_and_sets_dear() {
    let p = [
        li(3, 0x0100),
        mtspr(628, 3),
        lis(5, 0x5000),
        ori(5, 5, 0x0123),
        stw(5, 0, 5),
    ]; // MAS4.TSIZED = 4K
    let (c, at) = run_prog(Flavor::E500mc, &p);
    assert_eq!(at, VECTORS + 0xD00);
    assert_eq!(c.cpu.peek_spr(Spr::Dear), 0x5000_0123);
    assert_eq!(c.cpu.peek_spr(Spr::Esr), esr::ST);
    assert_eq!(c.cpu.peek_spr(Spr::Srr0), ORIGIN + 16);
    assert_eq!(
        c.cpu.mmu.mas1 & 0x8000_1F80,
        0x8000_0100,
        "V, TS 0, TSIZE from MAS4"
    );
    assert_eq!(c.cpu.mmu.mas2 & 0xFFFF_F000, 0x5000_0000);
}

#[test]
fn instruction_tlb_miss() {
    let p = [lis(5, 0x6000), mtctr(5), bctr()];
    let (c, at) = run_prog(Flavor::E500v2, &p);
    assert_eq!(at, VECTORS + 0xE00);
    assert_eq!(c.cpu.peek_spr(Spr::Srr0), 0x6000_0000);
}

#[test]
fn storage_interrupt_on_protection() {
    // Read-only supervisor page at EA 0x4000_0000 (SR only), then store to it.
    let mut p = tlbwe_words(0x1001_0000, 0x8000_0100, 0x4000_0000, DATA | 0x01);
    p.extend([lis(5, 0x4000), lwz(6, 0, 5), stw(6, 0, 5)]);
    let (c, at) = run_prog(Flavor::E500v2, &p);
    assert_eq!(at, VECTORS + 0x200);
    assert_eq!(c.cpu.peek_spr(Spr::Esr), esr::ST);
    assert_eq!(c.cpu.peek_spr(Spr::Dear), 0x4000_0000);
    // Executing from a page without SX: ISI.
    let mut p = tlbwe_words(0x1001_0000, 0x8000_0100, 0x4000_0000, DATA | 0x05);
    p.extend([lis(5, 0x4000), mtctr(5), bctr()]);
    let (c, at) = run_prog(Flavor::E500v2, &p);
    assert_eq!(at, VECTORS + 0x300);
    assert_eq!(c.cpu.peek_spr(Spr::Srr0), 0x4000_0000);
}

#[test]
fn tlbsx_hit_and_miss_and_tlbre() {
    let mut p = tlbwe_words(0x1002_0000, 0xC005_0100, 0x4000_0004, DATA | 0x15);
    p.extend([
        li(3, 0),
        mtspr(624, 3),
        lis(3, 5), // MAS6.SPID = 5
        mtspr(630, 3),
        lis(5, 0x4000),
        31 << 26 | 5 << 11 | 914 << 1, // tlbsx 0,r5
        mfspr(10, 624),
        mfspr(11, 625),
        mfspr(12, 626),
        mfspr(13, 627),
        lis(5, 0x7000),
        31 << 26 | 5 << 11 | 914 << 1, // miss
        mfspr(14, 625),
        lis(3, 0x1002),
        mtspr(624, 3),
        x_form(31, 0, 0, 0, 946, false), // tlbre
        mfspr(15, 626),
    ]);
    let (c, _) = run_prog(Flavor::E500v2, &p);
    assert_eq!(c.cpu.gpr[10] & 0xFFFF_0000, 0x1002_0000, "TLB1 entry 2");
    assert_eq!(c.cpu.gpr[11], 0xC005_0100);
    assert_eq!(c.cpu.gpr[12], 0x4000_0004);
    assert_eq!(c.cpu.gpr[13], DATA | 0x15);
    assert_eq!(c.cpu.gpr[14] & 0x8000_0000, 0, "miss: V clear");
    assert_eq!(c.cpu.gpr[14] & 0x3FFF_0000, 5 << 16, "miss: TID from SPID");
    assert_eq!(c.cpu.gpr[15], 0x4000_0004);
}

#[test]
fn address_space_switch_through_rfi() {
    // An AS1 mapping of our code page, then rfi into AS1 (IS|DS) and continue there.
    let mut p = tlbwe_words(0x1003_0000, 0x8000_1500, 0, 0x3F);
    let here = ORIGIN + 4 * (p.len() as u32 + 6);
    let m = msr::IS | msr::DS;
    p.extend([
        li(3, m as i16),
        mtspr(27, 3),
        li(4, here as i16),
        mtspr(26, 4),
        rfi(),
        nop(),
        mfmsr(9),
    ]);
    // (On e500mc the harness's debugger would show DE forced on.)
    let (c, at) = run_prog(Flavor::E500v2, &p);
    assert_eq!(at, ORIGIN + 4 * p.len() as u32);
    assert_eq!(c.cpu.gpr[9], m);
}

#[test]
fn tlbivax_and_flash_invalidate() {
    let mut p = tlbwe_words(0x1004_0000, 0x8000_0100, 0x4000_0000, DATA | 0x3F);
    p.extend([
        lis(5, 0x4000),
        lwz(6, 0, 5),
        lis(7, 0x4000),
        ori(7, 7, 8),
        x_form(31, 0, 0, 7, 786, false),
        lwz(6, 0, 5),
    ]);
    let (_, at) = run_prog(Flavor::E500v2, &p);
    assert_eq!(at, VECTORS + 0xD00, "entry invalidated by tlbivax");
    // The flash spares IPROT entries: protect the boot mapping first.
    let mut p = tlbwe_words(0x1000_0000, 0xC000_0800, 0, 0x3F);
    p.extend(tlbwe_words(
        0x1004_0000,
        0x8000_0100,
        0x4000_0000,
        DATA | 0x3F,
    ));
    p.extend([li(7, 2), mtspr(1012, 7), lis(5, 0x4000), lwz(6, 0, 5)]);
    let (_, at) = run_prog(Flavor::E500v2, &p);
    assert_eq!(at, VECTORS + 0xD00, "entry invalidated by MMUCSR0 flash");
}

#[test]
fn device_pages_go_to_the_bus() {
    struct Dev(Vec<(u64, u8, u32)>);
    impl crate::Bus for Dev {
        fn read(&mut self, pa: u64, size: u8) -> u32 {
            (pa as u32) ^ size as u32
        }
        fn write(&mut self, pa: u64, size: u8, value: u32) -> crate::BusAction {
            self.0.push((pa, size, value));
            crate::BusAction::Continue
        }
    }
    // CCSR-like mapping EA 0xE000_0000 → PA 0xF_E000_0000, 1 MiB.
    let mut p = tlbwe_words(0x1001_0000, 0x8000_0500, 0xE000_000A, 0xE000_0005);
    p.truncate(p.len() - 5);
    p.extend([li(3, 0xF), mtspr(944, 3), isync(), tlbwe(), isync()]);
    p.extend([
        lis(5, 0xE000),
        li(6, 0x41),
        stb(6, 0x4500, 5),
        lbz(7, 0x4505, 5),
        SW_BREAKPOINT,
    ]);
    let mut core = core_with(Flavor::E500v2, &p);
    core.set_host_debug(Some(HostDebug {
        sw_breakpoints: true,
        ..Default::default()
    }));
    let mut dev = Dev(vec![]);
    assert!(matches!(
        core.run(&mut dev, 1000),
        Stop::Host(HostEvent::SoftwareBreakpoint { .. })
    ));
    assert_eq!(dev.0, vec![(0xF_E000_4500, 1, 0x41)]);
    assert_eq!(core.cpu.gpr[7], (0xE000_4505u32 ^ 1) & 0xFF);
}

/// `tlbilx T,RA,RB` (X-form, XO 18; T in the low two bits of the RT field).
fn tlbilx(t: u32, ra: u32, rb: u32) -> u32 {
    x_form(31, t, ra, rb, 18, false)
}

/// Map EA 0x4000_0000 (TID `tid`) → DATA, protect the boot map, set MAS6[SPID] to
/// `spid`, run `op`, then load through the mapping: which vector (if any) stops it.
fn after_tlbilx(flavor: Flavor, tid: u32, spid: u32, op: u32) -> u32 {
    let mut p = tlbwe_words(0x1000_0000, 0xC000_0800, 0, 0x3F);
    p.extend(tlbwe_words(
        0x1004_0000,
        0x8000_0100 | tid << 16,
        0x4000_0000,
        DATA | 0x3F,
    ));
    p.extend([
        li(3, tid as i16),
        mtspr(48, 3), // PID0 = tid, so the mapping translates
        lis(3, spid as u16),
        mtspr(630, 3), // MAS6[SPID]
        lis(5, 0x4000),
        lwz(6, 0, 5),
        op,
        isync(),
        lwz(6, 0, 5),
    ]);
    let (_, at) = run_prog(flavor, &p);
    if at == ORIGIN + 4 * p.len() as u32 {
        0
    } else {
        at
    }
}

#[test]
fn tlbilx_invalidates_all_by_pid_or_by_address_and_spares_iprot() {
    let miss = VECTORS + 0xD00;
    // T=0: everything but IPROT (the boot map keeps the program running).
    assert_eq!(after_tlbilx(Flavor::E500mc, 5, 0, tlbilx(0, 0, 5)), miss);
    // T=1: entries of PID MAS6[SPID] only.
    assert_eq!(after_tlbilx(Flavor::E500mc, 5, 5, tlbilx(1, 0, 5)), miss);
    assert_eq!(after_tlbilx(Flavor::E500mc, 5, 6, tlbilx(1, 0, 5)), 0);
    // T=3: the entry translating RA|0 + RB for that PID.
    assert_eq!(after_tlbilx(Flavor::E500mc, 5, 5, tlbilx(3, 0, 5)), miss);
    assert_eq!(after_tlbilx(Flavor::E500mc, 5, 5, tlbilx(3, 0, 0)), 0);
    // Linux's _tlbil_pid(0) leaves its IPROT kernel mappings (TID 0) alone: the
    // boot map survives, or the program could not reach the last load.
    assert_eq!(after_tlbilx(Flavor::E500mc, 0, 0, tlbilx(1, 0, 5)), miss);
    // T=2 is reserved, and the e500v2 has no tlbilx.
    let program = VECTORS + 0x600;
    assert_eq!(after_tlbilx(Flavor::E500mc, 5, 5, tlbilx(2, 0, 5)), program);
    assert_eq!(after_tlbilx(Flavor::E500v2, 5, 5, tlbilx(0, 0, 5)), program);
}
