//! The operand stack: a fixed array of 1024 words on the heap, and the stack pointer the
//! dispatch loop keeps in a register while it runs.

use core::ptr::NonNull;

use kestrel_primitives::U256;

/// Maximum number of items on the stack (the protocol's limit, from `kestrel_primitives`).
pub const STACK_LIMIT: usize = kestrel_primitives::gas::frontier::STACK_LIMIT;

/// The EVM operand stack of one frame, as it rests between runs of the dispatch loop.
///
/// The storage is one heap array of 1024 words, allocated once and reused across frames and
/// transactions (the host pools stacks), so pushes never allocate. While [`run`](crate::run)
/// executes, the loop keeps the top of the stack in a register ([`Sp`]) and writes the length
/// back here whenever something outside the loop may look (host calls, suspension, halts,
/// tracers). The methods here are for those outside readers and are bounds-checked.
pub struct Stack {
    /// Owns a `Box<[U256; STACK_LIMIT]>` (turned into a raw pointer so that the loop's [`Sp`],
    /// derived from it, is not invalidated by a unique `Box` borrow).
    data: NonNull<U256>,
    len: usize,
}

// SAFETY: `Stack` uniquely owns its allocation, like the `Box` it was made from.
unsafe impl Send for Stack {}
// SAFETY: shared access only reads, through `&self` methods.
unsafe impl Sync for Stack {}

impl Drop for Stack {
    fn drop(&mut self) {
        // SAFETY: `data` came from `Box::into_raw` of a `[U256; STACK_LIMIT]` in `new` and is
        // dropped exactly once, here.
        drop(unsafe { Box::from_raw(self.data.as_ptr().cast::<[U256; STACK_LIMIT]>()) });
    }
}

impl Default for Stack {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Stack {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl Stack {
    /// An empty stack.
    pub fn new() -> Self {
        // Build on the heap directly: a 32 KiB array would otherwise pass through the native stack.
        let data: Box<[U256; STACK_LIMIT]> =
            vec![U256::ZERO; STACK_LIMIT].into_boxed_slice().try_into().expect("length is STACK_LIMIT");
        let data = NonNull::new(Box::into_raw(data).cast::<U256>()).expect("Box is non-null");
        Self { data, len: 0 }
    }

    /// Number of items.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Removes every item, keeping the storage.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// All 1024 slots.
    #[inline]
    fn slots(&self) -> &[U256] {
        // SAFETY: `data` points to `STACK_LIMIT` initialised words owned by `self`.
        unsafe { core::slice::from_raw_parts(self.data.as_ptr(), STACK_LIMIT) }
    }

    /// All 1024 slots, mutable.
    #[inline]
    fn slots_mut(&mut self) -> &mut [U256] {
        // SAFETY: as in `slots`, and `&mut self` makes the access unique.
        unsafe { core::slice::from_raw_parts_mut(self.data.as_ptr(), STACK_LIMIT) }
    }

    /// The items, bottom first.
    #[inline]
    pub fn as_slice(&self) -> &[U256] {
        &self.slots()[..self.len]
    }

    /// Pushes `value`. Panics when the stack is full: callers (resuming a frame after a child,
    /// whose CALL or CREATE popped more than it pushes) know there is room.
    #[inline]
    pub fn push(&mut self, value: U256) {
        let len = self.len;
        self.slots_mut()[len] = value;
        self.len += 1;
    }

    /// Pops the top item. For the handlers that run with the loop's registers written back
    /// (host and frame shapes); the dispatch has checked the item is there, and the index
    /// checks keep it safe anyway.
    #[inline]
    pub(crate) fn pop(&mut self) -> U256 {
        self.len -= 1;
        self.slots()[self.len]
    }

    /// The top item, mutable.
    #[inline]
    pub(crate) fn top(&mut self) -> &mut U256 {
        let i = self.len - 1;
        &mut self.slots_mut()[i]
    }

    /// Pops `N` items, top first.
    #[inline]
    pub(crate) fn popn<const N: usize>(&mut self) -> [U256; N] {
        core::array::from_fn(|_| self.pop())
    }

    /// The stack pointer for the dispatch loop: one past the top item.
    #[inline(always)]
    pub(crate) fn sp(&mut self) -> Sp {
        // SAFETY: `len <= STACK_LIMIT`, so the pointer stays inside (or one past) the allocation.
        Sp { base: self.data.as_ptr(), top: unsafe { self.data.as_ptr().add(self.len) } }
    }

    /// Takes back the length from the loop's stack pointer.
    #[inline(always)]
    pub(crate) fn set_from(&mut self, sp: Sp) {
        debug_assert!(sp.base == self.data.as_ptr() && sp.len() <= STACK_LIMIT);
        self.len = sp.len();
    }
}

/// The dispatch loop's stack pointer: the base of a frame's [`Stack`] and one past its top.
///
/// A copy of the stack's length that lives in a register while the loop runs. Its accessors do
/// no bounds checks: the generated dispatch checks each opcode's stack inputs and outputs
/// against the opcode table before the handler runs, and handlers touch only the items their
/// table row declares. Debug builds check every access anyway.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sp {
    base: *mut U256,
    top: *mut U256,
}

impl Sp {
    /// Number of items.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        // SAFETY: `top` and `base` point into the same allocation, `top >= base`.
        unsafe { self.top.offset_from(self.base) as usize }
    }

