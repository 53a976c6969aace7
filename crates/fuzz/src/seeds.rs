//! The generator of the committed seed corpus (`seeds/<target>/gen-*`): every seed is
//! written here or built here from the repository's own files (Kestrel's
//! `fixtures/state_tests`), never copied from the shared fixture corpus.
//!
//! Regenerate with `cargo test -p kestrel-fuzz --test seeds -- --ignored regenerate_seeds`.
//! Beside them, `min-*` seeds are inputs a campaign found that add the most coverage to the
//! generated ones (chosen greedily, a few per target; see `fuzz/README.md`).

use std::collections::BTreeMap;
use std::path::Path;

use alloy_rlp::Encodable;
use k256::ecdsa::SigningKey;
use kestrel_block::execute::{
    BEACON_ROOTS_ADDRESS, CONSOLIDATION_REQUEST_ADDRESS, HISTORY_STORAGE_ADDRESS, WITHDRAWAL_REQUEST_ADDRESS,
};
use kestrel_block::validate::EMPTY_OMMERS_HASH;
use kestrel_block::{
    Block, BlockDatabase, BlockError, ChainConfig, Field, Header, Transaction, TrieDb, Withdrawal,
    apply_block, execute_block,
};
use kestrel_cli::statetest::exec::db_from_pre;
use kestrel_cli::statetest::root::{db_state_root, pre_state_root};
use kestrel_cli::statetest::{PreAccount, PreState};
use kestrel_primitives::{
    AccessListItem, Address, Authorization, B256, Bytes, SpecId, TxEnv, U256, address, b256, keccak256,
};
use serde_json::{Value, json};

use crate::encode;

/// One seed: its target, file name and bytes.
pub type Seed = (&'static str, String, Vec<u8>);

/// Every generated seed. `repo` is the repository root (for `fixtures/state_tests`).
pub fn generate(repo: &Path) -> Vec<Seed> {
    let mut seeds = Vec::new();
    for (name, code) in analysis_seeds() {
        seeds.push(("analysis", format!("gen-{name}"), code));
    }
    for (name, input) in differential_seeds() {
        seeds.push(("differential", format!("gen-{name}"), input));
    }
    for (name, bytes) in rlp_seeds() {
        seeds.push(("rlp_decode", format!("gen-{name}"), bytes));
    }
    for (name, bytes) in precompile_seeds() {
        seeds.push(("precompiles", format!("gen-{name}"), bytes));
    }
    for (name, bytes) in state_test_seeds(repo) {
        seeds.push(("fixture_loaders", format!("gen-state-{name}"), bytes));
    }
    for (name, bytes) in blocktest_seeds() {
        seeds.push(("fixture_loaders", format!("gen-block-{name}"), bytes));
    }
    seeds
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("seed hex")).collect()
}

/// Bytecode exercising each translation rule.
fn analysis_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut truncated = hex("600160025b7f");
    truncated.extend([0x5b; 10]);
    let mut zeros = vec![0u8; 70];
    zeros.extend(hex("5b6000"));
    vec![
        // PUSH1 1, PUSH1 2, PUSH32 ff.., PUSH1 40, JUMP | 40: JUMPDEST, STOP
        ("push-run-static-jump", hex(&format!("600160027f{}6028565b00", "ff".repeat(32)))),
        // PUSH1 0, JUMP (not a JUMPDEST); PUSH1 200, JUMPI past the end.
        ("invalid-static-jumps", hex("600056600160c8570000")),
        // CALLVALUE ISZERO PUSH1 8 JUMPI | PUSH1 0 DUP1 REVERT | 8: JUMPDEST STOP
        ("iszero-jumpi", hex("34156008576000 80fd5b00")),
        // PUSH1 7 PUSH1 1 SWAP1 JUMP | 7: JUMPDEST PC PUSH1 3 ADD DUP1 DUP2 ADD PUSH1 0 MSTORE
        ("swap1-jump-fusions", hex("6007600190565b5860030180810160005200")),
        // CALL resumes after itself; an undefined byte ends a run; dead code after STOP.
        ("call-undefined-dead", hex("6000600060006000600061ffff5af1500c00600160025b00")),
        // PC JUMP; PUSH0 (Shanghai) DUP16 LT; PUSH2 of a JUMPDEST in PUSH data.
        ("pc-jump-push-data", hex("5b58565f8f10615b5b5b56")),
        ("truncated-push32", truncated),
        ("zero-run-jumpdest", zeros),
    ]
}

