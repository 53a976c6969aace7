//! The known-failures file: cases that are allowed to fail, each with a reason.
//!
//! One entry per line, `path-suffix::test::fork::index  # reason`. Blank lines and lines
//! starting with `#` are comments. The path suffix matches the end of a case's file path at a
//! `/` boundary, so an entry written as `stExample/add11.json` works wherever the corpus is
//! unpacked. Test names may contain `::` (EEST names do): the path is everything before the
//! first `::`, the fork and index are the last two fields, and the test is what lies between.
//! A reason is required, so that every tolerated failure says why.

use core::fmt;
use std::collections::HashMap;

use kestrel::primitives::SpecId;

use super::case::CaseId;

/// One entry of the known-failures file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownFailure {
    /// Suffix of the fixture path, matched at a `/` boundary.
    pub path_suffix: String,
    /// Exact test name.
    pub test: String,
    /// Fork name (compared as a fork, so `Merge` matches `Paris`).
    pub fork: String,
    /// Index of the entry in `post[fork]`.
    pub index: usize,
    /// Why the case fails.
    pub reason: String,
    /// 1-based line number in the file.
    pub line: usize,
}

impl fmt::Display for KnownFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}::{}::{}", self.path_suffix, self.test, self.fork, self.index)
    }
}

/// A syntax error in the known-failures file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownFailuresError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for KnownFailuresError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "known-failures line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for KnownFailuresError {}

/// The parsed file, indexed for lookup by case.
#[derive(Clone, Debug, Default)]
pub struct KnownFailures {
    entries: Vec<KnownFailure>,
    /// (test, canonical fork, index) → entry positions.
    by_key: HashMap<(String, String, usize), Vec<usize>>,
}

/// The fork's canonical name when it is a known fork, else the name itself.
fn canonical_fork(fork: &str) -> String {
    fork.parse::<SpecId>().map_or_else(|_| fork.to_owned(), |s| s.name().to_owned())
}

/// True when `path` ends with `suffix` at a path-component boundary (either separator).
fn path_matches(path: &str, suffix: &str) -> bool {
    let path = path.replace('\\', "/");
    let suffix = suffix.trim_start_matches("./");
    path == suffix || path.strip_suffix(suffix).is_some_and(|rest| rest.ends_with('/'))
}

fn parse_line(line: &str, number: usize) -> Result<Option<KnownFailure>, KnownFailuresError> {
    let err = |message: String| KnownFailuresError { line: number, message };
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let (key, reason) = match trimmed.find(" #").or_else(|| trimmed.find("\t#")) {
        Some(at) => (trimmed[..at].trim(), trimmed[at + 2..].trim()),
        None => (trimmed, ""),
    };
    if reason.is_empty() {
        return Err(err("missing `# reason`".to_owned()));
    }
    let (path_suffix, rest) =
        key.split_once("::").ok_or_else(|| err("expected path::test::fork::index".to_owned()))?;
    let (rest, index) = rest.rsplit_once("::").ok_or_else(|| err("missing ::index".to_owned()))?;
    let (test, fork) = rest.rsplit_once("::").ok_or_else(|| err("missing ::fork".to_owned()))?;
    let index = index.parse::<usize>().map_err(|_| err(format!("index {index:?} is not a number")))?;
    if path_suffix.is_empty() || test.is_empty() || fork.is_empty() {
        return Err(err("empty path, test or fork".to_owned()));
    }
    Ok(Some(KnownFailure {
        path_suffix: path_suffix.to_owned(),
        test: test.to_owned(),
        fork: fork.to_owned(),
        index,
        reason: reason.to_owned(),
        line: number,
    }))
}

impl KnownFailures {
    /// Parses the file's text; the first malformed line is an error.
    pub fn parse(text: &str) -> Result<Self, KnownFailuresError> {
        let mut known = KnownFailures::default();
        for (i, line) in text.lines().enumerate() {
            if let Some(entry) = parse_line(line, i + 1)? {
                let key = (entry.test.clone(), canonical_fork(&entry.fork), entry.index);
                known.by_key.entry(key).or_default().push(known.entries.len());
                known.entries.push(entry);
            }
        }
        Ok(known)
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[KnownFailure] {
        &self.entries
    }

    /// The position in [`entries`](Self::entries) of the entry listing `id`, if any.
    pub fn lookup(&self, id: &CaseId) -> Option<usize> {
        let key = (id.test.to_string(), canonical_fork(&id.fork), id.index);
        self.by_key.get(&key)?.iter().copied().find(|&i| path_matches(&id.file, &self.entries[i].path_suffix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn id(file: &str, test: &str, fork: &str, index: usize) -> CaseId {
        CaseId { file: Arc::from(file), test: Arc::from(test), fork: fork.to_owned(), index }
    }

    #[test]
    fn parses_entries_comments_and_eest_names() {
        let text = "\
# tolerated failures
stExample/add11.json::add11::Cancun::0  # root differs: SSTORE refund

eest/x/test_a.json::tests/x/test_a.py::test_a[fork_Prague-state_test]::Merge::2 # slow
";
        let k = KnownFailures::parse(text).unwrap();
        assert_eq!(k.entries().len(), 2);
        assert_eq!(k.entries()[0].reason, "root differs: SSTORE refund");
        assert_eq!(k.entries()[1].test, "tests/x/test_a.py::test_a[fork_Prague-state_test]");
        assert_eq!(k.entries()[1].line, 4);
        let a = id("/fx/legacy-cancun/stExample/add11.json", "add11", "Cancun", 0);
        assert_eq!(k.lookup(&a), Some(0));
        // Fork aliases match; the index, test and path boundary must.
        let b = id("/fx/eest/x/test_a.json", "tests/x/test_a.py::test_a[fork_Prague-state_test]", "Paris", 2);
        assert_eq!(k.lookup(&b), Some(1));
        assert_eq!(k.lookup(&id("/fx/stExample/add11.json", "add11", "Cancun", 1)), None);
        assert_eq!(k.lookup(&id("/fx/xstExample/add11.json", "add11", "Cancun", 0)), None);
        assert_eq!(k.lookup(&id("/fx/stExample/add11.json", "add12", "Cancun", 0)), None);
    }

    #[test]
    fn malformed_lines_are_errors() {
        let missing_reason = KnownFailures::parse("a.json::t::Cancun::0\n").unwrap_err();
        assert_eq!(missing_reason.line, 1);
        assert!(KnownFailures::parse("a.json::t::Cancun::x # r").is_err());
        assert!(KnownFailures::parse("a.json::Cancun # r").is_err());
        assert!(KnownFailures::parse("just text # r").is_err());
        assert!(KnownFailures::parse("::t::Cancun::0 # r").is_err());
    }
}
