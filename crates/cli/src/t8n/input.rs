//! Reading t8n's inputs: numbers as geth's `HexOrDecimal` (hex with or without leading zeros,
//! or decimal), the environment, the alloc.

use std::collections::BTreeMap;

use kestrel::primitives::{Address, B256, Bytes, U256};
use kestrel::state::AccountInfo;
use serde_json::{Map, Value};

use crate::statetest::hex::{parse_address, parse_bytes, parse_word};

/// A failure with geth's t8n exit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fail {
    /// The process exit code (geth's `ErrorEVM` 2, `ErrorConfig` 3, `ErrorMissingBlockhash` 4,
    /// `ErrorJson` 10, `ErrorIO` 11, `ErrorRlp` 12).
    pub code: u8,
    /// What went wrong.
    pub message: String,
}

impl Fail {
    /// Exit code 2: execution failed.
    pub fn evm(message: String) -> Self {
        Fail { code: 2, message }
    }
    /// Exit code 3: bad fork or configuration.
    pub fn config(message: String) -> Self {
        Fail { code: 3, message }
    }
    /// Exit code 4: BLOCKHASH of a block the environment does not list.
    pub fn missing_hash(message: String) -> Self {
        Fail { code: 4, message }
    }
    /// Exit code 10: bad JSON.
    pub fn json(message: String) -> Self {
        Fail { code: 10, message }
    }
    /// Exit code 11: I/O.
    pub fn io(message: String) -> Self {
        Fail { code: 11, message }
    }
    /// Exit code 12: bad RLP.
    pub fn rlp(message: String) -> Self {
        Fail { code: 12, message }
    }
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ERROR({}): {}", self.code, self.message)
    }
}

/// The JSON object `v`, or an error naming `what`.
pub fn obj<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object().ok_or_else(|| format!("{what}: not an object"))
}

/// A number as geth's `HexOrDecimal256`: `0x` hex (any number of digits, leading zeros
/// allowed) or decimal; a JSON number too.
pub fn number(v: &Value) -> Result<U256, String> {
    match v {
        Value::Number(n) => {
            n.as_u64().map(U256::from).ok_or_else(|| format!("{n}: not a non-negative integer"))
        }
        Value::String(s) => parse_number_text(s),
        other => Err(format!("{other}: not a number")),
    }
}

/// `0x…` hex or decimal text.
pub fn parse_number_text(s: &str) -> Result<U256, String> {
    let t = s.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some("") => Ok(U256::ZERO),
        Some(digits) => U256::from_str_radix(digits, 16).map_err(|e| format!("{s:?}: {e}")),
        None if t.is_empty() => Err("empty number".to_owned()),
        None => U256::from_str_radix(t, 10).map_err(|e| format!("{s:?}: {e}")),
    }
}

fn to_u64(n: U256, key: &str) -> Result<u64, String> {
    u64::try_from(n).map_err(|_| format!("{key}: {n} does not fit 64 bits"))
}

/// Field `key` of `m` as a 256-bit number, `None` when absent or null.
pub fn field_u256(m: &Map<String, Value>, key: &str) -> Result<Option<U256>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => number(v).map(Some).map_err(|e| format!("{key}: {e}")),
    }
}

/// Field `key` of `m` as a 64-bit number.
pub fn field_u64(m: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    field_u256(m, key)?.map(|n| to_u64(n, key)).transpose()
}

fn field_str<'a>(m: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{key}: {other} is not a string")),
    }
}

/// Field `key` as an address (with or without `0x`).
pub fn field_address(m: &Map<String, Value>, key: &str) -> Result<Option<Address>, String> {
    field_str(m, key)?.map(|s| address(s).map_err(|e| format!("{key}: {e}"))).transpose()
}

/// An address, with or without `0x`.
pub fn address(s: &str) -> Result<Address, String> {
    let t = s.trim();
    let with = if t.starts_with("0x") || t.starts_with("0X") { t.to_owned() } else { format!("0x{t}") };
    parse_address(&with).map_err(|e| format!("{s}: {e}"))
}

/// Field `key` as a 32-byte word (shorter hex is left-padded, as geth's `common.Hash`).
pub fn field_b256(m: &Map<String, Value>, key: &str) -> Result<Option<B256>, String> {
    field_str(m, key)?.map(|s| parse_word(s).map_err(|e| format!("{key}: {e}"))).transpose()
}

/// Field `key` as bytes (`0x` hex).
pub fn field_bytes(m: &Map<String, Value>, key: &str) -> Result<Option<Bytes>, String> {
    field_str(m, key)?
        .map(|s| {
            let with =
                if s.starts_with("0x") || s.starts_with("0X") { s.to_owned() } else { format!("0x{s}") };
            parse_bytes(&with).map_err(|e| format!("{key}: {e}"))
        })
        .transpose()
}

/// geth's `env.json` (stEnv), numbers parsed; what is absent stays `None`.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// `currentCoinbase`.
    pub coinbase: Address,
    /// `currentDifficulty`.
    pub difficulty: Option<U256>,
    /// `currentRandom`.
    pub random: Option<B256>,
    /// `parentDifficulty`.
    pub parent_difficulty: Option<U256>,
    /// `parentBaseFee`.
    pub parent_base_fee: Option<U256>,
    /// `parentGasUsed`.
    pub parent_gas_used: u64,
    /// `parentGasLimit`.
    pub parent_gas_limit: u64,
    /// `currentGasLimit`.
    pub gas_limit: u64,
    /// `currentNumber`.
    pub number: u64,
    /// `currentTimestamp`.
    pub timestamp: u64,
    /// `parentTimestamp`.
    pub parent_timestamp: u64,
    /// `blockHashes`: number → hash; `None` when absent.
    pub block_hashes: Option<BTreeMap<u64, B256>>,
    /// `ommers`: (delta, address).
    pub ommers: Vec<(u64, Address)>,
    /// `withdrawals`.
    pub withdrawals: Option<Vec<kestrel::block::Withdrawal>>,
    /// `currentBaseFee`.
    pub base_fee: Option<U256>,
    /// `parentUncleHash`.
    pub parent_uncle_hash: B256,
    /// `currentExcessBlobGas`.
    pub excess_blob_gas: Option<u64>,
    /// `parentExcessBlobGas`.
    pub parent_excess_blob_gas: Option<u64>,
    /// `parentBlobGasUsed`.
    pub parent_blob_gas_used: Option<u64>,
    /// `parentBeaconBlockRoot`.
    pub parent_beacon_block_root: Option<B256>,
}