/// `differential` seeds: eight bytes picking the generated case (fork, state, transaction),
/// then the code the called account runs.
fn differential_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let with_seed = |seed: u64, code: &str| -> Vec<u8> { [&seed.to_le_bytes()[..], &hex(code)].concat() };
    vec![
        // A counted loop: PUSH1 5 | 2: JUMPDEST PUSH1 1 SWAP1 SUB DUP1 PUSH1 2 JUMPI, then STOP.
        ("loop", with_seed(1, "60055b6001900380600257 00")),
        // SSTORE then SLOAD of slot 1, LOG1 of 32 bytes, RETURN them.
        (
            "storage-log",
            with_seed(2, &format!("602a600155600154600052 7f{}aa 60206000a1 60206000f3", "00".repeat(31))),
        ),
        // SHA-256 precompile on 32 bytes of memory, return data copied back and returned.
        ("precompile-call", with_seed(3, "60ff6000526020600060206000600060025af13d600060003e3d6000f3")),
        // CREATE of init code returning one byte, then EXTCODESIZE of the new account.
        ("create", with_seed(4, "69600160005360016000f3 600052 600a60166000f0 3b600052 60206000f3")),
        // Memory near 2^32: MSTORE8 at 0xffffffff (out of gas), and a REVERT path.
        ("memory-edge", with_seed(5, "600163ffffffff5360006000fd")),
        // A random-looking byte string.
        ("bytes", with_seed(6, "5b3d6014f15a8031f43ff23b55ff1c1b5d5c")),
    ]
}

/// The key every generated transaction is signed with (any fixed key would do).
const SECRET: B256 = b256!("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8");

fn sender() -> Address {
    kestrel_cli::statetest::address_of_secret_key(SECRET.as_slice()).expect("a valid key")
}

/// Signs `env` (an EIP-155 legacy transaction when `legacy_chain_id` is set) and decodes the
/// signed bytes back into a [`Transaction`].
fn sign(env: &TxEnv, legacy_chain_id: Option<u64>) -> Transaction {
    let key = SigningKey::from_slice(SECRET.as_slice()).expect("a valid key");
    let hash = keccak256(encode::signing_bytes(env, legacy_chain_id));
    let (signature, recovery) = key.sign_prehash_recoverable(hash.as_slice()).expect("signs");
    let parity = u64::from(recovery.is_y_odd());
    let v = match (env.tx_type, legacy_chain_id) {
        (0, Some(chain_id)) => 35 + 2 * chain_id + parity,
        (0, None) => 27 + parity,
        _ => parity,
    };
    let (r, s) = signature.split_bytes();
    let bytes = encode::signed(env, U256::from(v), U256::from_be_slice(&r), U256::from_be_slice(&s));
    Transaction::decode(&bytes).expect("a generated transaction decodes")
}

/// A contract that stores its first call-data word in slot 0.
const STORE: Address = address!("0000000000000000000000000000000000001000");

fn tx(tx_type: u8, nonce: u64) -> TxEnv {
    TxEnv {
        tx_type,
        gas_limit: 100_000,
        gas_price: U256::from(20_000_000_000u64),
        gas_priority_fee: (tx_type >= 2).then(|| U256::from(1_000_000_000u64)),
        to: Some(STORE),
        value: U256::from(1000),
        data: Bytes::from(vec![0x2a; 32]),
        nonce,
        chain_id: Some(1),
        ..TxEnv::default()
    }
}

