//! Comparison by alternating batches.
//!
//! A shared 2-core machine drifts: frequency, other people's builds, cache pressure. Timing
//! Kestrel for a few seconds and then revm for a few seconds lets that drift land on one side.
//! Here every side (revm and each Kestrel execution mode) runs one batch per round, in an order
//! that rotates from round to round — with two sides, round 0 is A then B, round 1 B then A —
//! so all see the same conditions, a few milliseconds apart. Each batch repeats the transaction
//! enough times to last about [`BATCH_TARGET`]; a round's sample is the batch time divided by its
//! length. [`Samples`] keeps every sample: per side the median, and for any two sides the median
//! over rounds of their paired ratio, which cancels drift slower than a round.
//!
//! By default a batch is timed by the CPU time of the process (`CLOCK_PROCESS_CPUTIME_ID`), not
//! by the wall clock: on a 2-core machine shared by several builds a 2 ms batch is often
//! descheduled for a whole time slice, which adds milliseconds of wall time that have nothing to
//! do with either EVM. CPU time leaves that out (it still includes what the shared machine does
//! to caches and clock frequency, which the alternation spreads over every side). It is the
//! process's and not the thread's, because blst runs multi-scalar multiplications on a thread
//! pool in both EVMs: their work on other threads counts too, so those rows compare total work,
//! not latency. [`Clock::ThreadCpu`] is for the cold-call rows, where Kestrel's background
//! translator may run beside the timed call and must not be charged to whichever side runs next.
//! [`Clock::Wall`] (`--wall`) measures latency, for idle machines.

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
    /// CPU time of the calling thread only: leaves out other threads' work as well.
    ThreadCpu,
    /// Monotonic wall time.
    Wall,
}

