//! P256VERIFY (0x100): secp256r1 signature verification, EIP-7951.
//!
//! Input: exactly 160 bytes, `hash ‖ r ‖ s ‖ qx ‖ qy`, 32 bytes each. Output: 32-byte `1`
//! when the signature verifies, and empty output for anything else (wrong length, `r` or
//! `s` outside `1..n`, a coordinate `>= p`, the point at infinity, a point off the curve,
//! a signature that does not verify). Only a lack of gas is an error.

use kestrel_primitives::Bytes;
use p256::{
    EncodedPoint, FieldBytes,
    ecdsa::{Signature, VerifyingKey, signature::hazmat::PrehashVerifier},
};

use crate::{PrecompileOutput, PrecompileResult, charge};

/// EIP-7951's price as adopted for Osaka.
const P256VERIFY_COST: u64 = 6900;
/// The only accepted input length.
const INPUT_LEN: usize = 160;

/// P256VERIFY: 32-byte 1 on a valid signature, empty output otherwise.
pub(crate) fn p256verify(input: &[u8], gas_limit: u64) -> PrecompileResult {
    let gas_used = charge(P256VERIFY_COST, gas_limit)?;
    let bytes = if verify(input) {
        let mut out = [0u8; 32];
        out[31] = 1;
        Bytes::copy_from_slice(&out)
    } else {
        Bytes::new()
    };
    Ok(PrecompileOutput { gas_used, bytes })
}

/// True when `input` is 160 bytes holding a valid signature of its hash: the variable-time
/// verification of [`fast`] (all inputs are public).
fn verify(input: &[u8]) -> bool {
    let Ok(input) = <&[u8; INPUT_LEN]>::try_from(input) else {
        return false;
    };
    fast::verify(input)
}

/// P256VERIFY on RustCrypto's `p256` (`VerifyingKey::verify_prehash`, two constant-time
/// scalar multiplications): the reference the variable-time path is tested and timed against.
pub(crate) fn p256verify_rustcrypto(input: &[u8], gas_limit: u64) -> PrecompileResult {
    let gas_used = charge(P256VERIFY_COST, gas_limit)?;
    let mut out = [0u8; 32];
    out[31] = 1;
    let bytes = if verify_rustcrypto(input) { Bytes::copy_from_slice(&out) } else { Bytes::new() };
    Ok(PrecompileOutput { gas_used, bytes })
}

/// True when `input` is 160 bytes holding a valid signature of its hash, by `p256`'s verifier.
fn verify_rustcrypto(input: &[u8]) -> bool {
    if input.len() != INPUT_LEN {
        return false;
    }
    let (hash, rest) = input.split_at(32);
    let (r, rest) = rest.split_at(32);
    let (s, key) = rest.split_at(32);

    // `from_scalars` rejects r, s equal to zero or >= n.
    let Ok(signature) = Signature::from_scalars(*FieldBytes::from_slice(r), *FieldBytes::from_slice(s))
    else {
        return false;
    };
    // Decoding rejects coordinates >= p and points off the curve; the identity has no
    // affine encoding, so (0, 0) is rejected too (it is not on the curve: b != 0).
    let point = EncodedPoint::from_untagged_bytes(key.into());
    let Ok(key) = VerifyingKey::from_encoded_point(&point) else {
        return false;
    };
    // Plain ECDSA verification: no low-s rule; the hash is reduced mod n.
    key.verify_prehash(hash, &signature).is_ok()
}

#[cfg(test)]
mod fast_test_words {
    /// P-256's field prime, big-endian.
    pub(super) const P: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ];
}

/// P-256's base field: 4 × 64-bit limbs in Montgomery form, fully reduced, with the
/// multiplication specialised to p = 2^256 − 2^224 + 2^192 + 2^96 − 1 (−p⁻¹ mod 2^64 = 1).
/// Variable time: only public values (signatures, keys) go through it.
mod field {
    use core::ops::{Add, Mul, Neg, Sub};

    const P: [u64; 4] = [0xffff_ffff_ffff_ffff, 0x0000_0000_ffff_ffff, 0, 0xffff_ffff_0000_0001];
    /// 2^512 mod p, to enter Montgomery form.
    const R2: [u64; 4] = [3, 0xffff_fffb_ffff_ffff, 0xffff_ffff_ffff_fffe, 0x0000_0004_ffff_fffd];

