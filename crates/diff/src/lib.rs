//! Kestrel against revm on generated transactions: the differential campaign behind
//! `cargo xtask diff`.
//!
//! Case `i` of seed `s` ([`generator::generate`]) is a fork from Frontier to Osaka, a block, a small
//! pre-state (contracts with generated code, keyed accounts that may be EIP-7702 delegated,
//! empty accounts, accounts in the way of CREATE) and one transaction of a type the fork has
//! (and sometimes one it lacks). [`check`] runs it on Kestrel's interpreter, on Kestrel's
//! compiled tier and on revm 43.0.3, and compares each Kestrel run with revm's
//! ([`compare::compare`]): validity, status, gas, refund, output, logs, and the whole
//! post-state. [`campaign`] runs many cases on every core and writes each divergence as a
//! state test `kestrel statetest` replays ([`json`]).
//!
//! Patterns where revm, not Kestrel, is wrong are listed in `crates/diff/EXCLUDED.md`, each
//! with the spec text that decides it ([`excluded::excluded`]); cases matching one are compared
//! between Kestrel's two tiers only, and counted apart.

pub mod campaign;
pub mod compare;
pub mod excluded;
pub mod exec;
pub mod features;
pub mod generator;
pub mod json;
pub mod rng;
pub mod trace;

use kestrel::bytecode::program::ExecutionMode;

use crate::compare::{CaseFacts, Difference, compare, rejections_agree};
use crate::exec::{Class, Observed, Outcome, run_kestrel, run_revm, to_case};
use crate::generator::GenCase;

/// The Kestrel tiers every case runs on.
pub const TIERS: [(ExecutionMode, &str); 2] =
    [(ExecutionMode::Interpreter, "interpreter"), (ExecutionMode::Compiled, "compiled")];

/// How revm's run of a case ended (the campaign's outcome columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// revm rejected the transaction.
    Rejected,
    /// Included and successful.
    Success,
    /// Included and reverted.
    Revert,
    /// Included and halted.
    Halt,
    /// revm could not run it (an error or a panic: reported as a divergence).
    Error,
    /// The case matches a pattern of `EXCLUDED.md`: only Kestrel's tiers were compared.
    Excluded,
}

/// One tier's disagreement with revm.
#[derive(Clone, Debug)]
pub struct Divergence {
    /// The tier ("interpreter" or "compiled").
    pub tier: &'static str,
    /// The differences, or the harness error (a panic or a database error) as one entry.
    pub differences: Vec<Difference>,
}

/// Everything one case's check found.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// How revm's run ended.
    pub ending: Ending,
    /// When both rejected: whether their reasons share a name (informational).
    pub rejection_agrees: Option<bool>,
    /// Each tier that disagreed with revm.
    pub divergences: Vec<Divergence>,
    /// revm's run, the expectation of a saved reproducer.
    pub revm: Option<Observed>,
}

fn harness(error: String) -> Vec<Difference> {
    vec![Difference { field: "harness".into(), kestrel: error, revm: String::new() }]
}

/// What the comparison needs beyond the two runs.
pub fn facts(g: &GenCase) -> CaseFacts {
    CaseFacts {
        creates: g.tx.to.is_none(),
        floor: kestrel::host::intrinsic::intrinsic_gas(g.spec, &g.tx).floor,
    }
}

/// Runs case `g` on revm and on both Kestrel tiers and compares.
pub fn check(g: &GenCase) -> CaseReport {
    let case = to_case(g);
    if excluded::excluded(g).is_some() {
        return check_tiers_only(g);
    }
    let revm = run_revm(&case);
    let ending = match &revm {
        Err(_) => Ending::Error,
        Ok(o) => match &o.outcome {
            Outcome::Rejected { .. } => Ending::Rejected,
            Outcome::Included(i) => match i.class {
                Class::Success => Ending::Success,
                Class::Revert => Ending::Revert,
                Class::Halt => Ending::Halt,
            },
        },
    };
    let facts = facts(g);
    let mut divergences = Vec::new();
    let mut rejection_agrees = None;
    for (mode, tier) in TIERS {
        let kestrel = run_kestrel(&case, mode);
        let differences = match (&kestrel, &revm) {
            (Ok(k), Ok(r)) => {
                rejection_agrees = rejection_agrees.or(rejections_agree(k, r));
                compare(k, r, facts)
            }
            (Err(e), _) => harness(e.clone()),
            (Ok(_), Err(e)) => {
                vec![Difference { field: "harness".into(), kestrel: String::new(), revm: e.clone() }]
            }
        };
        if !differences.is_empty() {
            divergences.push(Divergence { tier, differences });
        }
    }
    CaseReport { ending, rejection_agrees, divergences, revm: revm.ok() }
}

/// For an excluded case: Kestrel's compiled tier against its interpreter.
fn check_tiers_only(g: &GenCase) -> CaseReport {
    let case = to_case(g);
    let [(interpreter, _), (compiled, _)] = TIERS;
    let differences = match (run_kestrel(&case, interpreter), run_kestrel(&case, compiled)) {
        (Ok(a), Ok(b)) => compare(&b, &a, facts(g)),
        (Err(e), _) | (_, Err(e)) => harness(e),
    };
    let divergences = if differences.is_empty() {
        Vec::new()
    } else {
        // The differences read "Kestrel" for the compiled tier and "revm" for the interpreter.
        vec![Divergence { tier: "compiled (as Kestrel) against the interpreter (as revm)", differences }]
    };
    CaseReport { ending: Ending::Excluded, rejection_agrees: None, divergences, revm: None }
}
