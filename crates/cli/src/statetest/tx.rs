//! Turning the transaction template of a test into one [`TxEnv`] per post entry.

use std::cell::OnceCell;

use kestrel::block::{SignatureError, Transaction, TxDecodeError};
use kestrel::primitives::{AccessListItem, Address, Authorization, Bytes, SpecId, TxEnv, keccak256};

use super::hex::{parse_address, parse_b256, parse_bytes, parse_u64, parse_u256};
use super::model::{RawAccessItem, RawAuthorization, RawIndexes, RawTx};

/// Formats an error with the name of the transaction field it came from.
fn field<T, E: core::fmt::Display>(name: &str, r: Result<T, E>) -> Result<T, String> {
    r.map_err(|e| format!("transaction.{name}: {e}"))
}

/// The parts of a transaction that do not depend on the post entry's indexes, decoded once
/// per test. Decoding errors are kept, not raised, because only the cases of this test are
/// affected and those may expect the rejection.
pub(crate) struct TxTemplate<'a> {
    raw: &'a RawTx,
    chain_id: u64,
    common: Result<TxEnv, String>,
    /// `data[i]`, decoded when a post entry first selects it. Every case selecting `i` shares
    /// the one buffer ([`Bytes`] clones are reference counts): a test with hundreds of post
    /// entries over large call data would otherwise hold a copy per entry.
    data: Vec<OnceCell<Result<Bytes, String>>>,
}

/// Checks that a post entry's indexes fall inside the template's arrays; an index outside
/// is a fixture error, unlike an undecodable value.
pub(crate) fn check_indexes(raw: &RawTx, idx: &RawIndexes) -> Result<(), String> {
    let check = |name: &str, i: u64, len: usize| {
        if usize::try_from(i).is_ok_and(|i| i < len) {
            Ok(())
        } else {
            Err(format!("post index {i} out of range for transaction.{name} (length {len})"))
        }
    };
    check("data", idx.data, raw.data.len())?;
    check("gasLimit", idx.gas, raw.gas_limit.len())?;
    check("value", idx.value, raw.value.len())?;
    if let Some(lists) = &raw.access_lists {
        check("accessLists", idx.data, lists.len())?;
    }
    Ok(())
}

impl<'a> TxTemplate<'a> {
    /// Decodes the index-independent fields of `raw` for a chain with id `chain_id`.
    pub(crate) fn new(raw: &'a RawTx, chain_id: u64) -> Self {
        let data = raw.data.iter().map(|_| OnceCell::new()).collect();
        TxTemplate { raw, chain_id, common: decode_common(raw), data }
    }

    /// The transaction for one post entry (indexes already checked by [`check_indexes`]).
    ///
    /// The type is chosen by which fields are present: `authorizationList` → 4,
    /// `blobVersionedHashes` → 3, `maxFeePerGas` → 2, a non-null `accessLists[data]` → 1,
    /// otherwise 0.
    pub(crate) fn select(&self, idx: &RawIndexes) -> Result<TxEnv, String> {
        let raw = self.raw;
        let mut tx = self.common.clone()?;
        let pick = |list: &'a [String], i: u64, name: &str| {
            usize::try_from(i)
                .ok()
                .and_then(|i| list.get(i))
                .ok_or_else(|| format!("post index {i} out of range for transaction.{name}"))
        };
        let data = usize::try_from(idx.data)
            .ok()
            .and_then(|i| Some((self.data.get(i)?, raw.data.get(i)?)))
            .ok_or_else(|| format!("post index {} out of range for transaction.data", idx.data))?;
        tx.data = data.0.get_or_init(|| field("data", parse_bytes(data.1))).clone()?;
        tx.gas_limit = field("gasLimit", parse_u64(pick(&raw.gas_limit, idx.gas, "gasLimit")?))?;
        tx.value = field("value", parse_u256(pick(&raw.value, idx.value, "value")?))?;
        if let Some(lists) = &raw.access_lists {
            let entry = usize::try_from(idx.data)
                .ok()
                .and_then(|i| lists.get(i))
                .ok_or("post index out of range for transaction.accessLists")?;
            // A `null` entry marks a data index that is a plain legacy transaction
            // (stEIP1559/lowGasPriceOldTypes); a present one (even empty) is at least type 1.
            if let Some(items) = entry {
                tx.access_list = field("accessLists", decode_access_list(items))?;
                tx.tx_type = tx.tx_type.max(1);
            }
        }
        // Typed transactions always sign over a chain id (EIP-2718 onwards); the state tests'
        // legacy transactions are not replay-protected, so they carry none.
        tx.chain_id = (tx.tx_type >= 1).then_some(self.chain_id);
        Ok(tx)
    }
}

