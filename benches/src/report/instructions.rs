//! The instructions table of `cargo xtask bench --instructions`: instructions per transaction
//! under callgrind for each Kestrel mode and revm, as Markdown.

use std::fmt::Write;

use serde::Serialize;

use super::{Context, abbrev, fmt_ratio, geomean, markdown_table};

/// Instructions per transaction of one Kestrel mode.
#[derive(Clone, Debug, Serialize)]
pub struct InstrMode {
    /// `interpreter`, `compiled` or `auto`.
    pub mode: &'static str,
    /// Instructions per transaction, when counted.
    pub instructions: Option<f64>,
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
    /// Kestrel's instructions per transaction, per mode in column order.
    pub kestrel: Vec<InstrMode>,
    /// revm's instructions per transaction.
    pub revm: Option<f64>,
    /// What went wrong, when a count is missing.
    pub error: Option<String>,
}

impl InstrRow {
    /// `revm / Kestrel` instructions in `mode` (above 1: Kestrel executes fewer).
    pub fn ratio(&self, mode: &str) -> Option<f64> {
        Some(self.revm? / self.kestrel.iter().find(|m| m.mode == mode)?.instructions?)
    }
}

fn instr_header(modes: &[&'static str]) -> Vec<String> {
    let mut h = vec!["workload".to_owned()];
    h.extend(modes.iter().map(|m| format!("{m} instr/tx")));
    h.push("revm instr/tx".to_owned());
    h.extend(modes.iter().map(|m| format!("revm/{}", abbrev(m))));
    h.extend(modes.iter().map(|m| format!("{} instr/gas", abbrev(m))));
    h.push("R instr/gas".to_owned());
    h
}

fn instr_cells(modes: &[&'static str], r: &InstrRow) -> Vec<String> {
    let count = |c: Option<f64>| c.map_or_else(|| "FAILED".to_owned(), |c| format!("{c:.0}"));
    let per_gas = |c: Option<f64>| match c {
        Some(c) if r.gas_used > 0 => format!("{:.2}", c / r.gas_used as f64),
        _ => "-".to_owned(),
    };
    let of = |m: &str| r.kestrel.iter().find(|k| k.mode == m).and_then(|k| k.instructions);
    let mut c = vec![r.name.clone()];
    c.extend(modes.iter().map(|m| count(of(m))));
    c.push(count(r.revm));
    c.extend(modes.iter().map(|m| r.ratio(m).map_or_else(|| "-".to_owned(), fmt_ratio)));
    c.extend(modes.iter().map(|m| per_gas(of(m))));
    c.push(per_gas(r.revm));
    c
}

/// The instructions table as Markdown (also readable on a console).
pub fn instr_markdown(ctx: &Context, rows: &[InstrRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {} logical CPUs ({}).\n", ctx.date, ctx.cpus, ctx.cpu);
    let _ = writeln!(out, "Command: `{}`. {}\n", ctx.command, ctx.method);
    let cells: Vec<Vec<String>> = rows.iter().map(|r| instr_cells(&ctx.modes, r)).collect();
    out.push_str(&markdown_table(&instr_header(&ctx.modes), &cells));
    out.push('\n');
    for &m in &ctx.modes {
        let ratios: Vec<f64> = rows.iter().filter_map(|r| r.ratio(m)).collect();
        if let Some(g) = geomean(ratios.iter().copied()) {
            let _ = writeln!(out, "- geomean of revm/{} ({} rows): {g:.3}", abbrev(m), ratios.len());
        }
    }
    for r in rows {
        if let Some(e) = &r.error {
            let _ = writeln!(out, "- FAILED {}: {e}", r.name);
        }
    }
    out
}
