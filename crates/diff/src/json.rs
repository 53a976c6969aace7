//! Writing a case as a GeneralStateTest file that `kestrel statetest` replays, with revm's
//! answer as the expectation: the post-state root and logs hash revm computes, or the
//! exception revm rejects with.

use kestrel::primitives::{Address, SpecId, U256};
use kestrel_cli::statetest::root::{TrieAccount, logs_hash, state_root, storage_root};
use serde_json::{Map, Value, json};

use crate::exec::{Observed, Outcome, PostState, test_name};
use crate::generator::GenCase;

fn hex_bytes(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn hex_u256(v: U256) -> String {
    format!("{v:#x}")
}

fn hex_u64(v: u64) -> String {
    format!("{v:#x}")
}

fn hex_address(a: &Address) -> String {
    hex_bytes(a.as_slice())
}

/// The state root of a post-state.
pub fn post_root(post: &PostState) -> kestrel::primitives::B256 {
    state_root(post.iter().map(|(address, a)| {
        let account = TrieAccount {
            nonce: a.nonce,
            balance: a.balance,
            storage_root: storage_root(a.storage.iter().map(|(k, v)| (*k, *v))),
            code_hash: a.code_hash,
        };
        (*address, account)
    }))
}

/// The state test for case `g`, expecting what `revm` observed; `note` goes to `_info`.
pub fn state_test(g: &GenCase, revm: &Observed, note: &str) -> Value {
    let b = &g.block;
    let mut env = Map::new();
    env.insert("currentCoinbase".into(), hex_address(&b.coinbase).into());
    env.insert("currentGasLimit".into(), hex_u64(b.gas_limit).into());
    env.insert("currentNumber".into(), hex_u64(b.number).into());
    env.insert("currentTimestamp".into(), hex_u64(b.timestamp).into());
    env.insert("currentDifficulty".into(), hex_u256(b.difficulty).into());
    env.insert("currentBaseFee".into(), hex_u256(b.basefee).into());
    if let Some(r) = b.prevrandao {
        env.insert("currentRandom".into(), hex_bytes(r.as_slice()).into());
    }
    if let Some(x) = b.excess_blob_gas {
        env.insert("currentExcessBlobGas".into(), hex_u64(x).into());
    }

    let mut pre = Map::new();
    for (address, a) in &g.pre {
        let storage: Map<String, Value> =
            a.storage.iter().map(|(k, v)| (hex_u256(*k), Value::from(hex_u256(*v)))).collect();
        pre.insert(
            hex_address(address),
            json!({
                "balance": hex_u256(a.balance),
                "nonce": hex_u64(a.nonce),
                "code": hex_bytes(&a.code),
                "storage": storage,
            }),
        );
    }

    let t = &g.tx;
    let mut tx = Map::new();
    tx.insert("data".into(), json!([hex_bytes(&t.data)]));
    tx.insert("gasLimit".into(), json!([hex_u64(t.gas_limit)]));
    tx.insert("value".into(), json!([hex_u256(t.value)]));
    tx.insert("nonce".into(), hex_u64(t.nonce).into());
    tx.insert("to".into(), t.to.map_or(String::new(), |a| hex_address(&a)).into());
    tx.insert("sender".into(), hex_address(&t.caller).into());
    // The loader picks the type from the fields present: maxFeePerGas makes type 2, blob
    // hashes 3, an authorization list 4, an access list at least 1.
    if t.tx_type >= 2 {
        tx.insert("maxFeePerGas".into(), hex_u256(t.gas_price).into());
        tx.insert("maxPriorityFeePerGas".into(), hex_u256(t.gas_priority_fee.unwrap_or_default()).into());
    } else {
        tx.insert("gasPrice".into(), hex_u256(t.gas_price).into());
    }
    if t.tx_type >= 1 {
        let list: Vec<Value> = t
            .access_list
            .iter()
            .map(|i| {
                json!({
                    "address": hex_address(&i.address),
                    "storageKeys": i.storage_keys.iter().map(|k| hex_bytes(k.as_slice())).collect::<Vec<_>>(),
                })
            })
            .collect();
        tx.insert("accessLists".into(), json!([list]));
    }
    if t.tx_type == 3 {
        let hashes: Vec<String> = t.blob_hashes.iter().map(|h| hex_bytes(h.as_slice())).collect();
        tx.insert("blobVersionedHashes".into(), json!(hashes));
        tx.insert("maxFeePerBlobGas".into(), hex_u256(t.max_fee_per_blob_gas.unwrap_or_default()).into());
    }
    if t.tx_type == 4 {
        let list: Vec<Value> = t
            .authorization_list
            .iter()
            .map(|a| {
                json!({
                    "chainId": hex_u256(a.chain_id),
                    "address": hex_address(&a.address),
                    "nonce": hex_u64(a.nonce),
                    "v": hex_u256(a.y_parity),
                    "yParity": hex_u256(a.y_parity),
                    "r": hex_u256(a.r),
                    "s": hex_u256(a.s),
                })
            })
            .collect();
        tx.insert("authorizationList".into(), json!(list));
    }

    let mut entry = Map::new();
    match &revm.outcome {
        Outcome::Rejected { names, reason } => {
            entry.insert("hash".into(), hex_bytes(post_root(&revm.post).as_slice()).into());
            entry.insert("logs".into(), hex_bytes(logs_hash(&[]).as_slice()).into());
            let name = names.first().cloned().unwrap_or_else(|| reason.clone());
            entry.insert("expectException".into(), name.into());
        }
        Outcome::Included(i) => {
            entry.insert("hash".into(), hex_bytes(post_root(&revm.post).as_slice()).into());
            entry.insert("logs".into(), hex_bytes(logs_hash(&i.logs).as_slice()).into());
        }
    }
    entry.insert("indexes".into(), json!({"data": 0, "gas": 0, "value": 0}));
    let fork = fork_key(g.spec);

    let test = json!({
        "_info": {
            "comment": note,
            "generator": "kestrel-diff",
            "seed": g.seed,
            "case": g.index,
        },
        "env": env,
        "pre": pre,
        "transaction": tx,
        "post": { fork: [entry] },
        "config": { "chainid": hex_u64(g.chain_id) },
    });
    let mut file = Map::new();
    file.insert(test_name(g), test);
    Value::Object(file)
}

/// The `post` key of a fork, as `kestrel statetest` reads it.
fn fork_key(spec: SpecId) -> &'static str {
    spec.name()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{run_revm, to_case};
    use crate::generator::generate;
    use kestrel_cli::statetest::{FileCases, LoadedCase, load_str};
    use std::sync::Arc;

    /// A written case loads back as exactly the generated case: fork, block, chain id,
    /// pre-state and transaction (every type, authorizations and blobs included). Together
    /// with the replay test in the crate's tests, this is what makes a saved divergence a
    /// faithful reproducer.
    #[test]
    fn written_cases_load_back_unchanged() {
        let mut types = [0usize; 5];
        for index in 0..300 {
            let g = generate(21, index);
            let case = to_case(&g);
            let revm = run_revm(&case).expect("revm runs");
            let text = serde_json::to_string(&state_test(&g, &revm, "test")).expect("serialises");
            let FileCases::Cases(loaded) = load_str(Arc::from("t.json"), &text) else {
                panic!("case {index}: not a state test");
            };
            assert_eq!(loaded.len(), 1);
            let LoadedCase::Ready(back) = &loaded[0] else { panic!("case {index}: {:?}", loaded[0]) };
            assert_eq!(back.spec, g.spec, "case {index}");
            assert_eq!(back.chain_id, g.chain_id, "case {index}");
            assert_eq!(back.block, g.block, "case {index}");
            assert_eq!(back.tx, g.tx, "case {index}");
            assert_eq!(*back.pre, g.pre, "case {index}");
            assert!(!back.finish.touch_coinbase);
            types[usize::from(g.tx.tx_type)] += 1;
        }
        assert!(types.iter().all(|&n| n > 0), "{types:?}");
    }
}