/// A post entry's transaction as its `txbytes` give it.
pub(crate) enum FromBytes {
    /// Decoded; the sender recovered, or why not (then `caller` is zero).
    Tx(Box<TxEnv>, Option<SignatureError>),
    /// The bytes do not decode: a client rejects the transaction before anything else.
    Undecodable(TxDecodeError),
    /// The field is not hex, or the bytes contradict the transaction template: a broken fixture.
    Broken(String),
}

/// Decodes `txbytes` with the block crate's EIP-2718 decoder and recovers the sender by the
/// rules of `spec` on chain `chain_id`. When the template gives the same entry's transaction
/// (`template`, when it decodes), every field but the sender and the chain id must agree with
/// the bytes: the sender is what the signature says, whatever key the template names, and the
/// chain id is what the signature signs (a wrong one is one of the cases under test).
pub(crate) fn from_txbytes(
    txbytes: &str,
    template: Option<&TxEnv>,
    spec: SpecId,
    chain_id: u64,
) -> FromBytes {
    let bytes = match parse_bytes(txbytes) {
        Ok(b) => b,
        Err(e) => return FromBytes::Broken(format!("txbytes: {e}")),
    };
    let tx = match Transaction::decode(&bytes) {
        Ok(tx) => tx,
        Err(e) => return FromBytes::Undecodable(e),
    };
    if let Some(template) = template
        && let Some(field) = differing_field(template, &tx.env)
    {
        return FromBytes::Broken(format!("txbytes disagree with the transaction template on {field}"));
    }
    let (caller, error) = match tx.recover_sender(spec, chain_id) {
        Ok(sender) => (sender, None),
        Err(e) => (Address::ZERO, Some(e)),
    };
    FromBytes::Tx(Box::new(TxEnv { caller, ..tx.env }), error)
}

/// The first field, other than the sender and chain id, in which `a` and `b` differ.
fn differing_field(a: &TxEnv, b: &TxEnv) -> Option<&'static str> {
    let checks: [(&'static str, bool); 12] = [
        ("type", a.tx_type == b.tx_type),
        ("nonce", a.nonce == b.nonce),
        ("gasLimit", a.gas_limit == b.gas_limit),
        ("gasPrice/maxFeePerGas", a.gas_price == b.gas_price),
        ("maxPriorityFeePerGas", a.gas_priority_fee == b.gas_priority_fee),
        ("to", a.to == b.to),
        ("value", a.value == b.value),
        ("data", a.data == b.data),
        ("accessList", a.access_list == b.access_list),
        ("blobVersionedHashes", a.blob_hashes == b.blob_hashes),
        ("maxFeePerBlobGas", a.max_fee_per_blob_gas == b.max_fee_per_blob_gas),
        ("authorizationList", a.authorization_list == b.authorization_list),
    ];
    checks.into_iter().find(|(_, same)| !same).map(|(name, _)| name)
}

