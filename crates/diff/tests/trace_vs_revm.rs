//! Kestrel's EIP-3155 trace (the host's geth-format writer, as `kestrel statetest --trace`
//! writes it) against revm's inspector on the shared smoke state tests, which are not in the
//! repository: for every opcode line the depth, pc, opcode, gas left and the whole stack must
//! agree. As goevmlab compares traces, STOP lines are left out and geth's second (fault) line
//! of an opcode that failed while running is merged into the first. The state root the trace
//! ends with must be the fixture's.
//!
//! On a corpus, revm's one known divergence from the spec shows here too: creating over an
//! account that has only storage (EIP-7610, `crates/diff/EXCLUDED.md` §2) runs the init code in
//! revm and collides in Kestrel (whose roots match the fixtures).
//!
//! The fixtures are found through `KESTREL_FIXTURES` (default: `shared/fixtures` beside the
//! checkout); without them the test prints `NOT CHECKED` (and fails under
//! `KESTREL_REQUIRE_SHARED`). `KESTREL_TRACE_CORPUS=DIR` runs it on every state test under DIR:
//! `cargo test -p kestrel-diff --release --test trace_vs_revm -- --nocapture`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use kestrel::host::Evm;
use kestrel::host::inspector::{Eip3155, Eip3155Config};
use kestrel_cli::statetest::exec::{build_db, finish_block};
use kestrel_cli::statetest::root::db_state_root;
use kestrel_cli::statetest::{Case, FileCases, LoadedCase, collect_files, load_file};
use kestrel_diff::exec::{RevmSetup, revm_setup};
use revm::context::ContextTr;
use revm::context_interface::JournalTr;
use revm::interpreter::Interpreter;
use revm::interpreter::interpreter_types::Jumps;
use revm::{Context, InspectEvm, Inspector, MainBuilder, MainContext};

/// Cases whose traces would pass this many opcodes are left out (they are checked by root).
const MAX_STEPS: usize = 200_000;

/// One opcode as both sides are compared: depth (1 at the top), pc, opcode, gas left, stack.
type Line = (u64, u64, u64, u64, Vec<String>);

