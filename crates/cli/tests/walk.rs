//! Issue 8, item 10: walking paths visits each real file once, leaves out what is not a
//! regular file with a note, and never reads without a bound.

mod common;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use common::{arg, data, kestrel, scratch};
use kestrel_cli::statetest::{FileCases, FileList, LoadedCase, collect_files, load_file};

/// `collect_files` on another thread, failing the test if it takes longer than 30 s.
fn walk_within_limit(paths: Vec<PathBuf>) -> FileList {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(collect_files(&paths)));
    rx.recv_timeout(Duration::from_secs(30)).expect("the walk finishes within 30 s")
}

/// A scratch directory holding a copy of the control fixture as `ok.json`.
fn dir_with_fixture(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::copy(data("ok.json"), dir.join("ok.json")).expect("copy the fixture");
    dir
}

fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("create a symlink");
}

#[test]
fn two_self_links_do_not_make_the_walk_exponential() {
    let dir = dir_with_fixture("walk_two_self_links");
    symlink(".", &dir.join("a"));
    symlink(".", &dir.join("b"));
    let walk = walk_within_limit(vec![dir.clone()]);
    assert_eq!(walk.files, [dir.join("ok.json")], "{walk:?}");
    assert!(walk.errors.is_empty(), "{walk:?}");
}

#[test]
fn a_self_link_counts_a_file_once() {
    let dir = dir_with_fixture("walk_one_self_link");
    symlink(".", &dir.join("loop"));
    // A second link to the file and the file given again are still the one file.
    symlink("ok.json", &dir.join("again.json"));
    let walk = walk_within_limit(vec![dir.clone(), dir.join("ok.json")]);
    assert_eq!(walk.files.len(), 1, "{walk:?}");
    let run = kestrel(&["statetest", arg(&dir)]);
    assert_eq!(run.code, Some(0), "{}", run.output());
    assert!(run.stdout.ends_with("1 passed, 0 failed, 0 skipped\n"), "{}", run.output());
}

#[test]
fn a_fifo_named_json_is_skipped_with_a_note() {
    let dir = dir_with_fixture("walk_fifo");
    let fifo = dir.join("pipe.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
    assert!(made.success());
    let run = kestrel(&["statetest", arg(&dir)]);
    assert_eq!(run.code, Some(0), "{}", run.output());
    assert!(
        run.stdout.contains("skipped file") && run.stdout.contains("pipe.json: a FIFO"),
        "{}",
        run.output()
    );
    assert!(run.stdout.ends_with("1 passed, 0 failed, 0 skipped\n"), "{}", run.output());
}

#[test]
fn dev_zero_is_not_read() {
    // Given explicitly, it is left out of the walk with a note, and the run, which then
    // executes nothing, fails.
    let walk = walk_within_limit(vec![PathBuf::from("/dev/zero")]);
    assert!(walk.files.is_empty() && walk.skipped.len() == 1, "{walk:?}");
    let run = kestrel(&["statetest", "/dev/zero"]);
    assert_eq!(run.code, Some(1), "{}", run.output());
    assert!(run.stdout.contains("/dev/zero: a device"), "{}", run.output());
    // Loading it directly is an error, without reading a byte.
    let FileCases::Cases(cases) = load_file(Path::new("/dev/zero")) else { panic!("not an error") };
    assert!(
        matches!(&cases[..], [LoadedCase::Broken { error, .. }] if error.contains("a device")),
        "{cases:?}"
    );
}

#[test]
fn a_file_larger_than_the_bound_is_refused() {
    // A sparse file: its size is past the bound without taking any disk space.
    let dir = scratch("walk_large");
    let big = dir.join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(kestrel_cli::statetest::load::MAX_FILE_BYTES + 1).unwrap();
    let FileCases::Cases(cases) = load_file(&big) else { panic!("not an error") };
    assert!(
        matches!(&cases[..], [LoadedCase::Broken { error, .. }] if error.contains("larger than")),
        "{cases:?}"
    );
}
