//! Running many cases on several threads: progress, divergence reports and reproducers, and
//! the final summary.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kestrel::primitives::SpecId;
use kestrel_cli::statetest::{FileCases, LoadedCase, load_file};

use crate::exec::{Class, Outcome, run_kestrel, run_revm};
use crate::features::{Feature, PRECOMPILES};
use crate::generator::{FORKS, GenCase, generate};
use crate::{CaseReport, Ending, TIERS, check, compare, facts, json};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The campaign seed.
    pub seed: u64,
    /// The first case index.
    pub start: u64,
    /// How many cases.
    pub cases: u64,
    /// Worker threads.
    pub threads: usize,
    /// Where reproducers go.
    pub out: PathBuf,
    /// At most this many reproducers are written (every divergence is still counted and
    /// printed).
    pub max_saved: usize,
    /// Seconds between progress lines (0: none).
    pub progress_every: u64,
}

/// Counts for one row of the summary.
#[derive(Clone, Copy, Debug, Default)]
pub struct Row {
    /// Cases.
    pub cases: u64,
    /// Cases revm rejected.
    pub rejected: u64,
    /// Cases that succeeded.
    pub success: u64,
    /// Cases that reverted.
    pub revert: u64,
    /// Cases that halted.
    pub halt: u64,
    /// Cases matching a pattern of `EXCLUDED.md` (compared between Kestrel's tiers only).
    pub excluded: u64,
    /// Cases on which at least one tier diverged.
    pub divergent: u64,
}

impl Row {
    fn add(&mut self, ending: Ending, divergent: bool) {
        self.cases += 1;
        match ending {
            Ending::Rejected => self.rejected += 1,
            Ending::Success => self.success += 1,
            Ending::Revert => self.revert += 1,
            Ending::Halt => self.halt += 1,
            Ending::Error => {}
            Ending::Excluded => self.excluded += 1,
        }
        self.divergent += u64::from(divergent);
    }

    fn merge(&mut self, o: &Row) {
        self.cases += o.cases;
        self.rejected += o.rejected;
        self.success += o.success;
        self.revert += o.revert;
        self.halt += o.halt;
        self.excluded += o.excluded;
        self.divergent += o.divergent;
    }
}

/// The whole campaign's counts.
#[derive(Clone, Debug)]
pub struct Summary {
    /// All cases.
    pub total: Row,
    /// By fork (indexed by `SpecId::index`).
    pub forks: Vec<Row>,
    /// By feature (indexed like `Feature::ALL`).
    pub features: Vec<Row>,
    /// By precompile (indexed like `PRECOMPILES`).
    pub precompiles: Vec<Row>,
    /// By transaction type 0..=4.
    pub types: Vec<Row>,
    /// Divergent cases per tier (interpreter, compiled).
    pub tier_divergent: [u64; 2],
    /// Cases both rejected for reasons without a common name (informational).
    pub rejection_reason_differs: u64,
    /// revm's rejection reasons (the variant's name) and how often each came up.
    pub rejection_reasons: std::collections::BTreeMap<String, u64>,
    /// revm's halt reasons of the transaction's outermost frame, and how often each came up.
    pub halt_reasons: std::collections::BTreeMap<String, u64>,
    /// Reproducers written.
    pub saved: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Worker threads that panicked (their cases are missing from the counts).
    pub worker_failures: usize,
}

impl Summary {
    fn new() -> Self {
        Summary {
            total: Row::default(),
            forks: vec![Row::default(); SpecId::COUNT],
            features: vec![Row::default(); Feature::ALL.len()],
            precompiles: vec![Row::default(); PRECOMPILES.len()],
            types: vec![Row::default(); 5],
            tier_divergent: [0; 2],
            rejection_reason_differs: 0,
            rejection_reasons: Default::default(),
            halt_reasons: Default::default(),
            saved: 0,
            elapsed: Duration::ZERO,
            worker_failures: 0,
        }
    }

    fn record(&mut self, g: &GenCase, r: &CaseReport) {
        let divergent = !r.divergences.is_empty();
        self.total.add(r.ending, divergent);
        self.forks[g.spec.index()].add(r.ending, divergent);
        for f in g.features.iter() {
            self.features[f as usize].add(r.ending, divergent);
        }
        for (i, row) in self.precompiles.iter_mut().enumerate() {
            if g.precompiles.has_index(i) {
                row.add(r.ending, divergent);
            }
        }
        self.types[usize::from(g.tx.tx_type.min(4))].add(r.ending, divergent);
        for d in &r.divergences {
            // A tiers-only comparison of an excluded case counts as the compiled tier's.
            let i = TIERS.iter().position(|(_, t)| *t == d.tier).unwrap_or(1);
            self.tier_divergent[i] += 1;
        }
        if r.rejection_agrees == Some(false) {
            self.rejection_reason_differs += 1;
        }
        match r.revm.as_ref().map(|o| &o.outcome) {
            Some(Outcome::Rejected { reason, .. }) => {
                let kind = reason.split([' ', '{', '(']).next().unwrap_or_default().to_owned();
                *self.rejection_reasons.entry(kind).or_default() += 1;
            }
            Some(Outcome::Included(i)) if i.class == Class::Halt => {
                *self.halt_reasons.entry(i.detail.clone()).or_default() += 1;
            }
            _ => {}
        }
    }

