//! The debugger must not perturb the guest: a timer-driven program takes its
//! decrementer interrupts at the same instructions whether it runs in one go or
//! in small slices (as under GDB), with breakpoints and watchpoints armed
//! that never fire, and single-stepped from start to end (stepping over the
//! interrupts: no step stops in the handler). The guest logs the time base at each interrupt; the logs
//! must be identical.

use e500::asm::*;
use e500::{Flavor, NoDevices};
use vmgdb_hv::{bp_type, control, E500Vcpu, GuestDebug, HwBreakpoint, Reg, Vcpu};

const ORIGIN: u64 = 0x1000;
const HANDLER: u32 = 0x2000;
const NEVER_RUN: u64 = 0x3000;
const LOG: u32 = 0x8000;
const NEVER_TOUCHED: u64 = 0x9000;
/// How long each configuration runs.
const INSTRUCTIONS: u64 = 50_000;

fn program() -> Vec<u32> {
    let mut p = vec![
        lis(21, 0),
        ori(21, 21, LOG as u16),
        addi(21, 21, -4),
        li(3, HANDLER as i16),
        mtspr(410, 3), // IVOR10: decrementer
        li(3, 997),
        mtspr(54, 3), // DECAR
        mtspr(22, 3), // DEC
        lis(3, 0x0440),
        mtspr(340, 3), // TCR: DIE | ARE
        wrteei(true),
    ];
    // A long straight-line loop: blocks of many instructions.
    p.extend([addi(4, 4, 1); 40]);
    p.push(b(-4 * 40));
    p
}

fn handler() -> [u32; 5] {
    [
        mfspr(20, 268), // TBL: 4 ticks per retired instruction
        stwu(20, 4, 21),
        lis(3, 0x0800),
        mtspr(336, 3), // TSR: clear DIS
        rfi(),
    ]
}

fn vcpu(flavor: Flavor) -> E500Vcpu {
    let mut v = E500Vcpu::new(flavor, 64 << 20);
    assert!(v.set_tlb1_entry(0, 0x8000_0800, 0, 0x3F, 0));
    let words = |w: &[u32]| w.iter().flat_map(|w| w.to_be_bytes()).collect::<Vec<u8>>();
    v.write_phys(ORIGIN, &words(&program())).unwrap();
    v.write_phys(HANDLER as u64, &words(&handler())).unwrap();
    v.set_reg(Reg::Pc, ORIGIN).unwrap();
    v
}

/// Run in slices of `slice` instructions; the time base at every interrupt
/// taken before the end.
fn trace(flavor: Flavor, slice: u64, debug: Option<GuestDebug>) -> Vec<u32> {
    let mut v = vcpu(flavor);
    if let Some(d) = debug {
        v.set_guest_debug(&d).unwrap();
    }
    while v.instructions() < INSTRUCTIONS {
        let left = INSTRUCTIONS - v.instructions();
        let exit = v.run_for(&mut NoDevices, slice.min(left));
        assert!(
            matches!(exit, vmgdb_hv::Exit::Budget),
            "{flavor}: unexpected {exit:?}"
        );
    }
    logged(flavor, &v)
}

/// Single-step the whole run, as GDB's `stepi` would, stepping over interrupts;
/// no step may stop inside the handler.
fn stepped_trace(flavor: Flavor) -> Vec<u32> {
    let mut v = vcpu(flavor);
    v.set_guest_debug(&GuestDebug {
        control: control::ENABLE | control::SINGLESTEP | control::STEP_OVER_INTERRUPTS,
        bps: vec![],
    })
    .unwrap();
    let handler = HANDLER as u64..HANDLER as u64 + 4 * handler().len() as u64;
    while v.instructions() < INSTRUCTIONS {
        match v.run_for(&mut NoDevices, INSTRUCTIONS - v.instructions()) {
            vmgdb_hv::Exit::Debug(d) => assert!(
                !handler.contains(&d.address),
                "{flavor}: a step stopped in the handler at {:#x}",
                d.address
            ),
            vmgdb_hv::Exit::Budget => {}
            other => panic!("{flavor}: unexpected {other:?}"),
        }
    }
    logged(flavor, &v)
}

/// The time base the handler logged at each interrupt.
fn logged(flavor: Flavor, v: &E500Vcpu) -> Vec<u32> {
    let mut log = vec![0u8; 4096];
    v.read_phys(LOG as u64, &mut log).unwrap();
    let entries: Vec<u32> = log
        .chunks(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .take_while(|&t| t != 0)
        .collect();
    assert!(
        entries.len() > 100,
        "{flavor}: only {} interrupts",
        entries.len()
    );
    entries
}

#[test]
fn interrupts_arrive_at_the_same_instruction_however_the_run_is_cut() {
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        let reference = trace(flavor, INSTRUCTIONS, None);
        // Each interrupt is taken at the first instruction boundary after DEC
        // reaches 0: DECAR + 1 = 998 ticks apart, rounded to whole instructions
        // of 4 ticks, whatever block of 41 instructions the guest was in.
        for pair in reference.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap == 996 || gap == 1000,
                "{flavor}: gap {gap} in {reference:?}"
            );
        }
        let armed = GuestDebug {
            control: control::ENABLE | control::USE_HW_BP,
            bps: vec![
                HwBreakpoint::breakpoint(NEVER_RUN),
                HwBreakpoint::watchpoint(NEVER_TOUCHED, 4, bp_type::WATCH_ACCESS),
            ],
        };
        for (what, slice, debug) in [
            ("slices of 7", 7, None),
            ("slices of 1000", 1000, None),
            ("unhit comparators", INSTRUCTIONS, Some(armed.clone())),
            ("unhit comparators, slices of 13", 13, Some(armed)),
        ] {
            assert_eq!(
                trace(flavor, slice, debug),
                reference,
                "{flavor}: {what} moved the interrupts"
            );
        }
        assert_eq!(
            stepped_trace(flavor),
            reference,
            "{flavor}: single-stepping moved the interrupts"
        );
    }
}
