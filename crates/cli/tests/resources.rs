//! Issue 8, item 9: memory is shared or streamed, not multiplied, and one case's resource use
//! cannot take the run down.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{arg, data, kestrel_with};
use kestrel_cli::statetest::exec::{build_db, execute_traced};
use kestrel_cli::statetest::{Case, FileCases, LoadedCase, load_file};

fn ready_cases(rel: &str) -> Vec<Case> {
    let FileCases::Cases(cases) = load_file(&data(rel)) else { panic!("{rel} holds no state test") };
    cases
        .into_iter()
        .map(|c| match c {
            LoadedCase::Ready(c) => *c,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn post_entries_share_the_transaction_data() {
    let cases = ready_cases("resources/shared_data.json");
    assert_eq!(cases.len(), 20);
    let first = &cases[0].tx.data;
    assert_eq!(first.len(), 1024);
    for case in &cases {
        assert_eq!(case.tx.data.as_ptr(), first.as_ptr(), "{}: a copy of the data", case.id);
    }
}

/// Counts what the tracer writes, keeping none of it.
#[derive(Default)]
struct Tally {
    total: usize,
    largest_write: usize,
}

struct TallyWriter(Arc<Mutex<Tally>>);

impl Write for TallyWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut t = self.0.lock().unwrap();
        t.total += bytes.len();
        t.largest_write = t.largest_write.max(bytes.len());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn traces_are_streamed_not_held() {
    // A loop that runs until its 200,000 gas are gone: tens of thousands of trace lines.
    let case = ready_cases("resources/loop.json").remove(0);
    let tally = Arc::new(Mutex::new(Tally::default()));
    execute_traced(&case, &mut build_db(&case), TallyWriter(Arc::clone(&tally))).expect("the loop runs");
    let t = tally.lock().unwrap();
    assert!(t.total > 1 << 20, "a trace of {} bytes", t.total);
    // Holding the trace back and writing it at the end is one write of all of it.
    assert!(t.largest_write <= 64 << 10, "a write of {} bytes: the trace was held back", t.largest_write);
}

#[test]
fn frames_asking_for_a_gib_each_fail_one_case_not_the_run() {
    // Each frame expands its memory to 1 GiB and calls itself with all its gas (2^50 in all).
    let run = kestrel_with(
        &["statetest", arg(&data("resources/gib_frames.json")), arg(&data("ok.json"))],
        None,
        Duration::from_secs(300),
    );
    assert_eq!(run.code, Some(1), "the process ends normally, failing the run: {}", run.output());
    assert!(run.stdout.contains("FAIL ") && run.stdout.contains("gib_frames::Cancun::0"), "{}", run.output());
    assert!(run.stdout.ends_with("1 passed, 1 failed, 0 skipped\n"), "the other case ran: {}", run.output());
}
