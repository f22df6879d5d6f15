//! GDB speed, vmgdb against QEMU 7.2 with the same GDB script and guest
//! (`guests/gdbtarget.c`):
//!
//! * `stepi`: single steps per second over 2,000 `stepi` commands;
//! * `hits`: hardware-breakpoint hits per second over 200 `continue`s, each
//!   stopping at `hbreak tick` in a loop of calls (continue, stop, continue);
//! * `dump`: bytes per second dumping 1 MiB of guest memory (`dump binary memory`).
//!
//! Each measurement runs a fresh vmgdb (`vmgdb run --gdb ... --wait`) or QEMU
//! (`qemu-system-ppc -M ppce500 -S -gdb ...`) and a fresh `gdb-multiarch`, whose
//! Python times the commands alone (not start-up or connection).
//!
//! ```text
//! cargo bench -p vmgdb --bench gdb -- [--target vmgdb|qemu|both] [--cpu e500v2|e500mc]
//!     [--what stepi|hits|dump|all] [--repeat N] [--transport tcp|unix]
//! ```
//!
//! One target and one measurement print one number: the median of `--repeat`
//! runs (default 3). Otherwise one line per result, `name value unit`:
//! `gdb-stepi-e500mc-vmgdb 2470 steps/s`, and with both targets the ratio
//! `gdb-stepi-e500mc-ratio 2.49 x` (vmgdb / QEMU). Defaults: both targets,
//! e500mc, all three, TCP. The machine may be shared: take medians.

#[path = "../tests/support/gdb.rs"]
#[allow(dead_code)]
mod support;

use std::fmt;
use support::*;

/// What to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum What {
    Stepi,
    Hits,
    Dump,
}

impl What {
    const ALL: [What; 3] = [What::Stepi, What::Hits, What::Dump];

    fn unit(self) -> &'static str {
        match self {
            What::Stepi => "steps/s",
            What::Hits => "hits/s",
            What::Dump => "bytes/s",
        }
    }

    /// The Python GDB runs: get to the loop of calls, time the commands,
    /// print `RESULT <rate>`.
    fn script(self) -> String {
        let timed = match self {
            What::Stepi => "rate(2000, lambda: gdb.execute('stepi', to_string=True))",
            What::Hits => {
                "gdb.execute('hbreak tick')\nrate(200, lambda: gdb.execute('continue', to_string=True))"
            }
            What::Dump => {
                "t = time.perf_counter()\n\
                 gdb.execute('dump binary memory /dev/null 0x100000 0x200000')\n\
                 print('RESULT %f' % ((1 << 20) / (time.perf_counter() - t)))"
            }
        };
        format!(
            "import gdb, time\n\
             def rate(n, command):\n    \
                 t = time.perf_counter()\n    \
                 for _ in range(n):\n        \
                     command()\n    \
                 print('RESULT %f' % (n / (time.perf_counter() - t)))\n\
             gdb.execute('set var rounds = 100000000')\n\
             gdb.execute('hbreak tick')\n\
             gdb.execute('continue', to_string=True)\n\
             gdb.execute('delete')\n\
             {timed}\n"
        )
    }
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            What::Stepi => "stepi",
            What::Hits => "hits",
            What::Dump => "dump",
        })
    }
}

/// Which stub GDB talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Vmgdb,
    Qemu,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Target::Vmgdb => "vmgdb",
            Target::Qemu => "qemu",
        })
    }
}

struct Options {
    targets: Vec<Target>,
    cpu: &'static str,
    whats: Vec<What>,
    repeat: usize,
    transport: Transport,
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "gdbbench: {problem}\nusage: cargo bench -p vmgdb --bench gdb -- [--target vmgdb|qemu|both] \
         [--cpu e500v2|e500mc] [--what stepi|hits|dump|all] [--repeat N] [--transport tcp|unix]"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let mut o = Options {
        targets: vec![Target::Vmgdb, Target::Qemu],
        cpu: "e500mc",
        whats: What::ALL.to_vec(),
        repeat: 3,
        transport: Transport::Tcp,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        match a.as_str() {
            // What `cargo bench` passes to a harness-less bench.
            "--bench" => {}
            "--target" => {
                o.targets = match value().as_str() {
                    "vmgdb" => vec![Target::Vmgdb],
                    "qemu" => vec![Target::Qemu],
                    "both" => vec![Target::Vmgdb, Target::Qemu],
                    other => usage(&format!("unknown target {other}")),
                }
            }
            "--cpu" => {
                let cpu = value();
                o.cpu = FLAVOURS
                    .into_iter()
                    .find(|f| *f == cpu)
                    .unwrap_or_else(|| usage(&format!("unknown cpu {cpu}")));
            }
            "--what" => {
                o.whats = match value().as_str() {
                    "stepi" => vec![What::Stepi],
                    "hits" => vec![What::Hits],
                    "dump" => vec![What::Dump],
                    "all" => What::ALL.to_vec(),
                    other => usage(&format!("unknown measurement {other}")),
                }
            }
            "--repeat" => {
                o.repeat = value()
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .unwrap_or_else(|| usage("--repeat takes a positive number"))
            }
            "--transport" => {
                o.transport = match value().as_str() {
                    "tcp" => Transport::Tcp,
                    "unix" => Transport::Unix,
                    other => usage(&format!("unknown transport {other}")),
                }
            }
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if o.transport == Transport::Unix && o.targets.contains(&Target::Qemu) {
        usage("QEMU is measured over TCP only: --transport unix needs --target vmgdb");
    }
    o
}

/// One measurement: a fresh stub, a fresh GDB running `what`'s script.
fn measure(target: Target, cpu: &'static str, what: What, transport: Transport) -> f64 {
    let script = scratch_path(&format!("gdbbench-{what}.py"));
    std::fs::write(&script, what.script()).expect("write the GDB script");
    let source = format!("source {}", script.display());
    let out = match target {
        Target::Vmgdb => {
            // As a user runs it: vmgdb's default logging.
            let vm = Vmgdb::start_logging(cpu, "gdbtarget", transport, true, "");
            vm.gdb().cmds(&[&source, "kill"]).run()
        }
        Target::Qemu => {
            let elf = guests::elf("gdbtarget", cpu);
            let qemu = qemu::Qemu::start(cpu, &elf);
            Gdb::new(&qemu.target, Some(&elf))
                .cmds(&[&source, "kill"])
                .run()
        }
    };
    let _ = std::fs::remove_file(&script);
    out.lines()
        .find_map(|l| l.strip_prefix("RESULT ")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no result from {what} on {target}; GDB printed:\n{out}"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let o = options();
    let single = o.targets.len() == 1 && o.whats.len() == 1;
    for &what in &o.whats {
        // Repeats alternate between the targets, so a change in the machine's
        // load while measuring affects both alike.
        let mut runs = vec![Vec::new(); o.targets.len()];
        for _ in 0..o.repeat {
            for (i, &target) in o.targets.iter().enumerate() {
                runs[i].push(measure(target, o.cpu, what, o.transport));
            }
        }
        let medians: Vec<(Target, f64)> = o
            .targets
            .iter()
            .zip(runs)
            .map(|(&t, r)| (t, median(r)))
            .collect();
        for &(target, m) in &medians {
            if single {
                println!("{m:.0}");
            } else {
                println!("gdb-{what}-{}-{target} {m:.0} {}", o.cpu, what.unit());
            }
        }
        if let [(Target::Vmgdb, ours), (Target::Qemu, theirs)] = medians[..] {
            println!("gdb-{what}-{}-ratio {:.2} x", o.cpu, ours / theirs);
        }
    }
}
