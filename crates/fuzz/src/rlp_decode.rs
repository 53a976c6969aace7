//! Target `rlp_decode`: arbitrary bytes through `kestrel-block`'s RLP cursor, transaction,
//! header and block decoders.
//!
//! - The generic layer ([`kestrel_block::rlp`]) agrees with `alloy-rlp` item by item over the
//!   whole nested structure: both accept or both refuse, with the same payloads; and every
//!   accepted item re-encodes (with `alloy-rlp`) to exactly its bytes, so the decoder accepts
//!   only canonical RLP. The integer and fixed-size readers agree with `alloy-rlp`'s.
//! - Whatever decodes as a transaction, header or block re-encodes from its fields
//!   ([`crate::encode`]) to the input: no field is lost, misread or accepted in a
//!   non-canonical form. A transaction's signing hash is that of its re-encoded signing
//!   payload, and a sender it recovers is the one the ECRECOVER precompile recovers.

use alloy_rlp::{Decodable, Encodable, Header as RlpHeader};
use kestrel_block::rlp::{self, Rlp};
use kestrel_block::{Block, Header, Transaction};
use kestrel_precompiles::backends;
use kestrel_primitives::{Address, B256, SpecId, U256, keccak256};

use crate::encode;

/// Runs every decoder on `data` and checks every property; panics on a violation.
pub fn rlp_decode(data: &[u8]) {
    generic(data);
    readers(data);
    if let Ok(tx) = Transaction::decode(data) {
        check_transaction(&tx, data);
    }
    if let Ok(header) = Header::decode(data) {
        check_header(&header, data);
    }
    if let Ok(block) = Block::decode(data) {
        check_block(&block, data);
    }
}

/// The item decoder against `alloy_rlp::Header::decode`, over every nested item.
fn generic(data: &[u8]) {
    let ours = rlp::item(data);
    let theirs = alloy_item(data);
    match (&ours, &theirs) {
        (Ok(item), Some((list, payload))) => {
            assert_eq!(item.is_list, *list, "list flag differs from alloy-rlp");
            assert_eq!(item.payload, *payload, "payload differs from alloy-rlp");
        }
        (Err(_), None) => {}
        _ => panic!("rlp::item {ours:?} but alloy-rlp {theirs:?}"),
    }
    let single = rlp::single(data);
    assert_eq!(single.is_ok(), ours.as_ref().is_ok_and(|i| i.raw.len() == data.len()), "single");
    let Ok(top) = single else { return };

    // Walk the tree in lockstep, without recursion (nesting is as deep as the input is long):
    // each stack element is a list payload as our cursor and as alloy's remaining bytes.
    check_reencoding(&top);
    if !top.is_list {
        return;
    }
    let mut stack = vec![(Rlp::new(top.payload), top.payload)];
    while let Some((mut cursor, mut rest)) = stack.pop() {
        if cursor.is_empty() {
            assert!(rest.is_empty(), "alloy-rlp has bytes left where our list ended");
            continue;
        }
        let ours = cursor.item();
        let theirs = alloy_item(rest);
        match (ours, theirs) {
            (Ok(item), Some((list, payload))) => {
                assert_eq!(item.is_list, list, "nested list flag differs from alloy-rlp");
                assert_eq!(item.payload, payload, "nested payload differs from alloy-rlp");
                check_reencoding(&item);
                rest = &rest[item.raw.len()..];
                assert_eq!(cursor.rest(), rest, "cursor and alloy-rlp disagree on the next item");
                stack.push((cursor, rest));
                if item.is_list {
                    stack.push((Rlp::new(item.payload), item.payload));
                }
            }
            // Both refuse a malformed nested item: the structure is not RLP, and that is all.
            (Err(_), None) => return,
            (ours, theirs) => panic!("nested item: ours {ours:?} but alloy-rlp {theirs:?}"),
        }
    }
}

/// `alloy-rlp`'s reading of the item at the start of `buf`: list flag and payload.
fn alloy_item(buf: &[u8]) -> Option<(bool, &[u8])> {
    let mut rest = buf;
    let header = RlpHeader::decode(&mut rest).ok()?;
    // A single byte below 0x80 is its own payload; `decode` leaves it in `rest`.
    Some((header.list, rest.get(..header.payload_length)?))
}

/// An accepted item is canonical: encoding its payload again gives its bytes back.
fn check_reencoding(item: &rlp::Item<'_>) {
    let mut again = Vec::with_capacity(item.raw.len());
    if item.is_list {
        encode::list(item.payload, &mut again);
    } else {
        item.payload.encode(&mut again);
    }
    assert_eq!(again, item.raw, "an accepted item is not in canonical form");
}