    /// a + b·c + carry: (low, high).
    #[inline(always)]
    fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
        let t = u128::from(a) + u128::from(b) * u128::from(c) + u128::from(carry);
        (t as u64, (t >> 64) as u64)
    }

    #[inline(always)]
    fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
        let t = u128::from(a) + u128::from(b) + u128::from(carry);
        (t as u64, (t >> 64) as u64)
    }

    #[inline(always)]
    fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
        let t = u128::from(a).wrapping_sub(u128::from(b) + u128::from(borrow));
        (t as u64, (t >> 127) as u64)
    }

    /// `t` (below 2p, with the carry `top`) reduced below p.
    #[inline(always)]
    fn reduce_once(t: [u64; 4], top: u64) -> [u64; 4] {
        let (d0, b) = sbb(t[0], P[0], 0);
        let (d1, b) = sbb(t[1], P[1], b);
        let (d2, b) = sbb(t[2], P[2], b);
        let (d3, b) = sbb(t[3], P[3], b);
        let (_, b) = sbb(top, 0, b);
        if b == 0 { [d0, d1, d2, d3] } else { t }
    }

    /// An element of GF(p), in Montgomery form (value · 2^256 mod p), below p.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(super) struct Fp([u64; 4]);

    impl Fp {
        pub(super) const ZERO: Fp = Fp([0; 4]);
        pub(super) const ONE: Fp =
            Fp([1, 0xffff_ffff_0000_0000, 0xffff_ffff_ffff_ffff, 0x0000_0000_ffff_fffe]);
        pub(super) const THREE: Fp =
            Fp([3, 0xffff_fffd_0000_0000, 0xffff_ffff_ffff_ffff, 0x0000_0002_ffff_fffc]);

        /// The element with these 32 big-endian bytes; `None` when they are `>= p`.
        pub(super) fn from_bytes(bytes: &[u8; 32]) -> Option<Fp> {
            let mut limbs = [0u64; 4];
            for (i, limb) in limbs.iter_mut().enumerate() {
                let mut word = [0u8; 8];
                word.copy_from_slice(&bytes[32 - 8 * (i + 1)..32 - 8 * i]);
                *limb = u64::from_be_bytes(word);
            }
            // Below p exactly when subtracting p borrows.
            let (_, b) = sbb(limbs[0], P[0], 0);
            let (_, b) = sbb(limbs[1], P[1], b);
            let (_, b) = sbb(limbs[2], P[2], b);
            let (_, b) = sbb(limbs[3], P[3], b);
            (b == 1).then(|| Fp(limbs) * Fp(R2))
        }

        /// The 32 big-endian bytes of the element (out of Montgomery form).
        #[cfg(test)]
        pub(super) fn to_bytes(self) -> [u8; 32] {
            let plain = self * Fp([1, 0, 0, 0]);
            let mut out = [0u8; 32];
            for (i, limb) in plain.0.iter().enumerate() {
                out[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
            }
            out
        }

        pub(super) fn is_zero(&self) -> bool {
            self.0 == [0; 4]
        }

        pub(super) fn square(&self) -> Fp {
            #[cfg(target_arch = "x86_64")]
            if adx::available() {
                // SAFETY: `available` checked that the CPU has BMI2 and ADX, the instructions
                // `mont_sqr` uses.
                let (t, top) = unsafe { adx::mont_sqr(&self.0) };
                return Fp(reduce_once(t, top));
            }
            *self * *self
        }

        pub(super) fn double(&self) -> Fp {
            *self + *self
        }

        /// The inverse (Fermat: self^(p−2)); `None` for zero.
        pub(super) fn invert(&self) -> Option<Fp> {
            if self.is_zero() {
                return None;
            }
            // p − 2, little-endian limbs.
            const E: [u64; 4] = [0xffff_ffff_ffff_fffd, 0x0000_0000_ffff_ffff, 0, 0xffff_ffff_0000_0001];
            let mut acc = Fp::ONE;
            for i in (0..256).rev() {
                acc = acc.square();
                if (E[i / 64] >> (i % 64)) & 1 == 1 {
                    acc = acc * *self;
                }
            }
            Some(acc)
        }
    }

    impl Add for Fp {
        type Output = Fp;

        #[inline]
        fn add(self, rhs: Fp) -> Fp {
            let (t0, c) = adc(self.0[0], rhs.0[0], 0);
            let (t1, c) = adc(self.0[1], rhs.0[1], c);
            let (t2, c) = adc(self.0[2], rhs.0[2], c);
            let (t3, c) = adc(self.0[3], rhs.0[3], c);
            Fp(reduce_once([t0, t1, t2, t3], c))
        }
    }

    impl Sub for Fp {
        type Output = Fp;

        #[inline]
        fn sub(self, rhs: Fp) -> Fp {
            let (t0, b) = sbb(self.0[0], rhs.0[0], 0);
            let (t1, b) = sbb(self.0[1], rhs.0[1], b);
            let (t2, b) = sbb(self.0[2], rhs.0[2], b);
            let (t3, b) = sbb(self.0[3], rhs.0[3], b);
            if b == 0 {
                return Fp([t0, t1, t2, t3]);
            }
            // Went below zero: add p back (the carry out cancels the borrow).
            let (t0, c) = adc(t0, P[0], 0);
            let (t1, c) = adc(t1, P[1], c);
            let (t2, c) = adc(t2, P[2], c);
            let (t3, _) = adc(t3, P[3], c);
            Fp([t0, t1, t2, t3])
        }
    }

    impl Neg for Fp {
        type Output = Fp;

        #[inline]
        fn neg(self) -> Fp {
            Fp::ZERO - self
        }
    }

    impl Mul for Fp {
        type Output = Fp;

        /// Montgomery multiplication (CIOS); with −p⁻¹ ≡ 1 (mod 2^64) each round's multiplier is
        /// the low limb itself, and p's zero limb drops a product. On x86-64 CPUs with BMI2 and
        /// ADX, [`adx::mont_mul`] (unless `KESTREL_PORTABLE` is set).
        #[inline]
        fn mul(self, rhs: Fp) -> Fp {
            #[cfg(target_arch = "x86_64")]
            if adx::available() {
                // SAFETY: `available` checked that the CPU has BMI2 (`mulx`) and ADX
                // (`adcx`, `adox`), the instructions `mont_mul` uses.
                let (t, top) = unsafe { adx::mont_mul(&self.0, &rhs.0) };
                return Fp(reduce_once(t, top));
            }
            let (t, top) = mont_mul_portable(&self.0, &rhs.0);
            Fp(reduce_once(t, top))
        }
    }

    /// `a·b·2^−256 mod p` as four limbs and a top bit, below 2p (both inputs below p).
    pub(super) fn mont_mul_portable(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], u64) {
        let mut t = [0u64; 4];
        let mut top = 0u64;
        for &bi in b {
            let (t0, c) = mac(t[0], a[0], bi, 0);
            let (t1, c) = mac(t[1], a[1], bi, c);
            let (t2, c) = mac(t[2], a[2], bi, c);
            let (t3, c) = mac(t[3], a[3], bi, c);
            let (t4, t5) = adc(top, c, 0);
            // m = t0; t0 + m·(2^64 − 1) = m·2^64: carry m into the next limb.
            let m = t0;
            let (r0, c) = mac(t1, m, P[1], m);
            let (r1, c) = adc(t2, 0, c);
            let (r2, c) = mac(t3, m, P[3], c);
            let (r3, c) = adc(t4, 0, c);
            t = [r0, r1, r2, r3];
            top = t5 + c;
        }
        (t, top)
    }

    /// The Montgomery multiplication with `mulx` and two carry chains (`adcx` for the low
    /// halves of a row's products, `adox` for the high halves), the reduction specialised to
    /// p: with m the low limb, `(t + m·p) / 2^64 = t / 2^64 + m·2^32 + m·(2^64 − 2^32 + 1)·2^128`,
    /// shifts and one subtraction instead of multiplications.
    #[cfg(target_arch = "x86_64")]
    pub(super) mod adx {
        use core::arch::asm;
        use std::sync::atomic::{AtomicU8, Ordering};

        /// Whether the CPU has BMI2 and ADX and the portable switch is off (decided once).
        pub(in super::super) fn available() -> bool {
            static STATE: AtomicU8 = AtomicU8::new(0);
            match STATE.load(Ordering::Relaxed) {
                1 => true,
                2 => false,
                _ => {
                    let on = !kestrel_primitives::cpu::portable_only()
                        && std::arch::is_x86_feature_detected!("bmi2")
                        && std::arch::is_x86_feature_detected!("adx");
                    STATE.store(if on { 1 } else { 2 }, Ordering::Relaxed);
                    on
                }
            }
        }

        /// `a·b·2^−256 mod p` as four limbs and a top bit, below 2p (both inputs below p).
        ///
        /// # Safety
        /// The CPU must have BMI2 and ADX ([`available`]).
        #[inline]
        pub(in super::super) unsafe fn mont_mul(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], u64) {
            let (mut r0, mut r1, mut r2, mut r3, mut r4, mut r5) = (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
            // SAFETY: reads the 4 limbs behind `a` and `b` (valid, aligned `[u64; 4]`
            // references), writes only the registers listed, no stack and no memory; the
            // caller guarantees the CPU has `mulx`, `adcx` and `adox`.
            unsafe {
                asm!(
                // b[0]: t += a * b[0] (CF chain: low halves, OF chain: high halves)
                "xor {z:e}, {z:e}",
                "mov rdx, qword ptr [{b} + 0]",
                "mulx {hi}, {lo}, qword ptr [{a} + 0]",
                "adcx {r0}, {lo}",
                "adox {r1}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 8]",
                "adcx {r1}, {lo}",
                "adox {r2}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 16]",
                "adcx {r2}, {lo}",
                "adox {r3}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 24]",
                "adcx {r3}, {lo}",
                "adox {r4}, {hi}",
                "adcx {r4}, {z}",
                "adox {r5}, {z}",
                "adcx {r5}, {z}",
                // reduce: m = t0; (t + m*p) / 2^64 = t[1..] + m*2^32 + m*p3*2^128
                "mov rdx, {r0}",
                "mov {lo}, rdx",
                "shl {lo}, 32",
                "mov {hi}, rdx",
                "shr {hi}, 32",
                "mov {z}, rdx",
                "sub {z}, {lo}",
                "sbb rdx, {hi}",
                "add {r1}, {lo}",
                "adc {r2}, {hi}",
                "adc {r3}, {z}",
                "adc {r4}, rdx",
                "adc {r5}, 0",
                "xor {r0}, {r0}",
                // b[1]: t += a * b[1] (CF chain: low halves, OF chain: high halves)
                "xor {z:e}, {z:e}",
                "mov rdx, qword ptr [{b} + 8]",
                "mulx {hi}, {lo}, qword ptr [{a} + 0]",
                "adcx {r1}, {lo}",
                "adox {r2}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 8]",
                "adcx {r2}, {lo}",
                "adox {r3}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 16]",
                "adcx {r3}, {lo}",
                "adox {r4}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 24]",
                "adcx {r4}, {lo}",
                "adox {r5}, {hi}",
                "adcx {r5}, {z}",
                "adox {r0}, {z}",
                "adcx {r0}, {z}",
                // reduce: m = t0; (t + m*p) / 2^64 = t[1..] + m*2^32 + m*p3*2^128
                "mov rdx, {r1}",
                "mov {lo}, rdx",
                "shl {lo}, 32",
                "mov {hi}, rdx",
                "shr {hi}, 32",
                "mov {z}, rdx",
                "sub {z}, {lo}",
                "sbb rdx, {hi}",
                "add {r2}, {lo}",
                "adc {r3}, {hi}",
                "adc {r4}, {z}",
                "adc {r5}, rdx",
                "adc {r0}, 0",
                "xor {r1}, {r1}",
                // b[2]: t += a * b[2] (CF chain: low halves, OF chain: high halves)
                "xor {z:e}, {z:e}",
                "mov rdx, qword ptr [{b} + 16]",
                "mulx {hi}, {lo}, qword ptr [{a} + 0]",
                "adcx {r2}, {lo}",
                "adox {r3}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 8]",
                "adcx {r3}, {lo}",
                "adox {r4}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 16]",
                "adcx {r4}, {lo}",
                "adox {r5}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 24]",
                "adcx {r5}, {lo}",
                "adox {r0}, {hi}",
                "adcx {r0}, {z}",
                "adox {r1}, {z}",
                "adcx {r1}, {z}",
                // reduce: m = t0; (t + m*p) / 2^64 = t[1..] + m*2^32 + m*p3*2^128
                "mov rdx, {r2}",
                "mov {lo}, rdx",
                "shl {lo}, 32",
                "mov {hi}, rdx",
                "shr {hi}, 32",
                "mov {z}, rdx",
                "sub {z}, {lo}",
                "sbb rdx, {hi}",
                "add {r3}, {lo}",
                "adc {r4}, {hi}",
                "adc {r5}, {z}",
                "adc {r0}, rdx",
                "adc {r1}, 0",
                "xor {r2}, {r2}",
                // b[3]: t += a * b[3] (CF chain: low halves, OF chain: high halves)
                "xor {z:e}, {z:e}",
                "mov rdx, qword ptr [{b} + 24]",
                "mulx {hi}, {lo}, qword ptr [{a} + 0]",
                "adcx {r3}, {lo}",
                "adox {r4}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 8]",
                "adcx {r4}, {lo}",
                "adox {r5}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 16]",
                "adcx {r5}, {lo}",
                "adox {r0}, {hi}",
                "mulx {hi}, {lo}, qword ptr [{a} + 24]",
                "adcx {r0}, {lo}",
                "adox {r1}, {hi}",
                "adcx {r1}, {z}",
                "adox {r2}, {z}",
                "adcx {r2}, {z}",
                // reduce: m = t0; (t + m*p) / 2^64 = t[1..] + m*2^32 + m*p3*2^128
                "mov rdx, {r3}",
                "mov {lo}, rdx",
                "shl {lo}, 32",
                "mov {hi}, rdx",
                "shr {hi}, 32",
                "mov {z}, rdx",
                "sub {z}, {lo}",
                "sbb rdx, {hi}",
                "add {r4}, {lo}",
                "adc {r5}, {hi}",
                "adc {r0}, {z}",
                "adc {r1}, rdx",
                "adc {r2}, 0",
                "xor {r3}, {r3}",
                    a = in(reg) a.as_ptr(),
                    b = in(reg) b.as_ptr(),
                    r0 = inout(reg) r0,
                    r1 = inout(reg) r1,
                    r2 = inout(reg) r2,
                    r3 = inout(reg) r3,
                    r4 = inout(reg) r4,
                    r5 = inout(reg) r5,
                    lo = out(reg) _,
                    hi = out(reg) _,
                    z = out(reg) _,
                    out("rdx") _,
                    options(pure, readonly, nostack),
                );
            }
            // After four rounds the limbs sit in r4, r5, r0, r1 and the top bit in r2.
            let _ = r3;
            ([r4, r5, r0, r1], r2)
        }

        /// `a²·2^−256 mod p` as four limbs and a top bit, below 2p (`a` below p): the 6
        /// products `a_i·a_j` (i < j) once, doubled, plus the 4 squares, then the reduction of
        /// [`mont_mul`] on the 8-limb square (10 `mulx` instead of 16; the same result).
        ///
        /// # Safety
        /// The CPU must have BMI2 and ADX ([`available`]).
        #[inline]
        pub(in super::super) unsafe fn mont_sqr(a: &[u64; 4]) -> ([u64; 4], u64) {
            let (t4, t5, t6, t7, top): (u64, u64, u64, u64, u64);
            // SAFETY: reads the 4 limbs behind `a` (a valid, aligned `[u64; 4]` reference),
            // writes only the registers listed, no stack and no memory; the caller guarantees
            // the CPU has `mulx`, `adcx` and `adox`.
            unsafe {
                asm!(
                    // off-diagonal products a_i*a_j (i < j) into t1..t6
                    "mov rdx, qword ptr [{a}]",
                    "mulx {t2}, {t1}, qword ptr [{a} + 8]",
                    "mulx {t3}, {lo}, qword ptr [{a} + 16]",
                    "add {t2}, {lo}",
                    "mulx {t4}, {lo}, qword ptr [{a} + 24]",
                    "adc {t3}, {lo}",
                    "adc {t4}, 0",
                    "xor {t5:e}, {t5:e}",
                    "xor {z:e}, {z:e}",
                    "mov rdx, qword ptr [{a} + 8]",
                    "mulx {hi}, {lo}, qword ptr [{a} + 16]",
                    "adcx {t3}, {lo}",
                    "adox {t4}, {hi}",
                    "mulx {hi}, {lo}, qword ptr [{a} + 24]",
                    "adcx {t4}, {lo}",
                    "adox {t5}, {hi}",
                    "adcx {t5}, {z}",
                    "mov rdx, qword ptr [{a} + 16]",
                    "mulx {t6}, {lo}, qword ptr [{a} + 24]",
                    "add {t5}, {lo}",
                    "adc {t6}, 0",
                    // doubled: t1..t7 = 2 * (t1..t6)
                    "xor {t7:e}, {t7:e}",
                    "add {t1}, {t1}",
                    "adc {t2}, {t2}",
                    "adc {t3}, {t3}",
                    "adc {t4}, {t4}",
                    "adc {t5}, {t5}",
                    "adc {t6}, {t6}",
                    "adc {t7}, {t7}",
                    // plus the squares a_i^2 at limbs 2i, 2i+1
                    "mov rdx, qword ptr [{a}]",
                    "mulx {hi}, {t0}, rdx",
                    "add {t1}, {hi}",
                    "mov rdx, qword ptr [{a} + 8]",
                    "mulx {hi}, {lo}, rdx",
                    "adc {t2}, {lo}",
                    "adc {t3}, {hi}",
                    "mov rdx, qword ptr [{a} + 16]",
                    "mulx {hi}, {lo}, rdx",
                    "adc {t4}, {lo}",
                    "adc {t5}, {hi}",
                    "mov rdx, qword ptr [{a} + 24]",
                    "mulx {hi}, {lo}, rdx",
                    "adc {t6}, {lo}",
                    "adc {t7}, {hi}",
                    // Montgomery reduction, four rounds as in the multiplication; z collects the top carry
                    "xor {z:e}, {z:e}",
                    "mov rdx, {t0}",
                    "mov {lo}, rdx",
                    "shl {lo}, 32",
                    "mov {hi}, rdx",
                    "shr {hi}, 32",
                    "sub {t0}, {lo}",
                    "sbb rdx, {hi}",
                    "add {t1}, {lo}",
                    "adc {t2}, {hi}",
                    "adc {t3}, {t0}",
                    "adc {t4}, rdx",
                    "adc {t5}, 0",
                    "adc {t6}, 0",
                    "adc {t7}, 0",
                    "adc {z}, 0",
                    "mov rdx, {t1}",
                    "mov {lo}, rdx",
                    "shl {lo}, 32",
                    "mov {hi}, rdx",
                    "shr {hi}, 32",
                    "sub {t1}, {lo}",
                    "sbb rdx, {hi}",
                    "add {t2}, {lo}",
                    "adc {t3}, {hi}",
                    "adc {t4}, {t1}",
                    "adc {t5}, rdx",
                    "adc {t6}, 0",
                    "adc {t7}, 0",
                    "adc {z}, 0",
                    "mov rdx, {t2}",
                    "mov {lo}, rdx",
                    "shl {lo}, 32",
                    "mov {hi}, rdx",
                    "shr {hi}, 32",
                    "sub {t2}, {lo}",
                    "sbb rdx, {hi}",
                    "add {t3}, {lo}",
                    "adc {t4}, {hi}",
                    "adc {t5}, {t2}",
                    "adc {t6}, rdx",
                    "adc {t7}, 0",
                    "adc {z}, 0",
                    "mov rdx, {t3}",
                    "mov {lo}, rdx",
                    "shl {lo}, 32",
                    "mov {hi}, rdx",
                    "shr {hi}, 32",
                    "sub {t3}, {lo}",
                    "sbb rdx, {hi}",
                    "add {t4}, {lo}",
                    "adc {t5}, {hi}",
                    "adc {t6}, {t3}",
                    "adc {t7}, rdx",
                    "adc {z}, 0",
                    a = in(reg) a.as_ptr(),
                    t0 = out(reg) _,
                    t1 = out(reg) _,
                    t2 = out(reg) _,
                    t3 = out(reg) _,
                    t4 = out(reg) t4,
                    t5 = out(reg) t5,
                    t6 = out(reg) t6,
                    t7 = out(reg) t7,
                    lo = out(reg) _,
                    hi = out(reg) _,
                    z = out(reg) top,
                    out("rdx") _,
                    options(pure, readonly, nostack),
                );
            }
            ([t4, t5, t6, t7], top)
        }
    }
}

