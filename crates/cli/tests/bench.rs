//! Issue 8, item 13: `kestrel bench` counts, exit codes and bounds.

mod common;

use std::time::Duration;

use common::{arg, data, kestrel, kestrel_with};
use kestrel_cli::bench::{BenchOptions, BenchSummary, bench_paths};

#[test]
fn a_broken_file_is_an_error_and_not_also_skipped() {
    let paths = [data("ok.json"), data("bench/broken.json")];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let summary = bench_paths(
        &paths,
        &BenchOptions { iterations: 1, fork: None, mode: Default::default() },
        &mut out,
        &mut err,
    )
    .expect("writers accept");
    let expected = BenchSummary { measured: 1, errors: 1, skipped: 0, ..Default::default() };
    assert_eq!(summary, expected, "{}", String::from_utf8_lossy(&err));
    assert!(String::from_utf8_lossy(&err).contains("broken.json"));
}

#[test]
fn a_root_mismatch_fails_the_bench() {
    let run = kestrel(&["bench", arg(&data("bench/wrong_root.json")), "--iterations", "1"]);
    assert_eq!(run.code, Some(1), "{}", run.output());
    assert!(run.stdout.contains(r#""root_ok":false"#), "{}", run.output());
    assert!(run.stderr.contains("wrong_root"), "{}", run.output());
}

#[test]
fn the_control_fixture_benches() {
    let run = kestrel(&["bench", arg(&data("ok.json")), "--iterations", "3"]);
    assert_eq!(run.code, Some(0), "{}", run.output());
    assert!(run.stdout.contains(r#""root_ok":true"#), "{}", run.output());
}

#[test]
fn iterations_near_u32_max_are_refused_up_front() {
    let run = kestrel_with(
        &["bench", arg(&data("ok.json")), "--iterations", &u32::MAX.to_string()],
        None,
        Duration::from_secs(30),
    );
    assert_eq!(run.code, Some(2), "a usage error: {}", run.output());
    assert!(run.stderr.contains("--iterations"), "{}", run.output());
    // The library refuses it too, before reading anything.
    let opts = BenchOptions { iterations: u32::MAX, fork: None, mode: Default::default() };
    let refused = bench_paths(&[data("ok.json")], &opts, &mut Vec::new(), &mut Vec::new());
    assert_eq!(refused.map_err(|e| e.kind()), Err(std::io::ErrorKind::InvalidInput));
}

#[test]
fn a_fork_that_matches_nothing_fails() {
    let run = kestrel(&["bench", arg(&data("ok.json")), "--fork", "Frontier", "--iterations", "1"]);
    assert_eq!(run.code, Some(1), "{}", run.output());
    assert!(run.stderr.contains("no test has a case for fork Frontier"), "{}", run.output());
}
