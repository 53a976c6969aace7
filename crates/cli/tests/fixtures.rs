//! Tests over the real fixtures: loading the smoke subset against its manifest, the
//! "rejected transaction leaves the pre-state root" self-check of the trie code, and the
//! senders derived from the secret keys.
//!
//! The fixtures are found through `KESTREL_FIXTURES` (default: `shared/fixtures` beside the
//! workspace). When they are missing each test says so on stderr and checks nothing, so that a
//! fresh clone without the shared data still builds and tests; CI sets
//! `KESTREL_REQUIRE_SHARED=1`, under which missing fixtures FAIL, since a conformance suite that
//! silently passes without its data would be worse than none.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use kestrel::primitives::SpecId;
use kestrel_cli::statetest::exec::{db_from_pre, finish_block};
use kestrel_cli::statetest::root::{db_state_root, pre_state_root};
use kestrel_cli::statetest::{
    FileCases, Filter, LoadedCase, address_of_secret_key, collect_files, hex, load_file, run_paths,
};

/// The shared fixtures, or `None` (with a note on stderr) when they are missing and
/// `KESTREL_REQUIRE_SHARED` is unset.
fn fixtures_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("KESTREL_FIXTURES").map(PathBuf::from).unwrap_or_else(|| {
        std::path::PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
        )
        .join("../../../shared/fixtures")
    });
    if dir.join("smoke/manifest-smoke.json").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("KESTREL_REQUIRE_SHARED").is_none(),
        "\n\n*** state-test fixtures not found at {} ***\n*** set KESTREL_FIXTURES to the shared/fixtures directory ***\n\n",
        dir.display()
    );
    eprintln!("NOT CHECKED: state-test fixtures not found at {} (set KESTREL_FIXTURES)", dir.display());
    None
}

fn cases_of(path: &Path) -> Vec<LoadedCase> {
    match load_file(path) {
        FileCases::Cases(cases) => cases,
        FileCases::NotStateTests => panic!("{} holds no state test", path.display()),
    }
}

/// What a manifest says of one file.
struct ManifestEntry {
    path: String,
    tests: usize,
    cases: BTreeMap<String, usize>,
    exceptions: usize,
}

fn read_manifest(path: &Path) -> Vec<ManifestEntry> {
    let text = std::fs::read_to_string(path).expect("manifest readable");
    let json: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    json["files"]
        .as_array()
        .expect("manifest has files")
        .iter()
        .map(|f| ManifestEntry {
            path: f["path"].as_str().expect("path").to_owned(),
            tests: f["tests"].as_u64().expect("tests") as usize,
            cases: f["cases"]
                .as_object()
                .expect("cases")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_u64().expect("count") as usize))
                .collect(),
            exceptions: f["expect_exception_cases"].as_u64().expect("exceptions") as usize,
        })
        .collect()
}

/// Loads every file a manifest lists (relative to `root`) and checks tests, cases per fork and
/// exception cases against it; returns the number of cases checked.
fn check_against_manifest(root: &Path, manifest: &[ManifestEntry]) -> usize {
    let mut total = 0;
    for entry in manifest {
        let cases = cases_of(&root.join(&entry.path));
        let mut per_fork: BTreeMap<String, usize> = BTreeMap::new();
        let mut tests = BTreeSet::new();
        let mut exceptions = 0;
        for case in &cases {
            let id = case.id();
            match case {
                LoadedCase::Ready(c) => exceptions += usize::from(c.expected.exception.is_some()),
                LoadedCase::TxUndecodable { expected, .. } => {
                    exceptions += usize::from(expected.exception.is_some())
                }
                LoadedCase::Skipped { reason, .. } => panic!("{id} skipped: {reason}"),
                LoadedCase::Broken { error, .. } => panic!("{id} broken: {error}"),
            }
            tests.insert(id.test.clone());
            *per_fork.entry(id.fork.clone()).or_default() += 1;
        }
        assert_eq!(tests.len(), entry.tests, "{}: tests", entry.path);
        assert_eq!(per_fork, entry.cases, "{}: cases per fork", entry.path);
        assert_eq!(exceptions, entry.exceptions, "{}: exception cases", entry.path);
        total += cases.len();
    }
    total
}

#[test]
fn smoke_files_load_as_the_manifest_says() {
    let Some(fixtures) = fixtures_dir() else { return };
    let smoke = fixtures.join("smoke");
    let manifest = read_manifest(&smoke.join("manifest-smoke.json"));
    assert_eq!(manifest.len(), 50);
    assert_eq!(check_against_manifest(&smoke, &manifest), 377);
    // The directory walk finds the same files (plus the manifest itself).
    let walk = collect_files(std::slice::from_ref(&smoke));
    assert!(walk.errors.is_empty() && walk.skipped.is_empty(), "{walk:?}");
    assert_eq!(walk.files.len(), 51);
}

