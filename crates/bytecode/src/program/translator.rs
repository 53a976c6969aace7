//! Who translates code that proved hot in Auto mode: the [`TranslatorPolicy`], and the
//! background thread a [`ProgramCache`] starts when its policy asks for one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{JoinHandle, Thread};

#[cfg(feature = "background-translator")]
use std::collections::VecDeque;
#[cfg(feature = "background-translator")]
use std::sync::Weak;
#[cfg(feature = "background-translator")]
use std::time::{Duration, Instant};

use super::ProgramCache;
use crate::Bytecode;

/// How a [`ProgramCache`] in Auto mode translates code once it qualifies (seen
/// [`ProgramCache::AUTO_MIN_USES`] times, at least [`ProgramCache::AUTO_MIN_LEN`] bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TranslatorPolicy {
    /// Never: Auto mode runs programs only when something else translated them (a Compiled-mode
    /// `Evm` sharing the cache).
    Off,
    /// On the thread that saw the code, before the call that qualified it runs.
    InLine,
    /// On a background thread, started on first need; the code runs interpreted until its
    /// program is ready. Without the `background-translator` feature (on by default) there is no
    /// thread, and this policy translates in line.
    Background,
}

impl Default for TranslatorPolicy {
    /// [`Background`](Self::Background) with the `background-translator` feature, else
    /// [`InLine`](Self::InLine).
    fn default() -> Self {
        if cfg!(feature = "background-translator") { Self::Background } else { Self::InLine }
    }
}

/// A cache's translator: its policy and, once started, its background thread.
#[derive(Debug)]
pub(super) struct Translator {
    policy: TranslatorPolicy,
    /// Set by [`Translator::shutdown`] (and when the cache drops): nothing more is queued, and
    /// the thread exits.
    stopped: Arc<AtomicBool>,
    worker: OnceLock<Option<Arc<Worker>>>,
    pub(super) thread: Mutex<Option<JoinHandle<()>>>,
}

/// The background translator's side: a queue it polls while it has recently worked, and a flag
/// saying when it sleeps until woken.
///
/// Waking a parked thread is a system call, and on a virtual machine an interrupt to another
/// CPU: 15-30 µs of the queueing thread's time here (the `cold/two-calls-24k` row, Auto 0.92x
/// the interpreter). So the queueing thread wakes the translator only when it sleeps deeply;
/// after a translation it polls (naps of 50 µs growing to 2 ms) for a second before it does.
#[derive(Debug)]
#[cfg_attr(not(feature = "background-translator"), allow(dead_code))]
pub(super) struct Worker {
    #[cfg(feature = "background-translator")]
    queue: Mutex<VecDeque<Arc<Bytecode>>>,
    pub(super) asleep: AtomicBool,
    thread: Thread,
}

impl Translator {
    /// Most code queued for the background translator; more is dropped (and retried when seen
    /// again).
    #[cfg(feature = "background-translator")]
    const QUEUE: usize = 256;
    /// First nap after work, and the longest.
    #[cfg(feature = "background-translator")]
    const NAPS: (Duration, Duration) = (Duration::from_micros(50), Duration::from_millis(2));
    /// Idle time after which the translator sleeps until woken.
    #[cfg(feature = "background-translator")]
    const AWAKE: Duration = Duration::from_secs(1);

    pub(super) fn new(policy: TranslatorPolicy) -> Self {
        let policy = match policy {
            TranslatorPolicy::Background if !cfg!(feature = "background-translator") => {
                TranslatorPolicy::InLine
            }
            p => p,
        };
        Self {
            policy,
            stopped: Arc::new(AtomicBool::new(false)),
            worker: OnceLock::new(),
            thread: Mutex::new(None),
        }
    }

    /// The policy in force: [`TranslatorPolicy::Off`] once shut down.
    pub(super) fn policy(&self) -> TranslatorPolicy {
        if self.stopped.load(Ordering::Acquire) { TranslatorPolicy::Off } else { self.policy }
    }