/// `clock_gettime` on a CPU-time clock, in ns.
fn cpu_clock_ns(id: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the clock ids passed are constants Linux
    // supports for every process and thread.
    let rc = unsafe { libc::clock_gettime(id, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime({id}) failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Clock {
    /// Nanoseconds on this clock since an arbitrary start.
    pub fn now_ns(self) -> u64 {
        match self {
            Clock::ProcessCpu => cpu_clock_ns(libc::CLOCK_PROCESS_CPUTIME_ID),
            Clock::ThreadCpu => cpu_clock_ns(libc::CLOCK_THREAD_CPUTIME_ID),
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

/// Every sample of a comparison: one per side per round, ns per transaction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    /// `per_side[s][r]`: side `s` in round `r`.
    per_side: Vec<Vec<f64>>,
}

impl Samples {
    /// Rounds run.
    pub fn rounds(&self) -> usize {
        self.per_side.first().map_or(0, Vec::len)
    }

    /// Every sample of side `side`, in round order, ns.
    pub fn side(&self, side: usize) -> &[f64] {
        &self.per_side[side]
    }

    /// Median time of one transaction of side `side`, ns.
    pub fn median_ns(&self, side: usize) -> f64 {
        median(&mut self.per_side[side].clone())
    }

    /// Median over rounds of `time of num / time of den` (above 1: `den` is faster). Paired by
    /// round, so drift slower than a round cancels; not the quotient of the two medians.
    pub fn paired_ratio(&self, num: usize, den: usize) -> f64 {
        let mut ratios: Vec<f64> =
            self.per_side[num].iter().zip(&self.per_side[den]).map(|(n, d)| n / d).collect();
        median(&mut ratios)
    }
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

/// The side that runs at `position` of round `round` among `sides`: the start rotates every
/// round and the direction flips every `sides` rounds, so over `2 * sides` rounds each side runs
/// at each position and both before and after each other side.
fn side_at(round: usize, position: usize, sides: usize) -> usize {
    let base = round % sides;
    if (round / sides).is_multiple_of(2) {
        (base + position) % sides
    } else {
        (base + sides - position) % sides
    }
}

/// Runs rounds of `sample(side)` (one sample in ns of that side) for `sides` sides in rotating
/// order ([`side_at`]) until the budget is spent.
pub fn rounds(budget: Budget, sides: usize, mut sample: impl FnMut(usize) -> f64) -> Samples {
    let mut per_side = vec![Vec::new(); sides];
    let start = Instant::now();
    let mut round = 0;
    while sides > 0
        && round < budget.max_rounds
        && (round < budget.min_rounds || start.elapsed() < budget.time)
    {
        for position in 0..sides {
            let side = side_at(round, position, sides);
            per_side[side].push(sample(side));
        }
        round += 1;
    }
    Samples { per_side }
}

/// One side of a comparison: runs its transaction `n` times on the given clock and returns the
/// time per run in ns. Implemented for every closure, so each side's loop is compiled for its
/// own closure and the only dynamic call is one per batch.
pub trait Batch {
    /// Time per run of `n` runs, ns.
    fn batch(&mut self, clock: Clock, n: u64) -> f64;
}

impl<T, F: FnMut() -> T> Batch for F {
    fn batch(&mut self, clock: Clock, n: u64) -> f64 {
        let start = clock.now_ns();
        for _ in 0..n {
            black_box(self());
        }
        clock.now_ns().saturating_sub(start) as f64 / n as f64
    }
}

/// The batch length that makes a batch last about [`BATCH_TARGET`], from one run's time.
fn batch_len(one_run_ns: f64) -> u64 {
    let n = BATCH_TARGET.as_nanos() as f64 / one_run_ns.max(1.0);
    (n.ceil() as u64).clamp(1, 1_000_000)
}

/// The batch length for `side`, from a first run, and from a second, warm one if the first was
/// shorter than a batch.
fn calibrate(clock: Clock, side: &mut dyn Batch) -> u64 {
    let first = side.batch(clock, 1);
    batch_len(if first < BATCH_TARGET.as_nanos() as f64 { side.batch(clock, 1) } else { first })
}

/// Times every side (each one transaction on its own reused EVM) in alternating batches. Each
/// is run once first, untimed by the result, to warm caches and size its batches; a run shorter
/// than a batch is repeated to size the batch from a warm run. Returns the samples and the batch
/// length of each side.
pub fn compare(budget: Budget, sides: &mut [&mut dyn Batch]) -> (Samples, Vec<u64>) {
    let clock = budget.clock;
    let batches: Vec<u64> = sides.iter_mut().map(|s| calibrate(clock, &mut **s)).collect();
    let samples = rounds(budget, sides.len(), |i| sides[i].batch(clock, batches[i]));
    (samples, batches)
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

    /// Over `2 * n` rounds every side runs once per round, at every position equally often.
    #[test]
    fn rotation_is_fair() {
        for n in 1..=4 {
            let mut at = vec![vec![0; n]; n];
            for round in 0..2 * n {
                let mut seen: Vec<usize> = (0..n).map(|p| side_at(round, p, n)).collect();
                for (p, &s) in seen.iter().enumerate() {
                    at[s][p] += 1;
                }
                seen.sort_unstable();
                assert_eq!(seen, (0..n).collect::<Vec<_>>(), "round {round} of {n}");
            }
            assert!(at.iter().flatten().all(|&c| c == 2), "{n}: {at:?}");
        }
    }

    /// A side doing more work is measured slower, and the round limits hold.
    #[test]
    fn compare_orders_work() {
        let work = |n: u64| (0..n).fold(0u64, |a, i| black_box(a.wrapping_mul(31).wrapping_add(i)));
        for clock in [Clock::ProcessCpu, Clock::ThreadCpu, Clock::Wall] {
            let budget = Budget { clock, time: Duration::ZERO, min_rounds: 5, max_rounds: 5 };
            let mut slow = || work(black_box(200_000));
            let mut fast = || work(black_box(1_000));
            let (t, batches) = compare(budget, &mut [&mut slow, &mut fast]);
            assert_eq!((t.rounds(), batches.len()), (5, 2));
            assert!(t.median_ns(0) > t.median_ns(1) && t.paired_ratio(1, 0) < 1.0, "{clock:?}: {t:?}");
        }
    }
}
