//! `cargo xtask bench [ARGS]`: builds the `kestrel-benches` binaries with the release profile
//! (fat LTO) and runs `kbench` with ARGS; see `benches/README.md` for the arguments.
//!
//! The binaries are run from the target directory rather than through `cargo run`, so that
//! `kbench --instructions` finds `run_one` beside itself and writes its tables to
//! `<target>/bench/`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The target directory cargo builds into: `CARGO_TARGET_DIR`, else `<workspace>/target`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Builds and runs `kbench` with `args`; its exit status is ours.
pub(crate) fn run(root: &Path, args: &[String]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let build = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", "kestrel-benches", "--bins"])
        .status();
    match build {
        Ok(s) if s.success() => {}
        Ok(_) => return ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask bench: cannot run cargo: {e}");
            return ExitCode::FAILURE;
        }
    }
    let kbench = target_dir(root).join("release").join("kbench");
    let mut command = String::from("cargo xtask bench");
    for a in args {
        command.push(' ');
        command.push_str(a);
    }
    match Command::new(&kbench).current_dir(root).args(args).env("KESTREL_BENCH_COMMAND", command).status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask bench: cannot run {}: {e}", kbench.display());
            ExitCode::FAILURE
        }
    }
}
