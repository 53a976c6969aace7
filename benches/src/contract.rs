//! A generated 24 KiB contract shaped like compiled Solidity, for the cold-call benchmark and the
//! translation time ([`crate::cold`]).
//!
//! Real 24 KiB contracts are mostly many small functions behind a selector dispatcher: basic
//! blocks of a few pushes and ALU operations between `JUMPI`s, internal calls (`PUSH2 ret`,
//! arguments, `PUSH2 helper`, `JUMP`, the helper ending `SWAP1 JUMP`), non-payable checks, and a
//! metadata hash after a final `INVALID`. [`Contract24k::generate`] builds that from a fixed seed
//! until EIP-170's limit is reached: the dispatcher, 69 functions (each a loop over
//! a random mix of ALU operations with constants of every push width, branches, memory and
//! `KECCAK256`, and calls to shared helpers), the helpers, `INVALID` padding and a
//! Solidity-style CBOR metadata trailer.
//!
//! [`Contract24k::variant`] changes only the metadata hash, which no path executes: every variant
//! runs exactly the same operations and gas, but has its own code hash, so it is new to every
//! cache keyed by code hash (Kestrel's analysis and program caches; revm analyses each new code
//! it loads anyway).

/// EIP-170's code size limit.
pub const CODE_SIZE: usize = 24 * 1024;

// Opcodes used below.
const STOP: u8 = 0x00;
const ADD: u8 = 0x01;
const MUL: u8 = 0x02;
const SUB: u8 = 0x03;
const DIV: u8 = 0x04;
const MOD: u8 = 0x06;
const SIGNEXTEND: u8 = 0x0b;
const LT: u8 = 0x10;
const GT: u8 = 0x11;
const EQ: u8 = 0x14;
const ISZERO: u8 = 0x15;
const AND: u8 = 0x16;
const OR: u8 = 0x17;
const XOR: u8 = 0x18;
const NOT: u8 = 0x19;
const BYTE: u8 = 0x1a;
const SHL: u8 = 0x1b;
const SHR: u8 = 0x1c;
const KECCAK256: u8 = 0x20;
const CALLVALUE: u8 = 0x34;
const CALLDATALOAD: u8 = 0x35;
const CALLDATASIZE: u8 = 0x36;
const POP: u8 = 0x50;
const MLOAD: u8 = 0x51;
const MSTORE: u8 = 0x52;
const JUMP: u8 = 0x56;
const JUMPI: u8 = 0x57;
const JUMPDEST: u8 = 0x5b;
const PUSH0: u8 = 0x5f;
const PUSH1: u8 = 0x60;
const PUSH2: u8 = 0x61;
const PUSH4: u8 = 0x63;
const DUP1: u8 = 0x80;
const DUP2: u8 = 0x81;
const SWAP1: u8 = 0x90;
const RETURN: u8 = 0xf3;
const REVERT: u8 = 0xfd;
const INVALID: u8 = 0xfe;

/// Loop turns of the function the benchmark calls: with its helpers about 36,000 gas of
/// execution (57,444 with the transaction's intrinsic cost), a typical contract call's order of
/// magnitude.
const CALLED_TURNS: u8 = 64;

/// A small xorshift generator: the contract must be the same in every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `0..n` (n > 0; the bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A label of [`Asm`]: a `JUMPDEST` placed once and pushed as a `PUSH2` anywhere.
#[derive(Clone, Copy)]
struct Label(usize);

/// A tiny assembler: bytes plus `PUSH2` fixups for labels.
#[derive(Default)]
struct Asm {
    code: Vec<u8>,
    labels: Vec<Option<u16>>,
    fixups: Vec<(usize, Label)>,
}

impl Asm {
    fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Places `label` here, as a `JUMPDEST`.
    fn mark(&mut self, label: Label) {
        // Every mark is below CODE_SIZE + one function, far below 2^16: checked in `finish`.
        self.labels[label.0] = Some(self.code.len() as u16);
        self.code.push(JUMPDEST);
    }

    /// `PUSH2 label`.
    fn push_label(&mut self, label: Label) {
        self.code.push(PUSH2);
        self.fixups.push((self.code.len(), label));
        self.code.extend_from_slice(&[0, 0]);
    }

    fn ops(&mut self, ops: &[u8]) {
        self.code.extend_from_slice(ops);
    }

