//! Every backend against the EIP-152 vectors and against the portable reference.

use proptest::prelude::*;

use super::{CompressFn, compress, portable};

/// The backends that must equal the portable reference: the SIMD ones this CPU can run, and
/// the dispatched one unless it is the portable one (in portable mode or without SIMD), so no
/// test compares the portable backend with itself. A backend the CPU lacks is reported once
/// per process as skipped.
fn fast_backends() -> Vec<(&'static str, CompressFn)> {
    static REPORT: std::sync::Once = std::sync::Once::new();
    let mut list: Vec<(&'static str, CompressFn)> = Vec::new();
    let mut skipped: Vec<&str> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx2") {
            // SAFETY: listed only after AVX2 was detected.
            list.push(("avx2", |r, h, m, t, f| unsafe { super::avx2::compress(r, h, m, t, f) }));
        } else {
            skipped.push("SKIPPED on this CPU: no avx2 (BLAKE2 avx2 backend)");
        }
        if has!("avx2") && has!("avx512f") && has!("avx512vl") {
            // SAFETY: listed only after AVX2, AVX-512F and AVX-512VL were detected.
            list.push(("avx512", |r, h, m, t, f| unsafe { super::avx512::compress(r, h, m, t, f) }));
        } else {
            skipped.push("SKIPPED on this CPU: no avx2 + avx512f + avx512vl (BLAKE2 avx512 backend)");
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    skipped.push("SKIPPED on this target: not x86-64 (BLAKE2 SIMD backends)");
    if super::backend_name() == "portable" {
        skipped.push("SKIPPED: BLAKE2 dispatched backend is the portable one (portable mode or no SIMD)");
    } else {
        list.push(("dispatched", compress));
    }
    REPORT.call_once(|| {
        for what in &skipped {
            println!("{what}");
        }
    });
    list
}

/// Every backend, portable first, for the checks against fixed vectors.
fn all_backends() -> Vec<(&'static str, CompressFn)> {
    let mut list: Vec<(&'static str, CompressFn)> = vec![("portable", portable::compress)];
    list.extend(fast_backends());
    list
}

fn words<const N: usize>(hex: &str) -> [u64; N] {
    let bytes = kestrel_primitives::hex::decode(hex).expect("valid hex");
    core::array::from_fn(|i| u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes")))
}

/// EIP-152 vectors 3 to 6 (h, m = "abc", t = 3), straight into F on every backend.
#[test]
fn eip152_vectors_on_every_backend() {
    let h0: [u64; 8] = words(
        "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5\
         d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b",
    );
    let mut m = [0u64; 16];
    m[0] = 0x636261;
    let cases: [(u32, bool, &str); 4] = [
        (
            0,
            true,
            "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5\
             d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b",
        ),
        (
            12,
            true,
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
             7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
        ),
        (
            12,
            false,
            "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d28752\
             98743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735",
        ),
        (
            1,
            true,
            "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fb\
             a551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421",
        ),
    ];
    for (name, f) in all_backends() {
        for (rounds, last, expected) in cases {
            let mut h = h0;
            f(rounds, &mut h, &m, [3, 0], last);
            assert_eq!(h, words::<8>(expected), "{name}: {rounds} rounds, final {last}");
        }
    }
}

/// Every other backend against the portable one for `rounds`, on a given input.
fn assert_backends_agree(rounds: u32, h: [u64; 8], m: &[u64; 16], t: [u64; 2], last: bool) {
    let mut want = h;
    portable::compress(rounds, &mut want, m, t, last);
    for (name, f) in fast_backends() {
        let mut got = h;
        f(rounds, &mut got, m, t, last);
        assert_eq!(got, want, "{name}: {rounds} rounds");
    }
}

proptest! {
    /// Small round counts cover every schedule row and every remainder after whole passes.
    #[test]
    fn backends_agree(
        rounds in 0u32..=64,
        h in any::<[u64; 8]>(),
        m in any::<[u64; 16]>(),
        t in any::<[u64; 2]>(),
        last in any::<bool>(),
    ) {
        assert_backends_agree(rounds, h, &m, t, last);
    }
}

/// Every count from 0 to 40, so each path of the SIMD kernels (no table under ten rounds,
/// the table's first pass, whole passes, every remainder) is checked whatever proptest draws.
#[test]
fn backends_agree_on_every_small_count() {
    let h = core::array::from_fn(|i| 0x0123_4567_89ab_cdefu64.rotate_left(7 * i as u32));
    let m = core::array::from_fn(|i| 0xfedc_ba98_7654_3210u64.rotate_left(5 * i as u32) ^ i as u64);
    for rounds in 0..=40 {
        assert_backends_agree(rounds, h, &m, [rounds.into(), 1], rounds % 3 == 0);
    }
}

/// Larger counts, each a different remainder mod 10 (kept modest: tests run unoptimised).
#[test]
fn backends_agree_on_many_rounds() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        // xorshift64: deterministic inputs without a seed file.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for rounds in [99, 1_000, 4_097, 65_536, 100_003] {
        let h = core::array::from_fn(|_| next());
        let m = core::array::from_fn(|_| next());
        let t = [next(), next()];
        assert_backends_agree(rounds, h, &m, t, rounds % 2 == 1);
    }
}

/// Prints ns per round of each backend and the cost of one 12-round call (BLAKE2b's own
/// count). Best of several runs, interleaved, since the machine is shared.
#[test]
#[ignore = "timing; run with --release --ignored --nocapture"]
fn timing() {
    let list = all_backends();
    let rounds = 4_000_000;
    let mut per_round = vec![f64::MAX; list.len()];
    let mut per_call = vec![f64::MAX; list.len()];
    let mut h = [1u64; 8];
    for _ in 0..8 {
        for (i, (_, f)) in list.iter().enumerate() {
            let start = std::time::Instant::now();
            f(rounds, &mut h, &[7; 16], [3, 0], true);
            per_round[i] = per_round[i].min(start.elapsed().as_nanos() as f64 / f64::from(rounds));
            let calls = 100_000;
            let start = std::time::Instant::now();
            for _ in 0..calls {
                f(12, std::hint::black_box(&mut h), &[7; 16], [3, 0], true);
            }
            per_call[i] = per_call[i].min(start.elapsed().as_nanos() as f64 / f64::from(calls));
        }
    }
    for (i, (name, _)) in list.iter().enumerate() {
        println!("{name:>10}: {:6.2} ns/round, {:6.1} ns per 12-round call", per_round[i], per_call[i]);
    }
}
