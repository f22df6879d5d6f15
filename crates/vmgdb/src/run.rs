//! `vmgdb run`: build the machine from the options and drive it until the guest
//! powers off; `vmgdb demo-elf`: write the demo guest out.

use crate::console::Console;
use crate::debugger::Board;
use crate::stats;
use crate::{EngineArg, RunArgs};
use std::path::Path;
use vmgdb_boards::ppce500::map::DEFAULT_RAM_SIZE;
use vmgdb_boards::ppce500::{
    demo, BootExtras, BootFile, BootImage, Capture, Event, ImageError, ImageKind, InputQueue,
    Ppce500, Ppce500Config, SerialLine, RTC_TEST_BASE,
};
use vmgdb_gdb::{Endpoint, GdbServer, ServeOptions, ServeOutcome};
use vmgdb_hv::arch::Engine;

/// Boot the guest `args` describe; returns when it powers the machine off.
pub fn run(args: RunArgs) -> Result<(), String> {
    let ram_size = match args.memory {
        Some(0) => return Err("-m 0: the guest needs some RAM (a multiple of 64 MiB)".into()),
        Some(size) => size,
        None => DEFAULT_RAM_SIZE,
    };
    let config = machine_config(&args, ram_size).map_err(|e| e.to_string())?;
    if let Some(path) = &args.dumpdtb {
        // Build the machine without a console: only its device tree is wanted.
        let line = SerialLine::new(Capture::new(), InputQueue::new());
        let machine = Ppce500::new(config, line).map_err(|e| e.to_string())?;
        std::fs::write(path, machine.device_tree())
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        crate::say!("vmgdb: device tree written to {}", path.display());
        return Ok(());
    }
    let (console, _terminal) =
        Console::open().map_err(|e| format!("cannot open the console: {e}"))?;
    let mut machine = Ppce500::new(config, console).map_err(|e| e.to_string())?;
    if let Some(trace) = args.trace {
        machine.vcpu_mut().set_trace(trace);
    }
    let engine = match args.engine {
        EngineArg::Interp => Engine::Interp,
        EngineArg::Jit => Engine::Jit,
    };
    machine
        .vcpu_mut()
        .set_engine(engine)
        .map_err(|e| format!("--engine jit: {e}"))?;
    tracing::info!(
        machine = ?args.machine,
        cpu = %args.cpu,
        ram_mib = machine.ram_size() >> 20,
        entry = format_args!("{:#x}", machine.layout().entry),
        "booting {}",
        machine.payload().path.display()
    );
    if let Some(endpoint) = &args.gdb {
        return serve_gdb(machine, endpoint, args.wait, args.stats);
    }
    loop {
        match machine.run() {
            Event::PoweredOff => {
                stats::report(&machine, args.stats);
                return Ok(());
            }
            Event::ResetRequested(kind) => machine.handle_reset(kind),
            Event::Halted => {
                return Err(format!(
                    "the guest halted at {:#x}, waiting for an interrupt nothing can raise \
                     (no console input left, or external interrupts off)",
                    pc(&machine)
                ))
            }
            // Nothing arms debug events or kicks the vCPU without a debugger.
            Event::Debug(_) | Event::Interrupted | Event::BudgetExhausted => {}
        }
    }
}

/// The machine the options describe: payload and boot files read and checked
/// (none larger than the guest's RAM, nothing but regular files).
fn machine_config(args: &RunArgs, ram_size: u64) -> Result<Ppce500Config, ImageError> {
    let (payload, raw_kernel) = match (&args.kernel, &args.bios) {
        (Some(kernel), None) => (
            BootImage::from_file(kernel, ImageKind::Kernel, ram_size)?,
            None,
        ),
        (kernel, Some(bios)) => (
            BootImage::from_file(bios, ImageKind::Bios, ram_size)?,
            kernel.as_deref(),
        ),
        (None, None) => (demo::boot_image(), None),
    };
    let file = |path: Option<&Path>| path.map(|p| BootFile::from_file(p, ram_size)).transpose();
    Ok(Ppce500Config {
        flavor: args.cpu,
        ram_size,
        payload,
        extras: BootExtras {
            kernel: file(raw_kernel)?,
            initrd: file(args.initrd.as_deref())?,
            cmdline: args.append.clone().unwrap_or_default(),
            dtb: file(args.dtb.as_deref())?,
        },
        // As QEMU's default -rtc base=utc: the host's time at power-on; from
        // then on the clock follows the guest's virtual time.
        rtc_base: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(RTC_TEST_BASE, |d| d.as_secs() as i64),
    })
}

/// Run the machine under the GDB stub until the guest powers off, or GDB quits or
/// kills it.
fn serve_gdb(machine: Ppce500, endpoint: &Endpoint, wait: bool, stats: bool) -> Result<(), String> {
    let server =
        GdbServer::bind(endpoint).map_err(|e| format!("gdb: cannot listen on {endpoint}: {e}"))?;
    if let Endpoint::Unix(path) = server.endpoint() {
        crate::console::remove_on_fatal_signal(path);
    }
    let verb = if wait { "waiting for gdb" } else { "gdb" };
    crate::say!("vmgdb: {verb} on {}", server.endpoint());
    let mut board = Board(machine);
    let outcome = server.serve(
        &mut board,
        ServeOptions {
            wait_for_client: wait,
        },
    );
    stats::report(&board.0, stats);
    match outcome {
        Ok(ServeOutcome::PowerOff) | Ok(ServeOutcome::Quit) | Ok(ServeOutcome::Killed) => Ok(()),
        Err(e) => Err(format!("gdb: {e}")),
    }
}

fn pc(machine: &Ppce500) -> u32 {
    use vmgdb_hv::{Reg, Vcpu};
    machine.vcpu().get_reg(Reg::Pc).unwrap_or(0) as u32
}

/// Write the built-in demo guest to `path`.
pub fn write_demo(path: &Path) -> Result<(), String> {
    std::fs::write(path, demo::elf()).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}
