//! `base^exp mod m` on 64-bit limbs: Montgomery multiplication (CIOS) with a fixed-window
//! exponent for odd moduli, and for even ones the CRT split `m = 2^k · q`: the odd part in
//! Montgomery form, the power of two by truncated multiplication, recombined with
//! `q⁻¹ mod 2^k` (Garner). Moduli up to [`MAX_FIXED`] limbs run on stack arrays of
//! compile-time length, so the inner loops unroll; longer ones on heap buffers. Tiny
//! exponents (a few bits, [`plain_max_bits`]) skip Montgomery form altogether: plain
//! products reduced by long division, any modulus ([`pow_plain`]).
//!
//! Limbs are little-endian (`x[0]` least significant); byte strings are big-endian.

/// Longest modulus, in limbs, with a stack-array specialisation (512 bits).
const MAX_FIXED: usize = 8;

/// `a + b·c + carry` as (low, high) words; never overflows 128 bits.
#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) + u128::from(b) * u128::from(c) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

/// Big-endian bytes into little-endian limbs, filling `out` (zero-extended; `bytes` must fit).
fn limbs_from_be(bytes: &[u8], out: &mut [u64]) {
    out.fill(0);
    for (i, chunk) in bytes.rchunks(8).enumerate() {
        let mut word = [0u8; 8];
        word[8 - chunk.len()..].copy_from_slice(chunk);
        out[i] = u64::from_be_bytes(word);
    }
}

/// Writes `x` big-endian into all of `out`; `x` must fit in `out.len()` bytes.
fn limbs_to_be(x: &[u64], out: &mut [u8]) {
    out.fill(0);
    for (i, chunk) in out.rchunks_mut(8).enumerate() {
        let Some(&limb) = x.get(i) else { break };
        let bytes = limb.to_be_bytes();
        chunk.copy_from_slice(&bytes[8 - chunk.len()..]);
    }
}

/// `a >= b` for equal-length numbers.
#[inline(always)]
fn geq(a: &[u64], b: &[u64]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x > y;
        }
    }
    true
}

/// `a -= b` for equal lengths; returns the borrow.
#[inline(always)]
fn sub_assign(a: &mut [u64], b: &[u64]) -> bool {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        *x = d;
        borrow = b1 || b2;
    }
    borrow
}

/// `a += b` for equal lengths; returns the carry.
#[inline(always)]
fn add_assign(a: &mut [u64], b: &[u64]) -> bool {
    let mut carry = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (s, c1) = x.overflowing_add(y);
        let (s, c2) = s.overflowing_add(u64::from(carry));
        *x = s;
        carry = c1 || c2;
    }
    carry
}

/// `-m⁻¹ mod 2^64` for odd `m0` (Newton's iteration doubles the correct bits each step).
fn neg_inv64(m0: u64) -> u64 {
    let mut inv: u64 = 1;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(m0.wrapping_mul(inv)));
    }
    inv.wrapping_neg()
}

/// An odd modulus with its Montgomery constants; all slices have the modulus' length `n`.
struct Odd<'a> {
    m: &'a [u64],
    /// `-m⁻¹ mod 2^64`.
    n0: u64,
}

impl Odd<'_> {
    /// `out = a·b·R⁻¹ mod m` (R = 2^(64n)), for `a·b < m·R`; `t` is scratch of `n + 2`.
    /// One pass per limb of `b` multiplies and reduces together (FIOS): with `q` chosen
    /// from the low word, `(t + a·bᵢ + q·m) / 2^64` is exact and stays below `2m`.
    #[inline(always)]
    fn mul(&self, out: &mut [u64], a: &[u64], b: &[u64], t: &mut [u64]) {
        let n = self.m.len();
        let (m, a, b, t) = (&self.m[..n], &a[..n], &b[..n], &mut t[..n + 1]);
        t.fill(0);
        for &bi in b {
            let (t0, mut c1) = mac(t[0], a[0], bi, 0);
            let q = t0.wrapping_mul(self.n0);
            let (_, mut c2) = mac(t0, q, m[0], 0);
            for j in 1..n {
                let x;
                (x, c1) = mac(t[j], a[j], bi, c1);
                (t[j - 1], c2) = mac(x, q, m[j], c2);
            }
            let (s, o1) = t[n].overflowing_add(c1);
            let (s, o2) = s.overflowing_add(c2);
            t[n - 1] = s;
            t[n] = u64::from(o1) + u64::from(o2);
        }
        // t < 2m: one conditional subtraction.
        if t[n] != 0 || geq(&t[..n], m) {
            sub_assign(&mut t[..n], m);
        }
        out[..n].copy_from_slice(&t[..n]);
    }

    /// `out = (x + y) mod m` in place on `x`, for `x, y < m`.
    #[inline(always)]
    fn add(&self, x: &mut [u64], y: &[u64]) {
        let carry = add_assign(x, y);
        if carry || geq(x, self.m) {
            sub_assign(x, self.m);
        }
    }
}

