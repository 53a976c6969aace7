//! `--input.txs`: geth's JSON transactions (signed, or unsigned with a `secretKey` to sign
//! them with) and RLP bodies, turned into the library's [`Transaction`]s.
//!
//! A JSON transaction is encoded here (EIP-2718, types 0 to 4) and decoded back by the
//! library's own decoder, so that the block sees the same bytes a block body would carry.

use alloy_rlp::Encodable;
use kestrel::block::rlp::Rlp;
use kestrel::block::t8n::T8nTx;
use kestrel::block::{Transaction, rlp};
use kestrel::primitives::{Address, B256, Bytes, U256, keccak256};
use serde_json::Value;

use super::input::{Fail, field_address, field_b256, field_bytes, field_u64, field_u256, obj};

/// RLP of a list whose items are already encoded.
fn list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload: Vec<u8> = items.concat();
    let mut out = Vec::with_capacity(payload.len() + 9);
    rlp::encode_list(&payload, &mut out);
    out
}

fn enc<T: Encodable + ?Sized>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    v.encode(&mut out);
    out
}

/// `to`: the address, or the empty string for a creation.
fn enc_to(to: Option<Address>) -> Vec<u8> {
    match to {
        Some(a) => enc(&a),
        None => vec![0x80],
    }
}

/// The fields of one JSON transaction, numbers parsed.
struct TxFields {
    tx_type: u8,
    chain_id: Option<U256>,
    nonce: u64,
    gas_price: U256,
    max_priority_fee: U256,
    max_fee: U256,
    gas: u64,
    to: Option<Address>,
    value: U256,
    input: Bytes,
    access_list: Vec<u8>,
    max_fee_per_blob_gas: U256,
    blob_hashes: Vec<B256>,
    authorizations: Vec<u8>,
    v: U256,
    r: U256,
    s: U256,
}

fn access_list(v: Option<&Value>) -> Result<Vec<u8>, String> {
    let mut items = Vec::new();
    if let Some(Value::Array(entries)) = v {
        for (i, e) in entries.iter().enumerate() {
            let e = obj(e, &format!("accessList[{i}]"))?;
            let address = field_address(e, "address")?.ok_or("accessList: missing address")?;
            let mut keys = Vec::new();
            if let Some(Value::Array(ks)) = e.get("storageKeys") {
                for k in ks {
                    let k = k.as_str().ok_or("accessList: a storage key is not a string")?;
                    let key = kestrel_cli_hex_b256(k)?;
                    keys.push(enc(&key));
                }
            }
            items.push(list(&[enc(&address), list(&keys)]));
        }
    }
    Ok(list(&items))
}

fn kestrel_cli_hex_b256(s: &str) -> Result<B256, String> {
    crate::statetest::hex::parse_word(s).map_err(|e| format!("{s}: {e}"))
}

fn authorization_list(v: Option<&Value>) -> Result<Vec<u8>, String> {
    let mut items = Vec::new();
    if let Some(Value::Array(entries)) = v {
        for (i, e) in entries.iter().enumerate() {
            let e = obj(e, &format!("authorizationList[{i}]"))?;
            let chain_id = field_u256(e, "chainId")?.unwrap_or_default();
            let address = field_address(e, "address")?.unwrap_or_default();
            let nonce = field_u64(e, "nonce")?.unwrap_or_default();
            let y = match field_u256(e, "yParity")? {
                Some(y) => y,
                None => field_u256(e, "v")?.unwrap_or_default(),
            };
            let r = field_u256(e, "r")?.unwrap_or_default();
            let s = field_u256(e, "s")?.unwrap_or_default();
            items.push(list(&[enc(&chain_id), enc(&address), enc(&nonce), enc(&y), enc(&r), enc(&s)]));
        }
    }
    Ok(list(&items))
}

