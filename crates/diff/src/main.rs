//! `kestrel-diff`: the differential campaign (see the library docs). Normally run through
//! `cargo xtask diff`, which builds it in release first.
//!
//! ```text
//! kestrel-diff --cases N [--seed S] [--start I] [--threads T] [--out DIR] [--max-saved K]
//!              [--progress SECS]
//! kestrel-diff --seed S --case I [--out DIR] [--trace]
//!     one case: described, saved if it diverges; --trace shows the first opcode where
//!     Kestrel's tracing run and revm's differ
//! ```
//! Exits non-zero when any case diverges (or a worker failed).

use std::path::PathBuf;
use std::process::ExitCode;

use kestrel_diff::campaign::{Options, describe, divergence_text, run, save};
use kestrel_diff::generator::generate;

const USAGE: &str = "usage: kestrel-diff --cases N [--seed S] [--start I] [--threads T] [--out DIR] \
                     [--max-saved K] [--progress SECS] | kestrel-diff --seed S --case I [--out DIR] [--trace]";

fn parse() -> Result<(Options, Option<u64>, bool), String> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut opts = Options {
        seed: 1,
        start: 0,
        cases: 0,
        threads,
        out: PathBuf::from("target/diff"),
        max_saved: 100,
        progress_every: 10,
    };
    let mut single = None;
    let mut trace = false;
    let mut cases_given = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number =
            |name: &str, v: String| v.parse::<u64>().map_err(|_| format!("{name}: not a number: {v}"));
        match arg.as_str() {
            "--cases" => {
                opts.cases = number("--cases", value("--cases")?)?;
                cases_given = true;
            }
            "--seed" => opts.seed = number("--seed", value("--seed")?)?,
            "--start" => opts.start = number("--start", value("--start")?)?,
            "--threads" => opts.threads = number("--threads", value("--threads")?)?.max(1) as usize,
            "--out" => opts.out = PathBuf::from(value("--out")?),
            "--max-saved" => opts.max_saved = number("--max-saved", value("--max-saved")?)? as usize,
            "--progress" => opts.progress_every = number("--progress", value("--progress")?)?,
            "--case" => single = Some(number("--case", value("--case")?)?),
            "--trace" => trace = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if single.is_none() && !cases_given {
        return Err(format!("--cases is required\n{USAGE}"));
    }
    Ok((opts, single, trace))
}

fn main() -> ExitCode {
    let (opts, single, trace) = match parse() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(index) = single {
        let g = generate(opts.seed, index);
        println!("seed {} case {} fork {}: {}", g.seed, g.index, g.spec.name(), describe(&g));
        let report = kestrel_diff::check(&g);
        println!("revm: {:?}", report.ending);
        if trace {
            match kestrel_diff::trace::first_difference(&kestrel_diff::exec::to_case(&g), 12) {
                Ok(Some(text)) => print!("{text}"),
                Ok(None) => println!("the opcode traces agree step for step"),
                Err(e) => println!("no trace: {e}"),
            }
        }
        if report.divergences.is_empty() {
            println!("no divergence");
            return ExitCode::SUCCESS;
        }
        print!("{}", divergence_text(&g, &report));
        match save(&opts.out, &g, &report, "kestrel-diff --case") {
            Ok(line) => println!("  {line}"),
            Err(e) => println!("  could not save: {e}"),
        }
        return ExitCode::FAILURE;
    }
    println!(
        "kestrel-diff: {} cases from {} of seed {} on {} threads, reproducers to {}",
        opts.cases,
        opts.start,
        opts.seed,
        opts.threads,
        opts.out.display()
    );
    let summary = run(&opts);
    print!("{}", summary.render(&opts));
    if summary.worker_failures > 0 {
        println!("{} worker thread(s) panicked: their cases are not counted", summary.worker_failures);
        return ExitCode::FAILURE;
    }
    if summary.total.divergent > 0 {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
