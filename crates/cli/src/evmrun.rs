//! `kestrel run`: runs bytecode as the code of a receiver account, called by a sender, like
//! geth's `evm run`; prints the output, the gas used and how it ended; can trace and time it.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

use kestrel::host::inspector::{Eip3155, Eip3155Config, geth_error};
use kestrel::host::{Evm, TxError};
use kestrel::primitives::{Address, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel::state::{AccountInfo, InMemoryDb};
use serde::Deserialize;

use crate::statetest::hex::{parse_address, parse_bytes, parse_u64, parse_u256};

/// geth's default sender (`"sender"` in ASCII).
pub const DEFAULT_SENDER: Address = address!("000000000000000000000000000073656e646572");
/// geth's default receiver (`"receiver"` in ASCII).
pub const DEFAULT_RECEIVER: Address = address!("0000000000000000000000007265636569766572");

/// What to run and how.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The receiver's code.
    pub code: Bytes,
    /// Call data.
    pub input: Bytes,
    /// Value sent.
    pub value: U256,
    /// Gas for the code (the transaction's intrinsic gas is added on top, as geth's `evm run`
    /// charges none).
    pub gas: u64,
    /// Fork rules.
    pub fork: SpecId,
    /// Caller.
    pub sender: Address,
    /// The account whose code runs.
    pub receiver: Address,
    /// Accounts to start from (a t8n-style alloc); the receiver's code is `code` whatever it says.
    pub prestate: Accounts,
    /// Storage of the prestate accounts.
    pub storage: Slots,
    /// Trace to stderr.
    pub trace: Option<Eip3155Config>,
    /// Repeat this many times and report the median.
    pub bench: Option<u32>,
}

/// One account of an alloc file; every field may be left out.
#[derive(Debug, Default, Deserialize)]
struct AllocAccount {
    #[serde(default)]
    balance: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    storage: BTreeMap<String, String>,
}

/// Parses a number given on the command line: hex with `0x`, else decimal.
pub fn parse_number(s: &str) -> Result<U256, String> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(_) => parse_u256(s).map_err(|e| format!("{s:?}: {e}")),
        None => U256::from_str_radix(s, 10).map_err(|e| format!("{s:?}: {e}")),
    }
}

/// Parses hex bytes, with or without `0x` (whitespace around them ignored).
pub fn parse_hex(s: &str) -> Result<Bytes, String> {
    let s = s.trim();
    let with_prefix =
        if s.starts_with("0x") || s.starts_with("0X") { s.to_owned() } else { format!("0x{s}") };
    parse_bytes(&with_prefix).map_err(|e| format!("{e}"))
}

/// Accounts of an alloc file.
pub type Accounts = BTreeMap<Address, AccountInfo>;
/// Storage slots of an alloc file: account, key, value.
pub type Slots = Vec<(Address, U256, U256)>;

/// Reads an alloc file (geth's `alloc.json`: address → balance, nonce, code, storage).
pub fn read_alloc(text: &str) -> Result<(Accounts, Slots), String> {
    let raw: BTreeMap<String, AllocAccount> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut accounts = BTreeMap::new();
    let mut storage = Vec::new();
    for (addr, a) in raw {
        let address = parse_address(&addr).map_err(|e| format!("{addr}: {e}"))?;
        let balance = a.balance.as_deref().map(parse_number).transpose()?.unwrap_or_default();
        let nonce =
            a.nonce.as_deref().map(|n| parse_u64(n).map_err(|e| format!("{addr}.nonce: {e}"))).transpose()?;
        let code = a.code.as_deref().map(parse_hex).transpose()?.unwrap_or_default();
        for (k, v) in &a.storage {
            storage.push((address, parse_number(k)?, parse_number(v)?));
        }
        accounts.insert(address, AccountInfo::new(balance, nonce.unwrap_or(0), code));
    }
    Ok((accounts, storage))
}

/// What a run produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutcome {
    /// Returned or reverted data.
    pub output: Bytes,
    /// Gas the code used (the transaction's less its intrinsic gas, before refunds).
    pub gas_used: u64,
    /// How it ended: `""` for success, else geth's error text.
    pub error: String,
    /// With `bench`: the median time of one run, in nanoseconds.
    pub median_ns: Option<u128>,
}

