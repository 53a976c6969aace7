//! The bytecode generator: structured contracts (a dispatcher over bodies of stack-neutral
//! statements with real loops and jumps, calls, creations, storage, memory and precompile
//! calls, ended by a terminator), random bytes, and structured code with mutated bytes.
//!
//! Every statement leaves the stack as it found it, so statements compose in any order and
//! inside loops. Results are made observable: each value a statement computes is written to
//! memory that the frame later returns, to storage, to a log topic, or folded into an
//! accumulator word, so a wrong value shows up in the output, the logs or the post-state
//! rather than being popped unseen.

use kestrel::primitives::{Address, SpecId, U256};

use super::asm::{Asm, Label, op};
use super::precompile;
use super::world::World;
use crate::features::{Feature, Features, PRECOMPILES, PrecompileSet};
use crate::rng::Rng;

/// Memory layout shared by all generated code.
mod mem {
    /// Call inputs.
    pub(super) const INPUT: u64 = 0x000;
    /// Call outputs (return buffers).
    pub(super) const OUTPUT: u64 = 0x100;
    /// Observation words (16 of them), returned or reverted at the end of a body.
    pub(super) const OBSERVE: u64 = 0x200;
    /// The address the last CREATE/CREATE2 returned.
    pub(super) const LAST_CREATED: u64 = 0x3c0;
    /// The accumulator word.
    pub(super) const ACCUMULATOR: u64 = 0x3e0;
    /// Initcode and precompile inputs.
    pub(super) const SCRATCH: u64 = 0x400;
}

/// The first fork that defines `opcode` (Frontier for the ones this generator does not gate).
pub fn since(opcode: u8) -> SpecId {
    match opcode {
        op::DELEGATECALL => SpecId::Homestead,
        op::REVERT | op::RETURNDATASIZE | op::RETURNDATACOPY | op::STATICCALL => SpecId::Byzantium,
        op::SHL | op::SHR | op::SAR | op::CREATE2 | op::EXTCODEHASH => SpecId::Constantinople,
        op::CHAINID | op::SELFBALANCE => SpecId::Istanbul,
        op::BASEFEE => SpecId::London,
        op::PUSH0 => SpecId::Shanghai,
        op::TLOAD | op::TSTORE | op::MCOPY | op::BLOBHASH | op::BLOBBASEFEE => SpecId::Cancun,
        op::CLZ => SpecId::Osaka,
        _ => SpecId::Frontier,
    }
}

/// True for the bytes that are an opcode in some fork up to Osaka.
fn defined_somewhere(b: u8) -> bool {
    matches!(b,
        0x00..=0x0b | 0x10..=0x1e | 0x20 | 0x30..=0x4a | 0x50..=0x5f | 0x60..=0x7f | 0x80..=0x9f
        | 0xa0..=0xa4 | 0xf0..=0xf5 | 0xfa | 0xfd..=0xff)
}

/// A value a statement pushes as an operand.
#[derive(Clone, Copy, Debug)]
enum Arg {
    /// A constant.
    V(U256),
    /// An address constant (PUSH20).
    A(Address),
    /// A label's position.
    L(Label),
    /// An opcode that pushes one value and takes none (GAS, ADDRESS, CALLER …).
    Op(u8),
    /// The word at a memory offset.
    MLoad(u64),
    /// GAS divided by a constant.
    GasDiv(u64),
}

fn v(x: u64) -> Arg {
    Arg::V(U256::from(x))
}

/// Where a call goes: a fixed address, one an opcode names, or the last created contract.
#[derive(Clone, Copy, Debug)]
enum Target {
    Fixed(Address),
    Op(u8),
    LastCreated,
}

impl Target {
    fn arg(self) -> Arg {
        match self {
            Target::Fixed(a) => Arg::A(a),
            Target::Op(o) => Arg::Op(o),
            Target::LastCreated => Arg::MLoad(mem::LAST_CREATED),
        }
    }
}

/// One code object under construction: its instructions and the data appended after them.
struct Unit {
    asm: Asm,
    data: Vec<(Label, Vec<u8>)>,
}

impl Unit {
    fn new() -> Self {
        Unit { asm: Asm::new(), data: Vec::new() }
    }

    /// Ends the code: a STOP guards the data, which follows.
    fn finish(mut self) -> Vec<u8> {
        self.asm.op(op::STOP);
        for (label, bytes) in std::mem::take(&mut self.data) {
            self.asm.mark(label);
            self.asm.raw(&bytes);
        }
        self.asm.finish()
    }

    /// Emits the operands of an opcode listed top of stack first, then nothing else.
    fn args(&mut self, args: &[Arg]) {
        for arg in args.iter().rev() {
            match *arg {
                Arg::V(x) => self.asm.push(x),
                Arg::A(a) => self.asm.push_address(a),
                Arg::L(l) => self.asm.push_label(l),
                Arg::Op(o) => self.asm.op(o),
                Arg::MLoad(offset) => {
                    self.asm.push_u64(offset);
                    self.asm.op(op::MLOAD);
                }
                Arg::GasDiv(d) => {
                    self.asm.push_u64(d);
                    self.asm.op(op::GAS);
                    self.asm.op(op::DIV);
                }
            }
        }
    }

