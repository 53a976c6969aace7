//! Running cases: judging one case, and running every case under some paths in parallel.

use core::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use kestrel::block::{StateTrie, TrieDelta};
use kestrel::host::ExecutionMode;
use kestrel::primitives::{B256, SpecId};
use kestrel::state::{InMemoryDb, StateChanges};
use rayon::prelude::*;
use serde::Serialize;

use super::case::{Case, CaseId, Expected, Finish, LoadedCase, PreState};
use super::exception::{Rejection, accepts};
use super::exec::{ExecError, build_db, db_from_pre, execute, execute_traced, finish_block};
use super::known::KnownFailures;
use super::load::{FileCases, FileList, collect_files, load_file};
use super::root::{db_state_root, logs_hash};

/// One way a case's result differs from what it expects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mismatch {
    /// The state root after the transaction.
    StateRoot {
        /// From the fixture.
        expected: B256,
        /// Computed.
        got: B256,
    },
    /// The logs hash.
    LogsHash {
        /// From the fixture.
        expected: B256,
        /// Computed.
        got: B256,
    },
    /// The hash of the last valid block (blockchain tests).
    LastBlockHash {
        /// From the fixture.
        expected: B256,
        /// Computed.
        got: B256,
    },
    /// The transaction was executed but the case expects it to be rejected.
    MissingException {
        /// The fixture's exception name(s).
        expected: String,
    },
    /// The transaction was rejected, as expected, but for a reason that does not answer to the
    /// expected exception name(s).
    WrongException {
        /// The fixture's exception name(s).
        expected: String,
        /// Kestrel's reason.
        got: String,
        /// The fixture names Kestrel's reason answers to.
        names: Vec<String>,
    },
    /// The transaction was rejected but the case expects it to execute.
    UnexpectedRejection {
        /// The executor's reason.
        reason: String,
    },
    /// The transaction could not be decoded but the case expects it to execute.
    Undecodable {
        /// Which field and why.
        reason: String,
    },
    /// The executor failed (or is not wired).
    Executor {
        /// The error.
        message: String,
    },
    /// The fixture is malformed.
    Fixture {
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::StateRoot { expected, got } => write!(f, "state root: expected {expected}, got {got}"),
            Mismatch::LogsHash { expected, got } => write!(f, "logs hash: expected {expected}, got {got}"),
            Mismatch::LastBlockHash { expected, got } => {
                write!(f, "last block hash: expected {expected}, got {got}")
            }
            Mismatch::MissingException { expected } => {
                write!(f, "exception: expected {expected}, but the transaction executed")
            }
            Mismatch::WrongException { expected, got, names } => write!(
                f,
                "exception: expected {expected}, but rejected for {got} (answers to {})",
                if names.is_empty() { "no fixture name".to_owned() } else { names.join(", ") }
            ),
            Mismatch::UnexpectedRejection { reason } => write!(f, "exception: none expected, but {reason}"),
            Mismatch::Undecodable { reason } => write!(f, "error: transaction undecodable: {reason}"),
            Mismatch::Executor { message } => write!(f, "error: {message}"),
            Mismatch::Fixture { message } => write!(f, "error: malformed fixture: {message}"),
        }
    }
}

/// The verdict on one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Everything matched.
    Passed,
    /// At least one mismatch (never empty).
    Failed(Vec<Mismatch>),
    /// Not run, with the reason.
    Skipped(String),
}

/// One case's id and verdict.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// Which case.
    pub id: CaseId,
    /// Its verdict.
    pub status: Status,
}

/// Compares a rejected transaction's outcome (`root` of the untouched state, no logs, and the
/// reason when it has a name) with what a case that expects an exception wants.
fn judge_rejected(expected: &Expected, root: B256, reason: Option<&Rejection>) -> Vec<Mismatch> {
    let mut m = Vec::new();
    if let (Some(exception), Some(reason)) = (&expected.exception, reason)
        && !accepts(exception, reason)
    {
        m.push(Mismatch::WrongException {
            expected: exception.clone(),
            got: reason.to_string(),
            names: reason.fixture_names(),
        });
    }
    if root != expected.state_root {
        m.push(Mismatch::StateRoot { expected: expected.state_root, got: root });
    }
    let logs = logs_hash(&[]);
    if logs != expected.logs_hash {
        m.push(Mismatch::LogsHash { expected: expected.logs_hash, got: logs });
    }
    m
}

