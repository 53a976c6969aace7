//! MODEXP paths side by side. `modexp_calls run BACKEND ITERS` runs the `mod_1024_exp_2`
//! workload shape (1024-byte odd modulus with a zero top byte, 1024-byte base, exponent 3)
//! ITERS times on one backend (for callgrind), `modexp_calls x BACKEND MOD_LEN odd|even
//! EXP_LEN ITERS` one of the benchmark's `x_modexp_*` rows; `modexp_calls crossover` times the
//! Montgomery and plain paths, alternated, on odd and even moduli of several lengths and
//! exponent sizes, medians in microseconds.
//! `cargo run --release -p kestrel-precompiles --example modexp_calls -- crossover`.

use std::time::Instant;

use kestrel_precompiles::{PrecompileResult, backends};

mod common;
use common::{filler, median, modulus};

type Run = fn(&[u8], u64) -> PrecompileResult;

fn input(base: &[u8], exp: &[u8], modulus: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for len in [base.len(), exp.len(), modulus.len()] {
        let mut word = [0u8; 32];
        word[24..].copy_from_slice(&(len as u64).to_be_bytes());
        out.extend_from_slice(&word);
    }
    [out.as_slice(), base, exp, modulus].concat()
}

fn backend(name: &str) -> Run {
    match name {
        "mont" => backends::modexp_mont,
        "montgomery_only" => backends::modexp_montgomery_only,
        "plain_only" => backends::modexp_plain_only,
        "aurora" => backends::modexp_aurora,
        other => panic!("unknown backend {other}"),
    }
}

/// A `mod_len`-byte modulus (top bit set, odd or even), a base as long, and an exponent of
/// `ebits` one bits (the most multiplications for its length).
fn shape(mod_len: usize, parity: &str, ebits: u32) -> Vec<u8> {
    let modulus = modulus(mod_len, parity == "odd", mod_len as u64);
    let base = filler(mod_len, 7 + mod_len as u64);
    let e: u32 = if ebits >= 32 { u32::MAX } else { (1u32 << ebits) - 1 };
    input(&base, &e.to_be_bytes(), &modulus)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => {
            let run = backend(args.get(1).map_or("mont", String::as_str));
            let iters: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
            let mut modulus = filler(1024, 1);
            modulus[0] = 0;
            modulus[1] |= 0x80;
            modulus[1023] |= 1;
            let data = input(&[0xff; 1024], &[3], &modulus);
            for _ in 0..iters {
                std::hint::black_box(run(std::hint::black_box(&data), u64::MAX).expect("ok"));
            }
        }
        Some("x") => {
            // x BACKEND MOD_LEN PARITY EXP_LEN ITERS: the benchmark's `x_modexp_*` rows.
            let run = backend(&args[1]);
            let mod_len: usize = args[2].parse().expect("mod_len");
            let exp_len: usize = args[4].parse().expect("exp_len");
            let iters: usize = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(1);
            let mut modulus = filler(mod_len, mod_len as u64 * 31 + exp_len as u64);
            modulus[0] |= 0x80;
            if args[3] == "odd" {
                modulus[mod_len - 1] |= 1;
            } else {
                modulus[mod_len - 1] &= !1;
            }
            let base = filler(mod_len, 7 + mod_len as u64);
            let data = input(&base, &vec![0xff; exp_len], &modulus);
            for _ in 0..iters {
                std::hint::black_box(run(std::hint::black_box(&data), u64::MAX).expect("ok"));
            }
        }
        Some("one") => {
            // one BACKEND MOD_LEN PARITY EBITS ITERS: a single shape, for instruction counts.
            let run = backend(&args[1]);
            let mod_len: usize = args[2].parse().expect("mod_len");
            let ebits: u32 = args[4].parse().expect("ebits");
            let iters: usize = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(1);
            let data = shape(mod_len, &args[3], ebits);
            for _ in 0..iters {
                std::hint::black_box(run(std::hint::black_box(&data), u64::MAX).expect("ok"));
            }
        }
        _ => {
            println!(
                "{:>6} {:>5} {:>4} {:>11} {:>11} {:>7}",
                "mod", "parity", "ebits", "mont µs", "plain µs", "p/m"
            );
            for mod_len in [32usize, 64, 128, 256, 512, 1024] {
                for parity in ["odd", "even"] {
                    for ebits in [1usize, 2, 3, 4, 5, 6, 8, 12, 16, 17] {
                        let data = shape(mod_len, parity, ebits as u32);
                        let (m, p): (Run, Run) =
                            (backends::modexp_montgomery_only, backends::modexp_plain_only);
                        assert_eq!(m(&data, u64::MAX), p(&data, u64::MAX));
                        let reps = (200_000 / (mod_len * mod_len / 64)).max(1);
                        let (mut tm, mut tp) = (Vec::new(), Vec::new());
                        for _ in 0..21 {
                            for (f, t) in [(m, &mut tm), (p, &mut tp)] {
                                let start = Instant::now();
                                for _ in 0..reps {
                                    std::hint::black_box(f(std::hint::black_box(&data), u64::MAX)).ok();
                                }
                                t.push(start.elapsed().as_secs_f64() * 1e6 / reps as f64);
                            }
                        }
                        let (a, b) = (median(tm), median(tp));
                        println!("{mod_len:>6} {parity:>5} {ebits:>4} {a:>11.2} {b:>11.2} {:>7.2}", b / a);
                    }
                }
            }
        }
    }
}
