//! Why a frame stopped running.

/// The outcome of running a frame until it stops or needs its caller.
///
/// One byte, so `Result<(), Status>` (a handler's [`Step`]) is one byte too.
///
/// A child that fails its depth, balance or nonce check never runs and ends in no status of its
/// own: the caller resumes with 0 on its stack. Oversized initcode (EIP-3860) is an out-of-gas
/// halt of the creating frame.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// STOP, or ran off the end of the code.
    Stop,
    /// RETURN.
    Return,
    /// SELFDESTRUCT.
    SelfDestruct,
    /// REVERT: state rolled back, remaining gas returned.
    Revert,
    /// A CALL-family opcode wants a child frame; the request is in `Frame::request`.
    Call,
    /// CREATE or CREATE2 wants a child frame; the request is in `Frame::request`.
    Create,
    /// Not enough gas.
    OutOfGas,
    /// An opcode not defined in the running fork.
    InvalidOpcode,
    /// The designated INVALID opcode (0xFE).
    InvalidFe,
    /// JUMP or JUMPI to a byte that is not a JUMPDEST.
    InvalidJump,
    /// Too few items on the stack.
    StackUnderflow,
    /// More than 1024 items on the stack.
    StackOverflow,
    /// A state change inside STATICCALL (EIP-214).
    StaticViolation,
    /// RETURNDATACOPY past the end of the return data (EIP-211).
    ReturnDataOutOfBounds,
    /// Deployed code larger than EIP-170 allows.
    CodeTooLarge,
    /// Deployed code starting with 0xEF (EIP-3541).
    InvalidCodePrefix,
    /// CREATE target already has code, nonce or storage.
    CreateCollision,
    /// A precompile rejected its input.
    PrecompileFailure,
    /// A tracer stopped execution before the opcode ran ([`Tracer::step`](crate::Tracer::step)
    /// returned [`Control::Halt`](crate::Control::Halt)): never the result of any bytecode, and
    /// only the tracing runner returns it. An exceptional halt for the frame; the host ends the
    /// transaction with the tracer's reason.
    Interrupted,
    /// [`run`](crate::run) was given buffers that do not hold the frame's call data and memory
    /// (an embedding error, never the result of any bytecode): nothing ran.
    BuffersMismatch,
    /// [`run`](crate::run) was given a frame that has finished, or that waits for its child's
    /// result ([`Frame::finish_call`](crate::Frame::finish_call)): an embedding error, never the
    /// result of any bytecode. Nothing ran.
    NotRunnable,
}

/// What a handler returns: `Ok` to go on, `Err(status)` to stop the frame.
pub type Step = Result<(), Status>;

impl Status {
    /// True for the statuses that end a frame successfully (state kept).
    #[inline]
    pub const fn is_success(self) -> bool {
        matches!(self, Status::Stop | Status::Return | Status::SelfDestruct)
    }

    /// True for REVERT.
    #[inline]
    pub const fn is_revert(self) -> bool {
        matches!(self, Status::Revert)
    }

    /// True for the exceptional halts, which consume all gas of the frame.
    #[inline]
    pub const fn is_halt(self) -> bool {
        !self.is_success() && !self.is_revert() && !matches!(self, Status::Call | Status::Create)
    }
}
