//! t8n's outputs in geth's JSON shapes: the post-state alloc, the result (roots, receipts,
//! rejected transactions …) and the body, each to a file, stdout or stderr.

use std::collections::BTreeMap;
use std::io::Write;

use kestrel::block::Transaction;
use kestrel::block::receipt::Outcome;
use kestrel::block::t8n::T8nOutcome;
use kestrel::host::create_address;
use kestrel::primitives::{B256, U256, b256};
use kestrel::state::InMemoryDb;
use serde::Serialize;
use serde_json::{Value, json};

use super::input::Fail;
use super::run::{Resolved, T8nArgs, in_basedir};
use crate::statetest::root::logs_hash;

/// The block hash geth's t8n gives its receipts and logs (the block is not sealed).
pub const T8N_BLOCK_HASH: B256 = b256!("1337000000000000000000000000000000000000000000000000000000000000");

/// The three outputs, rendered.
pub struct Outputs {
    /// `alloc`.
    pub alloc: Value,
    /// `result`.
    pub result: Value,
    /// `body` (hex).
    pub body: String,
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * b.len());
    s.push_str("0x");
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

fn qty<T: std::fmt::LowerHex>(n: T) -> String {
    format!("{n:#x}")
}

/// The post-state as geth dumps it: address → {code, storage, balance, nonce}, code, storage
/// and nonce left out when empty or zero.
pub fn alloc_json(db: &InMemoryDb) -> Value {
    let mut out = serde_json::Map::new();
    let mut accounts: Vec<_> = db.accounts().collect();
    accounts.sort_by_key(|(a, _)| **a);
    for (address, account) in accounts {
        let mut a = serde_json::Map::new();
        let code = account.info.code.as_ref().map(|c| c.to_vec()).unwrap_or_default();
        if !code.is_empty() {
            a.insert("code".into(), json!(hex(&code)));
        }
        let storage: BTreeMap<U256, U256> =
            account.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (*k, *v)).collect();
        if !storage.is_empty() {
            let s: serde_json::Map<String, Value> = storage
                .iter()
                .map(|(k, v)| (hex(&k.to_be_bytes::<32>()), json!(hex(&v.to_be_bytes::<32>()))))
                .collect();
            a.insert("storage".into(), Value::Object(s));
        }
        a.insert("balance".into(), json!(qty(account.info.balance)));
        if account.info.nonce != 0 {
            a.insert("nonce".into(), json!(qty(account.info.nonce)));
        }
        out.insert(format!("{address:#x}"), Value::Object(a));
    }
    Value::Object(out)
}

