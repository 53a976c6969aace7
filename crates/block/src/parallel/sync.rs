//! The synchronisation primitives the parallel executor's protocols use: the standard
//! library's, or loom's in the model-checking build (`RUSTFLAGS="--cfg loom"`, the library's
//! own tests only), where every lock and atomic access becomes a point at which loom explores
//! each interleaving (`loom_models.rs`).

#[cfg(all(loom, test))]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize};
#[cfg(all(loom, test))]
pub(crate) use loom::sync::{Mutex, RwLock};

#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize};
#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::{Mutex, RwLock};
