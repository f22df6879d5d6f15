//! A minimal machine served to GDB, for the stub's end-to-end tests (and for
//! trying the stub by hand): one e500 vCPU, 64 MiB of RAM, a UART transmit
//! register at physical 0xF_E000_4500 copied to stdout, and the GPIO power-off
//! pin at 0xF_E00F_F008. The guest is an ELF loaded the way QEMU's ppce500 loads
//! a `-kernel` ELF: segments at their physical addresses, PC at the entry, TLB1[0]
//! mapping 64 MiB at 0.
//!
//! ```text
//! test_machine --cpu e500v2|e500mc --listen ENDPOINT [--wait] ELF
//! ```
//! Prints `listening on ENDPOINT` on stderr once bound; the stub's log goes to
//! stderr too (`RUST_LOG`, default `warn`). Exit status: 0 after power-off, 3
//! after `monitor quit`, 4 after `kill`.

use e500::{Bus, BusAction, Flavor};
use object::read::elf::{ElfFile32, ProgramHeader};
use object::{BigEndian, Object};
use std::io::Write;
use std::sync::Arc;
use vmgdb_gdb::{Endpoint, GdbServer, Kick, Machine, MachineEvent, ServeOptions, ServeOutcome};
use vmgdb_hv::{E500Vcpu, Exit, Reg, Vcpu};

const RAM: usize = 64 << 20;
const UART_THR: u64 = 0xF_E000_4500;
const UART_LSR: u64 = 0xF_E000_4505;
const GPIO_DAT: u64 = 0xF_E00F_F008;

/// The devices: a write-only UART and the power-off pin.
#[derive(Default)]
struct TestBus {
    powered_off: bool,
}

impl Bus for TestBus {
    fn read(&mut self, pa: u64, _size: u8) -> u32 {
        match pa {
            UART_LSR => 0x60, // transmitter empty
            _ => 0,
        }
    }

    fn write(&mut self, pa: u64, _size: u8, value: u32) -> BusAction {
        match pa {
            UART_THR => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(&[value as u8]);
                let _ = out.flush();
                BusAction::Continue
            }
            GPIO_DAT if value & 0x8000_0000 != 0 => {
                self.powered_off = true;
                BusAction::Exit
            }
            _ => BusAction::Continue,
        }
    }
}

/// A loadable segment: physical address, bytes in the file, bytes in memory.
struct Segment {
    paddr: u64,
    data: Vec<u8>,
    memsz: u64,
}

struct TestMachine {
    vcpu: E500Vcpu,
    bus: TestBus,
    segments: Vec<Segment>,
    entry: u32,
}

impl TestMachine {
    fn new(flavor: Flavor, elf: &[u8]) -> Result<TestMachine, String> {
        let file = ElfFile32::<BigEndian>::parse(elf).map_err(|e| format!("bad ELF: {e}"))?;
        let endian = file.endian();
        let mut segments = Vec::new();
        for ph in file.elf_program_headers() {
            if ph.p_type(endian) != object::elf::PT_LOAD {
                continue;
            }
            let data = ph
                .data(endian, elf)
                .map_err(|()| "segment outside the file".to_string())?;
            segments.push(Segment {
                paddr: ph.p_paddr(endian) as u64,
                data: data.to_vec(),
                memsz: ph.p_memsz(endian) as u64,
            });
        }
        let mut m = TestMachine {
            vcpu: E500Vcpu::new(flavor, RAM),
            bus: TestBus::default(),
            segments,
            entry: file.entry() as u32,
        };
        m.load()?;
        Ok(m)
    }

    /// Put the image in RAM and the CPU in QEMU's `-kernel` entry state.
    fn load(&mut self) -> Result<(), String> {
        for s in &self.segments {
            let mut bytes = s.data.clone();
            bytes.resize(s.memsz.max(s.data.len() as u64) as usize, 0);
            self.vcpu
                .write_phys(s.paddr, &bytes)
                .map_err(|e| format!("loading at {:#x}: {e}", s.paddr))?;
        }
        self.vcpu.set_tlb1_entry(0, 0x8000_0800, 0, 0x3F, 0);
        let regs = [
            (Reg::Pc, self.entry as u64),
            (Reg::Gpr(1), 0x00FF_FFF8),
            (Reg::Gpr(6), 0x4550_4150),
            (Reg::Gpr(7), RAM as u64),
        ];
        for (reg, value) in regs {
            self.vcpu.set_reg(reg, value).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

impl Machine for TestMachine {
    type Vcpu = E500Vcpu;

    fn vcpu(&mut self) -> &mut E500Vcpu {
        &mut self.vcpu
    }

    fn run(&mut self, budget: u64) -> MachineEvent {
        loop {
            if self.bus.powered_off {
                return MachineEvent::PowerOff;
            }
            match self.vcpu.run_for(&mut self.bus, budget) {
                Exit::Debug(d) => return MachineEvent::Debug(d),
                Exit::Halted => return MachineEvent::Halted,
                Exit::Interrupted => return MachineEvent::Interrupted,
                Exit::Budget => return MachineEvent::Budget,
                Exit::Device => continue,
                Exit::Reset(_) => self.reset(),
            }
        }
    }

    fn reset(&mut self) {
        self.vcpu.reset();
        self.bus = TestBus::default();
        if let Err(e) = self.load() {
            eprintln!("test_machine: reset: {e}");
        }
    }

    fn kicker(&self) -> Arc<dyn Kick> {
        self.vcpu.kick_handle()
    }

    fn monitor(&mut self, cmd: &str, out: &mut String) -> bool {
        if cmd.trim() == "instructions" {
            out.push_str(&format!("{}\n", self.vcpu.instructions()));
            return true;
        }
        false
    }

    fn monitor_help(&self, out: &mut String) {
        out.push_str("  instructions         instructions retired so far (test machine)\n");
    }
}

fn usage() -> ! {
    eprintln!("usage: test_machine --cpu e500v2|e500mc --listen ENDPOINT [--wait] ELF");
    std::process::exit(2)
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut flavor = Flavor::E500v2;
    let mut listen: Option<Endpoint> = None;
    let mut wait = false;
    let mut elf = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--cpu" => {
                flavor = args
                    .next()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--listen" => listen = args.next().and_then(|e| e.parse().ok()),
            "--wait" => wait = true,
            path if !path.starts_with("--") => elf = Some(path.to_string()),
            _ => usage(),
        }
    }
    let (Some(listen), Some(elf)) = (listen, elf) else {
        usage()
    };
    let image = std::fs::read(&elf).unwrap_or_else(|e| {
        eprintln!("test_machine: {elf}: {e}");
        std::process::exit(2)
    });
    let mut machine = TestMachine::new(flavor, &image).unwrap_or_else(|e| {
        eprintln!("test_machine: {e}");
        std::process::exit(2)
    });
    let server = GdbServer::bind(&listen).unwrap_or_else(|e| {
        eprintln!("test_machine: cannot listen on {listen}: {e}");
        std::process::exit(2)
    });
    eprintln!("listening on {}", server.endpoint());
    let outcome = server.serve(
        &mut machine,
        ServeOptions {
            wait_for_client: wait,
        },
    );
    eprintln!("test_machine: {outcome:?}");
    std::process::exit(match outcome {
        Ok(ServeOutcome::PowerOff) => 0,
        Ok(ServeOutcome::Quit) => 3,
        Ok(ServeOutcome::Killed) => 4,
        Err(_) => 1,
    })
}
