//! BLS12-381 MSM wall time by point count: Kestrel on one thread, Kestrel on rayon's pool,
//! and revm (blst's thread pool), alternated call by call, medians over `ROUNDS` rounds.
//! Inputs: the first n terms of the 256-term workload MSMs (`$KESTREL_BENCH_WORKLOADS`).
//! `cargo run --release -p kestrel-precompiles --example msm_threads [-- N...]`.

use std::time::Instant;

use kestrel_precompiles::{Precompiles, set_max_threads};
use kestrel_primitives::{Address, SpecId};
use revm_precompile::{PrecompileSpecId, Precompiles as RevmPrecompiles};

mod common;
use common::{hex_bytes, median};

const ROUNDS: usize = 15;

fn main() {
    let dir = std::env::var("KESTREL_BENCH_WORKLOADS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/bench/workloads").to_string()
    });
    let text = std::fs::read_to_string(format!("{dir}/precompile-bls12-381.json")).expect("workload");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let counts: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts =
        if counts.is_empty() { vec![1, 2, 3, 4, 8, 16, 24, 31, 32, 48, 64, 128, 256] } else { counts };
    let threads = kestrel_precompiles::max_threads();
    println!("rayon threads {threads}; medians of {ROUNDS} alternated rounds, microseconds");
    println!(
        "{:<8} {:>5} {:>11} {:>11} {:>11} {:>9} {:>9}",
        "curve", "n", "kestrel-1", "kestrel-mt", "revm", "revm/1", "revm/mt"
    );
    for (curve, name, addr, pair) in [("G1", "g1_msm_256", 0x0c, 160usize), ("G2", "g2_msm_256", 0x0e, 288)] {
        let full = hex_bytes(
            json[&format!("precompile/bls12_381/{name}")]["transaction"]["data"][0].as_str().expect("data"),
        );
        let address = Address::with_last_byte(addr);
        let ours = Precompiles::for_spec(SpecId::Prague).get(&address).expect("kestrel");
        let theirs = RevmPrecompiles::new(PrecompileSpecId::PRAGUE).get(&address).expect("revm").clone();
        for &n in &counts {
            let input = &full[..n * pair];
            let expected = theirs.execute(input, u64::MAX, 0).expect("revm ok").bytes;
            let (mut one, mut mt, mut rv) = (Vec::new(), Vec::new(), Vec::new());
            let reps = (256 / n).clamp(1, 64);
            for _ in 0..ROUNDS {
                for (which, times) in [(1usize, &mut one), (threads, &mut mt)] {
                    set_max_threads(which);
                    let t = Instant::now();
                    for _ in 0..reps {
                        assert_eq!(ours(input, u64::MAX).expect("ok").bytes, expected);
                    }
                    times.push(t.elapsed().as_secs_f64() * 1e6 / reps as f64);
                }
                let t = Instant::now();
                for _ in 0..reps {
                    std::hint::black_box(theirs.execute(input, u64::MAX, 0).expect("ok"));
                }
                rv.push(t.elapsed().as_secs_f64() * 1e6 / reps as f64);
            }
            let (one, mt, rv) = (median(one), median(mt), median(rv));
            println!(
                "{curve:<8} {n:>5} {one:>11.1} {mt:>11.1} {rv:>11.1} {:>9.2} {:>9.2}",
                rv / one,
                rv / mt
            );
        }
    }
}
