//! The analysis cache, keyed by code hash, and [`Caches`], the handle an `Evm` holds its caches by.

use alloy_primitives::map::B256Map;
use std::sync::{Arc, OnceLock, RwLock};

use kestrel_primitives::{B256, Bytes};

use crate::program::ProgramCache;
use crate::{Bytecode, HashedCode};

/// The caches an `Evm` runs with: analysed code and translated programs, each shared by code
/// hash. Cloning shares them (two `Arc`s); [`Caches::global`] is what every `Evm` starts with,
/// and an embedder gives `Evm`s caches of their own (isolated tenants, a test, a bounded memory
/// budget, a translator policy) with [`Caches::new`].
#[derive(Clone, Debug)]
pub struct Caches {
    /// Analysed code.
    pub analysis: Arc<AnalysisCache>,
    /// Translated programs, with the translator that fills the cache in Auto mode.
    pub programs: Arc<ProgramCache>,
}

impl Caches {
    /// The process-wide caches ([`AnalysisCache::global`], [`ProgramCache::global`]).
    pub fn global() -> Self {
        Self { analysis: AnalysisCache::global().clone(), programs: ProgramCache::global().clone() }
    }

    /// The given caches.
    pub fn new(analysis: Arc<AnalysisCache>, programs: Arc<ProgramCache>) -> Self {
        Self { analysis, programs }
    }

    /// Fresh caches of the default sizes and translator policy, shared with no one yet.
    pub fn isolated() -> Self {
        Self::new(Arc::new(AnalysisCache::default()), Arc::new(ProgramCache::default()))
    }
}

impl Default for Caches {
    /// [`Caches::global`].
    fn default() -> Self {
        Self::global()
    }
}

/// Analysed code shared by code hash across transactions, `Evm`s and threads.
///
/// Contracts are immutable under their hash, so an analysis made once serves every later
/// transaction. Beside each analysis the cache keeps the code itself as [`Bytes`], so that a
/// creation deploying code already seen gets that buffer back ([`intern`](Self::intern))
/// instead of copying its code again. The cache holds at most [`AnalysisCache::CAPACITY`]
/// entries and [`AnalysisCache::BYTE_CAPACITY`] bytes of code, and starts over when either is
/// reached, so memory stays bounded whatever code a node is fed (an entry takes about ten
/// bytes per code byte: the code, the padded code and an eight-byte run entry per byte; a program
/// attached to it in the compiled tier 12–16 more, see [`Bytecode::program`]).
///
/// The hash a lookup gives comes from a database, which may be wrong (buggy, malicious, or
/// failing: the journal reads unreadable code as empty). A hit is therefore served only when
/// the cached code is the caller's code, byte for byte (the same buffer, or equal bytes): one
/// database cannot make another `Evm` in the process run its code. When two callers disagree
/// about a hash's code, the caller's code is hashed: if the hash is its keccak256 it takes the
/// entry over, otherwise its analysis serves only the caller. So the common path hashes
/// nothing (keccak256 was a third of a cold 24 KiB contract's analysis; DESIGN.md, "Cold
/// code"), and a program is attached to an analysis only by the code's own keccak256
/// ([`Bytecode::attach_program`]).
#[derive(Debug)]
pub struct AnalysisCache {
    map: RwLock<Entries>,
    capacity: usize,
    byte_capacity: usize,
}

impl Default for AnalysisCache {
    fn default() -> Self {
        Self::with_capacity(Self::CAPACITY, Self::BYTE_CAPACITY)
    }
}

/// The cached analyses and the code bytes they cover.
#[derive(Debug, Default)]
struct Entries {
    by_hash: B256Map<Entry>,
    code_bytes: usize,
}

/// One code: its analysis, and the code as the buffer deployments share.
#[derive(Debug)]
struct Entry {
    analysis: Arc<Bytecode>,
    code: Bytes,
}

impl AnalysisCache {
    /// Most entries kept before the cache is cleared.
    pub const CAPACITY: usize = 16_384;

    /// Most code bytes kept before the cache is cleared: 32 MiB of code (over 1,300 contracts
    /// of the 24 KiB maximum), about 0.25 GiB of analyses and at most 0.5 GiB more of attached
    /// programs.
    pub const BYTE_CAPACITY: usize = 32 << 20;