    /// `opcode` with its operands (top first).
    fn call(&mut self, opcode: u8, args: &[Arg]) {
        self.args(args);
        self.asm.op(opcode);
    }

    /// Writes `bytes` to memory at `offset` with MSTOREs (the last word zero-padded).
    fn store_bytes(&mut self, offset: u64, bytes: &[u8]) {
        for (i, chunk) in bytes.chunks(32).enumerate() {
            let mut word = [0u8; 32];
            word[..chunk.len()].copy_from_slice(chunk);
            self.call(op::MSTORE, &[v(offset + 32 * i as u64), Arg::V(U256::from_be_bytes(word))]);
        }
    }

    /// Appends `bytes` to the data section; returns its label.
    fn data(&mut self, bytes: Vec<u8>) -> Label {
        let label = self.asm.label();
        self.data.push((label, bytes));
        label
    }
}

/// The generator of one case's code, sharing the case's random stream and world.
pub struct CodeGen<'a> {
    /// The case's random stream.
    pub rng: &'a mut Rng,
    /// The accounts and fork the code runs among.
    pub world: &'a World,
    /// What the case exercises.
    pub features: &'a mut Features,
    /// The precompiles the case calls.
    pub precompiles: &'a mut PrecompileSet,
    /// Statements left for the code object being generated.
    budget: i32,
    /// How deeply initcode is nested in the code being generated.
    nesting: u8,
    /// Observations made so far (picks the next memory word or storage slot).
    observed: u64,
}

impl<'a> CodeGen<'a> {
    /// A generator over the case's stream and world.
    pub fn new(
        rng: &'a mut Rng,
        world: &'a World,
        features: &'a mut Features,
        precompiles: &'a mut PrecompileSet,
    ) -> Self {
        CodeGen { rng, world, features, precompiles, budget: 0, nesting: 0, observed: 0 }
    }

    fn spec(&self) -> SpecId {
        self.world.spec
    }

    /// Whether to emit `opcode`: always when the fork has it, otherwise rarely (then the frame
    /// halts on an undefined opcode, which is worth checking too).
    fn allow(&mut self, opcode: u8) -> bool {
        if self.spec().is_enabled_in(since(opcode)) {
            return true;
        }
        // Rare: a frame that meets one halts, and everything it did is discarded.
        if self.rng.chance(1, 30) {
            self.features.add(Feature::ForkGatedOp);
            return true;
        }
        false
    }

    /// The code of a pre-state contract.
    pub fn contract(&mut self) -> Vec<u8> {
        match self.rng.below(20) {
            0 => {
                self.features.add(Feature::RandomCode);
                let n = self.rng.range(1, 300) as usize;
                self.random_code(n)
            }
            1 => {
                self.features.add(Feature::MutatedCode);
                let mut code = self.structured(6);
                for _ in 0..self.rng.range(1, 3) {
                    if !code.is_empty() {
                        let i = self.rng.index(code.len());
                        code[i] = self.rng.next_u64() as u8;
                    }
                }
                code
            }
            _ => self.structured(10),
        }
    }

    /// A dispatcher on the first call-data word over 1-4 bodies.
    fn structured(&mut self, budget: i32) -> Vec<u8> {
        self.features.add(Feature::StructuredCode);
        self.budget = self.rng.range(2, budget as u64) as i32;
        let mut u = Unit::new();
        let bodies = self.rng.range(1, 4);
        let labels: Vec<Label> = (1..bodies).map(|_| u.asm.label()).collect();
        if bodies > 1 {
            // selector = CALLDATALOAD(0) % bodies (MOD pops the dividend from the top); body 0
            // follows the table, body k > 0 starts at its label and pops the selector.
            u.asm.push_u64(bodies);
            u.asm.push_u64(0);
            u.asm.op(op::CALLDATALOAD);
            u.asm.op(op::MOD);
            for (k, label) in labels.iter().enumerate() {
                u.asm.op(op::DUP1);
                u.asm.push_u64(k as u64 + 1);
                u.asm.op(op::EQ);
                u.asm.push_label(*label);
                u.asm.op(op::JUMPI);
            }
            u.asm.op(op::POP);
        }
        for k in 0..bodies as usize {
            if k > 0 {
                u.asm.jumpdest(labels[k - 1]);
                u.asm.op(op::POP);
            }
            self.body(&mut u);
            self.terminator(&mut u);
        }
        u.finish()
    }