/// Every transaction kind of the seeds: legacy (pre-EIP-155), a legacy creation, EIP-155,
/// and types 1 to 4.
const KINDS: [&str; 7] = ["legacy", "legacy-create", "eip155", "eip2930", "eip1559", "eip4844", "eip7702"];

/// A signed transaction of `kind` with `nonce`, from the seeds' sender.
fn make(kind: &str, nonce: u64) -> Transaction {
    match kind {
        "legacy" => {
            let mut env = tx(0, nonce);
            env.chain_id = None;
            sign(&env, None)
        }
        "legacy-create" => {
            let mut env = tx(0, nonce);
            env.chain_id = None;
            env.to = None;
            // Init code returning the 6-byte runtime `PUSH1 42 PUSH1 0 SSTORE STOP`.
            env.data = Bytes::from(hex("6006600c60003960066000f3602a60005500"));
            sign(&env, None)
        }
        "eip155" => sign(&tx(0, nonce), Some(1)),
        "eip2930" => {
            let mut env = tx(1, nonce);
            env.access_list = vec![AccessListItem {
                address: STORE,
                storage_keys: vec![B256::ZERO, B256::with_last_byte(1)],
            }];
            sign(&env, None)
        }
        "eip1559" => sign(&tx(2, nonce), None),
        "eip4844" => {
            let mut env = tx(3, nonce);
            env.max_fee_per_blob_gas = Some(U256::from(10));
            env.blob_hashes = vec![b256!("0100000000000000000000000000000000000000000000000000000000000001")];
            sign(&env, None)
        }
        "eip7702" => {
            let mut env = tx(4, nonce);
            // An authority (another key) delegating to STORE: keccak(0x05 ‖ rlp([chain, address, nonce])).
            let authority = SigningKey::from_slice(&[0x11; 32]).expect("a valid key");
            let mut tuple = Vec::new();
            U256::from(1).encode(&mut tuple);
            STORE.encode(&mut tuple);
            0u64.encode(&mut tuple);
            let mut message = vec![0x05];
            encode::list(&tuple, &mut message);
            let (signature, recovery) =
                authority.sign_prehash_recoverable(keccak256(&message).as_slice()).expect("signs");
            let (r, s) = signature.split_bytes();
            env.authorization_list = vec![Authorization {
                chain_id: U256::from(1),
                address: STORE,
                nonce: 0,
                y_parity: U256::from(u8::from(recovery.is_y_odd())),
                r: U256::from_be_slice(&r),
                s: U256::from_be_slice(&s),
                authority: None,
            }];
            sign(&env, None)
        }
        other => unreachable!("no transaction kind {other}"),
    }
}

/// A header with every field set for `spec` (the optional ones it has).
fn header(spec: SpecId, number: u64) -> Header {
    let mut h = Header {
        parent_hash: B256::ZERO,
        ommers_hash: EMPTY_OMMERS_HASH,
        coinbase: address!("2adc25665018aa1fe0e6bc666dac8fc2697ff9ba"),
        state_root: B256::ZERO,
        transactions_root: kestrel_block::trie::ordered_root::<Vec<u8>>(&[]),
        receipts_root: kestrel_block::trie::ordered_root::<Vec<u8>>(&[]),
        logs_bloom: [0; 256],
        difficulty: if spec.is_enabled_in(SpecId::Paris) { U256::ZERO } else { U256::from(0x20000) },
        number,
        gas_limit: 30_000_000,
        gas_used: 0,
        timestamp: 1000 + 12 * number,
        extra_data: Bytes::new(),
        mix_hash: B256::ZERO,
        nonce: [0; 8],
        base_fee_per_gas: spec.is_enabled_in(SpecId::London).then(|| U256::from(7)),
        withdrawals_root: None,
        blob_gas_used: None,
        excess_blob_gas: None,
        parent_beacon_block_root: None,
        requests_hash: None,
        hash: B256::ZERO,
    };
    if spec.is_enabled_in(SpecId::Shanghai) {
        h.withdrawals_root = Some(kestrel_block::trie::ordered_root::<Vec<u8>>(&[]));
    }
    if spec.is_enabled_in(SpecId::Cancun) {
        h.blob_gas_used = Some(0);
        h.excess_blob_gas = Some(0);
        h.parent_beacon_block_root = Some(B256::with_last_byte(0xbe));
    }
    if spec.is_enabled_in(SpecId::Prague) {
        h.requests_hash = Some(keccak256([]));
    }
    h.hash = keccak256(encode::header(&h));
    h
}

