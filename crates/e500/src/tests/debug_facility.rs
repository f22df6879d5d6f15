//! The debug facility: the guest's own events and interrupts, the debugger's bank,
//! and how the two coexist (guest-debug-model.md).

use super::*;
use crate::debug::{dbcr0, dbsr, HostWatch, WatchKind};
use crate::msr;
use crate::Spr;

const DEBUG_VECTOR: u32 = VECTORS + 0xF00;

fn set32(r: u32, v: u32) -> [u32; 2] {
    [lis(r, (v >> 16) as u16), ori(r, r, v as u16)]
}

/// Program prologue: MSR = DE|ME (plus `extra`), DBCR0 = `d0`.
fn arm(extra_msr: u32, d0: u32) -> Vec<u32> {
    let mut v = vec![];
    v.extend(set32(3, msr::DE | msr::ME | extra_msr));
    v.push(mtmsr(3));
    v.extend(set32(3, d0));
    v.push(mtspr(308, 3));
    v.push(isync());
    v
}

fn save_pair(flavor: Flavor) -> (Spr, Spr) {
    match flavor {
        Flavor::E500v2 => (Spr::Csrr0, Spr::Csrr1),
        Flavor::E500mc => (Spr::Dsrr0, Spr::Dsrr1),
    }
}

fn load(flavor: Flavor, prog: &[u32]) -> Core {
    let mut words = prog.to_vec();
    words.push(SW_BREAKPOINT);
    let mut core = core_with(flavor, &words);
    trap_vectors(&mut core);
    core.set_host_debug(Some(HostDebug {
        sw_breakpoints: true,
        ..Default::default()
    }));
    core
}

fn run_until(core: &mut Core) -> Stop {
    core.run(&mut NoDevices, 1_000_000)
}

// ---- the guest debugging itself, no debugger attached ----

#[test]
fn guest_iac_interrupts_before_the_instruction() {
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        let target = ORIGIN + 4 * 12;
        let mut p = vec![];
        p.extend(set32(4, target));
        p.push(mtspr(312, 4)); // IAC1
        p.extend(arm(0, dbcr0::IDM | dbcr0::IAC1)); // 7 words → index 3..9
        p.extend([nop(), nop()]); // index 10, 11
        p.push(li(5, 1)); // index 12: the target, must not execute
        let c = exec_to_vector(flavor, &p);
        let (s0, s1) = save_pair(flavor);
        assert_eq!(c.cpu.peek_spr(s0), target, "{flavor}");
        assert_eq!(c.cpu.peek_spr(s1) & msr::DE, msr::DE);
        assert_eq!(c.cpu.gpr[5], 0, "instruction suppressed");
        assert_eq!(c.cpu.peek_spr(Spr::Dbsr) & dbsr::IAC1, dbsr::IAC1);
        assert_eq!(c.cpu.msr() & msr::DE, 0, "debug interrupt clears DE");
        assert_eq!(
            c.cpu.peek_spr(Spr::Dbcr0) & dbcr0::EDM,
            0,
            "no debugger: EDM clear"
        );
    }
}

/// Run with no debugger attached until the core spins in the debug vector
/// (every vector holds a branch to itself).
fn exec_to_vector(flavor: Flavor, prog: &[u32]) -> Core {
    let mut words = prog.to_vec();
    words.push(b(0));
    let mut core = core_with(flavor, &words);
    trap_vectors(&mut core);
    for n in 0..16 {
        poke(&mut core, VECTORS + 0x100 * n, &[b(0)]);
    }
    assert_eq!(core.run(&mut NoDevices, 100_000), Stop::Limit);
    assert_eq!(
        core.cpu.pc, DEBUG_VECTOR,
        "{flavor}: expected the debug vector"
    );
    core
}