    /// An empty cache holding at most `capacity` analyses of at most `byte_capacity` code bytes.
    pub fn with_capacity(capacity: usize, byte_capacity: usize) -> Self {
        // Room for the first thousand codes up front: growing from empty rehashed every entry
        // about twice, 480 instructions a code over the first thousand (a tenth of a cold
        // 100-byte contract's call); the 70 KiB it takes is small beside the analyses.
        let by_hash = B256Map::with_capacity_and_hasher(capacity.min(Self::INITIAL), Default::default());
        Self { map: RwLock::new(Entries { by_hash, code_bytes: 0 }), capacity, byte_capacity }
    }

    /// Entries a new cache has room for before its map first grows.
    const INITIAL: usize = 1024;

    /// The cache shared by every `Evm` that was not given one of its own.
    pub fn global() -> &'static Arc<AnalysisCache> {
        static CACHE: OnceLock<Arc<AnalysisCache>> = OnceLock::new();
        CACHE.get_or_init(|| Arc::new(AnalysisCache::default()))
    }

    /// The analysis of `code` whose hash is reported to be `hash`, analysing it on first sight;
    /// always an analysis of `code` itself (see the type's docs). On a miss the cache keeps a
    /// clone of `code` (no copy: the buffer is shared) for [`intern`](Self::intern).
    pub fn get_or_analyze(&self, hash: B256, code: &Bytes) -> Arc<Bytecode> {
        let cached = self.read().by_hash.get(&hash).map(|e| (e.analysis.clone(), same_code(&e.code, code)));
        match cached {
            Some((analysis, true)) => analysis,
            None => {
                let analysed = Arc::new(Bytecode::named(code, hash));
                self.insert(hash, Entry { analysis: analysed, code: code.clone() }).0
            }
            // Two callers disagree about `hash`'s code: the hash decides.
            Some((_, false)) => {
                let analysed = Arc::new(Bytecode::new(code));
                if analysed.hash() == hash {
                    self.replace(hash, Entry { analysis: analysed.clone(), code: code.clone() });
                }
                analysed
            }
        }
    }

    /// `code`, about to be deployed: its keccak256 hash and the code as a [`Bytes`] shared with
    /// the cache. Code seen before (deployed, or run, since the cache last started over) comes
    /// back as the buffer already held, so deploying it again allocates nothing; new code is
    /// copied once and analysed now, ready for its first call.
    pub fn intern(&self, code: &[u8]) -> (B256, Bytes) {
        let hashed = HashedCode::new(code);
        let hash = hashed.hash();
        let found = self.read().by_hash.get(&hash).map(|e| e.code.clone());
        if let Some(found) = &found
            && found[..] == *code
        {
            return (hash, found.clone());
        }
        let entry =
            Entry { analysis: Arc::new(Bytecode::from_hashed(hashed)), code: Bytes::copy_from_slice(code) };
        if found.is_some() {
            // The entry was a database's misnamed code: the code hashed here takes it over.
            let code = entry.code.clone();
            self.replace(hash, entry);
            return (hash, code);
        }
        (hash, self.insert(hash, entry).1)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        self.map.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Inserts `entry` for `hash` (whose code the caller hashed itself), first starting over if
    /// it would not fit; returns the analysis and code now cached, which are an earlier entry's
    /// when another thread inserted the same code meanwhile.
    fn insert(&self, hash: B256, entry: Entry) -> (Arc<Bytecode>, Bytes) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        let Entries { by_hash, code_bytes } = &mut *map;
        let len = entry.code.len();
        // Starting over is rare, and only then is the key looked up twice.
        let full = by_hash.len() >= self.capacity || *code_bytes + len > self.byte_capacity;
        if full && !by_hash.contains_key(&hash) {
            by_hash.clear();
            *code_bytes = 0;
        }
        let cached = by_hash.entry(hash).or_insert_with(|| {
            *code_bytes += len;
            entry
        });
        (cached.analysis.clone(), cached.code.clone())
    }

    /// Puts `entry`, whose code the caller hashed to `hash`, in place of whatever `hash` holds.
    fn replace(&self, hash: B256, entry: Entry) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        let Entries { by_hash, code_bytes } = &mut *map;
        let len = entry.code.len();
        if let Some(old) = by_hash.insert(hash, entry) {
            *code_bytes -= old.code.len();
        }
        *code_bytes += len;
    }

    /// Number of cached analyses.
    pub fn len(&self) -> usize {
        self.read().by_hash.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether two buffers hold the same code: the same allocation (a database handing out clones
/// of one `Bytes`), or equal bytes. A comparison costs a small fraction of hashing the code.
#[inline]
fn same_code(a: &Bytes, b: &Bytes) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a[..] == b[..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_primitives::keccak256;

    #[test]
    fn the_byte_budget_bounds_the_cache() {
        let cache = AnalysisCache::with_capacity(100, 1000);
        let big = Bytes::from(vec![0x5bu8; 501]);
        let mut other = big.to_vec();
        other[0] = 0x00;
        let other = Bytes::from(other);
        cache.get_or_analyze(keccak256(&big), &big);
        assert_eq!(cache.len(), 1);
        // A second half-budget code does not fit beside the first: the cache starts over.
        cache.get_or_analyze(keccak256(&other), &other);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn same_hash_shares_one_analysis() {
        let cache = AnalysisCache::default();
        let code = Bytes::from_static(&[0x60, 0x01, 0x5b]);
        let a = cache.get_or_analyze(keccak256(&code), &code);
        let b = cache.get_or_analyze(keccak256(&code), &code);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.len(), 1);
        assert!(a.is_jumpdest(2));
    }

    /// A database that reports honest code's hash for other code cannot make the cache serve
    /// that other code to a later caller with the honest code, nor keep the entry.
    #[test]
    fn a_wrong_hash_cannot_serve_other_code() {
        let cache = AnalysisCache::default();
        let honest = Bytes::from_static(&[0x60, 0x01, 0x00]);
        let evil = Bytes::from_static(&[0x60, 0x02, 0x00]);
        let name = keccak256(&honest);
        let liar = cache.get_or_analyze(name, &evil);
        assert_eq!(liar.original(), &evil[..], "the liar runs what it gave");
        assert_eq!(liar.code_hash(), keccak256(&evil), "and its code's own hash decides programs");
        let served = cache.get_or_analyze(name, &honest);
        assert_eq!(served.original(), &honest[..]);
        assert_eq!(cache.len(), 1);
        // The honest code took the entry over: the liar now gets an analysis of its own.
        let again = cache.get_or_analyze(name, &evil);
        assert_eq!(again.original(), &evil[..]);
        assert!(Arc::ptr_eq(&cache.get_or_analyze(name, &honest), &served));
        // Equal bytes in another buffer share the entry.
        let copy = Bytes::copy_from_slice(&honest);
        assert!(Arc::ptr_eq(&cache.get_or_analyze(name, &copy), &served));
        assert_eq!(cache.len(), 1);
    }

    /// Nor can a misnamed entry make a deployment of the honest code get the liar's bytes.
    #[test]
    fn a_wrong_hash_cannot_change_a_deployment() {
        let cache = AnalysisCache::default();
        let honest = [0x60, 0x01, 0x00];
        let evil = Bytes::from_static(&[0x60, 0x02, 0x00]);
        cache.get_or_analyze(keccak256(honest), &evil);
        let (hash, deployed) = cache.intern(&honest);
        assert_eq!((hash, &deployed[..]), (keccak256(honest), &honest[..]));
        assert_eq!(cache.get_or_analyze(hash, &deployed).original(), &honest[..]);
        assert_eq!(cache.len(), 1);
    }

    /// Deploying code the cache holds (deployed or run before) hands back the very buffer it
    /// holds, and the analysis made at deployment serves the first call.
    #[test]
    fn interned_code_is_shared() {
        let cache = AnalysisCache::default();
        let code = [0x60, 0x01, 0x5b];
        let (hash, first) = cache.intern(&code);
        let (again, second) = cache.intern(&code);
        assert_eq!((hash, again), (keccak256(code), keccak256(code)));
        assert_eq!(first.as_ptr(), second.as_ptr(), "one buffer");
        assert_eq!(cache.len(), 1);
        let analysis = cache.get_or_analyze(hash, &second);
        assert_eq!(analysis.original(), &code[..]);
        assert_eq!(cache.len(), 1);
        // Code first seen running is interned as the buffer it ran from.
        let run = Bytes::from(vec![0x60, 0x02, 0x00]);
        cache.get_or_analyze(keccak256(&run), &run);
        assert_eq!(cache.intern(&run).1.as_ptr(), run.as_ptr());
    }
}
