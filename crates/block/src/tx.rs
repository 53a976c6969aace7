//! Signed transactions from their EIP-2718 bytes: legacy (type 0), EIP-2930 (1), EIP-1559 (2),
//! EIP-4844 (3, without the network wrapper) and EIP-7702 (4), and sender recovery
//! (`recover_sender` of the execution specs: EIP-2 low `s` from Homestead, EIP-155 `v`).

use core::fmt;

use kestrel_primitives::{
    AccessListItem, Address, Authorization, B256, Bytes, SpecId, TxEnv, U256, keccak256,
};

use crate::rlp::{self, Rlp, RlpError, encode_list};

/// The secp256k1 group order n.
const SECP256K1N: U256 =
    U256::from_limbs([0xbfd25e8cd0364141, 0xbaaedce6af48a03b, 0xfffffffffffffffe, 0xffffffffffffffff]);

/// Why transaction bytes do not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxDecodeError {
    /// No bytes.
    Empty,
    /// A type byte that is not 1 to 4 (or a typed envelope holding a legacy list).
    UnknownType(u8),
    /// The RLP is malformed, non-canonical, or has the wrong shape for its type.
    Rlp(RlpError),
}

impl fmt::Display for TxDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxDecodeError::Empty => f.write_str("empty transaction"),
            TxDecodeError::UnknownType(t) => write!(f, "unknown transaction type {t:#04x}"),
            TxDecodeError::Rlp(e) => write!(f, "transaction RLP: {e}"),
        }
    }
}

impl std::error::Error for TxDecodeError {}

impl From<RlpError> for TxDecodeError {
    fn from(e: RlpError) -> Self {
        TxDecodeError::Rlp(e)
    }
}

/// Why a signature yields no sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// `r` is zero or not below the group order.
    BadR,
    /// `s` is zero, not below the group order, or (from Homestead, EIP-2) above half of it.
    BadS,
    /// A legacy `v` that is neither 27/28 nor, from Spurious Dragon, an EIP-155 `v` (35 or more).
    BadV,
    /// The transaction is signed for another chain: an EIP-155 `v` that is not `35 + 2·chain_id`
    /// or `36 + 2·chain_id` of this chain, or a typed transaction whose `chain_id` is not this
    /// chain's.
    WrongChainId,
    /// A typed transaction's y parity that is not 0 or 1.
    BadYParity,
    /// No public key recovers from the signature.
    Unrecoverable,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignatureError::BadR => "invalid signature: bad r",
            SignatureError::BadS => "invalid signature: bad s",
            SignatureError::BadV => "invalid signature: bad v",
            SignatureError::WrongChainId => "invalid signature: signed for another chain id",
            SignatureError::BadYParity => "invalid signature: bad y parity",
            SignatureError::Unrecoverable => "invalid signature: no key recovers",
        })
    }
}

impl std::error::Error for SignatureError {}

/// A decoded, signed transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// Everything the `Evm` needs except the sender (`caller` is zero until recovered).
    pub env: TxEnv,
    /// Legacy `v`, or the y parity of a typed transaction.
    pub v: U256,
    /// Signature `r`.
    pub r: U256,
    /// Signature `s`.
    pub s: U256,
    /// The hash that was signed.
    pub signing_hash: B256,
    /// For a legacy transaction with an EIP-155 `v`, the chain id it encodes (`None` when it
    /// does not fit 64 bits).
    pub legacy_chain_id: Option<u64>,
    /// The EIP-2718 encoding: the RLP list for a legacy transaction, `type || rlp` otherwise.
    /// Its keccak256 is the transaction hash; it is the value in the transactions trie.
    pub encoded: Bytes,
}

/// A `U256` field read as a `u64`, saturating: a gas limit or nonce of 2^64 or more is as
/// invalid as 2^64 − 1 (the spec's gas and nonce checks reject both).
fn saturating_u64(v: U256) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

impl Transaction {
    /// The transaction hash.
    pub fn hash(&self) -> B256 {
        keccak256(&self.encoded)
    }

