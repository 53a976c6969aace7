//! Kestrel passes every case of the repository's own state tests (`fixtures/state_tests`), the
//! README's main command. Their expected roots are revm's (checked by `kestrel-benches`), so
//! this is Kestrel judged by another EVM, with no data from outside the repository.

use kestrel_cli::statetest::{Filter, KnownFailures, Status, run_paths};

#[test]
fn own_fixtures_pass() {
    let dir = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../fixtures/state_tests");
    let report = run_paths(&[dir], &Filter::default(), KnownFailures::default());
    let failed: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.status != Status::Passed)
        .map(|r| format!("{}: {:?}", r.id, r.status))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(report.results.len() >= 20, "only {} cases", report.results.len());
}
