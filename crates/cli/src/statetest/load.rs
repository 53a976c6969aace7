//! Finding fixture files and turning each into [`LoadedCase`]s.
//!
//! Nothing here panics on bad input: malformed JSON, bad hex and out-of-range indexes become
//! [`LoadedCase::Broken`] entries that name the file and test, and loading goes on with the
//! next test or file.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kestrel::primitives::{Address, B256, BlockEnv, SpecId, U256};
use serde_json::value::RawValue;

use super::case::{BlobParams, Case, CaseId, Expected, Finish, LoadedCase, PreAccount, PreState};
use super::exception::Rejection;
use super::hex::{HexError, parse_address, parse_b256, parse_bytes, parse_u64, parse_u256, parse_word};
use super::model::{RawAccount, RawConfig, RawEnv, RawTest};
use super::tx::{FromBytes, TxTemplate, check_indexes, from_txbytes};
use super::unique::UniqueMap;

/// Files larger than this are refused instead of read into memory (the largest state-test
/// file of the development corpus is 3.9 MB). Reads stop here too, whatever size the file
/// claims: `/proc` files say 0 and grow as they are read.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Directory nesting deeper than this is refused.
const MAX_DEPTH: usize = 64;

/// What walking some paths found.
#[derive(Debug, Default)]
pub struct FileList {
    /// The `*.json` regular files (files given explicitly are taken whatever their name),
    /// sorted, each real file once however many paths (symlinks, hard links, repeated
    /// arguments) lead to it.
    pub files: Vec<PathBuf>,
    /// Paths that could not be read, with the reason: each is a failure of the run.
    pub errors: Vec<(PathBuf, String)>,
    /// Paths left out because they are not regular files (FIFOs, sockets, devices), with a
    /// note: reading them could block forever or never end.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Identifies a real file or directory, so that each is walked once: symlink loops and
/// several links to one directory would otherwise make the walk exponential.
#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = PathBuf;

#[cfg(unix)]
fn identity(_path: &Path, meta: &std::fs::Metadata) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path, _meta: &std::fs::Metadata) -> Option<Identity> {
    std::fs::canonicalize(path).ok()
}

/// What kind of non-regular file `meta` describes, for the note.
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    let _ = meta;
    "not a regular file"
}

/// Collects the `*.json` files under `paths` (files are taken as given, directories are
/// walked recursively, symlinks followed). See [`FileList`].
pub fn collect_files(paths: &[PathBuf]) -> FileList {
    let mut walker = Walker::default();
    for path in paths {
        walker.walk(path, 0);
    }
    let mut list = walker.list;
    list.files.sort();
    list
}

#[derive(Default)]
struct Walker {
    list: FileList,
    /// Directories and files already met, by identity.
    seen: HashSet<(bool, Identity)>,
}

impl Walker {
    fn walk(&mut self, path: &Path, depth: usize) {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => return self.list.errors.push((path.to_owned(), e.to_string())),
        };
        let first_visit = |seen: &mut HashSet<_>| match identity(path, &meta) {
            Some(id) => seen.insert((meta.is_dir(), id)),
            None => true,
        };
        if meta.is_file() {
            if first_visit(&mut self.seen) {
                self.list.files.push(path.to_owned());
            }
            return;
        }
        if !meta.is_dir() {
            let note = format!("{}, not read", special_kind(&meta));
            return self.list.skipped.push((path.to_owned(), note));
        }
        if !first_visit(&mut self.seen) {
            return;
        }
        if depth >= MAX_DEPTH {
            let error = format!("directories nested deeper than {MAX_DEPTH}");
            return self.list.errors.push((path.to_owned(), error));
        }
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => return self.list.errors.push((path.to_owned(), e.to_string())),
        };
        // Sorted, so that which of several paths to one file is kept does not depend on the
        // order the file system lists entries in.
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => children.push(entry.path()),
                Err(e) => self.list.errors.push((path.to_owned(), e.to_string())),
            }
        }
        children.sort();
        for child in children {
            let is_dir = std::fs::metadata(&child).is_ok_and(|m| m.is_dir());
            if is_dir || child.extension().is_some_and(|e| e == "json") {
                self.walk(&child, depth + 1);
            }
        }
    }
}

/// What one file holds.
#[derive(Debug)]
pub enum FileCases {
    /// The cases of every test in the file, tests in name order, forks in `post` key order.
    Cases(Vec<LoadedCase>),
    /// Well-formed JSON that holds no state test (a manifest, say): nothing to run.
    NotStateTests,
}