    fn merge(&mut self, o: &Summary) {
        self.total.merge(&o.total);
        for (a, b) in self.forks.iter_mut().zip(&o.forks) {
            a.merge(b);
        }
        for (a, b) in self.features.iter_mut().zip(&o.features) {
            a.merge(b);
        }
        for (a, b) in self.precompiles.iter_mut().zip(&o.precompiles) {
            a.merge(b);
        }
        for (a, b) in self.types.iter_mut().zip(&o.types) {
            a.merge(b);
        }
        self.tier_divergent[0] += o.tier_divergent[0];
        self.tier_divergent[1] += o.tier_divergent[1];
        self.rejection_reason_differs += o.rejection_reason_differs;
        for (k, v) in &o.rejection_reasons {
            *self.rejection_reasons.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.halt_reasons {
            *self.halt_reasons.entry(k.clone()).or_default() += v;
        }
        self.saved += o.saved;
    }

    /// Cases per second of wall time.
    pub fn rate(&self) -> f64 {
        self.total.cases as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The summary as printed at the end of a run.
    pub fn render(&self, opts: &Options) -> String {
        let mut s = String::new();
        let line = |s: &mut String, name: &str, r: &Row| {
            s.push_str(&format!(
                "  {name:<58} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>6}\n",
                r.cases, r.rejected, r.success, r.revert, r.halt, r.excluded, r.divergent
            ));
        };
        let header = |s: &mut String, title: &str| {
            s.push_str(&format!(
                "\n{title}\n  {:<58} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>6}\n",
                "", "cases", "rejected", "success", "revert", "halt", "excluded", "diverg"
            ));
        };
        s.push_str(&format!(
            "kestrel-diff: {} cases (seed {}, cases {}..{}) in {:.1} s on {} threads: {:.0} cases/s\n",
            self.total.cases,
            opts.seed,
            opts.start,
            opts.start + opts.cases,
            self.elapsed.as_secs_f64(),
            opts.threads,
            self.rate()
        ));
        header(&mut s, "by fork (outcome columns are revm's)");
        for spec in FORKS {
            line(&mut s, spec.name(), &self.forks[spec.index()]);
        }
        header(&mut s, "by transaction type");
        for (t, r) in self.types.iter().enumerate() {
            line(&mut s, &format!("type {t}"), r);
        }
        header(&mut s, "by feature (cases whose generated code or transaction has it)");
        for f in Feature::ALL {
            line(&mut s, f.name(), &self.features[*f as usize]);
        }
        header(&mut s, "by precompile called");
        for (i, p) in PRECOMPILES.iter().enumerate() {
            line(&mut s, &format!("{p:#06x}"), &self.precompiles[i]);
        }
        s.push_str("\nrevm's rejection reasons\n");
        for (reason, n) in &self.rejection_reasons {
            s.push_str(&format!("  {reason:<58} {n:>9}\n"));
        }
        s.push_str("\nrevm's halt reasons (the transaction's own frame)\n");
        for (reason, n) in &self.halt_reasons {
            s.push_str(&format!("  {reason:<58} {n:>9}\n"));
        }
        s.push_str(&format!(
            "\nrejected by both for differently named reasons (informational): {}\n",
            self.rejection_reason_differs
        ));
        s.push_str(&format!(
            "excluded from the revm comparison (crates/diff/EXCLUDED.md; Kestrel's tiers compared): {}\n",
            self.total.excluded
        ));
        s.push_str(&format!(
            "divergent cases: {} (interpreter {}, compiled {}); reproducers written: {} under {}\n",
            self.total.divergent,
            self.tier_divergent[0],
            self.tier_divergent[1],
            self.saved,
            opts.out.display()
        ));
        s
    }
}

/// The reproducer's path for case `g`.
pub fn reproducer_path(out: &Path, g: &GenCase) -> PathBuf {
    out.join(format!("{}.json", crate::exec::test_name(g)))
}

/// Writes case `g` with revm's expectation; then loads the file back and checks that the
/// divergence reproduces from it. Returns a line for the report.
pub fn save(out: &Path, g: &GenCase, report: &CaseReport, note: &str) -> Result<String, String> {
    let revm = report.revm.as_ref().ok_or("revm did not run: nothing to expect")?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let path = reproducer_path(out, g);
    let json = json::state_test(g, revm, note);
    let mut text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    // The file must reproduce on its own: load it as `kestrel statetest` does and compare.
    let reproduces = match load_file(&path) {
        FileCases::Cases(cases) => match cases.first() {
            Some(LoadedCase::Ready(case)) => {
                let tiers: Vec<&str> = TIERS
                    .iter()
                    .filter(|(mode, _)| match (run_kestrel(case, *mode), run_revm(case)) {
                        (Ok(k), Ok(r)) => !compare::compare(&k, &r, facts(g)).is_empty(),
                        _ => true,
                    })
                    .map(|(_, t)| *t)
                    .collect();
                if tiers.is_empty() { "NO".to_owned() } else { format!("yes ({})", tiers.join(", ")) }
            }
            other => format!("NO (loads as {other:?})"),
        },
        FileCases::NotStateTests => "NO (not a state test)".to_owned(),
    };
    Ok(format!("saved {} (reproduces from the file: {reproduces})", path.display()))
}

/// One line saying what a case is, for divergence reports.
pub fn describe(g: &GenCase) -> String {
    let to = g.tx.to.map_or("create".to_owned(), |a| format!("{a}"));
    let features: Vec<&str> = g.features.iter().map(|f| f.name()).collect();
    format!(
        "type {} to {} gas {} value {} data {} bytes; {}",
        g.tx.tx_type,
        to,
        g.tx.gas_limit,
        g.tx.value,
        g.tx.data.len(),
        features.join(", ")
    )
}

/// The text printed for one divergent case.
pub fn divergence_text(g: &GenCase, r: &CaseReport) -> String {
    let mut s =
        format!("DIVERGENCE seed {} case {} fork {}: {}\n", g.seed, g.index, g.spec.name(), describe(g));
    for d in &r.divergences {
        for (n, diff) in d.differences.iter().enumerate() {
            if n == 8 {
                s.push_str(&format!("  [{}] … {} more\n", d.tier, d.differences.len() - 8));
                break;
            }
            s.push_str(&format!("  [{}] {diff}\n", d.tier));
        }
    }
    s
}

/// Runs the campaign; prints divergences as they come and progress lines.
pub fn run(opts: &Options) -> Summary {
    let next = AtomicU64::new(opts.start);
    let end = opts.start + opts.cases;
    let done = AtomicU64::new(0);
    let divergent = AtomicU64::new(0);
    let finished = AtomicBool::new(false);
    let total = Mutex::new(Summary::new());
    let print = Mutex::new(());
    let started = Instant::now();
    const CHUNK: u64 = 16;

    let mut worker_failures = 0;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..opts.threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                let mut local = Summary::new();
                loop {
                    let first = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if first >= end {
                        break;
                    }
                    for index in first..(first + CHUNK).min(end) {
                        let g = generate(opts.seed, index);
                        let report = check(&g);
                        local.record(&g, &report);
                        if !report.divergences.is_empty() {
                            let mut text = divergence_text(&g, &report);
                            if divergent.fetch_add(1, Ordering::Relaxed) < opts.max_saved as u64 {
                                let note = text.lines().take(4).collect::<Vec<_>>().join(" | ");
                                match save(&opts.out, &g, &report, &note) {
                                    Ok(line) => {
                                        local.saved += 1;
                                        text.push_str(&format!("  {line}\n"));
                                        for (_, tier) in TIERS {
                                            text.push_str(&format!(
                                                "  replay: cargo run --release -p kestrel-cli -- statetest {} --mode {tier}\n",
                                                reproducer_path(&opts.out, &g).display()
                                            ));
                                        }
                                    }
                                    Err(e) => text.push_str(&format!("  could not save: {e}\n")),
                                }
                            }
                            let _guard = print.lock().unwrap_or_else(|e| e.into_inner());
                            print!("{text}");
                            let _ = std::io::stdout().flush();
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
                total.lock().unwrap_or_else(|e| e.into_inner()).merge(&local);
                })
            })
            .collect();
        if opts.progress_every > 0 {
            scope.spawn(|| {
                let mut last = Instant::now();
                while !finished.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(200));
                    if last.elapsed().as_secs() >= opts.progress_every {
                        last = Instant::now();
                        let n = done.load(Ordering::Relaxed);
                        let secs = started.elapsed().as_secs_f64();
                        let _guard = print.lock().unwrap_or_else(|e| e.into_inner());
                        println!(
                            "progress: {n}/{} cases, {:.0} cases/s, {} divergent",
                            opts.cases,
                            n as f64 / secs.max(1e-9),
                            divergent.load(Ordering::Relaxed)
                        );
                        let _ = std::io::stdout().flush();
                    }
                }
            });
        }
        for w in workers {
            // `check` catches the EVMs' panics; a worker that still panicked lost its counts,
            // which the summary must not hide.
            if w.join().is_err() {
                worker_failures += 1;
            }
        }
        finished.store(true, Ordering::Relaxed);
    });
    let mut summary = total.into_inner().unwrap_or_else(|e| e.into_inner());
    summary.elapsed = started.elapsed();
    summary.worker_failures = worker_failures;
    summary
}
