//! The guest-debug model seen from inside real guests (guests/*.c on the ppce500
//! board), through the hypervisor layer's `set_guest_debug`, on both flavours:
//!
//! * `selfdebug` debugs itself with its own IAC, DAC, instruction-complete and trap
//!   events, with no debugger and with one attached, and reports what a guest can
//!   observe of a debugger (DBCR0[EDM]; MSR[DE] it cannot clear on the e500mc);
//! * every other program prints exactly the same with the debugger's software and
//!   hardware breakpoints, watchpoints and single steps firing all over it.

use object::{Object, ObjectSymbol, SymbolKind};
use std::collections::BTreeMap;
use std::path::Path;
use vmgdb_boards::ppce500::map::DEFAULT_RAM_SIZE;
use vmgdb_boards::ppce500::{
    BootImage, Capture, Event, ImageKind, InputQueue, Ppce500, Ppce500Config, SerialLine,
    RTC_TEST_BASE,
};
use vmgdb_gdb_testkit::guests;
use vmgdb_hv::{bp_type, control, DebugReason, GuestDebug, HwBreakpoint, Reg, Vcpu};

const FLAVOURS: [&str; 2] = ["e500v2", "e500mc"];

fn machine(flavour: &str, elf: &Path) -> (Ppce500, Capture) {
    let capture = Capture::new();
    let console = SerialLine::new(capture.clone(), InputQueue::new());
    let config = Ppce500Config {
        flavor: flavour.parse().unwrap(),
        ram_size: DEFAULT_RAM_SIZE,
        payload: BootImage::from_file(elf, ImageKind::Kernel, DEFAULT_RAM_SIZE).unwrap(),
        extras: Default::default(),
        rtc_base: RTC_TEST_BASE,
    };
    (Ppce500::new(config, console).unwrap(), capture)
}

/// Run to power-off with no debugger; the console output.
fn plain_run(flavour: &str, elf: &Path) -> String {
    let (mut m, capture) = machine(flavour, elf);
    loop {
        match m.run() {
            Event::PoweredOff => return capture.text(),
            Event::ResetRequested(kind) => m.handle_reset(kind),
            other => panic!("{}: unexpected {other:?}", elf.display()),
        }
    }
}

/// Function and object symbols of an ELF: name → (address, size).
fn symbols(elf: &Path) -> BTreeMap<String, (u64, u64)> {
    let data = std::fs::read(elf).unwrap();
    let file = object::File::parse(&*data).unwrap();
    file.symbols()
        .filter(|s| matches!(s.kind(), SymbolKind::Text | SymbolKind::Data) && s.size() > 0)
        .filter_map(|s| Some((s.name().ok()?.to_string(), (s.address(), s.size()))))
        .collect()
}

fn lines_of(text: &str) -> Vec<&str> {
    text.lines().map(|l| l.trim_end_matches('\r')).collect()
}

#[test]
fn selfdebug_without_a_debugger() {
    for flavour in FLAVOURS {
        let out = plain_run(flavour, &guests::elf("selfdebug", flavour));
        let lines = lines_of(&out);
        let expect = [
            format!("== selfdebug ({flavour}) =="),
            "DBCR0[EDM] 0 (an external debugger owns debugging)".into(),
            "MSR[DE] after clearing it: 0".into(),
            "IAC2 00001230 DAC2 00004560 read back".into(),
            "own IAC1 on iac_target: result 16, 1 debug interrupt(s), DBSR 00800000, at target+0, saved MSR[DE] 1"
                .into(),
            "own DAC1W/DAC2R: 2 debug interrupt(s), DBSR 00060000, watched_a 11, read 7".into(),
            "own ICMP stepping: result 12, 4 step interrupt(s), DBSR 08000000".into(),
            "own trap event: 1 debug interrupt(s), DBSR 01000000".into(),
            "DBSR at the end 00000000".into(),
            "== selfdebug done ==".into(),
        ];
        assert_eq!(
            lines,
            expect.iter().map(String::as_str).collect::<Vec<_>>(),
            "{flavour}"
        );
    }
}

#[test]
fn selfdebug_with_a_debugger_attached() {
    for flavour in FLAVOURS {
        let elf = guests::elf("selfdebug", flavour);
        let plain = plain_run(flavour, &elf);
        let (mut m, capture) = machine(flavour, &elf);
        // The debugger owns debugging: a breakpoint on code that never runs, a
        // watchpoint on memory nobody touches, software breakpoints enabled.
        let never = 0x3F0_0100; // RAM no code lives in
        let dbg = GuestDebug {
            control: control::ENABLE | control::USE_HW_BP | control::USE_SW_BP,
            bps: vec![
                HwBreakpoint::breakpoint(never),
                HwBreakpoint::watchpoint(0x3F0_0000, 4, bp_type::WATCH_ACCESS),
            ],
        };
        m.vcpu_mut().set_guest_debug(&dbg).unwrap();
        let end = m.run();
        assert_eq!(
            end,
            Event::PoweredOff,
            "{flavour}: the debugger's comparators never fire here"
        );
        let out = capture.text();
        let de_expected = if flavour == "e500mc" { 1 } else { 0 };
        let expected = plain.replace("DBCR0[EDM] 0", "DBCR0[EDM] 1").replace(
            "MSR[DE] after clearing it: 0",
            &format!("MSR[DE] after clearing it: {de_expected}"),
        );
        assert_eq!(
            out, expected,
            "{flavour}: the guest sees EDM, (e500mc) cannot clear DE, and its own debugging works unchanged"
        );
    }
}

