//! The program cache: translated programs by code hash, who translates them (the
//! [`TranslatorPolicy`]), and the execution mode that decides who uses them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use alloy_primitives::map::HashMap;
use kestrel_primitives::B256;

use super::Program;
use super::translator::{Translator, TranslatorPolicy};
use crate::Bytecode;

/// Which tier runs a frame's code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ExecutionMode {
    /// Always the interpreter.
    Interpreter,
    /// Always a translated program, translated on the spot when the cache has none.
    Compiled,
    /// The program when the cache has one; otherwise the interpreter, and code seen often
    /// enough is translated by a background thread for later calls.
    #[default]
    Auto,
}

impl core::str::FromStr for ExecutionMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "interpreter" => Ok(Self::Interpreter),
            "compiled" => Ok(Self::Compiled),
            "auto" => Ok(Self::Auto),
            _ => Err(format!("unknown execution mode {s:?} (interpreter, compiled or auto)")),
        }
    }
}

/// Counters of a [`ProgramCache`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups that found a program.
    pub hits: u64,
    /// Lookups that found none.
    pub misses: u64,
    /// Programs (and use counts) dropped to stay within the budget.
    pub evictions: u64,
    /// Programs translated (synchronously or in the background).
    pub translations: u64,
}

/// What the cache knows of one code hash.
#[derive(Debug)]
enum Slot {
    /// Seen this many times, not translated yet.
    Seen(u32),
    /// Queued for the background translator, and seen this many times since.
    Queued(u32),
    /// Too long to translate: stays interpreted.
    Untranslatable,
    /// Translated.
    Ready(Arc<Program>),
}

impl Slot {
    fn bytes(&self) -> usize {
        match self {
            Slot::Ready(p) => p.heap_bytes(),
            _ => 0,
        }
    }
}

#[derive(Debug, Default)]
struct Slots {
    by_hash: HashMap<B256, Slot>,
    bytes: usize,
}

/// Translated programs shared by code hash across transactions and threads.
///
/// Bounded by entries ([`ProgramCache::CAPACITY`], counting hashes only seen so far) and by
/// program bytes ([`ProgramCache::BYTE_CAPACITY`]): an insertion that does not fit evicts
/// entries in hash order (arbitrary, and so not steerable by the code a node is fed) until it
/// does. A program is always translated from analysed code whose hash Kestrel computed itself
/// ([`Bytecode::hash`]), so a database's wrong hash cannot put another code's program here.
///
/// A program is also attached to the analysed code it came from ([`Bytecode::program`]), where
/// frames find it without a lookup; it then lives as long as that analysis, which the
/// [`AnalysisCache`](crate::AnalysisCache)'s own budget bounds.
///
/// In Auto mode, code that proved hot is translated as its [`TranslatorPolicy`] says: not at all,
/// in line on the thread that saw it, or by a background thread the cache starts on first need.
/// [`shutdown`](Self::shutdown) stops and joins that thread; dropping the cache stops it too.
/// An embedder shares one cache between `Evm`s by cloning the `Arc` (see `kestrel_bytecode::Caches`).
#[derive(Debug)]
pub struct ProgramCache {
    slots: RwLock<Slots>,
    capacity: usize,
    byte_capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
    translations: AtomicU64,
    translator: Translator,
}

impl Default for ProgramCache {
    fn default() -> Self {
        Self::with_capacity(Self::CAPACITY, Self::BYTE_CAPACITY)
    }
}

impl ProgramCache {
    /// Most entries kept.
    pub const CAPACITY: usize = 16_384;

    /// Most program bytes kept (a program takes about 12-16 bytes per code byte).
    pub const BYTE_CAPACITY: usize = 256 << 20;

    /// In `Auto` mode, code is translated once it has been seen this many times...
    pub const AUTO_MIN_USES: u32 = 2;

    /// ...and is at least this long (shorter code gains less than its translation costs; see
    /// DESIGN.md, "The compiled tier").
    pub const AUTO_MIN_LEN: usize = 32;