#[test]
fn guest_dac_write_and_read() {
    for (flavor, bits, store) in [
        (Flavor::E500v2, dbcr0::DAC1W, true),
        (Flavor::E500mc, dbcr0::DAC1R, false),
    ] {
        let mut p = vec![];
        p.extend(set32(4, DATA + 8));
        p.push(mtspr(316, 4)); // DAC1
        p.extend(arm(0, dbcr0::IDM | bits));
        p.extend(set32(6, DATA));
        p.push(stw(4, 4, 6)); // DATA+4: no hit
        p.push(if store { stw(4, 8, 6) } else { lwz(7, 8, 6) }); // hit
        let at = ORIGIN + 4 * (p.len() as u32 - 1);
        let c = exec_to_vector(flavor, &p);
        assert_eq!(c.cpu.peek_spr(save_pair(flavor).0), at);
        let bit = if store { dbsr::DAC1W } else { dbsr::DAC1R };
        assert_eq!(c.cpu.peek_spr(Spr::Dbsr) & (dbsr::DAC1W | dbsr::DAC1R), bit);
        assert_eq!(peek(&c, DATA + 8), 0, "store suppressed");
    }
}

#[test]
fn guest_instruction_complete_steps_with_rfci() {
    // A handler that counts steps in r20, clears DBSR and returns; 3 steps then IC off.
    let flavor = Flavor::E500v2;
    let mut p = arm(0, dbcr0::IDM | dbcr0::IC);
    let first = ORIGIN + 4 * p.len() as u32;
    p.extend([li(5, 1), li(6, 2), li(7, 3)]);
    let mut core = load(flavor, &p);
    let handler = [
        addi(20, 20, 1),
        mfspr(21, 58), // CSRR0
        mfspr(22, 304),
        mtspr(304, 22), // clear DBSR
        cmpwi(0, 20, 3),
        bc(4, 2, 16), // bne → rfci
        li(23, 0),
        mtspr(308, 23), // DBCR0 = 0
        nop(),
        rfci(),
    ];
    poke(&mut core, DEBUG_VECTOR, &handler);
    let stop = run_until(&mut core);
    assert!(
        matches!(stop, Stop::Host(HostEvent::SoftwareBreakpoint { .. })),
        "{stop:?}"
    );
    assert_eq!(core.cpu.gpr[20], 3);
    assert_eq!(core.cpu.gpr[21], first + 8, "CSRR0 = the next instruction");
    assert_eq!(core.cpu.gpr[22] & dbsr::IC, dbsr::IC);
    assert_eq!(
        (core.cpu.gpr[5], core.cpu.gpr[6], core.cpu.gpr[7]),
        (1, 2, 3)
    );
}

#[test]
fn guest_trap_event_and_imprecise_recording() {
    // TDE with DE|IDM: the trap becomes a debug interrupt.
    let mut p = arm(0, dbcr0::IDM | dbcr0::TDE);
    p.push(tw(4, 0, 0));
    let c = exec_to_vector(Flavor::E500mc, &p);
    assert_ne!(c.cpu.peek_spr(Spr::Dbsr) & dbsr::TIE, 0);
    // With DE clear: DBSR[TIE] and IDE recorded, program interrupt taken instead.
    let mut p = set32(3, dbcr0::IDM | dbcr0::TDE).to_vec();
    p.extend([mtspr(308, 3), tw(4, 0, 0)]);
    let mut core = load(Flavor::E500v2, &p);
    let stop = run_until(&mut core);
    assert_eq!(
        stop,
        Stop::Host(HostEvent::SoftwareBreakpoint {
            addr: VECTORS + 0x600
        })
    );
    assert_eq!(
        core.cpu.peek_spr(Spr::Dbsr) & (dbsr::TIE | dbsr::IDE),
        dbsr::TIE | dbsr::IDE
    );
}

