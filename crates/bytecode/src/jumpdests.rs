//! The JUMPDEST bitmap, computed the first time the code jumps.
//!
//! Most code a block loads is called a few times, and some of it never jumps (a proxy's
//! fallback, a contract that returns at once, code only read by EXTCODE*). Scanning every byte
//! for PUSH data up front is then most of a cold call's analysis (about 5 instructions a byte:
//! 119 K of a 24 KiB contract's 155 K), so the scan waits for the first JUMP, JUMPI or
//! translation that asks, as go-ethereum's does. Until then the bitmap's words are a shared
//! array of zeros: the fast check reads "no JUMPDEST" everywhere, and only its failure path
//! ([`Jumpdests::contains_slow`]) tells an unscanned bitmap from a real invalid jump. The fast
//! check therefore costs what a plain bitmap's does.

use std::sync::atomic::{AtomicPtr, Ordering};

use crate::analysis::immediate_size;
use crate::opcode::JUMPDEST;

/// Words of the shared all-zero bitmap: code up to 64 KiB is scanned lazily, longer code (only
/// pre-Shanghai initcode can be) when it is analysed.
const LAZY_WORDS: usize = 1024;

/// The bitmap of code not scanned yet.
static UNSCANNED: [u64; LAZY_WORDS] = [0; LAZY_WORDS];

/// One bit per code byte, set where a JUMPDEST opcode (not PUSH data) stands.
#[derive(Debug)]
pub(crate) struct Jumpdests {
    /// `UNSCANNED`, or an array of `len` words this value owns (installed once, freed on drop).
    words: AtomicPtr<u64>,
    /// Words of the bitmap: the code length divided by 64, rounded up.
    len: usize,
}

impl Jumpdests {
    /// The bitmap of `code`, scanned now only if the code is too long to wait.
    pub(crate) fn new(code: &[u8]) -> Self {
        let len = code.len().div_ceil(64);
        let unscanned = Self { words: AtomicPtr::new(UNSCANNED.as_ptr().cast_mut()), len };
        if len > LAZY_WORDS {
            unscanned.install(scan(code));
        }
        unscanned
    }

    /// Whether `pc` holds a JUMPDEST, as far as the bitmap was scanned: false everywhere until
    /// then (the caller asks [`contains_slow`](Self::contains_slow) before it believes a false).
    #[inline(always)]
    #[allow(unsafe_code)]
    pub(crate) fn contains_fast(&self, pc: usize) -> bool {
        let i = pc / 64;
        if i >= self.len {
            return false;
        }
        // Acquire: a scanned array's words are published with its pointer (see `install`).
        let words = self.words.load(Ordering::Acquire);
        // SAFETY: `words` is `UNSCANNED`, at least `LAZY_WORDS >= len` words (`new` scans longer
        // code), or an array of exactly `len` words this value owns until it drops, which
        // outlives `&self`; `i < len`.
        let word = unsafe { *words.add(i) };
        word & (1u64 << (pc % 64)) != 0
    }

    /// Whether `pc` holds a JUMPDEST, scanning `code` (the code of this bitmap) first if nothing
    /// did yet. Out of line: the fast check only fails at an invalid jump or an unscanned bitmap.
    #[cold]
    #[inline(never)]
    pub(crate) fn contains_slow(&self, code: &[u8], pc: usize) -> bool {
        if pc / 64 >= self.len {
            return false;
        }
        if std::ptr::eq(self.words.load(Ordering::Acquire), UNSCANNED.as_ptr()) {
            self.install(scan(code));
        }
        self.contains_fast(pc)
    }

    /// Publishes `words` as the bitmap unless another thread did first (then drops them).
    #[allow(unsafe_code)]
    fn install(&self, words: Box<[u64]>) {
        debug_assert_eq!(words.len(), self.len);
        let fresh = Box::into_raw(words).cast::<u64>();
        let unscanned = UNSCANNED.as_ptr().cast_mut();
        if self.words.compare_exchange(unscanned, fresh, Ordering::AcqRel, Ordering::Acquire).is_err() {
            // SAFETY: `fresh` came from a boxed slice of `len` words and was never published.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(fresh, self.len)) });
        }
    }
}