    /// With the background policy, code up to this long is translated in line when it qualifies:
    /// about 3 µs of translation per KiB, less than the calls it would otherwise run interpreted
    /// while the translator thread wakes and works.
    pub const AUTO_INLINE_LEN: usize = 8 * 1024;

    /// Calls of queued code after which the thread that sees it translates it itself, should the
    /// background translator not have delivered: Auto reaches the compiled tier within a bounded
    /// number of calls however busy the machine.
    pub const AUTO_MAX_WAIT: u32 = 8;

    /// An empty cache of at most `capacity` entries and `byte_capacity` program bytes, with the
    /// default [`TranslatorPolicy`].
    pub fn with_capacity(capacity: usize, byte_capacity: usize) -> Self {
        Self::with_policy(capacity, byte_capacity, TranslatorPolicy::default())
    }

    /// An empty cache of at most `capacity` entries and `byte_capacity` program bytes, whose Auto
    /// mode translates as `policy` says.
    pub fn with_policy(capacity: usize, byte_capacity: usize, policy: TranslatorPolicy) -> Self {
        Self {
            slots: RwLock::default(),
            capacity: capacity.max(1),
            byte_capacity,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            translations: AtomicU64::new(0),
            translator: Translator::new(policy),
        }
    }

    /// The cache shared by every `Evm` that was not given one of its own (the default policy).
    pub fn global() -> &'static Arc<ProgramCache> {
        static CACHE: OnceLock<Arc<ProgramCache>> = OnceLock::new();
        CACHE.get_or_init(|| Arc::new(ProgramCache::default()))
    }

    /// How Auto mode translates code here.
    pub fn policy(&self) -> TranslatorPolicy {
        self.translator.policy()
    }

    /// Stops the background translator, if one runs, and waits for it to finish the program it
    /// is translating. Code queued and not yet translated stays interpreted; from now on Auto
    /// mode here translates nothing more (Compiled mode still translates on the spot). Returns
    /// at once when there is no thread, and when called from the translator itself.
    pub fn shutdown(&self) {
        self.translator.shutdown();
    }

    /// The counters so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            translations: self.translations.load(Ordering::Relaxed),
        }
    }

    /// Number of entries (programs and hashes only seen).
    pub fn len(&self) -> usize {
        self.read().by_hash.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Slots> {
        self.slots.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Slots> {
        self.slots.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether frames of `code` run on its program in `mode`: `Interpreter` never; `Compiled`
    /// always (translating now on a miss) unless the code is too long to translate; `Auto`
    /// when one is ready, queueing the code for the background translator on a miss once it
    /// qualifies. When true, the program is attached to `code` ([`Bytecode::program`]).
    ///
    /// Code whose program is attached needs no lookup, and is not counted (a shared counter is
    /// an atomic write to one cache line from every thread, the most expensive step of a
    /// frame's start).
    #[inline]
    pub fn prepare(self: &Arc<Self>, mode: ExecutionMode, code: &Arc<Bytecode>) -> bool {
        match mode {
            ExecutionMode::Interpreter => false,
            _ if code.program().is_some() => true,
            ExecutionMode::Compiled => self.get_or_translate(code).is_some(),
            ExecutionMode::Auto => self.get_or_queue(code).is_some(),
        }
    }

    /// The program of `code`, translating it now on a miss.
    ///
    /// Slots are keyed by [`Bytecode::hash`], which may be a database's name for the code; a
    /// program is attached only when its keccak256 is the code's ([`Bytecode::attach_program`]),
    /// and cached only under a name that is the code's keccak256. Code a database misnamed gets
    /// a program of its own, attached to it and cached nowhere.
    pub fn get_or_translate(&self, code: &Arc<Bytecode>) -> Option<Arc<Program>> {
        let ready = match self.read().by_hash.get(&code.hash()) {
            Some(Slot::Ready(p)) => Some(p.clone()),
            _ => None,
        };
        // Attached outside the lock: it may hash the code.
        if let Some(p) = ready
            && code.attach_program(&p)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Some(p);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let Some(program) = Program::translate(code) else {
            if code.hash() == code.code_hash() {
                self.insert(code.hash(), Slot::Untranslatable);
            }
            return None;
        };
        let program = Arc::new(program);
        self.translations.fetch_add(1, Ordering::Relaxed);
        code.attach_program(&program);
        if program.hash() == code.hash() {
            self.insert(code.hash(), Slot::Ready(program.clone()));
        }
        Some(program)
    }

    /// The program of `code` when ready; otherwise counts the sighting and, when the code
    /// qualifies, translates it as the policy says (now, or by the background translator).
    pub fn get_or_queue(self: &Arc<Self>, code: &Arc<Bytecode>) -> Option<Arc<Program>> {
        if code.len() < Self::AUTO_MIN_LEN {
            // Never translated in this mode: not even looked up.
            return None;
        }
        let hash = code.hash();
        /// What the slot says, read under the lock; acted on after it is released (acting
        /// may take the write lock, and attaching a ready program may hash the code).
        enum Found {
            Ready,
            Untranslatable,
            Queued(u32),
            Seen(u32),
            /// Nothing, and this analysis had not been seen: the first sighting is counted on
            /// the analysis, so code run once (most code a block touches) never takes the
            /// map's write lock. The map hears of it from the second.
            First,
        }
        let found = match self.read().by_hash.get(&hash) {
            Some(Slot::Ready(_)) => Found::Ready,
            Some(Slot::Untranslatable) => Found::Untranslatable,
            Some(&Slot::Queued(waited)) => Found::Queued(waited),
            Some(&Slot::Seen(n)) => Found::Seen(n),
            None if code.first_sighting() => Found::First,
            None => Found::Seen(1),
        };
        let seen = match found {
            Found::Ready => return self.get_or_translate(code),
            Found::Untranslatable | Found::First => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            Found::Queued(waited) => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                // The background translator has not delivered within a bounded number of
                // calls (a busy or starved thread): this thread translates it now.
                if waited + 1 >= Self::AUTO_MAX_WAIT {
                    return self.get_or_translate(code);
                }
                self.insert(hash, Slot::Queued(waited + 1));
                return None;
            }
            Found::Seen(seen) => seen,
        };
        self.misses.fetch_add(1, Ordering::Relaxed);
        let uses = seen.saturating_add(1);
        if uses < Self::AUTO_MIN_USES {
            self.insert(hash, Slot::Seen(uses));
            return None;
        }
        match self.translator.policy() {
            TranslatorPolicy::Off => {
                self.insert(hash, Slot::Seen(uses));
                None
            }
            TranslatorPolicy::InLine => self.get_or_translate(code),
            // Small code costs less to translate now than the calls it would run interpreted
            // while the background translator works (DESIGN.md, "The compiled tier").
            TranslatorPolicy::Background if code.len() <= Self::AUTO_INLINE_LEN => {
                self.get_or_translate(code)
            }
            TranslatorPolicy::Background => {
                // Marked before it is sent, so the translator's `Ready` always comes after the mark.
                self.insert(hash, Slot::Queued(0));
                if !self.translator.queue(self, code.clone()) {
                    self.insert(hash, Slot::Seen(uses));
                }
                None
            }
        }
    }

    /// Translates queued `code` and publishes its program.
    #[cfg_attr(not(feature = "background-translator"), allow(dead_code))]
    pub(super) fn translate_one(&self, code: &Arc<Bytecode>) {
        // A caller that waited `AUTO_MAX_WAIT` calls may have translated it meanwhile.
        if code.program().is_some() || matches!(self.read().by_hash.get(&code.hash()), Some(Slot::Ready(_))) {
            return;
        }
        match Program::translate(code) {
            Some(program) => {
                self.translations.fetch_add(1, Ordering::Relaxed);
                let program = Arc::new(program);
                code.attach_program(&program);
                // Cached by name only when the name is the code's keccak256 (see `get_or_translate`).
                if program.hash() == code.hash() {
                    self.insert(code.hash(), Slot::Ready(program));
                }
            }
            // Too long to translate: stays interpreted, and is never queued again.
            None => self.insert(code.hash(), Slot::Untranslatable),
        }
    }

    /// Inserts or replaces `hash`'s slot, evicting others until the budget holds it.
    fn insert(&self, hash: B256, slot: Slot) {
        let bytes = slot.bytes();
        if bytes > self.byte_capacity {
            return;
        }
        let mut slots = self.write();
        // A use count or queue mark never replaces a program: the background translator may
        // deliver before the thread that queued the code records that it did.
        if !matches!(slot, Slot::Ready(_)) && matches!(slots.by_hash.get(&hash), Some(Slot::Ready(_))) {
            return;
        }
        if let Some(old) = slots.by_hash.remove(&hash) {
            slots.bytes -= old.bytes();
        }
        let mut evicted = 0;
        while slots.by_hash.len() >= self.capacity || slots.bytes + bytes > self.byte_capacity {
            let Some(victim) = slots.by_hash.keys().next().copied() else { break };
            if let Some(old) = slots.by_hash.remove(&victim) {
                slots.bytes -= old.bytes();
            }
            evicted += 1;
        }
        slots.bytes += bytes;
        slots.by_hash.insert(hash, slot);
        if evicted > 0 {
            self.evictions.fetch_add(evicted, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "background-translator")]
    use std::time::{Duration, Instant};

    fn code(seed: u8) -> Arc<Bytecode> {
        let mut raw = vec![0x60, seed, 0x60, 0x01, 0x01, 0x50];
        raw.resize(64, 0x5b);
        Arc::new(Bytecode::new(&raw))
    }

    /// Code too long to be translated in line by the background policy.
    fn big_code(seed: u8) -> Arc<Bytecode> {
        let mut raw = vec![0x60, seed, 0x60, 0x01, 0x01, 0x50];
        raw.resize(ProgramCache::AUTO_INLINE_LEN + 64, 0x5b);
        Arc::new(Bytecode::new(&raw))
    }

    #[test]
    fn compiled_mode_translates_once_and_counts() {
        let cache = ProgramCache::default();
        let c = code(1);
        let a = cache.get_or_translate(&c).unwrap();
        let b = cache.get_or_translate(&c).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.stats(), CacheStats { hits: 1, misses: 1, evictions: 0, translations: 1 });
    }

    /// Code a database misnamed (another code's hash) runs its own program, in both modes and
    /// whichever comes first, and never leaves it in the cache for the rightly named code.
    #[test]
    fn misnamed_code_gets_its_own_program() {
        for liar_first in [true, false] {
            let cache = &Arc::new(ProgramCache::default());
            let honest = code(20);
            let liar = Arc::new(Bytecode::named(big_code(21).original(), honest.hash()));
            let order = if liar_first { [&liar, &honest] } else { [&honest, &liar] };
            for c in order {
                assert!(cache.prepare(ExecutionMode::Compiled, c));
            }
            for c in [&honest, &liar] {
                let program = c.program().expect("attached");
                assert_eq!((program.hash(), program.code_len()), (c.code_hash(), c.len()));
                assert_eq!(program.validate(c), Ok(()));
            }
            assert_eq!(cache.stats().translations, 2);
            // The cache holds the honest program under its hash: a fresh analysis finds it.
            let fresh = code(20);
            assert!(cache.prepare(ExecutionMode::Auto, &fresh));
            assert!(Arc::ptr_eq(fresh.program().unwrap(), honest.program().unwrap()));
            // A fresh misnamed analysis in Auto mode does not take the honest program either.
            let liar_again = Arc::new(Bytecode::named(big_code(21).original(), honest.hash()));
            cache.prepare(ExecutionMode::Auto, &liar_again);
            assert!(liar_again.program().is_none_or(|p| p.hash() == liar_again.code_hash()));
        }
    }

    /// Auto mode's first sighting of an analysis is counted on it: the map is not written.
    #[test]
    fn a_first_sighting_leaves_the_map_alone() {
        let cache = &Arc::new(ProgramCache::with_policy(
            ProgramCache::CAPACITY,
            ProgramCache::BYTE_CAPACITY,
            TranslatorPolicy::InLine,
        ));
        let c = code(31);
        assert!(!cache.prepare(ExecutionMode::Auto, &c));
        assert_eq!(cache.len(), 0);
        assert!(cache.prepare(ExecutionMode::Auto, &c), "the second sighting translates");
        // A fresh analysis of code whose program is ready finds it at once.
        assert!(cache.prepare(ExecutionMode::Auto, &code(31)));
        assert_eq!(cache.stats().translations, 1);
    }

    #[test]
    fn a_program_is_attached_to_its_code_and_found_there() {
        let cache = &Arc::new(ProgramCache::default());
        let c = code(2);
        assert!(c.program().is_none());
        assert!(cache.prepare(ExecutionMode::Compiled, &c));
        let a = c.program().unwrap().clone();
        // Attached: found without the map (not counted), in either mode.
        assert!(cache.prepare(ExecutionMode::Auto, &c));
        assert_eq!(cache.stats(), CacheStats { hits: 0, misses: 1, evictions: 0, translations: 1 });
        assert!(!cache.prepare(ExecutionMode::Interpreter, &c));
        // Another analysis of the same code finds the program in the map and keeps it.
        let again = code(2);
        assert!(cache.prepare(ExecutionMode::Auto, &again));
        assert!(Arc::ptr_eq(again.program().unwrap(), &a));
        assert_eq!(cache.stats().hits, 1);
        // A program of other code is never attached.
        let other = code(3);
        assert!(!other.attach_program(&a));
        assert!(other.program().is_none());
    }

    #[test]
    fn the_budget_evicts() {
        let cache = ProgramCache::with_capacity(2, usize::MAX);
        for seed in 0..5 {
            cache.get_or_translate(&code(seed));
        }
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.stats().evictions, 3);
        let one = cache.get_or_translate(&code(9)).unwrap().heap_bytes();
        let small = ProgramCache::with_capacity(100, one + 10);
        small.get_or_translate(&code(1));
        small.get_or_translate(&code(2));
        assert_eq!(small.len(), 1);
    }

    #[cfg(feature = "background-translator")]
    #[test]
    fn auto_mode_translates_in_the_background() {
        let cache = &Arc::new(ProgramCache::default());
        let c = big_code(7);
        assert!(!cache.prepare(ExecutionMode::Auto, &c), "first sight: interpret");
        assert!(!cache.prepare(ExecutionMode::Auto, &c), "second: queued");
        assert!(delivered(cache, &c), "the background translator delivered");
        // Later sightings hit, and nothing demotes the program.
        for _ in 0..3 {
            assert!(cache.prepare(ExecutionMode::Auto, &c));
        }
        assert_eq!(cache.stats().translations, 1);
        assert!(!cache.prepare(ExecutionMode::Interpreter, &c));
        // Tiny code is never queued.
        let tiny = Arc::new(Bytecode::new(&[0x00]));
        for _ in 0..5 {
            assert!(!cache.prepare(ExecutionMode::Auto, &tiny));
        }
        assert!(cache.prepare(ExecutionMode::Compiled, &tiny));
    }

    #[test]
    fn background_policy_translates_small_code_in_line_and_waits_a_bounded_number_of_calls() {
        let cache = Arc::new(ProgramCache::default());
        if cache.policy() != TranslatorPolicy::Background {
            return; // without the thread, every policy translates in line (the next test)
        }
        let small = code(15);
        assert!(!cache.prepare(ExecutionMode::Auto, &small), "first sight: interpret");
        assert!(cache.prepare(ExecutionMode::Auto, &small), "second: small, translated in line");
        // Big code waits for the thread, but at most AUTO_MAX_WAIT calls: a cache whose thread
        // never runs (shut down after the code was queued) still gets there.
        let big = big_code(16);
        let stalled = Arc::new(ProgramCache::default());
        assert!(!stalled.prepare(ExecutionMode::Auto, &big));
        stalled.insert(big.hash(), Slot::Queued(0));
        let mut calls = 0;
        while !stalled.prepare(ExecutionMode::Auto, &big) {
            calls += 1;
            assert!(calls < ProgramCache::AUTO_MAX_WAIT, "translated within the bound");
        }
        assert_eq!(stalled.stats().translations, 1);
    }

    #[test]
    fn in_line_and_off_policies() {
        let in_line = Arc::new(ProgramCache::with_policy(100, usize::MAX, TranslatorPolicy::InLine));
        let c = code(10);
        assert!(!in_line.prepare(ExecutionMode::Auto, &c), "first sight: interpret");
        assert!(in_line.prepare(ExecutionMode::Auto, &c), "second: translated on the spot");
        assert!(in_line.translator.worker().is_none(), "no thread");
        let off = Arc::new(ProgramCache::with_policy(100, usize::MAX, TranslatorPolicy::Off));
        let c = code(11);
        for _ in 0..5 {
            assert!(!off.prepare(ExecutionMode::Auto, &c));
        }
        assert_eq!(off.stats().translations, 0);
        assert!(off.prepare(ExecutionMode::Compiled, &c), "Compiled mode translates whatever the policy");
    }

    #[cfg(feature = "background-translator")]
    #[test]
    fn shutdown_joins_the_translator_and_stops_translation() {
        let cache = Arc::new(ProgramCache::default());
        let c = big_code(12);
        for _ in 0..2 {
            assert!(!cache.prepare(ExecutionMode::Auto, &c));
        }
        assert!(delivered(&cache, &c));
        assert!(cache.translator.worker().is_some());
        cache.shutdown();
        assert_eq!(cache.policy(), TranslatorPolicy::Off);
        assert!(cache.translator.thread.lock().unwrap().is_none(), "joined");
        let later = code(13);
        for _ in 0..5 {
            assert!(!cache.prepare(ExecutionMode::Auto, &later), "nothing translated after shutdown");
        }
        assert!(cache.prepare(ExecutionMode::Auto, &c), "programs made before stay");
        // A dropped cache stops its thread too (joined in `Drop`): dropping does not hang.
        let dropped = Arc::new(ProgramCache::default());
        let d = big_code(14);
        for _ in 0..2 {
            dropped.prepare(ExecutionMode::Auto, &d);
        }
        drop(dropped);
    }

    #[cfg(feature = "background-translator")]
    /// A bound on waits for the translator thread that only a hang reaches: the outcome never
    /// depends on how fast the thread is scheduled (a loaded machine or a sanitizer is slow).
    const HANG: Duration = Duration::from_secs(120);

    #[cfg(feature = "background-translator")]
    /// Waits for the background thread to publish `c`'s program; false only if none came
    /// within [`HANG`]. It looks at the slot without calling `prepare`: a `prepare` counts a
    /// wait, and after `AUTO_MAX_WAIT` of them the caller translates the code itself, which
    /// would prove nothing about the thread (and on a slow machine made it translate twice).
    fn delivered(cache: &Arc<ProgramCache>, c: &Arc<Bytecode>) -> bool {
        let deadline = Instant::now() + HANG;
        while Instant::now() < deadline {
            if matches!(cache.read().by_hash.get(&c.hash()), Some(Slot::Ready(_))) {
                return cache.prepare(ExecutionMode::Auto, c);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        false
    }

    /// Code queued while the translator polls, and after it fell asleep, is translated both
    /// times: the queueing thread wakes it only in the second case.
    #[cfg(feature = "background-translator")]
    #[test]
    fn the_translator_wakes_from_deep_sleep() {
        let cache = &Arc::new(ProgramCache::default());
        let (first, second) = (big_code(8), big_code(9));
        for c in [&first, &first] {
            assert!(!cache.prepare(ExecutionMode::Auto, c));
        }
        assert!(delivered(cache, &first));
        let worker = cache.translator.worker().expect("a translator runs");
        // It falls asleep after `Translator::AWAKE` idle: wait for that, however long it takes.
        let deadline = Instant::now() + HANG;
        while !worker.asleep.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the translator sleeps once idle");
            std::thread::sleep(Duration::from_millis(10));
        }
        for c in [&second, &second] {
            assert!(!cache.prepare(ExecutionMode::Auto, c));
        }
        assert!(delivered(cache, &second), "woken to translate");
        assert_eq!(cache.stats().translations, 2);
    }
}