/// Variable-time ECDSA verification over P-256 on its own field arithmetic ([`field`]) and
/// `p256`'s scalars:
/// `R = u1·G + u2·Q` by Straus' interleaved wNAF (one chain of 256 doublings, a = −3) with a
/// table of 64 odd multiples of G built once (affine, mixed additions) and 8 of Q per call
/// (Jacobian); `x(R) mod n == r` checked without inverting Z.
mod fast {
    use std::sync::OnceLock;

    use p256::elliptic_curve::ops::{Invert, Reduce};
    use p256::elliptic_curve::{Field, PrimeField};
    use p256::{FieldBytes, Scalar, U256};

    use super::field::Fp as Fe;

    /// The curve's b.
    const B: [u8; 32] = hex32("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");
    /// The generator.
    const GX: [u8; 32] = hex32("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
    const GY: [u8; 32] = hex32("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
    /// The group order n, big-endian.
    const N: [u8; 32] = hex32("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

    const fn hex32(s: &str) -> [u8; 32] {
        let b = s.as_bytes();
        let mut out = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            out[i] = (digit(b[2 * i]) << 4) | digit(b[2 * i + 1]);
            i += 1;
        }
        out
    }

    const fn digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            _ => c - b'a' + 10,
        }
    }

    /// A field element from the big-endian bytes of a curve constant (below p).
    fn constant(bytes: &[u8; 32]) -> Fe {
        Fe::from_bytes(bytes).unwrap_or(Fe::ZERO)
    }

