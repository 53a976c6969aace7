//! Loading synthetic files: typed fields, hex quirks, and errors instead of panics.

use std::sync::Arc;

use kestrel::primitives::{SpecId, U256, address};

use super::case::LoadedCase;
use super::load::{FileCases, load_str};
use super::run::{Mismatch, Status, evaluate};

/// A minimal legacy-style test; `{tx}`, `{post}` and `{pre}` are spliced in.
fn file(tx_extra: &str, post: &str, pre: &str) -> String {
    format!(
        r#"{{"t": {{
  "env": {{"currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba", "currentGasLimit": "0x1312D00",
          "currentNumber": "0x1", "currentTimestamp": "0x03e8", "currentDifficulty": "0x020000",
          "currentRandom": "0x020000", "currentBaseFee": "0x0a", "currentExcessBlobGas": "0x"}},
  "pre": {{{pre}}},
  "transaction": {{"data": ["0x", "0x6001"], "gasLimit": ["0x5208"], "value": ["0x1", "0x:bigint 0x10000000000000000000000000000000000000000000000000000000000000001"],
                  "nonce": "0x", "to": "", "secretKey": "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8"{tx_extra}}},
  "post": {{{post}}}
}}}}"#
    )
}

const PRE: &str = r#""0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b": {"balance": "0x0de0b6b3a7640000", "nonce": "0x", "code": "0x", "storage": {"0x01": "0x0"}}"#;
const ROOTS: &str = r#""hash": "0x1111111111111111111111111111111111111111111111111111111111111111", "logs": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347""#;

fn load(text: &str) -> Vec<LoadedCase> {
    match load_str(Arc::from("f.json"), text) {
        FileCases::Cases(c) => c,
        FileCases::NotStateTests => panic!("not a state test"),
    }
}

