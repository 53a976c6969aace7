//! SLOAD, SSTORE, TLOAD, TSTORE: SLOAD gas per fork; SSTORE gas and refunds under every metering
//! regime, checked against the test tables of EIP-1283 (Constantinople), EIP-2200 (Istanbul) and
//! EIP-3529 (London, warm slot), with the Frontier rule and the Berlin variant written out; the
//! EIP-2200 stipend sentry; transient storage (EIP-1153); static-call violations.

mod common;

use common::*;
use kestrel_interpreter::Status;
use kestrel_primitives::{SpecId, U256};

/// One row: the values stored to slot 0 in order, the slot's original value, then
/// (used gas, refund) under the legacy rule, EIP-1283, EIP-2200, Berlin (warm) and EIP-3529 (warm).
struct Row {
    original: u64,
    stores: &'static [u64],
    legacy: (u64, i64),
    eip1283: (u64, i64),
    eip2200: (u64, i64),
    berlin: (u64, i64),
    eip3529: (u64, i64),
}

#[rustfmt::skip]
const ROWS: [Row; 17] = [
    Row { original: 0, stores: &[0, 0],    legacy: (10012, 0),     eip1283: (412, 0),       eip2200: (1612, 0),      berlin: (212, 0),       eip3529: (212, 0) },
    Row { original: 0, stores: &[0, 1],    legacy: (25012, 0),     eip1283: (20212, 0),     eip2200: (20812, 0),     berlin: (20112, 0),     eip3529: (20112, 0) },
    Row { original: 0, stores: &[1, 0],    legacy: (25012, 15000), eip1283: (20212, 19800), eip2200: (20812, 19200), berlin: (20112, 19900), eip3529: (20112, 19900) },
    Row { original: 0, stores: &[1, 2],    legacy: (25012, 0),     eip1283: (20212, 0),     eip2200: (20812, 0),     berlin: (20112, 0),     eip3529: (20112, 0) },
    Row { original: 0, stores: &[1, 1],    legacy: (25012, 0),     eip1283: (20212, 0),     eip2200: (20812, 0),     berlin: (20112, 0),     eip3529: (20112, 0) },
    Row { original: 1, stores: &[0, 0],    legacy: (10012, 15000), eip1283: (5212, 15000),  eip2200: (5812, 15000),  berlin: (3012, 15000),  eip3529: (3012, 4800) },
    Row { original: 1, stores: &[0, 1],    legacy: (25012, 15000), eip1283: (5212, 4800),   eip2200: (5812, 4200),   berlin: (3012, 2800),   eip3529: (3012, 2800) },
    Row { original: 1, stores: &[0, 2],    legacy: (25012, 15000), eip1283: (5212, 0),      eip2200: (5812, 0),      berlin: (3012, 0),      eip3529: (3012, 0) },
    Row { original: 1, stores: &[2, 0],    legacy: (10012, 15000), eip1283: (5212, 15000),  eip2200: (5812, 15000),  berlin: (3012, 15000),  eip3529: (3012, 4800) },
    Row { original: 1, stores: &[2, 3],    legacy: (10012, 0),     eip1283: (5212, 0),      eip2200: (5812, 0),      berlin: (3012, 0),      eip3529: (3012, 0) },
    Row { original: 1, stores: &[2, 1],    legacy: (10012, 0),     eip1283: (5212, 4800),   eip2200: (5812, 4200),   berlin: (3012, 2800),   eip3529: (3012, 2800) },
    Row { original: 1, stores: &[2, 2],    legacy: (10012, 0),     eip1283: (5212, 0),      eip2200: (5812, 0),      berlin: (3012, 0),      eip3529: (3012, 0) },
    Row { original: 1, stores: &[1, 0],    legacy: (10012, 15000), eip1283: (5212, 15000),  eip2200: (5812, 15000),  berlin: (3012, 15000),  eip3529: (3012, 4800) },
    Row { original: 1, stores: &[1, 2],    legacy: (10012, 0),     eip1283: (5212, 0),      eip2200: (5812, 0),      berlin: (3012, 0),      eip3529: (3012, 0) },
    Row { original: 1, stores: &[1, 1],    legacy: (10012, 0),     eip1283: (412, 0),       eip2200: (1612, 0),      berlin: (212, 0),       eip3529: (212, 0) },
    Row { original: 0, stores: &[1, 0, 1], legacy: (45018, 15000), eip1283: (40218, 19800), eip2200: (40818, 19200), berlin: (40118, 19900), eip3529: (40118, 19900) },
    Row { original: 1, stores: &[0, 1, 0], legacy: (30018, 30000), eip1283: (10218, 19800), eip2200: (10818, 19200), berlin: (5918, 17800),  eip3529: (5918, 7600) },
];

