//! Every precompile against revm's (`revm-precompile` with its default, fastest backends),
//! and every Kestrel backend against the others, on the same inputs in the same run.
//!
//! Inputs: each `precompile-*.json` workload's transaction data (read from
//! `$KESTREL_BENCH_WORKLOADS`, default `../shared/bench/workloads` beside the checkout),
//! plus worst cases at their price: BN254 pairings with 1 to 64 pairs, and MODEXP at the
//! largest operands of each EIP-7883 price step, odd and even moduli. Before timing a
//! case, every implementation's output and gas is checked against revm's.
//!
//! Criterion prints ns per call and throughput in elements per second, where one element
//! is one unit of gas: `Melem/s` reads as Mgas/s. At the end a table gives the medians,
//! the ratio revm / Kestrel (above 1 is Kestrel faster) and the geometric mean over the
//! workload rows. `cargo bench -p kestrel-precompiles --bench precompiles -- FILTER`.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use criterion::{BenchmarkId, Criterion, Throughput};
use kestrel_precompiles::{PrecompileResult, Precompiles, backends};
use kestrel_primitives::{Address, SpecId};
use revm_precompile::{PrecompileSpecId, Precompiles as RevmPrecompiles};

#[path = "../examples/common/mod.rs"]
mod common;
use common::{filler, hex_bytes, modulus};

/// Gas handed to every call: covers every case here.
const GAS: u64 = 1 << 40;

/// A Kestrel-side implementation: a name and a precompile function.
type Candidate = (&'static str, fn(&[u8], u64) -> PrecompileResult);

/// One benchmark case.
struct Case {
    /// File-name-safe id, also the criterion group name.
    id: String,
    /// Whether it comes from a workload file (counted in the geometric mean).
    workload: bool,
    fork: SpecId,
    revm_spec: PrecompileSpecId,
    address: Address,
    input: Vec<u8>,
}

fn workloads_dir() -> PathBuf {
    std::env::var_os("KESTREL_BENCH_WORKLOADS").map(PathBuf::from).unwrap_or_else(|| {
        std::path::PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
        )
        .join("../../../shared/bench/workloads")
    })
}

fn revm_spec(fork: SpecId) -> PrecompileSpecId {
    if fork.is_enabled_in(SpecId::Osaka) {
        PrecompileSpecId::OSAKA
    } else if fork.is_enabled_in(SpecId::Prague) {
        PrecompileSpecId::PRAGUE
    } else if fork.is_enabled_in(SpecId::Cancun) {
        PrecompileSpecId::CANCUN
    } else if fork.is_enabled_in(SpecId::Berlin) {
        PrecompileSpecId::BERLIN
    } else if fork.is_enabled_in(SpecId::Istanbul) {
        PrecompileSpecId::ISTANBUL
    } else {
        PrecompileSpecId::BYZANTIUM
    }
}

fn safe_id(name: &str) -> String {
    name.trim_start_matches("precompile/").replace('/', "_")
}

/// The transaction of every workload test as a direct precompile call.
fn workload_cases() -> Vec<Case> {
    let dir = workloads_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("workloads at {}: {e}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("precompile-") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read workload");
        let json: serde_json::Value = serde_json::from_str(&text).expect("workload json");
        for (name, test) in json.as_object().expect("object") {
            let fork_name = test["post"].as_object().and_then(|post| post.keys().next()).expect("post fork");
            let fork: SpecId = fork_name.parse().unwrap_or_else(|_| panic!("fork {fork_name}"));
            let tx = &test["transaction"];
            let address: Address = tx["to"].as_str().expect("to").parse().expect("address");
            let input = hex_bytes(tx["data"][0].as_str().expect("data"));
            cases.push(Case {
                id: safe_id(name),
                workload: true,
                fork,
                revm_spec: revm_spec(fork),
                address,
                input,
            });
        }
    }
    cases
}