/// Parses `env.json`; the required fields are geth's.
pub fn parse_env(v: &Value) -> Result<Env, String> {
    let m = obj(v, "env")?;
    let required =
        |key: &str| field_u64(m, key)?.ok_or_else(|| format!("missing required field '{key}' for stEnv"));
    let coinbase =
        field_address(m, "currentCoinbase")?.ok_or("missing required field 'currentCoinbase' for stEnv")?;
    let block_hashes = match m.get("blockHashes") {
        None | Some(Value::Null) => None,
        Some(Value::Object(h)) => {
            let mut out = BTreeMap::new();
            for (k, v) in h {
                let n =
                    to_u64(parse_number_text(k).map_err(|e| format!("blockHashes: {e}"))?, "blockHashes")?;
                let hash = v.as_str().ok_or("blockHashes: a hash is not a string")?;
                out.insert(n, parse_word(hash).map_err(|e| format!("blockHashes[{k}]: {e}"))?);
            }
            Some(out)
        }
        Some(_) => return Err("blockHashes: not an object".to_owned()),
    };
    let mut ommers = Vec::new();
    if let Some(Value::Array(os)) = m.get("ommers") {
        for (i, o) in os.iter().enumerate() {
            let o = obj(o, &format!("ommers[{i}]"))?;
            ommers.push((
                field_u64(o, "delta")?.unwrap_or(0),
                field_address(o, "address")?.unwrap_or_default(),
            ));
        }
    }
    let withdrawals = match m.get("withdrawals") {
        None | Some(Value::Null) => None,
        Some(Value::Array(ws)) => {
            let mut out = Vec::with_capacity(ws.len());
            for (i, w) in ws.iter().enumerate() {
                let w = obj(w, &format!("withdrawals[{i}]"))?;
                out.push(kestrel::block::Withdrawal {
                    index: field_u64(w, "index")?.unwrap_or(0),
                    validator_index: field_u64(w, "validatorIndex")?.unwrap_or(0),
                    address: field_address(w, "address")?.unwrap_or_default(),
                    amount: field_u64(w, "amount")?.unwrap_or(0),
                });
            }
            Some(out)
        }
        Some(_) => return Err("withdrawals: not an array".to_owned()),
    };
    Ok(Env {
        coinbase,
        difficulty: field_u256(m, "currentDifficulty")?,
        random: field_u256(m, "currentRandom")?.map(B256::from),
        parent_difficulty: field_u256(m, "parentDifficulty")?,
        parent_base_fee: field_u256(m, "parentBaseFee")?,
        parent_gas_used: field_u64(m, "parentGasUsed")?.unwrap_or(0),
        parent_gas_limit: field_u64(m, "parentGasLimit")?.unwrap_or(0),
        gas_limit: required("currentGasLimit")?,
        number: required("currentNumber")?,
        timestamp: required("currentTimestamp")?,
        parent_timestamp: field_u64(m, "parentTimestamp")?.unwrap_or(0),
        block_hashes,
        ommers,
        withdrawals,
        base_fee: field_u256(m, "currentBaseFee")?,
        parent_uncle_hash: field_b256(m, "parentUncleHash")?.unwrap_or_default(),
        excess_blob_gas: field_u64(m, "currentExcessBlobGas")?,
        parent_excess_blob_gas: field_u64(m, "parentExcessBlobGas")?,
        parent_blob_gas_used: field_u64(m, "parentBlobGasUsed")?,
        parent_beacon_block_root: field_b256(m, "parentBeaconBlockRoot")?,
    })
}

/// One account of an alloc: its info and storage.
pub type AllocAccount = (AccountInfo, BTreeMap<U256, U256>);

/// Parses an alloc (address → balance, nonce, code, storage).
pub fn parse_alloc(v: &Value) -> Result<BTreeMap<Address, AllocAccount>, String> {
    let m = match v {
        Value::Null => return Ok(BTreeMap::new()),
        v => obj(v, "alloc")?,
    };
    let mut out = BTreeMap::new();
    for (key, a) in m {
        let addr = address(key)?;
        let a = obj(a, key)?;
        let balance = field_u256(a, "balance").map_err(|e| format!("{key}: {e}"))?.unwrap_or_default();
        let nonce = field_u64(a, "nonce").map_err(|e| format!("{key}: {e}"))?.unwrap_or(0);
        let code = field_bytes(a, "code").map_err(|e| format!("{key}: {e}"))?.unwrap_or_default();
        let mut storage = BTreeMap::new();
        if let Some(s) = a.get("storage").filter(|s| !s.is_null()) {
            for (k, v) in obj(s, &format!("{key}.storage"))? {
                let k = parse_number_text(k).map_err(|e| format!("{key}.storage: {e}"))?;
                let v = number(v).map_err(|e| format!("{key}.storage: {e}"))?;
                storage.insert(k, v);
            }
        }
        out.insert(addr, (AccountInfo::new(balance, nonce, code), storage));
    }
    Ok(out)
}