/// Every case that expects an exception must leave the state as it was, so its expected
/// root is the root of the pre-state: a check of the whole trie code (account RLP, storage
/// trie, key hashing, node encoding) against roots computed by other clients.
fn check_rejected_roots(paths: &[PathBuf]) -> usize {
    let walk = collect_files(paths);
    assert!(walk.errors.is_empty(), "{:?}", walk.errors);
    let files = walk.files;
    let mut checked = 0;
    for file in files {
        let FileCases::Cases(cases) = load_file(&file) else { continue };
        for case in cases {
            let (expected, pre, finish) = match &case {
                LoadedCase::Ready(c) => (&c.expected, &c.pre, &c.finish),
                LoadedCase::TxUndecodable { expected, pre, finish, .. } => (expected, pre, finish),
                LoadedCase::Skipped { .. } => continue,
                LoadedCase::Broken { id, error } => panic!("{id}: {error}"),
            };
            if expected.exception.is_some() {
                let mut db = db_from_pre(pre);
                // The trie over the database and over the plain pre-state must agree.
                assert_eq!(db_state_root(&db), pre_state_root(pre), "{}", case.id());
                finish_block(finish, &mut db);
                assert_eq!(db_state_root(&db), expected.state_root, "{}", case.id());
                checked += 1;
            }
        }
    }
    checked
}

#[test]
fn rejected_cases_expect_the_pre_state_root_smoke() {
    let Some(fixtures) = fixtures_dir() else { return };
    assert_eq!(check_rejected_roots(&[fixtures.join("smoke")]), 17);
}

/// The same self-check and the manifest comparison over the whole unpacked development set
/// (2,895 exception cases, 138,715 cases). Run with
/// `KESTREL_CORPUS=<dir holding state_tests/> cargo test -p kestrel-cli -- --ignored`.
#[test]
#[ignore = "needs the unpacked development set in KESTREL_CORPUS"]
fn development_set_loads_and_rejected_roots_hold() {
    let Some(fixtures) = fixtures_dir() else { return };
    let corpus =
        PathBuf::from(std::env::var_os("KESTREL_CORPUS").expect("set KESTREL_CORPUS to the unpacked set"));
    let manifest = read_manifest(&fixtures.join("manifest-dev.json"));
    assert_eq!(check_against_manifest(&corpus, &manifest), 138_715);
    assert_eq!(check_rejected_roots(&[corpus.join("state_tests")]), 2_895);
}

