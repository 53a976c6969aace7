//! `kbench --blocks`: the worst-case benchmark blocks' archive, and the synthetic blocks timed
//! sequentially and in parallel.
//!
//! The archive (`$KESTREL_BENCH_BLOCKS`, by default
//! `../shared/bench/blockchain/benchmark-osaka.tar.gz` beside the repository) is unpacked once
//! into `bench/blocks/` of the target directory; its tests are checked and timed on Kestrel and
//! on revm by [`crate::revm_blocks`].

use std::path::{Path, PathBuf};
use std::process::Command;

/// The benchmark-block archive.
pub fn archive() -> Result<PathBuf, String> {
    let path = std::env::var_os("KESTREL_BENCH_BLOCKS").map_or_else(
        || {
            std::path::PathBuf::from(
                std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
            )
            .join("../../shared/bench/blockchain/benchmark-osaka.tar.gz")
        },
        PathBuf::from,
    );
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "benchmark blocks not found at {} (set KESTREL_BENCH_BLOCKS to the .tar.gz)",
            path.display()
        ))
    }
}

/// Unpacks `archive` into `dir` unless a stamp of this archive's size is already there.
pub fn unpack(archive: &Path, dir: &Path) -> Result<(), String> {
    let size = std::fs::metadata(archive).map_err(|e| format!("{}: {e}", archive.display()))?.len();
    let stamp = dir.join(format!(".unpacked-{size}"));
    if stamp.exists() {
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(dir)
        .status()
        .map_err(|e| format!("running tar: {e}"))?;
    if !status.success() {
        return Err(format!("tar -xzf {} failed: {status}", archive.display()));
    }
    std::fs::write(&stamp, b"").map_err(|e| format!("{}: {e}", stamp.display()))
}

/// One synthetic block timed sequentially and with more threads.
pub struct ParallelRow {
    /// The block.
    pub name: &'static str,
    /// Gas it used.
    pub gas_used: u64,
    /// Sequential Mgas/s (median).
    pub sequential: f64,
    /// Threads and Mgas/s (median) with them.
    pub parallel: Vec<(usize, f64)>,
}

/// Times the synthetic blocks of `kestrel_block::synthetic` (1,000 ETH transfers, 1,000
/// ERC-20 transfers between distinct holders, 500 swaps on one pair, a mixed block)
/// sequentially and with each of `threads`, `iterations` runs each interleaved (medians).
pub fn parallel(threads: &[usize], iterations: u32) -> Result<Vec<ParallelRow>, String> {
    use kestrel_block::ExecOptions;
    use kestrel_block::synthetic::{Workload, build, measure_interleaved};
    let mut rows = Vec::new();
    for (name, workload, n) in [
        ("1,000 ETH transfers", Workload::Transfers, 1000),
        ("1,000 ERC-20 transfers", Workload::Erc20, 1000),
        ("500 swaps on one pair", Workload::Swaps, 500),
        ("900 mixed", Workload::Mixed, 900),
    ] {
        let block = build(workload, n).map_err(|e| format!("{name}: {e}"))?;
        // Interleaved run by run, so that a changing machine load shifts every column alike.
        let mut configurations = vec![ExecOptions { threads: 1, ..ExecOptions::default() }];
        configurations.extend(threads.iter().map(|&t| ExecOptions { threads: t, ..ExecOptions::default() }));
        let timed =
            measure_interleaved(&block, &configurations, iterations).map_err(|e| format!("{name}: {e}"))?;
        let sequential = &timed[0];
        let parallel = threads.iter().zip(&timed[1..]).map(|(&t, m)| (t, m.mgas_per_s)).collect();
        rows.push(ParallelRow {
            name,
            gas_used: sequential.gas_used,
            sequential: sequential.mgas_per_s,
            parallel,
        });
    }
    Ok(rows)
}

/// The parallel rows as a Markdown section.
pub fn parallel_markdown(rows: &[ParallelRow], iterations: u32) -> String {
    let mut s = format!(
        "## Parallel block execution (synthetic blocks)\n\nMedian of {iterations} executions (no commit) of each \
         block at 1 thread (the sequential path) and more; the ratio is over the sequential path's Mgas/s. \
         Model: the committer's serial work per transaction and the block's serial end (the state root) \
         bound the speed-up, and workers add throughput only while cores are free, so threads beyond the \
         cores (4 on a 2-core machine: a note of scaling) should cost little and gain nothing.\n\n\
         | block | gas used | 1 thread Mgas/s |"
    );
    let threads: Vec<usize> =
        rows.first().map(|r| r.parallel.iter().map(|p| p.0).collect()).unwrap_or_default();
    for t in &threads {
        s.push_str(&format!(" {t} threads Mgas/s | ratio |"));
    }
    s.push_str("\n|---|---:|---:|");
    for _ in &threads {
        s.push_str("---:|---:|");
    }
    s.push('\n');
    for r in rows {
        s.push_str(&format!("| {} | {} | {:.0} |", r.name, r.gas_used, r.sequential));
        for (_, mgas) in &r.parallel {
            s.push_str(&format!(" {mgas:.0} | {:.2}x |", mgas / r.sequential));
        }
        s.push('\n');
    }
    s
}
