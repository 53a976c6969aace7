//! The process-wide switch that turns off every CPU-specific code path.
//!
//! Kestrel picks some hash backends by the CPU it runs on: the AVX-512 Keccak-256, the
//! AVX2/AVX-512 BLAKE2 F, `sha2`'s SHA-NI SHA-256, and keccak-asm's x86-64 assembly. Each is
//! tested against an independent implementation, but a node operator who suspects one of them
//! (a wrong state root on one machine only) needs a way to rerun the same work on portable code
//! without rebuilding. With the switch on, every one of those call sites takes its portable
//! Rust path instead:
//!
//! | call site | fast paths | portable path |
//! |---|---|---|
//! | [`crate::keccak256`] | AVX-512 (run-time detected), keccak-asm (`asm-keccak`) | `sha3` |
//! | BLAKE2 F (precompile 0x09) | AVX-512VL, AVX2 (run-time detected) | Kestrel's scalar F |
//! | SHA-256 (precompile 0x02, KZG versioned hash) | `sha2` with SHA-NI (run-time detected) | Kestrel's scalar SHA-256 |
//!
//! keccak-asm is x86-64 scalar assembly (baseline instructions, no CPU-feature dispatch), but
//! it is hand-written and architecture-specific, so portable mode leaves it too.
//!
//! What the switch cannot reach, because it is decided when a dependency is compiled:
//! - blst (BLS12-381 precompiles, KZG point evaluation): its build script compiles the ADX
//!   (`mulx`/`adcx`) assembly, with no run-time check, when the build host has ADX or the target
//!   features include it; its `portable` cargo feature would make it check CPUID at run time
//!   instead. A binary built on an ADX machine needs ADX.
//! - keccak-asm's flavour (AVX-512VL assembly only with `-C target-cpu` giving it; scalar x86-64
//!   otherwise); bypassed by the switch all the same.
//! - arkworks' `asm` feature (BN254): inline `mulx` only when compiled with the `bmi2` and `adx`
//!   target features, which the default target lacks.
//! - ruint's 128-by-64 division through the x86-64 `div` instruction (baseline, always there).
//! - const-hex (through alloy-primitives) picks SSE2/SSSE3/AVX2 hex coding at run time; it
//!   formats and parses hex text (fixtures, traces), never consensus values.
//!
//! libsecp256k1 is built as portable C without its optional assembly; `sha2` inside `k256` and
//! `p256` only serves signing, which no precompile does.
//!
//! The switch is `KESTREL_PORTABLE=1` (also `true`, `yes`, `on`, any case) in the environment,
//! read once, or [`set_portable_only`] called before the first hash. It is decided once per
//! process: every call site may cache the backend it derived from it, so a later change could
//! not reach them all, and [`set_portable_only`] refuses one.

use std::sync::atomic::{AtomicU8, Ordering};

/// Not decided yet: the next read looks at the environment.
const UNDECIDED: u8 = 0;
/// Fast paths allowed (the default).
const FAST: u8 = 1;
/// Portable code only.
const PORTABLE: u8 = 2;

/// The decision; `Relaxed` is enough because it is a single byte that, once decided, never
/// changes, and nothing else is published through it.
static MODE: AtomicU8 = AtomicU8::new(UNDECIDED);

/// The environment variable that turns the switch on.
pub const ENV_VAR: &str = "KESTREL_PORTABLE";

/// Whether every CPU-specific path is off. The first call (or [`set_portable_only`]) decides;
/// after that each call is one relaxed byte load.
#[inline]
pub fn portable_only() -> bool {
    match MODE.load(Ordering::Relaxed) {
        FAST => false,
        PORTABLE => true,
        _ => decide_from_env(),
    }
}

/// Reads [`ENV_VAR`] and records the decision, unless another thread (or the setter) recorded
/// one first, in which case that one stands.
#[cold]
fn decide_from_env() -> bool {
    let wanted = if env_says_portable(std::env::var_os(ENV_VAR).as_deref()) { PORTABLE } else { FAST };
    match MODE.compare_exchange(UNDECIDED, wanted, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => wanted == PORTABLE,
        Err(decided) => decided == PORTABLE,
    }
}

/// Whether the variable's value asks for portable mode: `1`, `true`, `yes` or `on` in any case
/// (surrounding spaces ignored). Anything else, a value that is not UTF-8 included, leaves the
/// fast paths on.
fn env_says_portable(value: Option<&std::ffi::OsStr>) -> bool {
    let Some(value) = value.and_then(|v| v.to_str()) else { return false };
    let value = value.trim();
    ["1", "true", "yes", "on"].iter().any(|on| value.eq_ignore_ascii_case(on))
}

/// The switch was already decided the other way when [`set_portable_only`] was called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlreadyDecided {
    /// The decision in force, which stays.
    pub portable_only: bool,
}

impl std::fmt::Display for AlreadyDecided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "portable mode was already decided ({}) and cannot change", on_off(self.portable_only))
    }
}

impl std::error::Error for AlreadyDecided {}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// Decides the switch from code, ignoring the environment: call it before the first hash (in
/// `main`, before any execution). Setting the value already in force is fine; changing a
/// decision already taken, by an earlier call or by a first read, is refused.
pub fn set_portable_only(on: bool) -> Result<(), AlreadyDecided> {
    let wanted = if on { PORTABLE } else { FAST };
    match MODE.compare_exchange(UNDECIDED, wanted, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => Ok(()),
        Err(decided) if decided == wanted => Ok(()),
        Err(decided) => Err(AlreadyDecided { portable_only: decided == PORTABLE }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    // The switch itself is process-wide, and other unit tests hash through it, so these tests
    // never set it; `tests/portable_switch.rs` does, in a process of its own.

    #[test]
    fn env_values() {
        for on in ["1", "true", "TRUE", "Yes", "on", " 1 "] {
            assert!(env_says_portable(Some(OsStr::new(on))), "{on:?}");
        }
        for off in ["", "0", "false", "no", "off", "2", "portable"] {
            assert!(!env_says_portable(Some(OsStr::new(off))), "{off:?}");
        }
        assert!(!env_says_portable(None));
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_value_is_off() {
        use std::os::unix::ffi::OsStrExt;
        assert!(!env_says_portable(Some(OsStr::from_bytes(&[b'1', 0xff]))));
    }

    #[test]
    fn already_decided_message() {
        let e = AlreadyDecided { portable_only: true };
        assert_eq!(e.to_string(), "portable mode was already decided (on) and cannot change");
    }
}