/// Worst cases at their price.
fn synthetic_cases(workloads: &[Case]) -> Vec<Case> {
    let mut cases = Vec::new();
    // BN254 pairing with many pairs: the first n valid pairs of the largest workload.
    if let Some(big) =
        workloads.iter().filter(|c| c.address == Address::with_last_byte(8)).max_by_key(|c| c.input.len())
    {
        let pairs = big.input.len() / 192;
        for n in [1usize, 2, 4, 8, 16, 32, 64] {
            if n <= pairs {
                cases.push(Case {
                    id: format!("x_bn254_pairing_{n}"),
                    workload: false,
                    fork: SpecId::Osaka,
                    revm_spec: PrecompileSpecId::OSAKA,
                    address: Address::with_last_byte(8),
                    input: big.input[..n * 192].to_vec(),
                });
            }
        }
    }
    // MODEXP under EIP-7883: an all-ones exponent is the most work its price buys; the
    // price grows with the modulus words squared, so each length is its own price step.
    for (mod_len, exp_len) in
        [(32usize, 32usize), (64, 32), (128, 32), (256, 32), (512, 32), (1024, 32), (32, 1024), (8, 1024)]
    {
        for parity in ["odd", "even"] {
            let modulus = modulus(mod_len, parity == "odd", mod_len as u64 * 31 + exp_len as u64);
            let base = filler(mod_len, 7 + mod_len as u64);
            let mut input = Vec::new();
            for len in [mod_len, exp_len, mod_len] {
                let mut word = [0u8; 32];
                word[24..].copy_from_slice(&(len as u64).to_be_bytes());
                input.extend_from_slice(&word);
            }
            input.extend_from_slice(&base);
            input.extend(std::iter::repeat_n(0xffu8, exp_len));
            input.extend_from_slice(&modulus);
            cases.push(Case {
                id: format!("x_modexp_{parity}_mod{mod_len}_exp{exp_len}"),
                workload: false,
                fork: SpecId::Osaka,
                revm_spec: PrecompileSpecId::OSAKA,
                address: Address::with_last_byte(5),
                input,
            });
        }
    }
    cases
}

/// The alternative Kestrel backends for a case, beside the selected one.
fn candidates(case: &Case) -> Vec<Candidate> {
    let istanbul_on = case.fork.is_enabled_in(SpecId::Istanbul);
    let last = case.address.as_slice()[19];
    let mut out: Vec<Candidate> = Vec::new();
    match last {
        0x01 => {
            out.push(("k256", backends::ecrecover_k256));
            out.push(("libsecp", backends::ecrecover_libsecp));
        }
        0x06 if istanbul_on => {
            out.push(("ark", backends::bn254_add_ark));
            out.push(("substrate", backends::bn254_add_substrate));
        }
        0x07 if istanbul_on => {
            out.push(("ark", backends::bn254_mul_ark));
            out.push(("substrate", backends::bn254_mul_substrate));
        }
        0x05 if case.fork.is_enabled_in(SpecId::Osaka) => {
            out.push(("mont", backends::modexp_mont));
            out.push(("aurora", backends::modexp_aurora));
        }
        0x05 if case.fork.is_enabled_in(SpecId::Berlin) => {
            out.push(("mont", backends::modexp_mont_berlin));
            out.push(("aurora", backends::modexp_aurora_berlin));
        }
        0x09 => out.extend(backends::blake2f_backends()),
        0x08 if istanbul_on => {
            out.push(("ark", backends::bn254_pairing_ark));
            out.push(("substrate", backends::bn254_pairing_substrate));
        }
        _ => {}
    }
    out
}

/// Checks a Kestrel result against revm's: same output and gas, or both failing.
fn check(id: &str, who: &str, ours: &PrecompileResult, theirs: &revm_precompile::PrecompileResult) {
    match (ours, theirs) {
        (Ok(ours), Ok(theirs)) if theirs.status == revm_precompile::PrecompileStatus::Success => {
            assert_eq!(ours.bytes[..], theirs.bytes[..], "{id}: {who} output differs from revm");
            assert_eq!(ours.gas_used, theirs.gas_used, "{id}: {who} gas differs from revm");
        }
        (Err(_), Ok(theirs)) if theirs.status != revm_precompile::PrecompileStatus::Success => {}
        (Err(_), Err(_)) => {}
        _ => panic!("{id}: {who} {ours:?} but revm {theirs:?}"),
    }
}

fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(
                std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
            )
            .join("../../target")
        })
        .join("criterion")
}

