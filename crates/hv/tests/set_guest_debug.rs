//! `set_guest_debug` and debug exits through the `Vcpu` API, row by row of the
//! guest-debug model's tables, on both e500 flavours.

use e500::asm::*;
use e500::{Flavor, NoDevices};
use vmgdb_hv::{
    bp_type, control, DebugReason, E500Vcpu, Exit, GuestDebug, GuestDebugError, HwBreakpoint, Reg,
    Vcpu,
};

const ORIGIN: u64 = 0x1000;
const DATA: u32 = 0x8000;

fn vcpu(flavor: Flavor, prog: &[u32]) -> E500Vcpu {
    let mut v = E500Vcpu::new(flavor, 64 << 20);
    assert!(v.set_tlb1_entry(0, 0x8000_0800, 0, 0x3F, 0));
    let bytes: Vec<u8> = prog.iter().flat_map(|w| w.to_be_bytes()).collect();
    v.write_phys(ORIGIN, &bytes).unwrap();
    v.set_reg(Reg::Pc, ORIGIN).unwrap();
    v
}

fn flavors() -> [Flavor; 2] {
    [Flavor::E500v2, Flavor::E500mc]
}

fn debug(control: u32, bps: &[HwBreakpoint]) -> GuestDebug {
    GuestDebug {
        control,
        bps: bps.to_vec(),
    }
}

fn prog() -> Vec<u32> {
    vec![
        lis(6, 0),
        ori(6, 6, DATA as u16),
        li(3, 1),
        stw(3, 0, 6),
        lwz(4, 4, 6),
        li(5, 2),
        b(0),
    ]
}

#[test]
fn flag_and_type_values_are_kvms() {
    assert_eq!(
        (
            control::ENABLE,
            control::SINGLESTEP,
            control::USE_SW_BP,
            control::USE_HW_BP
        ),
        (1, 2, 0x10000, 0x20000)
    );
    assert_eq!(
        (
            bp_type::BREAKPOINT,
            bp_type::WATCH_WRITE,
            bp_type::WATCH_READ
        ),
        (2, 4, 8)
    );
    assert_eq!(vcpu(Flavor::E500v2, &[]).debug_inst(), 0x00DD_DD00);
    assert_eq!(vcpu(Flavor::E500mc, &[]).hw_debug_slots(), (2, 2));
}

#[test]
fn breakpoint_exit_reports_the_instruction_address() {
    for f in flavors() {
        let mut v = vcpu(f, &prog());
        let bp = HwBreakpoint::breakpoint(ORIGIN + 12);
        v.set_guest_debug(&debug(control::ENABLE | control::USE_HW_BP, &[bp]))
            .unwrap();
        let Exit::Debug(e) = v.run_for(&mut NoDevices, 1_000_000) else {
            panic!("no debug exit")
        };
        assert_eq!(
            (e.address, e.status, e.reason),
            (ORIGIN + 12, bp_type::BREAKPOINT, DebugReason::Breakpoint)
        );
        assert_eq!(v.get_reg(Reg::Pc).unwrap(), ORIGIN + 12, "not executed");
    }
}

#[test]
fn watch_exits_report_the_programmed_address() {
    for f in flavors() {
        let mut v = vcpu(f, &prog());
        let w = HwBreakpoint::watchpoint(DATA as u64, 4, bp_type::WATCH_WRITE);
        let r = HwBreakpoint::watchpoint(DATA as u64 + 4, 4, bp_type::WATCH_READ);
        v.set_guest_debug(&debug(control::ENABLE | control::USE_HW_BP, &[w, r]))
            .unwrap();
        let Exit::Debug(e) = v.run_for(&mut NoDevices, 1_000_000) else {
            panic!()
        };
        assert_eq!(
            (e.address, e.status, e.reason),
            (DATA as u64, bp_type::WATCH_WRITE, DebugReason::WatchWrite)
        );
        assert_eq!(e.dbsr, 0x0004_0000, "DAC1W latched");
        assert_eq!(v.get_reg(Reg::Pc).unwrap(), ORIGIN + 12);
        // Continue past it: the stub would step with the watchpoint removed.
        v.set_guest_debug(&debug(control::ENABLE | control::USE_HW_BP, &[r]))
            .unwrap();
        let Exit::Debug(e) = v.run_for(&mut NoDevices, 1_000_000) else {
            panic!()
        };
        assert_eq!(
            (e.address, e.status, e.reason),
            (DATA as u64 + 4, bp_type::WATCH_READ, DebugReason::WatchRead)
        );
        assert_eq!(e.dbsr, 0x0008_0000, "DAC1R: the first programmed DAC");
    }
}

