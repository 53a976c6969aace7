//! Portable mode end to end: the same precompile calls in a child process with
//! `KESTREL_PORTABLE=1` (every CPU-specific hash off) and in one with the fast paths give the
//! same outputs, and the child reports the portable backends. Each mode runs in a process of its
//! own because the switch is process-wide and decided once.

mod common;

use common::{call, hex};
use kestrel_precompiles::backends;
use kestrel_primitives::{SpecId, cpu};
use std::process::Command;

/// Runs `child_runs_precompiles` in a fresh process with `KESTREL_PORTABLE` set to `value` and
/// returns its `REPORT` lines.
fn child_report(value: &str) -> Vec<String> {
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new(exe)
        .args(["--exact", "child_runs_precompiles", "--include-ignored", "--nocapture", "--test-threads=1"])
        .env(cpu::ENV_VAR, value)
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<String> =
        stdout.lines().filter_map(|l| l.split_once("REPORT ").map(|(_, r)| r.to_string())).collect();
    assert!(!lines.is_empty(), "no report in the child's output: {stdout}");
    lines
}

/// Inputs that reach each switched hash: SHA2-256 across its padding shapes and beyond a
/// block, BLAKE2 F with 12 and 1000 rounds, ECRECOVER (keccak of the recovered key), and KZG
/// point evaluation (SHA-256 of the commitment, then the pairing check).
fn calls() -> Vec<(&'static str, u16, Vec<u8>)> {
    let mut list = Vec::new();
    for len in [0usize, 3, 55, 56, 64, 200, 4096] {
        list.push(("sha256", 2, (0..len).map(|i| (i * 7 + 1) as u8).collect()));
    }
    let blake = |rounds: u32| {
        let mut input = rounds.to_be_bytes().to_vec();
        input.extend((0..208u32).map(|i| (i * 13 + 5) as u8));
        input.push(1);
        input
    };
    list.push(("blake2f", 9, blake(12)));
    list.push(("blake2f", 9, blake(1000)));
    list.push((
        "ecrecover",
        1,
        hex("456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3\
             000000000000000000000000000000000000000000000000000000000000001c\
             9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608\
             4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada"),
    ));
    // The zero polynomial: commitment and proof at infinity open to y = 0 at any z.
    let mut infinity = [0u8; 48];
    infinity[0] = 0xc0;
    let mut versioned: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(infinity).into();
    versioned[0] = 0x01;
    let mut z = [0u8; 32];
    z[31] = 5;
    list.push(("kzg", 10, [&versioned[..], &z, &[0u8; 32], &infinity, &infinity].concat()));
    list
}

#[test]
#[ignore = "run by portable_mode_gives_the_same_outputs in child processes"]
fn child_runs_precompiles() {
    for (hash, backend) in backends::dispatched() {
        println!("REPORT backend {hash}={backend}");
    }
    for (name, index, input) in calls() {
        let out = call(SpecId::Osaka, index, &input, 100_000_000);
        println!("REPORT call {name} {} -> {out:?}", input.len());
    }
}

#[test]
fn portable_mode_gives_the_same_outputs() {
    let fast = child_report("0");
    let portable = child_report("1");
    let backends = |lines: &[String]| -> Vec<String> {
        lines.iter().filter_map(|l| l.strip_prefix("backend ").map(str::to_string)).collect()
    };
    assert_eq!(backends(&portable), ["keccak256=sha3", "blake2f=portable", "sha256=portable"]);
    let outputs = |lines: &[String]| -> Vec<String> {
        lines.iter().filter_map(|l| l.strip_prefix("call ").map(str::to_string)).collect()
    };
    assert_eq!(outputs(&portable).len(), calls().len());
    assert_eq!(outputs(&portable), outputs(&fast));
    let kzg = outputs(&portable).into_iter().find(|l| l.starts_with("kzg")).expect("kzg call");
    assert!(kzg.contains("Ok("), "the KZG call must get past the hash: {kzg}");
    // Say which fast paths the comparison covered on this machine.
    let fast_backends = backends(&fast);
    println!("fast backends here: {}", fast_backends.join(", "));
    for line in &fast_backends {
        if backends(&portable).contains(line) {
            println!("SKIPPED on this CPU: {line} has no faster path to compare with");
        }
    }
}

/// The portable SHA-256 against `sha2`, through the public hook (the unit tests cover every
/// length; this keeps the hook honest).
#[test]
fn sha256_portable_hook_matches_sha2() {
    use sha2::Digest;
    for len in [0usize, 1, 63, 64, 65, 1000] {
        let data = vec![0xa5u8; len];
        let want: [u8; 32] = sha2::Sha256::digest(&data).into();
        assert_eq!(backends::sha256_portable(&data), want, "length {len}");
    }
}