fn verdict(mismatches: Vec<Mismatch>) -> Status {
    if mismatches.is_empty() { Status::Passed } else { Status::Failed(mismatches) }
}

/// The root of `db`, which is the state `base` was built from with `changes` committed and
/// the case's [`Finish`] step applied: only the changed paths are rehashed.
fn post_root(case: &Case, base: &StateTrie, db: &InMemoryDb, changes: &StateChanges) -> B256 {
    let mut delta = TrieDelta::new(base);
    let touched = case.finish.touch_coinbase.then_some(&case.finish.coinbase);
    delta.sync_from_db(base, db, changes, touched);
    delta.root()
}

/// Runs one decoded case through [`execute`] in `mode` and compares root, logs and exception.
pub fn run_case(case: &Case, mode: ExecutionMode) -> Status {
    let mut db = build_db(case);
    let base = case.pre_trie.get_or_init(|| StateTrie::from_db(&db));
    let expected = &case.expected;
    let result = execute(case, &mut db, mode);
    if matches!(result, Ok(_) | Err(ExecError::Rejected(_))) {
        finish_block(&case.finish, &mut db);
    }
    match result {
        Ok(outcome) => {
            let mut m = Vec::new();
            if let Some(exception) = &expected.exception {
                m.push(Mismatch::MissingException { expected: exception.clone() });
            }
            let root = post_root(case, base, &db, &outcome.changes);
            if root != expected.state_root {
                m.push(Mismatch::StateRoot { expected: expected.state_root, got: root });
            }
            let logs = outcome.logs_hash;
            if logs != expected.logs_hash {
                m.push(Mismatch::LogsHash { expected: expected.logs_hash, got: logs });
            }
            verdict(m)
        }
        Err(ExecError::Rejected(reason)) => match &expected.exception {
            Some(_) => {
                let root = post_root(case, base, &db, &StateChanges::default());
                verdict(judge_rejected(expected, root, Some(&reason)))
            }
            None => verdict(vec![Mismatch::UnexpectedRejection { reason: reason.to_string() }]),
        },
        Err(e) => verdict(vec![Mismatch::Executor { message: e.to_string() }]),
    }
}

/// Judges a case whose transaction could not be decoded: a client rejects such a transaction
/// before execution, so it passes exactly when an exception is expected and the expected
/// root is that of the pre-state (after the filler's [`Finish`] step), and, when the failure
/// has a name (`rejection`, for `txbytes` that do not decode), that name is expected.
pub fn judge_undecodable(
    expected: &Expected,
    pre: &PreState,
    finish: &Finish,
    reason: &str,
    rejection: Option<&Rejection>,
) -> Status {
    match expected.exception {
        Some(_) => {
            let mut db = db_from_pre(pre);
            finish_block(finish, &mut db);
            verdict(judge_rejected(expected, db_state_root(&db), rejection))
        }
        None => verdict(vec![Mismatch::Undecodable { reason: reason.to_owned() }]),
    }
}

/// Judges any loaded case, running it in `mode`.
pub fn evaluate(case: &LoadedCase, mode: ExecutionMode) -> CaseResult {
    let status = match case {
        LoadedCase::Ready(c) => run_case(c, mode),
        LoadedCase::TxUndecodable { expected, pre, finish, error, rejection, .. } => {
            judge_undecodable(expected, pre, finish, error, rejection.as_ref())
        }
        LoadedCase::Skipped { reason, .. } => Status::Skipped(reason.clone()),
        LoadedCase::Broken { error, .. } => {
            Status::Failed(vec![Mismatch::Fixture { message: error.clone() }])
        }
    };
    CaseResult { id: case.id().clone(), status }
}

/// Which cases to run, and in which execution mode.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only cases of this fork (by fork, so `Merge` selects `Paris`).
    pub fork: Option<SpecId>,
    /// Only cases whose test name or file path contains this text.
    pub name: Option<String>,
    /// The tier that runs them (Auto by default).
    pub mode: ExecutionMode,
}

