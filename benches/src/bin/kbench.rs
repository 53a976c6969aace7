//! `kbench`: Kestrel against revm on every workload, one table. Run it through
//! `cargo xtask bench [FILTER...] [--quick] [--time SECS] [--wall] [--instructions] [--iterations N,M] [--list]`.
//!
//! Wall-clock mode (the default): every row is first checked (Kestrel against the fixture, then
//! Kestrel against revm on inclusion, success and gas), then timed in alternating batches
//! ([`kestrel_benches::timing`]). A row that disagrees or panics is reported and left out of the
//! means; the exit status is then 1. The table goes to the console and, as `latest.md` and
//! `latest.json`, to `bench/` in the target directory.
//!
//! `--instructions`: each row runs under `valgrind --tool=callgrind` through the `run_one`
//! binary beside this one, for each EVM at two iteration counts N < M; instructions per
//! transaction are `(I(M) - I(N)) / (M - N)`, so loading, setup and the first, cold run cancel.
//! Written as `instructions.md` and `instructions.json`.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use kestrel_benches::report::{self, Context, InstrRow, RowResult, Status};
use kestrel_benches::rows::{Group, Row, load_rows};
use kestrel_benches::timing::{Budget, Clock, compare};
use kestrel_benches::{Outcome, RevmSetup, check_agreement, run_kestrel, run_revm, workloads_dir};
use kestrel_cli::statetest::exec::{build_db, evm_for};

const USAGE: &str = "usage: cargo xtask bench [FILTER...] [--quick] [--time SECS] [--wall] [--list]
       cargo xtask bench --instructions [FILTER...] [--iterations N,M]
       cargo xtask bench --blocks [FILTER...] [--quick]   (benchmark blocks, Kestrel only)
FILTER keeps rows whose name contains it (any of several).";

struct Args {
    filters: Vec<String>,
    quick: bool,
    time: Option<f64>,
    instructions: bool,
    iterations: Option<(u32, u32)>,
    list: bool,
    wall: bool,
    blocks: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        filters: Vec::new(),
        quick: false,
        time: None,
        instructions: false,
        iterations: None,
        list: false,
        wall: false,
        blocks: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => args.quick = true,
            "--instructions" => args.instructions = true,
            "--list" => args.list = true,
            "--wall" => args.wall = true,
            "--blocks" => args.blocks = true,
            "--time" => {
                let v = it.next().ok_or("--time needs seconds")?;
                args.time = Some(v.parse().map_err(|_| format!("--time {v}: not a number"))?);
            }
            "--iterations" => {
                let v = it.next().ok_or("--iterations needs N,M")?;
                let parsed = v.split_once(',').and_then(|(n, m)| Some((n.parse().ok()?, m.parse().ok()?)));
                match parsed {
                    Some((n, m)) if n < m => args.iterations = Some((n, m)),
                    _ => return Err(format!("--iterations {v}: want N,M with N < M")),
                }
            }
            "--bench" => {} // passed by `cargo bench`
            "-h" | "--help" => return Err(USAGE.to_owned()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}\n{USAGE}")),
            _ => args.filters.push(a),
        }
    }
    Ok(args)
}

/// `bench/` in the target directory this binary was built into (`target/release/kbench`).
fn out_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent().and_then(Path::parent).map_or_else(|| PathBuf::from("bench"), |t| t.join("bench"))
}

fn command_line() -> String {
    std::env::var("KESTREL_BENCH_COMMAND").unwrap_or_else(|_| std::env::args().collect::<Vec<_>>().join(" "))
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "panic".to_owned())
}

/// The pre-timing check of one row, with panics turned into errors.
fn check(row: &Row) -> Result<Outcome, Status> {
    match catch_unwind(|| check_agreement(&row.case, row.file.is_some())) {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(why)) => Err(Status::Disagree(why)),
        Err(p) => Err(Status::Failed(format!("panicked during the check: {}", panic_message(&*p)))),
    }
}

/// Rounds run even past the time budget: only rows slower than a second a transaction (today
/// the zero-gas attacks on Kestrel) stop here; every other row runs hundreds of rounds.
const MIN_ROUNDS: usize = 3;

fn budget(args: &Args, group: Group) -> Budget {
    let default = match (args.quick, group) {
        (true, _) => 0.3,
        (false, Group::Precompile) => 2.0,
        (false, _) => 4.0,
    };
    let time = Duration::from_secs_f64(args.time.unwrap_or(default));
    let clock = if args.wall { Clock::Wall } else { Clock::ProcessCpu };
    Budget { clock, time, min_rounds: MIN_ROUNDS, max_rounds: 100_000 }
}

