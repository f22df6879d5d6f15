//! Micro-benchmarks of the execution engine on the bare [`Core`] (no board, no
//! devices): guest instructions per second of three small loops, reported by
//! criterion as throughput in elements (one element = one guest instruction,
//! so `Melem/s` reads as guest MIPS).
//!
//! - `tight_loop`: `add; addi; bdnz`, the core's best case;
//! - `load_store`: a load, a store and address arithmetic per iteration, walking
//!   64 KiB of RAM (16 pages, every access a soft-TLB hit);
//! - `call_return`: a call per iteration to a function with a stack frame (`bl`,
//!   `stwu`, `mflr`, `stw`, `lwz`, `mtlr`, `blr`);
//! - `call_return_bp_in_stack`: the same with a software breakpoint planted in
//!   the stack's page (at a word the program never touches), as when GDB's
//!   breakpoint shares a page with the guest's data;
//! - `timebase_poll`: reads of TBL and TBU, as polling delay loops do.
//!
//! Criterion cannot run QEMU, so these numbers are for following the engine
//! from one change to the next; the ratios against QEMU are `scripts/bench`'s
//! job. Run: `cargo bench -p e500 --bench engine`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use e500::asm::*;
use e500::debug::HostDebug;
use e500::mmu::TlbEntry;
use e500::{Core, Flavor, NoDevices, Stop, SW_BREAKPOINT};

/// Where the programs start.
const ORIGIN: u32 = 0x1000;
/// Data the load/store loop walks, and the stack top.
const DATA: u32 = 0x10_0000;
const STACK: u32 = 0x20_0000;
/// Iterations of every loop: `ITERATIONS_HI << 16`.
const ITERATIONS_HI: u16 = 16;
const ITERATIONS: u64 = (ITERATIONS_HI as u64) << 16;

/// A loop program: its image, and the instructions one run retires up to
/// (not including) the final branch-to-self.
struct Program {
    image: Vec<u8>,
    instructions: u64,
}

/// `prologue` (which sets CTR to the iteration count), then the loop `body` of
/// `per_iteration` instructions ending in `bdnz`, then `b .`; `extra` words
/// after it (called functions).
fn program(
    prologue: &[u32],
    body: impl Fn(&mut Assembler),
    per_iteration: u64,
    extra: impl Fn(&mut Assembler),
) -> Program {
    let mut a = Assembler::new(ORIGIN);
    a.emit(prologue);
    a.emit(&[lis(5, ITERATIONS_HI), mtctr(5)]);
    a.label("loop");
    body(&mut a);
    a.bc_to(Cond::Dnz, "loop");
    a.label("end");
    a.b_to("end", false);
    extra(&mut a);
    Program {
        image: a.finish().expect("labels resolve"),
        instructions: prologue.len() as u64 + 2 + per_iteration * ITERATIONS,
    }
}

fn tight_loop() -> Program {
    program(
        &[li(3, 0), li(4, 1)],
        |a| {
            a.emit(&[add(3, 3, 4), addi(4, 4, 1)]);
        },
        3,
        |_| {},
    )
}

fn load_store() -> Program {
    program(
        &[li(3, 0), lis(4, (DATA >> 16) as u16)],
        |a| {
            a.emit(&[
                lwz(6, 0, 4),
                add(3, 3, 6),
                addi(6, 6, 1),
                stw(6, 0, 4),
                addi(4, 4, 4),
                // Stay within DATA .. DATA + 64 KiB.
                rlwinm(4, 4, 0, 16, 31),
                oris(4, 4, (DATA >> 16) as u16),
            ]);
        },
        8,
        |_| {},
    )
}

fn call_return() -> Program {
    program(
        &[li(3, 0), lis(1, (STACK >> 16) as u16)],
        |a| {
            a.b_to("function", true);
        },
        10,
        |a| {
            a.label("function");
            a.emit(&[
                stwu(1, -16, 1),
                mflr(0),
                stw(0, 20, 1),
                addi(3, 3, 1),
                lwz(0, 20, 1),
                mtlr(0),
                addi(1, 1, 16),
                blr(),
            ]);
        },
    )
}

fn timebase_poll() -> Program {
    program(
        &[li(3, 0)],
        |a| {
            a.emit(&[mfspr(6, 269), mfspr(5, 268), add(3, 3, 5)]);
        },
        4,
        |_| {},
    )
}

/// Where `call_return_bp_in_stack` plants its breakpoint: the stack's page.
const STACK_PAGE_WORD: u32 = STACK - 0x800;

/// A core with QEMU's boot mapping (64 MiB at 0) and `program` at [`ORIGIN`].
fn core_with(flavor: Flavor, program: &Program) -> Core {
    let mut core = Core::new(flavor, 64 << 20);
    core.cpu.mmu.set_tlb1(
        0,
        TlbEntry {
            mas1: 0x8000_0800,
            mas2: 0,
            mas3: 0x3F,
            mas7: 0,
        },
    );
    core.cpu
        .write_phys(ORIGIN as u64, &program.image)
        .expect("the program fits in RAM");
    core
}

/// Run the program once from the start; decoded blocks stay cached between runs.
fn run_once(core: &mut Core, program: &Program) {
    core.cpu.pc = ORIGIN;
    let start = core.icount();
    let stop = core.run(&mut NoDevices, program.instructions);
    assert_eq!(stop, Stop::Limit);
    // The engine may finish the block it is in: the branch-to-self at the end.
    assert!(core.icount() - start >= program.instructions);
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    for (name, program, breakpoint) in [
        ("tight_loop", tight_loop(), None),
        ("load_store", load_store(), None),
        ("call_return", call_return(), None),
        (
            "call_return_bp_in_stack",
            call_return(),
            Some(STACK_PAGE_WORD),
        ),
        ("timebase_poll", timebase_poll(), None),
    ] {
        for flavor in [Flavor::E500v2, Flavor::E500mc] {
            let mut core = core_with(flavor, &program);
            if let Some(at) = breakpoint {
                core.set_host_debug(Some(HostDebug {
                    sw_breakpoints: true,
                    ..Default::default()
                }));
                core.cpu
                    .plant_breakpoint(at, at as u64, SW_BREAKPOINT)
                    .expect("the word is RAM");
            }
            group.throughput(Throughput::Elements(program.instructions));
            group.bench_function(format!("{name}/{flavor}"), |b| {
                b.iter(|| run_once(&mut core, &program))
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = engine
}
criterion_main!(benches);