#[test]
fn senders_match_their_secret_keys() {
    let Some(fixtures) = fixtures_dir() else { return };
    let files = collect_files(&[fixtures.join("smoke/state_tests")]).files;
    let mut checked = 0;
    for file in &files {
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let cases = cases_of(file);
        for (name, test) in json.as_object().unwrap() {
            let key = hex::parse_b256(test["transaction"]["secretKey"].as_str().unwrap()).unwrap();
            let derived = address_of_secret_key(key.as_slice()).unwrap();
            for case in &cases {
                if let LoadedCase::Ready(c) = case
                    && c.id.test.as_ref() == name
                {
                    assert_eq!(c.tx.caller, derived, "{}", c.id);
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 377);
}

#[test]
fn transaction_types_and_block_fields_of_smoke_files() {
    let Some(fixtures) = fixtures_dir() else { return };
    let state_tests = fixtures.join("smoke/state_tests");
    let first_ready = |rel: &str| {
        cases_of(&state_tests.join(rel))
            .into_iter()
            .find_map(|c| if let LoadedCase::Ready(c) = c { Some(c) } else { None })
            .expect("a ready case")
    };
    let add11 = first_ready("legacy-cancun/stExample/add11.json");
    assert_eq!(add11.id.fork, "Berlin");
    assert_eq!((add11.tx.tx_type, add11.tx.chain_id, add11.tx.gas_limit), (0, None, 0x061a80));
    assert_eq!(add11.block.gas_limit, 0xff112233445566);
    assert_eq!(add11.block.prevrandao, None, "no PREVRANDAO before Paris");
    assert_eq!(add11.block.excess_blob_gas, None);

    let eip1559 = first_ready("eest/london/eip1559_fee_market_change/test_eip1559_tx_validity.json");
    assert_eq!(eip1559.tx.tx_type, 2);
    assert!(eip1559.tx.gas_priority_fee.is_some());

    let blobs = first_ready("eest/osaka/eip7594_peerdas/test_invalid_max_blobs_per_tx.json");
    assert_eq!(blobs.tx.tx_type, 3);
    assert!(!blobs.tx.blob_hashes.is_empty() && blobs.tx.max_fee_per_blob_gas.is_some());
    assert!(blobs.block.excess_blob_gas.is_some());

    let auth = first_ready("eest/prague/eip7702_set_code_tx/test_eip_7702.json");
    assert_eq!((auth.tx.tx_type, auth.tx.chain_id, auth.chain_id), (4, Some(1), 1));
    assert_eq!(auth.tx.authorization_list.len(), 1);
    assert_eq!(auth.tx.authorization_list[0].nonce, 1);
    assert_eq!(auth.spec, SpecId::Prague);
    assert_eq!(
        auth.blob_params.map(|b| (b.target, b.max, b.base_fee_update_fraction)),
        Some((6, 9, 0x4c6964))
    );
    assert_eq!(auth.block.max_blobs_per_block, Some(9));
    assert!(auth.block.prevrandao.is_some());

    let acl = first_ready("eest/berlin/eip2930_access_list/test_repeated_address_acl.json");
    assert_eq!(acl.tx.tx_type, 1);
    assert!(!acl.tx.access_list.is_empty());
}

#[test]
fn runner_counts_every_smoke_case_and_filters() {
    let Some(fixtures) = fixtures_dir() else { return };
    let smoke = fixtures.join("smoke");
    let all = run_paths(std::slice::from_ref(&smoke), &Filter::default(), Default::default());
    let s = all.summary();
    assert_eq!((s.passed + s.failed, s.skipped), (377, 0));
    assert_eq!(all.ignored_files.len(), 1, "the manifest is not a state test");
    let osaka = Filter { fork: Some(SpecId::Osaka), ..Filter::default() };
    assert_eq!(run_paths(std::slice::from_ref(&smoke), &osaka, Default::default()).results.len(), 48);
    let add11 = Filter { name: Some("add11".to_owned()), ..Filter::default() };
    assert_eq!(run_paths(&[smoke], &add11, Default::default()).results.len(), 5);
}

#[test]
fn bench_picks_the_newest_fork_or_the_requested_one() {
    let Some(fixtures) = fixtures_dir() else { return };
    let add11 = fixtures.join("smoke/state_tests/legacy-cancun/stExample/add11.json");
    let (picked, problems) = kestrel_cli::bench::pick_cases(cases_of(&add11), None);
    assert!(problems.is_empty());
    let picked: Vec<_> = picked.iter().map(|c| (c.id.fork.as_str(), c.id.index)).collect();
    assert_eq!(picked, [("Cancun", 0)]);
    let (picked, _) = kestrel_cli::bench::pick_cases(cases_of(&add11), Some(SpecId::Berlin));
    assert_eq!(picked.len(), 1);
    assert_eq!(picked[0].spec, SpecId::Berlin);
    let (picked, _) = kestrel_cli::bench::pick_cases(cases_of(&add11), Some(SpecId::Frontier));
    assert!(picked.is_empty());
}

#[test]
fn committed_known_failures_file_parses() {
    let path = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("known-failures.txt");
    let text = std::fs::read_to_string(&path).expect("known-failures.txt is committed");
    kestrel_cli::statetest::KnownFailures::parse(&text).expect("known-failures.txt is well-formed");
}

#[test]
fn every_smoke_case_passes_through_the_executor() {
    let Some(fixtures) = fixtures_dir() else { return };
    let smoke = fixtures.join("smoke");
    let report = run_paths(&[smoke], &Filter::default(), Default::default());
    let s = report.summary();
    let mut out = Vec::new();
    report.print(&mut out).expect("report prints");
    assert_eq!((s.passed, s.failed, s.skipped), (377, 0, 0), "{}", String::from_utf8_lossy(&out));
}

#[test]
fn tracing_writes_eip3155_lines_and_agrees_with_the_fast_runner() {
    let Some(fixtures) = fixtures_dir() else { return };
    use kestrel_cli::statetest::exec::{build_db, execute, execute_traced};
    let file = fixtures.join("smoke/state_tests/legacy-cancun/stExample/add11.json");
    let case = match cases_of(&file).into_iter().next() {
        Some(LoadedCase::Ready(case)) => case,
        _ => panic!("add11 has a runnable first case"),
    };
    let mut fast_db = build_db(&case);
    let fast = execute(&case, &mut fast_db, Default::default()).expect("add11 executes");
    let mut traced_db = build_db(&case);
    let trace = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let traced =
        execute_traced(&case, &mut traced_db, SharedVec(trace.clone())).expect("add11 executes traced");
    assert_eq!(fast, traced);
    assert_eq!(db_state_root(&fast_db), db_state_root(&traced_db));
    let text = String::from_utf8(std::mem::take(&mut *trace.lock().unwrap())).expect("the trace is UTF-8");
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("each trace line is JSON")).collect();
    assert!(!lines.is_empty());
    for key in ["pc", "op", "gas", "gasCost", "memSize", "stack", "depth", "refund", "opName"] {
        assert!(lines[0].get(key).is_some(), "missing {key} in {}", lines[0]);
    }
    // add11 adds 1 and 1 and stores the result: ADD appears, and the last opcode is STOP.
    assert!(lines.iter().any(|l| l["opName"] == "ADD"));
    let ops: Vec<&serde_json::Value> = lines.iter().filter(|l| l.get("pc").is_some()).collect();
    assert_eq!(ops.last().map(|l| l["opName"].clone()), Some(serde_json::json!("STOP")));
    // Then geth's line for the end of the outermost frame.
    let end = lines.last().expect("not empty");
    assert!(end.get("output").is_some() && end.get("gasUsed").is_some(), "{end}");
}

/// A `'static` writer whose bytes the test reads back.
struct SharedVec(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedVec {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