/// geth's `ExecutionResult`.
pub fn result_json(o: &T8nOutcome, r: &Resolved, included: &[Transaction]) -> Value {
    let number = r.block.env.number;
    let timestamp = r.block.env.timestamp;
    let receipts: Vec<Value> = o
        .receipts
        .iter()
        .zip(included)
        .map(|(rc, tx)| {
            let mut m = serde_json::Map::new();
            if rc.receipt.tx_type != 0 {
                m.insert("type".into(), json!(qty(rc.receipt.tx_type)));
            }
            let (root, status) = match rc.receipt.outcome {
                Outcome::Status(ok) => ("0x".to_owned(), u64::from(ok)),
                Outcome::StateRoot(root) => (hex(root.as_slice()), 0),
            };
            m.insert("root".into(), json!(root));
            m.insert("status".into(), json!(qty(status)));
            m.insert("cumulativeGasUsed".into(), json!(qty(rc.receipt.cumulative_gas_used)));
            m.insert("logsBloom".into(), json!(hex(&rc.receipt.bloom)));
            let logs: Vec<Value> = rc
                .receipt
                .logs
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    json!({
                        "address": format!("{:#x}", l.address),
                        "topics": l.topics().iter().map(|t| format!("{t:#x}")).collect::<Vec<_>>(),
                        "data": hex(&l.data.data),
                        "blockNumber": qty(number),
                        "transactionHash": format!("{:#x}", rc.tx_hash),
                        "transactionIndex": qty(rc.index),
                        "blockHash": format!("{T8N_BLOCK_HASH:#x}"),
                        "blockTimestamp": qty(timestamp),
                        "logIndex": qty(rc.first_log_index + i),
                        "removed": false,
                    })
                })
                .collect();
            m.insert("logs".into(), Value::Array(logs));
            m.insert("transactionHash".into(), json!(format!("{:#x}", rc.tx_hash)));
            // geth names the address a creation would have, whether or not it succeeded.
            let contract = match tx.env.to {
                None => create_address(&rc.sender, tx.env.nonce),
                Some(_) => Default::default(),
            };
            m.insert("contractAddress".into(), json!(format!("{contract:#x}")));
            m.insert("gasUsed".into(), json!(qty(rc.gas_used)));
            m.insert("effectiveGasPrice".into(), Value::Null);
            if rc.receipt.tx_type == 3 {
                m.insert("blobGasUsed".into(), json!(qty(rc.blob_gas_used)));
                if let Some(fee) = r.blob_base_fee {
                    m.insert("blobGasPrice".into(), json!(qty(fee)));
                }
            }
            m.insert("blockHash".into(), json!(format!("{T8N_BLOCK_HASH:#x}")));
            m.insert("blockNumber".into(), json!(qty(number)));
            m.insert("transactionIndex".into(), json!(qty(rc.index)));
            Value::Object(m)
        })
        .collect();
    let mut m = serde_json::Map::new();
    m.insert("stateRoot".into(), json!(format!("{:#x}", o.state_root)));
    m.insert("txRoot".into(), json!(format!("{:#x}", o.tx_root)));
    m.insert("receiptsRoot".into(), json!(format!("{:#x}", o.receipts_root)));
    m.insert("logsHash".into(), json!(format!("{:#x}", logs_hash(&o.logs))));
    m.insert("logsBloom".into(), json!(hex(&o.logs_bloom)));
    m.insert("receipts".into(), Value::Array(receipts));
    if !o.rejected.is_empty() {
        let rejected: Vec<Value> = o.rejected.iter().map(|(i, e)| json!({"index": i, "error": e})).collect();
        m.insert("rejected".into(), Value::Array(rejected));
    }
    m.insert("currentDifficulty".into(), r.difficulty.map_or(Value::Null, |d| json!(qty(d))));
    m.insert("gasUsed".into(), json!(qty(o.gas_used)));
    if let Some(fee) = r.base_fee {
        m.insert("currentBaseFee".into(), json!(qty(fee)));
    }
    if let Some(root) = o.withdrawals_root {
        m.insert("withdrawalsRoot".into(), json!(format!("{root:#x}")));
    }
    if r.blob_base_fee.is_some() {
        m.insert("currentExcessBlobGas".into(), json!(qty(r.block.env.excess_blob_gas.unwrap_or(0))));
        m.insert("blobGasUsed".into(), json!(qty(o.blob_gas_used)));
    }
    match &o.requests {
        Some(list) => {
            let hash = kestrel::block::requests::requests_hash(list);
            m.insert("requestsHash".into(), json!(format!("{hash:#x}")));
            m.insert("requests".into(), Value::Array(list.iter().map(|b| json!(hex(b))).collect()));
        }
        None => {
            m.insert("requests".into(), Value::Null);
        }
    }
    Value::Object(m)
}

/// The order geth writes the fields of its structs in: the result, a receipt, a log, an
/// account, a rejection. Keys not listed (addresses, storage keys: Go maps) come after them,
/// sorted.
const RESULT_ORDER: &[&str] = &[
    "stateRoot",
    "txRoot",
    "receiptsRoot",
    "logsHash",
    "logsBloom",
    "receipts",
    "rejected",
    "currentDifficulty",
    "gasUsed",
    "currentBaseFee",
    "withdrawalsRoot",
    "currentExcessBlobGas",
    "blobGasUsed",
    "requestsHash",
    "requests",
];
const RECEIPT_ORDER: &[&str] = &[
    "type",
    "root",
    "status",
    "cumulativeGasUsed",
    "logsBloom",
    "logs",
    "transactionHash",
    "contractAddress",
    "gasUsed",
    "effectiveGasPrice",
    "blobGasUsed",
    "blobGasPrice",
    "blockHash",
    "blockNumber",
    "transactionIndex",
];
const LOG_ORDER: &[&str] = &[
    "address",
    "topics",
    "data",
    "blockNumber",
    "transactionHash",
    "transactionIndex",
    "blockHash",
    "blockTimestamp",
    "logIndex",
    "removed",
];
const OTHER_ORDER: &[&str] = &["index", "error", "code", "storage", "balance", "nonce"];