fn fixtures_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("KESTREL_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"));
    if dir.join("smoke/manifest-smoke.json").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("KESTREL_REQUIRE_SHARED").is_none(),
        "state-test fixtures not found at {} (set KESTREL_FIXTURES)",
        dir.display()
    );
    eprintln!("NOT CHECKED: state-test fixtures not found at {} (set KESTREL_FIXTURES)", dir.display());
    None
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Kestrel's trace lines as goevmlab keeps them, and the root after the case.
fn kestrel_lines(case: &Case) -> (Vec<Line>, kestrel::primitives::B256) {
    let out = Shared::default();
    let mut db = build_db(case);
    let included = {
        let mut evm = Evm::new(&mut db, case.spec, case.chain_id);
        evm.set_block(case.block.clone());
        evm.set_inspector(Some(Box::new(Eip3155::new(out.clone(), Eip3155Config::default()))));
        evm.transact_commit(case.tx.clone()).is_ok() || case.expected.exception.is_some()
    };
    if included {
        finish_block(&case.finish, &mut db);
    }
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let mut lines: Vec<(Line, bool)> = Vec::new();
    for l in text.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
        let Some(pc) = v["pc"].as_u64() else { continue };
        let gas = u64::from_str_radix(v["gas"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
        let stack = v["stack"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
        let line = (v["depth"].as_u64().unwrap(), pc, v["op"].as_u64().unwrap(), gas, stack);
        let fault = v.get("error").is_some();
        // geth's OnFault repeats the opcode just logged: goevmlab keeps the first.
        if fault && lines.last().is_some_and(|(p, _)| p.0 == line.0 && p.1 == line.1) {
            continue;
        }
        lines.push((line, fault));
    }
    let lines = lines.into_iter().map(|(l, _)| l).filter(|l| l.2 != 0).collect();
    (lines, db_state_root(&db))
}

#[derive(Default)]
struct Recorder(Vec<Line>);

impl<CTX: ContextTr> Inspector<CTX> for Recorder {
    fn step(&mut self, interp: &mut Interpreter, context: &mut CTX) {
        if self.0.len() <= MAX_STEPS {
            let stack = interp.stack.data().iter().map(|w| format!("{w:#x}")).collect();
            self.0.push((
                context.journal_mut().depth() as u64,
                interp.bytecode.pc() as u64,
                interp.bytecode.opcode() as u64,
                interp.gas.remaining(),
                stack,
            ));
        }
    }
}

/// revm's lines, or `None` when the trace passed [`MAX_STEPS`] (the recorder stopped).
fn revm_lines(case: &Case) -> Result<Option<Vec<Line>>, String> {
    let RevmSetup { db, cfg, block, tx } = revm_setup(case)?;
    let mut evm = Context::mainnet()
        .with_db(db)
        .with_cfg(cfg)
        .with_block(block)
        .build_mainnet_with_inspector(Recorder::default());
    let _ = evm.inspect_tx(tx);
    let mut lines = std::mem::take(&mut evm.inspector.0);
    if lines.len() > MAX_STEPS {
        return Ok(None);
    }
    // revm counts depth from 0 or 1 depending on the version: make the first frame 1.
    let base = lines.first().map_or(0, |l| l.0);
    for l in &mut lines {
        l.0 = l.0 + 1 - base;
    }
    Ok(Some(lines.into_iter().filter(|l| l.2 != 0).collect()))
}

#[test]
fn kestrel_traces_agree_with_revm_on_the_smoke_tests() {
    // `KESTREL_TRACE_CORPUS=DIR` compares every state test under DIR instead (an unpacked
    // development archive, say); the smoke set otherwise.
    let root = match std::env::var_os("KESTREL_TRACE_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => match fixtures_dir() {
            Some(dir) => dir.join("smoke/state_tests"),
            None => return,
        },
    };
    let files = collect_files(&[root]).files;
    let (mut compared, mut lines_compared, mut skipped, mut roots) = (0, 0, 0, 0);
    let mut differences = Vec::new();
    for file in &files {
        let FileCases::Cases(cases) = load_file(file) else { continue };
        for case in &cases {
            let LoadedCase::Ready(case) = case else { continue };
            if case.signature_error.is_some() {
                continue;
            }
            let Ok(Some(theirs)) = revm_lines(case) else {
                skipped += 1;
                continue;
            };
            let (ours, root) = kestrel_lines(case);
            roots += usize::from(root == case.expected.state_root);
            if root != case.expected.state_root {
                differences
                    .push(format!("{}: state root {root}, expected {}", case.id, case.expected.state_root));
            }
            compared += 1;
            lines_compared += ours.len();
            let difference = if let Some(at) = ours.iter().zip(&theirs).position(|(a, b)| a != b) {
                Some(format!("{}: line {at}: kestrel {:?} revm {:?}", case.id, ours[at], theirs[at]))
            } else if ours.len() != theirs.len() {
                Some(format!("{}: kestrel {} lines, revm {}", case.id, ours.len(), theirs.len()))
            } else {
                None
            };
            if let Some(d) = difference {
                eprintln!("DIFFERENCE {d}");
                differences.push(d);
            }
        }
        // Progress, for long runs over a corpus (shown with --nocapture).
        eprintln!("{}: {compared} cases, {lines_compared} lines so far", file.display());
    }
    eprintln!(
        "trace vs revm: {compared} cases, {lines_compared} opcode lines compared, {skipped} left out, {roots} roots as expected"
    );
    assert!(compared > 100, "only {compared} cases compared");
    assert!(lines_compared > 10_000, "only {lines_compared} lines");
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences[..differences.len().min(20)].join("\n")
    );
}