    /// True when there are fewer than `n` items (the dispatch's underflow check).
    #[inline(always)]
    pub(crate) fn has_fewer_than(&self, n: usize) -> bool {
        (self.top as usize) < (self.base as usize) + n * size_of::<U256>()
    }

    /// True when pushing `n` more items would pass [`STACK_LIMIT`] (the overflow check).
    #[inline(always)]
    pub(crate) fn has_no_room_for(&self, n: usize) -> bool {
        (self.top as usize) > (self.base as usize) + (STACK_LIMIT - n) * size_of::<U256>()
    }

    /// Pushes `value`.
    #[inline(always)]
    pub(crate) fn push(&mut self, value: U256) {
        debug_assert!(self.len() < STACK_LIMIT);
        // SAFETY: the dispatch checked there is room for this opcode's outputs.
        unsafe {
            self.top.write(value);
            self.top = self.top.add(1);
        }
    }

    /// Pops the top item.
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> U256 {
        debug_assert!(self.len() >= 1);
        // SAFETY: the dispatch checked this opcode's inputs are on the stack.
        unsafe {
            self.top = self.top.sub(1);
            self.top.read()
        }
    }

    /// The top item, mutable.
    #[inline(always)]
    pub(crate) fn top(&mut self) -> &mut U256 {
        debug_assert!(self.len() >= 1);
        // SAFETY: as in `pop`; the reference lives no longer than the borrow of `self`.
        unsafe { &mut *self.top.sub(1) }
    }

    /// Pops one item and reads the new top: the shape of every binary operator
    /// (`a = pop; b = top; set_top(a op b)`).
    #[inline(always)]
    pub(crate) fn pop_top(&mut self) -> (U256, U256) {
        let a = self.pop();
        (a, *self.top())
    }

    /// [`pop`](Self::pop) reading limb by limb (see [`copy_limbs`]), for words that are tested
    /// rather than computed on (jump targets and conditions).
    #[inline(always)]
    pub(crate) fn pop_limbs(&mut self) -> U256 {
        debug_assert!(self.len() >= 1);
        // SAFETY: as in `pop`.
        unsafe {
            self.top = self.top.sub(1);
            read_limbs(self.top)
        }
    }

    /// [`pop_top`](Self::pop_top) for the operators LLVM would otherwise compute in 16-byte
    /// vector registers (bitwise logic, equality): both operands are read limb by limb (see
    /// [`copy_limbs`]).
    #[inline(always)]
    pub(crate) fn pop_top_limbs(&mut self) -> (U256, U256) {
        let a = self.pop_limbs();
        (a, self.top_value())
    }

    /// Pops the top item and tells whether it is zero (JUMPI's condition).
    #[inline(always)]
    pub(crate) fn pop_is_zero(&mut self) -> bool {
        is_zero_limbs(self.pop_limbs())
    }

    /// Whether the top item is zero (ISZERO).
    #[inline(always)]
    pub(crate) fn top_is_zero(&self) -> bool {
        is_zero_limbs(self.top_value())
    }

    /// Replaces the top item by 1 or 0, limb by limb (the comparisons' result: building it as
    /// a word first made LLVM assemble it in a vector register on the native stack).
    #[inline(always)]
    pub(crate) fn set_top_flag(&mut self, flag: bool) {
        debug_assert!(self.len() >= 1);
        let p = self.top.wrapping_sub(1).cast::<u64>();
        // SAFETY: as in `pop`; volatile keeps the four stores 64-bit wide.
        unsafe {
            p.write_volatile(flag as u64);
            p.add(1).write_volatile(0);
            p.add(2).write_volatile(0);
            p.add(3).write_volatile(0);
        }
    }

    /// The top item, read limb by limb (see [`copy_limbs`]).
    #[inline(always)]
    pub(crate) fn top_value(&self) -> U256 {
        debug_assert!(self.len() >= 1);
        // SAFETY: as in `pop`.
        unsafe { read_limbs(self.top.sub(1)) }
    }

    /// Replaces the top item.
    #[inline(always)]
    pub(crate) fn set_top(&mut self, value: U256) {
        debug_assert!(self.len() >= 1);
        // SAFETY: as in `pop`.
        unsafe { self.top.sub(1).write(value) }
    }

    /// Pops `N` items, top first.
    #[inline(always)]
    pub(crate) fn popn<const N: usize>(&mut self) -> [U256; N] {
        core::array::from_fn(|_| self.pop())
    }

