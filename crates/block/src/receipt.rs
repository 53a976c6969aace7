//! Receipts (Yellow Paper 4.3.1, EIP-658 status, EIP-2718 typed receipts) and the logs bloom.

use alloy_rlp::Encodable;
use kestrel_primitives::{B256, Log, keccak256};
use kestrel_state::LogRef;

use crate::rlp::encode_list;

/// A 2048-bit logs bloom.
pub type Bloom = [u8; 256];

/// Adds `data` to `bloom`: three bits chosen by the first six bytes of its keccak256.
fn accrue(bloom: &mut Bloom, data: &[u8]) {
    let h = keccak256(data);
    for i in [0, 2, 4] {
        let bit = ((usize::from(h[i]) << 8) | usize::from(h[i + 1])) & 2047;
        bloom[255 - bit / 8] |= 1 << (bit % 8);
    }
}

/// The bloom of `logs`: every log's address and topics. Takes owned logs by reference (`&Log`)
/// or an outcome's borrowed ones ([`LogRef`]).
pub fn logs_bloom<'a, L: Into<LogRef<'a>>>(logs: impl IntoIterator<Item = L>) -> Bloom {
    let mut bloom = [0u8; 256];
    for log in logs {
        let log = log.into();
        accrue(&mut bloom, log.address.as_slice());
        for topic in log.topics {
            accrue(&mut bloom, topic.as_slice());
        }
    }
    bloom
}

/// ORs `other` into `bloom`.
pub fn bloom_or(bloom: &mut Bloom, other: &Bloom) {
    for (a, b) in bloom.iter_mut().zip(other) {
        *a |= b;
    }
}

/// What a receipt says about the transaction's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Before Byzantium: the state root after the transaction.
    StateRoot(B256),
    /// From Byzantium (EIP-658): success or failure.
    Status(bool),
}

/// One transaction's receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The transaction's type.
    pub tx_type: u8,
    /// Status or intermediate state root.
    pub outcome: Outcome,
    /// Gas used by the block up to and including this transaction.
    pub cumulative_gas_used: u64,
    /// The bloom of `logs`.
    pub bloom: Bloom,
    /// The transaction's logs.
    pub logs: Vec<Log>,
}

/// Appends `RLP([address, [topics…], data])`.
fn encode_log(log: &Log, out: &mut Vec<u8>) {
    let mut payload = Vec::with_capacity(64 + log.data.data.len());
    log.address.encode(&mut payload);
    let mut topics = Vec::with_capacity(33 * log.data.topics().len());
    for t in log.data.topics() {
        t.encode(&mut topics);
    }
    encode_list(&topics, &mut payload);
    log.data.data.encode(&mut payload);
    encode_list(&payload, out);
}

impl Receipt {
    /// The EIP-2718 encoding: the RLP list, prefixed by the type for typed transactions. It is
    /// the value in the receipts trie.
    pub fn encode(&self) -> Vec<u8> {
        let mut payload = Vec::with_capacity(300);
        match self.outcome {
            Outcome::StateRoot(root) => root.encode(&mut payload),
            Outcome::Status(ok) => u8::from(ok).encode(&mut payload),
        }
        self.cumulative_gas_used.encode(&mut payload);
        self.bloom.as_slice().encode(&mut payload);
        let mut logs = Vec::new();
        for log in &self.logs {
            encode_log(log, &mut logs);
        }
        encode_list(&logs, &mut payload);
        let mut out = Vec::with_capacity(payload.len() + 6);
        if self.tx_type != 0 {
            out.push(self.tx_type);
        }
        encode_list(&payload, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_primitives::{Bytes, LogData, address};

    #[test]
    fn bloom_of_nothing_is_zero_and_bits_are_set() {
        assert_eq!(logs_bloom(&[] as &[Log]), [0u8; 256]);
        let log = Log {
            address: address!("00000000000000000000000000000000000000aa"),
            data: LogData::new_unchecked(vec![B256::repeat_byte(1)], Bytes::new()),
        };
        let bloom = logs_bloom([&log]);
        let bits: u32 = bloom.iter().map(|b| b.count_ones()).sum();
        assert!((1..=6).contains(&bits), "{bits}");
    }

    #[test]
    fn status_receipt_encoding() {
        let r = Receipt {
            tx_type: 2,
            outcome: Outcome::Status(true),
            cumulative_gas_used: 21000,
            bloom: [0; 256],
            logs: vec![],
        };
        let e = r.encode();
        // 02 f9 01 08 01 82 52 08 b9 01 00 <256 zero bytes> c0: a payload of 264 bytes
        assert_eq!(&e[..8], &[0x02, 0xf9, 0x01, 0x08, 0x01, 0x82, 0x52, 0x08]);
        assert_eq!(e.len(), 1 + 3 + 1 + 3 + 3 + 256 + 1);
        assert_eq!(*e.last().unwrap(), 0xc0);
        let failed = Receipt { outcome: Outcome::Status(false), tx_type: 0, ..r };
        assert_eq!(&failed.encode()[3..4], &[0x80]);
    }
}