fn fields(v: &serde_json::Map<String, Value>) -> Result<TxFields, String> {
    let u = |k: &str| field_u256(v, k).map(Option::unwrap_or_default);
    let tx_type = field_u64(v, "type")?.unwrap_or(0);
    let tx_type = u8::try_from(tx_type).map_err(|_| format!("transaction type {tx_type} unknown"))?;
    let input = match field_bytes(v, "input")? {
        Some(b) => b,
        None => field_bytes(v, "data")?.unwrap_or_default(),
    };
    let mut blob_hashes = Vec::new();
    if let Some(Value::Array(hs)) = v.get("blobVersionedHashes") {
        for h in hs {
            blob_hashes.push(kestrel_cli_hex_b256(h.as_str().ok_or("blobVersionedHashes: not a string")?)?);
        }
    }
    let v_value = match field_u256(v, "v")? {
        Some(x) => x,
        None => field_u256(v, "yParity")?.unwrap_or_default(),
    };
    Ok(TxFields {
        tx_type,
        chain_id: field_u256(v, "chainId")?,
        nonce: field_u64(v, "nonce")?.unwrap_or(0),
        gas_price: u("gasPrice")?,
        max_priority_fee: u("maxPriorityFeePerGas")?,
        max_fee: u("maxFeePerGas")?,
        gas: field_u64(v, "gas")?.or(field_u64(v, "gasLimit")?).unwrap_or(0),
        to: match v.get("to") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(_) => field_address(v, "to")?,
        },
        value: u("value")?,
        input,
        access_list: access_list(v.get("accessList"))?,
        max_fee_per_blob_gas: u("maxFeePerBlobGas")?,
        blob_hashes,
        authorizations: authorization_list(v.get("authorizationList"))?,
        v: v_value,
        r: u("r")?,
        s: u("s")?,
    })
}

/// The type byte and RLP payload items of `f` before the signature (for a legacy transaction
/// the EIP-155 suffix is added by the caller).
fn unsigned_items(f: &TxFields, chain_id: U256) -> Result<Vec<Vec<u8>>, String> {
    let common = |fee: Vec<Vec<u8>>| {
        let mut items = vec![enc(&chain_id), enc(&f.nonce)];
        items.extend(fee);
        items.extend([enc(&f.gas), enc_to(f.to), enc(&f.value), enc(&f.input[..]), f.access_list.clone()]);
        items
    };
    Ok(match f.tx_type {
        0 => vec![
            enc(&f.nonce),
            enc(&f.gas_price),
            enc(&f.gas),
            enc_to(f.to),
            enc(&f.value),
            enc(&f.input[..]),
        ],
        1 => common(vec![enc(&f.gas_price)]),
        2 => common(vec![enc(&f.max_priority_fee), enc(&f.max_fee)]),
        3 => {
            let mut items = common(vec![enc(&f.max_priority_fee), enc(&f.max_fee)]);
            let hashes: Vec<Vec<u8>> = f.blob_hashes.iter().map(enc).collect();
            items.extend([enc(&f.max_fee_per_blob_gas), list(&hashes)]);
            items
        }
        4 => {
            let mut items = common(vec![enc(&f.max_priority_fee), enc(&f.max_fee)]);
            items.push(f.authorizations.clone());
            items
        }
        t => return Err(format!("transaction type {t} not supported")),
    })
}

/// The EIP-2718 bytes of `f` with signature `(v, r, s)` (`v` as the type wants it).
fn signed_bytes(f: &TxFields, chain_id: U256, v: U256, r: U256, s: U256) -> Result<Vec<u8>, String> {
    let mut items = unsigned_items(f, chain_id)?;
    items.extend([enc(&v), enc(&r), enc(&s)]);
    let body = list(&items);
    Ok(if f.tx_type == 0 { body } else { [vec![f.tx_type], body].concat() })
}

/// Signs `f` with `key`: EIP-155 for a protected legacy transaction, else Homestead's `v`.
fn sign(f: &TxFields, key: &[u8; 32], protected: bool, chain_id: U256) -> Result<Vec<u8>, String> {
    let signing_key = k256::ecdsa::SigningKey::from_slice(key).map_err(|e| format!("secretKey: {e}"))?;
    let mut items = unsigned_items(f, chain_id)?;
    let legacy_155 = f.tx_type == 0 && protected;
    if legacy_155 {
        items.extend([enc(&chain_id), vec![0x80], vec![0x80]]);
    }
    let body = list(&items);
    let preimage = if f.tx_type == 0 { body } else { [vec![f.tx_type], body].concat() };
    let hash = keccak256(&preimage);
    let (sig, recid) =
        signing_key.sign_prehash_recoverable(hash.as_slice()).map_err(|e| format!("cannot sign: {e}"))?;
    let bytes = sig.to_bytes();
    let r = U256::from_be_slice(&bytes[..32]);
    let s = U256::from_be_slice(&bytes[32..]);
    let parity = u64::from(recid.is_y_odd());
    let v = match (f.tx_type, legacy_155) {
        (0, true) => chain_id.wrapping_mul(U256::from(2)).wrapping_add(U256::from(35 + parity)),
        (0, false) => U256::from(27 + parity),
        _ => U256::from(parity),
    };
    signed_bytes(f, chain_id, v, r, s)
}

