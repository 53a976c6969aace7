//! Allocations per transaction in steady state: a block of 1,000 mixed transactions (transfers,
//! token calls with a log and return data, an ERC-20 transfer like WETH's, contract-to-contract
//! calls, creates, reverts) runs twice on one `Evm`, and the second pass must allocate nothing
//! (issue 6, item 7), in every execution mode.
//!
//! What made that possible: outcomes borrow their output and logs from the `Evm`
//! ([`Evm::transact_ref`]; the owned `ExecutionResult` of `transact` copies them out), logs go
//! to a flat arena in the journal, deployed code is interned by hash in the analysis cache, and
//! init-code analyses are recycled by the `Evm`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use kestrel_host::{Evm, ExecutionMode};
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256, address, keccak256};
use kestrel_state::{AccountInfo, InMemoryDb};

/// Counts the allocations of the thread that enabled counting.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the allocator also runs while thread-locals are torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

// SAFETY: every call forwards to the system allocator unchanged; counting touches only
// thread-local cells, which allocate nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    COUNT.with(|c| c.get())
}

const TOKEN: Address = address!("c000000000000000000000000000000000000001");
const ROUTER: Address = address!("c000000000000000000000000000000000000002");
const REVERTER: Address = address!("c000000000000000000000000000000000000003");
const WETH: Address = address!("c000000000000000000000000000000000000004");
const TOPIC: [u8; 32] = [0xdd; 32];

/// balance[caller] += 1; LOG1(mem[0..32] = new balance, TOPIC); return the new balance.
fn token_code() -> Vec<u8> {
    let mut code = vec![0x33, 0x54, 0x60, 0x01, 0x01, 0x80, 0x33, 0x55]; // CALLER SLOAD PUSH1 1 ADD DUP1 CALLER SSTORE
    code.extend([0x60, 0x00, 0x52]); // PUSH1 0 MSTORE
    code.push(0x7f); // PUSH32 topic
    code.extend(TOPIC);
    code.extend([0x60, 0x20, 0x60, 0x00, 0xa1]); // PUSH1 32 PUSH1 0 LOG1
    code.extend([0x60, 0x20, 0x60, 0x00, 0xf3]); // PUSH1 32 PUSH1 0 RETURN
    code
}

/// Calls TOKEN with no data, returns what it returned.
fn router_code() -> Vec<u8> {
    // CALL(gas, TOKEN, 0, 0, 0, 0, 32) then RETURN(0, 32)
    let mut code = vec![0x60, 0x20, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x73];
    code.extend(TOKEN.0);
    code.extend([0x5a, 0xf1, 0x50, 0x60, 0x20, 0x60, 0x00, 0xf3]); // GAS CALL POP PUSH1 32 PUSH1 0 RETURN
    code
}

/// Reverts with 4 bytes of data.
fn reverter_code() -> Vec<u8> {
    vec![0x63, 0xde, 0xad, 0xbe, 0xef, 0x60, 0x00, 0x52, 0x60, 0x04, 0x60, 0x1c, 0xfd]
}

/// Init code deploying `0x6001600101` (PUSH1 1 PUSH1 1 ADD).
fn init_code() -> Vec<u8> {
    // PUSH5 code PUSH1 0 MSTORE PUSH1 5 PUSH1 27 RETURN
    vec![0x64, 0x60, 0x01, 0x60, 0x01, 0x01, 0x60, 0x00, 0x52, 0x60, 0x05, 0x60, 0x1b, 0xf3]
}

/// keccak256("Transfer(address,address,uint256)").
const TRANSFER: [u8; 32] = [
    0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa, 0x95,
    0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef,
];

