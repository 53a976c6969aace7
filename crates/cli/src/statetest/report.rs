//! Judging a run against the known-failures file, printing it, and the `--json` report.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::known::KnownFailure;
use super::run::{CaseResult, Mismatch, RunReport, Status};

/// The counts of a run and what makes it fail.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed, listed in the known-failures file or not.
    pub failed: usize,
    /// Cases not run (unknown fork …).
    pub skipped: usize,
    /// Failed cases the known-failures file does not list: each fails the run.
    pub unexpected_failures: usize,
    /// Failed cases the known-failures file lists.
    pub known_failures: usize,
    /// Known-failures entries whose case now passes: each fails the run, so the file is
    /// kept honest.
    pub stale_entries: usize,
}

impl Summary {
    /// True when the run succeeds: it executed at least one case (a run that checked nothing
    /// proves nothing: a wrong path, a filter matching nothing, only skipped cases), no
    /// unlisted failure and no listed case that passes.
    pub fn success(&self) -> bool {
        self.executed() > 0 && self.unexpected_failures == 0 && self.stale_entries == 0
    }

    /// Cases executed and judged, passed or failed.
    pub fn executed(&self) -> usize {
        self.passed + self.failed
    }
}

impl RunReport {
    /// The entry of the known-failures file listing `result`, if any.
    pub fn known_entry(&self, result: &CaseResult) -> Option<&KnownFailure> {
        self.known.lookup(&result.id).map(|i| &self.known.entries()[i])
    }

    /// Counts the results and judges them against the known-failures file.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for r in &self.results {
            let known = self.known_entry(r).is_some();
            match &r.status {
                Status::Passed => {
                    s.passed += 1;
                    s.stale_entries += usize::from(known);
                }
                Status::Failed(_) => {
                    s.failed += 1;
                    if known {
                        s.known_failures += 1;
                    } else {
                        s.unexpected_failures += 1;
                    }
                }
                Status::Skipped(_) => s.skipped += 1,
            }
        }
        s
    }

    /// Prints every failure (with what differed), every stale known-failures entry, a tally
    /// of skip reasons, and as the very last line `N passed, M failed, K skipped`.
    pub fn print(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut skip_reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &self.results {
            match &r.status {
                Status::Failed(m) => {
                    let details = m.iter().map(Mismatch::to_string).collect::<Vec<_>>().join("; ");
                    match self.known_entry(r) {
                        None => writeln!(out, "FAIL {}: {details}", r.id)?,
                        Some(k) => writeln!(out, "known failure {}: {details}  # {}", r.id, k.reason)?,
                    }
                }
                Status::Passed => {
                    if let Some(k) = self.known_entry(r) {
                        writeln!(
                            out,
                            "STALE known failure (line {}) {} now passes: remove the entry",
                            k.line, r.id
                        )?;
                    }
                }
                Status::Skipped(reason) => *skip_reasons.entry(reason).or_default() += 1,
            }
        }
        for (reason, n) in skip_reasons {
            writeln!(out, "skipped {n}: {reason}")?;
        }
        for (path, note) in &self.skipped_files {
            writeln!(out, "skipped file {}: {note}", path.display())?;
        }
        if !self.ignored_files.is_empty() {
            writeln!(out, "ignored {} JSON file(s) holding no state test", self.ignored_files.len())?;
        }
        let s = self.summary();
        if s.executed() == 0 {
            writeln!(out, "no case was executed: the run checked nothing")?;
        }
        if s.known_failures > 0 || s.stale_entries > 0 {
            writeln!(
                out,
                "{} unexpected failure(s), {} known failure(s), {} stale known-failures entr(y/ies)",
                s.unexpected_failures, s.known_failures, s.stale_entries
            )?;
        }
        writeln!(out, "{} passed, {} failed, {} skipped", s.passed, s.failed, s.skipped)
    }

    /// The `--json` report: the summary and one record per case.
    pub fn to_json(&self) -> serde_json::Value {
        let cases: Vec<JsonCase<'_>> = self
            .results
            .iter()
            .map(|r| {
                let (status, mismatches, skip_reason) = match &r.status {
                    Status::Passed => ("passed", None, None),
                    Status::Failed(m) => ("failed", Some(m.as_slice()), None),
                    Status::Skipped(why) => ("skipped", None, Some(why.as_str())),
                };
                JsonCase {
                    file: &r.id.file,
                    test: &r.id.test,
                    fork: &r.id.fork,
                    index: r.id.index,
                    status,
                    mismatches,
                    skip_reason,
                    known_failure: self.known_entry(r).map(|k| k.reason.as_str()),
                }
            })
            .collect();
        serde_json::json!({ "summary": self.summary(), "cases": cases })
    }
}

/// One case in the `--json` report.
#[derive(Serialize)]
struct JsonCase<'a> {
    file: &'a str,
    test: &'a str,
    fork: &'a str,
    index: usize,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    mismatches: Option<&'a [Mismatch]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skip_reason: Option<&'a str>,
    /// The reason given in the known-failures file, when the case is listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    known_failure: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::statetest::case::CaseId;
    use crate::statetest::known::KnownFailures;

    fn result(test: &str, status: Status) -> CaseResult {
        let id = CaseId {
            file: Arc::from("/x/st/a.json"),
            test: Arc::from(test),
            fork: "Cancun".to_owned(),
            index: 0,
        };
        CaseResult { id, status }
    }

    fn failed() -> Status {
        Status::Failed(vec![Mismatch::Executor { message: "boom".to_owned() }])
    }

    fn report(known: &str, results: Vec<CaseResult>) -> RunReport {
        RunReport { results, known: KnownFailures::parse(known).unwrap(), ..Default::default() }
    }

    fn printed(r: &RunReport) -> String {
        let mut out = Vec::new();
        r.print(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn listed_failures_pass_the_run_unlisted_ones_fail_it() {
        let r = report(
            "st/a.json::k::Cancun::0 # known bug\n",
            vec![
                result("k", failed()),
                result("p", Status::Passed),
                result("s", Status::Skipped("why".into())),
            ],
        );
        let s = r.summary();
        assert_eq!((s.passed, s.failed, s.skipped, s.known_failures, s.unexpected_failures), (1, 1, 1, 1, 0));
        assert!(s.success());
        assert!(printed(&r).ends_with("\n1 passed, 1 failed, 1 skipped\n"));

        let r = report("", vec![result("k", failed())]);
        assert!(!r.summary().success());
        let text = printed(&r);
        assert!(text.starts_with("FAIL /x/st/a.json::k::Cancun::0: error: boom\n"), "{text}");
        assert_eq!(text.lines().last(), Some("0 passed, 1 failed, 0 skipped"));
    }

    #[test]
    fn a_listed_case_that_passes_fails_the_run() {
        let r = report("st/a.json::k::Cancun::0 # was broken\n", vec![result("k", Status::Passed)]);
        let s = r.summary();
        assert_eq!((s.passed, s.stale_entries), (1, 1));
        assert!(!s.success());
        assert!(printed(&r).contains("STALE known failure (line 1)"));
    }

    #[test]
    fn json_report_has_summary_and_cases() {
        let r = report("", vec![result("k", failed()), result("p", Status::Passed)]);
        let json = r.to_json();
        assert_eq!(json["summary"]["failed"], 1);
        assert_eq!(json["cases"][0]["status"], "failed");
        assert_eq!(json["cases"][0]["mismatches"][0]["kind"], "executor");
        assert_eq!(json["cases"][1]["test"], "p");
        assert!(json["cases"][1].get("mismatches").is_none());
    }
}
