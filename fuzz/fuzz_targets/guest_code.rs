//! Any instruction stream, register state, guest debug registers and debugger
//! request on a bare e500 vCPU: the guest gets the interrupts the hardware would
//! raise, a refused `set_guest_debug` changes nothing, every debug exit names
//! something the debugger asked for, and nothing panics.

#![no_main]

use arbitrary::Arbitrary;
use e500::{Flavor, NoDevices, Spr};
use libfuzzer_sys::fuzz_target;
use vmgdb_hv::guest_debug::{bp_type, control};
use vmgdb_hv::{DebugReason, E500Vcpu, Exit, GuestDebug, HwBreakpoint, HwDebugLimits, Reg, Vcpu};

/// RAM behind the guest; the initial mapping covers more, so accesses past it
/// reach the (empty) bus.
const RAM: usize = 1 << 20;
/// Guest instructions per input, at most.
const BUDGET: u64 = 20_000;

#[derive(Arbitrary, Debug)]
struct Input {
    e500mc: bool,
    msr: u32,
    gprs: [u32; 8],
    /// The guest's own debug registers, as it would have programmed them.
    guest_debug: [u32; 7],
    debugger: Option<Debugger>,
    code: Vec<u32>,
}

#[derive(Arbitrary, Debug)]
struct Debugger {
    unlimited: bool,
    control: u32,
    bps: Vec<(u32, u32, u8)>,
    /// Word indexes into the code where software breakpoints go.
    sw_breakpoints: Vec<u8>,
}

const GUEST_DEBUG_SPRS: [Spr; 7] = [
    Spr::Dbcr0,
    Spr::Dbcr1,
    Spr::Dbcr2,
    Spr::Iac1,
    Spr::Iac2,
    Spr::Dac1,
    Spr::Dac2,
];

fuzz_target!(|input: Input| {
    let flavor = if input.e500mc {
        Flavor::E500mc
    } else {
        Flavor::E500v2
    };
    let mut vcpu = E500Vcpu::new(flavor, RAM);
    let code: Vec<u8> = input.code.iter().flat_map(|w| w.to_be_bytes()).collect();
    let code = &code[..code.len().min(RAM)];
    vcpu.write_phys(0, code).expect("code fits in RAM");
    // 64 MiB at 0, supervisor and user may do anything; vectors (IVPR 0) land in the code.
    assert!(vcpu.set_tlb1_entry(0, 0x8000_0800, 0, 0x3F, 0));
    for (n, &v) in input.gprs.iter().enumerate() {
        vcpu.set_reg(Reg::Gpr(n as u8), v as u64)
            .expect("GPRs exist");
    }
    for (spr, &v) in GUEST_DEBUG_SPRS.iter().zip(&input.guest_debug) {
        vcpu.set_reg(Reg::Spr(*spr), v as u64)
            .expect("debug SPRs exist");
    }
    vcpu.set_reg(Reg::Msr, input.msr as u64)
        .expect("MSR exists");

    let mut asked = Vec::new();
    if let Some(d) = &input.debugger {
        if d.unlimited {
            vcpu.set_hw_debug_limits(HwDebugLimits::Unlimited);
        }
        let request = GuestDebug {
            control: d.control,
            bps: d
                .bps
                .iter()
                .map(|&(addr, kind, len)| HwBreakpoint {
                    addr: addr as u64,
                    kind,
                    len: len as u32,
                })
                .collect(),
        };
        let before = guest_view(&vcpu);
        match vcpu.set_guest_debug(&request) {
            Ok(()) => asked = request.bps,
            Err(_) => assert_eq!(before, guest_view(&vcpu), "a refused request changed state"),
        }
        for &i in &d.sw_breakpoints {
            let _ = vcpu.insert_sw_breakpoint(4 * i as u64);
        }
        if request.control & control::ENABLE == 0 || request.control & control::USE_HW_BP == 0 {
            asked.clear();
        }
    }

    let mut left = BUDGET;
    while left > 0 {
        let before = vcpu.instructions();
        let exit = vcpu.run_for(&mut NoDevices, left);
        left = left.saturating_sub((vcpu.instructions() - before).max(1));
        match exit {
            Exit::Debug(d) => check_exit(&d, &asked),
            Exit::Halted | Exit::Budget => break,
            Exit::Device | Exit::Reset(_) | Exit::Interrupted => {}
        }
    }
});

/// What the guest sees of its registers, for "nothing changed" checks.
fn guest_view(vcpu: &E500Vcpu) -> Vec<u64> {
    let mut regs = vec![Reg::Pc, Reg::Msr];
    regs.extend(GUEST_DEBUG_SPRS.iter().map(|&s| Reg::Spr(s)));
    regs.push(Reg::Spr(Spr::Dbsr));
    regs.iter()
        .map(|&r| vcpu.get_reg(r).expect("register exists"))
        .collect()
}

/// A hardware exit must come from a comparator the debugger programmed.
fn check_exit(d: &vmgdb_hv::DebugExit, asked: &[HwBreakpoint]) {
    let programmed = |kind: u32| asked.iter().filter(move |b| b.kind & kind != 0);
    match d.reason {
        DebugReason::Breakpoint => assert!(
            programmed(bp_type::BREAKPOINT).any(|b| b.addr & !3 == d.address & !3),
            "breakpoint exit at {:#x} nobody asked for: {asked:?}",
            d.address
        ),
        DebugReason::WatchWrite => assert!(
            programmed(bp_type::WATCH_WRITE).any(|b| b.addr == d.address),
            "write watch exit at {:#x} nobody asked for: {asked:?}",
            d.address
        ),
        DebugReason::WatchRead => assert!(
            programmed(bp_type::WATCH_READ).any(|b| b.addr == d.address),
            "read watch exit at {:#x} nobody asked for: {asked:?}",
            d.address
        ),
        DebugReason::SingleStep | DebugReason::SoftwareBreakpoint => {}
    }
    assert!(d.address <= u32::MAX as u64);
}
