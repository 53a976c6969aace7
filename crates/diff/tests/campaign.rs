//! The campaign as `cargo test --workspace` checks it: a few hundred generated cases agree on
//! Kestrel (both tiers) and revm, and cases written as state tests replay under Kestrel's own
//! state-test runner with revm's expectations.

use std::path::PathBuf;

use kestrel_cli::statetest::{Filter, KnownFailures, Status, run_paths};
use kestrel_diff::campaign::{Options, divergence_text, run};
use kestrel_diff::generator::generate;
use kestrel_diff::{Ending, check, json};

/// A directory of its own under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("kestrel-diff-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// 300 cases of a fixed seed: no divergence, and the cases get past validation and end in
/// every way (otherwise the agreement would say little).
#[test]
fn generated_cases_agree() {
    let mut endings = [0usize; 4];
    let mut failures = Vec::new();
    for index in 0..300 {
        let g = generate(0x5eed, index);
        let report = check(&g);
        if !report.divergences.is_empty() {
            failures.push(divergence_text(&g, &report));
        }
        match report.ending {
            Ending::Rejected => endings[0] += 1,
            Ending::Success => endings[1] += 1,
            Ending::Revert => endings[2] += 1,
            Ending::Halt => endings[3] += 1,
            Ending::Excluded => {}
            Ending::Error => failures.push(format!("case {index}: revm failed")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(endings.iter().all(|&n| n >= 10), "rejected/success/revert/halt: {endings:?}");
    assert!(endings[0] < 100, "too many rejected: {endings:?}");
}

/// The campaign driver runs cases on several threads and counts each exactly once.
#[test]
fn campaign_counts_every_case_once() {
    let out = TempDir::new("campaign");
    let opts = Options {
        seed: 77,
        start: 1000,
        cases: 40,
        threads: 3,
        out: out.0.clone(),
        max_saved: 0,
        progress_every: 0,
    };
    let summary = run(&opts);
    assert_eq!(summary.total.cases, 40);
    assert_eq!(summary.forks.iter().map(|r| r.cases).sum::<u64>(), 40);
    assert_eq!(summary.types.iter().map(|r| r.cases).sum::<u64>(), 40);
    assert_eq!(summary.total.divergent, 0, "{}", summary.render(&opts));
    assert_eq!(summary.worker_failures, 0);
}

/// Cases written with revm's post-state root, logs hash and exception pass `kestrel
/// statetest`: the writer, the loader and the expected values agree, so a saved divergence
/// fails exactly where Kestrel differs.
#[test]
fn written_cases_replay_under_the_state_test_runner() {
    let dir = TempDir::new("replay");
    let mut written = 0;
    for index in 0..120 {
        let g = generate(0xfeed, index);
        let report = check(&g);
        // Differently named rejections are not divergences, but the runner checks the name.
        if report.rejection_agrees == Some(false) || !report.divergences.is_empty() {
            continue;
        }
        let Some(revm) = report.revm.as_ref() else { continue };
        let text = serde_json::to_string(&json::state_test(&g, revm, "replay test")).expect("serialises");
        std::fs::write(dir.0.join(format!("case{index}.json")), text).expect("writes");
        written += 1;
    }
    assert!(written > 100, "{written}");
    let report = run_paths(std::slice::from_ref(&dir.0), &Filter::default(), KnownFailures::default());
    assert_eq!(report.results.len(), written);
    let failed: Vec<String> = report
        .results
        .iter()
        .filter(|r| !matches!(r.status, Status::Passed))
        .map(|r| format!("{}: {:?}", r.id, r.status))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