    /// wNAF width of the generator's scalar (64 precomputed odd multiples).
    const G_WIDTH: u32 = 8;
    /// wNAF width of the public key's scalar (8 odd multiples per call).
    const Q_WIDTH: u32 = 5;

    /// An affine point (never the identity).
    #[derive(Clone, Copy, Debug)]
    struct Affine {
        x: Fe,
        y: Fe,
    }

    /// A point in Jacobian coordinates: (X/Z², Y/Z³); Z = 0 is the identity.
    #[derive(Clone, Copy, Debug)]
    struct Jacobian {
        x: Fe,
        y: Fe,
        z: Fe,
    }

    impl Jacobian {
        const IDENTITY: Jacobian = Jacobian { x: Fe::ONE, y: Fe::ONE, z: Fe::ZERO };

        fn from_affine(p: &Affine) -> Self {
            Jacobian { x: p.x, y: p.y, z: Fe::ONE }
        }

        fn is_identity(&self) -> bool {
            self.z.is_zero()
        }

        fn neg(&self) -> Self {
            Jacobian { x: self.x, y: -self.y, z: self.z }
        }

        /// 2·self, a = −3 (dbl-2001-b: 3M + 5S).
        fn double(&self) -> Self {
            if self.is_identity() {
                return *self;
            }
            let delta = self.z.square();
            let gamma = self.y.square();
            let beta = self.x * gamma;
            let t = (self.x - delta) * (self.x + delta);
            let alpha = t.double() + t;
            let beta4 = beta.double().double();
            let x3 = alpha.square() - beta4.double();
            let z3 = (self.y + self.z).square() - gamma - delta;
            let gamma2 = gamma.square();
            let y3 = alpha * (beta4 - x3) - gamma2.double().double().double();
            Jacobian { x: x3, y: y3, z: z3 }
        }

