//! Kestrel's developer tasks.
//!
//! - `cargo xtask codegen [--check]`: regenerates the opcode dispatch from
//!   `crates/interpreter/opcodes.toml`; `--check` fails when a checked-in file is stale.
//! - `cargo xtask bench [FILTER...] [--quick] [--instructions]`: Kestrel against revm on every
//!   workload, one table (see `benches/README.md`).

mod bench;
mod codegen;

use std::path::PathBuf;
use std::process::ExitCode;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
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
        _ => {
            eprintln!(
                "usage: cargo xtask codegen [--check] | cargo xtask bench [FILTER...] [--quick] [--instructions]"
            );
            ExitCode::FAILURE
        }
    }
}
