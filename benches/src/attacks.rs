//! Adversarial workloads, generated in code: shapes of bytecode that cost an interpreter far
//! more time than their gas suggests, added to the bench set so that a fix can show it runs them
//! at least as fast as revm in Mgas/s.
//!
//! Each is a state test built as JSON in memory and read by Kestrel's own loader, so both EVMs
//! get it exactly as they get a workload file. There is no filled post-state root, so the
//! harness checks these only for agreement between the two EVMs (inclusion, success, gas used),
//! not against a fixture. Every transaction ends with `STOP` after a fixed number of loop turns;
//! the gas used (printed by the harness) is what both EVMs must agree on.
//!
//! - `attack/zero-gas-*`: a loop of `CALL(gas = 0)` into a 24 KiB contract of straight-line
//!   code. The callee has no gas, so its first instruction is an out-of-gas halt; an interpreter
//!   that charges gas only at the next check point (Kestrel's accumulate mode) executes the whole
//!   24 KiB before noticing. Three targets: `DUP3 DUP3 DUP3 MULMOD POP` after three `PUSH32`s,
//!   all `JUMPDEST`, and `DUP2 DUP2 SDIV POP` after two `PUSH32`s.
//! - `attack/call-input-2mib`: memory expanded once to 2 MiB, then a loop of `STATICCALL` with
//!   the whole 2 MiB as input to a contract that reads one word of call data. An EVM that copies
//!   the input per call moves 2 MiB per 153 gas.

use std::sync::Arc;

use kestrel_cli::bench::pick_cases;
use kestrel_cli::statetest::{Case, FileCases, load_str};

/// EIP-170's code size limit: the size of the straight-line targets.
const TARGET_SIZE: usize = 24 * 1024;

/// Loop turns of the zero-gas attacks: 143 gas a turn, about 2.9 M gas a transaction.
pub const ZERO_GAS_CALLS: u32 = 20_000;

/// Loop turns of the 2 MiB call-input loop: 153 gas a turn (11 of them in the callee) after
/// 8.6 M gas of memory expansion, about 10.1 M gas in all. Osaka caps a transaction at 2^24 gas
/// (EIP-7825); before call data became a window, Kestrel's copying took about 0.6 s at 10,000 turns.
pub const INPUT_LOOP_CALLS: u32 = 10_000;

/// Size of the call input of `attack/call-input-2mib`.
const INPUT_SIZE: u32 = 2 * 1024 * 1024;

pub(crate) const SENDER: &str = "0x1111111111111111111111111111111111111111";
const ATTACKER: &str = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TARGET: [u8; 20] = [0xbb; 20];

// Opcodes used below.
const STOP: u8 = 0x00;
const SUB: u8 = 0x03;
const SDIV: u8 = 0x05;
const MULMOD: u8 = 0x09;
const CALLDATALOAD: u8 = 0x35;
const CALLDATASIZE: u8 = 0x36;
const POP: u8 = 0x50;
const MSTORE8: u8 = 0x53;
const JUMPI: u8 = 0x57;
const GAS: u8 = 0x5a;
const JUMPDEST: u8 = 0x5b;
const PUSH0: u8 = 0x5f;
const PUSH1: u8 = 0x60;
const PUSH3: u8 = 0x62;
const PUSH20: u8 = 0x73;
const PUSH32: u8 = 0x7f;
const DUP1: u8 = 0x80;
const DUP2: u8 = 0x81;
const DUP3: u8 = 0x82;
const SWAP1: u8 = 0x90;
const CALL: u8 = 0xf1;
const STATICCALL: u8 = 0xfa;

/// The names of the generated workloads, in the order [`attack_cases`] returns them.
pub fn attack_names() -> impl Iterator<Item = &'static str> {
    NAMES.into_iter()
}

const NAMES: [&str; 4] =
    ["attack/zero-gas-mulmod", "attack/zero-gas-jumpdest", "attack/zero-gas-sdiv", "attack/call-input-2mib"];

