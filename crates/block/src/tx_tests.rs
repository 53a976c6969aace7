//! Transaction decoding and sender recovery against transactions taken from the development
//! blockchain tests (raw bytes from a block body, sender as the fixture records it).

use super::*;
use kestrel_primitives::hex;

/// (type, raw EIP-2718 bytes, sender).
const SAMPLES: &[(u8, &str, &str)] = &[
    (
        0,
        "f860800a830186a0941257767465d91292f29c15df1e25e063daed8b59808026a0a7eaaef383a6b7fc7192d2adbdaf0331b4d82f352f89956ce8be97e9fe5d0590a01a5ae493968f37d3462cdca0d30f0e3bb4799025e48682bcb1eefe152c847d52",
        "ae32ae2ec09b1a1521de4dbc0a846fcd40d9e1fd",
    ),
    (
        0,
        "f8838085e8d4a510008303d0908080b86a60618060095f395ff33373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f35801560495762001fff810690815414603c575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f359062001fff0155001b820539851b9b6eb1f0",
        "0b799c86a49deeb90402691f1041aa3af2d3c875",
    ),
    (
        1,
        "01f89b01800a8301e974943068947c19dbbc5a170610a69c65e341f0a0b7458080f838f7940000000000000000000000000000000000000000e1a0000000000000000000000000000000000000000000000000000000000000000001a0712d63f4983ce033255f9adfe3b159f465766eac906591091e3ad03ffc06ad16a0078e21a3501b9fc9b9b9e223cc19768be044d5c7c6faf1fbc0f5aa4deb325fe9",
        "5482624482f9454fbb0dff7b7201a709ba5fb4c2",
    ),
    (
        2,
        "02f88301808007830f424094c8c101aa636d61b4277fb78e26d001931271bb3080a0000000000000000000000000000000000000000000000000000000000000000cc080a085fd8717be47370fa740a8092100ab56d141ed2113e001bcf30da8c585d95024a0366704106c0a8951cb4251cd233428186e520992092868642ae092e1bcd72276",
        "81d35efe4375f8653f681041c5b0eed24b364599",
    ),
    (
        3,
        "03f8a601808007830f424094000f3df6d732807ef1319fb7b8bb8522d0beac0280a0000000000000000000000000000000000000000000000000000000000000000cc001e1a0010000000000000000000000000000000000000000000000000000000000000001a08cdee4f529448c31aef67fb75346f7e0279e9545da3194191835349e19888b41a013e7d078013af8d334a2b09246dad964099443bb85b20d40bb3b08ea3c93229f",
        "cacd1a2f14e2c49f3631549a5752afe9812c2795",
    ),
    (
        4,
        "04f8e101808007830f424094000f3df6d732807ef1319fb7b8bb8522d0beac0280a0000000000000000000000000000000000000000000000000000000000000000cc0f85cf85a809400000000000000000000000000000000000000008080a085044e88414585239b3b7b4f91c0bc6275ed817b925d973869370ca9b842925aa02e021ec5210eb0cc051524a05e9049d6a57acdf0386e3feeae658df6d2a242a980a0f2e0c327202f18c44b074c628433f8d7ed09f7fbe180684f1ab6da84b8d94c4aa00c755520f565a678bac8959549dba76a7c2120025b53e1565b09845880a66dbf",
        "d7d82ecec412de189ae2257aa14437edf77bf89a",
    ),
];

#[test]
fn decodes_and_recovers_every_type() {
    for &(tx_type, raw, sender) in SAMPLES {
        let bytes = hex::decode(raw).unwrap();
        let tx = Transaction::decode(&bytes).unwrap_or_else(|e| panic!("type {tx_type}: {e}"));
        assert_eq!(tx.tx_type(), tx_type);
        assert_eq!(tx.encoded.as_ref(), bytes.as_slice());
        let want = Address::from_slice(&hex::decode(sender).unwrap());
        assert_eq!(tx.recover_sender(SpecId::Osaka, 1), Ok(want), "type {tx_type}");
    }
}

