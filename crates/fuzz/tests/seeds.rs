//! Every fuzz target over its committed seeds (`seeds/<target>/*`), on stable: the targets run
//! in `cargo test --workspace` with their corpus, and a crash minimised into a seed stays
//! fixed. Also the generator of the `gen-*` seeds (ignored: it writes files).

use std::path::{Path, PathBuf};

use kestrel_fuzz::{TARGETS, seed_dir};

/// The seed files of `target`, sorted; panics when there are none (a target without seeds
/// would pass vacuously).
fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = seed_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no seeds", dir.display());
    files
}

/// Runs `target` on each of its seeds, naming the seed that fails.
fn replay(target: &str) {
    let (_, run) = TARGETS.iter().find(|(name, _)| *name == target).expect("a listed target");
    for path in seeds(target) {
        let data = std::fs::read(&path).expect("readable seed");
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target}: seed {} fails", path.display());
    }
}

/// One test per target, from [`TARGETS`] (a target added there without a test here fails
/// `every_target_has_a_replay_test`).
macro_rules! replay_tests {
    ($($target:ident),* $(,)?) => {
        $(
            #[test]
            fn $target() {
                replay(stringify!($target));
            }
        )*
        const TESTED: &[&str] = &[$(stringify!($target)),*];
    };
}

replay_tests!(analysis, rlp_decode, precompiles, fixture_loaders, differential);

#[test]
fn every_target_has_a_replay_test() {
    let listed: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
    assert_eq!(listed, TESTED);
}

/// The precompile seeds select every precompile (the first byte picks it).
#[test]
fn precompile_seeds_cover_every_precompile() {
    let mut covered = std::collections::BTreeSet::new();
    for path in seeds("precompiles") {
        let data = std::fs::read(&path).expect("readable seed");
        if let Ok(call) = kestrel_fuzz::precompiles::Call::build(&mut arbitrary::Unstructured::new(&data)) {
            covered.insert(call.index);
        }
    }
    assert_eq!(covered.len(), 18, "precompiles with a seed: {covered:x?}");
}

/// The blockchain-test seeds load and pass: the generator made valid chains, so the fuzzer
/// starts from inputs that reach execution.
#[test]
fn generated_blocktests_pass() {
    use kestrel_cli::blocktest::run::{LoadedTest, run_test};
    let mut ran = 0;
    let generated =
        seeds("fixture_loaders").into_iter().filter(|p| p.to_string_lossy().contains("gen-block-"));
    for path in generated {
        let text = std::fs::read_to_string(&path).expect("UTF-8 seed");
        let Some(tests) = kestrel_cli::blocktest::load_blocktest_str(path.to_string_lossy().into(), &text)
        else {
            continue;
        };
        for test in tests {
            let LoadedTest::Ready(test) = test else { panic!("{}: {test:?}", path.display()) };
            assert_eq!(
                run_test(&test, Default::default()),
                kestrel_cli::statetest::Status::Passed,
                "{}",
                path.display()
            );
            ran += 1;
        }
    }
    assert!(ran >= 3, "only {ran} blockchain-test seeds");
}

/// The RLP seeds decode as what their names say, so the round trips run on them.
#[test]
fn rlp_seeds_decode() {
    for path in seeds("rlp_decode") {
        let name = path.file_name().expect("a name").to_string_lossy().into_owned();
        let data = std::fs::read(&path).expect("readable seed");
        let decodes = if name.starts_with("gen-tx-") {
            kestrel_block::Transaction::decode(&data).is_ok()
        } else if name.starts_with("gen-header-") {
            kestrel_block::Header::decode(&data).is_ok()
        } else if name.starts_with("gen-block-") {
            kestrel_block::Block::decode(&data).is_ok()
        } else {
            continue;
        };
        assert!(decodes, "{name} does not decode");
    }
}

/// The state-test seeds load as runnable cases that pass: the fuzzer starts from inputs that
/// reach execution.
#[test]
fn state_test_seeds_pass() {
    use kestrel_cli::statetest::{FileCases, LoadedCase, Status, load_str, run::evaluate};
    let mut ran = 0;
    // (A blockchain test has `pre` too: to the state-test loader it is a broken state test.)
    let state_tests =
        seeds("fixture_loaders").into_iter().filter(|p| p.to_string_lossy().contains("gen-state-"));
    for path in state_tests {
        let text = std::fs::read_to_string(&path).expect("UTF-8 seed");
        let FileCases::Cases(cases) = load_str(path.to_string_lossy().into(), &text) else { continue };
        for case in cases {
            assert!(matches!(case, LoadedCase::Ready(_)), "{}: {case:?}", path.display());
            assert_eq!(evaluate(&case, Default::default()).status, Status::Passed, "{}", case.id());
            ran += 1;
        }
    }
    assert!(ran >= 12, "only {ran} state-test cases in the seeds");
}

/// Writes the generated seeds (`gen-*`) into `seeds/`. Run after changing the generator:
/// `cargo test -p kestrel-fuzz --test seeds -- --ignored regenerate_seeds`.
#[test]
#[ignore = "writes the seed files"]
fn regenerate_seeds() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (target, name, bytes) in kestrel_fuzz::seeds::generate(&repo) {
        let dir = seed_dir(target);
        std::fs::create_dir_all(&dir).expect("seed directory");
        std::fs::write(dir.join(name), bytes).expect("seed written");
    }
}

/// Writes the state-root benchmark of issue 20 (not committed: 100,000 slots make a 10 MB file)
/// to `$KESTREL_STATE_BENCH_OUT` (default `target/state-root-bench`): one chain of 1 block and
/// one of 200 over the same 100,000-slot genesis. Time them with
/// `kestrel blocktest DIR/blocks-1.json` and `DIR/blocks-200.json`.
#[test]
#[ignore = "writes large benchmark files"]
fn write_state_root_bench() {
    let out = std::env::var_os("KESTREL_STATE_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/state-root-bench"));
    std::fs::create_dir_all(&out).expect("creates the output directory");
    for blocks in [1, 200] {
        let json = kestrel_fuzz::seeds::state_root_bench(100_000, blocks, 10);
        std::fs::write(out.join(format!("blocks-{blocks}.json")), json).expect("writes the file");
    }
}
