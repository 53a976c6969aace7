//! Sequential against parallel execution of synthetic blocks: Mgas/s at the median of several
//! runs, and the speed-up over the sequential path.
//!
//! `cargo run --release -p kestrel-block --example parallel_bench [ITERATIONS] [THREADS...]`
//!
//! The configurations are interleaved run by run (sequential, then each thread count, then
//! again), so that a machine whose load changes during the measurement shifts them all alike.
//! The CPU time of each run (Linux: `/proc/self/stat`, 10 ms ticks summed over the runs) shows
//! how many cores a configuration actually got. `PARALLEL_BENCH_ONLY=swaps` times one block.
//!
//! `PARALLEL_BENCH_SMALL=1` times small blocks instead (2 to 50 transactions of each workload),
//! for where the parallel path starts to pay: `ExecOptions`' automatic thread count
//! (`PARALLEL_MIN_TRANSACTIONS`) comes from this measurement.

use std::time::Instant;

use kestrel_block::parallel::Stats;
use kestrel_block::synthetic::{Workload, build};
use kestrel_block::{ExecOptions, execute_block_with};

/// The process's user + system CPU time in clock ticks (0 where `/proc` is not there).
fn cpu_ticks() -> u64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0 };
    let Some((_, rest)) = stat.rsplit_once(')') else { return 0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
    let tick = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    tick(14) + tick(15)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().map_or(Ok(11), |a| a.parse())?;
    let mut threads: Vec<usize> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
    if threads.is_empty() {
        threads = vec![2, 4];
    }
    let mut configs = vec![1];
    configs.extend(&threads);
    if std::env::var_os("PARALLEL_BENCH_SMALL").is_some() {
        return small_blocks(iterations, &configs);
    }
    println!(
        "| block | gas | threads | Mgas/s (median) | ratio | best-run ratio | CPU ms/run | cores used | validated / redone / coinbase / direct |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (name, workload, n) in [
        ("1,000 ETH transfers", Workload::Transfers, 1000),
        ("1,000 ERC-20 transfers", Workload::Erc20, 1000),
        ("500 swaps on one pair", Workload::Swaps, 500),
        ("900 mixed", Workload::Mixed, 900),
    ] {
        if std::env::var("PARALLEL_BENCH_ONLY").is_ok_and(|only| !name.contains(only.as_str())) {
            continue;
        }
        let block = build(workload, n)?;
        let mut db = block.db.clone();
        let mut times = vec![Vec::new(); configs.len()];
        let mut ticks = vec![0u64; configs.len()];
        let mut stats = vec![Stats::default(); configs.len()];
        let mut gas = 0;
        // One untimed round warms the code caches.
        for round in 0..=iterations {
            for (c, &t) in configs.iter().enumerate() {
                let options = ExecOptions { threads: t, ..ExecOptions::default() };
                let before = Stats::get();
                let (cpu, start) = (cpu_ticks(), Instant::now());
                let outcome =
                    execute_block_with(&block.config, &block.parent, &block.block, &mut db, &options)?;
                let elapsed = start.elapsed().as_nanos() as u64;
                let cpu = cpu_ticks() - cpu;
                if round > 0 {
                    times[c].push(elapsed);
                    ticks[c] += cpu;
                    let after = Stats::get();
                    stats[c].validated += after.validated - before.validated;
                    stats[c].invalidated += after.invalidated - before.invalidated;
                    stats[c].read_coinbase += after.read_coinbase - before.read_coinbase;
                    stats[c].direct += after.direct - before.direct;
                }
                gas = outcome.gas_used;
            }
        }
        let median = |v: &mut Vec<u64>| {
            v.sort_unstable();
            v[v.len() / 2].max(1)
        };
        let sequential = median(&mut times[0]);
        // The fastest run of each: on a loaded machine, the closest to having the cores free.
        let best_sequential = times[0][0].max(1);
        for (c, &t) in configs.iter().enumerate() {
            let m = median(&mut times[c]);
            let best = times[c][0].max(1);
            let wall_ms: f64 = times[c].iter().sum::<u64>() as f64 / 1e6;
            let cpu_ms = ticks[c] as f64 * 10.0;
            let s = stats[c];
            println!(
                "| {name} | {gas} | {} | {:.0} | {:.2}x | {:.2}x | {:.1} | {:.2} | {} / {} / {} / {} |",
                if t == 1 { "sequential".to_owned() } else { t.to_string() },
                gas as f64 * 1e3 / m as f64,
                sequential as f64 / m as f64,
                best_sequential as f64 / best as f64,
                cpu_ms / iterations as f64,
                cpu_ms / wall_ms,
                s.validated,
                s.invalidated,
                s.read_coinbase,
                s.direct
            );
        }
    }
    Ok(())
}

/// Small blocks: the median wall time of each configuration and its ratio to sequential.
fn small_blocks(iterations: usize, configs: &[usize]) -> Result<(), Box<dyn std::error::Error>> {
    print!("| block | transactions |");
    for &t in configs {
        print!(" {} µs |", if t == 1 { "sequential".to_owned() } else { format!("{t} threads") });
    }
    for &t in &configs[1..] {
        print!(" {t} threads ratio (median) | (best run) |");
    }
    println!();
    println!("|---|---:|{}", "---:|".repeat(3 * configs.len() - 2));
    for (name, workload) in [
        ("ETH transfers", Workload::Transfers),
        ("ERC-20 transfers", Workload::Erc20),
        ("swaps", Workload::Swaps),
    ] {
        for n in [2, 5, 10, 20, 50] {
            let block = build(workload, n)?;
            let options: Vec<ExecOptions> =
                configs.iter().map(|&t| ExecOptions { threads: t, ..ExecOptions::default() }).collect();
            let timed = kestrel_block::synthetic::measure_interleaved(&block, &options, iterations as u32)?;
            print!("| {name} | {n} |");
            for m in &timed {
                print!(" {:.1} |", m.median_ns as f64 / 1e3);
            }
            let best = |m: &kestrel_block::synthetic::Measurement| {
                m.times_ns.iter().copied().min().unwrap_or(1).max(1)
            };
            for m in &timed[1..] {
                print!(
                    " {:.2}x | {:.2}x |",
                    timed[0].median_ns as f64 / m.median_ns as f64,
                    best(&timed[0]) as f64 / best(m) as f64
                );
            }
            println!();
        }
    }
    Ok(())
}