    /// Random code: opcodes of any fork with their immediates, and arbitrary bytes.
    fn random_code(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 32);
        while out.len() < n {
            let b = self.rng.next_u64() as u8;
            if self.rng.chance(3, 5) && !defined_somewhere(b) {
                continue;
            }
            out.push(b);
            if (op::PUSH1..=op::PUSH32).contains(&b) && self.rng.chance(4, 5) {
                let k = (b - op::PUSH1 + 1) as usize;
                out.extend(self.rng.bytes(k));
            }
        }
        out
    }

    /// Statements until the budget runs out (at least one).
    fn body(&mut self, u: &mut Unit) {
        let n = self.rng.range(1, 6);
        for _ in 0..n {
            self.statement(u, 0);
            if self.budget <= 0 {
                break;
            }
        }
    }

    fn statement(&mut self, u: &mut Unit, loops: u8) {
        self.budget -= 1;
        let weights = [
            14, // arithmetic
            10, // environment
            6,  // memory
            5,  // copies
            3,  // keccak
            10, // sstore sequence
            4,  // transient
            13, // call
            8,  // precompile
            7,  // create
            if loops < 2 { 6 } else { 0 },
            5, // conditional
            4, // log
            3, // return data
            1, // jump to a bad target not taken
        ];
        match self.rng.weighted(&weights) {
            0 => self.arith(u),
            1 => self.env(u),
            2 => self.memory(u),
            3 => self.copy(u),
            4 => self.keccak(u),
            5 => self.sstore(u),
            6 => self.transient(u),
            7 => self.call(u),
            8 => self.precompile(u),
            9 => self.create(u),
            10 => self.loop_(u, loops),
            11 => self.conditional(u, loops),
            12 => self.log(u),
            13 => self.returndata(u),
            _ => {
                let bad = self.bad_target(u);
                u.call(op::JUMPI, &[Arg::L(bad), v(0)]);
            }
        }
    }

    /// Consumes the value on top of the stack so that it is observable afterwards.
    fn observe(&mut self, u: &mut Unit) {
        let k = self.observed;
        self.observed += 1;
        match self.rng.below(20) {
            0..=8 => {
                u.asm.push_u64(mem::OBSERVE + 32 * (k % 16));
                u.asm.op(op::MSTORE);
            }
            // Storage and logs fail in a static frame: rarer, so static calls get somewhere.
            9..=10 => {
                u.asm.push_u64(0x100 + k % 64);
                u.asm.op(op::SSTORE);
            }
            11 => {
                u.asm.push_u64(0);
                u.asm.push_u64(0);
                u.asm.op(op::LOG0 + 1);
            }
            12..=16 => {
                u.asm.push_u64(mem::ACCUMULATOR);
                u.asm.op(op::MLOAD);
                u.asm.op(op::XOR);
                u.asm.push_u64(mem::ACCUMULATOR);
                u.asm.op(op::MSTORE);
            }
            _ => u.asm.op(op::POP),
        }
    }

    fn arith(&mut self, u: &mut Unit) {
        self.features.add(Feature::Arith);
        const BINARY: [u8; 21] = [
            op::ADD,
            op::MUL,
            op::SUB,
            op::DIV,
            op::SDIV,
            op::MOD,
            op::SMOD,
            op::EXP,
            op::SIGNEXTEND,
            op::LT,
            op::GT,
            op::SLT,
            op::SGT,
            op::EQ,
            op::AND,
            op::OR,
            op::XOR,
            op::BYTE,
            op::SHL,
            op::SHR,
            op::SAR,
        ];
        let mut depth = 1;
        let value = self.rng.interesting_u256();
        u.asm.push(value);
        for _ in 0..self.rng.range(1, 5) {
            if depth < 3 && (depth < 2 || self.rng.chance(1, 3)) {
                let value = self.rng.interesting_u256();
                u.asm.push(value);
                depth += 1;
            }
            let class = self.rng.below(10);
            if class < 2 {
                let o = self.rng.pick(&[op::ISZERO, op::NOT, op::CLZ]);
                if self.allow(o) {
                    u.asm.op(o);
                }
            } else if class < 3 && depth >= 3 {
                u.asm.op(self.rng.pick(&[op::ADDMOD, op::MULMOD]));
                depth -= 2;
            } else if class < 4 && depth < 4 {
                u.asm.op(self.rng.pick(&[op::DUP1, op::DUP2]));
                depth += 1;
            } else if depth >= 2 {
                let o = self.rng.pick(&BINARY);
                u.asm.op(if self.allow(o) { o } else { op::ADD });
                depth -= 1;
            }
        }
        for _ in 0..depth {
            self.observe(u);
        }
    }

    fn target(&mut self) -> Target {
        let w = self.world;
        match self.rng.weighted(&[34, 10, 4, 3, 12, 8, 3, 4, 2, 5, 6, 2]) {
            0 => Target::Fixed(self.rng.pick(&w.contracts)),
            1 => Target::Op(op::ADDRESS),
            2 => Target::Op(op::CALLER),
            3 => Target::Op(op::ORIGIN),
            4 => Target::Fixed(self.rng.pick(&w.keyed)),
            5 => {
                let p = self.rng.pick(&PRECOMPILES);
                Target::Fixed(Address::from_word(U256::from(p).into()))
            }
            6 => Target::Fixed(w.empty),
            7 => Target::Fixed(w.absent),
            8 => Target::Op(op::COINBASE),
            9 => Target::Fixed(self.rng.pick(&w.create_targets)),
            10 => Target::LastCreated,
            _ => Target::Fixed(self.rng.address()),
        }
    }

    fn env(&mut self, u: &mut Unit) {
        self.features.add(Feature::Env);
        const NULLARY: [u8; 21] = [
            op::ADDRESS,
            op::ORIGIN,
            op::CALLER,
            op::CALLVALUE,
            op::CALLDATASIZE,
            op::CODESIZE,
            op::GASPRICE,
            op::RETURNDATASIZE,
            op::COINBASE,
            op::TIMESTAMP,
            op::NUMBER,
            op::PREVRANDAO,
            op::GASLIMIT,
            op::CHAINID,
            op::SELFBALANCE,
            op::BASEFEE,
            op::BLOBBASEFEE,
            op::MSIZE,
            op::PC,
            op::GAS,
            op::PUSH0,
        ];
        if self.rng.chance(2, 5) {
            let o = self.rng.pick(&NULLARY);
            if !self.allow(o) {
                return;
            }
            u.asm.op(o);
            return self.observe(u);
        }
        let number = self.world.block_number;
        match self.rng.below(8) {
            0..=2 => {
                let o = self.rng.pick(&[op::BALANCE, op::EXTCODESIZE, op::EXTCODEHASH]);
                if !self.allow(o) {
                    return;
                }
                let t = self.target().arg();
                u.call(o, &[t]);
            }
            3 => {
                self.features.add(Feature::BlockHash);
                let n = match self.rng.below(8) {
                    0 => U256::from(number.wrapping_sub(1)),
                    1 => U256::from(number.wrapping_sub(256)),
                    2 => U256::from(number.wrapping_sub(257)),
                    3 => U256::from(number),
                    4 => U256::from(number + 1),
                    5 => U256::ZERO,
                    6 => U256::from(number.saturating_sub(self.rng.below(300))),
                    _ => self.rng.interesting_u256(),
                };
                u.call(op::BLOCKHASH, &[Arg::V(n)]);
            }
            4 => {
                let off = match self.rng.below(4) {
                    0 => U256::ZERO,
                    1 => U256::from(self.rng.below(100)),
                    _ => self.rng.interesting_u256(),
                };
                u.call(op::CALLDATALOAD, &[Arg::V(off)]);
            }
            5 => {
                if !self.allow(op::BLOBHASH) {
                    return;
                }
                self.features.add(Feature::BlobHash);
                let i = if self.rng.chance(4, 5) {
                    U256::from(self.rng.below(self.world.blob_count as u64 + 2))
                } else {
                    self.rng.interesting_u256()
                };
                u.call(op::BLOBHASH, &[Arg::V(i)]);
            }
            _ => {
                let key = self.storage_key();
                u.call(op::SLOAD, &[Arg::V(key)]);
            }
        }
        self.observe(u);
    }

    fn storage_key(&mut self) -> U256 {
        if self.rng.chance(9, 10) { U256::from(self.rng.below(4)) } else { self.rng.interesting_u256() }
    }

    /// A memory offset: mostly in the layout's first 2 KiB, sometimes at the edges the
    /// expansion arithmetic must survive. The bool says whether it is such an edge.
    fn mem_offset(&mut self) -> (U256, bool) {
        let one = U256::from(1);
        match self.rng.below(40) {
            0 => {
                self.features.add(Feature::MemEdge32);
                let b = one << 32;
                (self.rng.pick(&[b - U256::from(32), b - one, b, b + U256::from(32)]), true)
            }
            1 => {
                self.features.add(Feature::MemEdge64);
                let b = one << 64;
                (self.rng.pick(&[b - U256::from(32), b - one, b, b + one]), true)
            }
            2 => {
                self.features.add(Feature::MemEdgeHuge);
                (self.rng.pick(&[U256::MAX, U256::MAX - U256::from(31), one << 128, one << 255]), true)
            }
            3 => (U256::from(self.rng.range(0x800, 0x20000)), false),
            _ => (U256::from(self.rng.below(0x800)), false),
        }
    }

    /// A length to go with an offset; after an edge offset mostly zero, which must not
    /// expand memory at all.
    fn mem_len(&mut self, edge: bool) -> U256 {
        if edge && self.rng.chance(3, 4) {
            return U256::ZERO;
        }
        match self.rng.below(12) {
            0..=2 => U256::ZERO,
            3 => U256::from(1),
            4 => U256::from(31),
            5 => U256::from(32),
            6 => U256::from(33),
            7 => U256::from(1) << self.rng.pick(&[32usize, 64, 255]),
            _ => U256::from(self.rng.below(0x200)),
        }
    }

    fn memory(&mut self, u: &mut Unit) {
        match self.rng.below(5) {
            0 | 1 => {
                let (off, _) = self.mem_offset();
                let value = self.rng.interesting_u256();
                u.call(op::MSTORE, &[Arg::V(off), Arg::V(value)]);
            }
            2 => {
                let (off, _) = self.mem_offset();
                let value = self.rng.interesting_u256();
                u.call(op::MSTORE8, &[Arg::V(off), Arg::V(value)]);
            }
            3 => {
                let (off, _) = self.mem_offset();
                u.call(op::MLOAD, &[Arg::V(off)]);
                self.observe(u);
            }
            _ => {
                u.asm.op(op::MSIZE);
                self.observe(u);
            }
        }
    }

    fn copy(&mut self, u: &mut Unit) {
        self.features.add(Feature::MemCopy);
        let (dst, edge) = self.mem_offset();
        let len = self.mem_len(edge);
        let src = match self.rng.below(4) {
            0 => U256::ZERO,
            1 => U256::from(self.rng.below(64)),
            2 => U256::from(self.rng.below(0x800)),
            _ => self.rng.interesting_u256(),
        };
        match self.rng.below(6) {
            0 => u.call(op::CALLDATACOPY, &[Arg::V(dst), Arg::V(src), Arg::V(len)]),
            1 => u.call(op::CODECOPY, &[Arg::V(dst), Arg::V(src), Arg::V(len)]),
            2 => {
                let t = self.target().arg();
                u.call(op::EXTCODECOPY, &[t, Arg::V(dst), Arg::V(src), Arg::V(len)]);
            }
            3 => {
                if self.allow(op::RETURNDATACOPY) {
                    self.features.add(Feature::ReturnData);
                    u.call(op::RETURNDATACOPY, &[Arg::V(dst), Arg::V(src), Arg::V(len)]);
                }
            }
            _ => {
                if self.allow(op::MCOPY) {
                    let (src, edge) = self.mem_offset();
                    let len = if edge { U256::ZERO } else { len };
                    u.call(op::MCOPY, &[Arg::V(dst), Arg::V(src), Arg::V(len)]);
                }
            }
        }
    }

    fn keccak(&mut self, u: &mut Unit) {
        self.features.add(Feature::Keccak);
        let (off, edge) = self.mem_offset();
        let len = self.mem_len(edge);
        u.call(op::KECCAK256, &[Arg::V(off), Arg::V(len)]);
        self.observe(u);
    }

    /// One to three SSTOREs to one slot (original value from the pre-state, current from the
    /// last store, new from this one), with SLOADs between: every EIP-2200/3529 refund case.
    fn sstore(&mut self, u: &mut Unit) {
        self.features.add(Feature::SStore);
        let key = self.storage_key();
        for _ in 0..self.rng.range(1, 3) {
            let value = match self.rng.below(6) {
                0 | 1 => U256::ZERO,
                2 | 3 => U256::from(1),
                4 => U256::from(2),
                _ => self.rng.interesting_u256(),
            };
            u.call(op::SSTORE, &[Arg::V(key), Arg::V(value)]);
            if self.rng.chance(1, 3) {
                u.call(op::SLOAD, &[Arg::V(key)]);
                self.observe(u);
            }
        }
    }

    fn transient(&mut self, u: &mut Unit) {
        if !self.allow(op::TSTORE) {
            return;
        }
        self.features.add(Feature::TStore);
        for _ in 0..self.rng.range(1, 3) {
            let key = U256::from(self.rng.below(3));
            if self.rng.coin() {
                let value = self.rng.interesting_u256();
                u.call(op::TSTORE, &[Arg::V(key), Arg::V(value)]);
            } else {
                u.call(op::TLOAD, &[Arg::V(key)]);
                self.observe(u);
            }
        }
    }

    fn call_gas(&mut self) -> Arg {
        // All the gas (GAS, or more than there is) about a third of the time: a callee that
        // then runs out leaves its caller 1/64, and the failure climbs every frame.
        match self.rng.weighted(&[22, 15, 5, 8, 5, 5, 20, 12, 4]) {
            0 => Arg::Op(op::GAS),
            1 => Arg::GasDiv(2),
            2 => Arg::GasDiv(64),
            3 => {
                self.features.add(Feature::CallLowGas);
                v(0)
            }
            4 => {
                self.features.add(Feature::CallLowGas);
                v(2300)
            }
            5 => {
                self.features.add(Feature::CallLowGas);
                v(self.rng.range(2290, 2310))
            }
            6 => v(self.rng.below(30_000)),
            7 => v(self.rng.below(1_000_000)),
            _ => Arg::V(self.rng.pick(&[U256::MAX, U256::from(u64::MAX), U256::from(1) << 64])),
        }
    }

    fn call_value(&mut self) -> Arg {
        let value = match self.rng.below(20) {
            0..=11 => return v(0),
            12..=14 => v(1),
            15 => Arg::Op(op::SELFBALANCE),
            16 => Arg::V(U256::from(10).pow(U256::from(18))),
            17 => Arg::V(self.rng.interesting_u256()),
            _ => v(self.rng.below(1_000_000)),
        };
        if matches!(value, Arg::Op(op::SELFBALANCE)) && !self.spec().is_enabled_in(SpecId::Istanbul) {
            return v(1);
        }
        self.features.add(Feature::CallValue);
        value
    }

    /// A message call: input is a selector word (choosing the callee's body) and more words;
    /// the success flag, the return data size and a hash of the return data are observed.
    fn call(&mut self, u: &mut Unit) {
        let kinds = [op::CALL, op::CALLCODE, op::DELEGATECALL, op::STATICCALL];
        let kind = kinds[self.rng.weighted(&[40, 10, 20, 30])];
        if !self.allow(kind) {
            return;
        }
        self.features.add(match kind {
            op::CALL => Feature::Call,
            op::CALLCODE => Feature::CallCode,
            op::DELEGATECALL => Feature::DelegateCall,
            _ => Feature::StaticCall,
        });
        let target = self.target();
        if matches!(target, Target::Op(op::ADDRESS)) {
            self.features.add(Feature::CallSelf);
        }
        let selector = self.rng.below(8);
        u.call(op::MSTORE, &[v(mem::INPUT), v(selector)]);
        if self.rng.coin() {
            let word = self.rng.interesting_u256();
            u.call(op::MSTORE, &[v(mem::INPUT + 32), Arg::V(word)]);
        }
        let (in_off, in_len) = if self.rng.chance(1, 20) {
            let (off, edge) = self.mem_offset();
            (off, self.mem_len(edge))
        } else {
            {
                let any = self.rng.below(0x100);
                (U256::from(mem::INPUT), U256::from(self.rng.pick(&[0u64, 32, 32, 64, any])))
            }
        };
        let (out_off, out_len) = if self.rng.chance(1, 20) {
            let (off, edge) = self.mem_offset();
            (off, self.mem_len(edge))
        } else {
            (U256::from(mem::OUTPUT), U256::from(self.rng.pick(&[0u64, 32, 64, 0x100])))
        };
        self.emit_call(u, kind, target.arg(), (in_off, in_len), (out_off, out_len));
        self.observe(u);
        self.after_call(u);
    }

    /// Emits `kind` with its operands; leaves the success flag on the stack.
    fn emit_call(&mut self, u: &mut Unit, kind: u8, target: Arg, input: (U256, U256), output: (U256, U256)) {
        let gas = self.call_gas();
        let (io, il, oo, ol) = (Arg::V(input.0), Arg::V(input.1), Arg::V(output.0), Arg::V(output.1));
        if matches!(kind, op::CALL | op::CALLCODE) {
            let value = self.call_value();
            u.call(kind, &[gas, target, value, io, il, oo, ol]);
        } else {
            u.call(kind, &[gas, target, io, il, oo, ol]);
        }
    }

    /// What a frame may look at after a call returned.
    fn after_call(&mut self, u: &mut Unit) {
        if !self.spec().is_enabled_in(SpecId::Byzantium) {
            return;
        }
        if self.rng.chance(2, 5) {
            u.asm.op(op::RETURNDATASIZE);
            self.observe(u);
        }
        if self.rng.chance(1, 5) {
            self.features.add(Feature::ReturnData);
            u.call(op::RETURNDATACOPY, &[v(mem::OUTPUT), v(0), Arg::Op(op::RETURNDATASIZE)]);
            u.call(op::KECCAK256, &[v(mem::OUTPUT), Arg::Op(op::RETURNDATASIZE)]);
            self.observe(u);
        }
        if self.rng.chance(1, 6) {
            u.call(op::MLOAD, &[v(mem::OUTPUT)]);
            self.observe(u);
        }
    }

    fn precompile(&mut self, u: &mut Unit) {
        self.features.add(Feature::Precompile);
        let address = self.rng.pick(&PRECOMPILES);
        self.precompiles.add(address);
        let input = precompile::input(self.rng, address);
        u.store_bytes(mem::SCRATCH, &input);
        let kind = match self.rng.below(20) {
            0..=11 if self.spec().is_enabled_in(SpecId::Byzantium) => op::STATICCALL,
            0..=16 => op::CALL,
            17..=18 if self.spec().is_enabled_in(SpecId::Homestead) => op::DELEGATECALL,
            _ => op::CALLCODE,
        };
        let target = Arg::A(Address::from_word(U256::from(address).into()));
        let out_len = U256::from(self.rng.pick(&[0u64, 32, 64, 128, 256]));
        let in_len = U256::from(input.len());
        let gas = match self.rng.below(4) {
            0 => Some(v(self.rng.pick(&[0, 100, 600, 3000, 3450, 6000, 6900, 50_000, 150_000, 500_000]))),
            _ => None,
        };
        let value = if kind == op::CALL && self.rng.chance(1, 6) { v(1) } else { v(0) };
        let gas = gas.unwrap_or_else(|| self.call_gas());
        let io = [Arg::V(U256::from(mem::SCRATCH)), Arg::V(in_len), v(mem::OUTPUT), Arg::V(out_len)];
        if matches!(kind, op::CALL | op::CALLCODE) {
            u.call(kind, &[gas, target, value, io[0], io[1], io[2], io[3]]);
        } else {
            u.call(kind, &[gas, target, io[0], io[1], io[2], io[3]]);
        }
        self.observe(u);
        u.call(op::KECCAK256, &[v(mem::OUTPUT), Arg::V(out_len)]);
        self.observe(u);
        self.after_call(u);
    }

    /// CREATE or CREATE2 of generated initcode copied from this code's data section; the new
    /// address is remembered in memory for later calls and observed.
    fn create(&mut self, u: &mut Unit) {
        let create2 = self.rng.chance(2, 5);
        let opcode = if create2 { op::CREATE2 } else { op::CREATE };
        if !self.allow(opcode) {
            return;
        }
        self.features.add(if create2 { Feature::Create2 } else { Feature::Create });
        let init = if self.nesting < 2 { self.initcode() } else { self.leaf_initcode() };
        let len = init.len() as u64;
        let label = u.data(init);
        u.call(op::CODECOPY, &[v(mem::SCRATCH), Arg::L(label), v(len)]);
        let size = if self.rng.chance(1, 50) {
            self.features.add(Feature::InitcodeTooLarge);
            U256::from(self.rng.pick(&[49_152u64, 49_153, 100_000]))
        } else {
            U256::from(len)
        };
        let value = self.call_value();
        let salt = Arg::V(if self.rng.coin() { U256::ZERO } else { self.rng.interesting_u256() });
        let times = if create2 && self.rng.chance(1, 6) {
            self.features.add(Feature::Create2Twice);
            2
        } else {
            1
        };
        for _ in 0..times {
            if create2 {
                u.call(opcode, &[value, v(mem::SCRATCH), Arg::V(size), salt]);
            } else {
                u.call(opcode, &[value, v(mem::SCRATCH), Arg::V(size)]);
            }
            u.asm.op(op::DUP1);
            u.call(op::MSTORE, &[v(mem::LAST_CREATED)]);
            self.observe(u);
        }
        self.after_call(u);
    }

    /// Initcode for a CREATE or a creating transaction: statements, then a deployment, a
    /// revert, a halt or a self-destruct.
    pub fn initcode(&mut self) -> Vec<u8> {
        let saved = (self.budget, self.observed);
        self.nesting += 1;
        self.budget = self.rng.range(1, 6) as i32;
        let mut u = Unit::new();
        self.body(&mut u);
        self.init_terminator(&mut u);
        self.nesting -= 1;
        (self.budget, self.observed) = saved;
        u.finish()
    }

    /// Initcode without statements (the deepest nesting level).
    fn leaf_initcode(&mut self) -> Vec<u8> {
        let mut u = Unit::new();
        self.init_terminator(&mut u);
        u.finish()
    }

    fn init_terminator(&mut self, u: &mut Unit) {
        match self.rng.weighted(&[55, 8, 8, 3, 3, 10, 5]) {
            0 => {
                let runtime = match self.rng.weighted(&[40, 10, 5, 3, 2, 12, 28]) {
                    0 => {
                        let saved = self.budget;
                        let code = self.structured(4);
                        self.budget = saved;
                        code
                    }
                    1 => Vec::new(),
                    2 => {
                        self.features.add(Feature::CodeEf);
                        let mut code = vec![0xef];
                        let n = self.rng.below(4) as usize;
                        code.extend(self.rng.bytes(n));
                        code
                    }
                    3 => {
                        // Memory beyond what was written is zero: a code of that many STOPs.
                        self.features.add(Feature::CodeTooLarge);
                        let size = self.rng.pick(&[24_576u64, 24_577, 24_577, 32_768]);
                        u.call(op::RETURN, &[v(mem::SCRATCH), v(size)]);
                        return;
                    }
                    4 => {
                        self.features.add(Feature::CodeEf);
                        u.call(op::MSTORE8, &[v(mem::SCRATCH), v(0xef)]);
                        u.call(op::RETURN, &[v(mem::SCRATCH), v(self.rng.range(1, 40))]);
                        return;
                    }
                    5 => {
                        let n = self.rng.range(1, 64) as usize;
                        self.random_code(n)
                    }
                    _ => {
                        // A small fixed runtime: return the caller and the call data's first word.
                        let mut a = Asm::new();
                        a.op(op::CALLER);
                        a.push_u64(0);
                        a.op(op::MSTORE);
                        a.push_u64(0);
                        a.op(op::CALLDATALOAD);
                        a.push_u64(32);
                        a.op(op::MSTORE);
                        a.push_u64(64);
                        a.push_u64(0);
                        a.op(op::RETURN);
                        a.finish()
                    }
                };
                let len = runtime.len() as u64;
                let label = u.data(runtime);
                u.call(op::CODECOPY, &[v(mem::SCRATCH), Arg::L(label), v(len)]);
                u.call(op::RETURN, &[v(mem::SCRATCH), v(len)]);
            }
            1 => {
                self.features.add(Feature::InitRevert);
                if self.allow(op::REVERT) {
                    u.call(op::REVERT, &[v(mem::OBSERVE), v(self.rng.pick(&[0, 32, 0x200]))]);
                } else {
                    u.asm.op(op::INVALID);
                }
            }
            2 => {
                self.features.add(Feature::InitSelfDestruct);
                let t = self.target().arg();
                u.call(op::SELFDESTRUCT, &[t]);
            }
            3 => {
                self.features.add(Feature::InitRevert);
                self.out_of_gas_loop(u);
            }
            4 => {
                self.features.add(Feature::InitRevert);
                u.asm.op(op::INVALID);
            }
            5 => u.asm.op(op::STOP),
            _ => self.random_tail(u),
        }
    }

    /// A counted loop around 1-3 statements: the counter stays below the statements' stack.
    fn loop_(&mut self, u: &mut Unit, loops: u8) {
        self.features.add(if loops > 0 { Feature::NestedLoop } else { Feature::Loop });
        let count = self.rng.range(1, if loops > 0 { 4 } else { 8 });
        u.asm.push_u64(count);
        let top = u.asm.label();
        u.asm.jumpdest(top);
        for _ in 0..self.rng.range(1, 3) {
            self.statement(u, loops + 1);
        }
        // counter - 1, loop while non-zero.
        u.asm.push_u64(1);
        u.asm.op(op::SWAP1);
        u.asm.op(op::SUB);
        u.asm.op(op::DUP1);
        u.asm.push_label(top);
        u.asm.op(op::JUMPI);
        u.asm.op(op::POP);
    }

    /// A forward JUMPI over 1-3 statements, on a condition the frame computes.
    fn conditional(&mut self, u: &mut Unit, loops: u8) {
        self.features.add(Feature::CondJump);
        match self.rng.below(6) {
            0 => u.call(op::CALLDATALOAD, &[v(0)]),
            1 => u.asm.op(op::CALLVALUE),
            2 => u.call(op::SLOAD, &[v(self.rng.below(4))]),
            3 => u.call(op::LT, &[Arg::Op(op::GAS), v(self.rng.below(200_000))]),
            _ => u.asm.push_u64(self.rng.below(2)),
        }
        if self.rng.coin() {
            u.asm.op(op::ISZERO);
        }
        let skip = u.asm.label();
        u.asm.push_label(skip);
        u.asm.op(op::JUMPI);
        for _ in 0..self.rng.range(1, 3) {
            self.statement(u, loops);
        }
        u.asm.jumpdest(skip);
    }

    fn log(&mut self, u: &mut Unit) {
        self.features.add(Feature::Log);
        let n = self.rng.below(5) as u8;
        let (off, len) = if self.rng.chance(1, 10) {
            let (off, edge) = self.mem_offset();
            (off, self.mem_len(edge))
        } else {
            (U256::from(mem::OBSERVE), U256::from(self.rng.pick(&[0u64, 32, 0x200])))
        };
        let mut args = vec![Arg::V(off), Arg::V(len)];
        for _ in 0..n {
            args.push(Arg::V(self.rng.interesting_u256()));
        }
        u.call(op::LOG0 + n, &args);
    }

    fn returndata(&mut self, u: &mut Unit) {
        if !self.allow(op::RETURNDATASIZE) {
            return;
        }
        self.features.add(Feature::ReturnData);
        if self.rng.coin() {
            u.asm.op(op::RETURNDATASIZE);
            return self.observe(u);
        }
        // Mostly in bounds of what a call returns (a word or more), sometimes past it.
        let src = U256::from(self.rng.pick(&[0u64, 0, 0, 1, 31, 32, 64, 200]));
        let len = U256::from(self.rng.pick(&[0u64, 0, 1, 32, 33]));
        u.call(op::RETURNDATACOPY, &[v(mem::OUTPUT), Arg::V(src), Arg::V(len)]);
    }

    /// A label that is no JUMPDEST: a 0x5b byte inside push data, or past the code.
    fn bad_target(&mut self, u: &mut Unit) -> Label {
        self.features.add(Feature::BadJump);
        let label = u.asm.label();
        if self.rng.coin() {
            u.asm.op(op::PUSH1);
            u.asm.mark(label);
            u.asm.op(op::JUMPDEST);
            u.asm.op(op::POP);
        }
        label
    }

    fn out_of_gas_loop(&mut self, u: &mut Unit) {
        let top = u.asm.label();
        u.asm.jumpdest(top);
        u.asm.push_label(top);
        u.asm.op(op::JUMP);
    }

    fn random_tail(&mut self, u: &mut Unit) {
        self.features.add(Feature::RandomTail);
        let n = self.rng.range(1, 48) as usize;
        let bytes = self.random_code(n);
        u.asm.raw(&bytes);
    }

    /// How a body ends.
    fn terminator(&mut self, u: &mut Unit) {
        // Halting ends (INVALID, undefined, out-of-gas and stack loops, bad jumps, most random
        // tails) discard the frame's work: about a fifth, so most frames' effects are seen.
        let w = [25, 4, 15, 12, 2, 2, 7, 2, 1, 1, 2, 5];
        match self.rng.weighted(&w) {
            0 => u.call(op::RETURN, &[v(mem::OBSERVE), v(0x200)]),
            1 => {
                let (off, edge) = self.mem_offset();
                let len = self.mem_len(edge);
                u.call(op::RETURN, &[Arg::V(off), Arg::V(len)]);
            }
            2 => u.asm.op(op::STOP),
            3 => {
                self.features.add(Feature::Revert);
                if self.allow(op::REVERT) {
                    u.call(op::REVERT, &[v(mem::OBSERVE), v(self.rng.pick(&[0, 0x40, 0x200]))]);
                } else {
                    u.asm.op(op::INVALID);
                }
            }
            4 => {
                self.features.add(Feature::Invalid);
                u.asm.op(op::INVALID);
            }
            5 => {
                self.features.add(Feature::Invalid);
                u.asm.op(self.rng.pick(&[0x0c, 0x21, 0x4f, 0xa5, 0xef, 0xf6, 0xfb]));
            }
            6 => {
                self.features.add(Feature::SelfDestruct);
                let t = self.target().arg();
                u.call(op::SELFDESTRUCT, &[t]);
            }
            7 => {
                self.features.add(Feature::OutOfGasLoop);
                self.out_of_gas_loop(u);
            }
            8 => {
                self.features.add(Feature::StackOverflow);
                let top = u.asm.label();
                u.asm.jumpdest(top);
                u.asm.op(op::PC);
                u.asm.push_label(top);
                u.asm.op(op::JUMP);
            }
            9 => {
                self.features.add(Feature::StackUnderflow);
                u.asm.op(self.rng.pick(&[op::ADD, op::POP, op::SWAP1, op::DUP2, op::CALL]));
            }
            10 => {
                let bad = self.bad_target(u);
                if self.rng.coin() {
                    u.call(op::JUMP, &[Arg::L(bad)]);
                } else {
                    u.call(op::JUMPI, &[Arg::L(bad), v(1)]);
                }
            }
            _ => self.random_tail(u),
        }
    }
}
