//! Executes one synthetic block a few times with a given thread count and nothing else: a
//! target for `valgrind --tool=callgrind` (instruction counts, which do not drift with the
//! machine's load) when comparing the sequential and the parallel path.
//!
//! `cargo run --release -p kestrel-block --example parallel_profile -- WORKLOAD THREADS [RUNS]`
//! with WORKLOAD one of `transfers`, `erc20`, `swaps`, `mixed`. The block is built and run once
//! untimed before the counted runs, so that `callgrind_annotate` shows the runs' share under
//! `execute_block_with` (minus one run).

use kestrel_block::parallel::Stats;
use kestrel_block::synthetic::{Workload, build};
use kestrel_block::{ExecOptions, execute_block_with};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let workload = match args.next().as_deref() {
        Some("transfers") => (Workload::Transfers, 1000),
        Some("erc20") => (Workload::Erc20, 1000),
        Some("swaps") => (Workload::Swaps, 500),
        Some("mixed") => (Workload::Mixed, 900),
        other => return Err(format!("unknown workload {other:?}").into()),
    };
    let threads: usize = args.next().map_or(Ok(2), |a| a.parse())?;
    let runs: usize = args.next().map_or(Ok(3), |a| a.parse())?;
    let block = build(workload.0, workload.1)?;
    let mut db = block.db.clone();
    let options = ExecOptions { threads, ..ExecOptions::default() };
    let mut gas = 0;
    for _ in 0..=runs {
        gas += execute_block_with(&block.config, &block.parent, &block.block, &mut db, &options)?.gas_used;
    }
    let s = Stats::get();
    println!(
        "gas {gas}; validated {} redone {} coinbase {} failed {} direct {}",
        s.validated, s.invalidated, s.read_coinbase, s.failed, s.direct
    );
    Ok(())
}