/// Every generated workload, named `attack/...`, in a fixed order.
pub fn attack_cases() -> Result<Vec<(String, Case)>, String> {
    let mulmod = straight_line(&[[0xff; 32], [0xfe; 32], [0x7d; 32]], &[DUP3, DUP3, DUP3, MULMOD, POP]);
    let jumpdest = vec![JUMPDEST; TARGET_SIZE];
    let sdiv = straight_line(&[[0x9c; 32], [0xf3; 32]], &[DUP2, DUP2, SDIV, POP]);
    let reader = vec![CALLDATASIZE, PUSH0, CALLDATALOAD, POP, POP, STOP];
    let specs = [
        (NAMES[0], zero_gas_caller(), mulmod, "Osaka", 3_000_000),
        (NAMES[1], zero_gas_caller(), jumpdest, "Osaka", 3_000_000),
        (NAMES[2], zero_gas_caller(), sdiv, "Osaka", 3_000_000),
        (NAMES[3], input_loop_caller(), reader, "Osaka", 16_000_000),
    ];
    specs
        .into_iter()
        .map(|(name, caller, target, fork, gas)| {
            let case = load_generated(name, &state_test(name, &caller, &target, fork, gas))?;
            Ok((name.to_owned(), case))
        })
        .collect()
}

/// A 24 KiB contract: `PUSH32` of each seed, then `body` repeated, padded with `JUMPDEST`.
fn straight_line(seeds: &[[u8; 32]], body: &[u8]) -> Vec<u8> {
    let mut code = Vec::with_capacity(TARGET_SIZE);
    for seed in seeds {
        code.push(PUSH32);
        code.extend_from_slice(seed);
    }
    while code.len() + body.len() <= TARGET_SIZE {
        code.extend_from_slice(body);
    }
    code.resize(TARGET_SIZE, JUMPDEST);
    code
}

/// `counter -= 1; JUMPI(loop, counter)`, then `STOP`: the tail of both loops.
fn loop_tail(code: &mut Vec<u8>, loop_start: u8) {
    code.extend_from_slice(&[PUSH1, 1, SWAP1, SUB, DUP1, PUSH1, loop_start, JUMPI, STOP]);
}

fn push3(code: &mut Vec<u8>, value: u32) {
    let [_, a, b, c] = value.to_be_bytes();
    code.extend_from_slice(&[PUSH3, a, b, c]);
}

/// `ZERO_GAS_CALLS` times `CALL(gas = 0, TARGET, value 0, no input, no output)`.
fn zero_gas_caller() -> Vec<u8> {
    let mut code = Vec::new();
    push3(&mut code, ZERO_GAS_CALLS);
    let loop_start = code.len() as u8;
    code.push(JUMPDEST);
    // retSize, retOffset, argsSize, argsOffset, value, address, gas.
    code.extend_from_slice(&[PUSH0; 5]);
    code.push(PUSH20);
    code.extend_from_slice(&TARGET);
    code.extend_from_slice(&[PUSH0, CALL, POP]);
    loop_tail(&mut code, loop_start);
    code
}

/// Expands memory to 2 MiB once, then `INPUT_LOOP_CALLS` times
/// `STATICCALL(GAS, TARGET, input = memory[0..2 MiB], no output)`.
fn input_loop_caller() -> Vec<u8> {
    let mut code = vec![PUSH1, 1];
    push3(&mut code, INPUT_SIZE - 1);
    code.push(MSTORE8);
    push3(&mut code, INPUT_LOOP_CALLS);
    let loop_start = code.len() as u8;
    code.push(JUMPDEST);
    // retSize, retOffset, argsSize, argsOffset, address, gas.
    code.extend_from_slice(&[PUSH0, PUSH0]);
    push3(&mut code, INPUT_SIZE);
    code.extend_from_slice(&[PUSH0, PUSH20]);
    code.extend_from_slice(&TARGET);
    code.extend_from_slice(&[GAS, STATICCALL, POP]);
    loop_tail(&mut code, loop_start);
    code
}

