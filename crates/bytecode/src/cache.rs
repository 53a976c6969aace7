//! The process-wide analysis cache, keyed by code hash.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use kestrel_primitives::B256;

use crate::Bytecode;

/// Analysed code shared by code hash for the whole process.
///
/// Contracts are immutable under their hash, so an analysis made once serves every later
/// transaction. The cache holds at most [`AnalysisCache::CAPACITY`] entries and starts over
/// when full, so memory stays bounded whatever code a node is fed.
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

    /// The analysis of `code` whose hash is `hash`, analysing it on first sight.
    pub fn get_or_analyze(&self, hash: B256, code: &[u8]) -> Arc<Bytecode> {
        if let Some(found) = self.map.read().unwrap_or_else(|e| e.into_inner()).get(&hash) {
            return found.clone();
        }
        let analysed = Arc::new(Bytecode::with_hash(code, hash));
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
}
