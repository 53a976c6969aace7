//! `kestrel statetest --trace`: every selected case's EIP-3155 trace on stderr as geth's
//! `evm statetest --trace` writes it, then `{"stateRoot": "0x…"}`; geth's per-file result list
//! on stdout. With no paths, fixture paths come from stdin, one a line, each answered in turn and
//! flushed (goevmlab's batch mode); an empty line or the end of stdin ends the run.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use kestrel::host::ExecutionMode;
use kestrel::host::inspector::{Eip3155, Eip3155Config};
use kestrel::primitives::B256;
use serde::Serialize;

use super::case::{Case, LoadedCase};
use super::exec::{ExecError, build_db, db_from_pre, evm_for, finish_block, run_on, signature_rejection};
use super::load::{FileCases, collect_files, load_file};
use super::root::{db_state_root, logs_hash, logs_hash_of};
use super::run::Filter;

/// One case's result, in the shape and field order of geth's `evm statetest` report.
#[derive(Clone, Debug, Serialize)]
pub struct TraceResult {
    /// The test's name.
    pub name: String,
    /// True when root, logs and exception are as the fixture expects.
    pub pass: bool,
    /// The state root after the transaction (absent when the case did not run).
    #[serde(rename = "stateRoot", skip_serializing_if = "Option::is_none")]
    pub state_root: Option<B256>,
    /// The fork, as the file spells it.
    pub fork: String,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A writer shared by the `Evm`'s trace writer and the runner, which adds the state-root lines
/// and flushes after each file. The first write error is kept and ends the run.
pub struct SharedOut<W>(pub Arc<Mutex<(W, Option<std::io::Error>)>>);

// By hand: a derived `Clone` would ask `W: Clone`, and only the handle is cloned.
impl<W> Clone for SharedOut<W> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<W: Write> SharedOut<W> {
    /// Wraps `out`.
    pub fn new(out: W) -> Self {
        Self(Arc::new(Mutex::new((out, None))))
    }