    /// The background worker, once started (tests look at its sleep).
    #[cfg(test)]
    pub(super) fn worker(&self) -> Option<&Arc<Worker>> {
        self.worker.get().and_then(Option::as_ref)
    }

    /// Hands `code` to the background translator of `cache`, starting it on first need; false
    /// when its queue is full, it was shut down, or no thread could be started.
    #[cfg(feature = "background-translator")]
    pub(super) fn queue(&self, cache: &Arc<ProgramCache>, code: Arc<Bytecode>) -> bool {
        if self.stopped.load(Ordering::Acquire) {
            return false;
        }
        let worker = self.worker.get_or_init(|| {
            let weak = Arc::downgrade(cache);
            let stopped = self.stopped.clone();
            let (tx, rx) = std::sync::mpsc::sync_channel::<Arc<Worker>>(1);
            let handle = std::thread::Builder::new()
                .name("kestrel-translator".into())
                .spawn(move || {
                    if let Ok(worker) = rx.recv() {
                        translate_queued(&weak, &worker, &stopped);
                    }
                })
                .ok()?;
            let worker = Arc::new(Worker {
                queue: Mutex::new(VecDeque::with_capacity(Self::QUEUE)),
                asleep: AtomicBool::new(false),
                thread: handle.thread().clone(),
            });
            tx.send(worker.clone()).ok()?;
            *self.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
            Some(worker)
        });
        let Some(worker) = worker else { return false };
        {
            let mut queue = worker.queue();
            if queue.len() >= Self::QUEUE {
                return false;
            }
            queue.push_back(code);
        }
        // Pairs with the translator's store of `asleep` before it looks at the queue: either it
        // sees this code, or this sees it asleep and wakes it (an unpark before its park counts).
        if worker.asleep.load(Ordering::SeqCst) {
            worker.thread.unpark();
        }
        true
    }

    /// Without the `background-translator` feature there is no thread: the policy was made
    /// [`TranslatorPolicy::InLine`] and nothing is ever queued.
    #[cfg(not(feature = "background-translator"))]
    pub(super) fn queue(&self, _cache: &Arc<ProgramCache>, _code: Arc<Bytecode>) -> bool {
        false
    }

    /// Stops the background thread and joins it (not when called from that thread itself).
    pub(super) fn shutdown(&self) {
        self.stopped.store(true, Ordering::Release);
        if let Some(worker) = self.worker.get().and_then(Option::as_ref) {
            worker.thread.unpark();
        }
        let handle = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = handle
            && handle.thread().id() != std::thread::current().id()
        {
            // The thread only exits or translates one program: it cannot wait for this one.
            let _ = handle.join();
        }
    }
}

impl Drop for Translator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(feature = "background-translator")]
impl Worker {
    /// The queue, locked (a panic elsewhere while it was held left it consistent).
    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Bytecode>>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The background translator's loop (see [`Worker`]): holds its cache only while it translates
/// (a `Weak` otherwise), so dropping the last `Arc` of the cache ends it.
#[cfg(feature = "background-translator")]
fn translate_queued(cache: &Weak<ProgramCache>, worker: &Worker, stopped: &AtomicBool) {
    let (mut nap, mut last_work) = (Translator::NAPS.0, Instant::now());
    while !stopped.load(Ordering::Acquire) {
        let next = worker.queue().pop_front();
        if let Some(code) = next {
            let Some(cache) = cache.upgrade() else { return };
            cache.translate_one(&code);
            (nap, last_work) = (Translator::NAPS.0, Instant::now());
        } else if last_work.elapsed() < Translator::AWAKE {
            std::thread::park_timeout(nap);
            nap = (nap * 2).min(Translator::NAPS.1);
        } else {
            worker.asleep.store(true, Ordering::SeqCst);
            if worker.queue().is_empty() && !stopped.load(Ordering::Acquire) {
                std::thread::park();
            }
            worker.asleep.store(false, Ordering::SeqCst);
            (nap, last_work) = (Translator::NAPS.0, Instant::now());
        }
    }
}
