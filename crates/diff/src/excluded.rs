//! Cases the comparison with revm skips because revm is wrong on them: the predicate behind
//! `crates/diff/EXCLUDED.md`, which gives each pattern's spec text.

use kestrel::primitives::SpecId;

use crate::generator::GenCase;

/// True for code that is an EIP-7702 delegation designator as revm recognises it.
fn is_designator(code: &[u8]) -> bool {
    code.len() == 23 && code.starts_with(&[0xef, 0x01, 0x00])
}

/// The entry of `EXCLUDED.md` case `g` matches, if any.
pub fn excluded(g: &GenCase) -> Option<&'static str> {
    if g.spec.is_enabled_in(SpecId::Prague) {
        return None;
    }
    let designated = |address| g.pre.get(address).is_some_and(|a| is_designator(&a.code));
    if designated(&g.tx.caller) || g.tx.to.as_ref().is_some_and(designated) {
        return Some("1. EIP-7702 delegation designator before Prague (sender or recipient)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{Class, Outcome, run_kestrel, run_revm, to_case};
    use crate::generator::generate;
    use kestrel::bytecode::program::ExecutionMode;
    use kestrel::primitives::{Address, Bytes};

    /// A case whose sender is delegated, in `spec`.
    fn delegated_sender(spec: SpecId) -> GenCase {
        // Any generated case will do as a base: make its transaction simple and valid.
        let mut g = generate(3, 3);
        g.spec = spec;
        g.block.basefee = Default::default();
        g.block.prevrandao = spec.is_enabled_in(SpecId::Paris).then(Default::default);
        g.block.excess_blob_gas = spec.is_enabled_in(SpecId::Cancun).then_some(0);
        g.block.gas_limit = 30_000_000;
        let sender = g.tx.caller;
        let account = g.pre.entry(sender).or_default();
        let mut code = vec![0xef, 0x01, 0x00];
        code.extend_from_slice(Address::repeat_byte(0x42).as_slice());
        account.code = Bytes::from(code);
        account.balance = kestrel::primitives::U256::from(10u64).pow(kestrel::primitives::U256::from(20));
        g.tx = kestrel::primitives::TxEnv {
            caller: sender,
            to: Some(Address::repeat_byte(0x43)),
            gas_limit: 100_000,
            nonce: account.nonce,
            ..Default::default()
        };
        g
    }

    /// The pattern is excluded before Prague only.
    #[test]
    fn only_pre_prague_designators_are_excluded() {
        assert!(excluded(&delegated_sender(SpecId::Cancun)).is_some());
        assert!(excluded(&delegated_sender(SpecId::Frontier)).is_some());
        assert!(excluded(&delegated_sender(SpecId::Prague)).is_none());
        let mut g = delegated_sender(SpecId::Cancun);
        if let Some(a) = g.pre.get_mut(&g.tx.caller) {
            a.code = Bytes::new();
        }
        assert!(excluded(&g).is_none());
    }

    /// The evidence for entry 1: before Prague Kestrel rejects a sender whose code is a
    /// delegation designator ("not EOA", `cancun/fork.py`) and revm includes the transaction.
    /// From Prague both include it.
    #[test]
    fn revm_accepts_a_delegated_sender_before_prague() {
        let case = to_case(&delegated_sender(SpecId::Cancun));
        let k = run_kestrel(&case, ExecutionMode::Interpreter).expect("Kestrel runs");
        let r = run_revm(&case).expect("revm runs");
        assert!(matches!(&k.outcome, Outcome::Rejected { reason, .. } if reason.contains("SenderHasCode")));
        assert!(matches!(&r.outcome, Outcome::Included(i) if i.class == Class::Success), "{r:?}");

        let case = to_case(&delegated_sender(SpecId::Prague));
        let k = run_kestrel(&case, ExecutionMode::Interpreter).expect("Kestrel runs");
        let r = run_revm(&case).expect("revm runs");
        assert!(matches!(&k.outcome, Outcome::Included(_)), "{k:?}");
        assert_eq!(k.outcome, r.outcome);
    }
}
