//! `kestrel`: run Ethereum state tests (`kestrel statetest`) and blockchain tests
//! (`kestrel blocktest`), or time them (`kestrel bench`, `kestrel blocktest --bench`).

#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kestrel::bytecode::program::ExecutionMode;
use kestrel::host::inspector::Eip3155Config;
use kestrel::primitives::SpecId;
use kestrel_cli::bench::{BenchOptions, MAX_ITERATIONS, bench_paths};
use kestrel_cli::blocktest::bench::bench_blocktests_with;
use kestrel_cli::blocktest::run_blocktest_paths_with;
use kestrel_cli::evmrun::{
    DEFAULT_RECEIVER, DEFAULT_SENDER, RunOptions, parse_hex, parse_number, read_alloc, run_code,
};
use kestrel_cli::statetest::run::trace_case;
use kestrel_cli::statetest::trace::{SharedOut, trace_paths};
use kestrel_cli::statetest::{Filter, KnownFailures, RunReport, Status, run_paths};

/// At most this many failures are re-run with `--trace`.
const MAX_TRACED: usize = 10;

#[derive(Parser)]
#[command(name = "kestrel", version, about = "Kestrel EVM: state tests and benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run state-test files or directories (recursively, *.json).
    Statetest {
        #[command(flatten)]
        run: RunArgs,
        /// Re-run unexpected failures (the first 10) with the EIP-3155 tracer, trace on stderr.
        #[arg(long)]
        trace_failures: bool,
        /// Trace every selected case as geth's `evm statetest --trace` does: EIP-3155 lines and
        /// `{"stateRoot": …}` on stderr, geth's result list per file on stdout. Without paths,
        /// reads one fixture path per line from stdin and answers each in turn (batch mode).
        #[arg(long, conflicts_with_all = ["trace_failures", "json", "known_failures"])]
        trace: bool,
        /// With --trace: add each step's memory (`memory`, hex).
        #[arg(long = "trace.memory", requires = "trace")]
        trace_memory: bool,
        /// With --trace: add each step's return data (`returnData`, hex).
        #[arg(long = "trace.returndata", requires = "trace")]
        trace_returndata: bool,
        /// geth's spelling, so that goevmlab can run Kestrel as geth's `evm`: only `json`.
        #[arg(long = "trace.format", requires = "trace")]
        trace_format: Option<String>,
        /// geth's spelling: `true` (the default here) leaves memory out, `false` adds it.
        #[arg(long = "trace.nomemory", requires = "trace", num_args = 0..=1, default_missing_value = "true")]
        trace_nomemory: Option<bool>,
        /// geth's spelling: `true` (the default here) leaves return data out, `false` adds it.
        #[arg(long = "trace.noreturndata", requires = "trace", num_args = 0..=1, default_missing_value = "true")]
        trace_noreturndata: Option<bool>,
    },
    /// Run blockchain-test files or directories (recursively, *.json).
    Blocktest {
        #[command(flatten)]
        run: RunArgs,
        /// Time the last block of each test instead: one JSON line per test.
        #[arg(long)]
        bench: bool,
        /// Timed runs per test with --bench.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_ITERATIONS)))]
        iterations: u32,
        /// Threads executing each block's transactions: 1 runs them sequentially, more in
        /// parallel (optimistically, with results identical to sequential). Without --bench,
        /// each block is also executed sequentially and any difference fails the test.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: u16,
    },
    /// Run bytecode as a receiver's code, called by a sender (geth's `evm run`): prints the
    /// output, the gas used and how it ended.
    Run {
        /// The code: hex (with or without 0x), or a file holding it as hex.
        code: String,
        /// Call data, hex.
        #[arg(long, default_value = "")]
        input: String,
        /// Value sent (decimal, or hex with 0x).
        #[arg(long, default_value = "0")]
        value: String,
        /// Gas for the code (the call's intrinsic gas is not charged). The default leaves room
        /// for the intrinsic gas under Osaka's cap on a transaction's gas (EIP-7825).
        #[arg(long, default_value_t = 16_000_000)]
        gas: u64,
        /// Fork rules.
        #[arg(long, default_value = "Osaka")]
        fork: SpecId,
        /// The caller.
        #[arg(long)]
        sender: Option<String>,
        /// The account whose code runs.
        #[arg(long)]
        receiver: Option<String>,
        /// Accounts to start from: an alloc file (address → balance, nonce, code, storage).
        #[arg(long)]
        prestate: Option<PathBuf>,
        /// Print the EIP-3155 trace (geth's format) on stderr.
        #[arg(long)]
        trace: bool,
        /// Run it N times more and print the median time and Mgas/s.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_ITERATIONS)))]
        bench: Option<u32>,
    },
    /// geth's `evm t8n`: applies transactions to an alloc as one block and writes the
    /// post-state alloc, the result (roots, receipts, rejected transactions) and the body.
    /// Exit codes as geth's: 3 bad fork or config, 4 missing block hash, 10 bad JSON, 11 I/O.
    T8n(Box<T8nCli>),
    /// Runs every valid block of blockchain tests through `t8n` and compares its roots, gas
    /// and bloom with the block's header (files or directories, recursively).
    T8nCheck {
        /// Blockchain-test files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Time one transaction per test: one JSON line per test.
    Bench {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Timed runs per test after the checked one (at most 1048576).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_ITERATIONS)))]
        iterations: u32,
        /// Fork to run (default: the newest fork of each test).
        #[arg(long)]
        fork: Option<SpecId>,
        /// Execution tier: interpreter, compiled (every call on a translated program) or auto.
        #[arg(long, default_value = "auto")]
        mode: ExecutionMode,
    },
}