/// A block of `spec` from its header and body (hashes and length as decoding sets them).
fn block(
    spec: SpecId,
    header: Header,
    transactions: Vec<Transaction>,
    withdrawals: Vec<Withdrawal>,
) -> Block {
    let draft = Block {
        header,
        transactions,
        ommers: Vec::new(),
        ommers_list_hash: keccak256(encode::ommers(&[])),
        withdrawals: spec.is_enabled_in(SpecId::Shanghai).then_some(withdrawals),
        rlp_length: 0,
    };
    Block::decode(&encode::block(&draft)).expect("a generated block decodes")
}

fn rlp_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<(String, Vec<u8>)> =
        KINDS.iter().map(|kind| (format!("tx-{kind}"), make(kind, 9).encoded.to_vec())).collect();
    seeds.push(("header-london".into(), encode::header(&header(SpecId::London, 5))));
    seeds.push(("header-prague".into(), encode::header(&header(SpecId::Prague, 5))));
    let txs: Vec<Transaction> = KINDS[..5].iter().enumerate().map(|(i, kind)| make(kind, i as u64)).collect();
    let withdrawal = Withdrawal { index: 1, validator_index: 2, address: STORE, amount: 3 };
    seeds.push((
        "block-shanghai".into(),
        encode::block(&block(SpecId::Shanghai, header(SpecId::Shanghai, 1), txs, vec![withdrawal])),
    ));
    // A pre-Merge block with an ommer.
    let mut with_ommer = block(SpecId::London, header(SpecId::London, 2), Vec::new(), Vec::new());
    with_ommer.ommers = vec![header(SpecId::London, 1)];
    seeds.push(("block-ommer".into(), encode::block(&with_ommer)));
    // Nested lists, long strings and long lists: the generic layer.
    let mut nested = Vec::new();
    let mut long = Vec::new();
    vec![0xaa; 60].as_slice().encode(&mut long);
    0x7fu8.encode(&mut long);
    0x80u8.encode(&mut long);
    encode::list(&encode::listed(&encode::listed(&[])), &mut long);
    encode::list(&[long.clone(), long].concat(), &mut nested);
    seeds.push(("nested-lists".into(), nested));
    seeds
}

/// Reads the first bytes of a precompile seed: which precompile, fork, gas mode, probe, and
/// whether the input is shaped (see `Call::build`), then data for the input.
fn precompile_seeds() -> Vec<(String, Vec<u8>)> {
    // Positions in INDICES and SpecId::ALL (Osaka is the last fork, Byzantium the fifth).
    let osaka = (SpecId::ALL.len() - 1) as u8;
    let mut seeds = Vec::new();
    for position in 0..18u8 {
        for (shaped, fork) in [(1u8, osaka), (0, 4)] {
            // gas mode 0 (a block's gas), probe on, shaped or raw, then pseudo-random data.
            let mut data = vec![position, fork, 0, 1, shaped];
            let mut x = 0x9e37_79b9u32.wrapping_mul(u32::from(position) + 1);
            data.extend((0..240).map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            }));
            let kind = if shaped == 1 { "shaped" } else { "raw" };
            seeds.push((format!("{position:02}-{kind}"), data));
        }
    }
    seeds
}