/// Reads and decodes one file. A file that cannot be read or is not JSON yields one
/// [`LoadedCase::Broken`] for the whole file.
pub fn load_file(path: &Path) -> FileCases {
    let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let broken = |error: String| {
        FileCases::Cases(vec![LoadedCase::Broken { id: CaseId::whole_file(name.clone()), error }])
    };
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return broken(format!("cannot read: {}", special_kind(&m))),
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return broken(format!("file larger than {MAX_FILE_BYTES} bytes"));
        }
        Ok(_) => {}
        Err(e) => return broken(format!("cannot read: {e}")),
    }
    let mut text = String::new();
    let read = std::fs::File::open(path).and_then(|f| {
        // Bounded whatever the size said: the file may have grown since.
        f.take(MAX_FILE_BYTES + 1).read_to_string(&mut text)
    });
    match read {
        Ok(_) if text.len() as u64 > MAX_FILE_BYTES => {
            broken(format!("file larger than {MAX_FILE_BYTES} bytes"))
        }
        Ok(_) => load_str(name, &text),
        Err(e) => broken(format!("cannot read: {e}")),
    }
}

/// The keys of a state test; an object with any of them is taken for one.
const TEST_KEYS: [&str; 4] = ["env", "pre", "transaction", "post"];

/// Decodes the text of one file named `file`.
pub fn load_str(file: Arc<str>, text: &str) -> FileCases {
    let tests: UniqueMap<&RawValue> = match serde_json::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let error = format!("malformed JSON: {e}");
            return FileCases::Cases(vec![LoadedCase::Broken { id: CaseId::whole_file(file), error }]);
        }
    };
    // A state-test file maps names to objects with `env`, `pre`, `transaction` and `post`; a
    // file none of whose entries has any of them (a manifest) is not an error, just not ours.
    // One that has some of them claims to be a state test, and what it lacks is an error.
    let looks_like_test = |v: &&RawValue| {
        serde_json::from_str::<BTreeMap<String, &RawValue>>(v.get())
            .is_ok_and(|m| TEST_KEYS.iter().any(|k| m.contains_key(*k)))
    };
    if !tests.values().any(looks_like_test) {
        return FileCases::NotStateTests;
    }
    let mut out = Vec::new();
    for (name, value) in tests {
        let test: Arc<str> = Arc::from(name.as_str());
        match serde_json::from_str::<RawTest>(value.get()) {
            Ok(raw) => load_test(&file, &test, &raw, &mut out),
            Err(e) => out.push(LoadedCase::Broken {
                id: CaseId::whole_test(file.clone(), test),
                error: format!("malformed test: {e}"),
            }),
        }
    }
    FileCases::Cases(out)
}

/// The block fields of `env`, decoded once per test.
struct EnvValues {
    coinbase: Address,
    gas_limit: u64,
    number: u64,
    timestamp: u64,
    difficulty: U256,
    random: Option<B256>,
    base_fee: U256,
    excess_blob_gas: Option<u64>,
}

fn env_field<T>(name: &str, r: Result<T, HexError>) -> Result<T, String> {
    r.map_err(|e| format!("env.{name}: {e}"))
}

fn decode_env(env: &RawEnv) -> Result<EnvValues, String> {
    let opt = |name: &str, v: &Option<String>, f: fn(&str) -> Result<U256, HexError>| {
        v.as_deref().map(|s| env_field(name, f(s))).transpose()
    };
    Ok(EnvValues {
        coinbase: env_field("currentCoinbase", parse_address(&env.current_coinbase))?,
        gas_limit: env_field("currentGasLimit", parse_u64(&env.current_gas_limit))?,
        number: env_field("currentNumber", parse_u64(&env.current_number))?,
        timestamp: env_field("currentTimestamp", parse_u64(&env.current_timestamp))?,
        difficulty: opt("currentDifficulty", &env.current_difficulty, parse_u256)?.unwrap_or_default(),
        random: env
            .current_random
            .as_deref()
            .map(|s| env_field("currentRandom", parse_word(s)))
            .transpose()?,
        base_fee: opt("currentBaseFee", &env.current_base_fee, parse_u256)?.unwrap_or_default(),
        excess_blob_gas: env
            .current_excess_blob_gas
            .as_deref()
            .map(|s| env_field("currentExcessBlobGas", parse_u64(s)))
            .transpose()?,
    })
}

