//! Fork gating and per-fork static gas: every opcode introduced after Frontier is an invalid
//! opcode before its fork (in the table and when run), every other byte is undefined everywhere,
//! and the static gas table matches the EIPs fork by fork. The expectations are written out here
//! from the EIPs, not read from `opcodes.toml`.

mod common;

use common::*;
use kestrel_interpreter::{STATIC_GAS, Status, UNDEFINED_GAS, static_gas};
use kestrel_primitives::SpecId;
use kestrel_primitives::SpecId::*;

/// Opcodes introduced after Frontier and the fork that introduced them.
const INTRODUCED: [(u8, SpecId); 20] = [
    (DELEGATECALL, Homestead),     // EIP-7
    (REVERT, Byzantium),           // EIP-140
    (RETURNDATASIZE, Byzantium),   // EIP-211
    (RETURNDATACOPY, Byzantium),   // EIP-211
    (STATICCALL, Byzantium),       // EIP-214
    (SHL, Constantinople),         // EIP-145
    (SHR, Constantinople),         // EIP-145
    (SAR, Constantinople),         // EIP-145
    (CREATE2, Constantinople),     // EIP-1014
    (EXTCODEHASH, Constantinople), // EIP-1052
    (CHAINID, Istanbul),           // EIP-1344
    (SELFBALANCE, Istanbul),       // EIP-1884
    (BASEFEE, London),             // EIP-3198
    (PUSH0, Shanghai),             // EIP-3855
    (TLOAD, Cancun),               // EIP-1153
    (TSTORE, Cancun),              // EIP-1153
    (MCOPY, Cancun),               // EIP-5656
    (BLOBHASH, Cancun),            // EIP-4844
    (BLOBBASEFEE, Cancun),         // EIP-7516
    (CLZ, Osaka),                  // EIP-7939
];

/// Whether `op` is one of the Frontier opcodes (Yellow Paper, Frontier edition).
fn frontier_op(op: u8) -> bool {
    matches!(op, 0x00..=0x0b | 0x10..=0x1a | 0x20 | 0x30..=0x3c | 0x40..=0x45 | 0x50..=0x5b | 0x60..=0xa4 | 0xf0..=0xf3 | 0xfe | 0xff)
}

fn introduced_in(op: u8) -> Option<SpecId> {
    if frontier_op(op) {
        return Some(Frontier);
    }
    INTRODUCED.iter().find(|(o, _)| *o == op).map(|(_, s)| *s)
}

#[test]
fn the_table_defines_exactly_the_opcodes_of_each_fork() {
    for spec in SpecId::ALL {
        for op in 0..=255u8 {
            let defined = introduced_in(op).is_some_and(|since| spec >= since);
            assert_eq!(static_gas(spec, op).is_some(), defined, "{spec} {op:#04x} ({})", name(op));
            let raw = STATIC_GAS[spec.index()][op as usize];
            assert_eq!(raw, static_gas(spec, op).unwrap_or(UNDEFINED_GAS));
        }
    }
}

/// Running an opcode before its fork is an invalid-opcode halt, before any stack check; from its
/// fork on it does something else.
#[test]
fn new_opcodes_are_invalid_before_their_fork() {
    for (op, since) in INTRODUCED {
        for spec in SpecId::ALL {
            // Enough zero arguments for any opcode; empty stack too, to see the gating comes first.
            let with_args = Asm::new().args(&[0u64; 8]).op(op).op(STOP).build();
            let bare = [op];
            let out = exec(spec, &with_args);
            if spec >= since {
                assert_ne!(out.status, Status::InvalidOpcode, "{} in {spec}", name(op));
            } else {
                out.expect(Status::InvalidOpcode);
                exec(spec, &bare).expect(Status::InvalidOpcode);
            }
        }
    }
}

/// Static gas from each fork on, as the EIPs set it: (opcode, [(fork, gas), ...]).
fn repriced() -> Vec<(u8, Vec<(SpecId, u16)>)> {
    let calls = vec![(Frontier, 40), (TangerineWhistle, 700), (Berlin, 100)];
    vec![
        (SLOAD, vec![(Frontier, 50), (TangerineWhistle, 200), (Istanbul, 800), (Berlin, 100)]),
        (BALANCE, vec![(Frontier, 20), (TangerineWhistle, 400), (Istanbul, 700), (Berlin, 100)]),
        (EXTCODESIZE, vec![(Frontier, 20), (TangerineWhistle, 700), (Berlin, 100)]),
        (EXTCODECOPY, vec![(Frontier, 20), (TangerineWhistle, 700), (Berlin, 100)]),
        (EXTCODEHASH, vec![(Constantinople, 400), (Istanbul, 700), (Berlin, 100)]),
        (CALL, calls.clone()),
        (CALLCODE, calls),
        (DELEGATECALL, vec![(Homestead, 40), (TangerineWhistle, 700), (Berlin, 100)]),
        (STATICCALL, vec![(Byzantium, 700), (Berlin, 100)]),
        (SELFDESTRUCT, vec![(Frontier, 0), (TangerineWhistle, 5000)]),
    ]
}

