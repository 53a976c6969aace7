//! `kestrel bench`: times one transaction per state test.
//!
//! For each test: build the pre-state once, run the chosen fork's first post entry once with
//! commit (on a copy) to check the root, then run it `iterations` more times on one reused `Evm` from the same
//! pre-state without committing, and print one JSON line
//! `{"name","fork","gas_used","iterations","median_ns","min_ns","root_ok"}`.
//! Tests are run one after another so that timings do not compete for cores.
//!
//! A bench run checks as it times: a test whose checked run does not match its expectations
//! (`root_ok: false`), a broken fixture, and a run that measured nothing all fail it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use kestrel::host::ExecutionMode;
use kestrel::primitives::SpecId;
use serde::Serialize;

use crate::statetest::exec::{ExecError, ExecOutcome, build_db, evm_for, execute, finish_block, run_on};
use crate::statetest::root::db_state_root;
use crate::statetest::{Case, FileCases, FileList, LoadedCase, collect_files, load_file};

/// The most timed runs per test: every run's time is kept for the median, so the count bounds
/// the memory a test takes (8 bytes a run).
pub const MAX_ITERATIONS: u32 = 1 << 20;

/// Benchmark settings.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Timed runs per test (after the one checked run), 1 to [`MAX_ITERATIONS`].
    pub iterations: u32,
    /// The fork to run; `None` picks the newest fork of each test.
    pub fork: Option<SpecId>,
    /// The execution tier.
    pub mode: ExecutionMode,
}

/// One output line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BenchRecord {
    /// Test name.
    pub name: String,
    /// Fork run, as the file spells it.
    pub fork: String,
    /// Gas used by the transaction (0 when it was rejected).
    pub gas_used: u64,
    /// Timed runs.
    pub iterations: u32,
    /// Median wall time of one timed run.
    pub median_ns: u64,
    /// Fastest timed run.
    pub min_ns: u64,
    /// Whether the checked run matched the expected root, logs and exception.
    pub root_ok: bool,
}

/// Counts of a bench run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BenchSummary {
    /// Tests benchmarked (one line each).
    pub measured: usize,
    /// Measured tests whose checked run did not match the expected root, logs or exception
    /// (`root_ok: false`): their timings are of a wrong execution.
    pub mismatched: usize,
    /// Tests (or files) that could not be run, each reported on the error writer.
    pub errors: usize,
    /// Well-formed tests without a case for the requested fork.
    pub skipped: usize,
}

impl BenchSummary {
    /// True when the run measured something and everything it measured was right.
    pub fn success(&self) -> bool {
        self.measured > 0 && self.mismatched == 0 && self.errors == 0
    }
}

/// Picks, per test, the first post entry of the requested fork (or of the test's newest
/// fork); also returns the fixture errors met, one line each.
pub fn pick_cases(cases: Vec<LoadedCase>, fork: Option<SpecId>) -> (Vec<Case>, Vec<String>) {
    let mut by_test: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    let mut problems = Vec::new();
    for case in cases {
        match case {
            LoadedCase::Ready(c) => by_test.entry(c.id.test.to_string()).or_default().push(*c),
            LoadedCase::Broken { id, error } => problems.push(format!("{id}: {error}")),
            LoadedCase::TxUndecodable { .. } | LoadedCase::Skipped { .. } => {}
        }
    }
    let picked = by_test
        .into_values()
        .filter_map(|cases| {
            let spec = fork.or_else(|| cases.iter().map(|c| c.spec).max())?;
            cases.into_iter().find(|c| c.spec == spec && c.id.index == 0)
        })
        .collect();
    (picked, problems)
}

/// Whether a committed outcome matches the case's expectations.
fn check(
    case: &Case,
    result: &Result<ExecOutcome, ExecError>,
    root: kestrel::primitives::B256,
) -> Result<bool, ExecError> {
    let e = &case.expected;
    match result {
        Ok(out) => Ok(e.exception.is_none() && root == e.state_root && out.logs_hash == e.logs_hash),
        Err(ExecError::Rejected(_)) => Ok(e.exception.is_some() && root == e.state_root),
        Err(err) => Err(err.clone()),
    }
}

