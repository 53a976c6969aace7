//! Sequential against parallel execution of synthetic blocks: Mgas/s at the median of several
//! runs, and the speed-up over the sequential path.
//!
//! `cargo run --release -p kestrel-block --example parallel_bench [ITERATIONS] [THREADS...]`
//! (`THREADS` 1 runs the sequential path again: the noise of the machine.)

use kestrel_block::ExecOptions;
use kestrel_block::parallel::Stats;
use kestrel_block::synthetic::{Workload, build, measure};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let iterations: u32 = args.next().map_or(Ok(11), |a| a.parse())?;
    let mut threads: Vec<usize> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
    if threads.is_empty() {
        threads = vec![2, 4];
    }
    println!(
        "| block | gas | sequential Mgas/s | threads | parallel Mgas/s | ratio | validated / redone / coinbase / direct |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|");
    for (name, workload, n) in [
        ("1,000 ETH transfers", Workload::Transfers, 1000),
        ("1,000 ERC-20 transfers", Workload::Erc20, 1000),
        ("500 swaps on one pair", Workload::Swaps, 500),
        ("900 mixed", Workload::Mixed, 900),
    ] {
        // PARALLEL_BENCH_ONLY=erc20 (a part of the name) times one block only.
        if std::env::var("PARALLEL_BENCH_ONLY").is_ok_and(|only| !name.contains(only.as_str())) {
            continue;
        }
        let block = build(workload, n)?;
        let sequential = measure(&block, &ExecOptions::default(), iterations)?;
        for &t in &threads {
            Stats::reset();
            let parallel =
                measure(&block, &ExecOptions { threads: t, ..ExecOptions::default() }, iterations)?;
            let s = Stats::get();
            println!(
                "| {name} | {} | {:.0} | {t} | {:.0} | {:.2}x | {} / {} / {} / {} |",
                sequential.gas_used,
                sequential.mgas_per_s,
                parallel.mgas_per_s,
                parallel.mgas_per_s / sequential.mgas_per_s,
                s.validated,
                s.invalidated,
                s.read_coinbase,
                s.direct
            );
        }
    }
    Ok(())
}