/// Scratch buffers for one odd-modulus exponentiation of `n` limbs.
trait Buf: AsRef<[u64]> + AsMut<[u64]> {
    fn zeroed(n: usize) -> Self;
}

impl<const N: usize> Buf for [u64; N] {
    #[inline(always)]
    fn zeroed(_: usize) -> Self {
        [0; N]
    }
}

impl Buf for Vec<u64> {
    fn zeroed(n: usize) -> Self {
        vec![0; n]
    }
}

/// Window width for an exponent of `bits` bits.
fn window(bits: usize) -> usize {
    match bits {
        0..=16 => 1,
        17..=64 => 3,
        65..=320 => 4,
        321..=1536 => 5,
        _ => 6,
    }
}

/// `w` exponent bits starting `pos` bits below the top of a `bits`-bit exponent, as a
/// number; `pos + w <= bits`.
#[inline(always)]
fn exp_bits(exp: &[u8], bits: usize, pos: usize, w: usize) -> usize {
    let mut v = 0;
    for k in 0..w {
        let bit = bits - 1 - (pos + k); // index from the least significant bit
        let byte = exp[exp.len() - 1 - bit / 8];
        v = (v << 1) | usize::from((byte >> (bit % 8)) & 1);
    }
    v
}

/// `base^exp mod m` for odd `m > 1` of `n` limbs (top limb nonzero), result into `out`
/// (`n` limbs). `T` holds `n` limbs and `T2` `n + 2`.
fn pow_odd<T: Buf, T2: Buf>(m: &[u64], base: &[u8], exp: &[u8], out: &mut [u64]) {
    let n = m.len();
    let ctx = Odd { m, n0: neg_inv64(m[0]) };
    let mut t = T2::zeroed(n + 2);
    let t = t.as_mut();

    // rr = R² mod m by one long division, and one = R mod m = rr·R⁻¹.
    let mut rr = T::zeroed(n);
    let rr = rr.as_mut();
    let mut r2 = vec![0u64; 2 * n + 1];
    r2[2 * n] = 1;
    Divisor::new(m).rem(&r2, &mut Vec::new(), rr);
    let mut one = T::zeroed(n);
    let one = one.as_mut();
    let mut tmp = T::zeroed(n);
    let tmp = tmp.as_mut();
    tmp[0] = 1;
    ctx.mul(one, rr, tmp, t);

    // The base in Montgomery form, n limbs (8n bytes) at a time from the top (Horner with
    // multiplier R): form(acc·R + c) = form(acc)·R + form(c), where form(x) = x·R mod m.
    let mut acc = T::zeroed(n);
    let acc = acc.as_mut();
    let chunk_bytes = 8 * n;
    let first = base.len() % chunk_bytes;
    let chunk_iter =
        [&base[..first]].into_iter().filter(|c| !c.is_empty()).chain(base[first..].chunks(chunk_bytes));
    let mut limb = T::zeroed(n);
    let limb = limb.as_mut();
    let mut started = false;
    for chunk in chunk_iter {
        limbs_from_be(chunk, limb);
        // limb < R, rr < m: the product is below m·R, so the result is reduced.
        ctx.mul(tmp, limb, rr, t);
        if started {
            ctx.mul(limb, acc, rr, t);
            acc.copy_from_slice(limb);
            ctx.add(acc, tmp);
        } else {
            acc.copy_from_slice(tmp);
            started = true;
        }
    }

    let bits = exp_bit_len(exp);
    let w = window(bits);
    // table[i] = form(base^i), i < 2^w.
    let mut table = vec![0u64; n << w];
    table[..n].copy_from_slice(one);
    if w > 0 {
        table[n..2 * n].copy_from_slice(acc);
    }
    for i in 2..(1usize << w) {
        let (done, rest) = table.split_at_mut(i * n);
        ctx.mul(&mut rest[..n], &done[(i - 1) * n..i * n], acc, t);
    }

    let result = tmp;
    result.copy_from_slice(one);
    let mut pos = 0;
    // The first window takes the leftover bits so the rest are whole windows.
    let lead = if bits.is_multiple_of(w) { w } else { bits % w };
    let mut step = lead;
    let mut sq = T::zeroed(n);
    let sq = sq.as_mut();
    while pos < bits {
        if pos > 0 {
            for _ in 0..step {
                ctx.mul(sq, result, result, t);
                result.copy_from_slice(sq);
            }
        }
        let v = exp_bits(exp, bits, pos, step);
        if pos == 0 {
            result.copy_from_slice(&table[v * n..(v + 1) * n]);
        } else if v != 0 {
            ctx.mul(sq, result, &table[v * n..(v + 1) * n], t);
            result.copy_from_slice(sq);
        }
        pos += step;
        step = w;
    }
    // Out of Montgomery form: multiply by plain 1.
    limb.fill(0);
    limb[0] = 1;
    ctx.mul(out, result, limb, t);
}

