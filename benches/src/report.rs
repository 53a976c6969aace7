//! The results table: console text, Markdown and JSON, with geometric means per [`Group`].
//!
//! Ratios are always `revm time / Kestrel time` (or instructions): above 1.0 Kestrel is faster.
//! Rows where the EVMs disagreed or that failed to load or run are listed, loudly, and left out
//! of every mean.

use std::fmt::Write as _;

use serde::Serialize;

use crate::rows::Group;
use crate::timing::Timing;

/// What happened to one row.
#[derive(Clone, Debug)]
pub enum Status {
    /// Both EVMs agreed and were timed.
    Measured(Timing),
    /// The pre-timing check failed: the EVMs (or Kestrel and the fixture) disagree.
    Disagree(String),
    /// The row could not be loaded or an EVM panicked.
    Failed(String),
}

/// One row of the wall-clock table.
#[derive(Clone, Debug)]
pub struct RowResult {
    /// Row name.
    pub name: String,
    /// Mean group.
    pub group: Group,
    /// Fork run (empty when the row did not load).
    pub fork: String,
    /// Gas used, as both EVMs agreed (0 when not measured).
    pub gas_used: u64,
    /// Whether the transaction succeeded.
    pub success: bool,
    /// The outcome.
    pub status: Status,
}

impl RowResult {
    fn timing(&self) -> Option<&Timing> {
        match &self.status {
            Status::Measured(t) => Some(t),
            _ => None,
        }
    }
}

/// Where, when and how a table was measured.
#[derive(Clone, Debug, Serialize)]
pub struct Context {
    /// UTC time the run started, `YYYY-MM-DD HH:MM UTC`.
    pub date: String,
    /// The command line, as typed through `cargo xtask bench`.
    pub command: String,
    /// Logical CPUs.
    pub cpus: usize,
    /// CPU model from `/proc/cpuinfo`.
    pub cpu: String,
    /// Time budget per row and minimum rounds, in words.
    pub method: String,
}

impl Context {
    /// This machine, now.
    pub fn here(command: String, method: String) -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        Context {
            date: utc_now(),
            command,
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            method,
        }
    }
}

/// Current UTC time as `YYYY-MM-DD HH:MM UTC` (civil-from-days, no time zone database).
fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

/// Geometric mean of positive values (`None` for none).
pub fn geomean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.into_iter().fold((0.0, 0usize), |(s, n), v| (s + v.ln(), n + 1));
    (n > 0).then(|| (sum / n as f64).exp())
}

/// Geometric mean of the measured ratios of one group, and how many rows it covers.
pub fn group_geomean(rows: &[RowResult], group: Group) -> (Option<f64>, usize) {
    let ratios: Vec<f64> =
        rows.iter().filter(|r| r.group == group).filter_map(|r| r.timing().map(|t| t.ratio)).collect();
    (geomean(ratios.iter().copied()), ratios.len())
}

/// A duration in ns with a unit that keeps three or four significant digits.
pub fn human_ns(ns: f64) -> String {
    if !ns.is_finite() {
        "-".to_owned()
    } else if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// A ratio with three decimals, or three significant digits below 0.1 (the adversarial rows).
pub fn fmt_ratio(r: f64) -> String {
    if r < 0.1 { format!("{r:.2e}") } else { format!("{r:.3}") }
}

/// Mgas/s with one decimal, or three significant digits below 1.
fn fmt_mgas(m: f64) -> String {
    if m < 1.0 { format!("{m:.3}") } else { format!("{m:.1}") }
}

/// Million gas per second for `gas` in `ns`.
pub fn mgas_per_s(gas: u64, ns: f64) -> f64 {
    gas as f64 / ns * 1e3
}

fn cells(r: &RowResult) -> [String; 7] {
    let gas = if r.gas_used > 0 { r.gas_used.to_string() } else { "-".to_owned() };
    match &r.status {
        Status::Measured(t) => [
            r.name.clone(),
            gas,
            human_ns(t.kestrel_ns),
            human_ns(t.revm_ns),
            fmt_ratio(t.ratio),
            fmt_mgas(mgas_per_s(r.gas_used, t.kestrel_ns)),
            fmt_mgas(mgas_per_s(r.gas_used, t.revm_ns)),
        ],
        Status::Disagree(_) => {
            [r.name.clone(), gas, "DISAGREE".into(), "-".into(), "-".into(), "-".into(), "-".into()]
        }
        Status::Failed(_) => {
            [r.name.clone(), gas, "FAILED".into(), "-".into(), "-".into(), "-".into(), "-".into()]
        }
    }
}

const HEADER: [&str; 7] = ["workload", "gas used", "Kestrel", "revm", "ratio", "K Mgas/s", "R Mgas/s"];

fn geomean_lines(rows: &[RowResult]) -> Vec<String> {
    Group::ALL
        .iter()
        .filter_map(|&g| {
            let (mean, n) = group_geomean(rows, g);
            let total = rows.iter().filter(|r| r.group == g).count();
            (total > 0).then(|| match mean {
                Some(m) => format!("geomean {} ({n} of {total} rows): {}", g.name(), fmt_ratio(m)),
                None => format!("geomean {} (0 of {total} rows): -", g.name()),
            })
        })
        .collect()
}

fn problems(rows: &[RowResult]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| match &r.status {
            Status::Measured(_) => None,
            Status::Disagree(why) => Some(format!("DISAGREE {}: {why}", r.name)),
            Status::Failed(why) => Some(format!("FAILED {}: {why}", r.name)),
        })
        .collect()
}

