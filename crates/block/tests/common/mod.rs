//! A Prague-shaped sample block the tests build themselves (no fixture data in the repository).

use alloy_rlp::Encodable;
use kestrel_block::Withdrawal;
use kestrel_primitives::{Address, B256, Bytes, U256};

/// RLP of a signed EIP-1559 transaction (type 2) with made-up but well-formed fields; decoding
/// does not check the signature.
fn eip1559_tx() -> Vec<u8> {
    let mut payload = Vec::new();
    1u64.encode(&mut payload); // chain id
    0u64.encode(&mut payload); // nonce
    1_000_000_000u64.encode(&mut payload); // max priority fee
    2_000_000_000u64.encode(&mut payload); // max fee
    21_000u64.encode(&mut payload); // gas limit
    Address::repeat_byte(0x11).encode(&mut payload);
    U256::from(1_000u64).encode(&mut payload);
    Bytes::from_static(&[0xde, 0xad]).encode(&mut payload);
    kestrel_block::rlp::encode_list(&[], &mut payload); // access list
    1u64.encode(&mut payload); // y parity
    U256::from(0x1234_5678u64).encode(&mut payload);
    U256::from(0x0abc_def0u64).encode(&mut payload);
    let mut tx = vec![0x02];
    kestrel_block::rlp::encode_list(&payload, &mut tx);
    tx
}

pub(crate) fn block_bytes() -> Vec<u8> {
    // The header's fields in order, Prague-shaped (through the requests hash).
    let mut header = Vec::new();
    B256::repeat_byte(1).encode(&mut header); // parent hash
    B256::repeat_byte(2).encode(&mut header); // ommers hash
    Address::repeat_byte(3).encode(&mut header); // coinbase
    for root in 4..=6u8 {
        B256::repeat_byte(root).encode(&mut header); // state, transactions, receipts roots
    }
    Bytes::from(vec![0u8; 256]).encode(&mut header); // logs bloom
    U256::ZERO.encode(&mut header); // difficulty
    for value in [1u64, 30_000_000, 21_000, 12] {
        value.encode(&mut header); // number, gas limit, gas used, timestamp
    }
    Bytes::new().encode(&mut header); // extra data
    B256::repeat_byte(7).encode(&mut header); // mix hash
    Bytes::from(vec![0u8; 8]).encode(&mut header); // nonce
    7u64.encode(&mut header); // base fee
    B256::repeat_byte(8).encode(&mut header); // withdrawals root
    0u64.encode(&mut header); // blob gas used
    0u64.encode(&mut header); // excess blob gas
    B256::repeat_byte(9).encode(&mut header); // parent beacon block root
    B256::repeat_byte(10).encode(&mut header); // requests hash
    let mut payload = Vec::new();
    kestrel_block::rlp::encode_list(&header, &mut payload);
    // A typed transaction sits in the block's list as an RLP string of its bytes.
    let mut txs = Vec::new();
    Bytes::from(eip1559_tx()).encode(&mut txs);
    kestrel_block::rlp::encode_list(&txs, &mut payload);
    kestrel_block::rlp::encode_list(&[], &mut payload); // ommers
    let withdrawal =
        Withdrawal { index: 0, validator_index: 5, address: Address::repeat_byte(0x22), amount: 32 };
    kestrel_block::rlp::encode_list(&withdrawal.rlp(), &mut payload);
    let mut block = Vec::new();
    kestrel_block::rlp::encode_list(&payload, &mut block);
    block
}