#[test]
fn imprecise_event_is_delivered_when_de_is_set() {
    // IAC hit with DE=0: recorded with IDE, the instruction executes; later setting
    // DE delivers the debug interrupt after the instruction that set it.
    let target = ORIGIN + 4 * 8;
    let mut p = set32(4, target).to_vec();
    p.push(mtspr(312, 4));
    p.extend(set32(3, dbcr0::IDM | dbcr0::IAC1));
    p.push(mtspr(308, 3));
    p.extend([isync(), nop()]); // index 6, 7
    p.push(li(5, 1)); // index 8: target, executes (DE = 0)
    p.extend(set32(3, msr::DE | msr::ME)); // 9, 10
    p.push(mtmsr(3)); // 11
    p.push(li(6, 1)); // 12: the interrupt is taken before this
    let c = exec_to_vector(Flavor::E500v2, &p);
    assert_eq!(c.cpu.gpr[5], 1);
    assert_eq!(c.cpu.gpr[6], 0);
    assert_eq!(c.cpu.peek_spr(Spr::Csrr0), ORIGIN + 4 * 12);
    assert_eq!(
        c.cpu.peek_spr(Spr::Dbsr) & (dbsr::IAC1 | dbsr::IDE),
        dbsr::IAC1 | dbsr::IDE
    );
}

#[test]
fn branch_taken_return_and_interrupt_taken_events() {
    // BRT: interrupt before the taken branch executes.
    let mut p = arm(0, dbcr0::IDM | dbcr0::BT);
    let br = ORIGIN + 4 * p.len() as u32;
    p.extend([b(8), nop()]);
    let c = exec_to_vector(Flavor::E500mc, &p);
    assert_eq!(c.cpu.peek_spr(Spr::Dsrr0), br);
    // IRPT: a system call with DE set records IRPT and the debug interrupt follows at the vector.
    let mut p = arm(0, dbcr0::IDM | dbcr0::IRPT);
    p.push(sc());
    let mut core = load(Flavor::E500v2, &p);
    poke(&mut core, VECTORS + 0x800, &[nop()]);
    let stop = run_until(&mut core);
    assert_eq!(
        stop,
        Stop::Host(HostEvent::SoftwareBreakpoint { addr: DEBUG_VECTOR })
    );
    assert_eq!(core.cpu.peek_spr(Spr::Csrr0), VECTORS + 0x800);
    // RET: rfi with DE set before and after.
    let mut p = arm(0, dbcr0::IDM | dbcr0::RET);
    let after = ORIGIN + 4 * (p.len() as u32 + 7);
    p.extend(set32(3, msr::DE | msr::ME));
    p.push(mtspr(27, 3));
    p.extend(set32(4, after));
    p.push(mtspr(26, 4));
    p.push(rfi());
    p.push(nop());
    let c = exec_to_vector(Flavor::E500v2, &p);
    assert_eq!(c.cpu.peek_spr(Spr::Csrr0), after);
    assert_ne!(c.cpu.peek_spr(Spr::Dbsr) & dbsr::RET, 0);
}

/// Linux leaves the handler of a user-mode debug event through its common
/// exception exit, `rfi`: with a debugger attached, the guest's next event
/// must still be delivered.
#[test]
fn a_debug_handler_left_by_rfi_gets_the_next_event() {
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        let u1 = ORIGIN + 0x100;
        let u2 = u1 + 8;
        let user_msr = msr::PR | msr::DE | msr::ME;
        let mut p = vec![];
        p.extend(set32(4, u1));
        p.push(mtspr(312, 4)); // IAC1
        p.extend(set32(21, u2)); // the handler's next IAC1
        p.extend(set32(3, dbcr0::IDM | dbcr0::IAC1));
        p.push(mtspr(308, 3));
        p.push(mtspr(26, 4)); // SRR0
        p.extend(set32(5, user_msr));
        p.push(mtspr(27, 5)); // SRR1
        p.push(rfi());
        let mut core = load(flavor, &p);
        poke(&mut core, u1, &[nop(), nop(), nop(), b(0)]);
        let saved_pc = match flavor {
            Flavor::E500v2 => 58,  // CSRR0
            Flavor::E500mc => 574, // DSRR0
        };
        let mut handler = vec![addi(20, 20, 1), mtspr(312, 21), li(21, 0), li(3, -1)];
        handler.extend([mtspr(304, 3), mfspr(4, saved_pc), mtspr(26, 4)]);
        handler.extend(set32(5, user_msr));
        handler.extend([mtspr(27, 5), rfi()]);
        poke(&mut core, DEBUG_VECTOR, &handler);
        core.cpu.write_spr(Spr::Ivor15, 0xF00, 0);
        assert_eq!(core.run(&mut NoDevices, 10_000), Stop::Limit, "{flavor}");
        assert_eq!(core.cpu.gpr[20], 2, "{flavor}: both events delivered");
        assert_eq!(core.cpu.pc, u1 + 12, "{flavor}: spinning in user code");
    }
}