/// Runs `opts`; the trace, if asked, goes to `trace`.
pub fn run_code<W: Write + Send + 'static>(opts: &RunOptions, trace: W) -> Result<RunOutcome, String> {
    let mut db = InMemoryDb::new();
    for (address, info) in &opts.prestate {
        db.insert_account(*address, info.clone());
    }
    for (address, key, value) in &opts.storage {
        db.insert_storage(*address, *key, *value);
    }
    let receiver = opts.prestate.get(&opts.receiver).cloned().unwrap_or_default();
    db.insert_account(opts.receiver, AccountInfo::new(receiver.balance, receiver.nonce, opts.code.clone()));
    let mut sender = opts.prestate.get(&opts.sender).cloned().unwrap_or_default();
    // The sender pays nothing (gas price 0) but must afford the value.
    if sender.balance < opts.value {
        sender.balance = opts.value;
    }
    db.insert_account(opts.sender, sender);
    let mut tx = TxEnv {
        caller: opts.sender,
        to: Some(opts.receiver),
        value: opts.value,
        data: opts.input.clone(),
        gas_price: U256::ZERO,
        ..Default::default()
    };
    let intrinsic = kestrel::host::intrinsic::intrinsic_gas(opts.fork, &tx).initial;
    tx.gas_limit = opts.gas.checked_add(intrinsic).ok_or("--gas too large")?;
    let mut evm = Evm::new(&mut db, opts.fork, 1);
    evm.set_block(BlockEnv { number: 1, gas_limit: tx.gas_limit.max(30_000_000), ..Default::default() });
    let median_ns = match opts.bench {
        None => None,
        Some(n) => {
            let mut times = Vec::with_capacity(n as usize);
            for _ in 0..n.max(1) {
                let start = Instant::now();
                evm.transact_discard_ref(tx.clone()).map_err(describe)?;
                times.push(start.elapsed().as_nanos());
            }
            times.sort_unstable();
            Some(times[times.len() / 2])
        }
    };
    if let Some(config) = opts.trace {
        evm.set_inspector(Some(Box::new(Eip3155::new(trace, config))));
    }
    let outcome = evm.transact_discard_ref(tx).map_err(describe)?;
    // Refunds are a transaction's settlement, not the code's cost: report them back in. (From
    // Prague a call so cheap that EIP-7623's floor decides its price reports the floor.)
    let gas_used = (outcome.gas_used + outcome.gas_refunded).saturating_sub(intrinsic);
    Ok(RunOutcome {
        output: Bytes::copy_from_slice(outcome.output),
        gas_used,
        error: geth_error(outcome.status).to_owned(),
        median_ns,
    })
}

fn describe(e: TxError) -> String {
    format!("the call could not run: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(code: &str) -> RunOptions {
        RunOptions {
            code: parse_hex(code).unwrap(),
            input: Bytes::new(),
            value: U256::ZERO,
            gas: 1_000_000,
            fork: SpecId::Osaka,
            sender: DEFAULT_SENDER,
            receiver: DEFAULT_RECEIVER,
            prestate: BTreeMap::new(),
            storage: Vec::new(),
            trace: None,
            bench: None,
        }
    }

    #[test]
    fn output_gas_and_halt() {
        // PUSH1 2, PUSH1 3, ADD, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN: 7 × 3 + 3 memory.
        let out = run_code(&opts("600260030160005260206000f3"), std::io::sink()).unwrap();
        assert_eq!(out.output.as_ref(), U256::from(5).to_be_bytes::<32>().as_slice());
        assert_eq!((out.gas_used, out.error.as_str()), (24, ""));
        // PUSH1 0 ×2, REVERT.
        let out = run_code(&opts("60006000fd"), std::io::sink()).unwrap();
        assert_eq!((out.gas_used, out.error.as_str()), (6, "execution reverted"));
        // JUMP to 0: not a JUMPDEST, all gas gone.
        let out = run_code(&opts("600056"), std::io::sink()).unwrap();
        assert_eq!((out.gas_used, out.error.as_str()), (1_000_000, "invalid jump destination"));
    }

    #[test]
    fn input_value_prestate_and_bench() {
        // CALLVALUE + the first call-data word + SLOAD(0) of the receiver, returned.
        let code = "34600035016000540160005260206000f3";
        let alloc =
            format!(r#"{{"{:#x}": {{"balance": "0x0", "storage": {{"0x00": "0x64"}}}}}}"#, DEFAULT_RECEIVER);
        let (prestate, storage) = read_alloc(&alloc).unwrap();
        let mut o = opts(code);
        o.prestate = prestate;
        o.storage = storage;
        o.value = parse_number("7").unwrap();
        o.input = U256::from(1000).to_be_bytes::<32>().to_vec().into();
        o.bench = Some(3);
        let out = run_code(&o, std::io::sink()).unwrap();
        assert_eq!(out.output.as_ref(), U256::from(1107).to_be_bytes::<32>().as_slice(), "7 + 1000 + 100");
        assert!(out.median_ns.is_some());
        assert_eq!(out.error, "");
        assert!(read_alloc("{\"0xzz\": {}}").is_err());
        assert!(parse_number("12a").is_err() && parse_number("0x1g").is_err());
    }
}
