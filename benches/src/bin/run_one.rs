//! `run_one ROW EVM ITERATIONS [FILE]`: runs one bench row's transaction ITERATIONS times on one
//! reused EVM, without committing, and prints the gas used. EVM is `revm`, `kestrel` (in the
//! process default mode: `KESTREL_MODE`, else auto) or Kestrel in one execution mode:
//! `interpreter`, `compiled` or `auto`. Made to be counted by
//! `valgrind --tool=callgrind` (`cargo xtask bench --instructions`): everything but the loop is
//! the same for any ITERATIONS, so the difference of two counts is the loop's cost.
//!
//! ROW is a name as `kbench --list` prints it; FILE, when given, is the workload file holding
//! it (loading only that file keeps the constant part small). Without FILE the generated rows
//! and then every workload file are searched. `cold/*` rows install new code before each
//! iteration (count only the transaction: `--toggle-collect='*cold_transaction*'`).

use std::process::ExitCode;

use kestrel_benches::rows::{Row, generated_rows, load_file_rows, load_rows};
use kestrel_benches::{RevmSetup, run_kestrel, run_revm, workloads_dir};
use kestrel_cli::statetest::exec::{build_db, evm_for};
use kestrel_host::ExecutionMode;

fn find(name: &str, file: Option<&String>) -> Result<Row, String> {
    let filters = [name.to_owned()];
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    match file {
        Some(f) => load_file_rows(f.as_ref(), &filters, &mut rows, &mut errors),
        None => {
            generated_rows(&filters, &mut rows, &mut errors);
            if !rows.iter().any(|r| r.name == name) {
                (rows, errors) = load_rows(&workloads_dir()?, &filters);
            }
        }
    }
    rows.into_iter().find(|r| r.name == name).ok_or_else(|| match errors.first() {
        Some(e) => format!("{name}: not found ({}: {})", e.name, e.error),
        None => format!("{name}: not found"),
    })
}

fn main() -> ExitCode {
    let env_mode = match kestrel_benches::mode_from_env() {
        Ok(mode) => mode.unwrap_or_default(),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(name), Some(evm), Some(Ok(iterations))) =
        (args.first(), args.get(1), args.get(2).map(|n| n.parse::<u32>()))
    else {
        eprintln!("usage: run_one ROW kestrel|interpreter|compiled|auto|revm ITERATIONS [FILE]");
        return ExitCode::FAILURE;
    };
    if name.starts_with("cold/") {
        // Cold rows install new code before every call: see `kestrel_benches::cold::run_cold`.
        let mode = match evm.as_str() {
            "revm" => None,
            other => match other.parse::<ExecutionMode>() {
                Ok(mode) => Some(mode),
                Err(_) => Some(env_mode),
            },
        };
        return match kestrel_benches::cold::run_cold(name, mode, iterations) {
            Ok(gas) => {
                println!("{name} gas_used={gas}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("run_one: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let row = match find(name, args.get(3)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("run_one: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut gas = 0;
    match evm.as_str() {
        "kestrel" | "interpreter" | "compiled" | "auto" => {
            let mut db = build_db(&row.case);
            let mut kestrel = evm_for(&row.case, &mut db, env_mode);
            if let Ok(mode) = evm.parse::<ExecutionMode>() {
                kestrel.set_mode(mode);
            }
            let evm = &mut kestrel;
            for _ in 0..iterations {
                gas = run_kestrel(evm, &row.case);
            }
        }
        "revm" => {
            let setup = match RevmSetup::from_case(&row.case) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("run_one: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let mut evm = setup.evm();
            for _ in 0..iterations {
                gas = run_revm(&mut evm, &setup.tx);
            }
        }
        other => {
            eprintln!("run_one: unknown EVM {other} (kestrel, interpreter, compiled, auto or revm)");
            return ExitCode::FAILURE;
        }
    }
    println!("{} gas_used={gas}", row.name);
    ExitCode::SUCCESS
}