/// `transfer(to, amount)` as WETH does it, without the dispatcher: balances in a mapping at
/// slot 0 (`keccak256(owner . 0)`), a revert when the sender holds too little, a `Transfer`
/// log with three topics and the amount as data, and `true` returned.
fn weth_code() -> Vec<u8> {
    let mut code = vec![
        0x33, 0x60, 0x00, 0x52, // CALLER PUSH1 0 MSTORE
        0x60, 0x00, 0x60, 0x20, 0x52, // PUSH1 0 PUSH1 32 MSTORE
        0x60, 0x40, 0x60, 0x00, 0x20, // PUSH1 64 PUSH1 0 KECCAK256: from's slot
        0x80, 0x54, // DUP1 SLOAD: from's balance
        0x60, 0x24, 0x35, // PUSH1 36 CALLDATALOAD: amount
        0x80, 0x82, 0x10, // DUP1 DUP3 LT: balance < amount
        0x61, 0x00, 0x00, 0x57, // PUSH2 <revert> JUMPI (patched below)
        0x80, 0x91, 0x03, // DUP1 SWAP2 SUB: balance - amount
        0x82, 0x55, 0x90, 0x50, // DUP3 SSTORE SWAP1 POP: [amount]
        0x60, 0x04, 0x35, 0x60, 0x00, 0x52, // PUSH1 4 CALLDATALOAD PUSH1 0 MSTORE
        0x60, 0x40, 0x60, 0x00, 0x20, // PUSH1 64 PUSH1 0 KECCAK256: to's slot
        0x80, 0x54, 0x82, 0x01, 0x90, 0x55, // DUP1 SLOAD DUP3 ADD SWAP1 SSTORE: [amount]
        0x60, 0x00, 0x52, // PUSH1 0 MSTORE: the log's data
        0x60, 0x04, 0x35, 0x33, // PUSH1 4 CALLDATALOAD CALLER: topics 2 and 1
        0x7f, // PUSH32 Transfer: topic 0
    ];
    code.extend(TRANSFER);
    code.extend([0x60, 0x20, 0x60, 0x00, 0xa3]); // PUSH1 32 PUSH1 0 LOG3
    code.extend([0x60, 0x01, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]); // return true
    let revert = code.len() as u8;
    code[23] = revert;
    code.extend([0x5b, 0x60, 0x00, 0x80, 0xfd]); // JUMPDEST PUSH1 0 DUP1 REVERT
    code
}

/// WETH's balance slot of `owner`.
fn weth_slot(owner: Address) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(owner.as_slice());
    U256::from_be_bytes(keccak256(preimage).0)
}

/// Call data of `transfer(to, amount)`.
fn weth_transfer(to: Address, amount: u64) -> Bytes {
    let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
    data.extend(B256::left_padding_from(to.as_slice()));
    data.extend(B256::from(U256::from(amount)));
    Bytes::from(data)
}

fn sender(i: usize) -> Address {
    let mut a = [0xa0; 20];
    a[19] = i as u8;
    Address::from(a)
}

fn world() -> InMemoryDb {
    let mut db = InMemoryDb::new();
    for i in 0..8 {
        db.insert_account(sender(i), AccountInfo::new(U256::from(10u64.pow(19)), 0, Bytes::new()));
    }
    db.insert_account(TOKEN, AccountInfo::new(U256::ZERO, 1, Bytes::from(token_code())));
    db.insert_account(ROUTER, AccountInfo::new(U256::ZERO, 1, Bytes::from(router_code())));
    db.insert_account(REVERTER, AccountInfo::new(U256::ZERO, 1, Bytes::from(reverter_code())));
    db.insert_account(WETH, AccountInfo::new(U256::ZERO, 1, Bytes::from(weth_code())));
    for i in 0..8 {
        db.insert_storage(WETH, weth_slot(sender(i)), U256::from(10u64.pow(18)));
    }
    db
}

/// 1,000 transactions over 8 senders: transfers, token calls, router calls, reverts, creates,
/// WETH transfers.
fn block() -> Vec<TxEnv> {
    block_of(&[0, 1, 2, 3, 4, 5])
}

/// 1,000 transactions over 8 senders, cycling through `kinds`: 0 transfer, 1 token call,
/// 2 router call, 3 revert, 4 create, 5 WETH transfer.
fn block_of(kinds: &[usize]) -> Vec<TxEnv> {
    let mut nonces = [0u64; 8];
    (0..1000)
        .map(|n| {
            let s = n % 8;
            let nonce = nonces[s];
            nonces[s] += 1;
            let base = TxEnv {
                caller: sender(s),
                nonce,
                gas_limit: 200_000,
                gas_price: U256::from(10u64),
                ..Default::default()
            };
            match kinds[n % kinds.len()] {
                0 => TxEnv { to: Some(sender((s + 1) % 8)), value: U256::from(1000u64), ..base },
                1 => TxEnv { to: Some(TOKEN), ..base },
                2 => TxEnv { to: Some(ROUTER), ..base },
                3 => TxEnv { to: Some(REVERTER), ..base },
                4 => TxEnv { to: None, data: Bytes::from(init_code()), ..base },
                _ => TxEnv {
                    to: Some(WETH),
                    data: weth_transfer(sender((s + 3) % 8), 1000 + n as u64),
                    ..base
                },
            }
        })
        .collect()
}