        /// self + q, q affine (madd-2007-bl: 7M + 4S), every special case handled.
        fn add_affine(&self, q: &Affine) -> Self {
            if self.is_identity() {
                return Self::from_affine(q);
            }
            let z1z1 = self.z.square();
            let u2 = q.x * z1z1;
            let s2 = q.y * self.z * z1z1;
            let h = u2 - self.x;
            let r = (s2 - self.y).double();
            if h.is_zero() {
                return if r.is_zero() { self.double() } else { Self::IDENTITY };
            }
            let hh = h.square();
            let i = hh.double().double();
            let j = h * i;
            let v = self.x * i;
            let x3 = r.square() - j - v.double();
            let y3 = r * (v - x3) - (self.y * j).double();
            let z3 = (self.z + h).square() - z1z1 - hh;
            Jacobian { x: x3, y: y3, z: z3 }
        }

        /// self + q (add-2007-bl: 11M + 5S), every special case handled.
        fn add(&self, q: &Jacobian) -> Self {
            if self.is_identity() {
                return *q;
            }
            if q.is_identity() {
                return *self;
            }
            let z1z1 = self.z.square();
            let z2z2 = q.z.square();
            let u1 = self.x * z2z2;
            let u2 = q.x * z1z1;
            let s1 = self.y * q.z * z2z2;
            let s2 = q.y * self.z * z1z1;
            let h = u2 - u1;
            let r = (s2 - s1).double();
            if h.is_zero() {
                return if r.is_zero() { self.double() } else { Self::IDENTITY };
            }
            let i = h.double().square();
            let j = h * i;
            let v = u1 * i;
            let x3 = r.square() - j - v.double();
            let y3 = r * (v - x3) - (s1 * j).double();
            let z3 = ((self.z + q.z).square() - z1z1 - z2z2) * h;
            Jacobian { x: x3, y: y3, z: z3 }
        }

