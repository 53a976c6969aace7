//! `kbench`: Kestrel in each execution mode against revm on every workload, one table. Run it
//! through `cargo xtask bench [FILTER...] [--quick] [--time SECS] [--wall] [--modes LIST]
//! [--instructions] [--iterations N,M] [--list]`.
//!
//! Timing (the default): every row is first checked (Kestrel against the fixture, then Kestrel
//! against revm on inclusion, success and gas), then timed in alternating batches
//! ([`kestrel_benches::timing`]): one Kestrel `Evm` per execution mode (interpreter, compiled,
//! auto by default) and revm, all in the same rounds. Auto is first run until its programs are
//! ready (its steady state). The `cold/*` rows time first calls of new code instead
//! ([`kestrel_benches::cold`]), and a last section times translating a 24 KiB contract on its
//! own. A row that disagrees or panics is reported and left out of the means; the exit status is
//! then 1. The tables go to the console and, as `latest.md` and `latest.json`, to `bench/` in
//! the target directory.
//!
//! `--instructions`: each row runs under `valgrind --tool=callgrind` through the `run_one`
//! binary beside this one, for each EVM (Kestrel in each mode, by default interpreter and
//! compiled) at two iteration counts N < M; instructions per transaction are
//! `(I(M) - I(N)) / (M - N)`, so loading, setup and the first, cold run (with its translation)
//! cancel. Written as `instructions.md` and `instructions.json`.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use kestrel_benches::cold::{self, TRANSLATE_NAME, TranslateTime};
use kestrel_benches::report::{self, Context, InstrMode, InstrRow, RowResult, Status, Timing};
use kestrel_benches::rows::{Group, Row, load_rows, matches};
use kestrel_benches::timing::{Batch, Budget, Clock, compare};
use kestrel_benches::{
    ALL_MODES, Outcome, RevmSetup, check_agreement, mode_name, run_kestrel, run_revm, workloads_dir,
};
use kestrel_bytecode::program::ProgramCache;
use kestrel_cli::statetest::exec::{build_db, evm_for};
use kestrel_host::ExecutionMode;
use kestrel_state::InMemoryDb;

const USAGE: &str =
    "usage: cargo xtask bench [FILTER...] [--quick] [--time SECS] [--wall] [--modes LIST] [--list]
       cargo xtask bench --instructions [FILTER...] [--iterations N,M] [--modes LIST]
       cargo xtask bench --blocks [FILTER...] [--quick] [--wall]   (benchmark blocks, Kestrel and revm;
                                                       synthetic blocks sequential beside parallel first)
FILTER keeps rows whose name contains it (any of several).
LIST: comma-separated Kestrel execution modes (interpreter, compiled, auto); default all three,
or interpreter,compiled with --instructions, or KESTREL_MODE when that is set.";

struct Args {
    filters: Vec<String>,
    quick: bool,
    time: Option<f64>,
    instructions: bool,
    iterations: Option<(u32, u32)>,
    list: bool,
    wall: bool,
    blocks: bool,
    modes: Option<Vec<ExecutionMode>>,
}