fn method(args: &Args) -> String {
    let time = match (args.time, args.quick) {
        (Some(t), _) => format!("{t} s per row"),
        (None, true) => "0.3 s per row (quick)".to_owned(),
        (None, false) => "4 s per row, 2 s per precompile row".to_owned(),
    };
    let clock = if args.wall { "wall time" } else { "process CPU time" };
    format!(
        "Alternating batches of about 2 ms ({clock}) (Kestrel, revm, then revm, Kestrel, ...) for {time}, at least {} rounds; \
         times are per-EVM medians of the per-transaction batch averages, ratio = median over rounds of \
         revm time / Kestrel time (above 1: Kestrel faster). One EVM each, reused; transact without commit.",
        MIN_ROUNDS
    )
}

/// Times one checked row. Every timed run's gas is compared with the checked outcome (one
/// comparison a transaction), so a run that quietly fails while timed is caught.
fn measure(row: &Row, outcome: Outcome, budget: Budget) -> Status {
    let changed = Cell::new(None);
    let run = || {
        let setup = RevmSetup::from_case(&row.case)?;
        let mut revm = setup.evm();
        let mut db = build_db(&row.case);
        let mut evm = evm_for(&row.case, &mut db);
        let case = &row.case;
        let expect = |evm: &'static str, gas: u64| {
            if gas != outcome.gas_used {
                changed.set(Some((evm, gas)));
            }
            gas
        };
        Ok::<_, String>(compare(
            budget,
            || expect("Kestrel", run_kestrel(&mut evm, case)),
            || expect("revm", run_revm(&mut revm, &setup.tx)),
        ))
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(_)) if changed.get().is_some() => {
            let (evm, gas) = changed.get().unwrap_or_default();
            Status::Disagree(format!(
                "a timed {evm} run used {gas} gas, the checked run {}",
                outcome.gas_used
            ))
        }
        Ok(Ok(t)) => Status::Measured(t),
        Ok(Err(e)) => Status::Failed(e),
        Err(p) => {
            Status::Failed(format!("panicked while timed (gas {}): {}", outcome.gas_used, panic_message(&*p)))
        }
    }
}

fn failed_load_rows(errors: Vec<kestrel_benches::rows::LoadError>) -> Vec<RowResult> {
    errors
        .into_iter()
        .map(|e| RowResult {
            group: if e.name.contains("precompile") { Group::Precompile } else { Group::Workload },
            name: e.name,
            fork: String::new(),
            gas_used: 0,
            success: false,
            status: Status::Failed(e.error),
        })
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text)) {
        Ok(()) => eprintln!("wrote {}", path.display()),
        Err(e) => eprintln!("!!! cannot write {}: {e}", path.display()),
    }
}

fn wall_clock(args: &Args, rows: Vec<Row>, mut results: Vec<RowResult>) -> bool {
    let ctx = Context::here(command_line(), method(args));
    let start = Instant::now();
    let n = rows.len();
    for (i, row) in rows.into_iter().enumerate() {
        let fork = row.case.id.fork.clone();
        let (outcome, status) = match check(&row) {
            Ok(outcome) => (Some(outcome), measure(&row, outcome, budget(args, row.group))),
            Err(status) => (None, status),
        };
        let gas_used = outcome.map_or(0, |o| o.gas_used);
        let line = match &status {
            Status::Measured(t) => format!(
                "Kestrel {} revm {} ratio {} ({} rounds, Mgas/s {:.1} vs {:.1})",
                report::human_ns(t.kestrel_ns),
                report::human_ns(t.revm_ns),
                report::fmt_ratio(t.ratio),
                t.rounds,
                report::mgas_per_s(gas_used, t.kestrel_ns),
                report::mgas_per_s(gas_used, t.revm_ns),
            ),
            Status::Disagree(why) => format!("!!! DISAGREE: {why}"),
            Status::Failed(why) => format!("!!! FAILED: {why}"),
        };
        eprintln!("[{}/{n}] {} ({fork}, gas {gas_used}): {line}", i + 1, row.name);
        results.push(RowResult {
            name: row.name,
            group: row.group,
            fork,
            gas_used,
            success: outcome.is_some_and(|o| o.success),
            status,
        });
    }
    println!("\n{}", report::text_table(&results));
    println!("{n} rows in {:.0} s", start.elapsed().as_secs_f64());
    let dir = out_dir();
    write(&dir, "latest.md", &report::markdown(&ctx, &results));
    write(&dir, "latest.json", &report::json(&ctx, &results));
    results.iter().all(|r| matches!(r.status, Status::Measured(_)))
}

