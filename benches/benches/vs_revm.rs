//! Criterion: Kestrel against revm on the same state-test workloads, in one run.
//!
//! One group per workload, with functions `kestrel` and `revm`. Each times one execution of the
//! workload's transaction without committing, on one EVM reused across iterations (as an
//! embedding node keeps one). Before timing, [`kestrel_benches::check_case`] checks that Kestrel
//! matches the fixture and that both EVMs agree on inclusion, success and gas; a workload that
//! fails the check aborts the run, since timing a wrong answer means nothing.

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use kestrel_benches::{RevmSetup, check_case, load_workload, run_kestrel, run_revm, workloads_dir};
use kestrel_cli::statetest::exec::{build_db, evm_for};

/// The workloads compared: a long compute job, real contracts, hashing and a tight loop.
const WORKLOADS: &[&str] =
    &["snailtracer.json", "erc20_transfer.json", "weth.json", "hash_10k.json", "fibonacci-calldata.json"];

fn vs_revm(c: &mut Criterion) {
    let dir = workloads_dir().unwrap_or_else(|e| panic!("{e}"));
    for file in WORKLOADS {
        let case = load_workload(&dir, file).unwrap_or_else(|e| panic!("{e}"));
        let outcome = check_case(&case).unwrap_or_else(|e| panic!("{e}"));
        let name = file.trim_end_matches(".json");
        println!("{name}: {} gas_used={} success={}", case.id.fork, outcome.gas_used, outcome.success);

        let mut group = c.benchmark_group(name);
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));

        let mut db = build_db(&case);
        let mut evm = evm_for(&case, &mut db, Default::default());
        group.bench_function("kestrel", |b| b.iter(|| black_box(run_kestrel(&mut evm, black_box(&case)))));
        drop(evm);

        let setup = RevmSetup::from_case(&case).unwrap_or_else(|e| panic!("{e}"));
        let mut revm = setup.evm();
        group.bench_function("revm", |b| b.iter(|| black_box(run_revm(&mut revm, black_box(&setup.tx)))));
        group.finish();
    }
}

// Written out rather than `criterion_main!`, whose generated function has no doc comment.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    vs_revm(&mut c);
    c.final_summary();
}