#[test]
fn access_watch_reports_write_for_a_store() {
    let mut v = vcpu(Flavor::E500mc, &prog());
    let a = HwBreakpoint::watchpoint(DATA as u64, 4, bp_type::WATCH_ACCESS);
    v.set_guest_debug(&debug(control::ENABLE | control::USE_HW_BP, &[a]))
        .unwrap();
    let Exit::Debug(e) = v.run_for(&mut NoDevices, 1_000_000) else {
        panic!()
    };
    assert_eq!(e.status, bp_type::WATCH_WRITE);
}

#[test]
fn single_step_and_software_breakpoint_are_told_apart() {
    for f in flavors() {
        let mut v = vcpu(f, &prog());
        v.set_guest_debug(&debug(control::ENABLE | control::SINGLESTEP, &[]))
            .unwrap();
        let Exit::Debug(e) = v.run_for(&mut NoDevices, 1_000_000) else {
            panic!()
        };
        assert_eq!(
            (e.address, e.status, e.reason),
            (ORIGIN + 4, 0, DebugReason::SingleStep)
        );
        v.insert_sw_breakpoint(ORIGIN + 20).unwrap();
        v.set_guest_debug(&debug(control::ENABLE | control::USE_SW_BP, &[]))
            .unwrap();
        let Exit::Debug(e) = v.run_for(&mut NoDevices, 1_000_000) else {
            panic!()
        };
        assert_eq!(
            (e.address, e.status, e.reason),
            (ORIGIN + 20, 0, DebugReason::SoftwareBreakpoint)
        );
        let mut word = [0u8; 4];
        v.read_virt(ORIGIN + 20, &mut word).unwrap();
        assert_eq!(
            u32::from_be_bytes(word),
            li(5, 2),
            "the debugger reads the original"
        );
        v.remove_sw_breakpoint(ORIGIN + 20).unwrap();
        assert!(v.remove_sw_breakpoint(ORIGIN + 20).is_err());
    }
}

/// A software breakpoint where nothing is mapped yet (Linux's kernel addresses
/// at reset) is accepted and fires once the guest maps the address and runs
/// there, as on QEMU; removing it leaves nothing behind.
#[test]
fn a_software_breakpoint_before_its_mapping_fires_once_mapped() {
    for flavor in flavors() {
        const ALIAS: u64 = 0x4000_0000;
        let mut v = vcpu(flavor, &prog());
        v.insert_sw_breakpoint(ALIAS + ORIGIN + 8).unwrap();
        v.set_guest_debug(&debug(control::ENABLE | control::USE_SW_BP, &[]))
            .unwrap();
        // The guest's own mapping of the same code, made after the breakpoint.
        assert!(v.set_tlb1_entry(1, 0x8000_0800, ALIAS as u32, 0x3F, 0));
        v.set_reg(Reg::Pc, ALIAS + ORIGIN).unwrap();
        let Exit::Debug(e) = v.run_for(&mut NoDevices, 1_000_000) else {
            panic!("{flavor}: no debug exit")
        };
        assert_eq!(
            (e.address, e.reason),
            (ALIAS + ORIGIN + 8, DebugReason::SoftwareBreakpoint),
            "{flavor}"
        );
        assert_eq!(v.get_reg(Reg::Gpr(3)).unwrap(), 0, "{flavor}: not run yet");
        v.remove_sw_breakpoint(ALIAS + ORIGIN + 8).unwrap();
        assert_eq!(v.run_for(&mut NoDevices, 100), Exit::Budget);
        assert_eq!(v.get_reg(Reg::Gpr(3)).unwrap(), 1, "{flavor}: runs on");
    }
}

#[test]
fn software_breakpoint_without_use_sw_bp_is_the_guests_illegal_instruction() {
    let mut v = vcpu(Flavor::E500v2, &prog());
    v.set_reg(Reg::Spr(e500::Spr::Ivor6), 0x600).unwrap();
    v.write_phys(0x600, &b(0).to_be_bytes()).unwrap();
    v.insert_sw_breakpoint(ORIGIN + 8).unwrap();
    v.set_guest_debug(&debug(control::ENABLE, &[])).unwrap();
    assert_eq!(v.run_for(&mut NoDevices, 1000), Exit::Budget);
    assert_eq!(v.get_reg(Reg::Spr(e500::Spr::Srr0)).unwrap(), ORIGIN + 8);
    assert_eq!(
        v.get_reg(Reg::Spr(e500::Spr::Esr)).unwrap(),
        0x0800_0000,
        "ESR[PIL]"
    );
}

