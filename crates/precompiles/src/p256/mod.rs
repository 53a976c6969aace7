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
mod field;

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
