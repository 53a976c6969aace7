//! Translation time: `cargo run --release -p kestrel-bytecode --example translate_time [FILE.json...]`.
//!
//! Times `Program::translate` (and, for scale, the analysis it starts from) on the largest
//! contract of each given workload file and on synthetic 24 KiB contracts: random opcodes,
//! all JUMPDESTs (the most entries) and all PUSH1s (the most constants). Prints medians.

use std::time::Instant;

use kestrel_bytecode::Bytecode;
use kestrel_bytecode::program::Program;

/// The largest `"code": "0x…"` value in a JSON text.
fn largest_code(text: &str) -> Vec<u8> {
    let mut best = Vec::new();
    for part in text.split("\"code\"").skip(1) {
        let Some(start) = part.find("\"0x") else { continue };
        let hex: String = part[start + 3..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        let bytes: Vec<u8> =
            (0..hex.len() / 2).filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()).collect();
        if bytes.len() > best.len() {
            best = bytes;
        }
    }
    best
}

fn median_ns(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..201)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_nanos() as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn report(name: &str, code: &[u8]) {
    let analysed = Bytecode::new(code);
    // Each result is dropped only after the next one is made, as a cache keeps what it made:
    // freeing each at once leaves the heap's top free, which glibc returns to the system and
    // takes back on the next iteration (two `brk` calls and a page fault per 4 KiB touched,
    // 2-3x the translation's own time) — the allocator's cost in a loop, not translation's.
    let mut kept = Program::translate(&analysed);
    let translate = median_ns(|| {
        kept = std::hint::black_box(Program::translate(std::hint::black_box(&analysed)));
    });
    let mut kept = Bytecode::new(code);
    let analyse = median_ns(|| {
        kept = std::hint::black_box(Bytecode::new(std::hint::black_box(code)));
    });
    let program = Program::translate(&analysed).expect("short enough");
    println!(
        "{name:<28} {:>6} B  translate {:>7.1} µs  (analysis with keccak {:>7.1} µs)  {} instructions, {} entries, {} KiB",
        code.len(),
        translate / 1e3,
        analyse / 1e3,
        program.insts().len(),
        program.entries().len(),
        program.heap_bytes() / 1024
    );
}

fn main() {
    let files: Vec<String> = std::env::args().skip(1).filter(|a| a != "--files-only").collect();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable workload");
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        report(&name, &largest_code(&text));
    }
    if std::env::args().any(|a| a == "--files-only") {
        return;
    }
    let mut seed = 0x9e3779b97f4a7c15u64;
    let random: Vec<u8> = (0..24_576)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect();
    report("random 24 KiB", &random);
    report("24 KiB of JUMPDEST", &[0x5b; 24_576]);
    report("24 KiB of PUSH1", &[0x60; 24_576]);
}
