//! The portable switch end to end. The switch is process-wide and decided once, so this binary
//! holds one test that sets it, and checks the environment variable in child processes (this
//! same binary, running only the ignored `child_reports_backend`).

use kestrel_primitives::cpu::{self, AlreadyDecided};
use kestrel_primitives::keccak::{self, avx512_is_fastest, keccak256_portable};
use kestrel_primitives::keccak256;
use std::process::Command;

/// The backend the fast paths give on this CPU and build.
fn fastest() -> &'static str {
    if avx512_is_fastest() {
        "avx512"
    } else if cfg!(feature = "asm-keccak") {
        "keccak-asm"
    } else {
        "sha3"
    }
}

/// Runs `child_reports_backend` in a fresh process with `KESTREL_PORTABLE` set to `value`
/// (removed for `None`) and returns what it reports: "portable=<bool> keccak=<backend>".
fn child_report(value: Option<&str>) -> String {
    let exe = std::env::current_exe().expect("test binary path");
    let mut command = Command::new(exe);
    command.args([
        "--exact",
        "child_reports_backend",
        "--include-ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    match value {
        Some(v) => command.env(cpu::ENV_VAR, v),
        None => command.env_remove(cpu::ENV_VAR),
    };
    let out = command.output().expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    let report = stdout.lines().find_map(|l| l.split_once("REPORT ").map(|(_, r)| r)).unwrap_or_else(|| {
        panic!("no report in the child's output: {stdout}");
    });
    report.to_string()
}

#[test]
#[ignore = "run by env_var_decides_the_backend in a child process"]
fn child_reports_backend() {
    // The digest must not depend on the backend.
    assert_eq!(keccak256(b"abc"), keccak256_portable(b"abc"));
    println!("REPORT portable={} keccak={}", cpu::portable_only(), keccak::backend_name());
}

#[test]
fn env_var_decides_the_backend() {
    let fast = format!("portable=false keccak={}", fastest());
    assert_eq!(child_report(Some("1")), "portable=true keccak=sha3");
    assert_eq!(child_report(Some("true")), "portable=true keccak=sha3");
    assert_eq!(child_report(Some("0")), fast);
    assert_eq!(child_report(None), fast);
}

/// The only test in this process that decides the switch.
#[test]
fn setter_decides_once() {
    // Whatever the environment of this test run says, the setter comes first here.
    assert_eq!(cpu::set_portable_only(true), Ok(()));
    assert!(cpu::portable_only());
    assert_eq!(keccak::backend_name(), "sha3");
    assert_eq!(cpu::set_portable_only(true), Ok(()), "setting the same value again is fine");
    assert_eq!(cpu::set_portable_only(false), Err(AlreadyDecided { portable_only: true }));
    assert!(cpu::portable_only(), "a refused change leaves the decision");
    assert_eq!(keccak256(b"abc"), keccak256_portable(b"abc"));
}