/// The field order of object `m`, told by a field only its kind has.
fn order_of(m: &serde_json::Map<String, Value>) -> &'static [&'static str] {
    if m.contains_key("stateRoot") {
        RESULT_ORDER
    } else if m.contains_key("cumulativeGasUsed") {
        RECEIPT_ORDER
    } else if m.contains_key("logIndex") {
        LOG_ORDER
    } else {
        OTHER_ORDER
    }
}

/// A JSON value written with geth's field order.
struct Ordered<'a>(&'a Value);

impl Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Object(m) => {
                let order = order_of(m);
                let rank = |k: &str| order.iter().position(|f| *f == k).unwrap_or(order.len());
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
                let mut map = s.serialize_map(Some(keys.len()))?;
                for k in keys {
                    map.serialize_entry(k, &Ordered(&m[k]))?;
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Ordered(item))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

/// The object written to stdout or stderr: the outputs sent there, by name (geth's keys
/// come out sorted: alloc, body, result).
#[derive(Serialize, Default)]
struct Collected<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    alloc: Option<Ordered<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Ordered<'a>>,
}

impl Collected<'_> {
    fn is_empty(&self) -> bool {
        self.alloc.is_none() && self.body.is_none() && self.result.is_none()
    }
}

/// geth's `saveFile`: JSON indented by one space (geth's `MarshalIndent(data, "", " ")`) to
/// `basedir/name`.
fn save(args: &T8nArgs, name: &str, v: &impl Serialize) -> Result<(), Fail> {
    let mut text = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut text, formatter);
    v.serialize(&mut ser).map_err(|e| Fail::json(format!("failed marshalling output: {e}")))?;
    let path = in_basedir(&args.basedir, name);
    std::fs::write(&path, text).map_err(|e| Fail::io(format!("failed writing output: {e}")))
}

/// Sends each output where `args` say: a file in the base dir, `stdout`, `stderr`, or nowhere
/// (an empty name).
pub fn dispatch(
    args: &T8nArgs,
    o: &Outputs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), Fail> {
    let mut out = Collected::default();
    let mut err = Collected::default();
    let body = Value::String(o.body.clone());
    for (target, name) in [(&args.out_alloc, "alloc"), (&args.out_result, "result"), (&args.out_body, "body")]
    {
        let slot = match target.as_str() {
            "" => continue,
            "stdout" => &mut out,
            "stderr" => &mut err,
            file => {
                match name {
                    "alloc" => save(args, file, &Ordered(&o.alloc))?,
                    "result" => save(args, file, &Ordered(&o.result))?,
                    _ => save(args, file, &body)?,
                }
                continue;
            }
        };
        match name {
            "alloc" => slot.alloc = Some(Ordered(&o.alloc)),
            "result" => slot.result = Some(Ordered(&o.result)),
            _ => slot.body = Some(&o.body),
        }
    }
    print(&out, stdout)?;
    print(&err, stderr)
}

/// Writes `c` to `w`, indented, when it holds anything.
fn print(c: &Collected<'_>, w: &mut dyn Write) -> Result<(), Fail> {
    if c.is_empty() {
        return Ok(());
    }
    let text =
        serde_json::to_string_pretty(c).map_err(|e| Fail::json(format!("failed marshalling output: {e}")))?;
    w.write_all(text.as_bytes())
        .and_then(|()| w.write_all(b"\n"))
        .and_then(|()| w.flush())
        .map_err(|e| Fail::io(format!("failed writing output: {e}")))
}