    /// The shortest push of `value` (big-endian, leading zeros dropped; `PUSH0` for zero).
    fn push(&mut self, value: &[u8]) {
        let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
        let bytes = &value[start..];
        self.code.push(PUSH0 + bytes.len() as u8);
        self.code.extend_from_slice(bytes);
    }

    /// The code with every label filled in; an error names a label pushed but never placed.
    fn finish(mut self) -> Result<Vec<u8>, String> {
        if self.code.len() > usize::from(u16::MAX) {
            return Err(format!("generated code of {} bytes is too long for PUSH2 labels", self.code.len()));
        }
        for (at, label) in self.fixups {
            let pc =
                self.labels[label.0].ok_or_else(|| format!("label {} pushed but never placed", label.0))?;
            self.code[at..at + 2].copy_from_slice(&pc.to_be_bytes());
        }
        Ok(self.code)
    }
}

/// A random constant of 1 to 32 bytes, mostly short, as compiled code has them.
fn constant(rng: &mut Rng) -> Vec<u8> {
    let width = match rng.below(8) {
        0..=3 => 1,
        4 => 2,
        5 => 4,
        6 => 20,
        _ => 32,
    };
    let mut bytes: Vec<u8> = (0..width).map(|_| rng.next() as u8).collect();
    bytes[0] |= 1; // non-zero, and a divisor never zero
    bytes
}

/// One stack-neutral operation on the value on top (`x -> f(x)`), using a constant.
fn alu(asm: &mut Asm, rng: &mut Rng) {
    let c = constant(rng);
    match rng.below(12) {
        0 => {
            asm.push(&c);
            asm.ops(&[ADD]);
        }
        1 => {
            asm.push(&c);
            asm.ops(&[MUL]);
        }
        2 => {
            // x - c
            asm.push(&c);
            asm.ops(&[SWAP1, SUB]);
        }
        3 => {
            asm.push(&c);
            asm.ops(&[XOR]);
        }
        4 => {
            asm.push(&c);
            asm.ops(&[OR]);
        }
        5 => {
            asm.push(&c);
            asm.ops(&[AND]);
        }
        6 => {
            // x / c and x % c
            asm.push(&c);
            asm.ops(&[SWAP1, if c.len().is_multiple_of(2) { DIV } else { MOD }]);
        }
        7 => {
            asm.push(&[rng.below(256) as u8]);
            asm.ops(&[if rng.below(2) == 0 { SHL } else { SHR }]);
        }
        8 => asm.ops(&[NOT]),
        9 => {
            // x + (x < c) or x + (x > c)
            asm.ops(&[DUP1]);
            asm.push(&c);
            asm.ops(&[SWAP1, if rng.below(2) == 0 { LT } else { GT }, ADD]);
        }
        10 => {
            // x ^ byte(k, x) or signextend(k, x)
            asm.push(&[rng.below(32) as u8]);
            if rng.below(2) == 0 {
                asm.ops(&[DUP2, SWAP1, BYTE, XOR]);
            } else {
                asm.ops(&[SIGNEXTEND]);
            }
        }
        _ => {
            // x * x + c
            asm.ops(&[DUP1, MUL]);
            asm.push(&c);
            asm.ops(&[ADD]);
        }
    }
}

/// `if (x & mask) { a } else { b }` on the value on top, stack-neutral.
fn branch(asm: &mut Asm, rng: &mut Rng) {
    let (otherwise, end) = (asm.label(), asm.label());
    asm.ops(&[DUP1]);
    asm.push(&[1 << rng.below(8)]);
    asm.ops(&[AND, ISZERO]);
    asm.push_label(otherwise);
    asm.ops(&[JUMPI]);
    for _ in 0..1 + rng.below(3) {
        alu(asm, rng);
    }
    asm.push_label(end);
    asm.ops(&[JUMP]);
    asm.mark(otherwise);
    for _ in 0..1 + rng.below(3) {
        alu(asm, rng);
    }
    asm.mark(end);
}