impl Filter {
    /// True when `id` is selected. Errors about a whole file or test (fork `*`) pass the fork
    /// filter, so a broken file is never hidden by it.
    pub fn selects(&self, id: &CaseId) -> bool {
        let fork_ok = self.fork.is_none_or(|f| id.fork == "*" || id.fork.parse::<SpecId>() == Ok(f));
        let name_ok = self.name.as_deref().is_none_or(|n| id.test.contains(n) || id.file.contains(n));
        fork_ok && name_ok
    }
}

/// The results of a run, sorted by case id, with the known-failures file they are judged by.
#[derive(Debug, Default)]
pub struct RunReport {
    /// Every selected case.
    pub results: Vec<CaseResult>,
    /// JSON files that hold no state test (manifests), not counted anywhere else.
    pub ignored_files: Vec<PathBuf>,
    /// Paths left out of the walk because they are not regular files, with a note each.
    pub skipped_files: Vec<(PathBuf, String)>,
    /// The known failures the results are judged against (empty when none were given).
    pub known: KnownFailures,
}

/// Loads and runs every selected case under `paths`, files and cases in parallel. A progress
/// bar is drawn on stderr only when stderr is a terminal.
pub fn run_paths(paths: &[PathBuf], filter: &Filter, known: KnownFailures) -> RunReport {
    run_files(paths, known, |file| match load_file(file) {
        FileCases::Cases(cases) => Some(
            cases.par_iter().filter(|c| filter.selects(c.id())).map(|c| evaluate(c, filter.mode)).collect(),
        ),
        FileCases::NotStateTests => None,
    })
}

/// The runner the state tests and the blockchain tests share: walks `paths`, judges every file
/// with `judge` in parallel (`None`: the file holds no test of the kind, and is listed as
/// ignored), reports unreadable paths as failures and sorts the results by id. A progress bar
/// is drawn on stderr only when stderr is a terminal.
pub(crate) fn run_files(
    paths: &[PathBuf],
    known: KnownFailures,
    judge: impl Fn(&Path) -> Option<Vec<CaseResult>> + Sync,
) -> RunReport {
    let FileList { files, errors: walk_errors, skipped: skipped_files } = collect_files(paths);
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(files.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed_precise} eta {eta}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let per_file: Vec<(Vec<CaseResult>, Option<PathBuf>)> = files
        .par_iter()
        .map(|file| {
            let out = match judge(file) {
                Some(results) => (results, None),
                None => (Vec::new(), Some(file.clone())),
            };
            bar.inc(1);
            out
        })
        .collect();
    bar.finish_and_clear();
    let mut results: Vec<CaseResult> = walk_errors
        .into_iter()
        .map(|(path, error)| CaseResult {
            id: CaseId::whole_file(Arc::from(path.to_string_lossy().as_ref())),
            status: Status::Failed(vec![Mismatch::Fixture { message: format!("cannot read: {error}") }]),
        })
        .collect();
    let mut ignored_files = Vec::new();
    for (r, ignored) in per_file {
        results.extend(r);
        ignored_files.extend(ignored);
    }
    results.sort_by(|a, b| a.id.cmp(&b.id));
    RunReport { results, ignored_files, skipped_files, known }
}

/// Re-runs the case `id` through [`execute_traced`], writing its EIP-3155 trace to `out`.
/// The case is found again by reloading its file, so nothing is kept from the first run.
pub fn trace_case<W: std::io::Write + Send + 'static>(id: &CaseId, out: W) -> Result<(), String> {
    let FileCases::Cases(cases) = load_file(std::path::Path::new(id.file.as_ref())) else {
        return Err("file holds no state test".to_owned());
    };
    let case = cases.iter().find(|c| c.id() == id).ok_or("case not found on reload")?;
    let LoadedCase::Ready(case) = case else {
        return Err("case has no decodable transaction to trace".to_owned());
    };
    let mut db = build_db(case);
    execute_traced(case, &mut db, out).map(|_| ()).map_err(|e| e.to_string())
}
