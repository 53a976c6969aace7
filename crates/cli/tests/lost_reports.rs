//! Issue 8, item 12: a report that cannot be written fails the run instead of vanishing.

mod common;

use std::fs::OpenOptions;
use std::process::Stdio;
use std::time::Duration;

use common::{arg, data, kestrel, kestrel_with};

#[test]
fn a_small_json_report_to_a_full_disk_fails_the_run() {
    // The report of one case is far below BufWriter's 8 KiB: only the final flush writes it.
    let run = kestrel(&["statetest", arg(&data("ok.json")), "--json", "/dev/full"]);
    assert_eq!(run.code, Some(1), "{}", run.output());
    assert!(run.stderr.contains("/dev/full"), "the error names the report file: {}", run.output());
}

#[test]
fn a_json_report_that_can_be_written_is_complete() {
    let dir = common::scratch("lost_reports_json");
    let report = dir.join("report.json");
    let run = kestrel(&["statetest", arg(&data("ok.json")), "--json", arg(&report)]);
    assert_eq!(run.code, Some(0), "{}", run.output());
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["summary"]["passed"], 1);
}

#[test]
fn stdout_to_a_full_disk_fails_statetest_and_bench() {
    let full = || Some(Stdio::from(OpenOptions::new().write(true).open("/dev/full").expect("/dev/full")));
    let limit = Duration::from_secs(120);
    let run = kestrel_with(&["statetest", arg(&data("ok.json"))], full(), limit);
    assert_eq!(run.code, Some(1), "{}", run.output());
    let run = kestrel_with(&["bench", arg(&data("ok.json")), "--iterations", "1"], full(), limit);
    assert_eq!(run.code, Some(1), "{}", run.output());
}
