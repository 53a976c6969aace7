//! `kestrel statetest --trace`: geth's trace format on stderr, one state-root line per case
//! agreeing with the result list on stdout, and the stdin batch mode answering path after path.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/state_tests").join(name)
}

/// Checks one file's stderr trace against its stdout result list: every line is a JSON object
/// of geth's kinds, and the roots agree case by case. Returns the number of opcode lines.
fn check(trace: &[String], results: &serde_json::Value) -> usize {
    let results = results.as_array().expect("a list");
    assert!(!results.is_empty());
    let mut roots = Vec::new();
    let mut ops = 0;
    for line in trace {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        if let Some(root) = v.get("stateRoot") {
            assert!(line.starts_with("{\"stateRoot\": \"0x"), "geth's spelling: {line}");
            roots.push(root.as_str().unwrap().to_owned());
        } else if v.get("output").is_some() {
            assert!(keys.iter().all(|k| ["output", "gasUsed", "error"].contains(k)), "{line}");
        } else {
            ops += 1;
            // Field order as geth's encoder writes it.
            let order =
                ["pc", "op", "gas", "gasCost", "memSize", "stack", "depth", "refund", "opName", "error"];
            let mut at = 0;
            for key in line.trim_matches(['{', '}']).split(",\"").map(|f| f.trim_start_matches('"')) {
                let name = key.split('"').next().unwrap();
                if let Some(i) = order.iter().position(|o| *o == name) {
                    assert!(i >= at, "{name} out of order in {line}");
                    at = i;
                }
            }
            assert!(
                v["gas"].as_str().unwrap().starts_with("0x")
                    && v["pc"].is_u64()
                    && v["depth"].as_u64() >= Some(1)
            );
        }
    }
    let listed: Vec<String> = results.iter().map(|r| r["stateRoot"].as_str().unwrap().to_owned()).collect();
    assert_eq!(roots, listed);
    assert!(results.iter().all(|r| r["pass"] == true), "{results:?}");
    ops
}

#[test]
fn trace_one_file() {
    let out = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["statetest", "--trace"])
        .arg(fixture("revert.json"))
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let trace: Vec<String> = String::from_utf8(out.stderr).unwrap().lines().map(str::to_owned).collect();
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert!(check(&trace, &results) > 0);
    assert!(trace.iter().any(|l| l.contains("\"error\":\"execution reverted\"")));
}

#[test]
fn batch_mode_answers_each_path_and_stays_alive() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["statetest", "--trace"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    for name in ["call_log.json", "create.json"] {
        writeln!(stdin, "{}", fixture(name).display()).unwrap();
        stdin.flush().unwrap();
        // The answer arrives while stdin stays open: the list on stdout, then as many
        // state-root lines on stderr as it has cases.
        let mut list = String::new();
        loop {
            let mut l = String::new();
            assert!(stdout.read_line(&mut l).unwrap() > 0, "stdout closed");
            list.push_str(&l);
            if l.trim_end() == "]" {
                break;
            }
        }
        let results: serde_json::Value = serde_json::from_str(&list).unwrap();
        let cases = results.as_array().unwrap().len();
        let mut trace = Vec::new();
        while trace.iter().filter(|l: &&String| l.contains("stateRoot")).count() < cases {
            let mut l = String::new();
            assert!(stderr.read_line(&mut l).unwrap() > 0, "stderr closed");
            trace.push(l.trim_end().to_owned());
        }
        assert!(check(&trace, &results) > 0, "{name}");
    }
    writeln!(stdin).unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_file_that_cannot_run_still_ends_with_a_root_line() {
    // A batch driver reads up to the root line: a missing file must not leave it waiting.
    let mut child = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["statetest", "--trace"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", fixture("no-such-file.json").display()).unwrap();
    writeln!(stdin, "{}", fixture("revert.json").display()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "a missing file is a failure");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let roots: Vec<&str> = stderr.lines().filter(|l| l.contains("stateRoot")).collect();
    assert_eq!(roots[0], format!("{{\"stateRoot\": \"{:#066x}\"}}", 0));
    assert!(roots.len() > 1, "the next path is answered: {roots:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("\"pass\": false") && stdout.contains("\"pass\": true"), "{stdout}");
}
