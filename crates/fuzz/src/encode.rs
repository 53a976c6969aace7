//! RLP encoders for what `kestrel-block` decodes (it has none of its own: a node only decodes
//! these), written from the specs on `alloy-rlp`'s primitives. The `rlp_decode` target
//! re-encodes what decoded and requires the input back; the seed generator builds its
//! transactions, headers and blocks with them.

use alloy_rlp::{Encodable, Header as RlpHeader};
use kestrel_block::{Block, Header, Transaction, Withdrawal};
use kestrel_primitives::{Address, TxEnv, U256};

/// Appends a list header for `payload`, then `payload`.
pub fn list(payload: &[u8], out: &mut Vec<u8>) {
    RlpHeader { list: true, payload_length: payload.len() }.encode(out);
    out.extend_from_slice(payload);
}

/// `payload` wrapped as a list.
pub fn listed(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 9);
    list(payload, &mut out);
    out
}

/// A call target: the empty string for a creation.
fn to(to: &Option<Address>, out: &mut Vec<u8>) {
    match to {
        Some(a) => a.encode(out),
        None => out.push(alloy_rlp::EMPTY_STRING_CODE),
    }
}

/// The unsigned fields of `env` as its type lists them (a legacy transaction's first six),
/// without the list header.
pub fn unsigned_fields(env: &TxEnv) -> Vec<u8> {
    let mut p = Vec::new();
    if env.tx_type == 0 {
        env.nonce.encode(&mut p);
        env.gas_price.encode(&mut p);
        env.gas_limit.encode(&mut p);
        to(&env.to, &mut p);
        env.value.encode(&mut p);
        env.data.encode(&mut p);
        return p;
    }
    env.chain_id.unwrap_or_default().encode(&mut p);
    env.nonce.encode(&mut p);
    if env.tx_type == 1 {
        env.gas_price.encode(&mut p);
    } else {
        env.gas_priority_fee.unwrap_or_default().encode(&mut p);
        env.gas_price.encode(&mut p);
    }
    env.gas_limit.encode(&mut p);
    to(&env.to, &mut p);
    env.value.encode(&mut p);
    env.data.encode(&mut p);
    let mut access = Vec::new();
    for item in &env.access_list {
        let mut entry = Vec::new();
        item.address.encode(&mut entry);
        let mut keys = Vec::new();
        for k in &item.storage_keys {
            k.encode(&mut keys);
        }
        list(&keys, &mut entry);
        list(&entry, &mut access);
    }
    list(&access, &mut p);
    if env.tx_type == 3 {
        env.max_fee_per_blob_gas.unwrap_or_default().encode(&mut p);
        let mut hashes = Vec::new();
        for h in &env.blob_hashes {
            h.encode(&mut hashes);
        }
        list(&hashes, &mut p);
    }
    if env.tx_type == 4 {
        let mut auths = Vec::new();
        for a in &env.authorization_list {
            let mut t = Vec::new();
            a.chain_id.encode(&mut t);
            a.address.encode(&mut t);
            a.nonce.encode(&mut t);
            a.y_parity.encode(&mut t);
            a.r.encode(&mut t);
            a.s.encode(&mut t);
            list(&t, &mut auths);
        }
        list(&auths, &mut p);
    }
    p
}

/// The bytes a transaction's signature signs: `rlp(fields)` for a pre-EIP-155 legacy
/// transaction, `rlp(fields ‖ chain_id, 0, 0)` for an EIP-155 one, `type ‖ rlp(fields)` for a
/// typed one.
pub fn signing_bytes(env: &TxEnv, legacy_chain_id: Option<u64>) -> Vec<u8> {
    let mut fields = unsigned_fields(env);
    if env.tx_type == 0 {
        if let Some(chain_id) = legacy_chain_id {
            chain_id.encode(&mut fields);
            fields.extend_from_slice(&[alloy_rlp::EMPTY_STRING_CODE; 2]);
        }
        return listed(&fields);
    }
    let mut out = vec![env.tx_type];
    list(&fields, &mut out);
    out
}

/// The EIP-2718 encoding of a signed transaction with these fields and signature.
pub fn signed(env: &TxEnv, v: U256, r: U256, s: U256) -> Vec<u8> {
    let mut fields = unsigned_fields(env);
    v.encode(&mut fields);
    r.encode(&mut fields);
    s.encode(&mut fields);
    let mut out = Vec::with_capacity(fields.len() + 10);
    if env.tx_type != 0 {
        out.push(env.tx_type);
    }
    list(&fields, &mut out);
    out
}

/// The EIP-2718 encoding of a decoded transaction, from its fields.
pub fn transaction(tx: &Transaction) -> Vec<u8> {
    signed(&tx.env, tx.v, tx.r, tx.s)
}

/// A header's RLP, from its fields (the optional ones in fork order, while present).
pub fn header(h: &Header) -> Vec<u8> {
    let mut p = Vec::with_capacity(600);
    h.parent_hash.encode(&mut p);
    h.ommers_hash.encode(&mut p);
    h.coinbase.encode(&mut p);
    h.state_root.encode(&mut p);
    h.transactions_root.encode(&mut p);
    h.receipts_root.encode(&mut p);
    h.logs_bloom.encode(&mut p);
    h.difficulty.encode(&mut p);
    h.number.encode(&mut p);
    h.gas_limit.encode(&mut p);
    h.gas_used.encode(&mut p);
    h.timestamp.encode(&mut p);
    h.extra_data.encode(&mut p);
    h.mix_hash.encode(&mut p);
    h.nonce.encode(&mut p);
    if let Some(v) = h.base_fee_per_gas {
        v.encode(&mut p);
    }
    if let Some(v) = h.withdrawals_root {
        v.encode(&mut p);
    }
    if let (Some(used), Some(excess), Some(root)) =
        (h.blob_gas_used, h.excess_blob_gas, h.parent_beacon_block_root)
    {
        used.encode(&mut p);
        excess.encode(&mut p);
        root.encode(&mut p);
    }
    if let Some(v) = h.requests_hash {
        v.encode(&mut p);
    }
    listed(&p)
}

/// A block's RLP: header, transactions (a legacy one as its list, a typed one as a string
/// holding its EIP-2718 bytes), ommers and, when present, withdrawals.
pub fn block(b: &Block) -> Vec<u8> {
    let mut p = header(&b.header);
    let mut txs = Vec::new();
    for tx in &b.transactions {
        let bytes = transaction(tx);
        if tx.tx_type() == 0 {
            txs.extend_from_slice(&bytes);
        } else {
            bytes.as_slice().encode(&mut txs);
        }
    }
    list(&txs, &mut p);
    p.extend_from_slice(&ommers(&b.ommers));
    if let Some(withdrawals) = &b.withdrawals {
        let mut ws = Vec::new();
        for w in withdrawals {
            ws.extend_from_slice(&withdrawal(w));
        }
        list(&ws, &mut p);
    }
    listed(&p)
}

/// The RLP list of ommer headers (its keccak256 is a header's `ommers_hash`).
pub fn ommers(ommers: &[Header]) -> Vec<u8> {
    let p: Vec<u8> = ommers.iter().flat_map(header).collect();
    listed(&p)
}

/// A withdrawal's RLP: `[index, validator_index, address, amount]`.
pub fn withdrawal(w: &Withdrawal) -> Vec<u8> {
    let mut p = Vec::with_capacity(48);
    w.index.encode(&mut p);
    w.validator_index.encode(&mut p);
    w.address.encode(&mut p);
    w.amount.encode(&mut p);
    listed(&p)
}