// ---- the debugger's bank ----

/// A debugger bank: comparators fill IAC1/IAC2 and DAC1/DAC2 in order.
fn host(iac: [Option<u32>; 2], dac: [Option<HostWatch>; 2], step: bool) -> HostDebug {
    HostDebug {
        single_step: step,
        sw_breakpoints: true,
        iac: iac.into_iter().flatten().collect(),
        dac: dac.into_iter().flatten().collect(),
        step_over_interrupts: false,
    }
}

fn watch(addr: u32, read: bool, write: bool) -> HostWatch {
    HostWatch {
        addr,
        len: 4,
        kind: WatchKind { read, write },
    }
}

#[test]
fn host_breakpoint_stops_before_the_instruction() {
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        let mut core = load(flavor, &[li(3, 1), li(4, 2), li(5, 3)]);
        core.set_host_debug(Some(host(
            [Some(0x3F0_0000), Some(ORIGIN + 4)],
            [None, None],
            false,
        )));
        assert_eq!(
            run_until(&mut core),
            Stop::Host(HostEvent::Breakpoint {
                addr: ORIGIN + 4,
                dbsr: dbsr::IAC2
            })
        );
        assert_eq!(
            (core.cpu.pc, core.cpu.gpr[3], core.cpu.gpr[4]),
            (ORIGIN + 4, 1, 0)
        );
        // Nothing of the debugger shows in the guest's registers.
        assert_eq!(core.cpu.peek_spr(Spr::Iac2), 0);
        assert_eq!(core.cpu.peek_spr(Spr::Dbsr), 0);
        assert_eq!(
            core.cpu.peek_spr(Spr::Dbcr0),
            dbcr0::EDM,
            "EDM shows the debugger owns debug"
        );
    }
}

#[test]
fn host_watchpoints_report_the_programmed_address() {
    let prog = [
        lis(6, 0),
        ori(6, 6, DATA as u16),
        lwz(3, 0, 6),
        li(4, 9),
        stw(4, 0, 6),
        stb(4, 5, 6),
    ];
    let mut core = load(Flavor::E500v2, &prog);
    core.set_host_debug(Some(host(
        [None, None],
        [
            Some(watch(DATA, true, false)),
            Some(watch(DATA + 4, false, true)),
        ],
        false,
    )));
    let stop = run_until(&mut core);
    assert_eq!(
        stop,
        Stop::Host(HostEvent::Watchpoint {
            addr: DATA,
            write: false,
            dbsr: dbsr::DAC1R
        })
    );
    assert_eq!(core.cpu.pc, ORIGIN + 8, "stopped before the load");
    // Resume with the read watch removed: the store to DATA is not watched, the byte store
    // into DATA+5 overlaps the second watch.
    core.set_host_debug(Some(host(
        [None, None],
        [None, Some(watch(DATA + 4, false, true))],
        false,
    )));
    let stop = run_until(&mut core);
    assert_eq!(
        stop,
        Stop::Host(HostEvent::Watchpoint {
            addr: DATA + 4,
            write: true,
            dbsr: dbsr::DAC1W // now the only, so the first, data comparator
        })
    );
    assert_eq!(core.cpu.pc, ORIGIN + 20);
    assert_eq!(peek(&core, DATA), 9);
    assert_eq!(
        peek(&core, DATA + 4),
        0,
        "the watched store has not happened"
    );
}