impl EnvValues {
    /// The block for `spec`: `prevrandao` from Paris (EIP-4399; `currentRandom`, or the
    /// difficulty word when a filler left it out), excess blob gas from Cancun (EIP-4844).
    fn block(&self, spec: SpecId, blob: Option<BlobParams>) -> BlockEnv {
        let paris = spec.is_enabled_in(SpecId::Paris);
        let cancun = spec.is_enabled_in(SpecId::Cancun);
        BlockEnv {
            number: self.number,
            coinbase: self.coinbase,
            timestamp: self.timestamp,
            gas_limit: self.gas_limit,
            basefee: if spec.is_enabled_in(SpecId::London) { self.base_fee } else { U256::ZERO },
            difficulty: self.difficulty,
            prevrandao: paris.then(|| self.random.unwrap_or(B256::from(self.difficulty))),
            excess_blob_gas: cancun.then(|| self.excess_blob_gas.unwrap_or(0)),
            blob_base_fee_update_fraction: blob.map(|b| b.base_fee_update_fraction),
            max_blobs_per_block: blob.map(|b| b.max),
        }
    }
}

pub(crate) fn decode_account(addr: &str, a: &RawAccount) -> Result<(Address, PreAccount), String> {
    let ctx = |field: &str, e: HexError| format!("pre[{addr}].{field}: {e}");
    let address = parse_address(addr).map_err(|e| format!("pre key {addr:?}: {e}"))?;
    let mut storage = BTreeMap::new();
    let mut spelled: BTreeMap<U256, &str> = BTreeMap::new();
    for (k, v) in &a.storage {
        let key = parse_u256(k).map_err(|e| ctx(&format!("storage key {k}"), e))?;
        let value = parse_u256(v).map_err(|e| ctx(&format!("storage[{k}]"), e))?;
        // `0x01` and `0x1` are one slot: keeping either value would check a different state.
        if let Some(first) = spelled.insert(key, k) {
            return Err(format!("pre[{addr}].storage: keys {first:?} and {k:?} are the same slot"));
        }
        storage.insert(key, value);
    }
    let account = PreAccount {
        nonce: parse_u64(&a.nonce).map_err(|e| ctx("nonce", e))?,
        balance: parse_u256(&a.balance).map_err(|e| ctx("balance", e))?,
        code: a.code.as_deref().map(parse_bytes).transpose().map_err(|e| ctx("code", e))?.unwrap_or_default(),
        storage,
    };
    Ok((address, account))
}

/// `config.chainid` (default 1) and the blob schedule by fork; unknown fork keys are ignored.
fn decode_config(config: Option<&RawConfig>) -> Result<(u64, BTreeMap<SpecId, BlobParams>), String> {
    let Some(config) = config else { return Ok((1, BTreeMap::new())) };
    let chain_id = match &config.chainid {
        Some(c) => parse_u64(c).map_err(|e| format!("config.chainid: {e}"))?,
        None => 1,
    };
    let mut schedule = BTreeMap::new();
    for (fork, p) in &config.blob_schedule {
        let Ok(spec) = fork.parse::<SpecId>() else { continue };
        let n =
            |name: &str, s: &str| parse_u64(s).map_err(|e| format!("config.blobSchedule.{fork}.{name}: {e}"));
        schedule.insert(
            spec,
            BlobParams {
                target: n("target", &p.target)?,
                max: n("max", &p.max)?,
                base_fee_update_fraction: n("baseFeeUpdateFraction", &p.base_fee_update_fraction)?,
            },
        );
    }
    Ok((chain_id, schedule))
}

/// Everything of a test shared by its cases.
fn decode_shared(raw: &RawTest) -> Result<(EnvValues, PreState, u64, BTreeMap<SpecId, BlobParams>), String> {
    let env = decode_env(&raw.env)?;
    let mut pre = PreState::new();
    let mut spelled: BTreeMap<Address, &str> = BTreeMap::new();
    for (key, account) in &raw.pre {
        let (address, account) = decode_account(key, account)?;
        // Addresses are case-insensitive hex: two spellings of one address would merge two
        // accounts into one.
        if let Some(first) = spelled.insert(address, key) {
            return Err(format!("pre: keys {first:?} and {key:?} are the same address"));
        }
        pre.insert(address, account);
    }
    let (chain_id, schedule) = decode_config(raw.config.as_ref())?;
    Ok((env, pre, chain_id, schedule))
}

