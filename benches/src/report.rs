//! The results table: console text, Markdown and JSON, with geometric means per [`Group`] and
//! per Kestrel execution mode.
//!
//! Ratios against revm are always `revm time / Kestrel time` (or instructions): above 1.0
//! Kestrel is faster. Against the interpreter, `I/C` and `I/A` are `interpreter time / compiled
//! (auto) time`: above 1.0 the compiled tier is faster than the interpreter. Rows where the EVMs
//! disagreed or that failed to load or run are listed, loudly, and left out of every mean.

use std::fmt::Write as _;

use serde::Serialize;

use crate::cold::TranslateTime;
use crate::rows::Group;
use crate::timing::Samples;

/// A paired ratio against the interpreter below `1 - NOISE` counts as slower than the
/// interpreter (two identical full runs moved single rows by up to about 5%; see the README).
pub const NOISE: f64 = 0.05;

mod instructions;
pub use instructions::{InstrMode, InstrRow, instr_markdown};

/// One Kestrel execution mode's result in a row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModeTiming {
    /// `interpreter`, `compiled` or `auto`.
    pub mode: &'static str,
    /// Median time of one transaction, ns.
    pub ns: f64,
    /// Median over rounds of `revm time / this mode's time` (above 1: Kestrel faster).
    pub ratio: f64,
    /// Median over rounds of `interpreter time / this mode's time` (above 1: this mode is faster
    /// than the interpreter); `None` for the interpreter itself or when it was not measured.
    pub vs_interpreter: Option<f64>,
    /// Transactions per batch.
    pub batch: u64,
}

/// What a measured row gives: every Kestrel mode beside revm, from the same rounds.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    /// The Kestrel modes, in column order.
    pub modes: Vec<ModeTiming>,
    /// Median time of one revm transaction, ns.
    pub revm_ns: f64,
    /// Rounds run.
    pub rounds: usize,
    /// Transactions per revm batch.
    pub revm_batch: u64,
    /// Anything the reader should know about how this row was measured (e.g. Auto never
    /// reached its steady state).
    pub note: Option<String>,
}

impl Timing {
    /// The timing of `samples` whose sides are `modes` in order and then revm, with the batch
    /// length of each side.
    pub fn from_samples(modes: &[&'static str], samples: &Samples, batches: &[u64]) -> Self {
        let revm = modes.len();
        let interpreter = modes.iter().position(|&m| m == "interpreter");
        let modes = modes
            .iter()
            .enumerate()
            .map(|(i, &mode)| ModeTiming {
                mode,
                ns: samples.median_ns(i),
                ratio: samples.paired_ratio(revm, i),
                vs_interpreter: interpreter.filter(|&j| j != i).map(|j| samples.paired_ratio(j, i)),
                batch: batches.get(i).copied().unwrap_or(1),
            })
            .collect();
        Timing {
            modes,
            revm_ns: samples.median_ns(revm),
            rounds: samples.rounds(),
            revm_batch: batches.get(revm).copied().unwrap_or(1),
            note: None,
        }
    }

    /// The timing of `mode`, when measured.
    pub fn mode(&self, mode: &str) -> Option<&ModeTiming> {
        self.modes.iter().find(|m| m.mode == mode)
    }

    /// The mode the Mgas/s column shows: Auto (the `Evm`'s default) when measured, else the
    /// last one.
    pub fn main(&self) -> Option<&ModeTiming> {
        self.mode("auto").or(self.modes.last())
    }
}

/// What happened to one row.
#[derive(Clone, Debug)]
pub enum Status {
    /// The EVMs agreed and were timed.
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
    /// The Kestrel execution modes measured, in column order.
    pub modes: Vec<&'static str>,
}

impl Context {
    /// This machine, now.
    pub fn here(command: String, method: String, modes: Vec<&'static str>) -> Self {
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
            modes,
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

/// Geometric mean of one group's ratios picked by `pick` from each measured row, and how many
/// rows it covers.
pub fn group_geomean(
    rows: &[RowResult],
    group: Group,
    pick: impl Fn(&Timing) -> Option<f64>,
) -> (Option<f64>, usize) {
    let ratios: Vec<f64> =
        rows.iter().filter(|r| r.group == group).filter_map(|r| r.timing().and_then(&pick)).collect();
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
    if !r.is_finite() {
        "-".to_owned()
    } else if r < 0.1 {
        format!("{r:.2e}")
    } else {
        format!("{r:.3}")
    }
}

/// Mgas/s with one decimal, or three significant digits below 1.
fn fmt_mgas(m: f64) -> String {
    if m < 1.0 { format!("{m:.3}") } else { format!("{m:.1}") }
}

/// Million gas per second for `gas` in `ns`.
pub fn mgas_per_s(gas: u64, ns: f64) -> f64 {
    gas as f64 / ns * 1e3
}

/// One-letter column prefix of a mode: `I`, `C`, `A`.
pub fn abbrev(mode: &str) -> String {
    mode.chars().next().map_or_else(String::new, |c| c.to_ascii_uppercase().to_string())
}

/// The columns of the timing table for `modes`.
struct Columns<'a> {
    modes: &'a [&'static str],
}

impl Columns<'_> {
    fn with_interpreter(&self) -> bool {
        self.modes.contains(&"interpreter") && self.modes.len() > 1
    }

