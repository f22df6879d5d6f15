//! Comparing what GDB prints against two stubs (vmgdb's and QEMU's), and the
//! one difference between them that is normalised away.

/// GDB's transcript as lines, with the one known difference between the stubs
/// removed.
///
/// QEMU reports a watchpoint after the access has completed, so GDB (which
/// steps once more over what it takes for the trapping instruction) shows the
/// stop one instruction later, in the middle of a line: `0x... in bump () at
/// ...`. vmgdb reports it before the access, as the e500's DAC does, and GDB
/// stops right after it, at `bump () at ...`. Only that address prefix, and
/// only on the location line of a watchpoint report (after `New value = ` or
/// `Value = `), is dropped: function, file and line must agree. Empty lines and
/// trailing blanks are dropped too (GDB's spacing is not the stub's business).
pub fn normalise(out: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for l in out.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
        let after_watch = lines
            .last()
            .is_some_and(|p| p.starts_with("New value = ") || p.starts_with("Value = "));
        let located = match l.split_once(" in ") {
            Some((addr, rest)) if after_watch && addr.starts_with("0x") => rest,
            _ => l,
        };
        lines.push(located.to_string());
    }
    lines
}

/// Assert that `ours` (vmgdb) and `theirs` (QEMU) are the same transcript once
/// [`normalise`]d, and that it has at least `min_lines` lines (the script did
/// something). `label` names the case in a failure.
#[track_caller]
pub fn assert_same_transcript(label: &str, ours: &str, theirs: &str, min_lines: usize) {
    let (a, b) = (normalise(ours), normalise(theirs));
    assert!(
        a.len() >= min_lines,
        "the script did too little on vmgdb ({label}):\n{ours}"
    );
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(
            x, y,
            "line {i} differs ({label})\n--- vmgdb:\n{ours}\n--- qemu:\n{theirs}"
        );
    }
    assert_eq!(
        a.len(),
        b.len(),
        "({label})\n--- vmgdb:\n{ours}\n--- qemu:\n{theirs}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_watchpoint_locations_lose_their_address() {
        let qemu = "Old value = 0\nNew value = 1\n0x00100760 in bump () at t.c:34\n\n0x00100924 in main () at t.c:82\n";
        assert_eq!(
            normalise(qemu),
            [
                "Old value = 0",
                "New value = 1",
                "bump () at t.c:34",
                "0x00100924 in main () at t.c:82"
            ]
        );
    }

    #[test]
    #[should_panic(expected = "line 1 differs")]
    fn a_differing_line_fails() {
        assert_same_transcript("t", "a\nb\n", "a\nc\n", 1);
    }
}
