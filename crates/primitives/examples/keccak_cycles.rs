//! Time-stamp-counter ticks per keccak256, the AVX-512 path against the fallback, interleaved
//! in one process: `cargo run --release -p kestrel-primitives --features asm-keccak --example
//! keccak_cycles`. Each figure is the minimum over many batches of 100 chained hashes (each
//! input starts with the previous digest), which on a shared machine repeats far better than
//! criterion's means and medians: the fastest batch is the one nothing else interrupted.

#[cfg(target_arch = "x86_64")]
use kestrel_primitives::keccak::{keccak256_avx512, keccak256_fallback};
#[cfg(target_arch = "x86_64")]
use std::hint::black_box;

/// The time-stamp counter (constant rate, not the core clock).
#[cfg(target_arch = "x86_64")]
fn tsc() -> u64 {
    // SAFETY: RDTSC exists on every x86-64 CPU and has no preconditions.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Minimum ticks per call of `f` over 200 batches of 100 chained calls on `input`.
#[cfg(target_arch = "x86_64")]
fn ticks(f: &dyn Fn(&[u8]) -> [u8; 32], input: &[u8]) -> f64 {
    let mut best = u64::MAX;
    for _ in 0..200 {
        let mut x = input.to_vec();
        let start = tsc();
        for _ in 0..100 {
            let h = f(black_box(&x));
            let n = 32.min(x.len());
            x[..n].copy_from_slice(&h[..n]);
        }
        best = best.min(tsc() - start);
    }
    best as f64 / 100.0
}

#[cfg(not(target_arch = "x86_64"))]
fn main() {
    println!("x86-64 only");
}

#[cfg(target_arch = "x86_64")]
fn main() {
    if keccak256_avx512(&[]).is_none() {
        println!("no AVX-512F on this CPU");
        return;
    }
    for len in [32usize, 64, 136, 200, 1024] {
        let input = vec![7u8; len];
        let (mut fast, mut fallback) = (f64::MAX, f64::MAX);
        for _ in 0..5 {
            fast = fast.min(ticks(&|d| keccak256_avx512(d).expect("checked above").0, &input));
            fallback = fallback.min(ticks(&|d| keccak256_fallback(d).0, &input));
        }
        println!(
            "{len:5} bytes: avx512 {fast:7.0} ticks  fallback {fallback:7.0} ticks  fallback/avx512 {:.2}",
            fallback / fast
        );
    }
}