#[test]
fn validation_errors_change_nothing() {
    let mut v = vcpu(Flavor::E500v2, &prog());
    let good = debug(
        control::ENABLE | control::USE_HW_BP,
        &[HwBreakpoint::breakpoint(ORIGIN + 12)],
    );
    v.set_guest_debug(&good).unwrap();
    let three = [
        HwBreakpoint::breakpoint(ORIGIN),
        HwBreakpoint::breakpoint(ORIGIN + 4),
        HwBreakpoint::breakpoint(ORIGIN + 8),
    ];
    let cases = [
        (
            debug(0x8000_0001, &[]),
            GuestDebugError::UnknownControl(0x8000_0000),
        ),
        (
            debug(
                control::ENABLE | control::USE_HW_BP,
                &[HwBreakpoint {
                    addr: ORIGIN,
                    kind: 0x10,
                    len: 4,
                }],
            ),
            GuestDebugError::UnknownType {
                index: 0,
                kind: 0x10,
            },
        ),
        (
            debug(
                control::ENABLE | control::USE_HW_BP,
                &[HwBreakpoint {
                    addr: ORIGIN,
                    kind: 0x6,
                    len: 4,
                }],
            ),
            GuestDebugError::UnknownType {
                index: 0,
                kind: 0x6,
            },
        ),
        (
            debug(control::ENABLE | control::USE_HW_BP, &three),
            GuestDebugError::TooManyBreakpoints { available: 2 },
        ),
        (
            debug(
                control::ENABLE | control::USE_HW_BP,
                &[4, 8, 12]
                    .map(|a| HwBreakpoint::watchpoint(DATA as u64 + a, 4, bp_type::WATCH_READ)),
            ),
            GuestDebugError::TooManyWatchpoints { available: 2 },
        ),
        (
            debug(
                control::ENABLE | control::USE_HW_BP,
                &[HwBreakpoint::watchpoint(
                    DATA as u64 + 2,
                    4,
                    bp_type::WATCH_READ,
                )],
            ),
            GuestDebugError::BadWatchLength {
                index: 0,
                addr: DATA as u64 + 2,
                len: 4,
            },
        ),
        (
            debug(
                control::ENABLE | control::USE_HW_BP,
                &[HwBreakpoint::watchpoint(
                    DATA as u64,
                    12,
                    bp_type::WATCH_READ,
                )],
            ),
            GuestDebugError::BadWatchLength {
                index: 0,
                addr: DATA as u64,
                len: 12,
            },
        ),
        (
            debug(
                control::ENABLE | control::USE_HW_BP,
                &[HwBreakpoint::breakpoint(1 << 32)],
            ),
            GuestDebugError::BadAddress {
                index: 0,
                addr: 1 << 32,
            },
        ),
    ];
    for (bad, err) in cases {
        assert_eq!(v.set_guest_debug(&bad), Err(err));
    }
    // The good request is still in force.
    let Exit::Debug(e) = v.run_for(&mut NoDevices, 1_000_000) else {
        panic!()
    };
    assert_eq!(e.address, ORIGIN + 12);
    // Entries of type NONE are skipped; without USE_HW_BP the list is ignored.
    let none = HwBreakpoint {
        addr: 0,
        kind: 0,
        len: 0,
    };
    v.set_guest_debug(&debug(
        control::ENABLE | control::USE_HW_BP,
        &[none, none, none],
    ))
    .unwrap();
    v.set_guest_debug(&debug(control::ENABLE, &three)).unwrap();
}

#[test]
fn clearing_enable_gives_the_guest_its_registers_back() {
    let mut v = vcpu(Flavor::E500mc, &prog());
    v.set_reg(Reg::Spr(e500::Spr::Dbcr0), 0x4080_0000).unwrap(); // guest IDM|IAC1
    v.set_reg(Reg::Spr(e500::Spr::Iac1), 0x1234).unwrap();
    v.set_guest_debug(&debug(
        control::ENABLE | control::USE_HW_BP,
        &[HwBreakpoint::breakpoint(ORIGIN + 8)],
    ))
    .unwrap();
    assert_eq!(
        v.get_reg(Reg::Spr(e500::Spr::Dbcr0)).unwrap(),
        0xC080_0000,
        "EDM while debugged"
    );
    assert_eq!(
        v.get_reg(Reg::Spr(e500::Spr::Iac1)).unwrap(),
        0x1234,
        "the guest's IAC1, not the debugger's"
    );
    v.set_guest_debug(&GuestDebug::default()).unwrap();
    assert_eq!(v.get_reg(Reg::Spr(e500::Spr::Dbcr0)).unwrap(), 0x4080_0000);
}