/// One JSON transaction: signed if it carries a `secretKey` and a zero signature.
fn json_tx(v: &Value, chain_id: u64, index: usize) -> Result<T8nTx, Fail> {
    let json = |m: String| Fail::json(format!("tx {index}: {m}"));
    let o = obj(v, &format!("txs[{index}]")).map_err(json)?;
    let f = fields(o).map_err(json)?;
    let key = field_b256(o, "secretKey").map_err(json)?;
    let protected = o.get("protected").and_then(Value::as_bool).unwrap_or(true);
    let tx_chain = f.chain_id.unwrap_or(U256::from(chain_id));
    let unsigned = f.v.is_zero() && f.r.is_zero() && f.s.is_zero();
    let bytes = match key {
        Some(key) if unsigned => {
            if f.tx_type != 0 && tx_chain != U256::from(chain_id) {
                return Err(json("failed to sign tx: invalid chain id for signer".to_owned()));
            }
            sign(&f, &key.0, protected, tx_chain).map_err(json)?
        }
        _ => signed_bytes(&f, tx_chain, f.v, f.r, f.s).map_err(json)?,
    };
    Ok(match Transaction::decode(&bytes) {
        Ok(tx) => T8nTx::Tx(Box::new(tx)),
        Err(e) => T8nTx::Undecodable(e.to_string()),
    })
}

/// JSON transactions (an array).
pub fn from_json(v: &Value, chain_id: u64) -> Result<Vec<T8nTx>, Fail> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(txs) => txs.iter().enumerate().map(|(i, t)| json_tx(t, chain_id, i)).collect(),
        _ => Err(Fail::json("txs: not an array".to_owned())),
    }
}

/// An RLP list of transactions as a block body holds them; an item that does not decode is
/// rejected on its own, as geth's t8n does. A list that is not a list is a bad input.
pub fn from_rlp(bytes: &[u8]) -> Result<Vec<T8nTx>, Fail> {
    let mut out = Vec::new();
    if bytes.is_empty() {
        return Ok(out);
    }
    let mut items = Rlp::list_of(bytes).map_err(|e| Fail::rlp(format!("txs: {e}")))?;
    while !items.is_empty() {
        match items.item() {
            Ok(item) => out.push(match Transaction::decode_block_item(item) {
                Ok(tx) => match (tx.tx_type(), tx.env.to) {
                    // geth's decoder has no creation form for these types: it refuses the
                    // bytes (Kestrel decodes them and refuses the transaction later).
                    (3, None) => T8nTx::Undecodable(no_to("BlobTx")),
                    (4, None) => T8nTx::Undecodable(no_to("SetCodeTx")),
                    _ => T8nTx::Tx(Box::new(tx)),
                },
                Err(e) => T8nTx::Undecodable(e.to_string()),
            }),
            Err(e) => {
                // The rest of the list cannot be split into items.
                out.push(T8nTx::Undecodable(e.to_string()));
                break;
            }
        }
    }
    Ok(out)
}

/// geth's decode error for a typed transaction without a recipient.
fn no_to(kind: &str) -> String {
    format!(
        "rlp: input string too short for common.Address, decoding into (types.Transaction)(types.{kind}).To"
    )
}

/// The RLP of a body's transaction list: legacy transactions as lists, typed ones as strings.
pub fn body_rlp<'a>(txs: impl Iterator<Item = &'a Transaction>) -> Vec<u8> {
    let items: Vec<Vec<u8>> =
        txs.map(|t| if t.tx_type() == 0 { t.encoded.to_vec() } else { enc(&t.encoded[..]) }).collect();
    list(&items)
}
