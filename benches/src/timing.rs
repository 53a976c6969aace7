//! Wall-clock comparison by alternating batches.
//!
//! A shared 2-core machine drifts: frequency, other people's builds, cache pressure. Timing
//! Kestrel for a few seconds and then revm for a few seconds lets that drift land on one side.
//! Here the two run in alternating batches — round 0 is Kestrel then revm, round 1 revm then
//! Kestrel, and so on — so both see the same conditions, a few milliseconds apart. Each batch
//! repeats the transaction enough times to last about [`BATCH_TARGET`]; a round's sample is the
//! batch time divided by its length. The result keeps, per EVM, the median of its samples, and
//! the median over rounds of the paired ratio `revm sample / Kestrel sample`, which cancels
//! drift slower than a round.
//!
//! By default a batch is timed by the CPU time of the process (`CLOCK_PROCESS_CPUTIME_ID`), not
//! by the wall clock: on a 2-core machine shared by several builds a 2 ms batch is often
//! descheduled for a whole time slice, which adds milliseconds of wall time that have nothing to
//! do with either EVM. CPU time leaves that out (it still includes what the shared machine does
//! to caches and clock frequency, which the alternation spreads over both EVMs). It is the
//! process's and not the thread's, because blst runs multi-scalar multiplications on a thread
//! pool in both EVMs: their work on other threads counts too, so those rows compare total work,
//! not latency. [`Clock::Wall`] (`--wall`) measures latency, for idle machines.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// How long one batch should last: long enough that the clock's cost (tens of ns) is lost in
/// it, short enough for hundreds of rounds in a few seconds.
pub const BATCH_TARGET: Duration = Duration::from_millis(2);

/// What a batch is timed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// CPU time of every thread of the process: leaves out time spent descheduled.
    ProcessCpu,
    /// Monotonic wall time.
    Wall,
}

impl Clock {
    /// Nanoseconds on this clock since an arbitrary start.
    pub fn now_ns(self) -> u64 {
        match self {
            Clock::ProcessCpu => {
                let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
                // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux
                // supports for every process.
                let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
                assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
                ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
            }
            Clock::Wall => {
                static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
                START.get_or_init(Instant::now).elapsed().as_nanos() as u64
            }
        }
    }
}

/// How long to sample a row, and how many rounds at least and at most.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// The clock batches are timed with.
    pub clock: Clock,
    /// Stop starting new rounds after this much time (once `min_rounds` are done).
    pub time: Duration,
    /// Rounds run whatever the time.
    pub min_rounds: usize,
    /// Rounds never exceeded.
    pub max_rounds: usize,
}

/// What [`compare`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    /// Median time of one Kestrel transaction, ns.
    pub kestrel_ns: f64,
    /// Median time of one revm transaction, ns.
    pub revm_ns: f64,
    /// Median over rounds of `revm time / Kestrel time` (above 1: Kestrel is faster).
    pub ratio: f64,
    /// Rounds run.
    pub rounds: usize,
    /// Transactions per Kestrel batch.
    pub kestrel_batch: u64,
    /// Transactions per revm batch.
    pub revm_batch: u64,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Runs `f` `n` times and returns the time per run in ns.
fn batch<T>(clock: Clock, n: u64, f: &mut impl FnMut() -> T) -> f64 {
    let start = clock.now_ns();
    for _ in 0..n {
        black_box(f());
    }
    clock.now_ns().saturating_sub(start) as f64 / n as f64
}

/// The batch length that makes a batch last about [`BATCH_TARGET`], from one run's time.
fn batch_len(one_run_ns: f64) -> u64 {
    let n = BATCH_TARGET.as_nanos() as f64 / one_run_ns.max(1.0);
    (n.ceil() as u64).clamp(1, 1_000_000)
}

/// The batch length for `f`, from a first run, and from a second, warm one if the first was
/// shorter than a batch.
fn calibrate<T>(clock: Clock, f: &mut impl FnMut() -> T) -> u64 {
    let first = batch(clock, 1, f);
    batch_len(if first < BATCH_TARGET.as_nanos() as f64 { batch(clock, 1, f) } else { first })
}

/// Times `kestrel` against `revm` (each one transaction on a reused EVM) in alternating batches.
/// Each is run once first, untimed by the result, to warm caches and size its batches; a run
/// shorter than a batch is repeated to size the batch from a warm run.
pub fn compare<A, B>(budget: Budget, mut kestrel: impl FnMut() -> A, mut revm: impl FnMut() -> B) -> Timing {
    let clock = budget.clock;
    let kestrel_batch = calibrate(clock, &mut kestrel);
    let revm_batch = calibrate(clock, &mut revm);
    let mut k = Vec::new();
    let mut r = Vec::new();
    let mut ratios = Vec::new();
    let start = Instant::now();
    while k.len() < budget.max_rounds && (k.len() < budget.min_rounds || start.elapsed() < budget.time) {
        let (tk, tr) = if k.len() % 2 == 0 {
            let tk = batch(clock, kestrel_batch, &mut kestrel);
            (tk, batch(clock, revm_batch, &mut revm))
        } else {
            let tr = batch(clock, revm_batch, &mut revm);
            (batch(clock, kestrel_batch, &mut kestrel), tr)
        };
        k.push(tk);
        r.push(tr);
        ratios.push(tr / tk);
    }
    Timing {
        kestrel_ns: median(&mut k),
        revm_ns: median(&mut r),
        ratio: median(&mut ratios),
        rounds: ratios.len(),
        kestrel_batch,
        revm_batch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }

    /// A side doing more work is measured slower, and the round limits hold.
    #[test]
    fn compare_orders_work() {
        let work = |n: u64| (0..n).fold(0u64, |a, i| black_box(a.wrapping_mul(31).wrapping_add(i)));
        for clock in [Clock::ProcessCpu, Clock::Wall] {
            let budget = Budget { clock, time: Duration::ZERO, min_rounds: 5, max_rounds: 5 };
            let t = compare(budget, || work(black_box(200_000)), || work(black_box(1_000)));
            assert_eq!(t.rounds, 5);
            assert!(t.kestrel_ns > t.revm_ns && t.ratio < 1.0, "{clock:?}: {t:?}");
        }
    }
}