fn sstores(values: &[u64]) -> Vec<u8> {
    values.iter().fold(Asm::new(), |a, &v| a.push(v).push(0u64).op(SSTORE)).build()
}

fn with_slot(spec: SpecId, original: u64, warm: bool) -> Ctx {
    Ctx::new(spec).with_host(|h| {
        if original != 0 {
            h.storage.insert((ME, U256::ZERO), w(original));
        }
        if warm {
            h.warm_slots.insert((ME, U256::ZERO));
        }
    })
}

#[test]
fn sstore_gas_and_refund_tables_in_every_fork() {
    for spec in SpecId::ALL {
        for row in &ROWS {
            let (used, refund) = match spec {
                SpecId::Constantinople => row.eip1283,
                s if s >= SpecId::London => row.eip3529,
                s if s >= SpecId::Berlin => row.berlin,
                s if s >= SpecId::Istanbul => row.eip2200,
                _ => row.legacy,
            };
            let out = with_slot(spec, row.original, true).run(&sstores(row.stores));
            out.expect(Status::Stop);
            let what = format!("{spec}: original {} stores {:?}", row.original, row.stores);
            assert_eq!(out.gas_used(), used, "{what}: gas");
            assert_eq!(out.refunded, refund, "{what}: refund");
            assert_eq!(
                out.host.storage.get(&(ME, U256::ZERO)).copied().unwrap_or_default(),
                w(*row.stores.last().unwrap())
            );
        }
    }
}

/// From Berlin a cold slot costs 2100 more, once (EIP-2929); before Berlin coldness is free.
#[test]
fn sstore_cold_slot_surcharge() {
    for spec in SpecId::ALL {
        for row in &ROWS {
            let warm = with_slot(spec, row.original, true).run(&sstores(row.stores));
            let cold = with_slot(spec, row.original, false).run(&sstores(row.stores));
            let extra = if spec >= SpecId::Berlin { 2100 } else { 0 };
            assert_eq!(cold.gas_used(), warm.gas_used() + extra, "{spec}");
            assert_eq!(cold.refunded, warm.refunded);
            assert!(cold.host.warm_slots.contains(&(ME, U256::ZERO)));
        }
    }
}

/// EIP-2200: SSTORE fails when no more than the 2300 stipend is left (Istanbul on; not under
/// Constantinople's EIP-1283).
#[test]
fn sstore_stipend_sentry() {
    let code = sstores(&[1]); // a no-op store of the original value 1
    for spec in [SpecId::Istanbul, SpecId::Berlin, SpecId::London, SpecId::Osaka] {
        let noop = if spec >= SpecId::Berlin { 100 } else { 800 };
        with_slot(spec, 1, true).gas(2306).run(&code).expect(Status::OutOfGas);
        let out = with_slot(spec, 1, true).gas(2307).run(&code);
        out.expect(Status::Stop);
        assert_eq!(out.gas_used(), 6 + noop, "{spec}");
    }
    let out = with_slot(SpecId::Constantinople, 1, true).gas(206).run(&code);
    out.expect(Status::Stop);
    assert_eq!(out.gas_left, 0);
    with_slot(SpecId::Constantinople, 1, true).gas(205).run(&code).expect(Status::OutOfGas);
    // Frontier charges 5000 for a non-zero to non-zero store.
    with_slot(SpecId::Frontier, 1, true).gas(5006).run(&code).expect(Status::Stop);
    with_slot(SpecId::Frontier, 1, true).gas(5005).run(&code).expect(Status::OutOfGas);
}