/// `kestrel t8n`'s flags, spelled as geth's.
#[derive(clap::Args)]
struct T8nCli {
    /// The pre-state alloc: a JSON file, or `stdin`.
    #[arg(long = "input.alloc", default_value = "alloc.json")]
    alloc: String,
    /// The block environment: a JSON file, or `stdin`.
    #[arg(long = "input.env", default_value = "env.json")]
    env: String,
    /// The transactions: a JSON file (signed, or with `secretKey`), a `.rlp` file (a JSON hex
    /// string of the RLP list), or `stdin`.
    #[arg(long = "input.txs", default_value = "txs.json")]
    txs: String,
    /// Directory the output files and traces go to.
    #[arg(long = "output.basedir")]
    basedir: Option<PathBuf>,
    /// Where the post-state alloc goes: a file name, `stdout`, `stderr`, or "" for nowhere.
    #[arg(long = "output.alloc", default_value = "alloc.json")]
    out_alloc: String,
    /// Where the result goes.
    #[arg(long = "output.result", default_value = "result.json")]
    out_result: String,
    /// Where the RLP body of the included transactions goes.
    #[arg(long = "output.body", default_value = "")]
    out_body: String,
    /// Fork rules: geth's names, Frontier .. Osaka, BPO1, BPO2 and the transition names.
    #[arg(long = "state.fork", default_value = "GrayGlacier")]
    fork: String,
    /// Block reward in wei (decimal or hex); negative disables it.
    #[arg(long = "state.reward", default_value = "0", allow_hyphen_values = true)]
    reward: String,
    /// Chain id.
    #[arg(long = "state.chainid", default_value_t = 1)]
    chain_id: u64,
    /// EIP-3155 trace of each transaction to `trace-<index>-<hash>.jsonl` in the base dir.
    #[arg(long)]
    trace: bool,
    /// With --trace: add each step's memory.
    #[arg(long = "trace.memory")]
    trace_memory: bool,
    /// With --trace: add each step's return data.
    #[arg(long = "trace.returndata")]
    trace_returndata: bool,
    /// With --trace: a line for each call frame entered (geth's `--trace.callframes`).
    #[arg(long = "trace.callframes")]
    trace_callframes: bool,
    /// Count the opcodes executed into this file (in the base dir), geth's JSON object.
    #[arg(long = "opcode.count")]
    opcode_count: Option<String>,
    /// A built-in tracer (`callTracer`, `prestateTracer`) per transaction: its JSON result in
    /// `trace-<index>-<hash>.json` in the base dir.
    #[arg(long = "trace.tracer")]
    tracer: Option<String>,
    /// The tracer's configuration, JSON (`{"diffMode":true}`, `{"withLog":true}`).
    #[arg(long = "trace.jsonconfig")]
    tracer_config: Option<String>,
}

