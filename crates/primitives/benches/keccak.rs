//! keccak256 backends side by side: `cargo bench -p kestrel-primitives --features asm-keccak
//! --bench keccak`. The AVX-512 path (`keccak256_avx512`, skipped where the CPU lacks it), the
//! fallback it replaces (`keccak256_fallback`: keccak-asm with `asm-keccak`) and the portable
//! `sha3` crate, at the input sizes the EVM hashes most (32 and 64 bytes: KECCAK256 of a word
//! and of a mapping slot's key pair) and around the 136-byte rate.

use criterion::{BenchmarkId, Criterion, Throughput, black_box};
use kestrel_primitives::keccak::{keccak256_avx512, keccak256_fallback};
use sha3::Digest;

fn backends(c: &mut Criterion) {
    let data: Vec<u8> = (0..1024u32).map(|i| (i * 31 + 7) as u8).collect();
    let mut group = c.benchmark_group("keccak256");
    for len in [32usize, 64, 135, 136, 200, 1024] {
        let input = &data[..len];
        group.throughput(Throughput::Bytes(len as u64));
        if keccak256_avx512(input).is_some() {
            group.bench_with_input(BenchmarkId::new("avx512", len), input, |b, input| {
                b.iter(|| keccak256_avx512(black_box(input)))
            });
        }
        group.bench_with_input(BenchmarkId::new("fallback", len), input, |b, input| {
            b.iter(|| keccak256_fallback(black_box(input)))
        });
        group.bench_with_input(BenchmarkId::new("sha3", len), input, |b, input| {
            b.iter(|| sha3::Keccak256::digest(black_box(input)))
        });
    }
    group.finish();
}

// Written out rather than `criterion_main!`, whose generated function has no doc comment.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    backends(&mut c);
    c.final_summary();
}
