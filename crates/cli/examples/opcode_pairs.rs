//! Dynamic opcode statistics of a state test, to choose superinstructions by profile:
//! `cargo run --release -p kestrel-cli --example opcode_pairs FILE.json [TOP]`.
//!
//! Runs the file's first case once through the tracing runner and prints the most executed
//! opcodes, pairs and triples of consecutive opcodes in one frame (a call in between breaks the
//! sequence), each with its share of all executed opcodes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use kestrel::bytecode::opcode::name;
use kestrel::interpreter::{Buffers, Frame, Status};
use kestrel::interpreter::{Control, Tracer};
use kestrel_cli::statetest::exec::{build_db, evm_for, run_on};
use kestrel_cli::statetest::{FileCases, LoadedCase, load_file};

#[derive(Default)]
struct Counts {
    ops: u64,
    singles: HashMap<u8, u64>,
    pairs: HashMap<[u8; 2], u64>,
    triples: HashMap<[u8; 3], u64>,
}

/// Counts sequences per frame depth.
struct Sequences {
    counts: Arc<Mutex<Counts>>,
    local: Counts,
    /// The last two opcodes of each depth, and the depth of the last step.
    last: Vec<(Option<u8>, Option<u8>)>,
}

impl Tracer for Sequences {
    fn step(&mut self, frame: &Frame, _: &Buffers, op: u8) -> Control {
        let depth = frame.depth;
        if self.last.len() <= depth {
            self.last.resize(depth + 1, (None, None));
        }
        // A deeper frame started or a shallower one resumed: sequences do not cross frames.
        for other in &mut self.last[depth + 1..] {
            *other = (None, None);
        }
        let (before, previous) = self.last[depth];
        let c = &mut self.local;
        c.ops += 1;
        *c.singles.entry(op).or_default() += 1;
        if let Some(p) = previous {
            *c.pairs.entry([p, op]).or_default() += 1;
            if let Some(b) = before {
                *c.triples.entry([b, p, op]).or_default() += 1;
            }
        }
        self.last[depth] = (previous, Some(op));
        Control::Continue
    }

    fn step_end(&mut self, _: &Frame, _: &Buffers, _: u8, _: Option<Status>) {}
}

impl Drop for Sequences {
    fn drop(&mut self) {
        let mut shared = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *shared = std::mem::take(&mut self.local);
    }
}

fn top<K: Copy>(map: &HashMap<K, u64>, n: usize) -> Vec<(K, u64)> {
    let mut v: Vec<(K, u64)> = map.iter().map(|(k, c)| (*k, *c)).collect();
    v.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
    v.truncate(n);
    v
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: opcode_pairs FILE.json [TOP]");
        std::process::exit(2);
    };
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(30);
    let case = match load_file(Path::new(&path)) {
        FileCases::Cases(cases) => cases.into_iter().find_map(|c| match c {
            LoadedCase::Ready(case) => Some(case),
            _ => None,
        }),
        FileCases::NotStateTests => None,
    };
    let Some(case) = case else {
        eprintln!("opcode_pairs: no runnable case in {path}");
        std::process::exit(1);
    };
    let counts = Arc::new(Mutex::new(Counts::default()));
    let mut db = build_db(&case);
    {
        let mut evm = evm_for(&case, &mut db, Default::default());
        evm.set_tracer(Some(Box::new(Sequences {
            counts: Arc::clone(&counts),
            local: Counts::default(),
            last: Vec::new(),
        })));
        if let Err(e) = run_on(&mut evm, case.tx.clone(), false) {
            eprintln!("opcode_pairs: the transaction failed: {e:?}");
        }
    }
    let c = counts.lock().unwrap_or_else(|e| e.into_inner());
    let share = |k: u64| 100.0 * k as f64 / c.ops.max(1) as f64;
    println!("{} opcodes executed", c.ops);
    println!("\nopcodes:");
    for (op, k) in top(&c.singles, n) {
        println!("  {:>5.2}%  {}", share(k), name(op));
    }
    println!("\npairs:");
    for ([a, b], k) in top(&c.pairs, n) {
        println!("  {:>5.2}%  {} {}", share(k), name(a), name(b));
    }
    println!("\ntriples:");
    for ([a, b, d], k) in top(&c.triples, n) {
        println!("  {:>5.2}%  {} {} {}", share(k), name(a), name(b), name(d));
    }
}
