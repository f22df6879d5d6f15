//! Guest MIPS of the tight loop `add; addi; bdnz` on the bare core.
//! Usage: `mips [ITERATIONS_IN_64K_UNITS]`.

use e500::asm::*;
use e500::mmu::TlbEntry;
use e500::{Core, Flavor, NoDevices};

fn main() {
    let iters: u16 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0x4000);
    let prog = [
        li(3, 0),
        li(5, 1),
        lis(4, iters),
        mtctr(4),
        add(3, 3, 5),
        addi(5, 5, 1),
        bc(16, 0, -8),
        b(0),
    ];
    let mut core = Core::new(Flavor::E500v2, 64 << 20);
    core.cpu.mmu.set_tlb1(
        0,
        TlbEntry {
            mas1: 0x8000_0800,
            mas2: 0,
            mas3: 0x3F,
            mas7: 0,
        },
    );
    let bytes: Vec<u8> = prog.iter().flat_map(|w| w.to_be_bytes()).collect();
    core.cpu.write_phys(0x1000, &bytes).unwrap();
    core.cpu.pc = 0x1000;
    let t = std::time::Instant::now();
    core.run(&mut NoDevices, 3 * ((iters as u64) << 16) + 4);
    let dt = t.elapsed().as_secs_f64();
    println!(
        "{} insns in {:.3}s = {:.0} MIPS",
        core.icount(),
        dt,
        core.icount() as f64 / dt / 1e6
    );
}