    /// Flushes, and returns the first error met so far.
    pub fn flush_checked(&self) -> std::io::Result<()> {
        let mut inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = inner.1.take() {
            return Err(e);
        }
        inner.0.flush()
    }
}

impl<W: Write> Write for SharedOut<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if inner.1.is_none()
            && let Err(e) = inner.0.write_all(bytes)
        {
            inner.1 = Some(e);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Traces the selected cases of every state-test file under `paths` (or, when `paths` is
/// empty, of each path read from `input`), the traces to `trace`, the result lists to
/// `results`. With `config` `None` nothing is traced: only the state-root lines are written
/// (geth's `evm statetest` without `--trace`, which goevmlab's batch mode asks for roots).
pub fn trace_paths<R: BufRead, W: Write + Send + 'static, O: Write>(
    paths: &[std::path::PathBuf],
    filter: &Filter,
    config: Option<Eip3155Config>,
    input: R,
    trace: SharedOut<W>,
    results: &mut O,
) -> std::io::Result<bool> {
    let list = (!paths.is_empty()).then(|| collect_files(paths));
    let mut all_pass = true;
    if let Some(list) = &list {
        for (path, error) in &list.errors {
            eprintln!("{}: {error}", path.display());
            all_pass = false;
        }
    }
    let mut answer = |file: &Path, results: &mut O| -> std::io::Result<()> {
        let list = trace_file(file, filter, config, &trace);
        all_pass &= list.iter().all(|r| r.pass);
        trace.flush_checked()?;
        let text = serde_json::to_string_pretty(&list).map_err(std::io::Error::other)?;
        writeln!(results, "{text}")?;
        results.flush()
    };
    match list {
        None => {
            for line in input.lines() {
                let line = line?;
                let path = line.trim();
                if path.is_empty() {
                    break;
                }
                answer(Path::new(path), results)?;
            }
        }
        Some(list) => {
            for file in &list.files {
                answer(file, results)?;
            }
        }
    }
    Ok(all_pass)
}

/// Traces every selected case of `file` in the file's order. A case that cannot run (skipped,
/// malformed, or a file with no state test) still gets a state-root line, of zero, so that a
/// batch driver reading up to the root line does not wait forever.
pub fn trace_file<W: Write + Send + 'static>(
    file: &Path,
    filter: &Filter,
    config: Option<Eip3155Config>,
    trace: &SharedOut<W>,
) -> Vec<TraceResult> {
    let cases = match load_file(file) {
        FileCases::Cases(cases) => cases,
        FileCases::NotStateTests => {
            write_root(trace, B256::ZERO);
            return vec![TraceResult {
                name: file.display().to_string(),
                pass: false,
                state_root: None,
                fork: String::new(),
                error: Some("the file holds no state test".to_owned()),
            }];
        }
    };
    let mut out = Vec::new();
    for case in cases.iter().filter(|c| filter.selects(c.id())) {
        let id = case.id();
        let mut result = TraceResult {
            name: id.test.to_string(),
            pass: false,
            state_root: None,
            fork: id.fork.clone(),
            error: None,
        };
        match case {
            LoadedCase::Ready(case) => {
                let (root, error) = trace_case(case, config, trace);
                result.state_root = Some(root);
                result.pass = error.is_none();
                result.error = error;
            }
            LoadedCase::TxUndecodable { expected, pre, finish, error, .. } => {
                // Rejected before execution: no opcode, the pre-state's root.
                let mut db = db_from_pre(pre);
                finish_block(finish, &mut db);
                let root = db_state_root(&db);
                write_root(trace, root);
                result.state_root = Some(root);
                result.pass = expected.exception.is_some() && root == expected.state_root;
                result.error = (!result.pass).then(|| format!("transaction undecodable: {error}"));
            }
            // A zero root still ends the case: a batch driver waits for a root line per case.
            LoadedCase::Skipped { reason, .. } => {
                write_root(trace, B256::ZERO);
                result.error = Some(format!("skipped: {reason}"));
            }
            LoadedCase::Broken { error, .. } => {
                write_root(trace, B256::ZERO);
                result.error = Some(format!("malformed fixture: {error}"));
            }
        }
        out.push(result);
    }
    out
}

/// geth's state-root line (with its space after the colon: goevmlab's geth parser looks for
/// exactly that).
fn write_root<W: Write>(trace: &SharedOut<W>, root: B256) {
    let _ = writeln!(trace.clone(), "{{\"stateRoot\": \"{root:#x}\"}}");
}

/// Runs `case` with the trace writer attached; writes the state-root line. Returns the root and
/// why the case fails, if it does.
fn trace_case<W: Write + Send + 'static>(
    case: &Case,
    config: Option<Eip3155Config>,
    trace: &SharedOut<W>,
) -> (B256, Option<String>) {
    let mut db = build_db(case);
    let expected = &case.expected;
    let result = match case.signature_error {
        Some(signature) => Err(ExecError::Rejected(signature_rejection(case, signature))),
        None => {
            let mut evm = evm_for(case, &mut db, ExecutionMode::Interpreter);
            if let Some(config) = config {
                evm.set_inspector(Some(Box::new(Eip3155::new(trace.clone(), config))));
            }
            run_on(&mut evm, case.tx.clone(), true).map(|outcome| logs_hash_of(outcome.logs))
        }
    };
    if matches!(result, Ok(_) | Err(ExecError::Rejected(_))) {
        finish_block(&case.finish, &mut db);
    }
    let root = db_state_root(&db);
    write_root(trace, root);
    let mut errors = Vec::new();
    match &result {
        Ok(logs) => {
            if let Some(exception) = &expected.exception {
                errors.push(format!("expected exception {exception}, but the transaction executed"));
            }
            if *logs != expected.logs_hash {
                errors.push(format!("logs hash: expected {}, got {logs}", expected.logs_hash));
            }
        }
        Err(ExecError::Rejected(why)) => {
            if expected.exception.is_none() {
                errors.push(format!("unexpected rejection: {why}"));
            } else if logs_hash(&[]) != expected.logs_hash {
                errors.push("logs hash of a rejected transaction".to_owned());
            }
        }
        Err(e) => errors.push(e.to_string()),
    }
    if root != expected.state_root {
        errors.push(format!("post state root mismatch: got {root}, want {}", expected.state_root));
    }
    (root, (!errors.is_empty()).then(|| errors.join("; ")))
}
