//! The BLS12-381 and KZG benchmark workloads (state tests that call each precompile
//! directly with a valid input) must succeed at the EIP's gas cost with well-formed
//! output. The files are read where they lie: `$KESTREL_BENCH_WORKLOADS`, by default the
//! `shared/bench/workloads` folder beside the workspace. Missing files fail the tests under
//! `KESTREL_REQUIRE_SHARED` (CI) and are reported as not checked otherwise.

mod bls_common;

use std::path::PathBuf;

use bls_common::*;

/// Every `(to, data)` transaction call in a state-test JSON file, found by a small scan
/// (the test crate has no JSON parser): each `"data": [ ... ]` list paired with the
/// `"to"` field that follows it.
fn calls(json: &str) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = json;
    while let Some(at) = rest.find("\"data\"") {
        rest = &rest[at + 6..];
        // Only the transaction's `"data": [...]`; `"indexes": {"data": 0}` also exists.
        let Some(after) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let Some(after) = after.trim_start().strip_prefix('[') else {
            continue;
        };
        rest = after;
        let close = rest.find(']').expect("data list end");
        let list = &rest[..close];
        let to_at = rest.find("\"to\"").expect("to field");
        let to_rest = &rest[to_at + 4..];
        let q1 = to_rest.find('"').expect("to value");
        let q2 = to_rest[q1 + 1..].find('"').expect("to value end");
        let to = hex(&to_rest[q1 + 1..q1 + 1 + q2]);
        assert_eq!(to.len(), 20);
        for item in list.split(',') {
            let item = item.trim().trim_matches('"');
            if !item.is_empty() {
                out.push((to[19], hex(item)));
            }
        }
        rest = &rest[close..];
    }
    out
}

/// The environment variable that names the workloads folder.
const WORKLOADS_VAR: &str = "KESTREL_BENCH_WORKLOADS";

/// The workloads folder: `$KESTREL_BENCH_WORKLOADS`, else `shared/bench/workloads` beside
/// the workspace (this crate is `<workspace>/crates/precompiles`).
fn default_workloads_dir() -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../../shared/bench/workloads")
}

/// The text of one workload file. When it cannot be read: `None` with a note on stderr, or,
/// under `KESTREL_REQUIRE_SHARED` (set by CI), a panic naming where it looked and how to point
/// elsewhere.
fn workload(name: &str) -> Option<String> {
    let (dir, from) = match std::env::var_os(WORKLOADS_VAR) {
        Some(dir) => (PathBuf::from(dir), format!("${WORKLOADS_VAR}")),
        None => (default_workloads_dir(), format!("the default (${WORKLOADS_VAR} unset)")),
    };
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => return Some(text),
        Err(e) if std::env::var_os("KESTREL_REQUIRE_SHARED").is_none() => {
            eprintln!("NOT CHECKED: benchmark workload {} cannot be read: {e}", path.display());
            return None;
        }
        Err(_) => {}
    }
    std::fs::read_to_string(&path).map(Some).unwrap_or_else(|e| {
        panic!(
            "benchmark workload {} (from {from}) cannot be read: {e}. These tests need the shared \
             benchmark workloads: set {WORKLOADS_VAR} to their folder, or place them at the \
             default {}",
            path.display(),
            default_workloads_dir().display()
        )
    })
}

/// MSM gas for the term counts the workloads use (EIP-2537 discount table).
fn msm_gas(k: u64, g2: bool) -> u64 {
    let discount = match (k, g2) {
        (1, _) | (2, true) => 1000,
        (2, false) => 949,
        (k, false) if k >= 128 => 519,
        (k, true) if k >= 128 => 524,
        _ => panic!("no discount listed here for k = {k}"),
    };
    let mul = if g2 { 22_500 } else { 12_000 };
    k * mul * discount / 1000
}

#[test]
fn bls12_381_workloads_succeed() {
    let Some(json) = workload("precompile-bls12-381.json") else { return };
    let calls = calls(&json);
    assert!(calls.len() >= 20, "found only {} calls", calls.len());
    for (addr, data) in calls {
        let out = ok(addr, &data);
        let len = data.len() as u64;
        let (gas, out_len) = match addr {
            G1ADD => (375, 128),
            G2ADD => (600, 256),
            G1MSM => (msm_gas(len / 160, false), 128),
            G2MSM => (msm_gas(len / 288, true), 256),
            PAIRING => (37_700 + 32_600 * (len / 384), 32),
            MAP_FP_TO_G1 => (5_500, 128),
            MAP_FP2_TO_G2 => (23_800, 256),
            other => panic!("unexpected address {other:#x}"),
        };
        assert_eq!(out.gas_used, gas, "{addr:#x} len {len}");
        assert_eq!(out.bytes.len(), out_len);
        // Outputs are canonical subgroup points: an MSM by 1 (which subgroup-checks
        // its input) returns them unchanged.
        match out_len {
            128 => {
                let again = ok(G1MSM, &cat(&[&out.bytes, &scalar(1)]));
                assert_eq!(again.bytes, out.bytes);
            }
            256 => {
                let again = ok(G2MSM, &cat(&[&out.bytes, &scalar(1)]));
                assert_eq!(again.bytes, out.bytes);
            }
            _ => assert!(out.bytes[..31].iter().all(|&b| b == 0) && out.bytes[31] <= 1),
        }
    }
}

#[test]
fn kzg_workloads_succeed() {
    let Some(json) = workload("precompile-kzg-point-evaluation.json") else { return };
    let calls = calls(&json);
    assert!(!calls.is_empty());
    for (addr, data) in calls {
        assert_eq!(addr, POINT_EVALUATION);
        let out = ok(addr, &data);
        assert_eq!(out.gas_used, 50_000);
        assert_eq!(out.bytes.as_ref(), cat(&[&scalar(4096), &hex(R_HEX)]).as_slice());
    }
}