/// Decodes everything but `data`, `gasLimit`, `value` and the access list.
fn decode_common(raw: &RawTx) -> Result<TxEnv, String> {
    let mut tx = TxEnv {
        nonce: field("nonce", parse_u64(&raw.nonce))?,
        caller: sender(raw)?,
        to: match raw.to.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(to) => Some(field("to", parse_address(to))?),
        },
        ..TxEnv::default()
    };
    if let Some(max_fee) = &raw.max_fee_per_gas {
        tx.tx_type = 2;
        tx.gas_price = field("maxFeePerGas", parse_u256(max_fee))?;
        let tip = raw
            .max_priority_fee_per_gas
            .as_deref()
            .ok_or("transaction.maxPriorityFeePerGas: missing next to maxFeePerGas")?;
        tx.gas_priority_fee = Some(field("maxPriorityFeePerGas", parse_u256(tip))?);
    } else {
        let price = raw.gas_price.as_deref().ok_or("transaction: neither gasPrice nor maxFeePerGas")?;
        tx.gas_price = field("gasPrice", parse_u256(price))?;
    }
    if let Some(hashes) = &raw.blob_versioned_hashes {
        tx.tx_type = 3;
        tx.blob_hashes = field(
            "blobVersionedHashes",
            hashes.iter().map(|h| parse_b256(h)).collect::<Result<Vec<_>, _>>(),
        )?;
        let fee = raw
            .max_fee_per_blob_gas
            .as_deref()
            .ok_or("transaction.maxFeePerBlobGas: missing next to blobVersionedHashes")?;
        tx.max_fee_per_blob_gas = Some(field("maxFeePerBlobGas", parse_u256(fee))?);
    }
    if let Some(list) = &raw.authorization_list {
        tx.tx_type = 4;
        tx.authorization_list = list
            .iter()
            .enumerate()
            .map(|(i, a)| {
                decode_authorization(a).map_err(|e| format!("transaction.authorizationList[{i}].{e}"))
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(tx)
}

fn decode_access_list(items: &[RawAccessItem]) -> Result<Vec<AccessListItem>, String> {
    items
        .iter()
        .map(|item| {
            let address = parse_address(&item.address).map_err(|e| format!("address: {e}"))?;
            let storage_keys = item
                .storage_keys
                .iter()
                .map(|k| parse_b256(k).map_err(|e| format!("storageKeys: {e}")))
                .collect::<Result<_, _>>()?;
            Ok(AccessListItem { address, storage_keys })
        })
        .collect()
}

/// Decodes one authorization; the field name prefixes any error. `nonce` must fit 64 bits,
/// as the transaction's RLP decoding (EIP-7702 `uint64`) demands; the others are 256-bit.
fn decode_authorization(a: &RawAuthorization) -> Result<Authorization, String> {
    let n = |name: &str, s: &str| parse_u256(s).map_err(|e| format!("{name}: {e}"));
    let parity = a.y_parity.as_deref().or(a.v.as_deref()).ok_or("yParity: missing")?;
    Ok(Authorization {
        chain_id: n("chainId", &a.chain_id)?,
        address: parse_address(&a.address).map_err(|e| format!("address: {e}"))?,
        nonce: parse_u64(&a.nonce).map_err(|e| format!("nonce: {e}"))?,
        y_parity: n("yParity", parity)?,
        r: n("r", &a.r)?,
        s: n("s", &a.s)?,
        // The fixture's `signer` is the filler's claim; the executor recovers and checks it.
        authority: None,
    })
}

/// The sender: the `sender` field, or the address of `secretKey` when it is absent.
fn sender(raw: &RawTx) -> Result<Address, String> {
    if let Some(s) = &raw.sender {
        return field("sender", parse_address(s));
    }
    let key = raw.secret_key.as_deref().ok_or("transaction: neither sender nor secretKey")?;
    let key = field("secretKey", parse_b256(key))?;
    address_of_secret_key(key.as_slice()).map_err(|e| format!("transaction.secretKey: {e}"))
}

/// The address of a secp256k1 secret key: the last 20 bytes of keccak256 of the
/// uncompressed public key without its 0x04 tag.
pub fn address_of_secret_key(secret: &[u8]) -> Result<Address, String> {
    let key = k256::ecdsa::SigningKey::from_slice(secret)
        .map_err(|_| "not a valid secp256k1 secret key".to_owned())?;
    let point = key.verifying_key().to_encoded_point(false);
    let hash = keccak256(&point.as_bytes()[1..]);
    Ok(Address::from_slice(&hash[12..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_key_of_the_usual_test_sender() {
        // The sender of almost every legacy state test and its published key.
        let key = parse_b256("0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8").unwrap();
        let want = parse_address("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b").unwrap();
        assert_eq!(address_of_secret_key(key.as_slice()), Ok(want));
        assert!(address_of_secret_key(&[0u8; 32]).is_err());
    }
}