fn bench_case(case: &Case, iterations: u32, mode: ExecutionMode) -> Result<BenchRecord, ExecError> {
    let pre = build_db(case);
    let mut checked = pre.clone();
    let first = execute(case, &mut checked, mode);
    finish_block(&case.finish, &mut checked);
    let root_ok = check(case, &first, db_state_root(&checked))?;
    let gas_used = first.map_or(0, |o| o.gas_used);
    let mut db = pre;
    // One Evm for every iteration, as an embedding node keeps one: its buffers, stacks and
    // journal cache are reused from run to run.
    let mut evm = evm_for(case, &mut db, mode);
    // `iterations` is at most MAX_ITERATIONS (checked by `bench_paths`).
    let mut times = Vec::with_capacity(iterations.min(MAX_ITERATIONS) as usize);
    for _ in 0..iterations {
        let tx = case.tx.clone();
        let start = Instant::now();
        let run = run_on(&mut evm, tx, false);
        let elapsed = start.elapsed();
        match run {
            Ok(_) | Err(ExecError::Rejected(_)) => {}
            Err(e) => return Err(e),
        }
        times.push(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
    }
    times.sort_unstable();
    Ok(BenchRecord {
        name: case.id.test.to_string(),
        fork: case.id.fork.clone(),
        gas_used,
        iterations,
        median_ns: times.get(times.len() / 2).copied().unwrap_or(0),
        min_ns: times.first().copied().unwrap_or(0),
        root_ok,
    })
}

/// Benchmarks every test under `paths`, writing JSON lines to `out` and problems to `err`.
/// An `iterations` outside 1..=[`MAX_ITERATIONS`] is an `InvalidInput` error.
pub fn bench_paths(
    paths: &[PathBuf],
    opts: &BenchOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<BenchSummary> {
    if !(1..=MAX_ITERATIONS).contains(&opts.iterations) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("--iterations {} is not in 1..={MAX_ITERATIONS}", opts.iterations),
        ));
    }
    let mut summary = BenchSummary::default();
    let FileList { files, errors: walk_errors, skipped: skipped_files } = collect_files(paths);
    for (path, e) in walk_errors {
        writeln!(err, "bench: {}: {e}", path.display())?;
        summary.errors += 1;
    }
    for (path, note) in skipped_files {
        writeln!(err, "bench: skipped file {}: {note}", path.display())?;
    }
    for file in files {
        let FileCases::Cases(cases) = load_file(&file) else { continue };
        // A test with a broken entry is counted once, as an error; only well-formed tests
        // without a case to run are skipped.
        let broken: BTreeSet<_> = cases
            .iter()
            .filter(|c| matches!(c, LoadedCase::Broken { .. }))
            .map(|c| c.id().test.clone())
            .collect();
        let tests: BTreeSet<_> = cases.iter().map(|c| c.id().test.clone()).collect();
        let (picked, problems) = pick_cases(cases, opts.fork);
        for p in problems {
            writeln!(err, "bench: {p}")?;
            summary.errors += 1;
        }
        let picked_tests: BTreeSet<_> = picked.iter().map(|c| c.id.test.clone()).collect();
        summary.skipped +=
            tests.iter().filter(|t| !broken.contains(*t) && !picked_tests.contains(*t)).count();
        for case in picked {
            match bench_case(&case, opts.iterations, opts.mode) {
                Ok(record) => {
                    serde_json::to_writer(&mut *out, &record)?;
                    writeln!(out)?;
                    summary.measured += 1;
                    if !record.root_ok {
                        writeln!(err, "bench: {}: the checked run does not match the fixture", case.id)?;
                        summary.mismatched += 1;
                    }
                }
                Err(e) => {
                    writeln!(err, "bench: {}: {e}", case.id)?;
                    summary.errors += 1;
                }
            }
        }
    }
    out.flush()?;
    Ok(summary)
}