    /// The transaction type.
    pub fn tx_type(&self) -> u8 {
        self.env.tx_type
    }

    /// Decodes one transaction as it appears in a block body: an RLP list (legacy) or an RLP
    /// string holding a typed envelope. `item` is the item's whole encoding.
    pub fn decode_block_item(item: rlp::Item<'_>) -> Result<Self, TxDecodeError> {
        if item.is_list { Self::decode_legacy(item.raw) } else { Self::decode_typed(item.payload) }
    }

    /// Decodes EIP-2718 bytes (a `txbytes` field, `eth_sendRawTransaction`): a legacy RLP list
    /// or `type || rlp`. Nothing may follow the transaction.
    pub fn decode(bytes: &[u8]) -> Result<Self, TxDecodeError> {
        match bytes.first() {
            None => Err(TxDecodeError::Empty),
            Some(&b) if b >= 0xc0 => Self::decode_legacy(bytes),
            Some(_) => Self::decode_typed(bytes),
        }
    }

    fn decode_legacy(raw: &[u8]) -> Result<Self, TxDecodeError> {
        let mut r = Rlp::list_of(raw)?;
        let start = r.rest();
        let nonce = r.u256()?;
        let gas_price = r.u256()?;
        let gas = r.u256()?;
        let to = r.to()?;
        let value = r.u256()?;
        let data = Bytes::copy_from_slice(r.bytes()?);
        let unsigned = &start[..start.len() - r.rest().len()];
        let v = r.u256()?;
        let sig_r = r.u256()?;
        let s = r.u256()?;
        r.finish()?;
        // EIP-155: v = 35 + 2·chain_id + parity signs (fields, chain_id, 0, 0).
        let legacy_chain_id =
            if v >= U256::from(35) { u64::try_from((v - U256::from(35)) >> 1).ok() } else { None };
        let mut payload = unsigned.to_vec();
        if let Some(chain_id) = legacy_chain_id {
            alloy_rlp::Encodable::encode(&chain_id, &mut payload);
            payload.extend_from_slice(&[0x80, 0x80]);
        }
        let mut signed = Vec::with_capacity(payload.len() + 9);
        encode_list(&payload, &mut signed);
        let env = TxEnv {
            tx_type: 0,
            gas_limit: saturating_u64(gas),
            gas_price,
            to,
            value,
            data,
            nonce: saturating_u64(nonce),
            chain_id: legacy_chain_id,
            ..Default::default()
        };
        Ok(Self {
            env,
            v,
            r: sig_r,
            s,
            signing_hash: keccak256(&signed),
            legacy_chain_id,
            encoded: Bytes::copy_from_slice(raw),
        })
    }

    fn decode_typed(bytes: &[u8]) -> Result<Self, TxDecodeError> {
        let (&tx_type, body) = bytes.split_first().ok_or(TxDecodeError::Empty)?;
        if !(1..=4).contains(&tx_type) {
            return Err(TxDecodeError::UnknownType(tx_type));
        }
        let mut r = Rlp::list_of(body)?;
        let start = r.rest();
        let chain_id = r.u64()?;
        let nonce = r.u256()?;
        let (gas_priority_fee, gas_price) = if tx_type == 1 {
            (None, r.u256()?)
        } else {
            let priority = r.u256()?;
            (Some(priority), r.u256()?)
        };
        let gas = r.u256()?;
        let to = r.to()?;
        let value = r.u256()?;
        let data = Bytes::copy_from_slice(r.bytes()?);
        let access_list = decode_access_list(r.list()?)?;
        let mut env = TxEnv {
            tx_type,
            gas_limit: saturating_u64(gas),
            gas_price,
            gas_priority_fee,
            to,
            value,
            data,
            nonce: saturating_u64(nonce),
            chain_id: Some(chain_id),
            access_list,
            ..Default::default()
        };
        if tx_type == 3 {
            env.max_fee_per_blob_gas = Some(r.u256()?);
            let mut hashes = r.list()?;
            while !hashes.is_empty() {
                env.blob_hashes.push(hashes.b256()?);
            }
        }
        if tx_type == 4 {
            let mut list = r.list()?;
            while !list.is_empty() {
                env.authorization_list.push(decode_authorization(list.list()?)?);
            }
        }
        let unsigned = &start[..start.len() - r.rest().len()];
        let v = r.u256()?;
        let sig_r = r.u256()?;
        let s = r.u256()?;
        r.finish()?;
        let mut signed = vec![tx_type];
        encode_list(unsigned, &mut signed);
        Ok(Self {
            env,
            v,
            r: sig_r,
            s,
            signing_hash: keccak256(&signed),
            legacy_chain_id: None,
            encoded: Bytes::copy_from_slice(bytes),
        })
    }