/// Kestrel's own state tests (`fixtures/state_tests`), each cut to two forks and written
/// compactly, so every seed stays small.
fn state_test_seeds(repo: &Path) -> Vec<(String, Vec<u8>)> {
    let dir = repo.join("fixtures/state_tests");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let mut tests: BTreeMap<String, Value> =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("JSON");
            for test in tests.values_mut() {
                let test = test.as_object_mut().expect("a test object");
                test.remove("_info");
                if let Some(post) = test.get_mut("post").and_then(Value::as_object_mut) {
                    post.retain(|fork, _| fork == "Shanghai" || fork == "Prague");
                }
                // EEST files carry the blob schedule: the fuzzer mutates it from here.
                test.insert("config".into(), json!({ "chainid": "0x01", "blobSchedule": blob_schedule() }));
            }
            let name = path.file_stem().expect("a name").to_string_lossy().into_owned();
            (name, serde_json::to_vec(&tests).expect("serialisable"))
        })
        .collect()
}

/// EEST's `config.blobSchedule` with the mainnet values (EIP-4844, EIP-7691).
fn blob_schedule() -> Value {
    json!({
        "Cancun": { "target": "0x03", "max": "0x06", "baseFeeUpdateFraction": "0x32f0ed" },
        "Prague": { "target": "0x06", "max": "0x09", "baseFeeUpdateFraction": "0x4c6964" },
    })
}

fn hex_string(bytes: &[u8]) -> String {
    let digits: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("0x{digits}")
}

fn number(v: impl Into<U256>) -> String {
    format!("{:#x}", v.into())
}

fn accounts_json(pre: &PreState) -> Value {
    let mut out = serde_json::Map::new();
    for (address, a) in pre {
        let storage: serde_json::Map<String, Value> =
            a.storage.iter().map(|(k, v)| (number(*k), Value::String(number(*v)))).collect();
        out.insert(
            hex_string(address.as_slice()),
            json!({
                "balance": number(a.balance),
                "nonce": number(U256::from(a.nonce)),
                "code": hex_string(&a.code),
                "storage": storage,
            }),
        );
    }
    Value::Object(out)
}

/// Executes `draft` on `parent` and fixes the header fields execution decides until the block
/// is valid; returns the valid block and commits it to `db`.
fn seal<DB: BlockDatabase>(config: &ChainConfig, parent: &Header, mut draft: Block, db: &mut DB) -> Block {
    let spec = config.spec_at(draft.header.number, draft.header.timestamp);
    for _ in 0..16 {
        draft.header.hash = keccak256(encode::header(&draft.header));
        let block = Block::decode(&encode::block(&draft)).expect("a generated block decodes");
        let h = &mut draft.header;
        let word = |b: B256| u64::try_from(U256::from_be_bytes(b.0)).expect("a u64 word");
        match execute_block(config, parent, &block, &mut *db) {
            Ok(_) => {
                apply_block(config, parent, &block, db).expect("valid once executed");
                return block;
            }
            Err(BlockError::Mismatch { field, computed, .. }) => match field {
                Field::GasUsed => h.gas_used = word(computed),
                Field::StateRoot => h.state_root = computed,
                Field::TransactionsRoot => h.transactions_root = computed,
                Field::ReceiptsRoot => h.receipts_root = computed,
                Field::WithdrawalsRoot => h.withdrawals_root = Some(computed),
                Field::BlobGasUsed => h.blob_gas_used = Some(word(computed)),
                Field::RequestsHash => h.requests_hash = Some(computed),
                Field::LogsBloom => panic!("generated blocks emit no logs"),
            },
            Err(BlockError::InvalidBaseFee { expected, .. }) => h.base_fee_per_gas = Some(expected),
            Err(BlockError::InvalidDifficulty { expected, .. }) => h.difficulty = expected,
            Err(BlockError::IncorrectExcessBlobGas { expected, .. }) => h.excess_blob_gas = Some(expected),
            Err(e) => panic!("{spec:?} block {}: {e}", h.number),
        }
    }
    panic!("{spec:?} block {}: still invalid after 16 fixes", draft.header.number)
}

