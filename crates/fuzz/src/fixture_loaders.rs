//! Target `fixture_loaders`: JSON text through the CLI's state-test loader
//! ([`load_str`]) and blockchain-test loader ([`load_blocktest_str`]), and what loads through
//! the runners.
//!
//! The loaders must turn anything into cases or named errors, never panic; a loaded case
//! must run to a verdict, never panic. Running also checks two differential properties of
//! the executor: every state-test case gets the same verdict (roots, logs hash, exception)
//! from the interpreter, from the compiled tier, and from the tracing runner; every
//! blockchain test the same verdict from the interpreter and the compiled tier.

use std::sync::Arc;

use kestrel_bytecode::program::ExecutionMode;
use kestrel_cli::blocktest::load_blocktest_str;
use kestrel_cli::blocktest::run::{LoadedTest, run_test};
use kestrel_cli::statetest::exec::{ExecError, build_db, execute, execute_traced, finish_block};
use kestrel_cli::statetest::root::db_state_root;
use kestrel_cli::statetest::run::evaluate;
use kestrel_cli::statetest::{FileCases, LoadedCase, load_str};

/// A transaction's gas is capped here before it runs: a fuzzed gas limit over an endless
/// loop would otherwise run for hours. Every opcode and precompile path is reachable with it.
pub const MAX_TX_GAS: u64 = 1_000_000;

/// Cases of one input that are run (a fuzzed `post` can multiply them); the rest are only
/// loaded.
const MAX_RUN_CASES: usize = 8;

/// Loads `data` as a state-test file and as a blockchain-test file, and runs what loads.
pub fn fixture_loaders(data: &[u8]) {
    // The file loaders read UTF-8 text; invalid bytes become U+FFFD so the fuzzer's byte
    // mutations still reach the JSON parser.
    let text = String::from_utf8_lossy(data);
    let file: Arc<str> = Arc::from("fuzz.json");

    if let FileCases::Cases(cases) = load_str(file.clone(), &text) {
        for case in cases.into_iter().take(MAX_RUN_CASES) {
            run_state_case(case);
        }
    }
    if let Some(tests) = load_blocktest_str(file, &text) {
        for test in tests.iter().take(MAX_RUN_CASES) {
            if let LoadedTest::Ready(test) = test {
                let interpreted = run_test(test, ExecutionMode::Interpreter);
                let compiled = run_test(test, ExecutionMode::Compiled);
                assert_eq!(interpreted, compiled, "{}: interpreter and compiled tier disagree", test.id);
            }
        }
    }
}

fn run_state_case(mut case: LoadedCase) {
    if let LoadedCase::Ready(c) = &mut case {
        c.tx.gas_limit = c.tx.gas_limit.min(MAX_TX_GAS);
    }
    let interpreted = evaluate(&case, ExecutionMode::Interpreter);
    let compiled = evaluate(&case, ExecutionMode::Compiled);
    assert_eq!(interpreted.status, compiled.status, "{}: interpreter and compiled tier disagree", case.id());

    // The tracing runner (always the interpreter's tracing body) against the plain one: same
    // outcome and same state afterwards.
    let LoadedCase::Ready(c) = &case else { return };
    let run = |traced: bool| {
        let mut db = build_db(c);
        let result = if traced {
            execute_traced(c, &mut db, std::io::sink())
        } else {
            execute(c, &mut db, ExecutionMode::Interpreter)
        };
        if matches!(result, Ok(_) | Err(ExecError::Rejected(_))) {
            finish_block(&c.finish, &mut db);
        }
        (result, db_state_root(&db))
    };
    assert_eq!(run(false), run(true), "{}: the tracing runner disagrees", c.id);
}
