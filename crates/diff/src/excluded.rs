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
    if !g.spec.is_enabled_in(SpecId::Prague) && g.pre.values().any(|a| is_designator(&a.code)) {
        return Some("1. EIP-7702 delegation designator in the pre-state before Prague");
    }
    if g.pre.values().any(|a| a.nonce == 0 && a.code.is_empty() && a.storage.values().any(|v| !v.is_zero())) {
        return Some("2. account with storage but no code and nonce 0 (EIP-7610 collision)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{Class, Outcome, run_kestrel, run_revm, to_case};
    use crate::generator::generate;
    use kestrel::bytecode::program::ExecutionMode;
    use kestrel::primitives::{Address, Bytes, U256};
    use kestrel_cli::statetest::PreAccount;

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

    /// A generated case stripped of both patterns.
    fn clean(mut g: GenCase) -> GenCase {
        g.pre.retain(|_, a| {
            let storage_only = a.nonce == 0 && a.code.is_empty() && !a.storage.is_empty();
            !(is_designator(&a.code) || storage_only)
        });
        g
    }

    /// Entry 1 excludes designators before Prague only.
    #[test]
    fn only_pre_prague_designators_are_excluded() {
        assert!(excluded(&delegated_sender(SpecId::Cancun)).is_some());
        assert!(excluded(&delegated_sender(SpecId::Frontier)).is_some());
        assert!(excluded(&clean(delegated_sender(SpecId::Prague))).is_none());
        let mut g = clean(delegated_sender(SpecId::Cancun));
        assert!(excluded(&g).is_none());
        // Any account of the pre-state, not only the sender.
        let mut designator = vec![0xef, 0x01, 0x00];
        designator.extend_from_slice(&[0x11; 20]);
        g.pre.insert(
            Address::repeat_byte(0x77),
            PreAccount { code: designator.into(), nonce: 1, ..Default::default() },
        );
        assert!(excluded(&g).unwrap_or_default().starts_with("1."));
    }

    /// Entry 2 excludes storage without code or nonce, and nothing else.
    #[test]
    fn storage_only_accounts_are_excluded() {
        let mut g = clean(generate(5, 5));
        g.spec = SpecId::Osaka;
        assert!(excluded(&g).is_none());
        let mut account = PreAccount { balance: U256::from(1), ..Default::default() };
        account.storage.insert(U256::ZERO, U256::ZERO);
        g.pre.insert(Address::repeat_byte(0x78), account.clone());
        assert!(excluded(&g).is_none(), "a zero slot is no storage");
        account.storage.insert(U256::ZERO, U256::from(1));
        g.pre.insert(Address::repeat_byte(0x78), account.clone());
        assert!(excluded(&g).unwrap_or_default().starts_with("2."));
        account.nonce = 1;
        g.pre.insert(Address::repeat_byte(0x78), account);
        assert!(excluded(&g).is_none());
    }

    /// The evidence for entry 2: a creating transaction whose address holds only storage
    /// collides for Kestrel (as `process_message_call` says in every fork) and deploys for
    /// revm.
    #[test]
    fn revm_creates_over_storage() {
        let mut g = delegated_sender(SpecId::Berlin);
        if let Some(a) = g.pre.get_mut(&g.tx.caller) {
            a.code = Bytes::new();
        }
        let mut g = clean(g);
        let nonce = g.pre[&g.tx.caller].nonce;
        let target = kestrel::host::create_address(&g.tx.caller, nonce);
        let mut account = PreAccount::default();
        account.storage.insert(U256::ZERO, U256::from(1));
        g.pre.insert(target, account);
        g.tx.to = None;
        // Initcode: RETURN(0, 1), deploying one zero byte.
        g.tx.data = Bytes::from(vec![0x60, 0x01, 0x60, 0x00, 0xf3]);
        let case = to_case(&g);
        let k = run_kestrel(&case, ExecutionMode::Interpreter).expect("Kestrel runs");
        let r = run_revm(&case).expect("revm runs");
        assert!(matches!(&k.outcome, Outcome::Included(i) if i.detail == "CreateCollision"), "{k:?}");
        assert!(matches!(&r.outcome, Outcome::Included(i) if i.class == Class::Success), "{r:?}");
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