/// Instructions `run_one` executes under callgrind for `iterations` runs, from valgrind's
/// `Collected : N` line.
fn callgrind(run_one: &Path, row: &Row, evm: &str, iterations: u32) -> Result<u64, String> {
    let mut cmd = Command::new("valgrind");
    cmd.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"]).arg(run_one);
    cmd.args([row.name.as_str(), evm, &iterations.to_string()]);
    if let Some(file) = &row.file {
        cmd.arg(file);
    }
    let out = cmd.output().map_err(|e| format!("cannot run valgrind: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("{evm} x{iterations} failed: {}", stderr.lines().last().unwrap_or("")));
    }
    stderr
        .lines()
        .find_map(|l| l.split_once("Collected :").and_then(|(_, n)| n.trim().parse().ok()))
        .ok_or_else(|| format!("{evm} x{iterations}: no `Collected :` line from callgrind"))
}

fn instructions(args: &Args, rows: Vec<Row>, load_errors: Vec<RowResult>) -> bool {
    let ctx = Context::here(
        command_line(),
        "Instructions per transaction = (I(M) - I(N)) / (M - N), I = total instructions callgrind counts for \
         `run_one` running the transaction K times on one reused EVM (load and setup cancel in the difference). \
         ratio = revm / Kestrel (above 1: Kestrel executes fewer)."
            .to_owned(),
    );
    let run_one = std::env::current_exe().unwrap_or_default().with_file_name("run_one");
    let mut out = Vec::new();
    let mut ok = load_errors.is_empty();
    for e in &load_errors {
        eprintln!("!!! FAILED {}: {:?}", e.name, e.status);
    }
    for row in rows {
        let outcome = match check(&row) {
            Ok(o) => o,
            Err(status) => {
                eprintln!("!!! {}: {status:?}", row.name);
                ok = false;
                out.push(InstrRow {
                    name: row.name,
                    gas_used: 0,
                    iterations: (0, 0),
                    kestrel: None,
                    revm: None,
                    error: Some(format!("{status:?}")),
                });
                continue;
            }
        };
        let (n, m) = args.iterations.unwrap_or(if outcome.gas_used >= 1_000_000 { (1, 3) } else { (10, 30) });
        let mut error = None;
        let mut per_tx = |evm: &str| {
            let counts =
                callgrind(&run_one, &row, evm, n).and_then(|a| Ok((a, callgrind(&run_one, &row, evm, m)?)));
            match counts {
                Ok((a, b)) => Some(b.saturating_sub(a) as f64 / f64::from(m - n)),
                Err(e) => {
                    error = Some(e);
                    None
                }
            }
        };
        let kestrel = per_tx("kestrel");
        let revm = per_tx("revm");
        let r =
            InstrRow { name: row.name, gas_used: outcome.gas_used, iterations: (n, m), kestrel, revm, error };
        ok &= r.error.is_none();
        eprintln!(
            "{}: Kestrel {:.0} revm {:.0} instr/tx, ratio {}",
            r.name,
            r.kestrel.unwrap_or(f64::NAN),
            r.revm.unwrap_or(f64::NAN),
            r.ratio().map_or_else(|| "-".to_owned(), report::fmt_ratio)
        );
        out.push(r);
    }
    let md = report::instr_markdown(&ctx, &out);
    println!("\n{md}");
    let dir = out_dir();
    write(&dir, "instructions.md", &md);
    write(&dir, "instructions.json", &serde_json::to_string_pretty(&out).unwrap_or_default());
    ok
}

/// `--blocks`: the benchmark blocks on Kestrel alone, written to `bench/blocks.md`.
fn blocks(args: &Args) -> ExitCode {
    use kestrel_benches::blocks;
    let iterations = if args.quick { 2 } else { 5 };
    let dir = out_dir().join("blocks");
    let run = blocks::archive()
        .and_then(|archive| blocks::unpack(&archive, &dir))
        .and_then(|()| blocks::run(&dir, &args.filters, iterations));
    let run = match run {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kbench --blocks: {e}");
            return ExitCode::FAILURE;
        }
    };
    let md = blocks::markdown(&run, iterations);
    println!("{md}");
    let path = out_dir().join("blocks.md");
    if let Err(e) = std::fs::write(&path, &md) {
        eprintln!("kbench: writing {}: {e}", path.display());
    }
    if run.records.is_empty() {
        eprintln!("kbench --blocks: no benchmark block matches {:?}", args.filters);
        return ExitCode::FAILURE;
    }
    if run.failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn main() -> ExitCode {
    if let Err(e) = kestrel_benches::mode_from_env() {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if args.blocks {
        return blocks(&args);
    }
    let dir = match workloads_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("kbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (rows, errors) = load_rows(&dir, &args.filters);
    if args.list {
        for r in &rows {
            println!("{:<12} {}", r.group.name(), r.name);
        }
        return ExitCode::SUCCESS;
    }
    if rows.is_empty() && errors.is_empty() {
        eprintln!("kbench: no row matches {:?}", args.filters);
        return ExitCode::FAILURE;
    }
    let failed = failed_load_rows(errors);
    let ok =
        if args.instructions { instructions(&args, rows, failed) } else { wall_clock(&args, rows, failed) };
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("!!! some rows disagreed or failed: see the list under the table");
        ExitCode::FAILURE
    }
}
