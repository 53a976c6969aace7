//! The operand stack: a fixed array of 1024 words on the heap.

use kestrel_primitives::U256;

/// Maximum number of items on the stack.
pub const STACK_LIMIT: usize = 1024;

/// The EVM operand stack.
///
/// The storage is one boxed `[U256; 1024]`, allocated once and reused across frames and
/// transactions (the host pools stacks), so pushes never allocate. The generated dispatch checks
/// each opcode's stack requirements against the table before the handler runs, which is why
/// handlers use the `*_unchecked`-style accessors below that assume those bounds.
pub struct Stack {
    data: Box<[U256; STACK_LIMIT]>,
    len: usize,
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

    /// The items, bottom first.
    #[inline]
    pub fn as_slice(&self) -> &[U256] {
        &self.data[..self.len]
    }

    /// Pushes `value`, or returns false when the stack is full.
    #[inline]
    pub fn push_checked(&mut self, value: U256) -> bool {
        if self.len == STACK_LIMIT {
            return false;
        }
        self.data[self.len] = value;
        self.len += 1;
        true
    }

    /// Pushes `value`; the dispatch has checked there is room.
    #[inline(always)]
    pub fn push(&mut self, value: U256) {
        self.data[self.len] = value;
        self.len += 1;
    }

    /// Pops the top item; the dispatch has checked there is one.
    #[inline(always)]
    pub fn pop(&mut self) -> U256 {
        self.len -= 1;
        self.data[self.len]
    }

    /// The top item, mutable; the dispatch has checked there is one.
    #[inline(always)]
    pub fn top(&mut self) -> &mut U256 {
        &mut self.data[self.len - 1]
    }

    /// Pops one item and returns it with a mutable reference to the new top: the shape of
    /// every binary operator (`a = pop; b = top; *b = a op b`).
    #[inline(always)]
    pub fn pop_top(&mut self) -> (U256, &mut U256) {
        self.len -= 1;
        let a = self.data[self.len];
        (a, &mut self.data[self.len - 1])
    }

    /// Pops `N` items, top first.
    #[inline(always)]
    pub fn popn<const N: usize>(&mut self) -> [U256; N] {
        let mut out = [U256::ZERO; N];
        for slot in out.iter_mut() {
            *slot = self.pop();
        }
        out
    }

    /// Duplicates the `n`-th item from the top (1-based) onto the top.
    #[inline(always)]
    pub fn dup(&mut self, n: usize) {
        let value = self.data[self.len - n];
        self.push(value);
    }

    /// Swaps the top with the `n`-th item below it.
    #[inline(always)]
    pub fn swap(&mut self, n: usize) {
        let top = self.len - 1;
        self.data.swap(top, top - n);
    }

    /// The `n`-th item from the top (0 = top), if there is one; for tracers and tests.
    pub fn peek(&self, n: usize) -> Option<U256> {
        self.len.checked_sub(n + 1).map(|i| self.data[i])
    }
}
