//! Keccak-256: an AVX-512 permutation of Kestrel's own where the CPU has AVX-512F and
//! AVX-512BW (chosen at run time) with full-width 512-bit units, else keccak-asm (feature
//! `asm-keccak`) or the portable `sha3` crate. With [`crate::cpu::portable_only`] on, always
//! `sha3`.

use std::sync::atomic::{AtomicU8, Ordering};

use alloy_primitives::{B256, b256};

#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(test)]
mod reference;

/// keccak256 of the empty byte string: the code hash of every account without code.
pub const KECCAK_EMPTY: B256 = b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

/// [`BACKEND`] before the first hash.
const UNCHOSEN: u8 = 0;
/// The portable `sha3` crate.
const SHA3: u8 = 1;
/// keccak-asm (OpenSSL's Keccak-f[1600] assembly for this architecture).
const ASM: u8 = 2;
/// Kestrel's AVX-512 permutation.
const AVX512: u8 = 3;

/// The backend [`keccak256`] uses, chosen by the first call: one byte load per hash, no more
/// than the two CPUID-cache tests it replaces. Only [`choose`] stores, and only `SHA3`, `ASM`
/// (when compiled) or `AVX512` (after detecting the features it needs).
static BACKEND: AtomicU8 = AtomicU8::new(UNCHOSEN);

/// Keccak-256 (the pre-standard SHA-3 variant Ethereum uses) of `data`.
#[inline]
pub fn keccak256(data: impl AsRef<[u8]>) -> B256 {
    let data = data.as_ref();
    let mut backend = BACKEND.load(Ordering::Relaxed);
    if backend == UNCHOSEN {
        backend = choose();
    }
    #[cfg(target_arch = "x86_64")]
    if backend == AVX512 {
        // SAFETY: `choose` stores AVX512 only after detecting AVX-512F and AVX-512BW, the
        // features the function is compiled for.
        return B256::new(unsafe { avx512::keccak256(data) });
    }
    #[cfg(feature = "asm-keccak")]
    if backend == ASM {
        return keccak256_asm(data);
    }
    // Read only by the branches above, which a target or build may lack.
    let _ = backend;
    keccak256_portable(data)
}

/// Picks [`keccak256`]'s backend once: `sha3` in portable mode, else the fastest this CPU and
/// build have. Racing first calls all compute the same answer, so a plain store is enough.
#[cold]
fn choose() -> u8 {
    let backend = if crate::cpu::portable_only() {
        SHA3
    } else if avx512_is_fastest() {
        AVX512
    } else if cfg!(feature = "asm-keccak") {
        ASM
    } else {
        SHA3
    };
    BACKEND.store(backend, Ordering::Relaxed);
    backend
}

/// The backend [`keccak256`] uses in this process: `"avx512"`, `"keccak-asm"` or `"sha3"`.
/// Choosing it decides [`crate::cpu::portable_only`] if nothing did before.
pub fn backend_name() -> &'static str {
    let mut backend = BACKEND.load(Ordering::Relaxed);
    if backend == UNCHOSEN {
        backend = choose();
    }
    match backend {
        AVX512 => "avx512",
        ASM => "keccak-asm",
        _ => "sha3",
    }
}

/// Whether [`keccak256`] takes the AVX-512 path when the fast paths are on: the CPU has it, and
/// it is not a core that runs 512-bit operations as two 256-bit halves where keccak-asm is
/// there instead. On such a core (AMD Zen 4) keccak-asm's scalar permutation is the faster:
/// 268 against 311 ns a permutation, 280 against 306 ns for 32 bytes (BENCHMARKS.md, session
/// 9); on Zen 5 the AVX-512 one is 1.2x keccak-asm (HISTORY.md, session 4).
#[doc(hidden)]
pub fn avx512_is_fastest() -> bool {
    has_avx512() && !(cfg!(feature = "asm-keccak") && half_width_avx512())
}

