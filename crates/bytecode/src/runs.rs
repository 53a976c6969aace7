//! Run entries: what the fast interpreter checks where control arrives at a straight-line run,
//! computed the first time control arrives there and kept in a table of lazily allocated chunks.

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use smallvec::SmallVec;

use kestrel_primitives::gas::frontier::STACK_LIMIT;

use crate::analysis::immediate_size;
use crate::opcode::info;

/// What must hold where control arrives at a straight-line run, for the run to finish without
/// an out-of-gas or stack halt: the run's static gas and its stack bounds.
///
/// A run goes from an opcode to the next opcode that jumps or halts (inclusive). Checking these
/// three figures on arrival lets the fast interpreter skip every per-opcode stack check and
/// bound its work by the gas left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct RunEntry {
    /// Static gas of the run at the cheapest fork's prices, saturated at `u16::MAX` (a lower
    /// bound: a frame with less gas must halt inside the run).
    pub gas: u16,
    /// Stack items the run needs on arrival (no opcode of it underflows with this many).
    pub stack_required: u16,
    /// The most items the run adds on top of its arrival height, at any point.
    pub stack_growth: u16,
    /// How many arrival heights from `stack_required` up pass both stack bounds:
    /// `1025 - stack_growth - stack_required`, or 0 when none does. A height `h` is fine exactly
    /// when `h - stack_required`, wrapping, is below this, so the dispatch checks both bounds
    /// with one unsigned compare.
    pub stack_room: u16,
}

impl RunEntry {
    /// The entry of a run with these figures (`stack_room` derived).
    pub const fn new(gas: u16, stack_required: u16, stack_growth: u16) -> Self {
        let room = (STACK_LIMIT + 1).saturating_sub(stack_growth as usize + stack_required as usize);
        Self { gas, stack_required, stack_growth, stack_room: room as u16 }
    }
}

/// One pc's run entry, computed the first time control arrives there (see [`RunChunk`]).
///
/// An empty slot reads as the all-zero entry, whose `stack_room` 0 fails every run check: the
/// fast interpreter reads a slot as it read a plain entry, and only its check's failure path
/// tells an empty slot from a real failure ([`RunSlot::get`]) and fills it. No computed entry
/// is all zero (with no stack needs `stack_room` is 1025). A slot is only ever written with
/// one value (the entry is a function of the code), so threads sharing the analysis may race
/// to fill it; the entry is one atomic word, so a reader sees all of it or none.
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct RunSlot(AtomicU64);

impl RunSlot {
    /// The entry, or all zero while the slot is empty (what the interpreter's check reads).
    #[inline(always)]
    pub fn load(&self) -> RunEntry {
        // One word, so a racing fill is seen whole or not at all.
        let bits = self.0.load(Ordering::Relaxed);
        RunEntry {
            stack_room: bits as u16,
            stack_required: (bits >> 16) as u16,
            stack_growth: (bits >> 32) as u16,
            gas: (bits >> 48) as u16,
        }
    }

    /// The entry, if some arrival computed it already.
    #[inline]
    pub fn get(&self) -> Option<RunEntry> {
        let entry = self.load();
        (entry != EMPTY_SLOT).then_some(entry)
    }

    pub(crate) fn store(&self, e: RunEntry) {
        let bits = e.stack_room as u64
            | (e.stack_required as u64) << 16
            | (e.stack_growth as u64) << 32
            | (e.gas as u64) << 48;
        self.0.store(bits, Ordering::Relaxed);
    }
}

/// What an empty [`RunSlot`] reads as (no computed entry is this).
pub(crate) const EMPTY_SLOT: RunEntry =
    RunEntry { gas: 0, stack_required: 0, stack_growth: 0, stack_room: 0 };

/// Slots of [`RUN_CHUNK`] consecutive pcs: the unit a run table allocates.
// No over-alignment: glibc serves aligned allocations through a slower path (`_int_memalign`).
pub(crate) struct Chunk([RunSlot; RUN_CHUNK]);