/// The median of this run's measurement of `group/function`, in ns.
fn median(dir: &Path, group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let path = dir.join(group).join(function).join("new/estimates.json");
    let meta = std::fs::metadata(&path).ok()?;
    if meta.modified().ok()? < since {
        return None;
    }
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Keccak-256 (`sha3` vs `keccak-asm`) and SHA-256 (`sha2` 0.10, run-time SHA-NI) at
/// the lengths the EVM hashes most: a word, two words (mapping slots), one 136-byte block,
/// and 1 KiB.
fn keccak_and_sha256(criterion: &mut Criterion) {
    use sha2::Digest as _;
    for len in [32usize, 64, 136, 1024] {
        let data = filler(len, len as u64);
        let mut group = criterion.benchmark_group(format!("hash_{len}"));
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function("keccak_sha3", |b| {
            b.iter(|| sha3::Keccak256::digest(std::hint::black_box(&data)))
        });
        group.bench_function("keccak_asm", |b| {
            b.iter(|| keccak_asm::Keccak256::digest(std::hint::black_box(&data)))
        });
        group.bench_function("sha256_sha2", |b| b.iter(|| sha2::Sha256::digest(std::hint::black_box(&data))));
        group.finish();
    }
}

fn main() {
    let started = SystemTime::now();
    let dir = criterion_dir();
    let mut criterion = Criterion::default()
        .output_directory(&dir)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1200))
        .configure_from_args();

    let workloads = workload_cases();
    let synthetic = synthetic_cases(&workloads);
    let mut rows = Vec::new();
    for case in workloads.iter().chain(&synthetic) {
        let ours = Precompiles::for_spec(case.fork).get(&case.address).expect("kestrel precompile");
        let theirs =
            RevmPrecompiles::new(case.revm_spec).get(&case.address).expect("revm precompile").clone();
        let reference = theirs.execute(&case.input, GAS, 0);
        let result = ours(&case.input, GAS);
        check(&case.id, "kestrel", &result, &reference);
        let gas = result.as_ref().map_or(0, |out| out.gas_used);
        let others = candidates(case);
        for (name, f) in &others {
            check(&case.id, name, &f(&case.input, GAS), &reference);
        }

        let mut group = criterion.benchmark_group(&case.id);
        if gas > 0 {
            group.throughput(Throughput::Elements(gas));
        }
        let input = case.input.as_slice();
        group.bench_function("kestrel", |b| b.iter(|| ours(std::hint::black_box(input), GAS)));
        group.bench_function("revm", |b| b.iter(|| theirs.execute(std::hint::black_box(input), GAS, 0)));
        for (name, f) in &others {
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| f(std::hint::black_box(input), GAS))
            });
        }
        group.finish();
        rows.push((case.id.clone(), case.workload, gas, others.iter().map(|(n, _)| *n).collect::<Vec<_>>()));
    }
    keccak_and_sha256(&mut criterion);
    criterion.final_summary();

    // The table of medians from this run.
    println!(
        "\n{:<44} {:>9} {:>12} {:>12} {:>7} {:>9}  candidates (ns)",
        "case", "gas", "kestrel ns", "revm ns", "ratio", "Mgas/s"
    );
    let (mut log_sum, mut count, mut min) = (0.0f64, 0usize, f64::INFINITY);
    for (id, workload, gas, others) in rows {
        let (Some(k), Some(r)) = (median(&dir, &id, "kestrel", started), median(&dir, &id, "revm", started))
        else {
            continue;
        };
        let ratio = r / k;
        if workload {
            log_sum += ratio.ln();
            count += 1;
            min = min.min(ratio);
        }
        let mgas = gas as f64 / k * 1e3;
        let extra: Vec<String> = others
            .iter()
            .filter_map(|name| median(&dir, &id, name, started).map(|ns| format!("{name} {ns:.0}")))
            .collect();
        println!("{id:<44} {gas:>9} {k:>12.0} {r:>12.0} {ratio:>7.2} {mgas:>9.1}  {}", extra.join(", "));
    }
    if count > 0 {
        println!(
            "workload rows: {count}, geometric mean ratio {:.3}, minimum {:.3}",
            (log_sum / count as f64).exp(),
            min
        );
    }
}
