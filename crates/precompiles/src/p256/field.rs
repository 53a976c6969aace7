//! P-256's base field: 4 × 64-bit limbs in Montgomery form, fully reduced, with the
//! multiplication specialised to p = 2^256 − 2^224 + 2^192 + 2^96 − 1 (−p⁻¹ mod 2^64 = 1).
//! Variable time: only public values (signatures, keys) go through it.

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
    pub(super) const ONE: Fp = Fp([1, 0xffff_ffff_0000_0000, 0xffff_ffff_ffff_ffff, 0x0000_0000_ffff_fffe]);
    pub(super) const THREE: Fp = Fp([3, 0xffff_fffd_0000_0000, 0xffff_ffff_ffff_ffff, 0x0000_0002_ffff_fffc]);

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