fn post(fork: &str, data: u64, value: u64, extra: &str) -> String {
    format!(r#""{fork}": [{{{ROOTS}, "indexes": {{"data": {data}, "gas": 0, "value": {value}}}{extra}}}]"#)
}

#[test]
fn typed_fields_with_quirks() {
    let text = file(r#", "gasPrice": "0xa""#, &post("Merge", 1, 0, ""), PRE);
    let cases = load(&text);
    let [LoadedCase::Ready(case)] = cases.as_slice() else { panic!("{cases:?}") };
    assert_eq!(case.spec, SpecId::Paris);
    assert_eq!(case.id.fork, "Merge");
    assert_eq!(case.tx.caller, address!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b"), "sender from secretKey");
    assert_eq!((case.tx.tx_type, case.tx.nonce, case.tx.to), (0, 0, None));
    assert_eq!(case.tx.data.as_ref(), &[0x60, 0x01]);
    assert_eq!(case.tx.value, U256::from(1));
    assert_eq!(case.block.gas_limit, 0x1312d00, "odd-length hex");
    assert_eq!(case.block.prevrandao.map(|r| r[29]), Some(2));
    assert_eq!(case.block.excess_blob_gas, None, "not before Cancun");
    assert_eq!(case.block.basefee, U256::from(10));
    assert_eq!(case.chain_id, 1);
    assert!(case.finish.touch_coinbase, "a file without config is a legacy fill");
}

#[test]
fn value_overflow_is_a_decoding_rejection() {
    let overflow = post("Cancun", 0, 1, r#", "expectException": "TR_RLP_WRONGVALUE""#);
    let cases = load(&file(r#", "gasPrice": "0xa""#, &overflow, PRE));
    let [LoadedCase::TxUndecodable { error, .. }] = cases.as_slice() else { panic!("{cases:?}") };
    assert!(error.contains("transaction.value") && error.contains("overflow"), "{error}");
    // The synthetic expected root is not the pre-state root, so the verdict must be a root
    // mismatch, not a pass: a rejection is judged by its state like any other outcome.
    let result = evaluate(&cases[0], Default::default());
    assert!(matches!(&result.status, Status::Failed(m) if matches!(m[0], Mismatch::StateRoot { .. })));

    // Without an expected exception the same case fails as undecodable.
    let cases = load(&file(r#", "gasPrice": "0xa""#, &post("Cancun", 0, 1, ""), PRE));
    let result = evaluate(&cases[0], Default::default());
    assert!(matches!(&result.status, Status::Failed(m) if matches!(m[0], Mismatch::Undecodable { .. })));
}

#[test]
fn transaction_type_by_fields() {
    let lists = r#", "gasPrice": "0xa", "accessLists": [null, [{"address": "0x00000000000000000000000000000000000000aa", "storageKeys": []}]]"#;
    let text = file(lists, &format!("{}, {}", post("Berlin", 0, 0, ""), post("London", 1, 0, "")), PRE);
    let types: Vec<(u8, Option<u64>, usize)> = load(&text)
        .iter()
        .map(|c| match c {
            LoadedCase::Ready(c) => (c.tx.tx_type, c.tx.chain_id, c.tx.access_list.len()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(types, [(0, None, 0), (1, Some(1), 1)], "null access list = legacy");

    let blob = r#", "maxFeePerGas": "0x10", "maxPriorityFeePerGas": "0x1", "maxFeePerBlobGas": "0x1",
        "blobVersionedHashes": ["0x0100000000000000000000000000000000000000000000000000000000000000"]"#;
    let cases = load(&file(blob, &post("Cancun", 0, 0, ""), PRE));
    let [LoadedCase::Ready(c)] = cases.as_slice() else { panic!("{cases:?}") };
    assert_eq!(
        (c.tx.tx_type, c.tx.gas_price, c.tx.gas_priority_fee),
        (3, U256::from(16), Some(U256::from(1)))
    );
    assert_eq!(c.block.excess_blob_gas, Some(0), "`0x` is zero");
}

#[test]
fn unknown_fork_is_skipped_and_bad_entries_are_broken() {
    let posts = format!(
        "{}, {}, {}",
        post("Amsterdam", 0, 0, ""),
        post("Cancun", 7, 0, ""),
        r#""Prague": [{"hash": "0x12", "logs": "0x", "indexes": {"data": 0, "gas": 0, "value": 0}}]"#
    );
    let cases = load(&file(r#", "gasPrice": "0xa""#, &posts, PRE));
    assert!(matches!(&cases[0], LoadedCase::Skipped { reason, .. } if reason.contains("Amsterdam")));
    assert!(
        matches!(&cases[1], LoadedCase::Broken { error, .. } if error.contains("out of range")),
        "{cases:?}"
    );
    assert!(matches!(&cases[2], LoadedCase::Broken { error, .. } if error.contains("post.Prague[0].hash")));
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    // Not JSON at all, truncated, wrong shapes, bad hex in pre and env: all Broken, with the
    // file (and test, when known) named.
    for text in ["", "{", "[1, 2]", r#"{"t": {"transaction": 5}}"#, "\u{0}\u{ff}"] {
        let cases = load(text);
        assert!(matches!(cases.as_slice(), [LoadedCase::Broken { .. }]), "{text:?}: {cases:?}");
        assert_eq!(cases[0].id().file.as_ref(), "f.json");
    }
    let bad_pre = PRE.replace("0x0de0b6b3a7640000", "0xzz");
    let cases = load(&file(r#", "gasPrice": "0xa""#, &post("Cancun", 0, 0, ""), &bad_pre));
    let [LoadedCase::Broken { id, error }] = cases.as_slice() else { panic!("{cases:?}") };
    assert_eq!((id.test.as_ref(), id.fork.as_str()), ("t", "*"));
    assert!(error.contains("balance"), "{error}");
    let bad_env = file(r#", "gasPrice": "0xa""#, &post("Cancun", 0, 0, ""), PRE)
        .replace("0x03e8", "0x1ffffffffffffffff");
    let cases = load(&bad_env);
    assert!(
        matches!(&cases[..], [LoadedCase::Broken { error, .. }] if error.contains("env.currentTimestamp"))
    );
    // A case with neither gasPrice nor maxFeePerGas cannot be decoded.
    let cases = load(&file("", &post("Cancun", 0, 0, ""), PRE));
    assert!(matches!(&cases[..], [LoadedCase::TxUndecodable { error, .. }] if error.contains("gasPrice")));
    // Well-formed JSON that is not a state test is recognised as such.
    assert!(matches!(load_str(Arc::from("m.json"), r#"{"files": []}"#), FileCases::NotStateTests));
}

#[test]
fn near_misses_of_fork_names_are_broken_and_same_slots_are_errors() {
    let posts = format!("{}, {}", post("Cancnu", 0, 0, ""), post("Amsterdam", 0, 0, ""));
    let cases = load(&file(r#", "gasPrice": "0xa""#, &posts, PRE));
    assert!(matches!(&cases[0], LoadedCase::Skipped { id, .. } if id.fork == "Amsterdam"), "{cases:?}");
    assert!(
        matches!(&cases[1], LoadedCase::Broken { error, .. } if error.contains("misspelling of Cancun")),
        "{cases:?}"
    );
    let same_slot = PRE.replace(r#"{"0x01": "0x0"}"#, r#"{"0x01": "0x0", "0x1": "0x2"}"#);
    let cases = load(&file(r#", "gasPrice": "0xa""#, &post("Cancun", 0, 0, ""), &same_slot));
    assert!(
        matches!(&cases[..], [LoadedCase::Broken { error, .. }] if error.contains("the same slot")),
        "{cases:?}"
    );
    let empty_fork = r#""Cancun": []"#;
    let cases = load(&file(r#", "gasPrice": "0xa""#, empty_fork, PRE));
    assert!(
        matches!(&cases[..], [LoadedCase::Broken { error, .. }] if error.contains("post.Cancun is empty"))
    );
}
