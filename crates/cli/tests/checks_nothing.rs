//! Issue 8, item 11: a run that checks nothing must not succeed, and a fixture that cannot be
//! what it claims is an error naming it.

mod common;

use common::{arg, data, kestrel};

/// Runs `statetest` on one file of `tests/data/checks_nothing` and expects a failure whose
/// report contains every one of `needles`.
fn fails_naming(file: &str, needles: &[&str]) {
    let run = kestrel(&["statetest", arg(&data(&format!("checks_nothing/{file}")))]);
    assert_eq!(run.code, Some(1), "{file}: {}", run.output());
    for needle in needles {
        assert!(run.stdout.contains(needle), "{file}: no {needle:?} in\n{}", run.output());
    }
}

#[test]
fn the_control_fixture_passes() {
    let run = kestrel(&["statetest", arg(&data("ok.json"))]);
    assert_eq!(run.code, Some(0), "{}", run.output());
    assert!(run.stdout.ends_with("1 passed, 0 failed, 0 skipped\n"), "{}", run.output());
}

#[test]
fn tests_without_transaction_are_errors() {
    fails_naming("no_transaction.json", &["no_tx_a", "no_tx_b", "missing field `transaction`"]);
}

#[test]
fn a_misspelled_fork_is_an_error() {
    fails_naming("misspelled_fork.json", &["misspelled::Cancnu::0", "unknown fork \"Cancnu\""]);
}

#[test]
fn an_empty_post_is_an_error() {
    fails_naming("empty_post.json", &["empty_post", "post is empty"]);
}

#[test]
fn duplicate_test_names_are_an_error() {
    fails_naming("duplicate_test.json", &["duplicate_test.json", "duplicate key \"twice\""]);
}

#[test]
fn pre_addresses_differing_in_case_are_an_error() {
    fails_naming("pre_address_case.json", &["pre_case", "the same address"]);
}

#[test]
fn a_run_that_executes_no_case_fails() {
    let run = kestrel(&["statetest", arg(&data("ok.json")), "--name", "no-such-test"]);
    assert_eq!(run.code, Some(1), "{}", run.output());
    assert!(run.stdout.contains("no case was executed"), "{}", run.output());
}
