//! Target `differential`: arbitrary bytecode on a small random state, every fork, on Kestrel's
//! interpreter and compiled tier and on revm 43.0.3, through the differential campaign's
//! comparison (`kestrel_diff::check`): validity, status, gas, refund, output, logs and the whole
//! post-state must agree.
//!
//! Input: eight bytes choose a generated case (fork, block, pre-state, transaction: case 0 of
//! that seed, as `cargo xtask diff` would make it); the rest, when there is any, is code, which
//! replaces the code of the account the transaction calls, or becomes the init code of a
//! creation. Patterns where
//! revm is known to be wrong (`crates/diff/EXCLUDED.md`) compare Kestrel's two tiers only.

use kestrel_diff::campaign::divergence_text;
use kestrel_diff::excluded::excluded;
use kestrel_diff::generator::generate;
use kestrel_primitives::Bytes;

/// Bytes of input that pick the generated case.
const SEED: usize = 8;

/// Longest code tried: enough for loops and nested calls, short enough to keep runs fast.
const MAX_CODE: usize = 4096;

/// Runs `data` as described in the module docs; panics on any divergence.
pub fn differential(data: &[u8]) {
    let Some((seed, code)) = data.split_first_chunk::<SEED>() else { return };
    let mut case = generate(u64::from_le_bytes(*seed), 0);
    let code = &code[..code.len().min(MAX_CODE)];
    match case.tx.to {
        // No code: the generated case as it is. Putting empty code on a new account would add
        // an empty account to the pre-state, which EIP-7523 rules out from Paris on (and where
        // the EVMs rightly differ); the generator never makes one.
        Some(_) if code.is_empty() => {}
        Some(to) => {
            // revm's `Bytecode` cannot hold code starting 0xef01 that is no EIP-7702
            // designator; such state is valid but unrunnable there.
            let mut code = code.to_vec();
            if code.starts_with(&[0xef, 0x01]) {
                code[1] = 0x02;
            }
            let account = case.pre.entry(to).or_default();
            account.code = Bytes::from(code);
        }
        None => case.tx.data = Bytes::copy_from_slice(code),
    }
    let report = kestrel_diff::check(&case);
    assert!(
        report.divergences.is_empty(),
        "{}{}",
        divergence_text(&case, &report),
        excluded(&case).map(|why| format!(" (excluded from revm: {why})")).unwrap_or_default()
    );
}