/// `0x` and lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// One state test: `SENDER` calls `ATTACKER` (code `caller`), which calls `TARGET` (code
/// `target`). The post entry's root and logs hash are placeholders (see the module docs).
fn state_test(name: &str, caller: &[u8], target: &[u8], fork: &str, gas_limit: u64) -> String {
    let accounts = [(ATTACKER.to_owned(), caller), (hex(&TARGET), target)];
    state_test_json(name, &accounts, ATTACKER, &[], fork, gas_limit)
}

/// One state test: `SENDER` (funded, no code) sends `data` to `to`, with `accounts` (address,
/// code) in the pre-state at nonce 1 and no balance. The post entry's root and logs hash are
/// placeholders: generated tests are checked for agreement between the EVMs, not against a
/// fixture.
pub(crate) fn state_test_json(
    name: &str,
    accounts: &[(String, &[u8])],
    to: &str,
    data: &[u8],
    fork: &str,
    gas_limit: u64,
) -> String {
    let zero32 = hex(&[0; 32]);
    let data = hex(data);
    let mut pre = String::new();
    for (address, code) in accounts {
        pre.push_str(&format!(
            ",\n    \"{address}\": {{ \"balance\": \"0x0\", \"code\": \"{}\", \"nonce\": \"0x1\", \"storage\": {{}} }}",
            hex(code)
        ));
    }
    format!(
        r#"{{"{name}": {{
  "env": {{
    "currentBaseFee": "0x0", "currentCoinbase": "0x0000000000000000000000000000000000000000",
    "currentGasLimit": "0x7fffffffffffffff", "currentNumber": "0x1", "currentTimestamp": "0x1"
  }},
  "pre": {{
    "{SENDER}": {{ "balance": "0xffffffffffffffffffff", "code": "0x", "nonce": "0x0", "storage": {{}} }}{pre}
  }},
  "transaction": {{
    "data": ["{data}"], "gasLimit": ["{gas_limit:#x}"], "gasPrice": "0x0", "nonce": "0x0",
    "sender": "{SENDER}", "to": "{to}", "value": ["0x0"],
    "secretKey": "{zero32}"
  }},
  "post": {{ "{fork}": [ {{
    "expectException": null, "indexes": {{ "data": 0, "gas": 0, "value": 0 }},
    "hash": "{zero32}", "logs": "{zero32}"
  }} ] }}
}}}}"#
    )
}

/// The case of a generated state test (its newest fork's first post entry), loaded through
/// Kestrel's own loader as a workload file would be.
pub(crate) fn load_generated(name: &str, json: &str) -> Result<Case, String> {
    let FileCases::Cases(loaded) = load_str(Arc::from(name), json) else {
        return Err(format!("{name}: generated JSON is not a state test"));
    };
    let (picked, problems) = pick_cases(loaded, None);
    if let Some(p) = problems.first() {
        return Err(format!("{name}: {p}"));
    }
    picked.into_iter().next().ok_or_else(|| format!("{name}: no case"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The targets are exactly 24 KiB and the loops jump back to their `JUMPDEST`.
    #[test]
    fn shapes() {
        let t = straight_line(&[[1; 32]], &[DUP3, DUP3, DUP3, MULMOD, POP]);
        assert_eq!(t.len(), TARGET_SIZE);
        for code in [zero_gas_caller(), input_loop_caller()] {
            let jumpi = code.iter().rposition(|&b| b == JUMPI).expect("a JUMPI");
            let dest = usize::from(code[jumpi - 1]);
            assert_eq!(code[dest], JUMPDEST);
        }
    }

    /// Every generated case loads through Kestrel's loader.
    #[test]
    fn all_load() {
        let cases = attack_cases().expect("generated cases load");
        assert_eq!(cases.len(), 4);
        assert!(cases.iter().all(|(name, c)| name.starts_with("attack/") && c.tx.to.is_some()));
    }
}