/// Pcs per [`RunChunk`] (512 bytes of slots).
pub const RUN_CHUNK: usize = 64;

/// The chunk every [`RunChunk`] points at until an entry of its pcs is computed: all slots
/// empty, never written (a fill replaces the pointer first).
pub(crate) static EMPTY_CHUNK: Chunk = Chunk([const { RunSlot(AtomicU64::new(0)) }; RUN_CHUNK]);

/// The run slots of [`RUN_CHUNK`] consecutive pcs of one code: a pointer to their chunk,
/// allocated when the first of their entries is computed.
///
/// Most opcodes of a contract are never an arrival point, and most arrival points of a large
/// contract are never reached in a given call: computing every entry up front wrote eight bytes
/// per code byte (196 KiB for 24 KiB of code), and a dense table of them, zeroed by the
/// allocator, faulted in every page; those page faults were most of a cold 24 KiB call's
/// analysis (DESIGN.md, "Cold code"). A table is one pointer per chunk, each at a shared empty
/// chunk until its first entry; a chunk is an ordinary heap block.
#[derive(Debug)]
#[repr(transparent)]
pub struct RunChunk(pub(crate) AtomicPtr<Chunk>);

impl RunChunk {
    /// The slot of `pc` (only its place in the chunk counts: `pc % RUN_CHUNK`).
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn slot(&self, pc: usize) -> &RunSlot {
        // Acquire: a chunk's zeroed slots are published with it (see `fill`).
        let chunk = self.0.load(Ordering::Acquire);
        // SAFETY: the pointer is `EMPTY_CHUNK` or a chunk the table owns until it drops, which
        // outlives `&self`; slots are only changed through their atomics.
        let chunk = unsafe { &*chunk };
        &chunk.0[pc % RUN_CHUNK]
    }

    /// The slot of `pc` in a chunk of its own, allocating it (or taking the one a racing
    /// thread installed).
    #[allow(unsafe_code)]
    pub(crate) fn writable_slot(&self, pc: usize) -> &RunSlot {
        let empty = &EMPTY_CHUNK as *const Chunk as *mut Chunk;
        if std::ptr::eq(self.0.load(Ordering::Acquire), empty) {
            let fresh = new_chunk();
            if self.0.compare_exchange(empty, fresh, Ordering::AcqRel, Ordering::Acquire).is_err() {
                // SAFETY: `fresh` was never published: this thread owns it.
                drop(unsafe { Box::from_raw(fresh) });
            }
        }
        self.slot(pc)
    }
}

/// A chunk of empty slots on the heap, as `Box::into_raw` of a `Box<Chunk>` would give.
///
/// Allocated and then zeroed rather than `Box::new` of a zeroed chunk, which LLVM turns into
/// `calloc`: glibc serves `calloc` without its thread cache, about 250 instructions more a chunk,
/// which was a twentieth of a cold 100-byte contract's call (DESIGN.md, "Cold code").
#[allow(unsafe_code)]
fn new_chunk() -> *mut Chunk {
    let layout = std::alloc::Layout::new::<Chunk>();
    // SAFETY: `Chunk` is not zero-sized.
    let fresh = unsafe { std::alloc::alloc(layout) }.cast::<Chunk>();
    if fresh.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // The pointer passes through an opaque barrier so the zeroing stays a `memset` of
    // memory `malloc` gave, not a `calloc`.
    let fresh = std::hint::black_box(fresh);
    // SAFETY: `fresh` is a live allocation of `Chunk`'s layout; all-zero bytes are a valid
    // `Chunk` (atomic integers). `Box::from_raw` may free it: it was allocated by the global
    // allocator with `Layout::new::<Chunk>()`, as a `Box<Chunk>` is.
    unsafe { fresh.write_bytes(0, 1) };
    fresh
}

