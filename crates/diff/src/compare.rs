//! Comparing two EVMs' [`Observed`] runs of one case, field by field.
//!
//! What counts, from the consensus point of view:
//! - validity (included or rejected; the reason only informationally: with several faults
//!   the EVMs may check them in different orders, and the block is invalid either way);
//! - for an included transaction: success / revert / halt (not the halt's name: the two
//!   EVMs may stop at different opcodes of a run that must halt, with the same effect), gas
//!   used, the refund (when the EIP-7623 floor does not replace it: revm then reports none),
//!   output, logs (address, topics, data) and the created address;
//! - the whole post-state: every account's existence, nonce, balance, code hash and every
//!   non-zero storage slot.

use std::fmt::Write as _;

use kestrel::primitives::{Address, Log};

use crate::exec::{Class, Included, Observed, Outcome, PostState, same_rejection};

/// One field on which the two runs differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The field: `validity`, `status`, `gas_used`, `refund`, `output`, `logs`, `created`,
    /// or `state <address> <what>`.
    pub field: String,
    /// Kestrel's value.
    pub kestrel: String,
    /// revm's value.
    pub revm: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: Kestrel {} / revm {}", self.field, self.kestrel, self.revm)
    }
}

fn diff(out: &mut Vec<Difference>, field: impl Into<String>, k: impl ToString, r: impl ToString) {
    out.push(Difference { field: field.into(), kestrel: k.to_string(), revm: r.to_string() });
}

fn short(bytes: &[u8]) -> String {
    let mut s = String::from("0x");
    for b in bytes.iter().take(48) {
        let _ = write!(s, "{b:02x}");
    }
    if bytes.len() > 48 {
        let _ = write!(s, "… ({} bytes)", bytes.len());
    }
    s
}

/// What the comparison needs to know about the case besides the runs.
#[derive(Clone, Copy, Debug)]
pub struct CaseFacts {
    /// The transaction creates a contract.
    pub creates: bool,
    /// The EIP-7623 floor (0 before Prague).
    pub floor: u64,
}

/// Every difference between Kestrel's run `k` and revm's run `r`; empty when they agree.
pub fn compare(k: &Observed, r: &Observed, facts: CaseFacts) -> Vec<Difference> {
    let mut out = Vec::new();
    match (&k.outcome, &r.outcome) {
        (Outcome::Rejected { .. }, Outcome::Rejected { .. }) => {}
        (Outcome::Rejected { reason, .. }, Outcome::Included(i)) => {
            diff(&mut out, "validity", format!("rejected ({reason})"), format!("included ({})", i.detail));
        }
        (Outcome::Included(i), Outcome::Rejected { reason, .. }) => {
            diff(&mut out, "validity", format!("included ({})", i.detail), format!("rejected ({reason})"));
        }
        (Outcome::Included(a), Outcome::Included(b)) => compare_included(&mut out, a, b, facts),
    }
    compare_state(&mut out, &k.post, &r.post);
    out
}

/// True when both rejected and for reasons with a common name (informational only).
pub fn rejections_agree(k: &Observed, r: &Observed) -> Option<bool> {
    match (&k.outcome, &r.outcome) {
        (Outcome::Rejected { names: a, .. }, Outcome::Rejected { names: b, .. }) => {
            Some(same_rejection(a, b))
        }
        _ => None,
    }
}

fn compare_included(out: &mut Vec<Difference>, k: &Included, r: &Included, facts: CaseFacts) {
    if k.class != r.class {
        diff(out, "status", format!("{:?} ({})", k.class, k.detail), format!("{:?} ({})", r.class, r.detail));
    }
    if k.gas_used != r.gas_used {
        diff(out, "gas_used", k.gas_used, r.gas_used);
    }
    // revm zeroes the refund when the floor wins; Kestrel reports the refund it computed.
    // Where the floor does not bind both report the capped refund.
    if k.gas_used > facts.floor && k.refund != r.refund {
        diff(out, "refund", k.refund, r.refund);
    }
    let creates_ok = facts.creates && k.class == Class::Success;
    if !creates_ok && k.output != r.output {
        diff(out, "output", short(&k.output), short(&r.output));
    }
    if k.created != r.created {
        diff(out, "created", format!("{:?}", k.created), format!("{:?}", r.created));
    }
    compare_logs(out, &k.logs, &r.logs);
}

fn compare_logs(out: &mut Vec<Difference>, k: &[Log], r: &[Log]) {
    if k.len() != r.len() {
        diff(out, "logs", format!("{} logs", k.len()), format!("{} logs", r.len()));
        return;
    }
    for (i, (a, b)) in k.iter().zip(r).enumerate() {
        if a.address != b.address {
            diff(out, format!("log {i} address"), a.address, b.address);
        }
        if a.data.topics() != b.data.topics() {
            diff(
                out,
                format!("log {i} topics"),
                format!("{:?}", a.data.topics()),
                format!("{:?}", b.data.topics()),
            );
        }
        if a.data.data != b.data.data {
            diff(out, format!("log {i} data"), short(&a.data.data), short(&b.data.data));
        }
    }
}

