//! BLOCKHASH, COINBASE, TIMESTAMP, NUMBER, PREVRANDAO/DIFFICULTY, GASLIMIT, CHAINID, SELFBALANCE,
//! BASEFEE, BLOBHASH, BLOBBASEFEE.

mod common;

use common::*;
use kestrel_interpreter::Status;
use kestrel_primitives::{B256, SpecId, U256, address};

fn ctx(spec: SpecId) -> Ctx {
    Ctx::new(spec).with_host(|h| {
        h.block.number = 1000;
        h.block.coinbase = address!("00000000000000000000000000000000000c0b1e");
        h.block.timestamp = 1_700_000_000;
        h.block.gas_limit = 30_000_000;
        h.block.basefee = w(7u64);
        h.block.difficulty = w(131_072u64);
        h.block.prevrandao = Some(B256::repeat_byte(0x42));
        h.chain_id = 1;
        h.balances.insert(ME, w(5555u64));
        h.tx.blob_hashes = vec![B256::repeat_byte(1), B256::repeat_byte(2)];
        for n in 0..1000u64 {
            h.block_hashes.insert(n, B256::from(U256::from(n + 0xabc)));
        }
    })
}

#[test]
fn block_words() {
    let out =
        ctx(SpecId::Cancun).run(&[COINBASE, TIMESTAMP, NUMBER, GASLIMIT, CHAINID, BASEFEE, BLOBBASEFEE]);
    out.expect(Status::Stop);
    assert_eq!(
        out.stack,
        vec![
            w(address!("00000000000000000000000000000000000c0b1e")),
            w(1_700_000_000u64),
            w(1000u64),
            w(30_000_000u64),
            w(1u64),
            w(7u64),
            w(1u64), // MockHost's blob base fee
        ]
    );
    assert_eq!(out.gas_used(), 7 * 2);
}

/// Opcode 0x44 is DIFFICULTY before the Merge and PREVRANDAO from it (EIP-4399).
#[test]
fn prevrandao_replaces_difficulty_at_paris() {
    for spec in SpecId::ALL {
        let out = ctx(spec).run(&[PREVRANDAO]);
        let expected = if spec >= SpecId::Paris { U256::from_be_bytes([0x42; 32]) } else { w(131_072u64) };
        assert_eq!(out.top(), expected, "{spec}");
    }
}

/// BLOCKHASH sees the 256 blocks before the current one; anything else is zero. Costs 20.
#[test]
fn blockhash_window() {
    let hash = |n: U256| {
        let out = ctx(SpecId::Frontier).run(&Asm::new().push(n).op(BLOCKHASH).build());
        out.expect(Status::Stop);
        assert_eq!(out.gas_used(), 3 + 20);
        out.top()
    };
    assert_eq!(hash(w(999u64)), w(999u64 + 0xabc));
    assert_eq!(hash(w(744u64)), w(744u64 + 0xabc));
    assert_eq!(hash(w(743u64)), U256::ZERO);
    assert_eq!(hash(w(1000u64)), U256::ZERO);
    assert_eq!(hash(w(1001u64)), U256::ZERO);
    assert_eq!(hash(pow2(64) + w(999u64)), U256::ZERO);
    assert_eq!(hash(U256::MAX), U256::ZERO);
}

#[test]
fn blockhash_near_genesis() {
    let out = ctx(SpecId::Frontier)
        .with_host(|h| h.block.number = 3)
        .run(&Asm::new().push(0u64).op(BLOCKHASH).push(3u64).op(BLOCKHASH).build());
    assert_eq!(out.stack, vec![w(0xabcu64), U256::ZERO]);
}

#[test]
fn selfbalance_is_the_running_accounts_balance_for_5() {
    let out = ctx(SpecId::Istanbul).run(&[SELFBALANCE]);
    out.expect(Status::Stop);
    assert_eq!(out.top(), w(5555u64));
    assert_eq!(out.gas_used(), 5);
    // SELFBALANCE ≡ ADDRESS BALANCE, for less gas.
    let out = ctx(SpecId::Istanbul).run(&[ADDRESS, BALANCE]);
    assert_eq!(out.top(), w(5555u64));
    assert_eq!(out.gas_used(), 2 + 700);
}

#[test]
fn blobhash_by_index() {
    let get = |i: U256| {
        let out = ctx(SpecId::Cancun).run(&Asm::new().push(i).op(BLOBHASH).build());
        assert_eq!(out.gas_used(), 3 + 3);
        out.top()
    };
    assert_eq!(get(w(0u64)), U256::from_be_bytes([1; 32]));
    assert_eq!(get(w(1u64)), U256::from_be_bytes([2; 32]));
    assert_eq!(get(w(2u64)), U256::ZERO);
    assert_eq!(get(pow2(64)), U256::ZERO);
    assert_eq!(get(U256::MAX), U256::ZERO);
}
