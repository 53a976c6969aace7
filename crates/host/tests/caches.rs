//! The caches an `Evm` holds are the embedder's: two `Evm`s with caches of their own run side by
//! side without sharing an analysis or a program, `Evm`s given one `Caches` share it, and a
//! cache's translator policy and shutdown are honoured.

use std::sync::Arc;

use kestrel_bytecode::program::ProgramCache;
use kestrel_bytecode::{AnalysisCache, Caches};
use kestrel_host::{Evm, ExecutionMode, TranslatorPolicy};
use kestrel_primitives::{Address, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel_state::{AccountInfo, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const CONTRACT: Address = address!("c000000000000000000000000000000000000001");

/// A loop long enough to be worth translating (over `AUTO_MIN_LEN` bytes): counts down from 10,
/// then stores 42 in slot 0; padded with JUMPDESTs.
fn code() -> Bytes {
    // 0: PUSH1 10 | 2: JUMPDEST DUP1 ISZERO PUSH1 17 JUMPI | 8: PUSH1 1 SWAP1 SUB PUSH1 2 JUMP
    // 15: JUMPDEST JUMPDEST | 17: JUMPDEST POP PUSH1 42 PUSH0 SSTORE STOP
    let mut c = vec![0x60, 10, 0x5b, 0x80, 0x15, 0x60, 17, 0x57, 0x60, 1, 0x90, 0x03, 0x60, 2, 0x56];
    c.extend([0x5b, 0x5b, 0x5b, 0x50, 0x60, 42, 0x5f, 0x55, 0x00]);
    c.resize(64, 0x5b);
    Bytes::from(c)
}

fn evm(caches: &Caches, mode: ExecutionMode) -> Evm<InMemoryDb> {
    let mut db = InMemoryDb::new();
    db.insert_account(SENDER, AccountInfo::new(U256::from(10u64.pow(18)), 0, Bytes::new()));
    db.insert_account(CONTRACT, AccountInfo::new(U256::ZERO, 1, code()));
    let mut evm = Evm::new(db, SpecId::Osaka, 1);
    evm.set_block(BlockEnv { gas_limit: 30_000_000, ..Default::default() });
    evm.set_mode(mode);
    evm.set_caches(caches.clone());
    evm
}

fn call(evm: &mut Evm<InMemoryDb>) -> U256 {
    let tx = TxEnv { caller: SENDER, gas_limit: 200_000, to: Some(CONTRACT), ..Default::default() };
    let result = evm.transact_discard(tx).expect("valid");
    assert!(result.is_success(), "{result:?}");
    U256::from(result.gas_used)
}

#[test]
fn two_evms_with_their_own_caches_run_side_by_side() {
    let (a, b) = (Caches::isolated(), Caches::isolated());
    let (mut ea, mut eb) = (evm(&a, ExecutionMode::Compiled), evm(&b, ExecutionMode::Compiled));
    // Interleaved, as two tenants of one process would run.
    let gas = call(&mut ea);
    assert_eq!(call(&mut eb), gas);
    assert_eq!(call(&mut ea), gas);
    for caches in [&a, &b] {
        assert_eq!(caches.analysis.len(), 1, "each analysed the contract once, for itself");
        assert_eq!(caches.programs.stats().translations, 1, "and translated it once");
    }
    assert!(!Arc::ptr_eq(&a.analysis, &b.analysis) && !Arc::ptr_eq(&a.programs, &b.programs));
    assert!(Arc::ptr_eq(&ea.caches().programs, &a.programs));

    // A third `Evm` given `a` shares it: nothing new is analysed or translated.
    let mut ec = evm(&a, ExecutionMode::Compiled);
    assert_eq!(call(&mut ec), gas);
    assert_eq!(a.analysis.len(), 1);
    assert_eq!(a.programs.stats().translations, 1);
    // And the interpreter agrees with the programs.
    let mut interpreted = evm(&Caches::isolated(), ExecutionMode::Interpreter);
    assert_eq!(call(&mut interpreted), gas);
}

#[test]
fn policies_and_shutdown() {
    let caches = |policy| {
        Caches::new(
            Arc::new(AnalysisCache::default()),
            Arc::new(ProgramCache::with_policy(ProgramCache::CAPACITY, ProgramCache::BYTE_CAPACITY, policy)),
        )
    };
    // In line: the second call of the contract runs its program, translated on the spot.
    let in_line = caches(TranslatorPolicy::InLine);
    let mut e = evm(&in_line, ExecutionMode::Auto);
    let gas = call(&mut e);
    assert_eq!(in_line.programs.stats().translations, 0);
    assert_eq!(call(&mut e), gas);
    assert_eq!(in_line.programs.stats().translations, 1);

    // Off: Auto never translates.
    let off = caches(TranslatorPolicy::Off);
    let mut e = evm(&off, ExecutionMode::Auto);
    for _ in 0..5 {
        assert_eq!(call(&mut e), gas);
    }
    assert_eq!(off.programs.stats().translations, 0);

    // Shut down: a background cache stops translating, and calls still run.
    let background = caches(TranslatorPolicy::Background);
    background.programs.shutdown();
    assert_eq!(background.programs.policy(), TranslatorPolicy::Off);
    let mut e = evm(&background, ExecutionMode::Auto);
    for _ in 0..5 {
        assert_eq!(call(&mut e), gas);
    }
    assert_eq!(background.programs.stats().translations, 0);
}
