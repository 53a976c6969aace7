//! Work shared between the calling thread and rayon's pool, for the few precompiles whose
//! worst cases are long enough to split (BLS12-381 MSMs).
//!
//! The caller does not hand the work over and wait, as `rayon::join` from outside the pool or
//! blst's own pool do: it posts helpers to rayon's pool and then claims tasks itself, one at a
//! time from a shared counter, like the helpers. On an idle machine the helpers take their
//! share; on a busy one (or inside a parallel block executor whose threads are all working)
//! they may start only after the caller has claimed every task, find nothing and return, so a
//! call is never held up waiting for a thread to be scheduled.

use std::sync::{Arc, Condvar, Mutex, PoisonError, atomic::AtomicUsize, atomic::Ordering};

/// One batch of tasks: the function, the next unclaimed task, and the results.
struct Work<T, F> {
    f: F,
    tasks: usize,
    next: AtomicUsize,
    /// Each task's result, and how many are in.
    done: Mutex<(Vec<Option<T>>, usize)>,
    /// Signalled when the last result is in.
    finished: Condvar,
}

impl<T, F: Fn(usize) -> T> Work<T, F> {
    /// Claims and runs tasks until none is left.
    fn help(&self) {
        loop {
            let task = self.next.fetch_add(1, Ordering::Relaxed);
            if task >= self.tasks {
                return;
            }
            let value = (self.f)(task);
            let mut done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(slot) = done.0.get_mut(task) {
                *slot = Some(value);
            }
            done.1 += 1;
            if done.1 == self.tasks {
                self.finished.notify_all();
            }
        }
    }
}

/// `[f(0), f(1), …, f(tasks - 1)]`, computed by the calling thread and up to `threads - 1`
/// helpers on rayon's pool. `f` must not panic (a panic on a helper aborts, as rayon does).
pub(crate) fn map<T, F>(tasks: usize, threads: usize, f: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let work = Arc::new(Work {
        f,
        tasks,
        next: AtomicUsize::new(0),
        done: Mutex::new(((0..tasks).map(|_| None).collect(), 0)),
        finished: Condvar::new(),
    });
    for _ in 1..threads.min(tasks) {
        let work = Arc::clone(&work);
        rayon::spawn(move || work.help());
    }
    work.help();
    let mut done = work.done.lock().unwrap_or_else(PoisonError::into_inner);
    while done.1 < tasks {
        done = work.finished.wait(done).unwrap_or_else(PoisonError::into_inner);
    }
    // Every slot is filled once the count reaches `tasks`.
    done.0.drain(..).flatten().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn map_keeps_task_order() {
        for threads in [1usize, 2, 3, 16] {
            for tasks in [0usize, 1, 2, 7, 100] {
                let out = super::map(tasks, threads, |i| i * i);
                assert_eq!(out, (0..tasks).map(|i| i * i).collect::<Vec<_>>(), "{threads} threads");
            }
        }
    }
}
