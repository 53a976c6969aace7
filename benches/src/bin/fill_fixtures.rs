//! Fills the expected `hash` and `logs` of every post entry in `fixtures/state_tests` (or the
//! files given) with revm's results: `cargo run -p kestrel-benches --bin fill_fixtures`.

use std::path::PathBuf;
use std::process::ExitCode;

use kestrel_benches::fixtures::{fill_file, fixtures_dir};
use kestrel_cli::statetest::collect_files;

fn main() -> ExitCode {
    let mut paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        paths.push(fixtures_dir());
    }
    let list = collect_files(&paths);
    let mut ok = list.errors.is_empty();
    for (path, e) in &list.errors {
        eprintln!("{}: {e}", path.display());
    }
    for file in &list.files {
        match fill_file(file) {
            Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
            Err(e) => {
                eprintln!("{e}");
                ok = false;
            }
        }
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