/// The typed readers of the cursor against `alloy-rlp`'s `Decodable` on the first item.
fn readers(data: &[u8]) {
    fn agree<T: PartialEq + core::fmt::Debug + Decodable, E: core::fmt::Debug>(
        what: &str,
        ours: Result<T, E>,
        data: &[u8],
    ) {
        let theirs = T::decode(&mut &data[..]);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{what}: value differs from alloy-rlp"),
            (Err(_), Err(_)) => {}
            _ => panic!("{what}: ours {ours:?} but alloy-rlp {theirs:?}"),
        }
    }
    agree::<u64, _>("u64", Rlp::new(data).u64(), data);
    agree::<U256, _>("u256", Rlp::new(data).u256(), data);
    agree::<Address, _>("address", Rlp::new(data).address(), data);
    agree::<B256, _>("b256", Rlp::new(data).b256(), data);
    // `to`: an address, or the empty string for a creation.
    let ours = Rlp::new(data).to();
    let expected = match data.first() {
        Some(&alloy_rlp::EMPTY_STRING_CODE) => Some(None),
        _ => Address::decode(&mut &data[..]).ok().map(Some),
    };
    assert_eq!(ours.ok(), expected, "to");
}

/// Nonce and gas limit are kept as `u64`, saturated: a saturated one may have been wider, so
/// only transactions without one can be re-encoded from their fields.
fn reencodable(tx: &Transaction) -> bool {
    tx.env.nonce != u64::MAX && tx.env.gas_limit != u64::MAX
}

fn check_transaction(tx: &Transaction, data: &[u8]) {
    assert_eq!(tx.encoded.as_ref(), data, "encoded is not the input");
    assert_eq!(tx.hash(), keccak256(data));
    let expected_type = if data[0] >= 0xc0 { 0 } else { data[0] };
    assert_eq!(tx.tx_type(), expected_type);
    // EIP-155: a legacy v of 35 or more encodes the chain id.
    let expected_chain_id = if tx.tx_type() != 0 {
        None
    } else if tx.v >= U256::from(35) {
        u64::try_from((tx.v - U256::from(35)) / U256::from(2)).ok()
    } else {
        None
    };
    assert_eq!(tx.legacy_chain_id, expected_chain_id, "legacy chain id");
    if tx.tx_type() == 0 {
        assert_eq!(tx.env.chain_id, tx.legacy_chain_id);
    }
    if reencodable(tx) {
        assert_eq!(encode::transaction(tx), data, "transaction does not re-encode to its bytes");
        let signing = encode::signing_bytes(&tx.env, tx.legacy_chain_id);
        assert_eq!(tx.signing_hash, keccak256(&signing), "signing hash");
    }
    check_recovery(tx);
}

/// Sender recovery is deterministic and agrees with the ECRECOVER precompile (k256 backend:
/// independent of the libsecp256k1 one the transaction path uses by default).
fn check_recovery(tx: &Transaction) {
    // The y parity the signature claims, wherever v passed the checks: a typed transaction's
    // v, 27/28, or an EIP-155 v = 35 + 2·chain_id + parity.
    let parity = if tx.tx_type() != 0 || tx.v < U256::from(27) {
        tx.v
    } else if tx.v <= U256::from(28) {
        tx.v - U256::from(27)
    } else {
        tx.v.wrapping_sub(U256::from(35)) % U256::from(2)
    };
    let mut input = [0u8; 128];
    input[..32].copy_from_slice(tx.signing_hash.as_slice());
    input[63] = 27 + u8::from(parity == U256::from(1));
    input[64..96].copy_from_slice(&tx.r.to_be_bytes::<32>());
    input[96..].copy_from_slice(&tx.s.to_be_bytes::<32>());
    let precompile = backends::ecrecover_k256(&input, 3000).expect("3000 gas pays for ECRECOVER");
    let mut chain_ids = vec![1];
    chain_ids.extend(tx.env.chain_id.filter(|&c| c != 1));
    for spec in [SpecId::Frontier, SpecId::Homestead, SpecId::Osaka] {
        for &chain_id in &chain_ids {
            let sender = tx.recover_sender(spec, chain_id);
            assert_eq!(sender, tx.recover_sender(spec, chain_id), "recovery is not deterministic");
            match sender {
                Ok(address) => {
                    assert_eq!(
                        &precompile.bytes[12..],
                        address.as_slice(),
                        "sender differs from ECRECOVER's"
                    );
                }
                // Recovery was tried (r, s and v passed) and found no key: neither does the
                // precompile.
                Err(kestrel_block::SignatureError::Unrecoverable) => {
                    assert!(precompile.bytes.is_empty(), "no sender, but ECRECOVER recovers one");
                }
                Err(_) => {}
            }
        }
    }
}

fn check_header(header: &Header, data: &[u8]) {
    assert_eq!(header.hash, keccak256(data));
    assert_eq!(encode::header(header), data, "header does not re-encode to its bytes");
}

fn check_block(block: &Block, data: &[u8]) {
    assert_eq!(block.rlp_length, data.len());
    check_header(&block.header, rlp::Rlp::list_of(data).and_then(|mut r| r.item()).expect("decoded").raw);
    assert_eq!(block.ommers_list_hash, keccak256(encode::ommers(&block.ommers)), "ommers hash");
    for tx in &block.transactions {
        let encoded = tx.encoded.clone();
        check_transaction(tx, &encoded);
    }
    for w in block.withdrawals.iter().flatten() {
        // The crate's own withdrawal encoder (the withdrawals trie's values) against ours.
        assert_eq!(w.rlp(), encode::withdrawal(w), "Withdrawal::rlp");
    }
    if block.transactions.iter().all(reencodable) {
        assert_eq!(encode::block(block), data, "block does not re-encode to its bytes");
    }
}
