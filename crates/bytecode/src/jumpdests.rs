//! The JUMPDEST scan: one bit per code byte, set where a JUMPDEST opcode (not PUSH data)
//! stands.
//!
//! The obvious walk (`walk`) visits every opcode, and its next pc depends on the byte it just
//! loaded: a chain of a load and an add per opcode, or, written with a branch on PUSH (as revm
//! does), a misprediction wherever the code's pattern of PUSHes is new to the predictor. For
//! code the process has not seen, that walk was most of a cold call's analysis. On x86-64 the
//! scan instead finds the JUMPDEST and PUSH bytes of 64 code bytes at a time with SSE2 compares
//! (part of every x86-64 CPU) and then visits only the PUSHes, masking out their data: about
//! 2x faster than the walk on distinct 24 KiB contracts here (DESIGN.md, "Analysis and caches").

use crate::analysis::immediate_size;
use crate::opcode::JUMPDEST;
#[cfg(target_arch = "x86_64")]
use crate::opcode::PUSH1;

/// Sets the JUMPDEST bits of `code` in `words` (zeroed, one `u64` per 64 code bytes). The block
/// scan needs only PUSHn opcodes to carry immediates, which the opcode table says unless a test
/// build adds an operand-shaped opcode; then the walk runs.
pub(crate) fn scan(code: &[u8], words: &mut [u64]) {
    debug_assert!(words.len() == code.len().div_ceil(64) && words.iter().all(|&w| w == 0));
    #[cfg(target_arch = "x86_64")]
    if crate::analysis::PUSH_ONLY_IMMEDIATES {
        return scan_blocks(code, words);
    }
    walk(code, words, 0);
}

/// Visits every opcode from `pc` (an opcode's position), skipping immediates (a PUSH truncated
/// by the end of the code swallows the rest): the reference, and the scan elsewhere.
fn walk(code: &[u8], words: &mut [u64], mut pc: usize) {
    while pc < code.len() {
        let op = code[pc];
        if op == JUMPDEST {
            words[pc / 64] |= 1u64 << (pc % 64);
        }
        pc += 1 + immediate_size(op);
    }
}

/// The bitmap 64 bytes at a time: byte masks of JUMPDEST and PUSH opcodes from SSE2 compares,
/// then a walk over the PUSHes alone, each clearing its data bytes (which may run into the
/// next blocks) from the block's JUMPDESTs and PUSHes.
#[cfg(target_arch = "x86_64")]
fn scan_blocks(code: &[u8], words: &mut [u64]) {
    // Push data carried over from earlier blocks, in bytes.
    let mut carried: usize = 0;
    for (w, word) in words.iter_mut().enumerate() {
        let start = w * 64;
        if carried >= 64 {
            carried -= 64;
            continue;
        }
        let mut tail;
        let block: &[u8; 64] = match code.get(start..start + 64) {
            Some(block) => block.try_into().unwrap_or(&[0; 64]),
            None => {
                tail = [0u8; 64];
                // The last, partial block, padded with STOPs (neither JUMPDEST nor PUSH): one
                // more block costs less than walking up to 63 bytes, which was most of a
                // 100-byte contract's scan.
                let rest = &code[start..];
                tail[..rest.len()].copy_from_slice(rest);
                &tail
            }
        };
        let (jumpdests, pushes) = opcode_masks(block);
        let mut data: u64 = if carried == 0 { 0 } else { (1u64 << carried) - 1 };
        let mut pending = pushes & !data;
        carried = 0;
        while pending != 0 {
            let i = pending.trailing_zeros() as usize;
            let n = (block[i] - PUSH1) as usize + 1;
            let end = i + 1 + n;
            if end >= 64 {
                // Bits i+1..64 are data, and `end - 64` bytes of the next blocks.
                data |= (!0u64 << i) << 1;
                carried = end - 64;
                break;
            }
            data |= ((1u64 << n) - 1) << (i + 1);
            pending &= !0u64 << end;
        }
        *word = jumpdests & !data;
    }
}

/// Bit `i` of the first mask is set where `block[i]` is JUMPDEST, of the second where it is
/// one of PUSH1..PUSH32 (`0x60..=0x7f`, the bytes whose top three bits are `011`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unsafe_code)]
fn opcode_masks(block: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let (mut jumpdests, mut pushes) = (0u64, 0u64);
    for k in 0..4 {
        // SAFETY: SSE2 is part of the x86-64 baseline, so the intrinsics run on every CPU this
        // code is built for; the unaligned load reads bytes `16k..16k+16` of a 64-byte array.
        let (j, p) = unsafe {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast());
            let j = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(JUMPDEST as i8)));
            let top = _mm_and_si128(v, _mm_set1_epi8(0xe0u8 as i8));
            let p = _mm_movemask_epi8(_mm_cmpeq_epi8(top, _mm_set1_epi8(PUSH1 as i8)));
            (j, p)
        };
        jumpdests |= u64::from(j as u16) << (16 * k);
        pushes |= u64::from(p as u16) << (16 * k);
    }
    (jumpdests, pushes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opcode::PUSH1;
    use proptest::prelude::*;

    /// The scan of `code` as the analysis runs it, and the plain walk.
    fn both(code: &[u8]) -> (Vec<u64>, Vec<u64>) {
        let mut fast = vec![0; code.len().div_ceil(64)];
        scan(code, &mut fast);
        let mut slow = vec![0; code.len().div_ceil(64)];
        walk(code, &mut slow, 0);
        (fast, slow)
    }

    /// PUSH data across block edges (a PUSH32 at byte 60, data running into the next block
    /// and one ending exactly at an edge), JUMPDEST bytes inside data, a truncated PUSH.
    #[test]
    fn pushes_across_blocks() {
        let mut code = vec![JUMPDEST; 200];
        code[60] = PUSH1 + 31; // data 61..=92
        code[127] = PUSH1; // data 128: ends at the edge of block 2
        code[195] = PUSH1 + 9; // truncated by the end
        let (fast, slow) = both(&code);
        assert_eq!(fast, slow);
        assert_eq!(fast[0] >> 59, 0b00001, "byte 59 is a JUMPDEST, 60 the PUSH32, 61.. data");
        assert_eq!(fast[1] & ((1 << 29) - 1), 0, "bytes 64..=92 are data");
        assert_ne!(fast[1] & (1 << 29), 0, "byte 93 is a JUMPDEST");
        assert_eq!(fast[2] & 1, 0, "byte 128 is PUSH1 data");
        assert_eq!(fast[3] >> (195 - 192), 0, "the truncated PUSH swallows the rest");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// The block scan agrees with the walk on any code, weighted toward PUSH and JUMPDEST.
        #[test]
        fn the_block_scan_matches_the_walk(
            code in proptest::collection::vec(
                prop_oneof![Just(JUMPDEST), PUSH1..=PUSH1 + 31, any::<u8>()], 0..700)
        ) {
            let (fast, slow) = both(&code);
            prop_assert_eq!(fast, slow);
        }
    }
}
