//! Post entries with `txbytes`: the transaction decoded from the bytes, the sender recovered
//! from the signature, and the reason for a rejection compared with `expectException`.

use std::sync::Arc;

use alloy_rlp::Encodable;
use kestrel::block::SignatureError;
use kestrel::primitives::{Address, U256, address, keccak256};

use super::case::LoadedCase;
use super::exception::Rejection;
use super::load::{FileCases, load_str};
use super::run::{Mismatch, Status, evaluate};

/// The usual state-test key and its address.
const KEY: &str = "45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8";
const SENDER: Address = address!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b");
const TO: Address = address!("1000000000000000000000000000000000000001");

/// The secp256k1 group order.
const N: U256 =
    U256::from_limbs([0xbfd25e8cd0364141, 0xbaaedce6af48a03b, 0xfffffffffffffffe, 0xffffffffffffffff]);

/// A legacy transfer to [`TO`] of `value` wei with `gas`, nonce 0, gas price 10.
#[derive(Clone, Copy)]
struct Transfer {
    gas: u64,
    value: u64,
}

impl Transfer {
    fn fields(&self, out: &mut Vec<u8>) {
        0u64.encode(out);
        10u64.encode(out);
        self.gas.encode(out);
        TO.encode(out);
        self.value.encode(out);
        alloy_primitives::Bytes::new().encode(out);
    }

    /// Signed with [`KEY`] for `chain_id` (EIP-155); `tamper` rewrites (v, r, s) before encoding.
    fn sign(&self, chain_id: u64, tamper: impl Fn(U256, U256, U256) -> (U256, U256, U256)) -> String {
        let mut unsigned = Vec::new();
        self.fields(&mut unsigned);
        chain_id.encode(&mut unsigned);
        unsigned.extend_from_slice(&[0x80, 0x80]);
        let hash = keccak256(list(&unsigned));
        let key =
            k256::ecdsa::SigningKey::from_slice(&kestrel::primitives::hex::decode(KEY).unwrap()).unwrap();
        let (sig, recovery) = key.sign_prehash_recoverable(hash.as_slice()).unwrap();
        let v = U256::from(35 + 2 * chain_id + u64::from(recovery.is_y_odd()));
        let r = U256::from_be_slice(&sig.r().to_bytes());
        let s = U256::from_be_slice(&sig.s().to_bytes());
        let (v, r, s) = tamper(v, r, s);
        let mut payload = Vec::new();
        self.fields(&mut payload);
        v.encode(&mut payload);
        r.encode(&mut payload);
        s.encode(&mut payload);
        format!("0x{}", kestrel::primitives::hex::encode(list(&payload)))
    }

    /// A Cancun test whose template matches this transfer and whose one post entry carries
    /// `txbytes` and, when given, `expectException`.
    fn file(&self, txbytes: &str, exception: Option<&str>) -> String {
        let exception = exception.map(|e| format!(r#", "expectException": "{e}""#)).unwrap_or_default();
        format!(
            r#"{{"t": {{
  "env": {{"currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba", "currentGasLimit": "0x1312D00",
          "currentNumber": "0x1", "currentTimestamp": "0x03e8", "currentRandom": "0x020000",
          "currentBaseFee": "0x0a", "currentExcessBlobGas": "0x00"}},
  "pre": {{"{SENDER}": {{"balance": "0x0de0b6b3a7640000", "nonce": "0x00", "code": "0x", "storage": {{}}}}}},
  "transaction": {{"data": ["0x"], "gasLimit": ["{:#x}"], "value": ["{:#x}"], "nonce": "0x00",
                  "to": "{TO}", "gasPrice": "0x0a", "secretKey": "0x{KEY}"}},
  "post": {{"Cancun": [{{"hash": "0x1111111111111111111111111111111111111111111111111111111111111111",
    "logs": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
    "indexes": {{"data": 0, "gas": 0, "value": 0}}, "txbytes": "{txbytes}"{exception}}}]}}
}}}}"#,
            self.gas, self.value
        )
    }
}

fn list(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend_from_slice(payload);
    out
}

fn keep(v: U256, r: U256, s: U256) -> (U256, U256, U256) {
    (v, r, s)
}

fn high_s(v: U256, r: U256, s: U256) -> (U256, U256, U256) {
    (v, r, N - s)
}

fn load_one(text: &str) -> LoadedCase {
    match load_str(Arc::from("f.json"), text) {
        FileCases::Cases(mut c) if c.len() == 1 => c.remove(0),
        other => panic!("{other:?}"),
    }
}

/// The mismatches of the case's verdict other than the state root (the synthetic roots are
/// never right).
fn mismatches(case: &LoadedCase) -> Vec<Mismatch> {
    match evaluate(case, Default::default()).status {
        Status::Failed(m) => m.into_iter().filter(|m| !matches!(m, Mismatch::StateRoot { .. })).collect(),
        other => panic!("{other:?}"),
    }
}

fn wrong_exception(case: &LoadedCase) -> bool {
    mismatches(case).iter().any(|m| matches!(m, Mismatch::WrongException { .. }))
}