impl Drop for Jumpdests {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        let words = *self.words.get_mut();
        if !std::ptr::eq(words, UNSCANNED.as_ptr()) {
            // SAFETY: an array other than `UNSCANNED` was installed from a boxed slice of `len`
            // words and is freed once, here (`&mut self`: no reader is alive).
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(words, self.len)) });
        }
    }
}

/// The bitmap of `code`: every opcode start that is a JUMPDEST, skipping PUSH data.
fn scan(code: &[u8]) -> Box<[u64]> {
    let mut words = vec![0u64; code.len().div_ceil(64)].into_boxed_slice();
    let mut pc = 0;
    while pc < code.len() {
        let op = code[pc];
        if op == JUMPDEST {
            words[pc / 64] |= 1u64 << (pc % 64);
        }
        pc += 1 + immediate_size(op);
    }
    words
}

/// A clone keeps the scanned words, or waits for its own first jump.
impl Clone for Jumpdests {
    #[allow(unsafe_code)]
    fn clone(&self) -> Self {
        let words = self.words.load(Ordering::Acquire);
        let copy = Self { words: AtomicPtr::new(UNSCANNED.as_ptr().cast_mut()), len: self.len };
        if !std::ptr::eq(words, UNSCANNED.as_ptr()) {
            // SAFETY: a scanned array holds `len` initialised words and lives as long as `self`.
            copy.install(unsafe { std::slice::from_raw_parts(words, self.len) }.into());
        }
        copy
    }
}

/// The bitmap is a function of the code: two of equal code are equal.
impl PartialEq for Jumpdests {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len
    }
}

impl Eq for Jumpdests {}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(j: &Jumpdests) -> bool {
        !std::ptr::eq(j.words.load(Ordering::Acquire), UNSCANNED.as_ptr())
    }

    /// Nothing is scanned until a check fails; then the bitmap answers every pc, PUSH data
    /// included, and a clone keeps it.
    #[test]
    fn the_bitmap_is_scanned_on_the_first_failed_check() {
        // JUMPDEST, PUSH2 0x5b5b, JUMPDEST, then 70 STOPs and a JUMPDEST at 74.
        let mut code = vec![0x5b, 0x61, 0x5b, 0x5b, 0x5b];
        code.resize(74, 0);
        code.push(0x5b);
        let j = Jumpdests::new(&code);
        assert!(!scanned(&j) && !j.contains_fast(0), "unscanned code reads as no JUMPDEST");
        assert!(!scanned(&j.clone()));
        assert!(j.contains_slow(&code, 0) && scanned(&j));
        let expect = |pc: usize| [0, 4, 74].contains(&pc);
        for pc in 0..200 {
            assert_eq!(j.contains_fast(pc), expect(pc), "pc {pc}");
            assert_eq!(j.contains_slow(&code, pc), expect(pc), "pc {pc}");
        }
        let copy = j.clone();
        assert!(scanned(&copy) && copy.contains_fast(74) && !copy.contains_fast(2));
        assert!(!Jumpdests::new(&[]).contains_slow(&[], 0));
    }

    /// Code too long for the shared zeros is scanned at once.
    #[test]
    fn long_code_is_scanned_when_analysed() {
        let mut code = vec![0u8; LAZY_WORDS * 64 + 1];
        code[LAZY_WORDS * 64] = 0x5b;
        let j = Jumpdests::new(&code);
        assert!(scanned(&j) && j.contains_fast(LAZY_WORDS * 64) && !j.contains_fast(0));
        let short = Jumpdests::new(&code[..LAZY_WORDS * 64]);
        assert!(!scanned(&short));
    }

    /// Threads racing to scan one bitmap all see it whole; one array is kept.
    #[test]
    fn racing_scans_agree() {
        let mut code = vec![0x60u8; 4096];
        for pc in (1..4096).step_by(7) {
            code[pc] = 0x5b;
        }
        let expected = scan(&code);
        let expect = |pc: usize| expected[pc / 64] & (1 << (pc % 64)) != 0;
        for _ in 0..20 {
            let j = Jumpdests::new(&code);
            std::thread::scope(|s| {
                for t in 0..4 {
                    let (j, code) = (&j, &code);
                    s.spawn(move || {
                        for pc in (t..4096).step_by(13) {
                            assert_eq!(j.contains_fast(pc) || j.contains_slow(code, pc), expect(pc));
                        }
                    });
                }
            });
        }
    }
}
