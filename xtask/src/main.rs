//! Kestrel's developer tasks.
//!
//! - `cargo xtask codegen [--check]`: regenerates the opcode dispatch from
//!   `crates/interpreter/opcodes.toml`; `--check` fails when a checked-in file is stale.
//! - `cargo xtask bench [FILTER...] [--quick] [--instructions]`: Kestrel against revm on every
//!   workload, one table (see `benches/README.md`).
//! - `cargo xtask diff --cases N [--seed S] [--threads T] [--out DIR]`: the differential
//!   campaign against revm on generated transactions (see `crates/diff`).

mod bench;
mod codegen;
mod diff;

use std::path::PathBuf;
use std::process::ExitCode;

/// The workspace this xtask runs for. `cargo run` sets `CARGO_MANIFEST_DIR` at run time too; it
/// is read there first because a build cache shared between checkouts (CI's `CARGO_TARGET_DIR`)
/// can hand one checkout a binary compiled in another, whose compile-time path is stale.
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().map(PathBuf::from).unwrap_or(manifest_dir)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => {
            let check = args.iter().any(|a| a == "--check");
            match codegen::run(&workspace_root(), check) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("xtask codegen: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("bench") => bench::run(&workspace_root(), &args[1..]),
        Some("diff") => diff::run(&workspace_root(), &args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask codegen [--check] | cargo xtask bench [FILTER...] [--quick] [--instructions] \
                 | cargo xtask diff --cases N [--seed S] [--threads T] [--out DIR]"
            );
            ExitCode::FAILURE
        }
    }
}