/// A modulus normalised for Knuth's algorithm D: `m << s` with its top bit set.
struct Divisor {
    vn: Vec<u64>,
    s: u32,
}

impl Divisor {
    /// For `m` with a nonzero top limb.
    fn new(m: &[u64]) -> Divisor {
        let n = m.len();
        let s = m[n - 1].leading_zeros();
        let mut vn = vec![0u64; n];
        for i in 0..n {
            vn[i] = m[i] << s;
            if s > 0 && i > 0 {
                vn[i] |= m[i - 1] >> (64 - s);
            }
        }
        Divisor { vn, s }
    }

    /// `out = num mod m` (`out` has m's `n` limbs); `un` is scratch, resized to fit.
    fn rem(&self, num: &[u64], un: &mut Vec<u64>, out: &mut [u64]) {
        let (vn, s) = (&self.vn[..], self.s);
        let n = vn.len();
        if num.len() < n {
            // Fewer limbs than m, whose top limb is nonzero: already below m.
            out.fill(0);
            out[..num.len()].copy_from_slice(num);
            return;
        }
        // un = num << s, one limb longer.
        un.clear();
        un.resize(num.len() + 1, 0);
        for (i, &x) in num.iter().enumerate() {
            un[i] |= x << s;
            if s > 0 {
                un[i + 1] = x >> (64 - s);
            }
        }
        let top = vn[n - 1];
        let next = if n >= 2 { vn[n - 2] } else { 0 };
        for j in (0..un.len() - n).rev() {
            // un[j + n] <= top: the running remainder is below vn.
            let (hi, lo) = (un[j + n], un[j + n - 1]);
            let (mut qhat, mut rhat) = if hi >= top {
                // The quotient digit is at most B − 1; rhat = num2 − (B − 1)·top = lo + top.
                (u64::MAX, Some(lo).and_then(|l| l.checked_add(top)))
            } else {
                let num2 = (u128::from(hi) << 64) | u128::from(lo);
                let q = (num2 / u128::from(top)) as u64; // < B since hi < top
                (q, Some(lo.wrapping_sub(q.wrapping_mul(top))))
            };
            // At most two corrections while rhat stays below B.
            while let Some(r) = rhat {
                let third = if n >= 2 { un[j + n - 2] } else { 0 };
                if u128::from(qhat) * u128::from(next) <= ((u128::from(r) << 64) | u128::from(third)) {
                    break;
                }
                qhat -= 1;
                rhat = r.checked_add(top);
            }
            // un[j..=j+n] -= qhat · vn, the borrow folded into the carry: qhat·v + carry
            // is at most B·(B − 1), whose low word is 0 when its high word is B − 1, so the
            // carry plus a borrow still fits a word.
            let (window, top_limb) = un[j..=j + n].split_at_mut(n);
            let mut carry = 0u64;
            for (u, &v) in window.iter_mut().zip(vn) {
                let p = u128::from(qhat) * u128::from(v) + u128::from(carry);
                let (d, borrow) = u.overflowing_sub(p as u64);
                *u = d;
                carry = (p >> 64) as u64 + u64::from(borrow);
            }
            let (d, borrow) = top_limb[0].overflowing_sub(carry);
            top_limb[0] = d;
            if borrow {
                // qhat was one too large: add vn back.
                let carry = add_assign(&mut un[j..j + n], vn);
                un[j + n] = un[j + n].wrapping_add(u64::from(carry));
            }
        }
        // The remainder is un[..n] >> s.
        for i in 0..n {
            let hi = if s > 0 { un[i + 1] << (64 - s) } else { 0 };
            out[i] = (un[i] >> s) | hi;
        }
    }
}