    /// The modes compared with the interpreter (all but it, when it was measured).
    fn against_interpreter(&self) -> impl Iterator<Item = &'static str> + '_ {
        let on = self.with_interpreter();
        self.modes.iter().copied().filter(move |&m| on && m != "interpreter")
    }

    /// The mode whose Mgas/s is shown.
    fn main(&self) -> Option<&'static str> {
        self.modes.iter().copied().find(|&m| m == "auto").or(self.modes.last().copied())
    }

    fn header(&self) -> Vec<String> {
        let mut h = vec!["workload".to_owned(), "gas used".to_owned()];
        h.extend(self.modes.iter().map(|m| (*m).to_owned()));
        h.push("revm".to_owned());
        h.extend(self.modes.iter().map(|m| format!("revm/{}", abbrev(m))));
        h.extend(self.against_interpreter().map(|m| format!("I/{}", abbrev(m))));
        if let Some(m) = self.main() {
            h.push(format!("{} Mgas/s", abbrev(m)));
        }
        h.push("R Mgas/s".to_owned());
        h
    }

    fn cells(&self, r: &RowResult) -> Vec<String> {
        let gas = if r.gas_used > 0 { r.gas_used.to_string() } else { "-".to_owned() };
        let mut c = vec![r.name.clone(), gas];
        let width = self.header().len();
        match &r.status {
            Status::Measured(t) => {
                let of = |m: &str| t.mode(m);
                c.extend(self.modes.iter().map(|m| of(m).map_or_else(|| "-".to_owned(), |x| human_ns(x.ns))));
                c.push(human_ns(t.revm_ns));
                c.extend(
                    self.modes.iter().map(|m| of(m).map_or_else(|| "-".to_owned(), |x| fmt_ratio(x.ratio))),
                );
                c.extend(
                    self.against_interpreter().map(|m| {
                        of(m).and_then(|x| x.vs_interpreter).map_or_else(|| "-".to_owned(), fmt_ratio)
                    }),
                );
                if let Some(m) = self.main() {
                    c.push(of(m).map_or_else(|| "-".to_owned(), |x| fmt_mgas(mgas_per_s(r.gas_used, x.ns))));
                }
                c.push(fmt_mgas(mgas_per_s(r.gas_used, t.revm_ns)));
            }
            Status::Disagree(_) => c.push("DISAGREE".into()),
            Status::Failed(_) => c.push("FAILED".into()),
        }
        c.resize(width, "-".to_owned());
        c
    }
}