/// What the debugger did to a run.
#[derive(Default, Debug)]
struct Activity {
    sw_hits: usize,
    hw_hits: usize,
    watch_hits: usize,
    steps: usize,
}

/// Run `elf` to power-off while a debugger keeps stopping it: software breakpoints
/// on every function (until each has been hit a few times), hardware breakpoints on
/// two functions, watchpoints on two data objects, and bursts of single steps.
/// Every stop is resumed as GDB would: step over the breakpoint, then continue.
fn debugged_run(flavour: &str, elf: &Path) -> (String, Activity) {
    let (mut m, capture) = machine(flavour, elf);
    let syms = symbols(elf);
    let data = std::fs::read(elf).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let funcs: Vec<u64> = file
        .symbols()
        .filter(|s| s.kind() == SymbolKind::Text && s.size() > 0)
        .map(|s| s.address())
        .collect();
    let objects: Vec<(u64, u64)> = file
        .symbols()
        .filter(|s| s.kind() == SymbolKind::Data && s.size() >= 4 && s.address() % 4 == 0)
        .map(|s| (s.address(), s.size()))
        .collect();
    let mut hw = vec![];
    for name in ["printf", "putc"] {
        if let Some(&(a, _)) = syms.get(name) {
            hw.push(HwBreakpoint::breakpoint(a));
        }
    }
    for &(a, _) in objects.iter().take(2) {
        hw.push(HwBreakpoint::watchpoint(a, 4, bp_type::WATCH_ACCESS));
    }
    let vcpu = m.vcpu_mut();
    for &f in &funcs {
        vcpu.insert_sw_breakpoint(f).unwrap();
    }
    let full = GuestDebug {
        control: control::ENABLE | control::USE_SW_BP | control::USE_HW_BP,
        bps: hw,
    };
    let stepping = GuestDebug {
        control: control::ENABLE | control::USE_SW_BP | control::SINGLESTEP,
        bps: vec![],
    };
    vcpu.set_guest_debug(&full).unwrap();

    let mut act = Activity::default();
    let mut planted: BTreeMap<u64, usize> = funcs.iter().map(|&f| (f, 0)).collect();
    let mut stops = 0usize;
    let budget_stops = 3000;
    loop {
        let exit = match m.run() {
            Event::PoweredOff => break,
            Event::ResetRequested(kind) => {
                m.handle_reset(kind);
                continue;
            }
            Event::Debug(exit) => exit,
            other => panic!("{flavour} {}: unexpected {other:?}", elf.display()),
        };
        stops += 1;
        match exit.reason {
            DebugReason::SoftwareBreakpoint => {
                act.sw_hits += 1;
                *planted.entry(exit.address).or_default() += 1;
            }
            DebugReason::Breakpoint => act.hw_hits += 1,
            DebugReason::WatchRead | DebugReason::WatchWrite => act.watch_hits += 1,
            DebugReason::SingleStep => unreachable!("not single-stepping here"),
        }
        // Step over the stop as GDB does: lift the software breakpoint at the PC,
        // step with the hardware ones off (a burst of steps every few stops).
        let vcpu = m.vcpu_mut();
        let pc = vcpu.get_reg(Reg::Pc).unwrap();
        let lifted = planted.contains_key(&pc) && vcpu.remove_sw_breakpoint(pc).is_ok();
        vcpu.set_guest_debug(&stepping).unwrap();
        let burst = if stops.is_multiple_of(5) { 40 } else { 1 };
        let mut off = false;
        for _ in 0..burst {
            match m.run() {
                Event::Debug(e) if e.reason == DebugReason::SingleStep => act.steps += 1,
                // A planted breakpoint reached while stepping: it is hit again later.
                Event::Debug(e) if e.reason == DebugReason::SoftwareBreakpoint => break,
                Event::PoweredOff => {
                    off = true;
                    break;
                }
                other => panic!("{flavour}: while stepping: {other:?}"),
            }
        }
        if off {
            break;
        }
        let vcpu = m.vcpu_mut();
        // Each function's breakpoint retires after three hits.
        if lifted && planted.get(&pc).is_some_and(|&hits| hits < 3) {
            vcpu.insert_sw_breakpoint(pc).unwrap();
        } else if lifted {
            planted.remove(&pc);
        }
        if stops >= budget_stops {
            // Enough: let the program finish at full speed.
            vcpu.clear_sw_breakpoints();
            vcpu.set_guest_debug(&GuestDebug::default()).unwrap();
        } else {
            vcpu.set_guest_debug(&full).unwrap();
        }
    }
    (capture.text(), act)
}

#[test]
fn the_debugger_changes_nothing_a_program_prints() {
    // `debug` and `selfdebug` read their own debug registers (DBCR0 shows EDM under
    // a debugger): they are checked above. Everything else must print exactly the same.
    let programs = [
        "bits",
        "sort",
        "strings",
        "recursion",
        "arith",
        "interrupts",
        "tlb",
    ];
    for flavour in FLAVOURS {
        let mut list: Vec<&str> = programs.to_vec();
        if flavour == "e500mc" {
            list.push("float");
        }
        for program in list {
            let elf = guests::elf(program, flavour);
            let plain = plain_run(flavour, &elf);
            let (debugged, act) = debugged_run(flavour, &elf);
            assert!(
                act.sw_hits > 10,
                "{program} {flavour}: the debugger hardly stopped it: {act:?}"
            );
            assert!(
                act.hw_hits > 0 && act.steps > 100,
                "{program} {flavour}: {act:?}"
            );
            assert_eq!(
                debugged, plain,
                "{program} on {flavour} printed differently under the debugger ({act:?})"
            );
        }
    }
}
