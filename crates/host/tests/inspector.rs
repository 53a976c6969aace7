//! The inspector API: EIP-3155 lines as geth writes them, written out by hand for small programs
//! (each line's gas worked out from the fork's prices), the call tree, the opcode counter, and
//! an inspector stopping a transaction.

use std::io::Write;
use std::sync::{Arc, Mutex};

use kestrel_host::inspector::{CallTracer, Eip3155, Eip3155Config, Halt, Inspector, OpcodeCounter, StepInfo};
use kestrel_host::{Evm, TxError, create_address};
use kestrel_primitives::{Address, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel_state::{AccountInfo, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const CONTRACT: Address = address!("c000000000000000000000000000000000000001");
const CHILD: Address = address!("c000000000000000000000000000000000000002");

/// A writer several owners share: the test keeps one handle, the `Evm`'s inspector the other.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A database with a rich sender, `CONTRACT` running `code` (with `storage`) and `CHILD`
/// running `child`.
fn db(code: &[u8], child: &[u8], storage: &[(u64, u64)]) -> InMemoryDb {
    let mut db = InMemoryDb::new();
    db.insert_account(SENDER, AccountInfo::new(U256::from(10u64.pow(18)), 0, Bytes::new()));
    db.insert_account(CONTRACT, AccountInfo::new(U256::ZERO, 1, code.to_vec().into()));
    db.insert_account(CHILD, AccountInfo::new(U256::ZERO, 1, child.to_vec().into()));
    for &(k, v) in storage {
        db.insert_storage(CONTRACT, U256::from(k), U256::from(v));
    }
    db
}

fn call(gas_limit: u64) -> TxEnv {
    TxEnv { caller: SENDER, gas_limit, gas_price: U256::from(1), to: Some(CONTRACT), ..Default::default() }
}

/// Runs `tx` over `db` with `inspector` attached; returns the result.
fn run(
    db: &mut InMemoryDb,
    tx: TxEnv,
    inspector: Box<dyn Inspector>,
) -> Result<kestrel_host::ExecutionResult, TxError> {
    let mut evm = Evm::new(db, SpecId::Osaka, 1);
    evm.set_block(BlockEnv { number: 1, gas_limit: 30_000_000, ..Default::default() });
    evm.set_inspector(Some(inspector));
    evm.transact(tx)
}

/// The EIP-3155 trace of `tx` over `db`, line by line.
fn trace(db: &mut InMemoryDb, tx: TxEnv, config: Eip3155Config) -> Vec<String> {
    let out = Shared::default();
    let _ = run(db, tx, Box::new(Eip3155::new(out.clone(), config)));
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    text.lines().map(str::to_owned).collect()
}

/// One opcode line in geth's field order, without memory and return data.
// One argument per field, in the line's order: the expectations read like the trace.
#[allow(clippy::too_many_arguments)]
fn line(
    pc: usize,
    op: u8,
    name: &str,
    gas: u64,
    cost: u64,
    mem: usize,
    stack: &[&str],
    depth: usize,
    refund: u64,
) -> String {
    let stack: Vec<String> = stack.iter().map(|s| format!("\"{s}\"")).collect();
    format!(
        "{{\"pc\":{pc},\"op\":{op},\"gas\":\"{gas:#x}\",\"gasCost\":\"{cost:#x}\",\"memSize\":{mem},\"stack\":[{}],\"depth\":{depth},\"refund\":{refund},\"opName\":\"{name}\"}}",
        stack.join(",")
    )
}

/// `line` with an `error` field.
fn failed(line: String, error: &str) -> String {
    format!("{},\"error\":\"{error}\"}}", line.strip_suffix('}').unwrap())
}

fn exit(output: &str, gas_used: u64, error: Option<&str>) -> String {
    match error {
        None => format!("{{\"output\":\"{output}\",\"gasUsed\":\"{gas_used:#x}\"}}"),
        Some(e) => format!("{{\"output\":\"{output}\",\"gasUsed\":\"{gas_used:#x}\",\"error\":\"{e}\"}}"),
    }
}

/// 100,000 gas left for the frame after the 21,000 of a plain call.
const G: u64 = 100_000;

#[test]
fn arithmetic_memory_and_return() {
    // PUSH1 2, PUSH1 3, ADD, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN
    let code = [0x60, 2, 0x60, 3, 0x01, 0x60, 0, 0x52, 0x60, 32, 0x60, 0, 0xf3];
    let got = trace(&mut db(&code, &[], &[]), call(21_000 + G), Eip3155Config::default());
    let word = format!("{:064x}", 5);
    let expected = vec![
        line(0, 0x60, "PUSH1", G, 3, 0, &[], 1, 0),
        line(2, 0x60, "PUSH1", G - 3, 3, 0, &["0x2"], 1, 0),
        line(4, 0x01, "ADD", G - 6, 3, 0, &["0x2", "0x3"], 1, 0),
        line(5, 0x60, "PUSH1", G - 9, 3, 0, &["0x5"], 1, 0),
        // 3 for MSTORE, 3 for the first word of memory; memSize is before the expansion.
        line(7, 0x52, "MSTORE", G - 12, 6, 0, &["0x5", "0x0"], 1, 0),
        line(8, 0x60, "PUSH1", G - 18, 3, 32, &[], 1, 0),
        line(10, 0x60, "PUSH1", G - 21, 3, 32, &["0x20"], 1, 0),
        line(12, 0xf3, "RETURN", G - 24, 0, 32, &["0x20", "0x0"], 1, 0),
        exit(&word, 24, None),
    ];
    assert_eq!(got, expected);

    // With memory and return data asked for: memory appears once it is not empty.
    let got =
        trace(&mut db(&code, &[], &[]), call(21_000 + G), Eip3155Config { memory: true, return_data: true });
    let with_memory = line(8, 0x60, "PUSH1", G - 18, 3, 32, &[], 1, 0)
        .replace(",\"memSize\"", &format!(",\"memory\":\"0x{word}\",\"memSize\""));
    assert_eq!(got[5], with_memory);
    assert_eq!(got[0], expected[0], "empty memory is left out");
}

#[test]
fn revert_is_logged_then_faulted() {
    // PUSH1 0, PUSH1 0, REVERT
    let code = [0x60, 0, 0x60, 0, 0xfd];
    let got = trace(&mut db(&code, &[], &[]), call(21_000 + G), Eip3155Config::default());
    assert_eq!(
        got,
        vec![
            line(0, 0x60, "PUSH1", G, 3, 0, &[], 1, 0),
            line(2, 0x60, "PUSH1", G - 3, 3, 0, &["0x0"], 1, 0),
            line(4, 0xfd, "REVERT", G - 6, 0, 0, &["0x0", "0x0"], 1, 0),
            // geth's OnFault: the same opcode again, the stack as REVERT left it.
            failed(line(4, 0xfd, "REVERT", G - 6, 0, 0, &[], 1, 0), "execution reverted"),
            exit("", 6, Some("execution reverted")),
        ]
    );
}

#[test]
fn invalid_jump_underflow_undefined_and_out_of_gas() {
    // PUSH1 3, JUMP: 3 is past the code.
    let got = trace(&mut db(&[0x60, 3, 0x56], &[], &[]), call(21_000 + G), Eip3155Config::default());
    assert_eq!(
        got,
        vec![
            line(0, 0x60, "PUSH1", G, 3, 0, &[], 1, 0),
            line(2, 0x56, "JUMP", G - 3, 8, 0, &["0x3"], 1, 0),
            failed(line(2, 0x56, "JUMP", G - 3, 8, 0, &[], 1, 0), "invalid jump destination"),
            exit("", G, Some("invalid jump destination")),
        ]
    );

    // ADD on an empty stack: found before it runs, one line.
    let got = trace(&mut db(&[0x01], &[], &[]), call(21_000 + G), Eip3155Config::default());
    let underflow = "stack underflow (0 <=> 2)";
    assert_eq!(
        got,
        vec![failed(line(0, 0x01, "ADD", G, 3, 0, &[], 1, 0), underflow), exit("", G, Some(underflow))]
    );

    // 0x0c is defined in no fork: logged, then faulted (geth runs its opUndefined).
    let got = trace(&mut db(&[0x0c], &[], &[]), call(21_000 + G), Eip3155Config::default());
    let invalid = "invalid opcode: opcode 0xc not defined";
    let undefined = line(0, 0x0c, "opcode 0xc not defined", G, 0, 0, &[], 1, 0);
    assert_eq!(got, vec![undefined.clone(), failed(undefined, invalid), exit("", G, Some(invalid))]);

    // Five gas: the second PUSH1 cannot pay its 3.
    let got = trace(&mut db(&[0x60, 1, 0x60, 1], &[], &[]), call(21_005), Eip3155Config::default());
    assert_eq!(
        got,
        vec![
            line(0, 0x60, "PUSH1", 5, 3, 0, &[], 1, 0),
            failed(line(2, 0x60, "PUSH1", 2, 3, 0, &["0x1"], 1, 0), "out of gas"),
            exit("", 5, Some("out of gas")),
        ]
    );
}

/// PUSH1 0 five times, PUSH20 `to`, PUSH2 0xffff, CALL, STOP.
fn calling(to: Address) -> Vec<u8> {
    let mut code = [0x60, 0].repeat(5);
    code.push(0x73);
    code.extend_from_slice(to.as_slice());
    code.extend_from_slice(&[0x61, 0xff, 0xff, 0xf1, 0x00]);
    code
}

fn pushes_before_call(to: &str) -> Vec<String> {
    let zeros = ["0x0"; 5];
    let mut lines: Vec<String> =
        (0..5).map(|i| line(2 * i, 0x60, "PUSH1", G - 3 * i as u64, 3, 0, &zeros[..i], 1, 0)).collect();
    lines.push(line(10, 0x73, "PUSH20", G - 15, 3, 0, &zeros, 1, 0));
    let mut with_to = zeros.to_vec();
    with_to.push(to);
    lines.push(line(31, 0x61, "PUSH2", G - 18, 3, 0, &with_to, 1, 0));
    lines
}

#[test]
fn a_call_goes_one_level_deeper_and_comes_back() {
    // The child: PUSH1 1, STOP.
    let got =
        trace(&mut db(&calling(CHILD), &[0x60, 1, 0x00], &[]), call(21_000 + G), Eip3155Config::default());
    let to = "0xc000000000000000000000000000000000000002";
    let mut stack = vec!["0x0"; 5];
    stack.extend([to, "0xffff"]);
    let mut expected = pushes_before_call(to);
    // CALL: 100 warm + 2,500 cold + the 65,535 it hands over (less than 63/64 of what is left).
    let cost = 100 + 2_500 + 0xffff;
    expected.push(line(34, 0xf1, "CALL", G - 21, cost, 0, &stack, 1, 0));
    expected.push(line(0, 0x60, "PUSH1", 0xffff, 3, 0, &[], 2, 0));
    expected.push(line(2, 0x00, "STOP", 0xffff - 3, 0, 0, &["0x1"], 2, 0));
    expected.push(exit("", 3, None));
    let left = G - 21 - cost + 0xffff - 3;
    expected.push(line(35, 0x00, "STOP", left, 0, 0, &["0x1"], 1, 0));
    expected.push(exit("", G - left, None));
    assert_eq!(got, expected);
}

#[test]
fn a_precompile_call_has_no_opcodes_but_an_end() {
    // The identity precompile (warm from the start) on no input: 15 gas.
    let identity = address!("0000000000000000000000000000000000000004");
    let got = trace(&mut db(&calling(identity), &[], &[]), call(21_000 + G), Eip3155Config::default());
    let mut stack = vec!["0x0"; 5];
    stack.extend(["0x4", "0xffff"]);
    let mut expected = pushes_before_call("0x4");
    let cost = 100 + 0xffff;
    expected.push(line(34, 0xf1, "CALL", G - 21, cost, 0, &stack, 1, 0));
    expected.push(exit("", 15, None));
    let left = G - 21 - cost + 0xffff - 15;
    expected.push(line(35, 0x00, "STOP", left, 0, 0, &["0x1"], 1, 0));
    expected.push(exit("", G - left, None));
    assert_eq!(got, expected);
}

#[test]
fn create_of_empty_init_code_runs_no_opcode() {
    // PUSH1 0 (size), PUSH1 0 (offset), PUSH1 0 (value), CREATE, STOP
    let code = [0x60, 0, 0x60, 0, 0x60, 0, 0xf0, 0x00];
    let got = trace(&mut db(&code, &[], &[]), call(21_000 + G), Eip3155Config::default());
    let created = create_address(&CONTRACT, 1);
    let created = format!("{:#x}", U256::from_be_slice(created.as_slice()));
    // 32,000, then all but a 64th of the rest goes to the child, which uses none of it.
    let child = (G - 9 - 32_000) - (G - 9 - 32_000) / 64;
    let left = G - 9 - 32_000 - child + child;
    assert_eq!(
        got,
        vec![
            line(0, 0x60, "PUSH1", G, 3, 0, &[], 1, 0),
            line(2, 0x60, "PUSH1", G - 3, 3, 0, &["0x0"], 1, 0),
            line(4, 0x60, "PUSH1", G - 6, 3, 0, &["0x0", "0x0"], 1, 0),
            line(6, 0xf0, "CREATE", G - 9, 32_000 + child, 0, &["0x0", "0x0", "0x0"], 1, 0),
            exit("", 0, None),
            line(7, 0x00, "STOP", left, 0, 0, &[created.as_str()], 1, 0),
            exit("", G - left, None),
        ]
    );
}

#[test]
fn refund_is_the_transactions_counter() {
    // Slot 0 holds 1; PUSH1 0, PUSH1 0, SSTORE clears it: 2,100 cold + 2,900, refund 4,800.
    // geth logs SSTORE after pricing it, and the pricing adds the refund: its own line shows it.
    let code = [0x60, 0, 0x60, 0, 0x55, 0x00];
    let got = trace(&mut db(&code, &[], &[(0, 1)]), call(21_000 + G), Eip3155Config::default());
    assert_eq!(
        got,
        vec![
            line(0, 0x60, "PUSH1", G, 3, 0, &[], 1, 0),
            line(2, 0x60, "PUSH1", G - 3, 3, 0, &["0x0"], 1, 0),
            line(4, 0x55, "SSTORE", G - 6, 5_000, 0, &["0x0", "0x0"], 1, 4_800),
            line(5, 0x00, "STOP", G - 5_006, 0, 0, &[], 1, 4_800),
            exit("", 5_006, None),
        ]
    );
}

/// Stops the transaction at the first SSTORE, and counts the steps it saw.
struct StopAtSstore(Arc<Mutex<usize>>);

impl Inspector for StopAtSstore {
    fn step(&mut self, step: &StepInfo<'_>) -> Result<(), Halt> {
        *self.0.lock().unwrap() += 1;
        if step.op() == 0x55 { Err(Halt("no storage writes here".to_owned())) } else { Ok(()) }
    }
}

#[test]
fn an_inspector_stops_the_transaction_with_its_error() {
    // The child writes storage; the parent calls it. The halt in the child stops both frames:
    // the parent runs no opcode after the CALL, and nothing of the transaction is kept.
    let child = [0x60, 1, 0x60, 0, 0x55, 0x00];
    let commit = |inspector: Box<dyn Inspector>| {
        let mut db = db(&calling(CHILD), &child, &[]);
        let mut evm = Evm::new(&mut db, SpecId::Osaka, 1);
        evm.set_block(BlockEnv { number: 1, gas_limit: 30_000_000, ..Default::default() });
        evm.set_inspector(Some(inspector));
        let result = evm.transact_commit(call(21_000 + G)).map(|r| r.status);
        (result, db.account(&SENDER).map(|a| a.info.nonce))
    };
    let seen = Arc::new(Mutex::new(0));
    let (result, nonce) = commit(Box::new(StopAtSstore(seen.clone())));
    assert_eq!(result, Err(TxError::Halted("no storage writes here".to_owned())));
    // 8 opcodes of the parent up to its CALL, 3 of the child: the SSTORE refused, no STOP after.
    assert_eq!(*seen.lock().unwrap(), 8 + 3);
    assert_eq!(nonce, Some(0), "nothing was kept");
    // The same transaction with an inspector that lets it run is kept.
    let (result, nonce) = commit(Box::new(OpcodeCounter::new()));
    assert!(result.expect("valid").is_success());
    assert_eq!(nonce, Some(1));
}

#[test]
fn the_opcode_counter_and_the_call_tree() {
    // The child: PUSH1 1, PUSH1 0, PUSH1 0, LOG1 (topic 1, no data), PUSH1 0, PUSH1 0, REVERT.
    let child = [0x60, 1, 0x60, 0, 0x60, 0, 0xa1, 0x60, 0, 0x60, 0, 0xfd];
    let counter = Arc::new(Mutex::new(OpcodeCounter::new()));
    let tracer = Arc::new(Mutex::new(CallTracer::new(true)));
    for inspector in [Box::new(counter.clone()) as Box<dyn Inspector>, Box::new(tracer.clone())] {
        let result = run(&mut db(&calling(CHILD), &child, &[]), call(21_000 + G), inspector);
        assert!(result.expect("valid").is_success());
    }
    let counter = counter.lock().unwrap();
    // Parent: 5 PUSH1, PUSH20, PUSH2, CALL, STOP; child: 5 PUSH1, LOG1, REVERT.
    assert_eq!((counter.count(0x60), counter.count(0x73), counter.count(0xf1)), (10, 1, 1));
    assert_eq!((counter.count(0xa1), counter.count(0xfd), counter.count(0x00)), (1, 1, 1));
    assert_eq!(counter.total(), 9 + 7);
    assert_eq!(
        counter.to_json(),
        r#"{"STOP":1,"PUSH1":10,"PUSH2":1,"PUSH20":1,"LOG1":1,"CALL":1,"REVERT":1}"#
    );

    // The child's gas: 5 pushes, LOG1 (375 + 375 for the topic), REVERT 0.
    let child_used = 15 + 750;
    let cost = 100 + 2_500 + 0xffff;
    let used = 21_000 + 21 + cost - (0xffff - child_used);
    let json = tracer.lock().unwrap().json().expect("a transaction ran");
    // The reverted child keeps its call but loses its log (geth's withLog drops failed logs).
    let expected = format!(
        concat!(
            r#"{{"from":"{sender}","gas":"{gas:#x}","gasUsed":"{used:#x}","to":"{contract}","input":"0x","#,
            r#""calls":[{{"from":"{contract}","gas":"0xffff","gasUsed":"{child_used:#x}","to":"{child}","input":"0x","#,
            r#""error":"execution reverted","value":"0x0","type":"CALL"}}],"value":"0x0","type":"CALL"}}"#
        ),
        sender = "0xa000000000000000000000000000000000000001",
        contract = "0xc000000000000000000000000000000000000001",
        child = "0xc000000000000000000000000000000000000002",
        gas = 21_000 + G,
        used = used,
        child_used = child_used,
    );
    assert_eq!(json, expected);
}