#[test]
fn legacy_chain_id_rules() {
    // The EIP-155 sample (v = 0x26, chain 1) is refused on another chain and before EIP-155.
    let eip155 = SAMPLES.iter().find(|s| s.0 == 0 && s.1.starts_with("f860")).unwrap();
    let tx = Transaction::decode(&hex::decode(eip155.1).unwrap()).unwrap();
    assert_eq!(tx.legacy_chain_id, Some(1));
    assert_eq!(tx.env.chain_id, Some(1));
    assert_eq!(tx.recover_sender(SpecId::Osaka, 5), Err(SignatureError::WrongChainId));
    assert_eq!(tx.recover_sender(SpecId::TangerineWhistle, 1), Err(SignatureError::BadV));
    // A v that is neither 27/28 nor an EIP-155 value is a bad signature, not a chain mismatch.
    for v in [0u64, 1, 26, 29, 34] {
        let mut odd = tx.clone();
        odd.v = U256::from(v);
        assert_eq!(odd.recover_sender(SpecId::Osaka, 1), Err(SignatureError::BadV), "v = {v}");
    }
}

#[test]
fn typed_transactions_for_another_chain_are_refused() {
    for &(tx_type, raw, _) in SAMPLES.iter().filter(|s| s.0 > 0) {
        let tx = Transaction::decode(&hex::decode(raw).unwrap()).unwrap();
        assert_eq!(tx.env.chain_id, Some(1));
        assert!(tx.recover_sender(SpecId::Osaka, 1).is_ok());
        assert_eq!(tx.recover_sender(SpecId::Osaka, 2), Err(SignatureError::WrongChainId), "type {tx_type}");
    }
}

#[test]
fn bad_signatures_are_named() {
    let raw = hex::decode(SAMPLES.iter().find(|s| s.0 == 2).unwrap().1).unwrap();
    let tx = Transaction::decode(&raw).unwrap();
    let mut high_s = tx.clone();
    high_s.s = SECP256K1N - tx.s;
    assert_eq!(high_s.recover_sender(SpecId::Osaka, 1), Err(SignatureError::BadS));
    let mut zero_r = tx.clone();
    zero_r.r = U256::ZERO;
    assert_eq!(zero_r.recover_sender(SpecId::Osaka, 1), Err(SignatureError::BadR));
    let mut parity = tx.clone();
    parity.v = U256::from(2);
    assert_eq!(parity.recover_sender(SpecId::Osaka, 1), Err(SignatureError::BadYParity));
    // A flipped parity recovers someone else (or no one), never the signer.
    let mut flipped = tx.clone();
    flipped.v = U256::from(1) - tx.v;
    assert_ne!(flipped.recover_sender(SpecId::Osaka, 1), tx.recover_sender(SpecId::Osaka, 1));
}

#[test]
fn malformed_bytes_are_named_errors() {
    assert_eq!(Transaction::decode(&[]), Err(TxDecodeError::Empty));
    assert_eq!(Transaction::decode(&[0x05, 0xc0]), Err(TxDecodeError::UnknownType(5)));
    assert_eq!(Transaction::decode(&[0x02]), Err(TxDecodeError::Rlp(RlpError::InputTooShort)));
    assert_eq!(Transaction::decode(&[0x02, 0xc0]), Err(TxDecodeError::Rlp(RlpError::WrongItemCount)));
    for &(_, raw, _) in SAMPLES {
        let bytes = hex::decode(raw).unwrap();
        // Every truncation and a trailing byte are errors, never panics.
        for cut in 0..bytes.len() {
            assert!(Transaction::decode(&bytes[..cut]).is_err(), "{raw} cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(Transaction::decode(&long).is_err());
    }
}

#[test]
fn non_canonical_integers_are_refused() {
    // The legacy sample with its nonce 0x80 re-encoded as 0x00 (a leading zero).
    let raw = hex::decode(SAMPLES.iter().find(|s| s.0 == 0 && s.1.starts_with("f860")).unwrap().1).unwrap();
    assert_eq!(raw[2], 0x80);
    let mut bad = raw.clone();
    bad[2] = 0x00;
    assert_eq!(Transaction::decode(&bad), Err(TxDecodeError::Rlp(RlpError::LeadingZero)));
    let mut bad = raw.clone();
    bad[2] = 0x81; // 0x81 0x0a: a single byte below 0x80 in long form
    bad.remove(3);
    assert!(Transaction::decode(&bad).is_err());
}