    /// The sender, by the rules of `spec` on chain `chain_id` (the spec's `recover_sender`).
    pub fn recover_sender(&self, spec: SpecId, chain_id: u64) -> Result<Address, SignatureError> {
        if self.r.is_zero() || self.r >= SECP256K1N {
            return Err(SignatureError::BadR);
        }
        let s_max =
            if spec.is_enabled_in(SpecId::Homestead) { SECP256K1N >> 1 } else { SECP256K1N - U256::from(1) };
        if self.s.is_zero() || self.s > s_max {
            return Err(SignatureError::BadS);
        }
        let y_odd = if self.env.tx_type == 0 {
            if self.v == U256::from(27) || self.v == U256::from(28) {
                self.v == U256::from(28)
            } else {
                let eip155 = spec.is_enabled_in(SpecId::SpuriousDragon);
                if !eip155 || self.v < U256::from(35) {
                    return Err(SignatureError::BadV);
                }
                let base = U256::from(35) + U256::from(chain_id) * U256::from(2);
                if self.v != base && self.v != base + U256::from(1) {
                    return Err(SignatureError::WrongChainId);
                }
                self.v != base
            }
        } else if self.v <= U256::from(1) {
            // A typed transaction signs over its chain id; one for another chain is refused as
            // an EIP-155 legacy one is (EIP-2930: the chain id is replay protection). The
            // execution-spec tests expect `INVALID_CHAINID` here for every type.
            if self.env.chain_id != Some(chain_id) {
                return Err(SignatureError::WrongChainId);
            }
            self.v == U256::from(1)
        } else {
            return Err(SignatureError::BadYParity);
        };
        kestrel_precompiles::recover_signer(
            &self.signing_hash.0,
            &self.r.to_be_bytes::<32>(),
            &self.s.to_be_bytes::<32>(),
            y_odd,
        )
        .map(Address::from)
        .ok_or(SignatureError::Unrecoverable)
    }
}

fn decode_access_list(mut list: Rlp<'_>) -> Result<Vec<AccessListItem>, RlpError> {
    let mut out = Vec::new();
    while !list.is_empty() {
        let mut entry = list.list()?;
        let address = entry.address()?;
        let mut keys = entry.list()?;
        entry.finish()?;
        let mut storage_keys = Vec::new();
        while !keys.is_empty() {
            storage_keys.push(keys.b256()?);
        }
        out.push(AccessListItem { address, storage_keys });
    }
    Ok(out)
}

fn decode_authorization(mut a: Rlp<'_>) -> Result<Authorization, RlpError> {
    let chain_id = a.u256()?;
    let address = a.address()?;
    let nonce = a.u64()?;
    let y_parity = a.u256()?;
    // The spec's authorization holds y parity as a U8.
    if y_parity > U256::from(u8::MAX) {
        return Err(RlpError::Overflow);
    }
    let r = a.u256()?;
    let s = a.u256()?;
    a.finish()?;
    Ok(Authorization { chain_id, address, nonce, y_parity, r, s, authority: None })
}

#[cfg(test)]
#[path = "tx_tests.rs"]
mod tests;
