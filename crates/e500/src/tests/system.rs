//! Processor control: SPR access and privilege, system calls, interrupts and
//! returns, traps, timers, `wait`, unimplemented units.

use super::*;
use crate::interrupt::esr;
use crate::msr;
use crate::Spr;

/// Six instructions that continue in user mode right after themselves.
fn to_user(extra_msr: u32) -> Vec<u32> {
    let here = ORIGIN + 4 * 6;
    let m = msr::PR | extra_msr;
    vec![
        lis(3, (m >> 16) as u16),
        ori(3, 3, m as u16),
        mtspr(27, 3),
        li(4, here as i16),
        mtspr(26, 4),
    ]
    .into_iter()
    .chain([rfi()])
    .collect()
}

fn stops_at(flavor: Flavor, words: &[u32], vector: u32) -> Core {
    let mut prog = words.to_vec();
    prog.push(SW_BREAKPOINT);
    let mut core = core_with(flavor, &prog);
    trap_vectors(&mut core);
    core.cpu.write_spr(Spr::Ivor32, 0xE00, 0);
    core.cpu.write_spr(Spr::Ivor33, 0xE00, 0);
    poke(&mut core, VECTORS + 0xE00, &[SW_BREAKPOINT]);
    assert_eq!(run_to_break(&mut core), vector, "pc {:#x}", core.cpu.pc);
    core
}

#[test]
fn privileged_spr_from_user_mode() {
    let mut prog = to_user(0);
    prog.extend([li(0, 0), mfspr(5, 26)]); // mfspr SRR0 in user mode
    let c = stops_at(Flavor::E500v2, &prog, VECTORS + 0x600);
    assert_eq!(c.cpu.peek_spr(Spr::Esr), esr::PPR);
    assert_eq!(c.cpu.peek_spr(Spr::Srr0), ORIGIN + 4 * 7);
    assert_eq!(c.cpu.peek_spr(Spr::Srr1) & msr::PR, msr::PR);
    // user-readable SPRs work: TBL, SPRG4 via 260, L1CFG0, LR
    let mut prog = to_user(0);
    prog.extend([mfspr(5, 268), mfspr(6, 515), mflr(7)]);
    prog.push(SW_BREAKPOINT);
    let mut core = core_with(Flavor::E500v2, &prog);
    trap_vectors(&mut core);
    assert_eq!(run_to_break(&mut core), ORIGIN + 4 * 9);
    assert_eq!(core.cpu.gpr[6], Flavor::E500v2.l1cfg());
}

#[test]
fn unknown_spr_is_illegal_and_privileged_instructions_trap_in_user_mode() {
    let c = stops_at(Flavor::E500v2, &[mfspr(3, 307)], VECTORS + 0x600); // EPCR is e500mc only
    assert_eq!(c.cpu.peek_spr(Spr::Esr), esr::PIL);
    let c = stops_at(Flavor::E500mc, &[mfspr(3, 307)], ORIGIN + 4);
    assert_eq!(c.cpu.gpr[3], 0);
    let mut prog = to_user(0);
    prog.push(mfmsr(3));
    let c = stops_at(Flavor::E500mc, &prog, VECTORS + 0x600);
    assert_eq!(c.cpu.peek_spr(Spr::Esr), esr::PPR);
}

#[test]
fn system_call_saves_next_pc_and_msr() {
    let m = msr::EE | msr::CE | msr::ME | msr::DE;
    let prog = [
        lis(3, (m >> 16) as u16),
        ori(3, 3, m as u16),
        mtmsr(3),
        sc(),
    ];
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        let c = stops_at(flavor, &prog, VECTORS + 0x800);
        assert_eq!(c.cpu.peek_spr(Spr::Srr0), ORIGIN + 16);
        assert_eq!(c.cpu.peek_spr(Spr::Srr1), m);
        // BookE: base-class interrupts keep CE, ME and DE, clear EE.
        assert_eq!(c.cpu.msr(), msr::CE | msr::ME | msr::DE);
        assert_eq!(
            c.icount(),
            5,
            "sc counts as executed, the interrupt as one more"
        );
    }
}