/// Runs `kestrel t8n`; errors are geth's `ERROR(code): …` on stderr and its exit code.
fn t8n(cli: T8nCli) -> ExitCode {
    use kestrel_cli::t8n::{T8nArgs, run};
    let args = T8nArgs {
        alloc: cli.alloc,
        env: cli.env,
        txs: cli.txs,
        basedir: cli.basedir,
        out_alloc: cli.out_alloc,
        out_result: cli.out_result,
        out_body: cli.out_body,
        fork: cli.fork,
        reward: cli.reward,
        chain_id: cli.chain_id,
        trace: cli
            .trace
            .then_some(Eip3155Config { memory: cli.trace_memory, return_data: cli.trace_returndata }),
        callframes: cli.trace_callframes,
        opcode_count: cli.opcode_count.filter(|f| !f.is_empty()),
        tracer: cli.tracer,
        tracer_config: cli.tracer_config,
    };
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr();
    match run(&args, &mut stdin, &mut stdout, &mut stderr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.code)
        }
    }
}

/// Runs `kestrel t8n-check`: prints every failure, then the counts.
fn t8n_check(paths: &[PathBuf]) -> ExitCode {
    let s = kestrel_cli::t8n::blockcheck::check_paths(paths);
    for f in &s.failures {
        println!("FAIL {f}");
    }
    for k in &s.skipped {
        println!("skipped {k}");
    }
    for u in &s.tx_exceptions_unmapped {
        println!("unmapped {u}");
    }
    println!(
        "t8n-check: {} of {} invalid blocks expecting a transaction exception had a transaction \
         rejected with a text that maps to it",
        s.tx_exceptions_mapped, s.tx_exceptions
    );
    println!(
        "t8n-check: {} of {} valid blocks reproduced ({} tests skipped)",
        s.passed,
        s.total,
        s.skipped.len()
    );
    if s.passed == s.total && s.total > 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// What `statetest` and `blocktest` both take: where the tests are, which to run, where the
/// report goes and what is known to fail.
#[derive(clap::Args)]
struct RunArgs {
    /// Files or directories (required, except with `statetest --trace`, which then reads them
    /// from stdin).
    paths: Vec<PathBuf>,
    /// Only this fork (state-test names and aliases: Paris, Merge, ConstantinopleFix …; for
    /// blockchain tests the network's fork, transition networks are selected by name only).
    #[arg(long)]
    fork: Option<SpecId>,
    /// Only tests whose name or file path contains this text.
    #[arg(long)]
    name: Option<String>,
    /// Write a JSON report of every case to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Known failures, one `# reason` each: `path-suffix::test::fork::index` per line
    /// (`path-suffix::test::network::0` for blockchain tests).
    #[arg(long)]
    known_failures: Option<PathBuf>,
    /// Execution tier: interpreter, compiled (every call on a translated program) or auto.
    #[arg(long, default_value = "auto")]
    mode: ExecutionMode,
}

impl RunArgs {
    /// Reads the known failures, runs `run` on the paths with the filter, calls `inspect` on
    /// the report (`--trace` re-runs failures there), then writes and prints the report.
    fn run(
        self,
        run: impl FnOnce(&[PathBuf], &Filter, KnownFailures) -> RunReport,
        inspect: impl FnOnce(&RunReport),
    ) -> ExitCode {
        if self.paths.is_empty() {
            eprintln!("error: no path given: name the test files or directories to run");
            return ExitCode::from(2);
        }
        let known = match read_known(self.known_failures) {
            Ok(k) => k,
            Err(code) => return code,
        };
        let report = run(&self.paths, &Filter { fork: self.fork, name: self.name, mode: self.mode }, known);
        inspect(&report);
        finish_report(&report, self.json)
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Statetest {
            run,
            trace_failures: failures,
            trace,
            trace_memory,
            trace_returndata,
            trace_format,
            trace_nomemory,
            trace_noreturndata,
        } => {
            if let Some(format) = trace_format.filter(|f| f != "json") {
                eprintln!("error: --trace.format {format:?}: only json is written");
                return ExitCode::from(2);
            }
            if trace {
                let config = Eip3155Config {
                    memory: trace_memory || trace_nomemory == Some(false),
                    return_data: trace_returndata || trace_noreturndata == Some(false),
                };
                return trace_statetests(&run, Some(config));
            }
            if run.paths.is_empty() && !failures {
                // geth's `evm statetest` with paths on stdin: roots only (goevmlab's batch mode
                // asks for them so).
                return trace_statetests(&run, None);
            }
            run.run(run_paths, |report| {
                if failures {
                    trace_failures(report);
                }
            })
        }
        Command::Blocktest { run, bench, iterations, threads } => {
            let threads = usize::from(threads);
            if bench {
                block_bench(&run.paths, run.name.as_deref(), iterations, threads)
            } else {
                run.run(
                    |paths, filter, known| run_blocktest_paths_with(paths, filter, known, threads),
                    |_| {},
                )
            }
        }
        Command::Run { code, input, value, gas, fork, sender, receiver, prestate, trace, bench } => {
            let args = RunArgsRaw { code, input, value, sender, receiver, prestate };
            match run_options(args, gas, fork, trace, bench) {
                Ok(opts) => run_code_and_print(&opts),
                Err(e) => {
                    eprintln!("run: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::T8n(cli) => t8n(*cli),
        Command::T8nCheck { paths } => t8n_check(&paths),
        Command::Bench { paths, iterations, fork, mode } => {
            let code = bench(&paths, BenchOptions { iterations, fork, mode });
            let stats = kestrel::bytecode::program::ProgramCache::global().stats();
            eprintln!(
                "bench: programs: {} hits, {} misses, {} evictions, {} translations",
                stats.hits, stats.misses, stats.evictions, stats.translations
            );
            code
        }
    }
}

fn bench(paths: &[PathBuf], opts: BenchOptions) -> ExitCode {
    match bench_paths(paths, &opts, &mut std::io::stdout().lock(), &mut std::io::stderr()) {
        Ok(s) => {
            eprintln!(
                "bench: {} measured, {} mismatched, {} errors, {} skipped",
                s.measured, s.mismatched, s.errors, s.skipped
            );
            if s.measured == 0 {
                match opts.fork {
                    Some(fork) => eprintln!("bench: no test has a case for fork {fork}: nothing measured"),
                    None => eprintln!("bench: no test found: nothing measured"),
                }
            }
            if s.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn block_bench(paths: &[PathBuf], name: Option<&str>, iterations: u32, threads: usize) -> ExitCode {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr());
    match bench_blocktests_with(paths, name, iterations, threads, &mut out, &mut err) {
        Ok(s) => {
            eprintln!("blocktest bench: {} measured, {} failed, {} skipped", s.measured, s.failed, s.skipped);
            if s.measured > 0 && s.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            eprintln!("blocktest bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the known-failures file, if one is given.
fn read_known(known_failures: Option<PathBuf>) -> Result<KnownFailures, ExitCode> {
    match known_failures {
        None => Ok(KnownFailures::default()),
        Some(path) => std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| KnownFailures::parse(&t).map_err(|e| e.to_string()))
            .map_err(|e| {
                eprintln!("{}: {e}", path.display());
                ExitCode::FAILURE
            }),
    }
}

/// The text arguments of `kestrel run`, before parsing.
struct RunArgsRaw {
    code: String,
    input: String,
    value: String,
    sender: Option<String>,
    receiver: Option<String>,
    prestate: Option<PathBuf>,
}

/// Parses `kestrel run`'s arguments.
fn run_options(
    args: RunArgsRaw,
    gas: u64,
    fork: SpecId,
    trace: bool,
    bench: Option<u32>,
) -> Result<RunOptions, String> {
    // A path that exists is a file of hex; anything else is the hex itself.
    let code_text = match std::fs::metadata(&args.code) {
        Ok(m) if m.is_file() => {
            std::fs::read_to_string(&args.code).map_err(|e| format!("{}: {e}", args.code))?
        }
        _ => args.code.clone(),
    };
    let address = |s: Option<String>, default| match s {
        None => Ok(default),
        Some(s) => kestrel_cli::statetest::hex::parse_address(&s).map_err(|e| format!("{s}: {e}")),
    };
    let (prestate, storage) = match &args.prestate {
        None => Default::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            read_alloc(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
    };
    Ok(RunOptions {
        code: parse_hex(&code_text).map_err(|e| format!("code: {e}"))?,
        input: parse_hex(&args.input).map_err(|e| format!("--input: {e}"))?,
        value: parse_number(&args.value).map_err(|e| format!("--value: {e}"))?,
        gas,
        fork,
        sender: address(args.sender, DEFAULT_SENDER)?,
        receiver: address(args.receiver, DEFAULT_RECEIVER)?,
        prestate,
        storage,
        trace: trace.then_some(Eip3155Config::default()),
        bench,
    })
}

/// Runs and prints: output, gas used and the error (if any) on stdout, the trace on stderr, the
/// timing with --bench. Exit status 1 when the code failed, 2 when it could not run.
fn run_code_and_print(opts: &RunOptions) -> ExitCode {
    let trace = std::io::BufWriter::new(std::io::stderr());
    match run_code(opts, trace) {
        Ok(out) => {
            let mut hex = String::with_capacity(2 * out.output.len());
            for b in out.output.iter() {
                hex.push_str(&format!("{b:02x}"));
            }
            println!("output: 0x{hex}");
            println!("gas used: {}", out.gas_used);
            if out.error.is_empty() {
                println!("halt: none (success)");
            } else {
                println!("halt: {}", out.error);
            }
            if let Some(ns) = out.median_ns {
                let secs = ns as f64 / 1e9;
                let mgas = if secs > 0.0 { out.gas_used as f64 / secs / 1e6 } else { 0.0 };
                println!("median: {:.3} µs, {mgas:.1} Mgas/s", ns as f64 / 1e3);
            }
            if out.error.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            eprintln!("run: {e}");
            ExitCode::from(2)
        }
    }
}

/// `statetest --trace`: traces on stderr (buffered, flushed after each file), results on
/// stdout; exit status 1 when a case failed, 2 on an I/O error.
fn trace_statetests(run: &RunArgs, config: Option<Eip3155Config>) -> ExitCode {
    let filter = Filter { fork: run.fork, name: run.name.clone(), mode: run.mode };
    let trace = SharedOut::new(std::io::BufWriter::new(std::io::stderr()));
    let stdin = std::io::stdin().lock();
    match trace_paths(&run.paths, &filter, config, stdin, trace, &mut std::io::stdout().lock()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("statetest --trace: {e}");
            ExitCode::from(2)
        }
    }
}

/// Re-runs the unexpected failures of `report` (at most [`MAX_TRACED`]) with the EIP-3155
/// tracer, the traces on stderr.
fn trace_failures(report: &RunReport) {
    let failed = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)) && report.known_entry(r).is_none());
    for (n, r) in failed.enumerate() {
        // Traces run to megabytes per case; select cases with --name/--fork for more.
        if n == MAX_TRACED {
            eprintln!("# trace: only the first {MAX_TRACED} failures traced");
            break;
        }
        eprintln!("# trace {}", r.id);
        // Streamed as it runs, buffered to keep the system calls few.
        if let Err(e) = trace_case(&r.id, std::io::BufWriter::new(std::io::stderr())) {
            eprintln!("# trace {}: {e}", r.id);
        }
    }
}

/// Writes the `--json` report, prints the summary and decides the exit status.
fn finish_report(report: &RunReport, json: Option<PathBuf>) -> ExitCode {
    let mut ok = true;
    if let Some(path) = json {
        let written = std::fs::File::create(&path).map_err(|e| e.to_string()).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            serde_json::to_writer(&mut w, &report.to_json()).map_err(|e| e.to_string())?;
            // A report smaller than the buffer is only written here: dropping the BufWriter
            // would flush it and throw the error (a full disk) away.
            w.flush().map_err(|e| e.to_string())
        });
        if let Err(e) = written {
            eprintln!("{}: {e}", path.display());
            ok = false;
        }
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = report.print(&mut stdout).and_then(|()| stdout.flush()) {
        eprintln!("cannot print the report: {e}");
        ok = false;
    }
    if ok && report.summary().success() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
