//! Sessions at the protocol level, with raw clients: clients that hang up at
//! once or leave their socket to a child, garbage, malformed packets. After
//! each, the machine still serves a real GDB and the guest is as it should be.
//! (Detach, a vanishing GDB with everything armed and a second GDB while one is
//! attached are the product suite's, `crates/vmgdb/tests/gdb.rs`.)

mod support;

use e500::Flavor;
use support::raw::{garbage, Rng};
use support::*;

/// What a fresh GDB must find after earlier sessions ended: no breakpoints
/// left, the guest's debug registers its own, the guest free to finish.
fn assert_released(m: &MachineProc) {
    let out = m
        .gdb()
        .cmds(&[
            "info symbol $pc",
            "info breakpoints",
            "monitor info registers",
            "x/4xw &table",
            "set var spin = 0",
            "continue",
        ])
        .run();
    assert_all(
        &out,
        &[
            "spin_here + ",
            "No breakpoints or watchpoints.",
            // The guest's own value (its debug handler leaves IDM set); no EDM:
            // the debugger owns nothing any more.
            "dbcr0    0x40000000",
            "0x11111111\t0x22222222\t0x12345678\t0x44444444",
            "[Inferior 1 (process 1) exited normally]",
        ],
    );
    assert_none(&out, &["SIGTRAP", "SIGILL", "Breakpoint 1,"]);
    m.uart.wait_for("bye\n");
}

/// Keep the guest looping in spin_here whenever no one is attached.
fn keep_spinning(m: &MachineProc) {
    let spin = symbol(&m.elf, "spin");
    let mut first = RawClient::connect(&m.target);
    assert_eq!(
        first.command(&format!("M{spin:x},4:00000001")).as_deref(),
        Some("OK")
    );
}

/// `client` has a session: its `?` gets a stop reply, not a refusal.
fn assert_session(m: &MachineProc, client: &mut RawClient, what: &str) {
    let reply = client.command("?");
    assert!(
        reply
            .as_deref()
            .is_some_and(|r| r.starts_with('S') || r.starts_with('T')),
        "{what}: the next client got {reply:?}; log:\n{}",
        m.log.text()
    );
}

/// Clients that connect and hang up at once (port probes, a GDB that gives up)
/// never make the stub refuse the next one: a client that has gone is no
/// longer "another debugger", attached or still queued.
#[test]
fn clients_that_hang_up_at_once_leave_room_for_the_next() {
    let mut m = MachineProc::start(Flavor::E500mc, Transport::Unix, true);
    keep_spinning(&m);
    for round in 0..50 {
        let mut a = RawClient::connect(&m.target);
        assert!(
            a.command("?").is_some(),
            "round {round}: no stop reply; log:\n{}",
            m.log.text()
        );
        drop(a);
        // Queued behind the ending session, gone before it is picked up.
        drop(RawClient::connect(&m.target));
        let mut c = RawClient::connect(&m.target);
        assert_session(&m, &mut c, &format!("round {round}"));
    }
    assert!(m.running());
}

/// A client whose connection a child process still holds for a moment after
/// it hung up (a client that spawns processes) looks alive to the kernel; the
/// next client waits for it to go instead of being refused.
#[test]
fn a_client_whose_socket_a_child_still_holds_is_not_another_debugger() {
    for transport in [Transport::Unix, Transport::Tcp] {
        let mut m = MachineProc::start(Flavor::E500v2, transport, true);
        keep_spinning(&m);
        for round in 0..3 {
            let mut a = RawClient::connect(&m.target);
            assert!(a.command("?").is_some(), "round {round}: no stop reply");
            let mut child = a.lend_to_child();
            drop(a);
            let mut b = RawClient::connect(&m.target);
            // The child ends after the next client has connected.
            drop(child.stdin.take());
            let _ = child.wait();
            assert_session(&m, &mut b, &format!("{transport:?} round {round}"));
            // The same for a client that queued behind the ending session
            // and hung up before it was picked up.
            drop(b);
            let queued = RawClient::connect(&m.target);
            let mut child = queued.lend_to_child();
            drop(queued);
            let mut c = RawClient::connect(&m.target);
            drop(child.stdin.take());
            let _ = child.wait();
            assert_session(&m, &mut c, &format!("{transport:?} round {round}, queued"));
        }
        assert!(m.running());
    }
}

#[test]
fn garbage_never_kills_the_stub() {
    let mut m = MachineProc::start(Flavor::E500v2, Transport::Tcp, true);
    let spin = symbol(&m.elf, "spin");

    // Leave the guest looping in spin_here with nothing attached.
    let mut raw = RawClient::connect(&m.target);
    assert!(raw.command("qSupported:multiprocess+").is_some());
    assert_eq!(
        raw.command(&format!("M{spin:x},4:00000001")).as_deref(),
        Some("OK")
    );
    assert_eq!(raw.command("D").as_deref(), Some("OK"));
    drop(raw);
    m.uart.wait_for("spin\n");

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..400 {
        let mut c = RawClient::connect(&m.target);
        let bytes = garbage(&mut rng, vmgdb_gdb::PACKET_SIZE);
        // The stub may hang up mid-write (oversized packets): that is fine.
        let _ = c.send_raw(&bytes);
        c.shutdown_write();
        c.drain();
        assert!(m.running(), "the machine died; log:\n{}", m.log.text());
    }
    assert_none(&m.log.text(), &["panicked"]);
    assert_released(&m);
}

/// A noisy link or an odd client costs nothing: a damaged packet is answered
/// with `-` and the session goes on, the client's `-` gets the last reply again,
/// a bare `qSupported` (valid per the protocol) is answered, and a huge memory
/// read is capped at what one packet holds.
#[test]
fn malformed_packets_keep_the_session() {
    let m = MachineProc::start(Flavor::E500v2, Transport::Tcp, true);
    let mut c = RawClient::connect(&m.target);
    c.send_raw(b"$g#00").unwrap();
    assert_eq!(
        c.next_byte(),
        Some(b'-'),
        "a bad checksum is answered with -"
    );
    c.send_raw(b"$qSupported#37").unwrap();
    assert_eq!(c.next_byte(), Some(b'+'));
    let features = c.read_packet().unwrap();
    assert!(features.contains("PacketSize="), "{features}");
    // The client did not get it right: it asks again, and gets the same reply.
    c.send_raw(b"-").unwrap();
    assert_eq!(c.read_packet().as_deref(), Some(features.as_str()));
    c.send_raw(b"+").unwrap();
    let memory = run_length_decoded(&c.command("m0,ffffffff").unwrap());
    assert!(!memory.starts_with('E'), "RAM at 0 reads: {}", &memory[..8]);
    assert!(
        memory.len() <= vmgdb_gdb::PACKET_SIZE,
        "{} hex digits",
        memory.len()
    );
    assert!(
        memory.len() > vmgdb_gdb::PACKET_SIZE / 2,
        "{} hex digits",
        memory.len()
    );
    assert_eq!(c.command("D").as_deref(), Some("OK"));
    assert!(
        m.log
            .text()
            .lines()
            .all(|l| !l.contains("dropping the client")),
        "{}",
        m.log.text()
    );
}

/// A reply with the protocol's run-length encoding (`X*n`: n - 29 more X) undone.
fn run_length_decoded(reply: &str) -> String {
    let mut out = String::new();
    let mut chars = reply.chars();
    while let Some(c) = chars.next() {
        if c == '*' {
            let n = chars.next().map_or(0, |n| n as usize - 29);
            let last = out.chars().last().unwrap_or('0');
            out.extend(std::iter::repeat_n(last, n));
        } else {
            out.push(c);
        }
    }
    out
}