#[test]
fn the_transaction_and_its_sender_come_from_the_bytes() {
    let t = Transfer { gas: 21_000, value: 1 };
    let case = load_one(&t.file(&t.sign(1, keep), None));
    let LoadedCase::Ready(ready) = &case else { panic!("{case:?}") };
    assert_eq!(ready.tx.caller, SENDER);
    assert_eq!(ready.signature_error, None);
    assert_eq!(ready.tx.chain_id, Some(1), "the EIP-155 chain id of the signature");
    assert_eq!((ready.tx.to, ready.tx.value, ready.tx.gas_limit), (Some(TO), U256::from(1), 21_000));
    // It executes: only the synthetic root differs.
    assert_eq!(mismatches(&case), Vec::new());
}

#[test]
fn the_reason_is_compared_with_the_expected_name() {
    // 21,000 gas at price 10 plus all but 1 wei of the balance: the sender cannot pay.
    let t = Transfer { gas: 21_000, value: 0x0de0b6b3a7640000 - 1 };
    let bytes = t.sign(1, keep);
    let right = load_one(&t.file(&bytes, Some("TransactionException.INSUFFICIENT_ACCOUNT_FUNDS")));
    assert_eq!(mismatches(&right), Vec::new());
    let alternatives = "TransactionException.INTRINSIC_GAS_TOO_LOW|TR_NoFunds";
    assert_eq!(mismatches(&load_one(&t.file(&bytes, Some(alternatives)))), Vec::new());
    let wrong = load_one(&t.file(&bytes, Some("TransactionException.INTRINSIC_GAS_TOO_LOW")));
    assert!(wrong_exception(&wrong), "{:?}", mismatches(&wrong));
}

#[test]
fn bad_signatures_and_other_chains_are_rejected_by_name() {
    let t = Transfer { gas: 21_000, value: 1 };
    let case = load_one(&t.file(&t.sign(1, high_s), Some("TransactionException.INVALID_SIGNATURE_VRS")));
    let LoadedCase::Ready(ready) = &case else { panic!("{case:?}") };
    assert_eq!(ready.signature_error, Some(SignatureError::BadS));
    assert_eq!(mismatches(&case), Vec::new());
    let case = load_one(&t.file(&t.sign(1, high_s), Some("TransactionException.INSUFFICIENT_ACCOUNT_FUNDS")));
    assert!(wrong_exception(&case));

    // Signed for chain 2, run on chain 1.
    let other_chain = t.sign(2, keep);
    let case = load_one(&t.file(&other_chain, Some("TransactionException.INVALID_CHAINID")));
    assert_eq!(mismatches(&case), Vec::new());
    let case = load_one(&t.file(&other_chain, None));
    assert!(
        matches!(&mismatches(&case)[..], [Mismatch::UnexpectedRejection { reason }] if reason.contains("chain")),
        "{:?}",
        mismatches(&case)
    );
}

#[test]
fn checks_before_the_signature_in_the_spec_are_reported_first() {
    // Intrinsic gas (`validate_transaction`) precedes sender recovery in the spec.
    let t = Transfer { gas: 20_000, value: 1 };
    let bytes = t.sign(1, high_s);
    let case = load_one(&t.file(&bytes, Some("TransactionException.INTRINSIC_GAS_TOO_LOW")));
    assert_eq!(mismatches(&case), Vec::new());
    let case = load_one(&t.file(&bytes, Some("TransactionException.INVALID_SIGNATURE_VRS")));
    assert!(wrong_exception(&case));
    // The balance check comes after it: the signature is named.
    let t = Transfer { gas: 21_000, value: 0x0de0b6b3a7640000 };
    let case = load_one(&t.file(&t.sign(1, high_s), Some("TransactionException.INVALID_SIGNATURE_VRS")));
    assert_eq!(mismatches(&case), Vec::new());
}

#[test]
fn undecodable_bytes_are_a_named_rejection() {
    let t = Transfer { gas: 21_000, value: 1 };
    let trailing = format!("{}00", t.sign(1, keep));
    let case = load_one(&t.file(&trailing, Some("TR_RLP_WRONGVALUE")));
    let LoadedCase::TxUndecodable { rejection: Some(Rejection::Decode(_)), .. } = &case else {
        panic!("{case:?}")
    };
    assert_eq!(mismatches(&case), Vec::new());
    let case = load_one(&t.file(&trailing, Some("TransactionException.INSUFFICIENT_ACCOUNT_FUNDS")));
    assert!(wrong_exception(&case));
}

#[test]
fn bytes_that_contradict_the_template_are_a_broken_fixture() {
    let t = Transfer { gas: 21_000, value: 1 };
    let other = Transfer { gas: 21_000, value: 2 }.sign(1, keep);
    let case = load_one(&t.file(&other, None));
    assert!(matches!(&case, LoadedCase::Broken { error, .. } if error.contains("value")), "{case:?}");
    let case = load_one(&t.file("0xzz", None));
    assert!(matches!(&case, LoadedCase::Broken { error, .. } if error.contains("txbytes")), "{case:?}");
}