#[test]
fn debugger_writes_status_registers_directly() {
    let mut v = vcpu(Flavor::E500v2, &prog());
    v.set_reg(Reg::Spr(e500::Spr::Dbsr), 0x0880_0000).unwrap();
    assert_eq!(v.get_reg(Reg::Spr(e500::Spr::Dbsr)).unwrap(), 0x0880_0000);
    v.set_reg(Reg::Spr(e500::Spr::Tsr), 0x0800_0000).unwrap();
    assert_eq!(v.get_reg(Reg::Spr(e500::Spr::Tsr)).unwrap(), 0x0800_0000);
}

#[test]
fn beyond_the_hardware_any_number_of_comparators_of_any_length() {
    use vmgdb_hv::HwDebugLimits;
    let mut v = vcpu(Flavor::E500mc, &prog());
    let many = [
        HwBreakpoint::breakpoint(0x3F0_0000),
        HwBreakpoint::breakpoint(0x3F0_0004),
        HwBreakpoint::breakpoint(0x3F0_0008),
        HwBreakpoint::watchpoint(0x3F0_0000, 4, bp_type::WATCH_READ),
        HwBreakpoint::watchpoint(0x3F0_1000, 4, bp_type::WATCH_READ),
        // 12 bytes from DATA + 2: not a hardware-comparable range.
        HwBreakpoint::watchpoint(DATA as u64 + 2, 12, bp_type::WATCH_READ),
    ];
    let request = debug(control::ENABLE | control::USE_HW_BP, &many);
    assert!(
        v.set_guest_debug(&request).is_err(),
        "the hardware's limits by default"
    );
    assert!(v.set_hw_debug_limits(HwDebugLimits::Unlimited));
    assert_eq!(v.hw_debug_slots(), (usize::MAX, usize::MAX));
    v.set_guest_debug(&request).unwrap();
    // lwz r4,4(r6) reads DATA+4, inside the 12-byte watch.
    let Exit::Debug(e) = v.run_for(&mut NoDevices, 1_000_000) else {
        panic!()
    };
    assert_eq!(
        (e.address, e.reason),
        (DATA as u64 + 2, DebugReason::WatchRead)
    );
    // The third instruction comparator: after the lwz, at li r5,2.
    let mut iacs = many[..2].to_vec();
    iacs.push(HwBreakpoint::breakpoint(ORIGIN + 20));
    v.set_guest_debug(&debug(control::ENABLE | control::USE_HW_BP, &iacs))
        .unwrap();
    let Exit::Debug(e) = v.run_for(&mut NoDevices, 1_000_000) else {
        panic!()
    };
    assert_eq!(
        (e.address, e.reason),
        (ORIGIN + 20, DebugReason::Breakpoint),
        "the third IAC"
    );
    assert!(v.set_hw_debug_limits(HwDebugLimits::Hardware));
    assert!(v.set_guest_debug(&request).is_err());
}

#[test]
fn a_pc_write_does_not_move_the_time_base() {
    use e500::Spr;
    for f in flavors() {
        let mut v = vcpu(f, &[li(3, 0); 0x2000]);
        v.set_reg(Reg::Spr(Spr::Dec), 144).unwrap();
        let tb = |v: &E500Vcpu| v.get_reg(Reg::Spr(Spr::Tbl)).unwrap();
        assert_eq!(tb(&v), 0, "{f}: at the first instruction");
        v.set_reg(Reg::Pc, ORIGIN + 0x4000).unwrap();
        assert_eq!(tb(&v), 0, "{f}: a PC write retires nothing");
        assert_eq!(
            v.get_reg(Reg::Spr(Spr::Dec)).unwrap(),
            144,
            "{f}: DEC as written"
        );
        v.set_reg(Reg::Pc, ORIGIN).unwrap();
        v.set_guest_debug(&debug(control::ENABLE | control::SINGLESTEP, &[]))
            .unwrap();
        for step in 1..=2 {
            assert!(matches!(v.run_for(&mut NoDevices, 1_000), Exit::Debug(_)));
            assert_eq!(tb(&v), 4 * step, "{f}: after {step} steps");
        }
    }
}