/// Small blockchain tests, made valid by executing them: a genesis, a few valid blocks of
/// every transaction type the fork has, and an invalid block (refused, the chain going on
/// from its parent).
fn blocktest_seeds() -> Vec<(String, Vec<u8>)> {
    // Each block's transactions by kind; nonces count up from 0 along the chain.
    let chains: [(&str, SpecId, Vec<Vec<&str>>); 3] = [
        ("London", SpecId::London, vec![vec!["legacy", "legacy-create"], vec!["eip155"]]),
        ("Cancun", SpecId::Cancun, vec![vec!["legacy", "eip155"], vec!["eip2930"]]),
        ("Prague", SpecId::Prague, vec![vec!["eip2930", "eip1559"], vec!["eip4844", "eip7702"]]),
    ];
    chains
        .into_iter()
        .map(|(network, spec, bodies)| {
            let config = ChainConfig::for_network(network, 1, |_| None).expect("a known network");
            let mut pre = PreState::new();
            let account = |balance: u64, code: &[u8]| PreAccount {
                nonce: 0,
                balance: U256::from(balance),
                code: Bytes::copy_from_slice(code),
                storage: BTreeMap::new(),
            };
            pre.insert(sender(), account(1_000_000_000_000_000_000, &[]));
            // CALLDATA word 0 → slot 0.
            pre.insert(STORE, account(0, &hex("60003560005500")));
            for system in [
                BEACON_ROOTS_ADDRESS,
                HISTORY_STORAGE_ADDRESS,
                WITHDRAWAL_REQUEST_ADDRESS,
                CONSOLIDATION_REQUEST_ADDRESS,
            ] {
                // STOP: the system calls succeed and return no requests.
                pre.insert(system, account(0, &[0x00]));
            }
            let mut genesis = header(spec, 0);
            genesis.state_root = pre_state_root(&pre);
            genesis.hash = keccak256(encode::header(&genesis));
            let genesis_block = block(spec, genesis.clone(), Vec::new(), Vec::new());

            let mut db = db_from_pre(&pre);
            db.insert_block_hash(0, genesis.hash);
            let mut parent = genesis.clone();
            let mut blocks = Vec::new();
            let mut nonce = 0;
            for (i, kinds) in bodies.into_iter().enumerate() {
                let number = i as u64 + 1;
                let body: Vec<Transaction> = kinds
                    .into_iter()
                    .map(|kind| {
                        nonce += 1;
                        make(kind, nonce - 1)
                    })
                    .collect();
                let mut h = header(spec, number);
                h.parent_hash = parent.hash;
                let withdrawals =
                    vec![Withdrawal { index: number, validator_index: 7, address: STORE, amount: 1 }];
                let sealed = seal(&config, &parent, block(spec, h, body, withdrawals), &mut db);
                db.insert_block_hash(number, sealed.header.hash);
                blocks.push(json!({ "rlp": hex_string(&encode::block(&sealed)) }));
                parent = sealed.header;
            }
            // The invalid block: the next block with a wrong state root.
            let mut bad = header(spec, parent.number + 1);
            bad.parent_hash = parent.hash;
            let bad = seal(&config, &parent, block(spec, bad, Vec::new(), Vec::new()), &mut db.clone());
            let mut bad_header = bad.header.clone();
            bad_header.state_root = B256::with_last_byte(1);
            let bad = Block { header: bad_header, ..bad };
            blocks.push(json!({
                "rlp": hex_string(&encode::block(&bad)),
                "expectException": "BlockException.INVALID_STATE_ROOT",
            }));
            let test = json!({
                format!("{network}_generated"): {
                    "network": network,
                    "genesisRLP": hex_string(&encode::block(&genesis_block)),
                    "pre": accounts_json(&pre),
                    "postStateHash": hex_string(db_state_root(&db).as_slice()),
                    "lastblockhash": hex_string(parent.hash.as_slice()),
                    "blocks": blocks,
                    "config": { "chainid": "0x01", "blobSchedule": blob_schedule() },
                }
            });
            (network.to_ascii_lowercase(), serde_json::to_vec(&test).expect("serialisable"))
        })
        .collect()
}

