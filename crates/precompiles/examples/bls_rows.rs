//! BLS12-381 workload rows, Kestrel against revm, alternated call by call.
//! `bls_rows time [CASE...]`: medians over rounds, microseconds, and revm / Kestrel.
//! `bls_rows one kestrel|revm CASE ITERS`: one side only, for callgrind.
//! CASE is a workload test name after `precompile/bls12_381/`, `/` as `_` (the benchmark's
//! row names without the prefix); `g2_msm_256:N` takes the first N terms of that row.
//! `cargo run --release -p kestrel-precompiles --example bls_rows -- time`.

use std::time::Instant;

use kestrel_precompiles::Precompiles;
use kestrel_primitives::{Address, SpecId};
use revm_precompile::{PrecompileSpecId, Precompiles as RevmPrecompiles};

mod common;
use common::{hex_bytes, median};

/// Every case: name, address, input.
fn cases() -> Vec<(String, Address, Vec<u8>)> {
    let dir = std::env::var("KESTREL_BENCH_WORKLOADS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/bench/workloads").to_string()
    });
    let text = std::fs::read_to_string(format!("{dir}/precompile-bls12-381.json")).expect("workload");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut out: Vec<(String, Address, Vec<u8>)> = Vec::new();
    for (name, test) in json.as_object().expect("object") {
        let id = name.trim_start_matches("precompile/bls12_381/").replace('/', "_");
        let tx = &test["transaction"];
        let address: Address = tx["to"].as_str().expect("to").parse().expect("address");
        out.push((id, address, hex_bytes(tx["data"][0].as_str().expect("data"))));
    }
    for n in [2usize, 3, 4] {
        for (name, pair) in [("g1_msm_256", 160usize), ("g2_msm_256", 288)] {
            let Some((_, address, input)) = out.iter().find(|(id, _, _)| id == name).cloned() else {
                continue;
            };
            out.push((format!("{name}:{n}"), address, input[..n * pair].to_vec()));
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = cases();
    let kestrel = |address: &Address| Precompiles::for_spec(SpecId::Prague).get(address).expect("kestrel");
    let revm = |address: &Address| {
        RevmPrecompiles::new(PrecompileSpecId::PRAGUE).get(address).expect("revm").clone()
    };
    if args.first().map(String::as_str) == Some("one") {
        let (_, address, input) = all.iter().find(|(id, _, _)| *id == args[2]).expect("case");
        let iters: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
        if args[1] == "kestrel" {
            let f = kestrel(address);
            for _ in 0..iters {
                std::hint::black_box(f(std::hint::black_box(input), u64::MAX)).ok();
            }
        } else {
            let f = revm(address);
            for _ in 0..iters {
                std::hint::black_box(f.execute(std::hint::black_box(input), u64::MAX, 0)).ok();
            }
        }
        return;
    }
    let wanted: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(31);
    println!("medians of {rounds} alternated rounds, µs");
    println!("{:<24} {:>10} {:>10} {:>7}", "case", "kestrel", "revm", "ratio");
    for (id, address, input) in &all {
        if !wanted.is_empty() && !wanted.contains(&id.as_str()) {
            continue;
        }
        let (ours, theirs) = (kestrel(address), revm(address));
        let expected = theirs.execute(input, u64::MAX, 0).expect("revm ok").bytes;
        assert_eq!(ours(input, u64::MAX).expect("kestrel ok").bytes[..], expected[..], "{id}");
        let start = Instant::now();
        ours(input, u64::MAX).ok();
        let one = start.elapsed().as_secs_f64();
        let reps = ((2e-3 / one) as usize).clamp(1, 1000);
        let (mut k, mut r) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            // Each side goes first in every other round.
            for side in [round % 2, 1 - round % 2] {
                let start = Instant::now();
                for _ in 0..reps {
                    if side == 0 {
                        std::hint::black_box(ours(std::hint::black_box(input), u64::MAX)).ok();
                    } else {
                        std::hint::black_box(theirs.execute(std::hint::black_box(input), u64::MAX, 0)).ok();
                    }
                }
                let us = start.elapsed().as_secs_f64() * 1e6 / reps as f64;
                if side == 0 { k.push(us) } else { r.push(us) }
            }
        }
        let (k, r) = (median(k), median(r));
        println!("{id:<24} {k:>10.2} {r:>10.2} {:>7.3}", r / k);
    }
}