/// `out = a·b` (`out` has `a.len() + b.len()` limbs).
fn mul_full(out: &mut [u64], a: &[u64], b: &[u64]) {
    let n = a.len();
    out.fill(0);
    for (i, &bi) in b.iter().enumerate() {
        let row = &mut out[i..i + n + 1];
        let mut c = 0;
        for (o, &aj) in row[..n].iter_mut().zip(a) {
            (*o, c) = mac(*o, aj, bi, c);
        }
        row[n] = c;
    }
}

/// `out = a²` (`out` has `2·a.len()` limbs): each cross product once, doubled, plus the
/// squares on the diagonal.
fn sqr_full(out: &mut [u64], a: &[u64]) {
    let n = a.len();
    out.fill(0);
    for i in 0..n {
        let ai = a[i];
        let row = &mut out[2 * i + 1..i + n + 1];
        let mut c = 0;
        for (o, &aj) in row[..n - i - 1].iter_mut().zip(&a[i + 1..]) {
            (*o, c) = mac(*o, aj, ai, c);
        }
        row[n - i - 1] = c;
    }
    // Double (the top bit of the cross sum is never set: it is below a²/2).
    let mut hi = 0;
    for limb in out.iter_mut() {
        let next = *limb >> 63;
        *limb = (*limb << 1) | hi;
        hi = next;
    }
    let mut carry = 0u64;
    for (i, &ai) in a.iter().enumerate() {
        let sq = u128::from(ai) * u128::from(ai);
        let (lo, c1) = mac(out[2 * i], 1, sq as u64, carry);
        let (hi, c2) = mac(out[2 * i + 1], 1, (sq >> 64) as u64, c1);
        out[2 * i] = lo;
        out[2 * i + 1] = hi;
        carry = c2;
    }
}

/// `base^exp mod m` by plain products and long division (left-to-right binary), for any
/// `m > 1` of `n` limbs with a nonzero top limb. No Montgomery constants, no conversions:
/// with few exponent bits those fixed costs are most of the work.
fn pow_plain(m: &[u64], base: &[u8], exp: &[u8], out: &mut [u64]) {
    let n = m.len();
    out.fill(0);
    let bits = exp_bit_len(exp);
    if bits == 0 {
        out[0] = 1; // m > 1
        return;
    }
    let div = Divisor::new(m);
    let mut un = Vec::with_capacity(2 * n + 1);
    let mut b = vec![0u64; base.len().div_ceil(8)];
    limbs_from_be(base, &mut b);
    let mut x = vec![0u64; n];
    div.rem(&b, &mut un, &mut x);
    out.copy_from_slice(&x);
    let mut wide = vec![0u64; 2 * n];
    for pos in 1..bits {
        sqr_full(&mut wide, out);
        div.rem(&wide, &mut un, out);
        if exp_bits(exp, bits, pos, 1) == 1 {
            mul_full(&mut wide, out, &x);
            div.rem(&wide, &mut un, out);
        }
    }
}

/// Bit length of a big-endian exponent.
fn exp_bit_len(exp: &[u8]) -> usize {
    exp.iter().position(|&b| b != 0).map_or(0, |i| (exp.len() - i) * 8 - exp[i].leading_zeros() as usize)
}

