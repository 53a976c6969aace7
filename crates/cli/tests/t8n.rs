//! `kestrel t8n`: small hand-written transitions (expected balances and gas worked out by
//! hand), geth's exit codes, the stdin mode, geth's own t8n cases (from a go-ethereum checkout
//! named by `KESTREL_T8N_CASES`), and a sample of blockchain-test blocks whose header roots t8n
//! must reproduce.

mod common;

use std::io::Cursor;
use std::path::PathBuf;

use common::{kestrel, scratch};
use kestrel_cli::t8n::{T8nArgs, run};
use serde_json::{Value, json};

/// Sender of the hand-written cases: the address of secret key 0x45a9…8bd8 (the state tests'
/// usual key).
const SENDER: &str = "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b";
const KEY: &str = "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8";

fn args(fork: &str) -> T8nArgs {
    T8nArgs {
        alloc: "stdin".into(),
        env: "stdin".into(),
        txs: "stdin".into(),
        basedir: None,
        out_alloc: "stdout".into(),
        out_result: "stdout".into(),
        out_body: "stdout".into(),
        fork: fork.into(),
        reward: "0".into(),
        chain_id: 1,
        trace: None,
        callframes: false,
        opcode_count: None,
        tracer: None,
        tracer_config: None,
    }
}

/// Runs t8n on `input` (the stdin object); the output object, or the error's exit code.
fn t8n(a: &T8nArgs, input: &Value) -> Result<Value, u8> {
    let mut stdin = Cursor::new(input.to_string().into_bytes());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    match run(a, &mut stdin, &mut out, &mut err) {
        Ok(()) => Ok(serde_json::from_slice(&out).expect("t8n prints JSON")),
        Err(e) => Err(e.code),
    }
}

fn transfer(nonce: &str, value: &str) -> Value {
    json!({
        "type": "0x0", "nonce": nonce, "gasPrice": "10", "gas": "0x005208",
        "to": "0x0000000000000000000000000000000000001234", "value": value, "input": "0x",
        "v": "0x0", "r": "0x0", "s": "0x0", "secretKey": KEY
    })
}

/// A Cancun environment: base fee 7, numbers in hex with leading zeros and in decimal.
fn cancun_env() -> Value {
    json!({
        "currentCoinbase": "0x00000000000000000000000000000000000000cc",
        "currentGasLimit": "0x0000989680", "currentNumber": "1", "currentTimestamp": "1000",
        "currentRandom": "0x00", "currentDifficulty": "0x0", "currentBaseFee": "7",
        "currentExcessBlobGas": "0", "parentBeaconBlockRoot": "0x00", "withdrawals": []
    })
}

#[test]
fn transfers_and_a_rejected_nonce() {
    // 1 ETH, two transfers of 1000 wei at gas price 10 (base fee 7, tip 3); the third reuses
    // nonce 1 and is rejected.
    let input = json!({
        "alloc": { SENDER: { "balance": "1000000000000000000" } },
        "env": cancun_env(),
        "txs": [transfer("0x0", "1000"), transfer("1", "0x3e8"), transfer("0x01", "1")],
    });
    let out = t8n(&args("Cancun"), &input).expect("t8n runs");
    let result = &out["result"];
    assert_eq!(result["gasUsed"], "0xa410", "2 × 21000");
    assert_eq!(
        result["rejected"],
        json!([{"index": 2, "error": format!("nonce too low: address {}, tx: 1 state: 2", "0xa94f5374Fce5edBC8E2a8697C15331677e6EbF0B")}])
    );
    let receipts = result["receipts"].as_array().expect("receipts");
    assert_eq!(receipts.len(), 2);
    assert_eq!(receipts[1]["cumulativeGasUsed"], "0xa410");
    assert_eq!(receipts[0]["status"], "0x1");
    assert_eq!(result["currentBaseFee"], "0x7");
    assert_eq!(result["currentExcessBlobGas"], "0x0");
    assert_eq!(result["requests"], Value::Null, "no requests before Prague");
    // Sender: 1e18 − 2 × (21000 × 10 + 1000) = 1e18 − 422000.
    let alloc = &out["alloc"];
    assert_eq!(alloc[SENDER]["balance"], format!("{:#x}", 1_000_000_000_000_000_000u64 - 422_000));
    assert_eq!(alloc[SENDER]["nonce"], "0x2");
    assert_eq!(alloc["0x0000000000000000000000000000000000001234"]["balance"], "0x7d0");
    // Coinbase: the tips, 2 × 21000 × 3.
    assert_eq!(alloc["0x00000000000000000000000000000000000000cc"]["balance"], format!("{:#x}", 126_000));
    // The body lists the two included transactions.
    assert!(out["body"].as_str().expect("body").starts_with("0xf8"));
}

