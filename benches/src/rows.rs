//! The bench set: every test of every workload file, plus the generated [`crate::attacks`].
//!
//! A workload file gives one row per test (its newest fork's first post entry, as
//! `kestrel bench` picks it). Rows of files holding one test are named after the file
//! (`snailtracer`); the `precompile-*.json` files hold one test per input class and their rows
//! take the test's name (`precompile/blake2/100k_rounds`).

use std::path::{Path, PathBuf};

use kestrel_cli::bench::pick_cases;
use kestrel_cli::statetest::{Case, FileCases, collect_files, load_file};

use crate::attacks::{attack_cases, attack_names};
use crate::cold::{WARM_NAME, cold_case, cold_names};

/// Which geometric mean a row counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Contracts and loops from the workload files.
    Workload,
    /// The `precompile-*.json` files.
    Precompile,
    /// The generated adversarial workloads.
    Adversarial,
    /// The generated 24 KiB contract of the cold rows called in steady state: what their first
    /// calls cost beyond an ordinary call.
    Generated,
    /// First calls of new code ([`crate::cold`]): analysis and translation included.
    Cold,
}

impl Group {
    /// Every group, in table order.
    pub const ALL: [Group; 5] =
        [Group::Workload, Group::Precompile, Group::Adversarial, Group::Generated, Group::Cold];

    /// Lower-case name, as written in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            Group::Workload => "workload",
            Group::Precompile => "precompile",
            Group::Adversarial => "adversarial",
            Group::Generated => "generated",
            Group::Cold => "cold",
        }
    }
}

/// One row of the benchmark table.
#[derive(Clone, Debug)]
pub struct Row {
    /// Unique name, used by filters and by `run_one`.
    pub name: String,
    /// Geometric-mean group.
    pub group: Group,
    /// The transaction, pre-state, block and fork.
    pub case: Case,
    /// The workload file it came from; `None` for generated rows, which have no filled
    /// post-state and are checked only for agreement between the EVMs.
    pub file: Option<PathBuf>,
}

/// A row that could not be loaded, reported in the table instead of silently missing.
#[derive(Clone, Debug)]
pub struct LoadError {
    /// The file or generated row.
    pub name: String,
    /// What went wrong.
    pub error: String,
}

/// Whether `name` passes the filters: no filter, or any filter is a substring of it.
pub fn matches(name: &str, filters: &[String]) -> bool {
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

/// Every row of the files under `dir` and of the generated set whose name matches `filters`,
/// in order: workload files by name, then generated rows (adversarial, the 24 KiB contract
/// warm, then cold). Load problems are returned next to
/// the rows, one per file or test.
pub fn load_rows(dir: &Path, filters: &[String]) -> (Vec<Row>, Vec<LoadError>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let list = collect_files(&[dir.to_owned()]);
    for (path, error) in list.errors.into_iter().chain(list.skipped) {
        errors.push(LoadError { name: path.display().to_string(), error });
    }
    for path in list.files {
        load_file_rows(&path, filters, &mut rows, &mut errors);
    }
    generated_rows(filters, &mut rows, &mut errors);
    (rows, errors)
}

/// The rows of one workload file whose name matches `filters`, appended to `rows`.
pub fn load_file_rows(path: &Path, filters: &[String], rows: &mut Vec<Row>, errors: &mut Vec<LoadError>) {
    let stem = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let precompile = stem.starts_with("precompile-");
    let FileCases::Cases(cases) = load_file(path) else { return };
    let (picked, problems) = pick_cases(cases, None);
    for error in problems {
        errors.push(LoadError { name: stem.clone(), error });
    }
    let single = picked.len() == 1;
    for case in picked {
        let name = if single && !precompile { stem.clone() } else { case.id.test.to_string() };
        if matches(&name, filters) {
            let group = if precompile { Group::Precompile } else { Group::Workload };
            rows.push(Row { name, group, case, file: Some(path.to_owned()) });
        }
    }
}

/// The generated rows whose name matches `filters`, appended to `rows`: the attacks
/// ([`crate::attacks`]), then the 24 KiB contract's call in steady state and its cold calls
/// ([`crate::cold`]).
pub fn generated_rows(filters: &[String], rows: &mut Vec<Row>, errors: &mut Vec<LoadError>) {
    attack_rows(filters, rows, errors);
    let generated =
        std::iter::once((WARM_NAME, Group::Generated)).chain(cold_names().map(|n| (n, Group::Cold)));
    for (name, group) in generated.filter(|(n, _)| matches(n, filters)) {
        match cold_case(name) {
            Ok(case) => rows.push(Row { name: name.to_owned(), group, case, file: None }),
            Err(error) => errors.push(LoadError { name: name.to_owned(), error }),
        }
    }
}

fn attack_rows(filters: &[String], rows: &mut Vec<Row>, errors: &mut Vec<LoadError>) {
    if !filters.is_empty() && !attack_names().any(|n| matches(n, filters)) {
        return;
    }
    match attack_cases() {
        Ok(cases) => {
            for (name, case) in cases {
                if matches(&name, filters) {
                    rows.push(Row { name, group: Group::Adversarial, case, file: None });
                }
            }
        }
        Err(error) => errors.push(LoadError { name: "attack/*".to_owned(), error }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads_for_tests;

    /// Every test of the precompile files is its own row, and names are unique.
    #[test]
    fn every_precompile_test_is_a_row() {
        let Some(dir) = workloads_for_tests() else { return };
        let (rows, errors) = load_rows(&dir, &[]);
        assert!(errors.is_empty(), "{errors:?}");
        let precompile = rows.iter().filter(|r| r.group == Group::Precompile).count();
        assert_eq!(precompile, 68);
        let mut names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), rows.len());
    }

    /// A filter keeps only matching rows and skips generating attacks it cannot match.
    #[test]
    fn filters_select_by_substring() {
        let Some(dir) = workloads_for_tests() else { return };
        let (rows, _) = load_rows(&dir, &["weth".to_owned(), "zero-gas-sdiv".to_owned()]);
        let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["weth", "attack/zero-gas-sdiv"]);
    }
}