fn load_test(file: &Arc<str>, test: &Arc<str>, raw: &RawTest, out: &mut Vec<LoadedCase>) {
    let (env, pre, chain_id, schedule) = match decode_shared(raw) {
        Ok(shared) => shared,
        Err(error) => {
            out.push(LoadedCase::Broken { id: CaseId::whole_test(file.clone(), test.clone()), error });
            return;
        }
    };
    // A test without expectations checks nothing, yet would count as nothing wrong.
    if raw.post.is_empty() {
        let error = "post is empty: the test checks nothing".to_owned();
        out.push(LoadedCase::Broken { id: CaseId::whole_test(file.clone(), test.clone()), error });
        return;
    }
    let pre = Arc::new(pre);
    let pre_trie = Arc::default();
    let template = TxTemplate::new(&raw.transaction, chain_id);
    for (fork, entries) in &raw.post {
        let spec = fork.parse::<SpecId>();
        if entries.is_empty() {
            let id = CaseId { file: file.clone(), test: test.clone(), fork: fork.clone(), index: 0 };
            out.push(LoadedCase::Broken { id, error: format!("post.{fork} is empty: it checks nothing") });
            continue;
        }
        for (index, entry) in entries.iter().enumerate() {
            let id = CaseId { file: file.clone(), test: test.clone(), fork: fork.clone(), index };
            let Ok(spec) = spec else {
                out.push(match misspelled_fork(fork) {
                    Some(near) => LoadedCase::Broken {
                        id,
                        error: format!("unknown fork {fork:?}: a misspelling of {near}?"),
                    },
                    None => LoadedCase::Skipped { id, reason: format!("unknown fork {fork:?}") },
                });
                continue;
            };
            let expected = parse_b256(&entry.hash)
                .map_err(|e| format!("post.{fork}[{index}].hash: {e}"))
                .and_then(|state_root| {
                    let logs_hash =
                        parse_b256(&entry.logs).map_err(|e| format!("post.{fork}[{index}].logs: {e}"))?;
                    Ok(Expected { state_root, logs_hash, exception: entry.expect_exception.clone() })
                })
                .and_then(|exp| check_indexes(&raw.transaction, &entry.indexes).map(|()| exp));
            let expected = match expected {
                Ok(e) => e,
                Err(error) => {
                    out.push(LoadedCase::Broken { id, error });
                    continue;
                }
            };
            let finish = Finish { spec, coinbase: env.coinbase, touch_coinbase: raw.config.is_none() };
            let selected = template.select(&entry.indexes);
            // Where the entry carries its signed transaction, that is the transaction.
            let selected = match &entry.txbytes {
                None => selected.map(|tx| (tx, None)),
                Some(bytes) => match from_txbytes(bytes, selected.as_ref().ok(), spec, chain_id) {
                    FromBytes::Tx(tx, signature_error) => Ok((*tx, signature_error)),
                    FromBytes::Undecodable(e) => {
                        let error = format!("txbytes: {e}");
                        let rejection = Some(Rejection::Decode(e));
                        out.push(LoadedCase::TxUndecodable {
                            id,
                            expected,
                            pre: pre.clone(),
                            finish,
                            error,
                            rejection,
                        });
                        continue;
                    }
                    FromBytes::Broken(e) => {
                        out.push(LoadedCase::Broken { id, error: format!("post.{fork}[{index}].{e}") });
                        continue;
                    }
                },
            };
            out.push(match selected {
                Ok((tx, signature_error)) => {
                    let blob_params = schedule.get(&spec).copied();
                    LoadedCase::Ready(Box::new(Case {
                        id,
                        spec,
                        block: env.block(spec, blob_params),
                        tx,
                        signature_error,
                        chain_id,
                        blob_params,
                        pre: pre.clone(),
                        pre_trie: Arc::clone(&pre_trie),
                        expected,
                        finish,
                    }))
                }
                Err(error) => LoadedCase::TxUndecodable {
                    id,
                    expected,
                    pre: pre.clone(),
                    finish,
                    error,
                    rejection: None,
                },
            });
        }
    }
}

/// Fork names and aliases a fixture may spell (case-insensitively).
const FORK_NAMES: [&str; 19] = [
    "Frontier",
    "Homestead",
    "EIP150",
    "TangerineWhistle",
    "EIP158",
    "SpuriousDragon",
    "Byzantium",
    "Constantinople",
    "ConstantinopleFix",
    "Petersburg",
    "Istanbul",
    "Berlin",
    "London",
    "Paris",
    "Merge",
    "Shanghai",
    "Cancun",
    "Prague",
    "Osaka",
];

/// The known fork an unknown fork name is a near miss of (at most two edits, a swap of two
/// neighbouring letters counting as one), if any. A fork Kestrel does not implement yet
/// (`Amsterdam`) is skipped; a misspelled one (`Cancnu`) is a broken fixture, since skipping it
/// would silently drop the cases it was meant to check.
fn misspelled_fork(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    FORK_NAMES.into_iter().find(|known| edit_distance(&name, &known.to_ascii_lowercase()) <= 2)
}

/// Optimal-string-alignment distance of two short ASCII names (longer inputs are "far").
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}
