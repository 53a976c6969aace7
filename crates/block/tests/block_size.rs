//! EIP-7934: from Osaka a block whose RLP is longer than `MAX_RLP_BLOCK_SIZE` is invalid. The
//! blocks here are the tests' Prague-shaped sample (`common::block_bytes`) with one more legacy transaction
//! whose call data pads the block's RLP to an exact length.

use alloy_rlp::Header as RlpHeader;
use kestrel_block::validate::{MAX_RLP_BLOCK_SIZE, validate_header};
use kestrel_block::{Block, BlockError, rlp::Rlp};
use kestrel_primitives::SpecId;

mod common;

fn with_header(list: bool, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 9);
    RlpHeader { list, payload_length: payload.len() }.encode(&mut out);
    out.extend_from_slice(payload);
    out
}

/// The sample block with a legacy transaction carrying `data_len` bytes of call data appended.
fn padded_block(data_len: usize) -> Vec<u8> {
    let raw = common::block_bytes();
    let mut block = Rlp::list_of(&raw).unwrap();
    let header = block.item().unwrap().raw;
    let txs = block.item().unwrap();
    let ommers = block.item().unwrap().raw;
    let withdrawals = block.item().unwrap().raw;
    assert!(block.is_empty());

    // nonce, gas price, gas, to (creation), value, data, v = 27, r = 1, s = 1: it decodes, and
    // the size rule comes before anything looks at its signature.
    let mut padding = vec![0x80, 0x80, 0x80, 0x80, 0x80];
    padding.extend(with_header(false, &vec![0u8; data_len]));
    padding.extend_from_slice(&[0x1b, 0x01, 0x01]);
    let mut tx_items = txs.payload.to_vec();
    tx_items.extend(with_header(true, &padding));

    let mut payload = header.to_vec();
    payload.extend(with_header(true, &tx_items));
    payload.extend_from_slice(ommers);
    payload.extend_from_slice(withdrawals);
    with_header(true, &payload)
}

/// A block whose RLP is exactly `size` bytes long (for sizes around the limit, where every
/// length prefix keeps its width).
fn block_of_size(size: usize) -> Block {
    let guess = size - 1_000;
    let data_len = guess + (size - padded_block(guess).len());
    let raw = padded_block(data_len);
    assert_eq!(raw.len(), size);
    let block = Block::decode(&raw).unwrap();
    assert_eq!(block.rlp_length, size);
    block
}

fn size_error(spec: SpecId, block: &Block) -> Option<BlockError> {
    // The block is its own parent: every other check may fail, but the size rule comes first.
    match validate_header(spec, spec, None, block, &block.header) {
        Err(e @ BlockError::BlockTooLarge { .. }) => Some(e),
        _ => None,
    }
}

#[test]
fn a_block_over_the_limit_is_too_large_from_osaka() {
    let over = block_of_size(MAX_RLP_BLOCK_SIZE + 1);
    assert_eq!(
        size_error(SpecId::Osaka, &over),
        Some(BlockError::BlockTooLarge { size: MAX_RLP_BLOCK_SIZE + 1 })
    );
    // Before Osaka there is no such rule.
    assert_eq!(size_error(SpecId::Prague, &over), None);
}

#[test]
fn a_block_at_the_limit_is_not() {
    assert_eq!(MAX_RLP_BLOCK_SIZE, 8_388_608);
    let at = block_of_size(MAX_RLP_BLOCK_SIZE);
    assert_eq!(size_error(SpecId::Osaka, &at), None);
}