/// Whether this CPU executes 512-bit vector operations on 256-bit units: AMD family 0x19, whose
/// only members with AVX-512 are the Zen 4 cores. CPUID leaf 0 gives the vendor, leaf 1 the
/// family (base plus extended).
#[cold]
fn half_width_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::__cpuid;
        let vendor = __cpuid(0);
        // "AuthenticAMD" in EBX, EDX, ECX.
        let amd = (vendor.ebx, vendor.edx, vendor.ecx) == (0x6874_7541, 0x6974_6e65, 0x444d_4163);
        let eax = __cpuid(1).eax;
        let family = ((eax >> 8) & 0xf) + ((eax >> 20) & 0xff);
        amd && family == 0x19
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Whether the CPU can run the AVX-512 path (std caches CPUID's answer).
#[inline]
fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512bw")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Keccak-256 of `data` without the AVX-512 path: keccak-asm with the `asm-keccak` feature,
/// else `sha3`, whatever the switch says. For benchmarks and tests that compare the backends.
#[doc(hidden)]
#[inline]
pub fn keccak256_fallback(data: &[u8]) -> B256 {
    #[cfg(feature = "asm-keccak")]
    return keccak256_asm(data);
    #[cfg(not(feature = "asm-keccak"))]
    keccak256_portable(data)
}

/// Keccak-256 of `data` on the portable `sha3` crate: the path of portable mode.
#[doc(hidden)]
#[inline]
pub fn keccak256_portable(data: &[u8]) -> B256 {
    use sha3::Digest;
    B256::from_slice(&sha3::Keccak256::digest(data))
}

/// Keccak-256 of `data` on keccak-asm.
#[cfg(feature = "asm-keccak")]
#[doc(hidden)]
#[inline]
pub fn keccak256_asm(data: &[u8]) -> B256 {
    // keccak-asm's `Keccak256::digest` is an inherent one-shot call into the assembly.
    B256::from_slice(&keccak_asm::Keccak256::digest(data))
}

/// Keccak-256 of `data` on the AVX-512 path, or `None` where the CPU (or target) lacks it,
/// whatever the switch says: for benchmarks and tests that compare the backends.
#[doc(hidden)]
#[inline]
pub fn keccak256_avx512(data: &[u8]) -> Option<B256> {
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU has AVX-512F and AVX-512BW, the features the function is compiled for.
        return Some(B256::new(unsafe { avx512::keccak256(data) }));
    }
    let _ = data;
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published digests: the empty string (every code-less account's code hash), "abc", and
    /// "hello world".
    const VECTORS: [(&[u8], B256); 3] = [
        (b"", KECCAK_EMPTY),
        (b"abc", b256!("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")),
        (b"hello world", b256!("47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbfa254cb01fad")),
    ];

    /// Test inputs: every length to three blocks and more, then a stride to 1,200 bytes, over
    /// four byte patterns.
    fn inputs() -> Vec<Vec<u8>> {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut out = Vec::new();
        for pattern in 0..4 {
            let data: Vec<u8> = (0..1200usize)
                .map(|i| match pattern {
                    0 => 0,
                    1 => 0xff,
                    2 => (i * 7 + 3) as u8,
                    _ => {
                        // xorshift64: arbitrary bytes without a dependency.
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed as u8
                    }
                })
                .collect();
            for len in (0..=420).chain((421..data.len()).step_by(17)).chain([1088, 1199]) {
                out.push(data[..len].to_vec());
            }
        }
        out
    }

    /// `backend` against the FIPS 202 reference on every input.
    fn assert_matches_reference(name: &str, backend: impl Fn(&[u8]) -> B256) {
        for input in inputs() {
            let want = reference::keccak256(&input);
            assert_eq!(backend(&input).0, want, "{name}, length {}", input.len());
        }
    }

    #[test]
    fn reference_matches_published_vectors() {
        for (input, digest) in VECTORS {
            assert_eq!(reference::keccak256(input), digest.0, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn dispatched_matches_published_vectors() {
        for (input, digest) in VECTORS {
            assert_eq!(keccak256(input), digest, "{}: {:?}", backend_name(), String::from_utf8_lossy(input));
        }
    }

    /// Whatever this process chose (the portable `sha3` in portable mode).
    #[test]
    fn dispatched_matches_reference() {
        assert_matches_reference(backend_name(), |d| keccak256(d));
    }

    /// The portable path, which portable mode forces.
    #[test]
    fn portable_matches_reference() {
        assert_matches_reference("sha3", keccak256_portable);
    }

    #[test]
    fn keccak_asm_matches_reference() {
        #[cfg(feature = "asm-keccak")]
        assert_matches_reference("keccak-asm", keccak256_asm);
        #[cfg(not(feature = "asm-keccak"))]
        println!("SKIPPED in this build: keccak-asm not compiled (feature asm-keccak off)");
    }

    #[test]
    fn avx512_matches_reference() {
        if keccak256_avx512(&[]).is_none() {
            println!("SKIPPED on this CPU: no avx512f + avx512bw");
            return;
        }
        assert_matches_reference("avx512", |d| keccak256_avx512(d).expect("detected above"));
    }

    /// The reference itself against an independent library at the lengths where padding
    /// changes shape (one byte short of the rate, the rate, two blocks).
    #[test]
    fn reference_matches_sha3_at_block_edges() {
        for len in [0, 1, 134, 135, 136, 137, 271, 272, 273] {
            let input = vec![0x5a; len];
            assert_eq!(reference::keccak256(&input), keccak256_portable(&input).0, "length {len}");
        }
    }
}