        fn to_affine(self) -> Option<Affine> {
            let zinv = self.z.invert()?;
            let zinv2 = zinv.square();
            Some(Affine { x: self.x * zinv2, y: self.y * zinv2 * zinv })
        }
    }

    /// Odd multiples G, 3G, …, (2^(G_WIDTH−1) − 1)G, affine, built on first use.
    fn g_table() -> &'static [Affine] {
        static TABLE: OnceLock<Vec<Affine>> = OnceLock::new();
        TABLE.get_or_init(|| {
            let g = Affine { x: constant(&GX), y: constant(&GY) };
            let g2 = Jacobian::from_affine(&g).double();
            let mut p = Jacobian::from_affine(&g);
            let mut out = Vec::with_capacity(1 << (G_WIDTH - 2));
            for _ in 0..1 << (G_WIDTH - 2) {
                // Multiples of G below n are never the identity.
                out.push(p.to_affine().unwrap_or(g));
                p = p.add(&g2);
            }
            out
        })
    }

    /// The width-`w` non-adjacent form of `k` (little-endian limbs): digits odd or zero, below
    /// 2^(w−1) in absolute value, any two non-zero ones at least `w` apart; 257 digits hold
    /// any 256-bit `k`.
    fn wnaf(k: &[u64; 4], w: u32) -> [i16; 257] {
        let limbs = [k[0], k[1], k[2], k[3], 0];
        let width = 1u64 << w;
        let mask = width - 1;
        let mut naf = [0i16; 257];
        let mut pos = 0usize;
        let mut carry = 0u64;
        while pos < 257 {
            let (index, bit) = (pos / 64, pos % 64);
            let bits = if bit + w as usize <= 64 || index == 4 {
                limbs[index] >> bit
            } else {
                (limbs[index] >> bit) | (limbs[index + 1] << (64 - bit))
            };
            let window = carry + (bits & mask);
            if window & 1 == 0 {
                // Digit zero; the carry (if any) moves on to the next bit.
                pos += 1;
                continue;
            }
            if window < width / 2 {
                carry = 0;
                naf[pos] = window as i16;
            } else {
                carry = 1;
                naf[pos] = window as i16 - width as i16;
            }
            pos += w as usize;
        }
        naf
    }

    fn limbs(s: &Scalar) -> [u64; 4] {
        let be = s.to_bytes();
        let mut out = [0u64; 4];
        for (i, limb) in out.iter_mut().enumerate() {
            let start = 32 - 8 * (i + 1);
            *limb = u64::from_be_bytes(be[start..start + 8].try_into().unwrap_or_default());
        }
        out
    }

    /// A scalar in 1..n from 32 big-endian bytes.
    fn nonzero_scalar(bytes: &[u8]) -> Option<Scalar> {
        let s = Option::<Scalar>::from(Scalar::from_repr(*FieldBytes::from_slice(bytes)))?;
        (!bool::from(s.is_zero())).then_some(s)
    }

    /// EIP-7951: r, s in 1..n; Q's coordinates below p and Q on the curve (so not the
    /// identity, which has no affine encoding); R = (h·s⁻¹)G + (r·s⁻¹)Q not the identity and
    /// x(R) ≡ r (mod n).
    pub(super) fn verify(input: &[u8; 160]) -> bool {
        let (Some(r), Some(s)) = (nonzero_scalar(&input[32..64]), nonzero_scalar(&input[64..96])) else {
            return false;
        };
        let coordinate = |b: &[u8]| <&[u8; 32]>::try_from(b).ok().and_then(Fe::from_bytes);
        let (Some(qx), Some(qy)) = (coordinate(&input[96..128]), coordinate(&input[128..160])) else {
            return false;
        };
        // y² = x³ − 3x + b
        let rhs = (qx.square() - Fe::THREE) * qx + constant(&B);
        if qy.square() != rhs {
            return false;
        }
        let z = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(&input[..32]));
        let Some(w) = Option::<Scalar>::from(s.invert_vartime()) else {
            return false;
        };
        let (u1, u2) = (z * w, r * w);

        // Q, 3Q, …, 15Q.
        let q = Jacobian::from_affine(&Affine { x: qx, y: qy });
        let q2 = q.double();
        let mut q_table = [q; 1 << (Q_WIDTH - 2)];
        for i in 1..q_table.len() {
            q_table[i] = q_table[i - 1].add(&q2);
        }
        let g_table = g_table();
        let (n1, n2) = (wnaf(&limbs(&u1), G_WIDTH), wnaf(&limbs(&u2), Q_WIDTH));
        let top = (0..257).rev().find(|&i| n1[i] != 0 || n2[i] != 0);
        let mut acc = Jacobian::IDENTITY;
        for i in (0..=top.unwrap_or(0)).rev() {
            acc = acc.double();
            let d = n1[i];
            if d != 0 {
                let p = g_table[(d.unsigned_abs() / 2) as usize];
                let p = if d > 0 { p } else { Affine { x: p.x, y: -p.y } };
                acc = acc.add_affine(&p);
            }
            let d = n2[i];
            if d != 0 {
                let p = q_table[(d.unsigned_abs() / 2) as usize];
                acc = acc.add(&if d > 0 { p } else { p.neg() });
            }
        }
        if acc.is_identity() {
            return false;
        }
        // x(R) = X/Z² in 0..p; x(R) mod n == r iff x(R) == r or x(R) == r + n (when < p).
        let zz = acc.z.square();
        let r_bytes: [u8; 32] = input[32..64].try_into().unwrap_or_default();
        let Some(r_fe) = coordinate(&r_bytes) else { return false };
        if acc.x == r_fe * zz {
            return true;
        }
        let mut sum = [0u8; 32];
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let t = u16::from(r_bytes[i]) + u16::from(N[i]) + carry;
            sum[i] = t as u8;
            carry = t >> 8;
        }
        carry == 0 && coordinate(&sum).is_some_and(|r_plus_n| acc.x == r_plus_n * zz)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// The field agrees with `p256`'s on products, sums, differences, negations, inverses
        /// and the range check, for edge values and pseudo-random ones.
        #[test]
        fn field_matches_p256() {
            use p256::FieldElement;
            let p_minus = |k: u8| {
                let mut w = super::super::fast_test_words::P;
                w[31] -= k;
                w
            };
            let mut words =
                vec![[0u8; 32], [0xff; 32], p_minus(1), p_minus(2), super::super::fast_test_words::P];
            let mut one = [0u8; 32];
            one[31] = 1;
            words.push(one);
            let mut x = 0x0123_4567_89ab_cdefu64;
            for _ in 0..40 {
                let mut w = [0u8; 32];
                for b in w.iter_mut() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    *b = x as u8;
                }
                words.push(w);
            }
            let theirs = |w: &[u8; 32]| {
                Option::<FieldElement>::from(FieldElement::from_bytes(FieldBytes::from_slice(w)))
            };
            for a in &words {
                let (ours_a, theirs_a) = (Fe::from_bytes(a), theirs(a));
                assert_eq!(ours_a.is_some(), theirs_a.is_some());
                let (Some(oa), Some(ta)) = (ours_a, theirs_a) else { continue };
                assert_eq!(oa.to_bytes(), <[u8; 32]>::from(ta.to_bytes()));
                assert_eq!((-oa).to_bytes(), <[u8; 32]>::from((-ta).to_bytes()));
                assert_eq!(oa.square().to_bytes(), <[u8; 32]>::from(ta.square().to_bytes()));
                if let Some(inv) = oa.invert() {
                    assert_eq!((inv * oa).to_bytes(), one);
                }
                for b in &words {
                    let (Some(ob), Some(tb)) = (Fe::from_bytes(b), theirs(b)) else { continue };
                    assert_eq!((oa * ob).to_bytes(), <[u8; 32]>::from((ta * tb).to_bytes()));
                    assert_eq!((oa + ob).to_bytes(), <[u8; 32]>::from((ta + tb).to_bytes()));
                    assert_eq!((oa - ob).to_bytes(), <[u8; 32]>::from((ta - tb).to_bytes()));
                }
            }
        }

        /// The `mulx`/`adcx`/`adox` multiplication agrees with the portable one limb for limb
        /// (before the final subtraction), on edge and pseudo-random inputs below p.
        #[cfg(target_arch = "x86_64")]
        #[test]
        fn adx_matches_portable() {
            use super::super::field::{adx, mont_mul_portable};
            if !adx::available() {
                return;
            }
            let p = [0xffff_ffff_ffff_ffffu64, 0x0000_0000_ffff_ffff, 0, 0xffff_ffff_0000_0001];
            let mut inputs = vec![[0u64; 4], [1, 0, 0, 0], [p[0] - 1, p[1], p[2], p[3]], [u64::MAX, 0, 0, 0]];
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            for _ in 0..2000 {
                let mut v = [0u64; 4];
                for limb in v.iter_mut() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    *limb = x;
                }
                // Below p: clear the top bit pattern's excess by a conditional subtraction.
                if v[3] >= p[3] {
                    v[3] -= p[3];
                }
                inputs.push(v);
            }
            for (i, a) in inputs.iter().enumerate() {
                for b in inputs.iter().skip(i % 7).step_by(97) {
                    // SAFETY: `available` checked the CPU features.
                    let fast = unsafe { adx::mont_mul(a, b) };
                    assert_eq!(fast, mont_mul_portable(a, b), "{a:x?} * {b:x?}");
                }
                // SAFETY: as above.
                let square = unsafe { adx::mont_sqr(a) };
                assert_eq!(square, mont_mul_portable(a, a), "{a:x?} squared");
            }
        }

        /// The wNAF digits add back up to the scalar.
        #[test]
        fn wnaf_sums_to_the_scalar() {
            for seed in 0u64..200 {
                let mut k = [0u64; 4];
                for (j, limb) in k.iter_mut().enumerate() {
                    *limb = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(j as u32 * 17) ^ (j as u64);
                }
                if seed % 3 == 0 {
                    k = [u64::MAX; 4];
                }
                for w in [Q_WIDTH, G_WIDTH] {
                    let naf = wnaf(&k, w);
                    // Sum digits · 2^i in 320-bit arithmetic (as i128 windows would overflow).
                    let mut acc = [0i128; 6];
                    for (i, d) in naf.iter().enumerate() {
                        acc[i / 64] += i128::from(*d) << (i % 64);
                    }
                    let mut out = [0u64; 5];
                    let mut carry = 0i128;
                    for i in 0..5 {
                        let v = acc[i] + carry;
                        out[i] = v as u64;
                        carry = v >> 64;
                    }
                    assert_eq!(&out[..4], &k[..], "w = {w}, seed {seed}");
                    assert_eq!(out[4], 0);
                    let mut last: Option<usize> = None;
                    for (i, d) in naf.iter().enumerate() {
                        if *d != 0 {
                            assert!(d % 2 != 0 && d.unsigned_abs() < 1 << (w - 1));
                            if let Some(l) = last {
                                assert!(i - l >= w as usize);
                            }
                            last = Some(i);
                        }
                    }
                }
            }
        }
    }
}