/// Runs `block` twice on one `Evm` in `mode`, the journal's cache forgotten after each pass;
/// returns the successful transactions of each pass and the allocations of the second.
fn twice(block: &[TxEnv], mode: ExecutionMode) -> (usize, usize, u64) {
    let mut evm = Evm::new(world(), SpecId::Osaka, 1);
    evm.set_mode(mode);
    evm.set_block(BlockEnv { gas_limit: 1_000_000_000, basefee: U256::from(7u64), ..Default::default() });
    let run = |evm: &mut Evm<InMemoryDb>| {
        let mut ok = 0;
        for tx in block {
            let outcome = evm.transact_ref(tx.clone()).expect("valid");
            // Read what the outcome borrows, as a node building receipts would.
            let logged: usize = outcome.logs.iter().map(|log| log.topics.len() + log.data.len()).sum();
            std::hint::black_box((outcome.output.len(), logged));
            ok += outcome.is_success() as usize;
        }
        // The changes stay in the journal's cache only; forget them so the second pass starts
        // from the same state.
        evm.journal_mut().reset();
        ok
    };
    let first = run(&mut evm);
    let mut second = 0;
    let count = allocations(|| second = run(&mut evm));
    (first, second, count)
}

const MODES: [ExecutionMode; 3] = [ExecutionMode::Interpreter, ExecutionMode::Compiled, ExecutionMode::Auto];

#[test]
fn the_second_pass_of_a_block_allocates_nothing() {
    for mode in MODES {
        let (first, second, count) = twice(&block(), mode);
        assert_eq!(first, 833, "every transaction but the reverts succeeds ({mode:?})");
        assert_eq!(second, first);
        assert_eq!(count, 0, "allocations in the second pass of 1,000 transactions ({mode:?})");
    }
}

/// Value transfers: nothing runs, nothing is returned or logged.
#[test]
fn transfers_allocate_nothing() {
    for mode in MODES {
        let (first, second, count) = twice(&block_of(&[0]), mode);
        assert_eq!((first, second), (1000, 1000));
        assert_eq!(count, 0, "{mode:?}");
    }
}

/// A WETH-like ERC-20 transfer: mapping slots, a log with three topics, a returned word.
#[test]
fn erc20_transfers_allocate_nothing() {
    for mode in MODES {
        let (first, second, count) = twice(&block_of(&[5]), mode);
        assert_eq!((first, second), (1000, 1000));
        assert_eq!(count, 0, "{mode:?}");
    }
}

/// The counter sees allocations (so the zeros above mean something), and the owned results of
/// `transact` allocate their output and logs, as they must.
#[test]
fn the_counter_counts_and_owned_results_allocate() {
    assert_eq!(allocations(|| drop(std::hint::black_box(Vec::<u8>::with_capacity(8)))), 1);
    let mut evm = Evm::new(world(), SpecId::Osaka, 1);
    evm.set_block(BlockEnv { gas_limit: 1_000_000_000, basefee: U256::from(7u64), ..Default::default() });
    let weth = block_of(&[5]);
    for tx in &weth[..8] {
        evm.transact(tx.clone()).expect("valid");
    }
    // Cloned outside: the first clone of call data made from a `Vec` allocates its refcount.
    let tx = weth[8].clone();
    // The output, the log list, and the log's topics and data.
    assert_eq!(allocations(|| drop(evm.transact(tx).expect("valid"))), 4);
}

/// The outcome borrowed from the `Evm` says what the owned result says.
#[test]
fn the_borrowed_outcome_matches_the_owned_result() {
    let block_env = BlockEnv { gas_limit: 1_000_000_000, basefee: U256::from(7u64), ..Default::default() };
    let mut owned = Evm::new(world(), SpecId::Osaka, 1);
    owned.set_block(block_env.clone());
    let mut borrowed = Evm::new(world(), SpecId::Osaka, 1);
    borrowed.set_block(block_env);
    let mut logs = 0;
    for tx in block().into_iter().take(60) {
        let result = owned.transact(tx.clone()).expect("valid");
        let outcome = borrowed.transact_ref(tx).expect("valid");
        assert_eq!(outcome.to_owned(), result);
        assert_eq!(outcome.output, &result.output[..]);
        assert!(outcome.logs.iter().eq(result.logs.iter().cloned()));
        logs += result.logs.len();
    }
    assert_eq!(logs, 30, "token, router and WETH calls log once each");
}