#[test]
fn rfi_restores_msr_and_pc_and_user_mode_works() {
    let mut prog = to_user(msr::EE);
    prog.extend([li(5, 3), sc()]);
    let c = stops_at(Flavor::E500v2, &prog, VECTORS + 0x800);
    assert_eq!(c.cpu.gpr[5], 3);
    assert_eq!(c.cpu.peek_spr(Spr::Srr1), msr::PR | msr::EE);
}

#[test]
fn traps() {
    // twi 0,r0,0 never traps (U-Boot's load barrier)
    assert_eq!(
        stops_at(Flavor::E500v2, &[twi(0, 0, 0), li(3, 1)], ORIGIN + 8)
            .cpu
            .gpr[3],
        1
    );
    // tweq r3,r3 always traps
    let c = stops_at(Flavor::E500v2, &[li(3, 5), tw(4, 3, 3)], VECTORS + 0x600);
    assert_eq!(c.cpu.peek_spr(Spr::Esr), esr::PTR);
    assert_eq!(c.cpu.peek_spr(Spr::Srr0), ORIGIN + 4);
    // twlgti r3,1 with r3 = 5: unsigned greater → trap
    stops_at(Flavor::E500mc, &[li(3, 5), twi(1, 3, 1)], VECTORS + 0x600);
    // twllti r3,1 with r3 = 5: no trap
    stops_at(Flavor::E500mc, &[li(3, 5), twi(2, 3, 1)], ORIGIN + 8);
}

#[test]
fn illegal_and_unimplemented_units() {
    let c = stops_at(Flavor::E500v2, &[0], VECTORS + 0x600);
    assert_eq!(c.cpu.peek_spr(Spr::Esr), esr::PIL);
    // classic FP on e500v2 is illegal; on e500mc it needs MSR[FP]
    let fmr = 63 << 26 | 1 << 21 | 2 << 11 | 72 << 1;
    let c = stops_at(Flavor::E500v2, &[fmr], VECTORS + 0x600);
    assert_eq!(c.cpu.peek_spr(Spr::Esr), esr::PIL);
    stops_at(Flavor::E500mc, &[fmr], VECTORS + 0x700);
    let prog = [lis(3, 0), ori(3, 3, msr::FP as u16), mtmsr(3), fmr];
    stops_at(Flavor::E500mc, &prog, ORIGIN + 16);
    // SPE on e500v2 with MSR[SPE]=0: SPE unavailable; on e500mc: illegal
    let evaddw = 4 << 26 | 3 << 21 | 4 << 16 | 5 << 11 | 0x200;
    stops_at(Flavor::E500v2, &[evaddw], VECTORS + 0xE00);
    stops_at(Flavor::E500mc, &[evaddw], VECTORS + 0x600);
    // the software-breakpoint word without a debugger is an illegal instruction
    let mut core = core_with(Flavor::E500v2, &[SW_BREAKPOINT]);
    trap_vectors(&mut core);
    poke(&mut core, VECTORS + 0x600, &[b(0)]);
    assert_eq!(core.run(&mut NoDevices, 100), Stop::Limit);
    assert_eq!(core.cpu.peek_spr(Spr::Srr0), ORIGIN);
}

#[test]
fn spr_masks_and_identity() {
    let prog = [
        lis(3, 0x1234),
        ori(3, 3, 0x5678),
        mtspr(63, 3),   // IVPR keeps the upper half
        mtspr(405, 3),  // IVOR5 keeps 0xFFF0
        mtspr(1010, 3), // L1CSR0 keeps CE and CPE
        mfspr(4, 63),
        mfspr(5, 405),
        mfspr(6, 1010),
        mfspr(7, 287),
        mfspr(8, 689),
    ];
    let c = stops_at(Flavor::E500mc, &prog, ORIGIN + 40);
    assert_eq!(
        c.cpu.gpr[4..9],
        [0x1234_0000, 0x5670, 0x0000_0000, 0x8023_0020, 0x401C_C040]
    );
    let c = stops_at(Flavor::E500v2, &prog, ORIGIN + 40);
    assert_eq!(c.cpu.gpr[7..9], [0x8021_0030, 0x101C_C010]);
}