fn compare_state(out: &mut Vec<Difference>, k: &PostState, r: &PostState) {
    let addresses: std::collections::BTreeSet<&Address> = k.keys().chain(r.keys()).collect();
    for address in addresses {
        let field = |what: &str| format!("state {address} {what}");
        match (k.get(address), r.get(address)) {
            (Some(_), None) => diff(out, field("existence"), "exists", "absent"),
            (None, Some(_)) => diff(out, field("existence"), "absent", "exists"),
            (Some(a), Some(b)) => {
                if a.nonce != b.nonce {
                    diff(out, field("nonce"), a.nonce, b.nonce);
                }
                if a.balance != b.balance {
                    diff(out, field("balance"), a.balance, b.balance);
                }
                if a.code_hash != b.code_hash {
                    diff(out, field("code hash"), a.code_hash, b.code_hash);
                }
                let keys: std::collections::BTreeSet<_> = a.storage.keys().chain(b.storage.keys()).collect();
                for key in keys {
                    let (x, y) = (a.storage.get(key), b.storage.get(key));
                    if x != y {
                        diff(
                            out,
                            field(&format!("storage[{key:#x}]")),
                            format!("{:#x}", x.copied().unwrap_or_default()),
                            format!("{:#x}", y.copied().unwrap_or_default()),
                        );
                    }
                }
            }
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::PostAccount;
    use kestrel::primitives::{B256, Bytes, LogData, U256};

    fn observed(post: PostState) -> Observed {
        Observed {
            outcome: Outcome::Included(Included {
                class: Class::Success,
                detail: "Stop".into(),
                gas_used: 21_000,
                refund: 0,
                output: Bytes::new(),
                logs: Vec::new(),
                created: None,
            }),
            post,
        }
    }

    fn account(balance: u64) -> PostAccount {
        PostAccount {
            nonce: 1,
            balance: U256::from(balance),
            code_hash: B256::repeat_byte(1),
            ..Default::default()
        }
    }

    const FACTS: CaseFacts = CaseFacts { creates: false, floor: 0 };

    /// Identical runs agree.
    #[test]
    fn equal_runs_agree() {
        let post: PostState = [(Address::repeat_byte(1), account(5))].into_iter().collect();
        assert!(compare(&observed(post.clone()), &observed(post), FACTS).is_empty());
    }

    /// Each kind of post-state difference is caught and named.
    #[test]
    fn post_state_differences_are_detected() {
        let a = Address::repeat_byte(1);
        let base: PostState = [(a, account(5))].into_iter().collect();

        let mut balance = base.clone();
        balance.get_mut(&a).unwrap().balance = U256::from(6);
        let d = compare(&observed(base.clone()), &observed(balance), FACTS);
        assert_eq!(d.len(), 1);
        assert!(d[0].field.ends_with("balance"), "{d:?}");

        let mut slot = base.clone();
        slot.get_mut(&a).unwrap().storage.insert(U256::from(3), U256::from(9));
        let d = compare(&observed(base.clone()), &observed(slot), FACTS);
        assert_eq!(d.len(), 1);
        assert!(d[0].field.contains("storage[0x3]") && d[0].revm == "0x9", "{d:?}");

        let mut extra = base.clone();
        extra.insert(Address::repeat_byte(2), PostAccount::default());
        let d = compare(&observed(base.clone()), &observed(extra), FACTS);
        assert_eq!(d.len(), 1);
        assert!(d[0].field.ends_with("existence") && d[0].kestrel == "absent", "{d:?}");

        let mut code = base.clone();
        code.get_mut(&a).unwrap().code_hash = B256::repeat_byte(2);
        code.get_mut(&a).unwrap().nonce = 2;
        assert_eq!(compare(&observed(base), &observed(code), FACTS).len(), 2);
    }

    /// Outcome differences: validity, status, gas, output, logs; the halt's name alone is not.
    #[test]
    fn outcome_differences_are_detected() {
        let post = PostState::new();
        let base = observed(post.clone());
        let with = |f: &dyn Fn(&mut Included)| {
            let mut o = base.clone();
            if let Outcome::Included(i) = &mut o.outcome {
                f(i);
            }
            o
        };
        let rejected = Observed { outcome: Outcome::Rejected { reason: "x".into(), names: vec![] }, post };
        assert_eq!(compare(&base, &rejected, FACTS)[0].field, "validity");
        assert!(compare(&rejected, &rejected, FACTS).is_empty());
        assert_eq!(compare(&base, &with(&|i| i.class = Class::Revert), FACTS)[0].field, "status");
        assert_eq!(compare(&base, &with(&|i| i.gas_used += 1), FACTS)[0].field, "gas_used");
        assert_eq!(compare(&base, &with(&|i| i.output = Bytes::from(vec![1])), FACTS)[0].field, "output");
        let log =
            Log { address: Address::ZERO, data: LogData::new_unchecked(vec![B256::ZERO], Bytes::new()) };
        assert_eq!(compare(&base, &with(&|i| i.logs = vec![log.clone()]), FACTS)[0].field, "logs");
        let mut other = log.clone();
        other.data = LogData::new_unchecked(vec![B256::repeat_byte(1)], Bytes::new());
        let a = with(&|i| i.logs = vec![log.clone()]);
        let b = with(&|i| i.logs = vec![other.clone()]);
        assert_eq!(compare(&a, &b, FACTS)[0].field, "log 0 topics");
        // Two names for one halt class are the same outcome.
        let oog = with(&|i| {
            i.class = Class::Halt;
            i.detail = "OutOfGas".into();
        });
        let underflow = with(&|i| {
            i.class = Class::Halt;
            i.detail = "StackUnderflow".into();
        });
        assert!(compare(&oog, &underflow, FACTS).is_empty());
        // The refund is compared only where the floor does not bind.
        let refunded = with(&|i| i.refund = 100);
        assert_eq!(compare(&base, &refunded, FACTS)[0].field, "refund");
        assert!(compare(&base, &refunded, CaseFacts { creates: false, floor: 21_000 }).is_empty());
    }
}
