//! `vmgdb`, the command line: boot a guest on the emulated ppce500 board.
//!
//! ```text
//! vmgdb run [--machine ppce500] [--cpu e500v2|e500mc] [--kernel FILE] [--bios FILE]
//!           [--append CMDLINE] [--initrd FILE] [--dtb FILE] [--dumpdtb FILE] [-m SIZE]
//!           [--gdb ADDRESS [--wait]] [--trace LIST [--trace-file FILE]] [--engine interp|jit] [--stats]
//! vmgdb demo-elf FILE
//! ```
//!
//! The guest's console is stdout (its bytes alone) and stdin (a terminal in raw
//! mode, Ctrl-A x to quit; see [`console`]); vmgdb's own messages go to stderr
//! through `tracing` (set `RUST_LOG`, e.g. `RUST_LOG=debug`). Exit status: 0 when
//! the guest powers the machine off or on Ctrl-A x, 1 on an error, 2 on bad usage.

/// Write a line to stderr, as `eprintln!` does, but never panic: with stderr a
/// closed pipe (`vmgdb run 2>&1 | head`) the message is dropped and vmgdb goes on.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use say;

mod console;
mod debugger;
mod run;
mod size;
mod stats;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand, ValueEnum};
use e500::Flavor;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "vmgdb",
    version,
    about = "Run e500 PowerPC guests on an emulated QEMU ppce500 board"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Boot a guest; without --kernel or --bios, the built-in demo guest.
    Run(RunArgs),
    /// Write the built-in demo guest as an ELF file (symbols for GDB; boots on QEMU too).
    DemoElf {
        /// Where to write it.
        file: PathBuf,
    },
}

/// The machine to emulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Machine {
    /// QEMU's generic e500 platform (`-M ppce500`).
    Ppce500,
}

/// `--engine`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum EngineArg {
    Interp,
    Jit,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Machine type.
    #[arg(long, value_enum, default_value_t = Machine::Ppce500)]
    machine: Machine,
    /// CPU: e500v2 (PVR 0x80210030) or e500mc (PVR 0x80230020).
    #[arg(long, default_value = "e500v2", value_parser = parse_cpu)]
    cpu: Flavor,
    /// Kernel booted as QEMU's `-kernel` does: an ELF or a uImage, announced to
    /// the guest in the device tree. With --bios, loaded as it is for the
    /// firmware to boot (U-Boot's `bootm`).
    #[arg(long, value_name = "FILE")]
    kernel: Option<PathBuf>,
    /// Firmware (ELF or uImage) booted as QEMU's `-bios` does, e.g. U-Boot.
    #[arg(long, value_name = "FILE")]
    bios: Option<PathBuf>,
    /// Kernel command line (`/chosen/bootargs`), as QEMU's -append.
    #[arg(long, value_name = "CMDLINE", requires = "kernel")]
    append: Option<String>,
    /// Initial RAM disk, loaded and announced in `/chosen` as QEMU's -initrd.
    #[arg(long, value_name = "FILE", requires = "kernel")]
    initrd: Option<PathBuf>,
    /// Hand the guest this device tree blob instead of the board's own, as it
    /// is (QEMU's -dtb: --append and --initrd do not change it).
    #[arg(long, value_name = "FILE")]
    dtb: Option<PathBuf>,
    /// Write the device tree the guest would get to FILE and exit (QEMU's
    /// `-machine dumpdtb=FILE`).
    #[arg(long, value_name = "FILE")]
    dumpdtb: Option<PathBuf>,
    /// RAM size as QEMU's -m: MiB, or with a suffix (512M, 1G); a multiple of 64 MiB.
    #[arg(short = 'm', long = "memory", value_name = "SIZE", value_parser = size::parse_ram_size)]
    memory: Option<u64>,
    /// Serve GDB on ADDRESS: PORT, :PORT or HOST:PORT (loopback unless a host is
    /// given), or unix:PATH (a socket of mode 0600). One client at a time.
    #[arg(long, value_name = "ADDRESS", value_parser = parse_endpoint)]
    gdb: Option<vmgdb_gdb::Endpoint>,
    /// Hold the guest at its first instruction until a debugger attaches (QEMU's -S).
    #[arg(long, requires = "gdb")]
    wait: bool,
    /// Trace execution events, as QEMU's -d: a comma-separated LIST of int
    /// (interrupts), exec (blocks executed), mmu (TLB writes and misses) and
    /// unimp (unimplemented instructions and SPRs), or all; `--trace help`
    /// explains each.
    #[arg(long, value_name = "LIST", value_parser = parse_trace)]
    trace: Option<e500::Trace>,
    /// Where --trace writes, as QEMU's -D (default: stderr).
    #[arg(long, value_name = "FILE", requires = "trace")]
    trace_file: Option<PathBuf>,
    /// How guest code executes: interp (decoded blocks, interpreted) or jit
    /// (hot blocks compiled to host code). The guest behaves the same with both.
    #[arg(long, value_enum, default_value_t = EngineArg::Interp)]
    engine: EngineArg,
    /// At exit, print the number of retired guest instructions on stderr
    /// (`instructions: N`), for scripts/bench.
    #[arg(long)]
    stats: bool,
}