    /// What DUPn then `pop_top_limbs` would give, without the copy: the `n`-th item from the
    /// top (1-based) and the top, read limb by limb; the stack is unchanged (the compiled tier's
    /// fused DUPn + binary operator writes its result over the top).
    #[inline(always)]
    pub(crate) fn dup_top(&self, n: usize) -> (U256, U256) {
        debug_assert!(n >= 1 && self.len() >= n);
        // SAFETY: the run check made for DUPn's `n` inputs covers both reads.
        unsafe { (read_limbs(self.top.sub(n)), read_limbs(self.top.sub(1))) }
    }

    /// Duplicates the `n`-th item from the top (1-based) onto the top.
    #[inline(always)]
    pub(crate) fn dup(&mut self, n: usize) {
        debug_assert!(n >= 1 && self.len() >= n);
        // SAFETY: the dispatch checked DUPn's `n` inputs (and room for its output).
        unsafe {
            copy_limbs(self.top.sub(n), self.top);
            self.top = self.top.add(1);
        }
    }

    /// Swaps the top with the `n`-th item below it.
    #[inline(always)]
    pub(crate) fn swap(&mut self, n: usize) {
        debug_assert!(self.len() > n);
        // SAFETY: the dispatch checked SWAPn's `n + 1` inputs; the two slots differ for n >= 1.
        unsafe { swap_limbs(self.top.sub(1), self.top.sub(n + 1)) }
    }
}

/// Copies the slot at `src` to `dst` one 64-bit limb at a time.
///
/// Arithmetic writes its results limb by limb; a wider (16-byte) load of such a slot cannot be
/// forwarded from the pending 8-byte stores and waits for them to retire. DUP and SWAP sit on
/// the critical path of most loops, so they move slots in the arithmetic's own width.
///
/// # Safety
/// Both pointers are valid, aligned slots.
#[inline(always)]
unsafe fn copy_limbs(src: *const U256, dst: *mut U256) {
    let (src, dst) = (src.cast::<u64>(), dst.cast::<u64>());
    // SAFETY: the caller's; volatile keeps LLVM from merging the limbs into vector moves.
    unsafe {
        for i in 0..4 {
            dst.add(i).write_volatile(src.add(i).read_volatile());
        }
    }
}

/// `x`, through an empty `asm!` that LLVM cannot see into: an OR chain over the four limbs cut
/// in two by it is no longer a reduction the SLP vectorizer rebuilds in vector registers.
///
/// `asm!` with a general register exists on the 64-bit targets Kestrel is tuned for; elsewhere
/// the value passes unchanged (the barrier only steers code generation, never a result).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
fn opaque(mut x: u64) -> u64 {
    // SAFETY: an empty template that only names a register: it reads and writes nothing.
    unsafe { core::arch::asm!("/* {0} */", inout(reg) x, options(pure, nomem, nostack, preserves_flags)) };
    x
}

/// `x` (see the `asm!` version above).
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[inline(always)]
fn opaque(x: u64) -> u64 {
    x
}

/// Whether `v` is zero, as three scalar ORs.
///
/// `U256::is_zero` compiles to a 32-byte compare that LLVM assembles from the limbs in vector
/// registers (eleven instructions and a trip through the native stack); a limb's OR chain needs
/// four (see [`opaque`]).
#[inline(always)]
fn is_zero_limbs(v: U256) -> bool {
    let [a, b, c, d] = *v.as_limbs();
    (opaque(a | b) | c | d) == 0
}

/// Whether `a == b`, as XORs and ORs of the limbs (EQ): `==` on two words compiles to a
/// byte-wise vector compare of copies on the native stack.
#[inline(always)]
pub(crate) fn eq_limbs(a: U256, b: U256) -> bool {
    let [a0, a1, a2, a3] = *a.as_limbs();
    let [b0, b1, b2, b3] = *b.as_limbs();
    (opaque((a0 ^ b0) | (a1 ^ b1)) | (a2 ^ b2) | (a3 ^ b3)) == 0
}

/// Reads the slot at `p` limb by limb (see [`copy_limbs`]).
///
/// # Safety
/// `p` is a valid, aligned slot.
#[inline(always)]
unsafe fn read_limbs(p: *const U256) -> U256 {
    let p = p.cast::<u64>();
    // SAFETY: the caller's; volatile keeps the four loads 64-bit wide.
    unsafe {
        U256::from_limbs([
            p.read_volatile(),
            p.add(1).read_volatile(),
            p.add(2).read_volatile(),
            p.add(3).read_volatile(),
        ])
    }
}

/// Swaps the slots at `a` and `b` limb by limb (see [`copy_limbs`]).
///
/// # Safety
/// Both pointers are valid, aligned, distinct slots.
#[inline(always)]
unsafe fn swap_limbs(a: *mut U256, b: *mut U256) {
    let (a, b) = (a.cast::<u64>(), b.cast::<u64>());
    // SAFETY: the caller's.
    unsafe {
        for i in 0..4 {
            let x = a.add(i).read_volatile();
            let y = b.add(i).read_volatile();
            a.add(i).write_volatile(y);
            b.add(i).write_volatile(x);
        }
    }
}
