//! `kestrel blocktest --bench`: times block execution per blockchain test.
//!
//! For each test: genesis, then every block but the last imported with commit; the last block
//! is executed `iterations` times on that state without commit (each run a fresh `Evm` over the
//! same pre-state, as a node re-executing a block would), then once more with commit to check
//! the post-state and last block hash. One JSON line per test:
//! `{"name","gas_used","iterations","median_ns","mgas_per_s","state_ok"}`. Tests run one
//! after another so that timings do not compete for cores.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use kestrel::block::{Block, ExecOptions, execute_block_with};
use serde::Serialize;

use super::run::{Chain, LoadedTest, load_blocktest};
use crate::statetest::collect_files;

/// One output line.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct BlockBenchRecord {
    /// Test name.
    pub name: String,
    /// Gas used by the timed block.
    pub gas_used: u64,
    /// Timed runs.
    pub iterations: u32,
    /// Median wall time of one run.
    pub median_ns: u64,
    /// Gas per second at the median, in millions.
    pub mgas_per_s: f64,
    /// Whether the post-state root and last block hash matched.
    pub state_ok: bool,
}

/// Counts of a bench run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockBenchSummary {
    /// Tests timed.
    pub measured: usize,
    /// Tests whose state did not match, or that failed to run.
    pub failed: usize,
    /// Tests not run (unknown network, no blocks).
    pub skipped: usize,
}

/// Times every test under `paths` whose name contains `name` (when given).
pub fn bench_blocktests(
    paths: &[PathBuf],
    name: Option<&str>,
    iterations: u32,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<BlockBenchSummary> {
    bench_blocktests_with(paths, name, iterations, 1, out, err)
}

/// [`bench_blocktests`] with the timed block's transactions executed on `threads` threads
/// (1: sequentially; see [`ExecOptions::threads`]). The setup blocks run with the default options.
pub fn bench_blocktests_with(
    paths: &[PathBuf],
    name: Option<&str>,
    iterations: u32,
    threads: usize,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<BlockBenchSummary> {
    let timed = ExecOptions { threads, ..ExecOptions::default() };
    let mut summary = BlockBenchSummary::default();
    let list = collect_files(paths);
    for (path, e) in &list.errors {
        writeln!(err, "{}: {e}", path.display())?;
        summary.failed += 1;
    }
    for file in &list.files {
        let Some(tests) = load_blocktest(file) else { continue };
        for t in tests {
            let test = match t {
                LoadedTest::Ready(t) => t,
                LoadedTest::Skipped(id, why) => {
                    writeln!(err, "skipped {id}: {why}")?;
                    summary.skipped += 1;
                    continue;
                }
                LoadedTest::Broken(id, e) => {
                    writeln!(err, "{id}: {e}")?;
                    summary.failed += 1;
                    continue;
                }
            };
            if name.is_some_and(|n| !test.id.test.contains(n)) {
                continue;
            }
            let Some(((last, _), setup)) = test.blocks.split_last() else {
                summary.skipped += 1;
                continue;
            };
            let run = || -> Result<BlockBenchRecord, String> {
                let mut chain = Chain::genesis(&test).map_err(|m| m.to_string())?;
                for (rlp, _) in setup {
                    chain.import(&test.config, rlp, &ExecOptions::default())?;
                }
                let block = Block::decode(last).map_err(|e| e.to_string())?;
                let parent = chain.headers.last().cloned().unwrap_or_else(|| test.genesis.clone());
                let mut times = Vec::with_capacity(iterations as usize);
                let mut gas_used = 0;
                for _ in 0..iterations {
                    let start = Instant::now();
                    let outcome = execute_block_with(&test.config, &parent, &block, &mut chain.db, &timed)
                        .map_err(|e| e.to_string())?;
                    times.push(start.elapsed().as_nanos() as u64);
                    gas_used = outcome.gas_used;
                }
                times.sort_unstable();
                let median_ns = times[times.len() / 2].max(1);
                chain.import(&test.config, last, &ExecOptions::default())?;
                let state_ok = chain.db.state_root() == test.post_root
                    && chain.headers.last().map(|h| h.hash) == Some(test.last_block_hash);
                Ok(BlockBenchRecord {
                    name: test.id.test.to_string(),
                    gas_used,
                    iterations,
                    median_ns,
                    mgas_per_s: gas_used as f64 * 1e3 / median_ns as f64,
                    state_ok,
                })
            };
            match run() {
                Ok(record) => {
                    summary.measured += 1;
                    summary.failed += usize::from(!record.state_ok);
                    serde_json::to_writer(&mut *out, &record).map_err(std::io::Error::other)?;
                    writeln!(out)?;
                }
                Err(e) => {
                    writeln!(err, "{}: {e}", test.id)?;
                    summary.failed += 1;
                }
            }
        }
    }
    Ok(summary)
}