fn geomean_lines(modes: &[&'static str], rows: &[RowResult]) -> Vec<String> {
    let cols = Columns { modes };
    Group::ALL
        .iter()
        .filter_map(|&g| {
            let total = rows.iter().filter(|r| r.group == g).count();
            if total == 0 {
                return None;
            }
            let mut parts = Vec::new();
            let mut covered = 0;
            for &m in modes {
                let (mean, n) = group_geomean(rows, g, |t| t.mode(m).map(|x| x.ratio));
                covered = covered.max(n);
                parts.push(format!("revm/{} {}", abbrev(m), mean.map_or_else(|| "-".to_owned(), fmt_ratio)));
            }
            let mut vs = Vec::new();
            for m in cols.against_interpreter() {
                let (mean, _) = group_geomean(rows, g, |t| t.mode(m).and_then(|x| x.vs_interpreter));
                vs.push(format!("I/{} {}", abbrev(m), mean.map_or_else(|| "-".to_owned(), fmt_ratio)));
            }
            let vs = if vs.is_empty() { String::new() } else { format!("; {}", vs.join(", ")) };
            Some(format!("geomean {} ({covered} of {total} rows): {}{vs}", g.name(), parts.join(", ")))
        })
        .collect()
}

/// For every mode but the interpreter: the rows where it was slower than the interpreter beyond
/// [`NOISE`] (paired ratio), or that none was.
fn slower_lines(modes: &[&'static str], rows: &[RowResult]) -> Vec<String> {
    let cols = Columns { modes };
    cols.against_interpreter()
        .map(|m| {
            let slower: Vec<String> = rows
                .iter()
                .filter_map(|r| {
                    let v = r.timing()?.mode(m)?.vs_interpreter?;
                    (v < 1.0 - NOISE).then(|| format!("{} ({})", r.name, fmt_ratio(v)))
                })
                .collect();
            if slower.is_empty() {
                format!(
                    "{m}: no row slower than the interpreter by more than {:.0}% (I/{} >= {:.2})",
                    NOISE * 100.0,
                    abbrev(m),
                    1.0 - NOISE
                )
            } else {
                format!(
                    "{m} slower than the interpreter by more than {:.0}% (I/{} < {:.2}): {}",
                    NOISE * 100.0,
                    abbrev(m),
                    1.0 - NOISE,
                    slower.join(", ")
                )
            }
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

fn notes(rows: &[RowResult]) -> Vec<String> {
    rows.iter().filter_map(|r| Some(format!("{}: {}", r.name, r.timing()?.note.as_ref()?))).collect()
}

/// `rows` as aligned console text.
fn aligned(header: &[String], rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for c in rows {
        for (w, cell) in width.iter_mut().zip(c) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |c: &[String]| {
        let mut s = String::new();
        for (i, (cell, w)) in c.iter().zip(&width).enumerate() {
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
    let mut out = line(header);
    for c in rows {
        out.push_str(&line(c));
    }
    out
}

/// `rows` as a Markdown table, first column left-aligned, the others right-aligned.
fn markdown_table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(header.len().saturating_sub(1)));
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
    out
}

/// The summary under a table: geometric means, the slower-than-interpreter check, notes and
/// problem rows, one per line with `prefix`.
fn summary(modes: &[&'static str], rows: &[RowResult], prefix: &str) -> String {
    let mut out = String::new();
    for g in geomean_lines(modes, rows).into_iter().chain(slower_lines(modes, rows)) {
        let _ = writeln!(out, "{prefix}{g}");
    }
    for n in notes(rows) {
        let _ = writeln!(out, "{prefix}note {n}");
    }
    out
}

/// The table as aligned console text, followed by the geometric means and any problem rows.
pub fn text_table(modes: &[&'static str], rows: &[RowResult]) -> String {
    let cols = Columns { modes };
    let cells: Vec<Vec<String>> = rows.iter().map(|r| cols.cells(r)).collect();
    let mut out = aligned(&cols.header(), &cells);
    out.push('\n');
    out.push_str(&summary(modes, rows, ""));
    for p in problems(rows) {
        let _ = writeln!(out, "!!! {p}");
    }
    out
}

/// The table as Markdown, headed by the run's context, with the translation times (if any)
/// after it.
pub fn markdown(ctx: &Context, rows: &[RowResult], translation: &[TranslateTime]) -> String {
    let cols = Columns { modes: &ctx.modes };
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {} logical CPUs ({}).\n", ctx.date, ctx.cpus, ctx.cpu);
    let _ = writeln!(out, "Command: `{}`. {}\n", ctx.command, ctx.method);
    if !rows.is_empty() {
        let cells: Vec<Vec<String>> = rows.iter().map(|r| cols.cells(r)).collect();
        out.push_str(&markdown_table(&cols.header(), &cells));
        out.push('\n');
        out.push_str(&summary(&ctx.modes, rows, "- "));
    }
    let problems = problems(rows);
    if !problems.is_empty() {
        out.push_str("\n**Excluded from the means:**\n\n");
        for p in problems {
            let _ = writeln!(out, "- {p}");
        }
    }
    if !translation.is_empty() {
        out.push_str(
            "\nTranslation of one contract on its own (medians of single calls, thread CPU time):\n\n",
        );
        out.push_str(&translation_markdown(translation));
    }
    out
}

const TRANSLATE_HEADER: [&str; 8] = [
    "contract",
    "bytes",
    "keccak256",
    "K analysis",
    "K translate",
    "K analysis + translate",
    "revm analysis",
    "program",
];

fn translate_cells(t: &TranslateTime) -> Vec<String> {
    vec![
        t.name.clone(),
        t.code_len.to_string(),
        human_ns(t.keccak_ns),
        human_ns(t.analysis_ns),
        human_ns(t.translate_ns),
        human_ns(t.analysis_ns + t.translate_ns),
        human_ns(t.revm_analysis_ns),
        format!("{} KiB", t.program_bytes / 1024),
    ]
}

/// The translation times as a Markdown table (K analysis is `Bytecode::new`: keccak256 and
/// analysis, as a cold call runs them).
pub fn translation_markdown(rows: &[TranslateTime]) -> String {
    let header: Vec<String> = TRANSLATE_HEADER.iter().map(|h| (*h).to_owned()).collect();
    markdown_table(&header, &rows.iter().map(translate_cells).collect::<Vec<_>>())
}

/// The translation times as aligned console text.
pub fn translation_text(rows: &[TranslateTime]) -> String {
    let header: Vec<String> = TRANSLATE_HEADER.iter().map(|h| (*h).to_owned()).collect();
    aligned(&header, &rows.iter().map(translate_cells).collect::<Vec<_>>())
}

#[derive(Serialize)]
struct JsonMode {
    mode: &'static str,
    ns: f64,
    ratio: f64,
    vs_interpreter: Option<f64>,
    mgas_per_s: f64,
    batch: u64,
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
    modes: Vec<JsonMode>,
    revm_ns: Option<f64>,
    revm_mgas_per_s: Option<f64>,
    rounds: Option<usize>,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonGeomean {
    group: &'static str,
    mode: &'static str,
    /// revm / mode.
    geomean: Option<f64>,
    /// interpreter / mode, when both were measured.
    vs_interpreter: Option<f64>,
    rows: usize,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    context: &'a Context,
    rows: Vec<JsonRow<'a>>,
    geomeans: Vec<JsonGeomean>,
    translation: &'a [TranslateTime],
}

/// The table as pretty JSON: context, rows (times in ns, one entry per mode), geometric means
/// per group and mode, and the translation times.
pub fn json(ctx: &Context, rows: &[RowResult], translation: &[TranslateTime]) -> String {
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
                modes: t
                    .map(|t| {
                        t.modes
                            .iter()
                            .map(|m| JsonMode {
                                mode: m.mode,
                                ns: m.ns,
                                ratio: m.ratio,
                                vs_interpreter: m.vs_interpreter,
                                mgas_per_s: mgas_per_s(r.gas_used, m.ns),
                                batch: m.batch,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                revm_ns: t.map(|t| t.revm_ns),
                revm_mgas_per_s: t.map(|t| mgas_per_s(r.gas_used, t.revm_ns)),
                rounds: t.map(|t| t.rounds),
                note: t.and_then(|t| t.note.as_deref()),
            }
        })
        .collect();
    let mut geomeans = Vec::new();
    for &g in &Group::ALL {
        for &m in &ctx.modes {
            let (geomean, n) = group_geomean(rows, g, |t| t.mode(m).map(|x| x.ratio));
            let (vs_interpreter, _) = group_geomean(rows, g, |t| t.mode(m).and_then(|x| x.vs_interpreter));
            geomeans.push(JsonGeomean { group: g.name(), mode: m, geomean, vs_interpreter, rows: n });
        }
    }
    serde_json::to_string_pretty(&JsonReport { context: ctx, rows: json_rows, geomeans, translation })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timing::{Budget, Clock, rounds};

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

    /// Samples with fixed times per side: interpreter 4, compiled 2, auto 5, revm 8.
    fn fixed() -> Timing {
        let times = [4.0, 2.0, 5.0, 8.0];
        let budget =
            Budget { clock: Clock::Wall, time: std::time::Duration::ZERO, min_rounds: 3, max_rounds: 3 };
        let samples = rounds(budget, 4, |i| times[i]);
        Timing::from_samples(&["interpreter", "compiled", "auto"], &samples, &[1, 1, 1, 1])
    }

    #[test]
    fn ratios_per_mode() {
        let t = fixed();
        assert_eq!(t.rounds, 3);
        let c = t.mode("compiled").expect("compiled");
        assert_eq!((c.ratio, c.vs_interpreter), (4.0, Some(2.0)));
        assert_eq!(t.mode("interpreter").expect("interpreter").vs_interpreter, None);
        assert_eq!(t.main().map(|m| m.mode), Some("auto"));
    }

    /// Disagreeing rows are shown and left out of the mean; a mode slower than the interpreter
    /// is named.
    #[test]
    fn disagreement_is_excluded_and_slowness_is_loud() {
        let modes = ["interpreter", "compiled", "auto"];
        let row = |name: &str, status| RowResult {
            name: name.to_owned(),
            group: Group::Workload,
            fork: "Osaka".to_owned(),
            gas_used: 21_000,
            success: true,
            status,
        };
        let rows = [row("a", Status::Measured(fixed())), row("b", Status::Disagree("gas".to_owned()))];
        assert_eq!(
            group_geomean(&rows, Group::Workload, |t| t.mode("compiled").map(|m| m.ratio)),
            (Some(4.0), 1)
        );
        let text = text_table(&modes, &rows);
        assert!(text.contains("DISAGREE b: gas"), "{text}");
        assert!(
            text.contains("auto slower than the interpreter by more than 5% (I/A < 0.95): a (0.800)"),
            "{text}"
        );
        assert!(text.contains("compiled: no row slower"), "{text}");
        assert!(text.contains("revm/C 4.000"), "{text}");
    }
}
