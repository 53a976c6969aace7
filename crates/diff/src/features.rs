//! What a generated case exercises, for the campaign's coverage table.
//!
//! The generator sets a flag when it emits the construct; whether execution reaches it depends
//! on what runs before it, so the counts say how often each construct was *offered* to both
//! EVMs. The outcome columns of the summary say how far cases got.

macro_rules! features {
    ($($name:ident => $text:literal,)*) => {
        /// One construct the generator can put into a case.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        #[allow(missing_docs)]
        pub enum Feature { $($name,)* }

        impl Feature {
            /// Every feature, in table order.
            pub const ALL: &'static [Feature] = &[$(Feature::$name,)*];

            /// The name printed in the summary.
            pub const fn name(self) -> &'static str {
                match self { $(Feature::$name => $text,)* }
            }
        }
    };
}

features! {
    StructuredCode => "code: structured",
    RandomCode => "code: random bytes",
    MutatedCode => "code: structured, bytes mutated",
    RandomTail => "code: random tail after structure",
    Loop => "jumps: bounded loop",
    NestedLoop => "jumps: nested loop",
    CondJump => "jumps: conditional forward jump",
    BadJump => "jumps: invalid target",
    Arith => "arithmetic on edge values",
    Env => "environment opcodes",
    BlockHash => "BLOCKHASH",
    BlobHash => "BLOBHASH",
    ForkGatedOp => "opcode newer than the fork",
    MemEdge32 => "memory: offset near 2^32",
    MemEdge64 => "memory: offset near 2^64",
    MemEdgeHuge => "memory: offset near 2^256",
    MemCopy => "memory: copies (CALLDATA/CODE/EXTCODE/RETURNDATA/MCOPY)",
    Keccak => "KECCAK256",
    SStore => "SSTORE sequence (original/current/new)",
    TStore => "TSTORE/TLOAD",
    Log => "LOG0-4",
    Call => "CALL",
    CallCode => "CALLCODE",
    DelegateCall => "DELEGATECALL",
    StaticCall => "STATICCALL",
    CallValue => "call with value",
    CallSelf => "call to itself (recursion)",
    CallLowGas => "call with 0/stipend-level gas",
    Create => "CREATE",
    Create2 => "CREATE2",
    Create2Twice => "CREATE2 twice, same salt",
    CreateCollisionPre => "pre-state account at a CREATE address",
    InitRevert => "initcode reverts or halts",
    InitSelfDestruct => "SELFDESTRUCT in initcode (same transaction)",
    CodeTooLarge => "deployed code over EIP-170 size",
    CodeEf => "deployed code starting with 0xEF",
    InitcodeTooLarge => "CREATE initcode over EIP-3860 size",
    SelfDestruct => "SELFDESTRUCT of an existing contract",
    Revert => "REVERT",
    Invalid => "INVALID / undefined opcode",
    OutOfGasLoop => "loop until out of gas",
    StackOverflow => "stack overflow",
    StackUnderflow => "stack underflow",
    Precompile => "precompile call",
    ReturnData => "RETURNDATASIZE/RETURNDATACOPY",
    TxCreate => "tx: contract creation",
    TxToEoa => "tx: call to an account without code",
    TxToPrecompile => "tx: call to a precompile",
    TxToDelegated => "tx: call to a delegated account",
    TxInvalidType => "tx: type not valid in the fork",
    AccessList => "tx: access list",
    Blob => "tx: blobs",
    BlobBadCount => "tx: blob count 0 or over the limit",
    BlobBadVersion => "tx: blob hash with a wrong version",
    Auth => "tx: authorizations",
    AuthInvalidSig => "auth: invalid signature",
    AuthWrongChain => "auth: other chain id",
    AuthWrongNonce => "auth: wrong nonce",
    AuthSelfSponsored => "auth: authority is the sender",
    AuthReset => "auth: delegation to zero (reset)",
    AuthToPrecompile => "auth: delegation to a precompile",
    DelegatedPre => "pre-state: delegated account",
    EmptyPre => "pre-state: empty account",
    SenderHasCode => "tx: sender with code",
    SenderDelegated => "tx: delegated sender",
    LowBalance => "tx: sender balance short",
    LowGas => "tx: gas limit at or below intrinsic",
    OverBlockGas => "tx: gas limit over block/cap",
    BadFee => "tx: fee below base fee / tip over max",
    BadNonce => "tx: wrong nonce or nonce 2^64-1",
    FloorCalldata => "tx: large calldata (EIP-7623 floor)",
    CoinbaseSpecial => "block: coinbase empty/absent/sender/contract",
}

/// A set of [`Feature`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features(u128);

// Every feature must have a bit.
const _: () = assert!(Feature::ALL.len() <= 128);

impl Features {
    /// Adds `f`.
    pub fn add(&mut self, f: Feature) {
        self.0 |= 1 << (f as u8);
    }

    /// True when `f` is in the set.
    pub fn has(self, f: Feature) -> bool {
        self.0 & (1 << (f as u8)) != 0
    }

    /// The features in the set, in table order.
    pub fn iter(self) -> impl Iterator<Item = Feature> {
        Feature::ALL.iter().copied().filter(move |f| self.has(*f))
    }
}

/// The precompile addresses the generator calls, in table order: 0x01..=0x11 and 0x100.
pub const PRECOMPILES: [u16; 18] = [
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
    0x100,
];

/// A set of the [`PRECOMPILES`] a case calls (bit i = `PRECOMPILES[i]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrecompileSet(u32);

impl PrecompileSet {
    /// Adds the precompile at `address` (ignored when it is not in [`PRECOMPILES`]).
    pub fn add(&mut self, address: u16) {
        if let Some(i) = PRECOMPILES.iter().position(|&p| p == address) {
            self.0 |= 1 << i;
        }
    }

    /// True when the precompile at index `i` of [`PRECOMPILES`] is in the set.
    pub fn has_index(self, i: usize) -> bool {
        self.0 & (1 << i) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_hold_what_was_added() {
        let mut f = Features::default();
        f.add(Feature::Loop);
        f.add(Feature::CoinbaseSpecial);
        assert!(f.has(Feature::Loop) && f.has(Feature::CoinbaseSpecial) && !f.has(Feature::Call));
        assert_eq!(f.iter().collect::<Vec<_>>(), vec![Feature::Loop, Feature::CoinbaseSpecial]);
        let mut p = PrecompileSet::default();
        p.add(0x100);
        p.add(0x12);
        assert!(p.has_index(17) && !p.has_index(0));
        assert_eq!(p, {
            let mut q = PrecompileSet::default();
            q.add(0x100);
            q
        });
    }
}