/// One stack-neutral piece of a function body on the value on top: mostly ALU work, some
/// branches, memory, hashing and internal calls to `helpers`. With `counter_below` the loop
/// counter is second on the stack and may be mixed in.
fn segment(asm: &mut Asm, rng: &mut Rng, helpers: &[Label], counter_below: bool) {
    match rng.below(16) {
        0..=7 => alu(asm, rng),
        8 | 9 => branch(asm, rng),
        10 if counter_below => asm.ops(&[DUP2, [ADD, XOR, MUL][rng.below(3) as usize]]),
        10 | 11 => {
            // mem[off] = x; x += mem[off']
            let (a, b) = (0x80 + 32 * rng.below(4) as u8, 0x80 + 32 * rng.below(4) as u8);
            asm.ops(&[DUP1]);
            asm.push(&[a]);
            asm.ops(&[MSTORE]);
            asm.push(&[b]);
            asm.ops(&[MLOAD, ADD]);
        }
        12 => {
            // x ^= keccak256(x)
            asm.ops(&[DUP1, PUSH0, MSTORE, PUSH1, 0x20, PUSH0, KECCAK256, XOR]);
        }
        _ if !helpers.is_empty() => {
            // x = helper(x): PUSH2 ret, SWAP1, PUSH2 helper, JUMP; ret: JUMPDEST
            let ret = asm.label();
            asm.push_label(ret);
            asm.ops(&[SWAP1]);
            asm.push_label(helpers[rng.below(helpers.len() as u64) as usize]);
            asm.ops(&[JUMP]);
            asm.mark(ret);
        }
        _ => alu(asm, rng),
    }
}

/// A helper: `(ret, x) -> f(x)`, returning with `SWAP1 JUMP`.
fn helper(asm: &mut Asm, rng: &mut Rng, label: Label) {
    asm.mark(label);
    for _ in 0..2 + rng.below(4) {
        segment(asm, rng, &[], false);
    }
    asm.ops(&[SWAP1, JUMP]);
}

/// A public function, entered with the selector on the stack: non-payable check, `x` from call
/// data, `turns` loop turns of a random body, `x` returned.
fn function(asm: &mut Asm, rng: &mut Rng, label: Label, helpers: &[Label], turns: u8) {
    let (payable_ok, top) = (asm.label(), asm.label());
    asm.mark(label);
    asm.ops(&[CALLVALUE, DUP1, ISZERO]);
    asm.push_label(payable_ok);
    asm.ops(&[JUMPI, PUSH0, DUP1, REVERT]);
    asm.mark(payable_ok);
    asm.ops(&[POP, PUSH1, 4, CALLDATALOAD, PUSH1, turns]);
    // (sel x i)
    asm.mark(top);
    asm.ops(&[SWAP1]);
    for _ in 0..12 + rng.below(20) {
        segment(asm, rng, helpers, true);
    }
    // (sel i x) -> (sel x i-1), again while i-1 != 0
    asm.ops(&[SWAP1, PUSH1, 1, SWAP1, SUB, DUP1]);
    asm.push_label(top);
    asm.ops(&[JUMPI, POP, PUSH0, MSTORE, PUSH1, 0x20, PUSH0, RETURN]);
}

/// The generated contract and how to call it.
#[derive(Clone, Debug)]
pub struct Contract24k {
    code: Vec<u8>,
    /// Where the 32-byte metadata hash starts.
    metadata_at: usize,
    /// Selector of the function the benchmark calls.
    selector: [u8; 4],
    /// Public functions.
    functions: usize,
}

/// Solidity's CBOR metadata: `{"ipfs": <34-byte multihash>, "solc": 0.8.30}`, 53 bytes. The
/// multihash's last 32 bytes are what [`Contract24k::variant`] changes.
const METADATA_HEAD: [u8; 10] = [0xa2, 0x64, b'i', b'p', b'f', b's', 0x58, 0x22, 0x12, 0x20];
const METADATA_TAIL: [u8; 9] = [0x64, b's', b'o', b'l', b'c', 0x43, 0x00, 0x08, 0x1e];
/// The metadata and its two-byte length, as Solidity appends them.
const METADATA_LEN: usize = METADATA_HEAD.len() + 32 + METADATA_TAIL.len() + 2;

impl Contract24k {
    /// Generates the contract: as many functions as fit in [`CODE_SIZE`], then padding and the
    /// metadata. Deterministic. Errors only if the generator itself is broken.
    pub fn generate() -> Result<Self, String> {
        // Function bodies are drawn from per-function seeds, so each is the same whatever the
        // count: the size grows with the count and the largest that fits is found by trying.
        let mut best = None;
        for functions in 8.. {
            let (code, selector) = Self::assemble(functions)?;
            if code.len() + 1 + METADATA_LEN > CODE_SIZE {
                break;
            }
            best = Some((code, selector, functions));
        }
        let (mut code, selector, functions) = best.ok_or("not even 8 functions fit in 24 KiB")?;
        code.resize(CODE_SIZE - METADATA_LEN, INVALID);
        code.extend_from_slice(&METADATA_HEAD);
        let metadata_at = code.len();
        code.extend_from_slice(&[0x5a; 32]);
        code.extend_from_slice(&METADATA_TAIL);
        code.extend_from_slice(&(METADATA_LEN as u16 - 2).to_be_bytes());
        debug_assert_eq!(code.len(), CODE_SIZE);
        Ok(Self { code, metadata_at, selector, functions })
    }

