//! Malformed blocks are named errors, never panics: every truncation, every single-byte change
//! and a few hostile lengths of a Prague-shaped block (one EIP-1559 transaction, withdrawals,
//! requests hash) that the test builds itself.

mod common;

use common::block_bytes;
use kestrel_block::{Block, BlockDecodeError, rlp::RlpError};

#[test]
fn the_sample_decodes() {
    let raw = block_bytes();
    let block = Block::decode(&raw).unwrap();
    assert_eq!(block.transactions.len(), 1);
    assert!(block.withdrawals.is_some());
    assert!(block.header.requests_hash.is_some());
    assert_eq!(block.rlp_length, raw.len());
}

#[test]
fn truncations_and_trailing_bytes_are_errors() {
    let raw = block_bytes();
    for cut in 0..raw.len() {
        assert!(Block::decode(&raw[..cut]).is_err(), "cut at {cut}");
    }
    let mut long = raw.clone();
    long.push(0x80);
    assert_eq!(Block::decode(&long), Err(BlockDecodeError::Rlp(RlpError::TrailingBytes)));
}

#[test]
fn every_single_byte_change_is_handled() {
    let raw = block_bytes();
    let original = Block::decode(&raw).unwrap();
    let (mut decoded, mut refused) = (0, 0);
    for at in 0..raw.len() {
        for value in [0x00, 0x7f, 0x80, 0xb8, 0xbf, 0xc0, 0xf8, 0xff, raw[at] ^ 1] {
            if value == raw[at] {
                continue;
            }
            let mut bad = raw.clone();
            bad[at] = value;
            // Decoding may succeed (a changed value inside a field) or fail; it must return,
            // and canonical decoding never reads two encodings as one block.
            match Block::decode(&bad) {
                Ok(block) => {
                    assert_ne!(block, original, "byte {at} set to {value:#04x} changed nothing");
                    decoded += 1;
                }
                Err(_) => refused += 1,
            }
        }
    }
    assert!(decoded > 0 && refused > 0, "{decoded} decoded, {refused} refused");
}

#[test]
fn huge_declared_lengths_do_not_allocate() {
    for prefix in
        [&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..], &[0xfb, 0x7f, 0xff, 0xff, 0xff]]
    {
        assert_eq!(Block::decode(prefix), Err(BlockDecodeError::Rlp(RlpError::InputTooShort)));
    }
    // Deep nesting is refused at the first level that has the wrong shape, without recursion.
    let deep = vec![0xc1; 100_000];
    assert!(Block::decode(&deep).is_err());
}