/// A contract that stores call-data word 1 in the slot named by word 0.
const SLOT_WRITER: Address = address!("0000000000000000000000000000000000002000");

/// A blockchain test for timing state roots over a large state (issue 20: "200 blocks over a
/// 100,000-slot state take at most 5x the time of 1 block"): a Prague chain whose genesis holds
/// one contract with `slots` storage slots, then `blocks` blocks of `writes` transactions, each
/// rewriting one slot (every third one a new slot, every seventh a deletion). The data is large
/// and made on demand, never committed: `cargo test -p kestrel-fuzz --test seeds -- --ignored
/// write_state_root_bench` writes it (see that test).
pub fn state_root_bench(slots: u64, blocks: u64, writes: u64) -> Vec<u8> {
    let network = "Prague";
    let spec = SpecId::Prague;
    let config = ChainConfig::for_network(network, 1, |_| None).expect("a known network");
    let mut pre = PreState::new();
    let account = |balance: u64, code: &[u8]| PreAccount {
        nonce: 0,
        balance: U256::from(balance),
        code: Bytes::copy_from_slice(code),
        storage: BTreeMap::new(),
    };
    pre.insert(sender(), account(1_000_000_000_000_000_000, &[]));
    for system in [
        BEACON_ROOTS_ADDRESS,
        HISTORY_STORAGE_ADDRESS,
        WITHDRAWAL_REQUEST_ADDRESS,
        CONSOLIDATION_REQUEST_ADDRESS,
    ] {
        pre.insert(system, account(0, &[0x00]));
    }
    // PUSH1 32 CALLDATALOAD PUSH1 0 CALLDATALOAD SSTORE STOP
    let mut writer = account(0, &hex("6020356000355500"));
    writer.storage = (0..slots).map(|k| (U256::from(k), U256::from(k + 1))).collect();
    pre.insert(SLOT_WRITER, writer);

    let mut genesis = header(spec, 0);
    genesis.state_root = pre_state_root(&pre);
    genesis.hash = keccak256(encode::header(&genesis));
    let genesis_block = block(spec, genesis.clone(), Vec::new(), Vec::new());
    let mut db = TrieDb::new(db_from_pre(&pre));
    db.insert_block_hash(0, genesis.hash);
    let mut parent = genesis.clone();
    let mut out_blocks = Vec::new();
    let mut nonce = 0u64;
    for number in 1..=blocks {
        let body: Vec<Transaction> = (0..writes)
            .map(|_| {
                let n = nonce;
                nonce += 1;
                let slot =
                    if n.is_multiple_of(3) { slots + n } else { n.wrapping_mul(0x9e37_79b9) % slots.max(1) };
                let value = if n.is_multiple_of(7) { 0 } else { n + 2 };
                let mut env = tx(2, n);
                env.to = Some(SLOT_WRITER);
                env.value = U256::ZERO;
                let mut data = U256::from(slot).to_be_bytes::<32>().to_vec();
                data.extend_from_slice(&U256::from(value).to_be_bytes::<32>());
                env.data = Bytes::from(data);
                sign(&env, None)
            })
            .collect();
        let mut h = header(spec, number);
        h.parent_hash = parent.hash;
        let sealed = seal(&config, &parent, block(spec, h, body, Vec::new()), &mut db);
        db.insert_block_hash(number, sealed.header.hash);
        out_blocks.push(json!({ "rlp": hex_string(&encode::block(&sealed)) }));
        parent = sealed.header;
    }
    let test = json!({
        format!("state_root_bench_{slots}_slots_{blocks}_blocks"): {
            "network": network,
            "genesisRLP": hex_string(&encode::block(&genesis_block)),
            "pre": accounts_json(&pre),
            "postStateHash": hex_string(db.state_root().as_slice()),
            "lastblockhash": hex_string(parent.hash.as_slice()),
            "blocks": out_blocks,
            "config": { "chainid": "0x01", "blobSchedule": blob_schedule() },
        }
    });
    serde_json::to_vec(&test).expect("serialisable")
}