#[test]
fn host_single_step_and_step_into_interrupt() {
    let mut core = load(Flavor::E500mc, &[li(3, 1), sc(), li(4, 2)]);
    core.set_host_debug(Some(host([None, None], [None, None], true)));
    assert_eq!(
        run_until(&mut core),
        Stop::Host(HostEvent::Step { next: ORIGIN + 4 })
    );
    assert_eq!(core.cpu.gpr[3], 1);
    assert_eq!(
        run_until(&mut core),
        Stop::Host(HostEvent::Step {
            next: VECTORS + 0x800
        }),
        "stops at the vector"
    );
    assert_eq!(core.icount(), 3, "two instructions and one interrupt entry");
}

#[test]
fn host_software_breakpoint_hides_from_the_guest() {
    // The program reads its own code at the planted address.
    let prog = [
        lis(6, 0),
        ori(6, 6, (ORIGIN + 12) as u16),
        lwz(3, 0, 6),
        li(4, 7),
    ];
    let mut core = load(Flavor::E500v2, &prog);
    core.cpu
        .plant_breakpoint(ORIGIN + 12, (ORIGIN + 12) as u64, SW_BREAKPOINT)
        .unwrap();
    assert_eq!(
        run_until(&mut core),
        Stop::Host(HostEvent::SoftwareBreakpoint { addr: ORIGIN + 12 })
    );
    assert_eq!(
        core.cpu.gpr[3],
        li(4, 7),
        "the guest reads the original instruction"
    );
    assert_eq!(peek(&core, ORIGIN + 12), li(4, 7), "the debugger too");
    core.cpu
        .remove_breakpoint(ORIGIN + 12, (ORIGIN + 12) as u64)
        .unwrap();
    let stop = run_until(&mut core);
    assert_eq!(
        stop,
        Stop::Host(HostEvent::SoftwareBreakpoint { addr: ORIGIN + 16 })
    );
    assert_eq!(core.cpu.gpr[4], 7);
}

#[test]
fn guest_write_over_a_planted_breakpoint_keeps_it() {
    let new = li(4, 9);
    let prog = [
        lis(5, (new >> 16) as u16),
        ori(5, 5, new as u16),
        lis(6, 0),
        ori(6, 6, (ORIGIN + 24) as u16),
        stw(5, 0, 6),
        isync(),
        li(4, 1),
    ];
    let mut core = load(Flavor::E500mc, &prog);
    core.cpu
        .plant_breakpoint(ORIGIN + 24, (ORIGIN + 24) as u64, SW_BREAKPOINT)
        .unwrap();
    assert_eq!(
        run_until(&mut core),
        Stop::Host(HostEvent::SoftwareBreakpoint { addr: ORIGIN + 24 })
    );
    assert_eq!(
        peek(&core, ORIGIN + 24),
        new,
        "the guest's write is what it will see"
    );
    core.cpu
        .remove_breakpoint(ORIGIN + 24, (ORIGIN + 24) as u64)
        .unwrap();
    run_until(&mut core);
    assert_eq!(core.cpu.gpr[4], 9);
}

#[test]
fn data_beside_a_planted_breakpoint_is_plain_memory() {
    // The breakpoint's page doubles as the program's data: words beside the
    // planted one are written and read as usual (through the plain-RAM filter,
    // not the overlay's slow path), a byte store into the planted word itself
    // changes what the guest and the debugger see there and keeps the trap.
    let data = ORIGIN + 0x400;
    let mut prog = vec![];
    prog.extend(set32(6, data));
    prog.extend(set32(5, 0x1122_3344));
    prog.extend([
        stw(5, -4, 6), // the word before the planted one
        stw(5, 4, 6),  // the word after it
        stb(5, 3, 6),  // the planted word's last byte
        lwz(7, -4, 6),
        lwz(8, 4, 6),
        lbz(9, 3, 6),
        lwz(10, 0, 6), // the planted word as the guest sees it
        lis(11, 0),
        ori(11, 11, data as u16),
        mtctr(11),
        bctr(),
    ]);
    let mut core = load(Flavor::E500mc, &prog);
    poke(&mut core, data, &[nop()]);
    core.cpu
        .plant_breakpoint(data, data as u64, SW_BREAKPOINT)
        .unwrap();
    assert_eq!(
        run_until(&mut core),
        Stop::Host(HostEvent::SoftwareBreakpoint { addr: data })
    );
    assert_eq!(core.cpu.gpr[7], 0x1122_3344);
    assert_eq!(core.cpu.gpr[8], 0x1122_3344);
    assert_eq!(core.cpu.gpr[9], 0x44);
    let seen = (nop() & !0xFF) | 0x44;
    assert_eq!(core.cpu.gpr[10], seen, "the guest reads its own store");
    assert_eq!(peek(&core, data), seen, "the debugger too");
    assert_eq!(peek(&core, data - 4), 0x1122_3344);
    assert_eq!(peek(&core, data + 4), 0x1122_3344);
}