    /// The code of `functions` functions and their helpers, without padding or metadata, and
    /// the selector of the function the benchmark calls (the middle one, so the dispatcher
    /// compares half the selectors first).
    fn assemble(functions: usize) -> Result<(Vec<u8>, [u8; 4]), String> {
        let mut asm = Asm::default();
        let mut rng = Rng(0x5eed_c0de_2400_0001);
        let fallback = asm.label();
        let entries: Vec<Label> = (0..functions).map(|_| asm.label()).collect();
        let helpers: Vec<Label> = (0..24).map(|_| asm.label()).collect();
        let selectors: Vec<[u8; 4]> =
            (0..functions).map(|_| (rng.next() as u32 | 1 << 31).to_be_bytes()).collect();
        let called = functions / 2;
        // Free-memory pointer, short call data to the fallback, selector on the stack.
        asm.ops(&[PUSH1, 0x80, PUSH1, 0x40, MSTORE, PUSH1, 4, CALLDATASIZE, LT]);
        asm.push_label(fallback);
        asm.ops(&[JUMPI, PUSH0, CALLDATALOAD, PUSH1, 0xe0, SHR]);
        for (selector, &entry) in selectors.iter().zip(&entries) {
            asm.ops(&[DUP1, PUSH4]);
            asm.ops(selector);
            asm.ops(&[EQ]);
            asm.push_label(entry);
            asm.ops(&[JUMPI]);
        }
        asm.mark(fallback);
        asm.ops(&[PUSH0, DUP1, REVERT]);
        for (i, &entry) in entries.iter().enumerate() {
            let mut own = Rng(0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
            let turns = if i == called { CALLED_TURNS } else { 1 + own.below(32) as u8 };
            function(&mut asm, &mut own, entry, &helpers, turns);
        }
        let mut own = Rng(0x0123_4567_89ab_cdef);
        for &h in &helpers {
            helper(&mut asm, &mut own, h);
        }
        asm.ops(&[STOP]);
        Ok((asm.finish()?, selectors[called]))
    }

    /// The contract (variant 0).
    pub fn code(&self) -> &[u8] {
        &self.code
    }

    /// Public functions in the dispatcher.
    pub fn functions(&self) -> usize {
        self.functions
    }

    /// The contract with `n` written into its metadata hash: same behaviour, new code hash.
    pub fn variant(&self, n: u64) -> Vec<u8> {
        let mut code = self.code.clone();
        self.write_variant(&mut code, n);
        code
    }

    /// Turns `code` (a copy of [`Self::code`]) into variant `n` in place.
    pub fn write_variant(&self, code: &mut [u8], n: u64) {
        code[self.metadata_at..self.metadata_at + 8].copy_from_slice(&n.to_be_bytes());
    }

    /// Call data of the benchmark's call: the called function's selector and one word.
    pub fn calldata(&self) -> Vec<u8> {
        let mut data = self.selector.to_vec();
        data.extend_from_slice(&[0x3c; 32]);
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exactly 24 KiB, many functions, every label in range, and variants differ only in the
    /// metadata.
    #[test]
    fn shape() {
        let c = Contract24k::generate().expect("generates");
        assert_eq!(c.code().len(), CODE_SIZE);
        assert!(c.functions() > 40, "{} functions", c.functions());
        let (a, b) = (c.variant(1), c.variant(2));
        let differing: Vec<usize> = (0..CODE_SIZE).filter(|&i| a[i] != b[i]).collect();
        assert!(
            !differing.is_empty() && differing.iter().all(|&i| i >= c.metadata_at && i < c.metadata_at + 8)
        );
        assert_eq!(Contract24k::generate().expect("again").code(), c.code(), "deterministic");
        let jumps = c.code().iter().filter(|&&b| b == JUMPI || b == JUMP).count();
        assert!(jumps > 1000, "{jumps} jump bytes");
    }
}