#[test]
fn sload_gas_per_fork() {
    for spec in SpecId::ALL {
        let warm_cost = match spec {
            s if s >= SpecId::Berlin => 100,
            s if s >= SpecId::Istanbul => 800,
            s if s >= SpecId::TangerineWhistle => 200,
            _ => 50,
        };
        let cold_extra = if spec >= SpecId::Berlin { 2000 } else { 0 };
        let code = Asm::new().push(0u64).op(SLOAD).push(0u64).op(SLOAD).op(STOP).build();
        let out = with_slot(spec, 9, false).run(&code);
        out.expect(Status::Stop);
        assert_eq!(out.stack, vec![w(9u64), w(9u64)]);
        let costs: Vec<u64> = out.trace.iter().filter(|s| s.op == SLOAD).map(|s| s.cost()).collect();
        assert_eq!(costs, vec![warm_cost + cold_extra, warm_cost], "{spec}");
    }
}

#[test]
fn sload_sees_earlier_sstore_and_other_slots_are_zero() {
    let code = Asm::new()
        .push(0xabu64)
        .push(5u64)
        .op(SSTORE)
        .push(5u64)
        .op(SLOAD)
        .push(6u64)
        .op(SLOAD)
        .op(STOP)
        .build();
    let out = exec(SpecId::Cancun, &code);
    assert_eq!(out.stack, vec![w(0xabu64), U256::ZERO]);
}

#[test]
fn transient_storage() {
    let code = Asm::new()
        .push(0x77u64)
        .push(3u64)
        .op(TSTORE)
        .push(3u64)
        .op(TLOAD)
        .push(4u64)
        .op(TLOAD)
        .push(3u64)
        .op(SLOAD)
        .op(STOP)
        .build();
    for spec in SpecId::ALL {
        let out = exec(spec, &code);
        if spec < SpecId::Cancun {
            out.expect(Status::InvalidOpcode);
            continue;
        }
        out.expect(Status::Stop);
        assert_eq!(out.stack, vec![w(0x77u64), U256::ZERO, U256::ZERO]);
        let costs: Vec<u64> =
            out.trace.iter().filter(|s| matches!(s.op, TSTORE | TLOAD)).map(|s| s.cost()).collect();
        assert_eq!(costs, vec![100, 100, 100]);
        assert_eq!(out.refunded, 0);
        assert_eq!(out.host.transient.get(&(ME, w(3u64))), Some(&w(0x77u64)));
        assert!(out.host.storage.is_empty());
        // Transient slots are never warmed or cold: only the SLOAD warmed slot 3.
        assert_eq!(out.host.warm_slots.len(), 1);
    }
}

#[test]
fn state_changes_are_forbidden_in_static_calls() {
    let sstore = Asm::new().push(1u64).push(0u64).op(SSTORE).build();
    let tstore = Asm::new().push(1u64).push(0u64).op(TSTORE).build();
    for spec in [SpecId::Byzantium, SpecId::Berlin, SpecId::Cancun, SpecId::Osaka] {
        let out = Ctx::new(spec).static_call().run(&sstore);
        out.expect(Status::StaticViolation);
        assert!(out.host.storage.is_empty());
    }
    let out = Ctx::new(SpecId::Cancun).static_call().run(&tstore);
    out.expect(Status::StaticViolation);
    assert!(out.host.transient.is_empty());
    // Reads are fine.
    let reads = Asm::new().push(0u64).op(SLOAD).push(0u64).op(TLOAD).op(STOP).build();
    Ctx::new(SpecId::Cancun).static_call().run(&reads).expect(Status::Stop);
}