/// EA 0x4000_0000 maps the same 64 MiB as the boot mapping.
const ALIAS: u32 = 0x4000_0000;

#[test]
fn a_breakpoint_belongs_to_the_address_it_was_planted_at() {
    // The program jumps to its own code through a second mapping of the same
    // physical page, where GDB has no breakpoint.
    let planted = ORIGIN + 16;
    let prog = [
        lis(5, (ALIAS >> 16) as u16),
        ori(5, 5, planted as u16),
        mtctr(5),
        bctr(),
        li(4, 7), // `planted`: the breakpoint's word
        li(6, 1),
        b(0),
    ];
    for stepping in [false, true] {
        let mut core = load(Flavor::E500mc, &prog);
        core.cpu.mmu.set_tlb1(
            1,
            TlbEntry {
                mas2: ALIAS,
                ..boot_map()
            },
        );
        core.cpu
            .plant_breakpoint(planted, planted as u64, SW_BREAKPOINT)
            .unwrap();
        core.set_host_debug(Some(host([None, None], [None, None], stepping)));
        let mut stop = Stop::Limit;
        for _ in 0..20 {
            stop = core.run(&mut NoDevices, 1000);
            if !matches!(stop, Stop::Host(HostEvent::Step { .. })) {
                break;
            }
        }
        let (r4, r6) = (core.cpu.gpr[4], core.cpu.gpr[6]);
        assert!(
            stop == Stop::Limit || matches!(stop, Stop::Host(HostEvent::Step { .. })),
            "stepping {stepping}: no breakpoint through the alias, got {stop:?}"
        );
        assert_eq!((r4, r6), (7, 1), "stepping {stepping}: the original ran");
        assert_eq!(core.cpu.pc, ALIAS + planted + 8, "stepping {stepping}");
        // Through the address GDB planted at, it still stops.
        core.cpu.pc = planted;
        core.set_host_debug(Some(host([None, None], [None, None], false)));
        assert_eq!(
            core.run(&mut NoDevices, 1000),
            Stop::Host(HostEvent::SoftwareBreakpoint { addr: planted })
        );
    }
}

#[test]
fn breakpoints_at_two_aliases_of_one_word_are_removed_one_at_a_time() {
    let planted = ORIGIN + 16;
    let prog = [nop(), nop(), nop(), nop(), li(4, 7), b(0)];
    let mut core = load(Flavor::E500v2, &prog);
    let alias = TlbEntry {
        mas2: ALIAS,
        ..boot_map()
    };
    core.cpu.mmu.set_tlb1(1, alias);
    for ea in [planted, ALIAS + planted] {
        core.cpu
            .plant_breakpoint(ea, planted as u64, SW_BREAKPOINT)
            .unwrap();
    }
    for ea in [planted, ALIAS + planted] {
        core.cpu.pc = ea;
        assert_eq!(
            run_until(&mut core),
            Stop::Host(HostEvent::SoftwareBreakpoint { addr: ea })
        );
    }
    core.cpu.remove_breakpoint(planted, planted as u64).unwrap();
    core.cpu.pc = planted;
    assert_eq!(core.run(&mut NoDevices, 100), Stop::Limit);
    assert_eq!(core.cpu.gpr[4], 7, "the original runs where GDB removed it");
    core.cpu.pc = ALIAS + planted;
    assert_eq!(
        run_until(&mut core),
        Stop::Host(HostEvent::SoftwareBreakpoint {
            addr: ALIAS + planted
        }),
        "the other alias keeps its breakpoint"
    );
    core.cpu
        .remove_breakpoint(ALIAS + planted, planted as u64)
        .unwrap();
    assert_eq!(peek(&core, planted), li(4, 7));
    assert!(!core
        .cpu
        .planted_breakpoints()
        .iter()
        .any(|&(_, pa)| pa == planted as u64));
}

