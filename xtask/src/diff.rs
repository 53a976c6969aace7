//! `cargo xtask diff --cases N [--seed S] [--threads T] [--out DIR] …`: builds `kestrel-diff`
//! with the release profile and runs it from the workspace root with the same arguments (see
//! `crates/diff`); its exit status (non-zero on any divergence) is ours.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The target directory cargo builds into: `CARGO_TARGET_DIR`, else `<workspace>/target`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Builds and runs `kestrel-diff` with `args`.
pub(crate) fn run(root: &Path, args: &[String]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    match Command::new(cargo).current_dir(root).args(["build", "--release", "-p", "kestrel-diff"]).status() {
        Ok(s) if s.success() => {}
        Ok(_) => return ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask diff: cannot run cargo: {e}");
            return ExitCode::FAILURE;
        }
    }
    let binary = target_dir(root).join("release").join("kestrel-diff");
    match Command::new(&binary).current_dir(root).args(args).status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask diff: cannot run {}: {e}", binary.display());
            ExitCode::FAILURE
        }
    }
}