/// `interpreter,compiled,auto` as modes, in the given order, without repeats.
fn parse_modes(list: &str) -> Result<Vec<ExecutionMode>, String> {
    let mut modes = Vec::new();
    for m in list.split(',').filter(|m| !m.is_empty()) {
        let mode = m.parse::<ExecutionMode>().map_err(|e| format!("--modes: {e}"))?;
        if !modes.contains(&mode) {
            modes.push(mode);
        }
    }
    if modes.is_empty() {
        return Err("--modes needs at least one of interpreter, compiled, auto".to_owned());
    }
    Ok(modes)
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
        modes: None,
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
            "--modes" => {
                let v = it.next().ok_or("--modes needs a list, e.g. interpreter,compiled,auto")?;
                args.modes = Some(parse_modes(&v)?);
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

/// Most rounds of a cold row: each round leaves a translated 24 KiB program (about 0.5 MB) in
/// the process-wide caches for each compiled side, so the rounds are bounded, not only timed.
const COLD_MAX_ROUNDS: usize = 301;

/// How long each piece of the translation section is timed (`--quick`: 0.1 s).
const TRANSLATE_TIME: f64 = 0.5;

fn budget(args: &Args, group: Group) -> Budget {
    let default = match (args.quick, group) {
        (true, _) => 0.3,
        (false, Group::Precompile) => 2.0,
        (false, Group::Cold) => 2.0,
        (false, _) => 4.0,
    };
    let time = Duration::from_secs_f64(args.time.unwrap_or(default));
    let clock = match (args.wall, group) {
        (true, _) => Clock::Wall,
        (false, Group::Cold) => Clock::ThreadCpu,
        (false, _) => Clock::ProcessCpu,
    };
    let max_rounds = if group == Group::Cold { COLD_MAX_ROUNDS } else { 100_000 };
    Budget { clock, time, min_rounds: MIN_ROUNDS, max_rounds }
}

fn method(args: &Args, modes: &[ExecutionMode]) -> String {
    let time = match (args.time, args.quick) {
        (Some(t), _) => format!("{t} s per row"),
        (None, true) => "0.3 s per row (quick)".to_owned(),
        (None, false) => "4 s per row, 2 s per precompile row".to_owned(),
    };
    let clock = if args.wall { "wall time" } else { "process CPU time" };
    let names: Vec<&str> = modes.iter().map(|&m| mode_name(m)).collect();
    format!(
        "Kestrel in each mode ({}) and revm, one EVM each, reused, transact without commit. Alternating \
         batches of about 2 ms ({clock}), the order rotating every round, for {time}, at least {MIN_ROUNDS} rounds; \
         Auto run first until every program it looks up is ready (steady state). Times are per-EVM medians \
         of the per-transaction batch averages; revm/X = median over rounds of revm time / mode X time (above \
         1: Kestrel faster), I/X = median over rounds of interpreter time / mode X time (above 1: X faster \
         than the interpreter). cold/* rows: one first call of never-seen code per side per round (thread CPU \
         time, at most {COLD_MAX_ROUNDS} rounds; see benches/README.md).",
        names.join(", ")
    )
}

/// How a Kestrel side is named in messages.
fn kestrel_label(mode: ExecutionMode) -> &'static str {
    match mode {
        ExecutionMode::Interpreter => "Kestrel (interpreter)",
        ExecutionMode::Compiled => "Kestrel (compiled)",
        ExecutionMode::Auto => "Kestrel (auto)",
    }
}

/// Longest Auto warm-up: the background translator takes well under a millisecond per
/// contract, so a row still missing programs after this never will (code too long to translate).
const AUTO_WARMUP_LIMIT: Duration = Duration::from_secs(2);

/// Runs an Auto-mode side until one run finds a ready program for every frame that looks one up
/// (no program-cache miss), sleeping a millisecond between runs once the code is queued so the
/// background translator can deliver. Returns the runs it took, or a note when the limit passed
/// first.
fn warm_auto(run: &mut dyn Batch, clock: Clock) -> Result<usize, String> {
    let cache = ProgramCache::global();
    let start = Instant::now();
    let mut runs = 0;
    loop {
        let before = cache.stats().misses;
        run.batch(clock, 1);
        runs += 1;
        let missed = cache.stats().misses - before;
        if missed == 0 {
            return Ok(runs);
        }
        if start.elapsed() > AUTO_WARMUP_LIMIT {
            return Err(format!(
                "auto never reached its steady state: {missed} program lookups a run still missed after {runs} runs"
            ));
        }
        if runs >= ProgramCache::AUTO_MIN_USES as usize {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn timed_status(
    run: impl FnOnce() -> Result<Timing, String>,
    gas: u64,
    changed: &Cell<Option<(&str, u64)>>,
) -> Status {
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(_)) if changed.get().is_some() => {
            let (evm, used) = changed.get().unwrap_or_default();
            Status::Disagree(format!("a timed {evm} run used {used} gas, the checked run {gas}"))
        }
        Ok(Ok(t)) => Status::Measured(t),
        Ok(Err(e)) => Status::Failed(e),
        Err(p) => Status::Failed(format!("panicked while timed (gas {gas}): {}", panic_message(&*p))),
    }
}

/// Times one checked row: one Kestrel `Evm` per mode and revm in the same rounds. Auto is run to
/// its steady state first. Every timed run's gas is compared with the checked outcome (one
/// comparison a transaction), so a run that quietly fails while timed is caught.
fn measure(row: &Row, outcome: Outcome, modes: &[ExecutionMode], budget: Budget) -> Status {
    let changed = Cell::new(None);
    let names: Vec<&'static str> = modes.iter().map(|&m| mode_name(m)).collect();
    let run = || {
        let setup = RevmSetup::from_case(&row.case)?;
        let mut revm = setup.evm();
        let mut dbs: Vec<InMemoryDb> = modes.iter().map(|_| build_db(&row.case)).collect();
        let mut evms: Vec<_> = dbs
            .iter_mut()
            .zip(modes)
            .map(|(db, &mode)| {
                let evm = evm_for(&row.case, db, mode);
                (mode, evm)
            })
            .collect();
        let case = &row.case;
        let changed = &changed;
        let expect = move |evm: &'static str, gas: u64| {
            if gas != outcome.gas_used {
                changed.set(Some((evm, gas)));
            }
            gas
        };
        let mut kestrel: Vec<_> = evms
            .iter_mut()
            .map(|(mode, evm)| {
                let label = kestrel_label(*mode);
                move || expect(label, run_kestrel(evm, case))
            })
            .collect();
        let note = match modes.iter().position(|&m| m == ExecutionMode::Auto) {
            Some(i) => warm_auto(&mut kestrel[i], budget.clock).err(),
            None => None,
        };
        let mut revm_side = || expect("revm", run_revm(&mut revm, &setup.tx));
        let mut sides: Vec<&mut dyn Batch> = kestrel.iter_mut().map(|k| k as &mut dyn Batch).collect();
        sides.push(&mut revm_side);
        let (samples, batches) = compare(budget, &mut sides);
        let mut timing = Timing::from_samples(&names, &samples, &batches);
        timing.note = note;
        Ok::<_, String>(timing)
    };
    timed_status(run, outcome.gas_used, &changed)
}

/// Times one checked cold row ([`kestrel_benches::cold`]).
fn measure_cold(row: &Row, outcome: Outcome, modes: &[ExecutionMode], budget: Budget) -> Status {
    let names: Vec<&'static str> = modes.iter().map(|&m| mode_name(m)).collect();
    let run = || {
        let t = cold::measure_cold(&row.name, &row.case, modes, outcome, budget)?;
        let mut timing = Timing::from_samples(&names, &t.samples, &vec![1; modes.len() + 1]);
        if t.late_translations > 0 {
            timing.note = Some(format!(
                "{} Auto translations took longer than {} ms to arrive (another side may have run beside them)",
                t.late_translations,
                cold::TRANSLATOR_WAIT.as_millis()
            ));
        }
        Ok(timing)
    };
    timed_status(run, outcome.gas_used, &Cell::new(None))
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

/// The contracts the translation section times: the generated 24 KiB contract and, when any
/// workload row was loaded, the largest contract among them; none when the filters exclude
/// `translate/generated-24k`.
fn translation_inputs(args: &Args, rows: &[Row]) -> Vec<(String, Vec<u8>)> {
    if !matches(TRANSLATE_NAME, &args.filters) {
        return Vec::new();
    }
    let mut inputs = Vec::new();
    match cold::contract() {
        Ok(c) => inputs.push((TRANSLATE_NAME.to_owned(), c.code().to_vec())),
        Err(e) => eprintln!("!!! translation section: {e}"),
    }
    let largest = rows
        .iter()
        .filter(|r| r.file.is_some())
        .flat_map(|r| r.case.pre.values().map(move |a| (r, a)))
        .max_by_key(|(_, a)| a.code.len());
    if let Some((row, account)) = largest.filter(|(_, a)| !a.code.is_empty()) {
        inputs.push((format!("translate/{} (largest workload contract)", row.name), account.code.to_vec()));
    }
    inputs
}

fn translation_section(args: &Args, inputs: &[(String, Vec<u8>)]) -> Vec<TranslateTime> {
    let clock = if args.wall { Clock::Wall } else { Clock::ThreadCpu };
    let time = Duration::from_secs_f64(if args.quick { 0.1 } else { TRANSLATE_TIME });
    let mut out = Vec::new();
    for (name, code) in inputs {
        match catch_unwind(|| cold::translation_time(name, code, clock, time)) {
            Ok(Ok(t)) => {
                eprintln!(
                    "{name} ({} B): keccak256 {}, analysis {}, translate {}, revm analysis {}",
                    t.code_len,
                    report::human_ns(t.keccak_ns),
                    report::human_ns(t.analysis_ns),
                    report::human_ns(t.translate_ns),
                    report::human_ns(t.revm_analysis_ns)
                );
                out.push(t);
            }
            Ok(Err(e)) => eprintln!("!!! {name}: {e}"),
            Err(p) => eprintln!("!!! {name}: panicked: {}", panic_message(&*p)),
        }
    }
    out
}

fn progress_line(status: &Status, gas_used: u64) -> String {
    match status {
        Status::Measured(t) => {
            let mut line = String::new();
            for m in &t.modes {
                line.push_str(&format!("{} {} ", report::abbrev(m.mode), report::human_ns(m.ns)));
            }
            line.push_str(&format!("revm {} |", report::human_ns(t.revm_ns)));
            for m in &t.modes {
                line.push_str(&format!(" revm/{} {}", report::abbrev(m.mode), report::fmt_ratio(m.ratio)));
            }
            if let Some(m) = t.main() {
                line.push_str(&format!(
                    " ({} rounds, Mgas/s {} {:.1} vs {:.1})",
                    t.rounds,
                    report::abbrev(m.mode),
                    report::mgas_per_s(gas_used, m.ns),
                    report::mgas_per_s(gas_used, t.revm_ns)
                ));
            }
            if let Some(n) = &t.note {
                line.push_str(&format!(" note: {n}"));
            }
            line
        }
        Status::Disagree(why) => format!("!!! DISAGREE: {why}"),
        Status::Failed(why) => format!("!!! FAILED: {why}"),
    }
}

fn wall_clock(args: &Args, modes: &[ExecutionMode], rows: Vec<Row>, mut results: Vec<RowResult>) -> bool {
    let names: Vec<&'static str> = modes.iter().map(|&m| mode_name(m)).collect();
    let ctx = Context::here(command_line(), method(args, modes), names.clone());
    let start = Instant::now();
    let translate = translation_inputs(args, &rows);
    let n = rows.len();
    for (i, row) in rows.into_iter().enumerate() {
        let fork = row.case.id.fork.clone();
        let budget = budget(args, row.group);
        let (outcome, status) = match check(&row) {
            Ok(outcome) if row.group == Group::Cold => {
                (Some(outcome), measure_cold(&row, outcome, modes, budget))
            }
            Ok(outcome) => (Some(outcome), measure(&row, outcome, modes, budget)),
            Err(status) => (None, status),
        };
        let gas_used = outcome.map_or(0, |o| o.gas_used);
        eprintln!(
            "[{}/{n}] {} ({fork}, gas {gas_used}): {}",
            i + 1,
            row.name,
            progress_line(&status, gas_used)
        );
        results.push(RowResult {
            name: row.name,
            group: row.group,
            fork,
            gas_used,
            success: outcome.is_some_and(|o| o.success),
            status,
        });
    }
    let translation = translation_section(args, &translate);
    if !results.is_empty() {
        println!("\n{}", report::text_table(&names, &results));
    }
    if !translation.is_empty() {
        println!("Translation of one contract on its own (medians of single calls):\n");
        println!("{}", report::translation_text(&translation));
    }
    println!("{n} rows in {:.0} s", start.elapsed().as_secs_f64());
    let dir = out_dir();
    write(&dir, "latest.md", &report::markdown(&ctx, &results, &translation));
    write(&dir, "latest.json", &report::json(&ctx, &results, &translation));
    results.iter().all(|r| matches!(r.status, Status::Measured(_))) && translation.len() == translate.len()
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

fn instructions(args: &Args, modes: &[ExecutionMode], rows: Vec<Row>, load_errors: Vec<RowResult>) -> bool {
    let names: Vec<&'static str> = modes.iter().map(|&m| mode_name(m)).collect();
    let ctx = Context::here(
        command_line(),
        "Instructions per transaction = (I(M) - I(N)) / (M - N), I = total instructions callgrind counts for \
         `run_one` running the transaction K times on one reused EVM, Kestrel in each mode (load, setup and the \
         first run's translation cancel in the difference). revm/X = revm / Kestrel in mode X (above 1: Kestrel \
         executes fewer)."
            .to_owned(),
        names.clone(),
    );
    let run_one = std::env::current_exe().unwrap_or_default().with_file_name("run_one");
    let mut out = Vec::new();
    let mut ok = load_errors.is_empty();
    for e in &load_errors {
        eprintln!("!!! FAILED {}: {:?}", e.name, e.status);
    }
    for row in rows {
        if row.group == Group::Cold {
            eprintln!("{}: skipped (a cold row is one first call, not a repeated transaction)", row.name);
            continue;
        }
        let outcome = match check(&row) {
            Ok(o) => o,
            Err(status) => {
                eprintln!("!!! {}: {status:?}", row.name);
                ok = false;
                out.push(InstrRow {
                    name: row.name,
                    gas_used: 0,
                    iterations: (0, 0),
                    kestrel: Vec::new(),
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
        let kestrel: Vec<InstrMode> =
            names.iter().map(|&mode| InstrMode { mode, instructions: per_tx(mode) }).collect();
        let revm = per_tx("revm");
        let r =
            InstrRow { name: row.name, gas_used: outcome.gas_used, iterations: (n, m), kestrel, revm, error };
        ok &= r.error.is_none();
        let mut line = format!("{}:", r.name);
        for k in &r.kestrel {
            line.push_str(&format!(" {} {:.0}", k.mode, k.instructions.unwrap_or(f64::NAN)));
        }
        line.push_str(&format!(" revm {:.0} instr/tx;", r.revm.unwrap_or(f64::NAN)));
        for k in &r.kestrel {
            let ratio = r.ratio(k.mode).map_or_else(|| "-".to_owned(), report::fmt_ratio);
            line.push_str(&format!(" revm/{} {ratio}", report::abbrev(k.mode)));
        }
        eprintln!("{line}");
        out.push(r);
    }
    let md = report::instr_markdown(&ctx, &out);
    println!("\n{md}");
    let dir = out_dir();
    write(&dir, "instructions.md", &md);
    write(&dir, "instructions.json", &serde_json::to_string_pretty(&out).unwrap_or_default());
    ok
}

/// `--blocks`: the benchmark blocks on Kestrel and revm, written to `bench/blocks.md`.
fn blocks(args: &Args) -> ExitCode {
    use kestrel_benches::{blocks, revm_blocks};
    let budget = revm_blocks::budget(args.quick, args.wall);
    let dir = out_dir().join("blocks");
    let run = blocks::archive()
        .and_then(|archive| blocks::unpack(&archive, &dir))
        .and_then(|()| revm_blocks::run(&dir, &args.filters, budget, &mut |line| eprintln!("{line}")));
    let run = match run {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kbench --blocks: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut md = revm_blocks::markdown(&run, budget);
    // The parallel executor on synthetic blocks: sequential beside 1 worker (2 threads) and
    // oversubscribed (4 threads).
    match blocks::parallel(&[2, 4], if args.quick { 3 } else { 11 }) {
        Ok(rows) => {
            md = format!("{}\n\n{md}", blocks::parallel_markdown(&rows, if args.quick { 3 } else { 11 }))
        }
        Err(e) => {
            eprintln!("kbench --blocks: parallel: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("{md}");
    let path = out_dir().join("blocks.md");
    if let Err(e) = std::fs::write(&path, &md) {
        eprintln!("kbench: writing {}: {e}", path.display());
    }
    if run.rows.is_empty() {
        eprintln!("kbench --blocks: no benchmark block matches {:?}", args.filters);
        return ExitCode::FAILURE;
    }
    if run.failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn main() -> ExitCode {
    let env_mode = match kestrel_benches::mode_from_env() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
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
        if matches(TRANSLATE_NAME, &args.filters) {
            println!("{:<12} {TRANSLATE_NAME} (and the largest workload contract loaded)", "translate");
        }
        return ExitCode::SUCCESS;
    }
    let translate = !args.instructions && matches(TRANSLATE_NAME, &args.filters);
    if rows.is_empty() && errors.is_empty() && !translate {
        eprintln!("kbench: no row matches {:?}", args.filters);
        return ExitCode::FAILURE;
    }
    let modes = args.modes.clone().or(env_mode.map(|m| vec![m])).unwrap_or_else(|| {
        if args.instructions {
            vec![ExecutionMode::Interpreter, ExecutionMode::Compiled]
        } else {
            ALL_MODES.to_vec()
        }
    });
    let failed = failed_load_rows(errors);
    let ok = if args.instructions {
        instructions(&args, &modes, rows, failed)
    } else {
        wall_clock(&args, &modes, rows, failed)
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("!!! some rows disagreed or failed: see the list under the table");
        ExitCode::FAILURE
    }
}