/// `out = base^exp mod m` for odd `m`, choosing a stack specialisation by length.
fn pow_odd_any(m: &[u64], base: &[u8], exp: &[u8], out: &mut [u64]) {
    macro_rules! fixed {
        ($($n:literal)*) => {
            match m.len() {
                $($n => pow_odd::<[u64; $n], [u64; $n + 2]>(m, base, exp, out),)*
                _ => pow_odd::<Vec<u64>, Vec<u64>>(m, base, exp, out),
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8);
    const _: () = assert!(MAX_FIXED == 8);
}

/// `out = a·b mod 2^(64·out.len())` (truncated product).
fn mul_trunc(out: &mut [u64], a: &[u64], b: &[u64]) {
    let k = out.len();
    out.fill(0);
    for i in 0..k {
        let mut c = 0;
        let bi = b[i];
        for j in 0..k - i {
            (out[i + j], c) = mac(out[i + j], a[j], bi, c);
        }
    }
}

/// `base^exp mod 2^bits`, in `k = ceil(bits / 64)` limbs.
fn pow_pow2(base: &[u8], exp: &[u8], bits: usize) -> Vec<u64> {
    let k = bits.div_ceil(64);
    let mask = |x: &mut [u64]| {
        if !bits.is_multiple_of(64) {
            x[k - 1] &= (1u64 << (bits % 64)) - 1;
        }
    };
    let mut b = vec![0u64; k];
    let take = base.len().min(8 * k);
    limbs_from_be(&base[base.len() - take..], &mut b);
    mask(&mut b);
    let mut result = vec![0u64; k];
    result[0] = 1;
    mask(&mut result);
    let ebits = exp_bit_len(exp);
    if ebits == 0 {
        return result;
    }
    // An even base: b^e has at least e factors of 2, so it vanishes once e >= bits.
    if b[0] & 1 == 0 {
        let small = ebits <= 32 && {
            let mut e = 0u64;
            for &byte in &exp[exp.len() - exp.len().min(8)..] {
                e = (e << 8) | u64::from(byte);
            }
            e < bits as u64
        };
        if !small {
            return vec![0u64; k];
        }
    }
    // An odd base: (Z/2^bits)* has exponent dividing 2^(bits-2) (bits >= 3), so only the
    // low `bits` bits of the exponent matter (a safe, simple bound).
    let (exp, ebits) = if b[0] & 1 == 1 && ebits > bits {
        let keep = bits.div_ceil(8);
        let tail = &exp[exp.len() - keep..];
        (tail, exp_bit_len(tail))
    } else {
        (exp, ebits)
    };
    let mut tmp = vec![0u64; k];
    for pos in 0..ebits {
        mul_trunc(&mut tmp, &result, &result);
        std::mem::swap(&mut tmp, &mut result);
        if exp_bits(exp, ebits, pos, 1) == 1 {
            mul_trunc(&mut tmp, &result, &b);
            std::mem::swap(&mut tmp, &mut result);
        }
    }
    mask(&mut result);
    result
}

/// Which exponentiation [`modexp_with`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// Plain up to [`plain_max_bits`] exponent bits, Montgomery / CRT above.
    Auto,
    /// Always Montgomery (with the CRT split for even moduli).
    Montgomery,
    /// Always plain products and long division.
    Plain,
}

/// Largest exponent, in bits, that [`Method::Auto`] runs on the plain path for a modulus
/// of `limbs` limbs. Below it, Montgomery's fixed costs (R² mod m by a long division, the
/// conversions in and out, for even moduli a second exponentiation) outweigh its cheaper
/// steps; a plain step (square or multiply, then a long division) costs about as many
/// instructions as a Montgomery one at 1024 bytes and more on short moduli, and Montgomery
/// windows skip multiplications. Set a bit or two under the crossovers measured with
/// `examples/modexp_calls.rs` (all-ones exponents, callgrind and wall time): odd moduli
/// 1-2 bits at 32 bytes, ~3 at 64, 4-5 at 128, 6-8 at 256, ~12 at 1024; even ones higher.
fn plain_max_bits(limbs: usize, odd: bool) -> usize {
    let by_size = match limbs {
        0..=4 => 1,
        5..=8 => 2,
        9..=16 => 3,
        17..=32 => 4,
        33..=64 => 6,
        _ => 8,
    };
    by_size + usize::from(!odd)
}

/// Writes `base^exp mod modulus` big-endian into `out` (`out.len() == modulus.len()`).
/// `modulus` must not be zero.
pub(crate) fn modexp(base: &[u8], exp: &[u8], modulus: &[u8], out: &mut [u8]) {
    modexp_with(base, exp, modulus, out, Method::Auto);
}

/// [`modexp`] on the given method.
pub(crate) fn modexp_with(base: &[u8], exp: &[u8], modulus: &[u8], out: &mut [u8], method: Method) {
    let n = modulus.len().div_ceil(8);
    let mut m = vec![0u64; n];
    limbs_from_be(modulus, &mut m);
    let n = m.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1);
    m.truncate(n);
    if n == 0 || (n == 1 && m[0] == 1) {
        out.fill(0);
        return;
    }
    let plain = match method {
        Method::Auto => exp_bit_len(exp) <= plain_max_bits(n, m[0] & 1 == 1),
        Method::Montgomery => false,
        Method::Plain => true,
    };
    if plain {
        let mut r = vec![0u64; n];
        pow_plain(&m, base, exp, &mut r);
        limbs_to_be(&r, out);
        return;
    }
    let twos = m.iter().position(|&l| l != 0).map_or(0, |i| 64 * i + m[i].trailing_zeros() as usize);
    if twos == 0 {
        let mut r = vec![0u64; n];
        pow_odd_any(&m, base, exp, &mut r);
        limbs_to_be(&r, out);
        return;
    }

    // m = 2^twos · q with q odd.
    let mut q = vec![0u64; n];
    let (limb_shift, bit_shift) = (twos / 64, twos % 64);
    for i in 0..n - limb_shift {
        let lo = m[i + limb_shift] >> bit_shift;
        let hi =
            if bit_shift > 0 { m.get(i + limb_shift + 1).map_or(0, |&h| h << (64 - bit_shift)) } else { 0 };
        q[i] = lo | hi;
    }
    let qn = q.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1);
    q.truncate(qn);

    let x2 = pow_pow2(base, exp, twos);
    let k = x2.len();
    let mask = |x: &mut [u64]| {
        if !twos.is_multiple_of(64) {
            x[k - 1] &= (1u64 << (twos % 64)) - 1;
        }
    };
    if qn == 1 && q[0] == 1 {
        limbs_to_be(&x2, out);
        return;
    }
    let mut x1 = vec![0u64; qn];
    pow_odd_any(&q, base, exp, &mut x1);

    // y = (x2 - x1) · q⁻¹ mod 2^twos.
    let mut qinv = vec![0u64; k];
    qinv[0] = neg_inv64(q[0]).wrapping_neg();
    let mut q_low = vec![0u64; k];
    for (dst, &src) in q_low.iter_mut().zip(&q) {
        *dst = src;
    }
    let (mut t1, mut t2) = (vec![0u64; k], vec![0u64; k]);
    let mut precision = 64;
    while precision < 64 * k {
        // inv = inv · (2 − q·inv)
        mul_trunc(&mut t1, &q_low, &qinv);
        for limb in t1.iter_mut() {
            *limb = !*limb;
        }
        // 2 − x = !x + 3 (two's complement: −x = !x + 1).
        let mut carry = 3u64;
        for limb in t1.iter_mut() {
            let (s, c) = limb.overflowing_add(carry);
            *limb = s;
            carry = u64::from(c);
        }
        mul_trunc(&mut t2, &qinv, &t1);
        std::mem::swap(&mut qinv, &mut t2);
        precision *= 2;
    }
    let mut diff = x2.clone();
    let mut x1_low = vec![0u64; k];
    for (dst, &src) in x1_low.iter_mut().zip(&x1) {
        *dst = src;
    }
    sub_assign(&mut diff, &x1_low);
    let mut y = vec![0u64; k];
    mul_trunc(&mut y, &diff, &qinv);
    mask(&mut y);

    // result = x1 + q · y < q · 2^twos = m.
    let mut result = vec![0u64; qn + k + 1];
    for (i, &yi) in y.iter().enumerate() {
        let mut c = 0;
        for (j, &qj) in q.iter().enumerate() {
            (result[i + j], c) = mac(result[i + j], qj, yi, c);
        }
        let mut idx = i + qn;
        while c != 0 && idx < result.len() {
            let (s, o) = result[idx].overflowing_add(c);
            result[idx] = s;
            c = u64::from(o);
            idx += 1;
        }
    }
    let mut carry = false;
    for (i, limb) in result.iter_mut().enumerate() {
        let add = x1.get(i).copied().unwrap_or(0);
        let (s, c1) = limb.overflowing_add(add);
        let (s, c2) = s.overflowing_add(u64::from(carry));
        *limb = s;
        carry = c1 || c2;
    }
    limbs_to_be(&result, out);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// `num mod m` bit by bit (shift in, subtract when above), the reference for `Divisor`.
    fn rem_by_bits(num: &[u64], m: &[u64]) -> Vec<u64> {
        let n = m.len();
        let mut r = vec![0u64; n + 1];
        let mut wide_m = m.to_vec();
        wide_m.push(0);
        for i in (0..64 * num.len()).rev() {
            // r = 2r + bit
            let mut carry = (num[i / 64] >> (i % 64)) & 1;
            for limb in r.iter_mut() {
                let next = *limb >> 63;
                *limb = (*limb << 1) | carry;
                carry = next;
            }
            if geq(&r, &wide_m) {
                sub_assign(&mut r, &wide_m);
            }
        }
        r.truncate(n);
        r
    }

    /// Limbs that stress the quotient estimate: all ones, a lone top bit, zero, one, random.
    fn limb() -> impl Strategy<Value = u64> {
        prop_oneof![Just(0u64), Just(1), Just(u64::MAX), Just(u64::MAX - 1), Just(1 << 63), any::<u64>()]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn divisor_rem_matches_bitwise_division(
            num in proptest::collection::vec(limb(), 0..12),
            m in proptest::collection::vec(limb(), 1..6),
        ) {
            let mut m = m;
            if *m.last().unwrap() == 0 {
                *m.last_mut().unwrap() = 1;
            }
            let mut out = vec![0u64; m.len()];
            Divisor::new(&m).rem(&num, &mut Vec::new(), &mut out);
            prop_assert_eq!(out, rem_by_bits(&num, &m));
        }

        #[test]
        fn squaring_matches_multiplication(a in proptest::collection::vec(limb(), 1..10)) {
            let (mut sq, mut prod) = (vec![0u64; 2 * a.len()], vec![0u64; 2 * a.len()]);
            sqr_full(&mut sq, &a);
            mul_full(&mut prod, &a, &a);
            prop_assert_eq!(sq, prod);
        }

        /// The plain path against Montgomery / CRT and aurora on one shape the backends
        /// test does not reach: long exponents on the plain path, both parities.
        #[test]
        fn plain_matches_montgomery_and_aurora(
            base in proptest::collection::vec(any::<u8>(), 0..140),
            exp in proptest::collection::vec(any::<u8>(), 0..12),
            modulus in proptest::collection::vec(any::<u8>(), 1..130),
        ) {
            let mut plain = vec![0u8; modulus.len()];
            let mut mont = vec![0u8; modulus.len()];
            if modulus.iter().all(|&b| b == 0) {
                return Ok(());
            }
            modexp_with(&base, &exp, &modulus, &mut plain, Method::Plain);
            modexp_with(&base, &exp, &modulus, &mut mont, Method::Montgomery);
            prop_assert_eq!(&plain, &mont);
            let aurora = aurora_engine_modexp::modexp(&base, &exp, &modulus);
            let first = aurora.iter().position(|&b| b != 0).unwrap_or(aurora.len());
            let significant = &aurora[first..];
            prop_assert_eq!(&plain[plain.len() - significant.len()..], significant);
            prop_assert!(plain[..plain.len() - significant.len()].iter().all(|&b| b == 0));
        }
    }
}