/// geth's rejection texts (core/error.go and its state transition's wording), which the
/// execution-spec tests' geth exception mapper reads.
#[test]
fn rejection_texts() {
    // Prague's request contracts as STOP, so the block's end-of-block calls succeed.
    let stop = json!({ "code": "0x00", "balance": "0" });
    let input = |txs: Value| {
        json!({
            "alloc": {
                SENDER: { "balance": "1000000000" },
                "0x00000961ef480eb55e80d19ad83579a64c007002": stop,
                "0x0000bbddc7ce488642fb579f8b00f3a590007251": stop,
            },
            "env": cancun_env(),
            "txs": txs,
        })
    };
    let tx = |gas: u64, max_fee: u64, value: u64| {
        json!({
            "type": "0x2", "chainId": "0x1", "nonce": "0x0", "maxPriorityFeePerGas": "0x1",
            "maxFeePerGas": max_fee.to_string(), "gas": gas.to_string(), "value": value.to_string(),
            "to": "0x0000000000000000000000000000000000001234", "input": format!("0x{}", "ff".repeat(100)),
            "v": "0x0", "r": "0x0", "s": "0x0", "secretKey": KEY
        })
    };
    // 100 non-zero bytes: intrinsic 21000 + 100 × 16 = 22600; EIP-7623 floor 21000 + 10 × 400
    // tokens = 25000.
    // A legacy transaction signed (EIP-155) for chain 2.
    let mut other_chain = transfer("0", "0");
    other_chain["chainId"] = json!("0x2");
    let txs = json!([
        tx(22_000, 10, 0),
        tx(23_000, 10, 0),
        tx(30_000, 5, 0),
        tx(30_000, 10, 999_800_000),
        other_chain
    ]);
    let out = t8n(&args("Prague"), &input(txs)).expect("t8n runs");
    let sender = "0xa94f5374Fce5edBC8E2a8697C15331677e6EbF0B";
    let errors: Vec<&str> = out["result"]["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| r["error"].as_str().expect("text"))
        .collect();
    assert_eq!(
        errors,
        [
            "intrinsic gas too low: have 22000, want 22600".to_owned(),
            "insufficient gas for floor data gas cost: have 23000, want 25000".to_owned(),
            format!(
                "max fee per gas less than block base fee: address {sender}, maxFeePerGas: 5, baseFee: 7"
            ),
            // 30000 × 10 + 999,800,000 = 1,000,100,000 wanted of 1,000,000,000.
            format!(
                "insufficient funds for gas * price + value: address {sender} have 1000000000 want 1000100000"
            ),
            "invalid chain id for signer: have 2 want 1".to_owned(),
        ]
    );
    assert_eq!(out["result"]["requests"], json!([]), "Prague: requests, none");
}

#[test]
fn exit_codes() {
    let good = json!({ "alloc": {}, "env": cancun_env(), "txs": [] });
    assert!(t8n(&args("Cancun"), &good).is_ok());
    assert_eq!(t8n(&args("Cancun+3855"), &good), Err(3), "extra EIPs");
    assert_eq!(t8n(&args("NoSuchFork"), &good), Err(3));
    let mut no_random = cancun_env();
    no_random.as_object_mut().expect("object").remove("currentRandom");
    assert_eq!(t8n(&args("Cancun"), &json!({"alloc": {}, "env": no_random, "txs": []})), Err(3));
    let mut stdin = Cursor::new(b"{not json".to_vec());
    let err = run(&args("Cancun"), &mut stdin, &mut Vec::new(), &mut Vec::new()).expect_err("bad JSON");
    assert_eq!(err.code, 10);
    let files = T8nArgs {
        alloc: "/nonexistent/alloc.json".into(),
        env: "/nonexistent/env.json".into(),
        txs: "/nonexistent/txs.json".into(),
        ..args("Cancun")
    };
    let err =
        run(&files, &mut Cursor::new(Vec::new()), &mut Vec::new(), &mut Vec::new()).expect_err("no file");
    assert_eq!(err.code, 11);
    // BLOCKHASH(0) with no blockHashes: exit 4. Code: PUSH1 0 BLOCKHASH STOP.
    let mut call = transfer("0", "0");
    call["gas"] = json!("100000");
    let input = json!({
        "alloc": { SENDER: { "balance": "0xffffffffffff" }, "0x0000000000000000000000000000000000001234": { "code": "0x600040" } },
        "env": cancun_env(), "txs": [call],
    });
    assert_eq!(t8n(&args("Cancun"), &input), Err(4));
}

#[test]
fn rewards_difficulty_and_unsigned_legacy() {
    // Byzantium, reward 0x80 wei, difficulty from the parent: 0x20000 + 0x20000/2048 × 1
    // (timestamp difference 1, no uncles), the bomb still off at block 1.
    let env = json!({
        "currentCoinbase": "0x00000000000000000000000000000000000000cc",
        "currentGasLimit": "1000000", "currentNumber": "1", "currentTimestamp": "11",
        "parentTimestamp": "10", "parentDifficulty": "0x20000",
    });
    let mut tx = transfer("0", "0");
    tx["protected"] = json!(false);
    let input = json!({ "alloc": { SENDER: { "balance": "0x100000" } }, "env": env, "txs": [tx] });
    let a = T8nArgs { reward: "0x80".into(), ..args("Byzantium") };
    let out = t8n(&a, &input).expect("t8n runs");
    assert_eq!(out["result"]["currentDifficulty"], "0x20040");
    // Coinbase: the whole gas price (no base fee) 21000 × 10 plus the reward.
    assert_eq!(
        out["alloc"]["0x00000000000000000000000000000000000000cc"]["balance"],
        format!("{:#x}", 210_000 + 128)
    );
    // -1 disables the reward.
    let a = T8nArgs { reward: "-1".into(), ..args("Byzantium") };
    let out = t8n(&a, &input).expect("t8n runs");
    assert_eq!(
        out["alloc"]["0x00000000000000000000000000000000000000cc"]["balance"],
        format!("{:#x}", 210_000)
    );
}

#[test]
fn files_and_the_binary() {
    let dir = scratch("t8n-files");
    let write = |name: &str, v: &Value| std::fs::write(dir.join(name), v.to_string()).expect("write");
    write("alloc.json", &json!({ SENDER: { "balance": "0x10000000" } }));
    write("env.json", &cancun_env());
    write("txs.json", &json!([transfer("0", "1")]));
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let (alloc, env, txs) = (p("alloc.json"), p("env.json"), p("txs.json"));
    let run = kestrel(&[
        "t8n",
        "--input.alloc",
        &alloc,
        "--input.env",
        &env,
        "--input.txs",
        &txs,
        "--state.fork",
        "Cancun",
        "--output.basedir",
        &p("out"),
        "--output.result",
        "result.json",
        "--output.alloc",
        "stdout",
        "--trace",
        "--opcode.count",
        "counts.json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.output());
    let printed: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert!(printed["alloc"][SENDER].is_object(), "{}", run.output());
    let result: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/result.json")).expect("result file"))
            .expect("JSON");
    assert_eq!(result["gasUsed"], "0x5208");
    let traces: Vec<_> =
        std::fs::read_dir(dir.join("out")).expect("out").flatten().map(|e| e.file_name()).collect();
    assert!(traces.iter().any(|n| n.to_string_lossy().starts_with("trace-0-0x")), "{traces:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("out/counts.json")).expect("counts"),
        "{}",
        "a transfer runs no code"
    );
    let bad = kestrel(&[
        "t8n",
        "--input.alloc",
        &alloc,
        "--input.env",
        &env,
        "--input.txs",
        &txs,
        "--state.fork",
        "Frontier+1346",
    ]);
    assert_eq!(bad.code, Some(3), "{}", bad.output());
    assert!(bad.stderr.starts_with("ERROR(3): "), "{}", bad.output());
}

/// `--trace.tracer prestateTracer` in diff mode on `tests/data/t8n` (the README's example): a
/// contract adding 1 to slot 0 (7), called twice with nonce 0; the second is rejected.
#[test]
fn the_prestate_tracer_per_transaction() {
    let data = common::data("t8n");
    let out = scratch("t8n-prestate");
    let p = |n: &str| data.join(n).to_string_lossy().into_owned();
    let (alloc, env, txs) = (p("alloc.json"), p("env.json"), p("txs.json"));
    let run = kestrel(&[
        "t8n",
        "--input.alloc",
        &alloc,
        "--input.env",
        &env,
        "--input.txs",
        &txs,
        "--state.fork",
        "Cancun",
        "--output.basedir",
        &out.to_string_lossy(),
        "--output.result",
        "",
        "--output.alloc",
        "",
        "--trace.tracer",
        "prestateTracer",
        "--trace.jsonconfig",
        r#"{"diffMode":true}"#,
    ]);
    assert_eq!(run.code, Some(0), "{}", run.output());
    let hash = "0xda1071a412c0c7e054ddbb9b03dc27720d7f7c4cd91f47e8a6b1f86a3e7c20c4";
    let first = std::fs::read_to_string(out.join(format!("trace-0-{hash}.json"))).expect("the first trace");
    // Gas: 21000 + PUSH1 3 + PUSH1 3 + cold SLOAD 2100 + ADD 3 + PUSH1 3 + SSTORE of a warm
    // changed slot 2900 = 26012, at 9 wei (base fee 7 + tip 2); the beneficiary gets the tips.
    let gas: u64 = 26_012;
    let slot = |v: u64| format!("{v:#066x}");
    let code = "0x600160005401600055";
    let code_hash =
        format!("{:#x}", kestrel::primitives::keccak256([0x60, 1, 0x60, 0, 0x54, 0x01, 0x60, 0, 0x55]));
    let expected = format!(
        concat!(
            r#"{{"post":{{"0x00000000000000000000000000000000000c0de0":{{"storage":{{"{k}":"{v8}"}}}},"#,
            r#""0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba":{{"balance":"{tips:#x}"}},"#,
            r#""0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b":{{"balance":"{sender:#x}","nonce":1}}}},"#,
            r#""pre":{{"0x00000000000000000000000000000000000c0de0":{{"balance":"0x0","code":"{code}","#,
            r#""codeHash":"{code_hash}","storage":{{"{k}":"{v7}"}}}},"#,
            r#""0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b":{{"balance":"0x1000000000000000"}}}}}}"#,
            "\n"
        ),
        k = slot(0),
        v7 = slot(7),
        v8 = slot(8),
        tips = 2 * gas,
        sender = 0x1000_0000_0000_0000u64 - 9 * gas,
        code = code,
        code_hash = code_hash,
    );
    assert_eq!(first, expected);
}

/// One of geth's `TestT8n` cases (cmd/evm/t8n_test.go): the directory, inputs, fork, reward,
/// outputs (alloc, result, body to stdout), the exit code and the expected output file.
struct GethCase {
    dir: &'static str,
    inputs: [&'static str; 3],
    fork: &'static str,
    reward: &'static str,
    outputs: [bool; 3],
    code: i32,
    expected: Option<&'static str>,
}

const fn case(
    dir: &'static str,
    inputs: [&'static str; 3],
    fork: &'static str,
    reward: &'static str,
    outputs: [bool; 3],
    code: i32,
    expected: Option<&'static str>,
) -> GethCase {
    GethCase { dir, inputs, fork, reward, outputs, code, expected }
}

const AR: [bool; 3] = [true, true, false];
const R: [bool; 3] = [false, true, false];
const STD: [&str; 3] = ["alloc.json", "txs.json", "env.json"];

/// geth's `TestT8n` list, as of go-ethereum 02b73d4e (2026-08-20).
const GETH_CASES: &[GethCase] = &[
    case("1", STD, "Frontier+1346", "", AR, 3, None),
    case("1", STD, "Byzantium", "", AR, 0, Some("exp.json")),
    case("3", STD, "Berlin", "", AR, 0, Some("exp.json")),
    case("4", STD, "Berlin", "", AR, 4, None),
    case("5", STD, "Byzantium", "0x80", AR, 0, Some("exp.json")),
    case("13", STD, "London", "", [false, false, true], 0, Some("exp.json")),
    case("13", ["alloc.json", "signed_txs.rlp", "env.json"], "London", "", R, 0, Some("exp2.json")),
    case("14", STD, "London", "", R, 0, Some("exp.json")),
    case("14", ["alloc.json", "txs.json", "env.uncles.json"], "London", "", R, 0, Some("exp2.json")),
    case("14", ["alloc.json", "txs.json", "env.uncles.json"], "Berlin", "", R, 0, Some("exp_berlin.json")),
    case("19", STD, "London", "", R, 0, Some("exp_london.json")),
    case("19", STD, "ArrowGlacier", "", R, 0, Some("exp_arrowglacier.json")),
    case("19", STD, "GrayGlacier", "", R, 0, Some("exp_grayglacier.json")),
    case("23", STD, "Berlin", "", R, 0, Some("exp.json")),
    case("24", STD, "Paris", "", AR, 0, Some("exp.json")),
    case("24", ["alloc.json", "txs.json", "env-missingrandom.json"], "Paris", "", [false; 3], 3, None),
    case("25", STD, "Paris", "", AR, 0, Some("exp.json")),
    case("26", STD, "Shanghai", "", AR, 0, Some("exp.json")),
    case("28", ["alloc.json", "txs.rlp", "env.json"], "Cancun", "", AR, 0, Some("exp.json")),
    case("29", STD, "Cancun", "", AR, 0, Some("exp.json")),
    case("30", ["alloc.json", "txs_more.rlp", "env.json"], "Cancun", "", AR, 0, Some("exp.json")),
    case("33", STD, "Prague", "", AR, 0, Some("exp.json")),
    case("34", STD, "Osaka", "", AR, 0, Some("exp.json")),
];

/// geth's `TestEVMTracing` cases Kestrel can run (not the one with a JavaScript tracer):
/// directory, fork, `--trace.callframes`, trace files.
const GETH_TRACE_CASES: &[(&str, &str, bool, &[&str])] = &[
    (
        "31",
        "Cancun",
        false,
        &[
            "trace-0-0x88f5fbd1524731a81e49f637aa847543268a5aaf2a6b32a69d2c6d978c45dcfb.jsonl",
            "trace-1-0x03a7b0a91e61a170d64ea94b8263641ef5a8bbdb10ac69f466083a6789c77fb8.jsonl",
            "trace-2-0xd96e0ce6418ee3360e11d3c7b6886f5a9a08f7ef183da72c23bb3b2374530128.jsonl",
        ],
    ),
    (
        "32",
        "Paris",
        true,
        &["trace-0-0x47806361c0fa084be3caa18afe8c48156747c01dbdfc1ee11b5aecdbe4fcf23e.jsonl"],
    ),
];

/// geth's t8n cases, from `$KESTREL_T8N_CASES` (go-ethereum's `cmd/evm/testdata`).
#[test]
fn geth_t8n_cases() {
    let Some(root) = std::env::var_os("KESTREL_T8N_CASES").map(PathBuf::from) else {
        eprintln!("NOT CHECKED: geth's t8n cases (set KESTREL_T8N_CASES to go-ethereum's cmd/evm/testdata)");
        return;
    };
    let mut failures = Vec::new();
    for (i, c) in GETH_CASES.iter().enumerate() {
        let base = root.join(c.dir);
        let path = |n: &str| base.join(n).to_string_lossy().into_owned();
        let out = |on: bool| if on { "stdout" } else { "" };
        let (alloc, txs, env) = (path(c.inputs[0]), path(c.inputs[1]), path(c.inputs[2]));
        let mut argv = vec![
            "t8n",
            "--output.body",
            out(c.outputs[2]),
            "--output.result",
            out(c.outputs[1]),
            "--output.alloc",
            out(c.outputs[0]),
            "--input.alloc",
            &alloc,
            "--input.txs",
            &txs,
            "--input.env",
            &env,
            "--state.fork",
            c.fork,
        ];
        if !c.reward.is_empty() {
            argv.extend(["--state.reward", c.reward]);
        }
        let run = kestrel(&argv);
        if run.code != Some(c.code) {
            failures.push(format!(
                "case {i} ({}/{}): exit {:?}, want {}: {}",
                c.dir, c.fork, run.code, c.code, run.stderr
            ));
            continue;
        }
        if let Some(exp) = c.expected {
            let want: Value =
                serde_json::from_str(&std::fs::read_to_string(base.join(exp)).expect("expected file"))
                    .expect("expected JSON");
            let have: Value = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
            if have != want {
                failures.push(format!(
                    "case {i} ({}/{exp}): output differs:\n{}\nwant\n{want}",
                    c.dir, run.stdout
                ));
            }
        }
    }
    let mut traced = 0;
    for (dir, fork, callframes, files) in GETH_TRACE_CASES {
        let base = root.join(dir);
        let out = scratch(&format!("t8n-geth-trace-{dir}"));
        let path = |n: &str| base.join(n).to_string_lossy().into_owned();
        let (alloc, txs, env) = (path("alloc.json"), path("txs.json"), path("env.json"));
        let basedir = out.to_string_lossy().into_owned();
        let mut argv = vec![
            "t8n",
            "--input.alloc",
            &alloc,
            "--input.txs",
            &txs,
            "--input.env",
            &env,
            "--state.fork",
            fork,
            "--trace",
            "--output.basedir",
            &basedir,
        ];
        if *callframes {
            argv.push("--trace.callframes");
        }
        let run = kestrel(&argv);
        assert_eq!(run.code, Some(0), "{}", run.output());
        for f in *files {
            let want = std::fs::read_to_string(base.join(f)).expect("geth's trace");
            let have = std::fs::read_to_string(out.join(f)).unwrap_or_default();
            if want.lines().ne(have.lines()) {
                failures.push(format!("trace {dir}/{f} differs"));
            }
        }
        traced += 1;
    }
    eprintln!(
        "geth t8n cases: {} of {} passed, trace cases {traced}",
        GETH_CASES.len() + traced - failures.len(),
        GETH_CASES.len() + traced
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A few blockchain-test files across forks (pre-Byzantium receipts, rewards, withdrawals,
/// EIP-2935/4788 system calls, requests, blob fees and a BPO transition), and a few with
/// transactions a block must not include.
const SAMPLE: &[&str] = &[
    "blockchain_tests/eest/frontier/touch/test_zero_gas_price_and_touching.json",
    "blockchain_tests/eest/frontier/opcodes/test_double_kill.json",
    "blockchain_tests/eest/shanghai/eip4895_withdrawals/test_large_amount.json",
    "blockchain_tests/eest/cancun/eip7516_blobgasfee/test_blobbasefee_before_fork.json",
    "blockchain_tests/eest/prague/eip2935_historical_block_hashes_from_state/test_eip_2935.json",
    "blockchain_tests/eest/prague/eip6110_deposits/test_invalid_log_length.json",
    "blockchain_tests/eest/prague/eip7002_el_triggerable_withdrawals/test_withdrawal_requests_during_fork.json",
    "blockchain_tests/eest/osaka/eip7918_blob_reserve_price/test_blob_base_fee_with_bpo_transition.json",
    "blockchain_tests/eest/static/state_tests/stTransactionTest/OverflowGasRequire2.json",
    // Invalid blocks whose transaction t8n must reject with geth's text for the exception.
    "blockchain_tests/eest/cancun/eip4844_blobs/test_blob_type_tx_pre_fork.json",
    "blockchain_tests/eest/cancun/eip4844_blobs/test_invalid_blob_tx_contract_creation.json",
    "blockchain_tests/eest/prague/eip7702_set_code_tx/test_empty_authorization_list.json",
];

/// The sample's files: from an unpacked `target/fixtures` of the workspace, else taken out of
/// the shared archive into a scratch directory. `None` (with a note) without fixtures.
fn sample_files() -> Option<Vec<PathBuf>> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let unpacked = manifest.join("../../target/fixtures");
    if SAMPLE.iter().all(|f| unpacked.join(f).is_file()) {
        return Some(SAMPLE.iter().map(|f| unpacked.join(f)).collect());
    }
    let fixtures = std::env::var_os("KESTREL_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../../shared/fixtures"));
    let archive = fixtures.join("blockchain_tests-dev.tar.gz");
    if !archive.is_file() {
        assert!(
            std::env::var_os("KESTREL_REQUIRE_SHARED").is_none(),
            "blockchain-test fixtures not found at {} (set KESTREL_FIXTURES)",
            archive.display()
        );
        eprintln!(
            "NOT CHECKED: blockchain-test fixtures not found at {} (set KESTREL_FIXTURES)",
            archive.display()
        );
        return None;
    }
    let dir = scratch("t8n-blockcheck-sample");
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&dir)
        .args(SAMPLE)
        .status()
        .expect("tar runs");
    assert!(status.success(), "tar could not take the sample out of {}", archive.display());
    Some(SAMPLE.iter().map(|f| dir.join(f)).collect())
}

/// Every valid block of the sample through t8n: the header's roots, gas and bloom; every
/// invalid block expecting a transaction exception: the transaction rejected with its text.
#[test]
fn blockchain_sample_through_t8n() {
    let Some(files) = sample_files() else { return };
    let s = kestrel_cli::t8n::blockcheck::check_paths(&files);
    eprintln!("t8n sample: {} of {} valid blocks", s.passed, s.total);
    assert!(s.skipped.is_empty(), "{:?}", s.skipped);
    assert!(s.total >= 20, "the sample holds {} valid blocks", s.total);
    assert_eq!(s.passed, s.total, "{}", s.failures.join("\n"));
    eprintln!("t8n sample: {} of {} transaction exceptions mapped", s.tx_exceptions_mapped, s.tx_exceptions);
    assert!(s.tx_exceptions >= 3, "the sample holds {} transaction exceptions", s.tx_exceptions);
    assert_eq!(s.tx_exceptions_mapped, s.tx_exceptions, "{}", s.tx_exceptions_unmapped.join("\n"));
}
