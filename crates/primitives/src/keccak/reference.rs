//! Keccak-256 written straight from FIPS 202 (§3.2's step mappings, Algorithm 5 for the round
//! constants, the (x, y) walk of Algorithm 2 for rho's offsets) with the original Keccak
//! padding Ethereum uses. Slow and short, it shares no code or table with any backend, so the
//! tests compare every backend, the portable one included, against it.

/// Bytes absorbed per permutation (1600 − 2·256 bits).
const RATE: usize = 136;

/// `rc(t)` of FIPS 202 Algorithm 5: the output bit of an 8-bit LFSR. Bit `i` of `r` is `R[i]`.
fn rc(t: usize) -> u64 {
    let mut r: u16 = 1;
    for _ in 0..t % 255 {
        r <<= 1;
        if r & 0x100 != 0 {
            // R[0], R[4], R[5], R[6] ^= R[8], then R is truncated to 8 bits.
            r ^= 0x171;
        }
    }
    u64::from(r & 1)
}

/// Keccak-f[1600] on lanes indexed `x + 5y`.
fn permute(a: &mut [u64; 25]) {
    for round in 0..24 {
        // Theta.
        let c: [u64; 5] = core::array::from_fn(|x| (0..5).fold(0, |p, y| p ^ a[x + 5 * y]));
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                a[x + 5 * y] ^= d;
            }
        }
        // Rho: walk (x, y) from (1, 0); step t rotates by (t + 1)(t + 2) / 2.
        let (mut x, mut y) = (1, 0);
        for t in 0..24 {
            a[x + 5 * y] = a[x + 5 * y].rotate_left((((t + 1) * (t + 2) / 2) % 64) as u32);
            (x, y) = (y, (2 * x + 3 * y) % 5);
        }
        // Pi: A'[x, y] = A[(x + 3y) mod 5, x].
        let b = *a;
        for x in 0..5 {
            for y in 0..5 {
                a[x + 5 * y] = b[(x + 3 * y) % 5 + 5 * x];
            }
        }
        // Chi.
        for y in 0..5 {
            let row: [u64; 5] = core::array::from_fn(|x| a[x + 5 * y]);
            for x in 0..5 {
                a[x + 5 * y] = row[x] ^ (!row[(x + 1) % 5] & row[(x + 2) % 5]);
            }
        }
        // Iota: bit 2^j − 1 of the constant is rc(j + 7·round).
        let mut constant = 0u64;
        for j in 0..7 {
            constant |= rc(j + 7 * round) << ((1 << j) - 1);
        }
        a[0] ^= constant;
    }
}

/// Keccak-256 of `data`: pad with 0x01 … 0x80, absorb little-endian lanes, squeeze 32 bytes.
pub(super) fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut padded = data.to_vec();
    padded.push(0x01);
    while !padded.len().is_multiple_of(RATE) {
        padded.push(0);
    }
    let last = padded.len() - 1;
    padded[last] |= 0x80;

    let mut a = [0u64; 25];
    for block in padded.chunks(RATE) {
        for (lane, bytes) in a.iter_mut().zip(block.chunks(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            *lane ^= u64::from_le_bytes(word);
        }
        permute(&mut a);
    }
    let mut out = [0u8; 32];
    for (bytes, lane) in out.chunks_mut(8).zip(a) {
        bytes.copy_from_slice(&lane.to_le_bytes());
    }
    out
}