#[test]
fn decrementer_interrupt() {
    let die = crate::timer::tcr::DIE;
    let prog = [
        lis(3, (die >> 16) as u16),
        mtspr(340, 3), // TCR = DIE
        li(4, 400),
        mtspr(22, 4), // DEC = 400 ticks = 100 instructions
        wrteei(true),
        li(5, 0),
        addi(5, 5, 1),
        b(-4),
    ];
    let c = stops_at(Flavor::E500v2, &prog, VECTORS + 0xA00);
    let srr0 = c.cpu.peek_spr(Spr::Srr0);
    assert!(
        srr0 == ORIGIN + 24 || srr0 == ORIGIN + 28,
        "interrupted in the loop: {srr0:#x}"
    );
    // DEC expires 100 instructions after it was written; the loop is 2 instructions.
    assert!(
        (45..=52).contains(&c.cpu.gpr[5]),
        "loop iterations before the interrupt: {}",
        c.cpu.gpr[5]
    );
    assert_ne!(c.cpu.peek_spr(Spr::Tsr) & crate::timer::tsr::DIS, 0);
}

#[test]
fn wait_idles_until_the_decrementer() {
    let die = crate::timer::tcr::DIE;
    let prog = [
        lis(3, (die >> 16) as u16),
        mtspr(340, 3),
        lis(4, 0x10),
        mtspr(22, 4),
        wrteei(true),
        wait(),
        li(5, 1),
    ];
    let c = stops_at(Flavor::E500mc, &prog, VECTORS + 0xA00);
    assert_eq!(c.cpu.peek_spr(Spr::Srr0), ORIGIN + 24, "resumes after wait");
    assert!(
        c.icount() >= 0x10_0000 / 4,
        "time skipped forward while idle"
    );
    // With no timer armed, wait stops the run loop as Halted.
    let mut core = core_with(Flavor::E500mc, &[wait(), SW_BREAKPOINT]);
    assert_eq!(core.run(&mut NoDevices, 1000), Stop::Halted);
}

#[test]
fn dbcr0_reset_request() {
    let mut core = core_with(Flavor::E500v2, &[lis(3, 0x7000), mtspr(308, 3), b(0)]);
    assert_eq!(
        core.run(&mut NoDevices, 1000),
        Stop::Reset(crate::ResetKind::System)
    );
}

#[test]
fn time_base_reads_and_writes() {
    let prog = [
        li(3, 0),
        mtspr(284, 3),
        li(3, 1),
        mtspr(285, 3),
        nop(),
        nop(),
        mfspr(4, 268),
        mfspr(5, 269),
    ];
    let c = stops_at(Flavor::E500v2, &prog, ORIGIN + 32);
    assert_eq!(c.cpu.gpr[5], 1);
    assert_eq!(
        c.cpu.gpr[4],
        5 * crate::timer::TB_TICKS_PER_INSN as u32,
        "TB counted from the write"
    );
}

#[test]
fn budget_stops_a_guest_that_keeps_faulting() {
    // An illegal instruction with IVPR = IVOR6 = 0: the program interrupt lands on
    // address 0, whose zero word is illegal too. Nothing retires, yet every
    // interrupt entry takes time, so the budget still ends the run.
    let mut core = core_with(Flavor::E500v2, &[0]);
    assert_eq!(core.run(&mut NoDevices, 1000), Stop::Limit);
    assert_eq!(core.cpu.pc, 0);
    assert!(core.icount() >= 1000);
}

/// An interrupt controller in external proxy mode: one interrupt with vector
/// `vector`, acknowledged by the core as it takes it.
struct ProxyController {
    vector: u32,
    asserted: bool,
    acknowledged: u32,
}

