//! The process-wide analysis cache, keyed by code hash.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use kestrel_primitives::{B256, keccak256};

use crate::Bytecode;

/// Analysed code shared by code hash for the whole process.
///
/// Contracts are immutable under their hash, so an analysis made once serves every later
/// transaction. The cache holds at most [`AnalysisCache::CAPACITY`] entries and starts over
/// when full, so memory stays bounded whatever code a node is fed.
///
/// The hash a lookup gives comes from a database, which may be wrong (buggy, malicious, or
/// failing: the journal reads unreadable code as empty). An entry is therefore only inserted
/// after Kestrel hashed the code itself and found the same hash; otherwise the analysis serves
/// only the caller. One database cannot make another `Evm` in the process run its code. The
/// check costs one keccak256 per distinct code per process (measured in `DESIGN.md`); hits
/// cost nothing more.
#[derive(Debug, Default)]
pub struct AnalysisCache {
    map: RwLock<HashMap<B256, Arc<Bytecode>>>,
}

impl AnalysisCache {
    /// Most entries kept before the cache is cleared.
    pub const CAPACITY: usize = 16_384;

    /// The cache shared by the whole process.
    pub fn global() -> &'static AnalysisCache {
        static CACHE: OnceLock<AnalysisCache> = OnceLock::new();
        CACHE.get_or_init(AnalysisCache::default)
    }

    /// The analysis of `code` whose hash is reported to be `hash`, analysing it on first sight.
    /// A hash that is not the code's keccak256 is never cached.
    pub fn get_or_analyze(&self, hash: B256, code: &[u8]) -> Arc<Bytecode> {
        if let Some(found) = self.map.read().unwrap_or_else(|e| e.into_inner()).get(&hash) {
            return found.clone();
        }
        let computed = keccak256(code);
        let analysed = Arc::new(Bytecode::with_hash(code, computed));
        if computed != hash {
            return analysed;
        }
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::CAPACITY {
            map.clear();
        }
        map.entry(hash).or_insert(analysed).clone()
    }

    /// Number of cached analyses.
    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_primitives::keccak256;

    #[test]
    fn same_hash_shares_one_analysis() {
        let cache = AnalysisCache::default();
        let code = [0x60, 0x01, 0x5b];
        let a = cache.get_or_analyze(keccak256(code), &code);
        let b = cache.get_or_analyze(keccak256(code), &code);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.len(), 1);
        assert!(a.is_jumpdest(2));
    }

    /// A database that reports honest code's hash for other code cannot make the cache serve
    /// that other code to a later caller with the honest code.
    #[test]
    fn a_wrong_hash_is_not_cached() {
        let cache = AnalysisCache::default();
        let honest = [0x60, 0x01, 0x00];
        let evil = [0x60, 0x02, 0x00];
        let liar = cache.get_or_analyze(keccak256(honest), &evil);
        assert_eq!(liar.original(), &evil[..], "the liar runs what it gave");
        assert!(cache.is_empty());
        let served = cache.get_or_analyze(keccak256(honest), &honest);
        assert_eq!(served.original(), &honest[..]);
        assert_eq!(cache.len(), 1);
    }
}