impl Drop for RunChunk {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        let chunk = *self.0.get_mut();
        if !std::ptr::eq(chunk, &EMPTY_CHUNK) {
            // SAFETY: a chunk other than the empty one was allocated by `writable_slot` with
            // `Box` and is freed once, here (`&mut self`: no slot borrow is alive).
            drop(unsafe { Box::from_raw(chunk) });
        }
    }
}

/// The run entries of one code, for pcs `0..=code length`, computed on first use.
pub(crate) struct RunTable {
    /// Inline for code up to 127 bytes: most contracts a block calls once are small proxies and
    /// tokens' fallbacks, and the pointer array was one of an analysis' five allocations.
    pub(crate) chunks: SmallVec<[RunChunk; 2]>,
    pub(crate) len: usize,
}

impl RunTable {
    /// Slots for `len` pcs, none computed; nothing but the chunk pointers is allocated.
    pub(crate) fn zeroed(len: usize) -> Self {
        let empty = &EMPTY_CHUNK as *const Chunk as *mut Chunk;
        let chunks = (0..len.div_ceil(RUN_CHUNK)).map(|_| RunChunk(AtomicPtr::new(empty))).collect();
        Self { chunks, len }
    }

    /// The slot of `pc`, if `pc` is below the table's length.
    #[inline]
    pub(crate) fn slot(&self, pc: usize) -> Option<&RunSlot> {
        (pc < self.len).then(|| self.chunks[pc / RUN_CHUNK].slot(pc))
    }
}

impl Default for RunTable {
    fn default() -> Self {
        Self::zeroed(0)
    }
}

/// A clone computes its entries again (they are a cache of the code).
impl Clone for RunTable {
    fn clone(&self) -> Self {
        Self::zeroed(self.len)
    }
}

/// Entries are a function of the code: two tables of equal code are equal.
impl PartialEq for RunTable {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for RunTable {}

impl std::fmt::Debug for RunTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RunTable({} slots)", self.len)
    }
}

/// The empty run (past the end): costs nothing and fits any stack.
impl Default for RunEntry {
    fn default() -> Self {
        Self::new(0, 0, 0)
    }
}

/// The [`RunEntry`] of the straight-line run from `pc` to the next opcode that jumps or halts
/// (inclusive), reading `padded` (code and [`PADDING`]) as opcodes from `pc`.
///
/// Control only arrives at pc 0, at a jump's target, after a JUMPI that falls through and where
/// a frame resumes after a call; from there execution is straight-line (a JUMPDEST on the way
/// changes nothing) until an opcode that jumps or halts. Each opcode counts its least static
/// gas over the forks that define it, so the gas is a lower bound of what any fork charges for
/// the run; stack effects do not depend on the fork. Bytes no fork defines end a run (they
/// halt). The walk ends inside the buffer: the padding's last byte is a STOP that every
/// immediate stops short of.
pub(crate) fn run_from(padded: &[u8], mut pc: usize) -> RunEntry {
    let (mut gas, mut required, mut growth, mut height) = (0u32, 0i64, 0i64, 0i64);
    while let Some(&op) = padded.get(pc) {
        let (cost, inputs, outputs, ends) = match info(op) {
            Some(i) => (i.min_gas, i.inputs as i64, i.outputs as i64, i.ends_block),
            None => (0, 0, 0, true),
        };
        gas = (gas + cost as u32).min(u16::MAX as u32);
        // This opcode needs `inputs` at the height the run is at: that many above arrival,
        // minus what the run added so far.
        required = required.max(inputs - height);
        height += outputs - inputs;
        growth = growth.max(height);
        if ends {
            break;
        }
        pc += 1 + immediate_size(op);
    }
    // Saturating keeps both meaningful: a run that needs more than 1024 items, or grows by
    // more than 1024, fails its check whatever the stack holds, as it must.
    let saturate = |v: i64| v.clamp(0, u16::MAX as i64) as u16;
    RunEntry::new(gas as u16, saturate(required), saturate(growth))
}
