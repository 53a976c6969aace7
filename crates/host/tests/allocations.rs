//! Allocations per transaction in steady state: a block of 1,000 mixed transactions (transfers,
//! token calls with a log and return data, contract-to-contract calls, creates, reverts) runs
//! twice on one `Evm`, and the second pass is counted.
//!
//! The goal is zero (issue 6, item 7). Not there yet: outcomes borrow their output and logs
//! from the `Evm` ([`Evm::transact_ref`]; logs in a flat arena of the journal), and what is left
//! is a creation's: the deployed code (`Bytes`) and the analysis of its init code (a fresh
//! `Bytecode`: padded code, run table, JUMPDEST bitmap, its `Arc`). Zero needs deployed code
//! interned by hash and init-code analyses recycled. Until then [`BUDGET`] is a ratchet: lower
//! it whenever a change lowers the count, never raise it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use kestrel_host::Evm;
use kestrel_primitives::{Address, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
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
    db
}

/// 1,000 transactions over 8 senders: transfers, token calls, router calls, reverts, creates.
fn block() -> Vec<TxEnv> {
    block_of(&[0, 1, 2, 3, 4])
}

/// 1,000 transactions over 8 senders, cycling through `kinds`: 0 transfer, 1 token call,
/// 2 router call, 3 revert, 4 create.
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
                _ => TxEnv { to: None, data: Bytes::from(init_code()), ..base },
            }
        })
        .collect()
}

/// Allocations the second pass may make (measured: 1,200, six for each of the 200 creations).
const BUDGET: u64 = 1_200;

/// Runs `block` twice on one `Evm`, the journal's cache forgotten after each pass; returns the
/// successful transactions of each pass and the allocations of the second.
fn twice(block: &[TxEnv]) -> (usize, usize, u64) {
    let mut evm = Evm::new(world(), SpecId::Osaka, 1);
    evm.set_block(BlockEnv { gas_limit: 1_000_000_000, basefee: U256::from(7u64), ..Default::default() });
    let run = |evm: &mut Evm<InMemoryDb>| {
        let mut ok = 0;
        for tx in block {
            let outcome = evm.transact_ref(tx.clone()).expect("valid");
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

#[test]
fn the_second_pass_of_a_block_allocates_no_more_than_the_budget() {
    let (first, second, count) = twice(&block());
    assert_eq!(first, 800, "every transaction but the reverts succeeds");
    assert_eq!(second, first);
    assert!(count <= BUDGET, "{count} allocations in the second pass of 1,000 transactions, budget {BUDGET}");
}

/// Execution itself allocates nothing: value transfers and calls that return nothing and log
/// nothing make no allocation in steady state.
#[test]
fn transfers_allocate_nothing() {
    let (first, second, count) = twice(&block_of(&[0]));
    assert_eq!((first, second), (1000, 1000));
    assert_eq!(count, 0);
}