#[test]
fn the_guests_own_breakpoint_word_is_its_program_interrupt() {
    // GDB has a breakpoint somewhere else; the guest runs the same instruction
    // word that GDB plants, which the hardware treats as illegal.
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        let mut core = load(flavor, &[li(3, 1), nop(), li(3, 2), li(3, 3)]);
        core.cpu
            .write_phys((ORIGIN + 4) as u64, &SW_BREAKPOINT.to_be_bytes())
            .unwrap();
        core.cpu
            .plant_breakpoint(ORIGIN + 12, (ORIGIN + 12) as u64, SW_BREAKPOINT)
            .unwrap();
        assert_eq!(
            run_until(&mut core),
            Stop::Host(HostEvent::SoftwareBreakpoint {
                addr: VECTORS + 0x600
            }),
            "{flavor}: the program interrupt's vector"
        );
        assert_eq!(core.cpu.peek_spr(Spr::Srr0), ORIGIN + 4, "{flavor}");
        assert_eq!(core.cpu.peek_spr(Spr::Esr), crate::interrupt::esr::PIL);
        assert_eq!(core.cpu.gpr[3], 1);
    }
}

#[test]
fn guest_writes_to_debug_registers_do_not_disturb_the_debugger() {
    let target = ORIGIN + 4 * 7;
    let mut p = set32(3, 0x1234).to_vec();
    p.push(mtspr(312, 3)); // guest IAC1 = 0x1234
    p.extend(set32(3, dbcr0::IDM | dbcr0::IAC1));
    p.push(mtspr(308, 3)); // guest DBCR0
    p.push(mfspr(7, 308)); // index 6: reads EDM back
    p.push(li(5, 5)); // index 7: the debugger's breakpoint
    let mut core = load(Flavor::E500v2, &p);
    core.set_host_debug(Some(host([Some(target), None], [None, None], false)));
    assert_eq!(
        run_until(&mut core),
        Stop::Host(HostEvent::Breakpoint {
            addr: target,
            dbsr: dbsr::IAC1
        })
    );
    assert_eq!(core.cpu.gpr[7], dbcr0::EDM | dbcr0::IDM | dbcr0::IAC1);
    assert_eq!(core.cpu.peek_spr(Spr::Iac1), 0x1234);
    // Detach: the guest's own registers are exactly as it left them, EDM gone.
    core.set_host_debug(None);
    assert_eq!(core.cpu.peek_spr(Spr::Dbcr0), dbcr0::IDM | dbcr0::IAC1);
}

#[test]
fn de_is_forced_on_e500mc_but_kept_in_view_on_e500v2() {
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        let p = [li(3, msr::ME as i16), mtmsr(3), mfmsr(4)];
        let mut core = load(flavor, &p);
        core.set_host_debug(Some(host([None, None], [None, None], false)));
        run_until(&mut core);
        let expected = match flavor {
            Flavor::E500v2 => msr::ME,
            Flavor::E500mc => msr::ME | msr::DE,
        };
        assert_eq!(core.cpu.gpr[4], expected, "{flavor}");
        core.set_host_debug(None);
        assert_eq!(
            core.cpu.msr(),
            msr::ME,
            "{flavor}: the guest's own DE comes back"
        );
    }
}