fn parse_endpoint(text: &str) -> Result<vmgdb_gdb::Endpoint, String> {
    text.parse()
}

fn parse_cpu(text: &str) -> Result<Flavor, String> {
    text.parse()
}

fn parse_trace(text: &str) -> Result<e500::Trace, String> {
    e500::Trace::parse(text)
}

/// Where the trace goes, if anything is traced.
enum TraceOutput {
    Stderr,
    File(std::fs::File),
}

/// vmgdb's messages to stderr (`RUST_LOG`, default warnings), and the
/// `--trace` events (targets `vmgdb_trace::*`) to their own output, plain lines.
fn init_logging(trace: Option<TraceOutput>) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::{fmt, EnvFilter, Layer, Registry};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let not_trace = Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("vmgdb_trace", LevelFilter::OFF);
    let mut layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> = vec![fmt::layer()
        .with_writer(std::io::stderr)
        // A failed write to stderr (a closed pipe) drops the message: by default
        // the subscriber reports it with eprintln!, which panics.
        .log_internal_errors(false)
        .with_filter(filter)
        .with_filter(not_trace)
        .boxed()];
    if let Some(output) = trace {
        let plain = fmt::layer()
            .without_time()
            .with_level(false)
            .with_target(false)
            .with_ansi(false)
            .log_internal_errors(false);
        let only_trace = Targets::new().with_target("vmgdb_trace", LevelFilter::INFO);
        layers.push(match output {
            TraceOutput::Stderr => plain
                .with_writer(std::io::stderr)
                .with_filter(only_trace)
                .boxed(),
            TraceOutput::File(f) => plain
                .with_writer(std::sync::Mutex::new(f))
                .with_filter(only_trace)
                .boxed(),
        });
    }
    tracing_subscriber::registry().with(layers).init();
}

/// `--cpu help` (QEMU's `-cpu help`): the CPUs, one a line, on stdout.
fn cpu_help_asked() -> bool {
    help_asked("--cpu")
}

/// Whether `option help` (or `option=help`) is on the command line.
fn help_asked(option: &str) -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2).any(|w| w[0] == option && w[1] == "help")
        || args.iter().any(|a| *a == format!("{option}=help"))
}

fn main() -> ExitCode {
    if cpu_help_asked() {
        println!("Available CPUs (--cpu):");
        for flavor in [Flavor::E500v2, Flavor::E500mc] {
            println!("  {:<8} PVR {:#010x}", flavor.name(), flavor.pvr());
        }
        return ExitCode::SUCCESS;
    }
    if help_asked("--trace") {
        println!("Trace event kinds (--trace LIST, comma-separated, or all):");
        for (name, what) in e500::trace::KINDS {
            println!("  {name:<6} {what}");
        }
        return ExitCode::SUCCESS;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            say!("error: a command is needed, e.g. `vmgdb run` (see vmgdb --help)");
            return ExitCode::from(2);
        }
        Err(e) if e.use_stderr() => {
            // One line with all of clap's message but the usage: the problem,
            // the options it names ("required arguments ... --kernel <FILE>")
            // and its tips ("a similar argument exists: '--kernel'").
            let text = e.to_string();
            let parts: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            say!("{} (see vmgdb --help)", parts.join(" "));
            return ExitCode::from(2);
        }
        // --help and --version.
        Err(e) => e.exit(),
    };
    let trace = match &cli.command {
        Command::Run(args) if args.trace.is_some_and(|t| t.any()) => match &args.trace_file {
            None => Some(TraceOutput::Stderr),
            Some(path) => match std::fs::File::create(path) {
                Ok(f) => Some(TraceOutput::File(f)),
                Err(e) => {
                    say!(
                        "error: {}: cannot create the trace file: {e}",
                        path.display()
                    );
                    return ExitCode::FAILURE;
                }
            },
        },
        _ => None,
    };
    init_logging(trace);
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::DemoElf { file } => run::write_demo(&file),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            say!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