impl crate::Bus for ProxyController {
    fn read(&mut self, _pa: u64, _size: u8) -> u32 {
        0
    }
    fn write(&mut self, _pa: u64, _size: u8, _value: u32) -> crate::BusAction {
        crate::BusAction::Continue
    }
    fn external_interrupt(&mut self) -> bool {
        self.asserted
    }
    fn acknowledge_external(&mut self) -> Option<u32> {
        self.asserted = false;
        self.acknowledged += 1;
        Some(self.vector)
    }
}

#[test]
fn coreint_puts_the_vector_in_epr_as_the_interrupt_is_taken() {
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        let mut core = core_with(flavor, &[wrteei(true), SW_BREAKPOINT]);
        trap_vectors(&mut core);
        // The handler reads EPR (SPR 702) into r30, as Linux's mpic_get_coreint_irq.
        poke(&mut core, VECTORS + 0x400, &[mfspr(30, 702), SW_BREAKPOINT]);
        core.set_host_debug(Some(HostDebug {
            sw_breakpoints: true,
            ..Default::default()
        }));
        let mut bus = ProxyController {
            vector: 42,
            asserted: true,
            acknowledged: 0,
        };
        let stop = core.run(&mut bus, 1000);
        assert_eq!(
            stop,
            Stop::Host(HostEvent::SoftwareBreakpoint {
                addr: VECTORS + 0x404
            }),
            "{flavor}"
        );
        assert_eq!(core.cpu.gpr[30], 42, "{flavor}: EPR holds the vector");
        assert_eq!(bus.acknowledged, 1, "{flavor}: acknowledged once");
    }
}

/// A device whose register write raises the external interrupt, and which
/// notes the time it was told at each access.
#[derive(Default)]
struct Doorbell {
    asserted: bool,
    times: Vec<u64>,
}

impl crate::Bus for Doorbell {
    fn read(&mut self, _pa: u64, _size: u8) -> u32 {
        0
    }
    fn write(&mut self, _pa: u64, _size: u8, _value: u32) -> crate::BusAction {
        self.asserted = true;
        crate::BusAction::Continue
    }
    fn external_interrupt(&mut self) -> bool {
        self.asserted
    }
    fn set_time(&mut self, tb_ticks: u64) {
        self.times.push(tb_ticks);
    }
}

/// The interrupt a device store raises is taken right after the store, and the
/// device sees the store's own time, wherever blocks happen to be cut.
#[test]
fn a_device_store_raises_its_interrupt_at_the_next_instruction() {
    const DEVICE: u32 = 0xE000_0000;
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        let prog = [
            wrteei(true),
            lis(3, (DEVICE >> 16) as u16),
            li(4, 5),
            nop(),
            nop(),
            stw(4, 0, 3), // index 5: the device raises its interrupt
            li(5, 1),
            li(6, 1),
            SW_BREAKPOINT,
        ];
        let mut core = core_with(flavor, &prog);
        trap_vectors(&mut core);
        core.cpu.mmu.set_tlb1(
            1,
            TlbEntry {
                mas1: 0x8000_0100,
                mas2: DEVICE | 0xA,
                mas3: DEVICE | 0x3F,
                mas7: 0,
            },
        );
        core.set_host_debug(Some(HostDebug {
            sw_breakpoints: true,
            ..Default::default()
        }));
        let mut bus = Doorbell::default();
        assert_eq!(
            core.run(&mut bus, 1000),
            Stop::Host(HostEvent::SoftwareBreakpoint {
                addr: VECTORS + 0x400
            }),
            "{flavor}: the external interrupt's vector"
        );
        assert_eq!(core.cpu.peek_spr(Spr::Srr0), ORIGIN + 4 * 6, "{flavor}");
        assert_eq!(core.cpu.gpr[5], 0, "{flavor}: nothing after the store ran");
        assert_eq!(
            bus.times,
            [5 * crate::timer::TB_TICKS_PER_INSN],
            "{flavor}: the device saw the time of the store"
        );
    }
}