fn fixed_gas(op: u8) -> Option<u16> {
    Some(match op {
        STOP | RETURN | REVERT | INVALID | SSTORE => 0,
        JUMPDEST => 1,
        ADDRESS | ORIGIN | CALLER | CALLVALUE | CALLDATASIZE | CODESIZE | GASPRICE | RETURNDATASIZE => 2,
        COINBASE | TIMESTAMP | NUMBER | PREVRANDAO | GASLIMIT | CHAINID | BASEFEE | BLOBBASEFEE => 2,
        POP | PC | MSIZE | GAS | PUSH0 => 2,
        ADD | SUB | LT | GT | SLT | SGT | EQ | ISZERO | AND | OR | XOR | NOT | BYTE | SHL | SHR | SAR => 3,
        CALLDATALOAD | CALLDATACOPY | CODECOPY | RETURNDATACOPY | MLOAD | MSTORE | MSTORE8 | MCOPY
        | BLOBHASH => 3,
        PUSH1..=PUSH32 | DUP1..=DUP16 | SWAP1..=SWAP16 => 3,
        MUL | DIV | SDIV | MOD | SMOD | SIGNEXTEND | SELFBALANCE | CLZ => 5,
        ADDMOD | MULMOD => 8,
        JUMP => 8,
        EXP | JUMPI => 10,
        BLOCKHASH => 20,
        KECCAK256 => 30,
        TLOAD | TSTORE => 100,
        LOG0..=LOG4 => 375 * (1 + (op - LOG0) as u16),
        CREATE | CREATE2 => 32000,
        _ => return None,
    })
}

#[test]
fn static_gas_per_fork() {
    let repriced = repriced();
    for spec in SpecId::ALL {
        for op in 0..=255u8 {
            let Some(actual) = static_gas(spec, op) else { continue };
            let expected = match repriced.iter().find(|(o, _)| *o == op) {
                Some((_, steps)) => {
                    steps.iter().rev().find(|(since, _)| spec >= *since).map(|(_, g)| *g).unwrap()
                }
                None => fixed_gas(op).unwrap_or_else(|| panic!("no expectation for {}", name(op))),
            };
            assert_eq!(actual, expected, "{} in {spec}", name(op));
        }
    }
}

/// What the runners charge for opcodes whose cost is only static equals the table, in every
/// fork, for both runners (the harness compares them).
#[test]
fn runners_charge_the_static_gas() {
    let pure = [
        ADD,
        MUL,
        SUB,
        DIV,
        SDIV,
        MOD,
        SMOD,
        ADDMOD,
        MULMOD,
        SIGNEXTEND,
        LT,
        GT,
        SLT,
        SGT,
        EQ,
        ISZERO,
        AND,
        OR,
        XOR,
        NOT,
        BYTE,
        SHL,
        SHR,
        SAR,
        CLZ,
        ADDRESS,
        ORIGIN,
        CALLER,
        CALLVALUE,
        CALLDATALOAD,
        CALLDATASIZE,
        CODESIZE,
        GASPRICE,
        RETURNDATASIZE,
        COINBASE,
        TIMESTAMP,
        NUMBER,
        PREVRANDAO,
        GASLIMIT,
        CHAINID,
        SELFBALANCE,
        BASEFEE,
        BLOBHASH,
        BLOBBASEFEE,
        POP,
        PC,
        MSIZE,
        GAS,
        JUMPDEST,
        PUSH0,
        PUSH1,
        DUP1,
        SWAP1,
        BLOCKHASH,
        TLOAD,
    ];
    for spec in SpecId::ALL {
        for op in pure {
            let Some(gas) = static_gas(spec, op) else { continue };
            let mut code = Asm::new().args(&[1u64; 3]).op(op).build();
            if op == PUSH1 {
                code.push(0);
            }
            let out = exec(spec, &code);
            out.expect(Status::Stop);
            let step = out.trace.iter().find(|s| s.op == op).unwrap();
            assert_eq!(step.cost(), gas as u64, "{} in {spec}", name(op));
            assert_eq!(out.gas_used(), 9 + gas as u64);
        }
    }
}