#[test]
fn both_banks_fire_debugger_first_then_guest() {
    for flavor in [Flavor::E500v2, Flavor::E500mc] {
        let target = ORIGIN + 4 * 11;
        let mut p = set32(4, target).to_vec();
        p.push(mtspr(313, 4)); // guest IAC2 = target
        p.extend(arm(0, dbcr0::IDM | dbcr0::IAC2)); // 7 words: index 3..9
        p.push(nop()); // 10
        p.push(li(5, 1)); // 11
        let mut core = load(flavor, &p);
        core.set_host_debug(Some(host([Some(target), None], [None, None], false)));
        assert_eq!(
            run_until(&mut core),
            Stop::Host(HostEvent::Breakpoint {
                addr: target,
                dbsr: dbsr::IAC1
            })
        );
        // The debugger continues (its breakpoint removed, as GDB does to step over it).
        core.set_host_debug(Some(host([None, None], [None, None], false)));
        assert_eq!(
            run_until(&mut core),
            Stop::Host(HostEvent::SoftwareBreakpoint { addr: DEBUG_VECTOR })
        );
        assert_eq!(core.cpu.peek_spr(save_pair(flavor).0), target);
        assert_ne!(core.cpu.peek_spr(Spr::Dbsr) & dbsr::IAC2, 0);
        assert_eq!(core.cpu.gpr[5], 0);
    }
}

#[test]
fn guest_stepping_continues_under_a_debugger() {
    // The guest single-steps itself (IC) while the debugger has a breakpoint elsewhere.
    let mut p = arm(0, dbcr0::IDM | dbcr0::IC);
    p.extend([li(5, 1), li(6, 2), li(7, 3), li(8, 4)]);
    let bp = ORIGIN + 4 * (p.len() as u32 - 1);
    let mut core = load(Flavor::E500v2, &p);
    poke(
        &mut core,
        DEBUG_VECTOR,
        &[addi(20, 20, 1), mfspr(22, 304), mtspr(304, 22), rfci()],
    );
    core.set_host_debug(Some(host([Some(bp), None], [None, None], false)));
    assert_eq!(
        run_until(&mut core),
        Stop::Host(HostEvent::Breakpoint {
            addr: bp,
            dbsr: dbsr::IAC1
        })
    );
    // Steps after the isync, li 5, li 6 and li 7.
    assert_eq!(
        core.cpu.gpr[20], 4,
        "the guest took its own step interrupts"
    );
}

#[test]
fn a_handler_writing_back_the_forced_de_does_not_reenter_itself() {
    // e500mc under the debugger: the guest's handler reads MSR (DE shows forced on),
    // writes it back before clearing DBSR, and returns with rfdi. One interrupt only.
    let target = ORIGIN + 4 * 11;
    let mut p = set32(4, target).to_vec();
    p.push(mtspr(312, 4)); // IAC1 = target
    p.extend(arm(0, dbcr0::IDM | dbcr0::IAC1)); // index 3..9
    p.push(nop()); // 10
    p.push(li(5, 1)); // 11
    let mut core = load(Flavor::E500mc, &p);
    let handler = [
        addi(20, 20, 1),
        mfmsr(21),
        mtmsr(21), // DE written back as read: 1
        li(22, 0),
        mtspr(308, 22), // DBCR0 = 0
        mfspr(22, 304),
        mtspr(304, 22), // clear DBSR
        rfdi(),
    ];
    poke(&mut core, DEBUG_VECTOR, &handler);
    core.set_host_debug(Some(host([Some(0x3F0_0000), None], [None, None], false)));
    let stop = run_until(&mut core);
    assert!(
        matches!(stop, Stop::Host(HostEvent::SoftwareBreakpoint { .. })),
        "{stop:?}"
    );
    assert_eq!(core.cpu.gpr[20], 1, "one debug interrupt");
    assert_eq!(
        core.cpu.gpr[21] & msr::DE,
        msr::DE,
        "the handler read DE forced on"
    );
    assert_eq!(core.cpu.gpr[5], 1);
}