/// The table as aligned console text, followed by the geometric means and any problem rows.
pub fn text_table(rows: &[RowResult]) -> String {
    let all: Vec<[String; 7]> = rows.iter().map(cells).collect();
    let mut width = HEADER.map(|h| h.chars().count());
    for c in &all {
        for (w, cell) in width.iter_mut().zip(c) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |c: &[String]| {
        let mut s = String::new();
        for (i, (cell, w)) in c.iter().zip(width).enumerate() {
            let pad = w - cell.chars().count();
            if i == 0 {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str("  ");
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(&HEADER.map(str::to_owned));
    for c in &all {
        out.push_str(&line(c));
    }
    out.push('\n');
    for g in geomean_lines(rows) {
        let _ = writeln!(out, "{g}");
    }
    for p in problems(rows) {
        let _ = writeln!(out, "!!! {p}");
    }
    out
}

/// The table as Markdown, headed by the run's context.
pub fn markdown(ctx: &Context, rows: &[RowResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {} logical CPUs ({}).\n", ctx.date, ctx.cpus, ctx.cpu);
    let _ = writeln!(out, "Command: `{}`. {}\n", ctx.command, ctx.method);
    let _ = writeln!(out, "| {} |", HEADER.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(HEADER.len() - 1));
    for r in rows {
        let _ = writeln!(out, "| {} |", cells(r).join(" | "));
    }
    out.push('\n');
    for g in geomean_lines(rows) {
        let _ = writeln!(out, "- {g}");
    }
    let problems = problems(rows);
    if !problems.is_empty() {
        out.push_str("\n**Excluded from the means:**\n\n");
        for p in problems {
            let _ = writeln!(out, "- {p}");
        }
    }
    out
}

#[derive(Serialize)]
struct JsonRow<'a> {
    name: &'a str,
    group: &'static str,
    fork: &'a str,
    status: &'static str,
    error: Option<&'a str>,
    gas_used: u64,
    success: bool,
    kestrel_ns: Option<f64>,
    revm_ns: Option<f64>,
    ratio: Option<f64>,
    kestrel_mgas_per_s: Option<f64>,
    revm_mgas_per_s: Option<f64>,
    rounds: Option<usize>,
}

#[derive(Serialize)]
struct JsonGeomean {
    group: &'static str,
    geomean: Option<f64>,
    rows: usize,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    context: &'a Context,
    rows: Vec<JsonRow<'a>>,
    geomeans: Vec<JsonGeomean>,
}

/// The table as pretty JSON: context, rows (times in ns) and geometric means.
pub fn json(ctx: &Context, rows: &[RowResult]) -> String {
    let json_rows = rows
        .iter()
        .map(|r| {
            let t = r.timing();
            let (status, error) = match &r.status {
                Status::Measured(_) => ("ok", None),
                Status::Disagree(e) => ("disagree", Some(e.as_str())),
                Status::Failed(e) => ("failed", Some(e.as_str())),
            };
            JsonRow {
                name: &r.name,
                group: r.group.name(),
                fork: &r.fork,
                status,
                error,
                gas_used: r.gas_used,
                success: r.success,
                kestrel_ns: t.map(|t| t.kestrel_ns),
                revm_ns: t.map(|t| t.revm_ns),
                ratio: t.map(|t| t.ratio),
                kestrel_mgas_per_s: t.map(|t| mgas_per_s(r.gas_used, t.kestrel_ns)),
                revm_mgas_per_s: t.map(|t| mgas_per_s(r.gas_used, t.revm_ns)),
                rounds: t.map(|t| t.rounds),
            }
        })
        .collect();
    let geomeans = Group::ALL
        .iter()
        .map(|&g| {
            let (geomean, rows) = group_geomean(rows, g);
            JsonGeomean { group: g.name(), geomean, rows }
        })
        .collect();
    serde_json::to_string_pretty(&JsonReport { context: ctx, rows: json_rows, geomeans }).unwrap_or_default()
}

/// One row of the instructions table: instructions per transaction under callgrind.
#[derive(Clone, Debug, Serialize)]
pub struct InstrRow {
    /// Row name.
    pub name: String,
    /// Gas used by the transaction.
    pub gas_used: u64,
    /// The two iteration counts whose difference is taken.
    pub iterations: (u32, u32),
    /// Kestrel's instructions per transaction.
    pub kestrel: Option<f64>,
    /// revm's instructions per transaction.
    pub revm: Option<f64>,
    /// What went wrong, when a count is missing.
    pub error: Option<String>,
}

impl InstrRow {
    /// `revm / Kestrel` instructions (above 1: Kestrel executes fewer).
    pub fn ratio(&self) -> Option<f64> {
        Some(self.revm? / self.kestrel?)
    }
}

fn instr_cells(r: &InstrRow) -> [String; 6] {
    let count = |c: Option<f64>| c.map_or_else(|| "FAILED".to_owned(), |c| format!("{c:.0}"));
    let per_gas = |c: Option<f64>| match c {
        Some(c) if r.gas_used > 0 => format!("{:.2}", c / r.gas_used as f64),
        _ => "-".to_owned(),
    };
    [
        r.name.clone(),
        count(r.kestrel),
        count(r.revm),
        r.ratio().map_or_else(|| "-".to_owned(), fmt_ratio),
        per_gas(r.kestrel),
        per_gas(r.revm),
    ]
}

const INSTR_HEADER: [&str; 6] =
    ["workload", "Kestrel instr/tx", "revm instr/tx", "ratio", "K instr/gas", "R instr/gas"];

/// The instructions table as Markdown (also readable on a console).
pub fn instr_markdown(ctx: &Context, rows: &[InstrRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {} logical CPUs ({}).\n", ctx.date, ctx.cpus, ctx.cpu);
    let _ = writeln!(out, "Command: `{}`. {}\n", ctx.command, ctx.method);
    let _ = writeln!(out, "| {} |", INSTR_HEADER.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(INSTR_HEADER.len() - 1));
    for r in rows {
        let _ = writeln!(out, "| {} |", instr_cells(r).join(" | "));
    }
    let mean = geomean(rows.iter().filter_map(InstrRow::ratio));
    if let Some(m) = mean {
        let _ = writeln!(
            out,
            "\n- geomean of ratios ({} rows): {m:.3}",
            rows.iter().filter_map(InstrRow::ratio).count()
        );
    }
    for r in rows {
        if let Some(e) = &r.error {
            let _ = writeln!(out, "- FAILED {}: {e}", r.name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geomean_of_ratios() {
        let g = geomean([2.0, 0.5, 1.0]).expect("three values");
        assert!((g - 1.0).abs() < 1e-12);
        assert_eq!(geomean([]), None);
    }

    #[test]
    fn human_units() {
        assert_eq!(human_ns(950.0), "950 ns");
        assert_eq!(human_ns(1_500.0), "1.50 µs");
        assert_eq!(human_ns(2_500_000.0), "2.50 ms");
        assert_eq!(fmt_ratio(1.23456), "1.235");
        assert_eq!(fmt_ratio(0.001634), "1.63e-3");
    }

    /// Disagreeing rows are shown and left out of the mean.
    #[test]
    fn disagreement_is_excluded_and_loud() {
        let timing =
            Timing { kestrel_ns: 1.0, revm_ns: 2.0, ratio: 2.0, rounds: 3, kestrel_batch: 1, revm_batch: 1 };
        let row = |name: &str, status| RowResult {
            name: name.to_owned(),
            group: Group::Workload,
            fork: "Osaka".to_owned(),
            gas_used: 21_000,
            success: true,
            status,
        };
        let rows = [row("a", Status::Measured(timing)), row("b", Status::Disagree("gas".to_owned()))];
        assert_eq!(group_geomean(&rows, Group::Workload), (Some(2.0), 1));
        let text = text_table(&rows);
        assert!(text.contains("DISAGREE b: gas"), "{text}");
    }
}
