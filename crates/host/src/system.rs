//! System calls (EIP-4788, EIP-2935, EIP-7002, EIP-7251): a message from the system address to
//! a system contract, run outside any transaction, as the execution specs'
//! `process_system_transaction` does.

use kestrel_primitives::{Address, Bytes, TxEnv, address};
use kestrel_state::Database;

use crate::evm::{Evm, Settled};
use crate::result::{ExecutionOutcome, ExecutionResult, TxError};

/// The caller of every system call (`SYSTEM_ADDRESS`).
pub const SYSTEM_ADDRESS: Address = address!("fffffffffffffffffffffffffffffffffffffffe");

/// The gas a system call runs with (`SYSTEM_TRANSACTION_GAS`).
pub const SYSTEM_CALL_GAS: u64 = 30_000_000;

impl<DB: Database> Evm<DB>
where
    DB::Error: core::fmt::Debug,
{
    /// Calls `to` with `data` from [`SYSTEM_ADDRESS`] with [`SYSTEM_CALL_GAS`], keeping its
    /// changes in the journal's cache like [`transact`](Self::transact): no validation, no gas
    /// bought or refunded, no nonce, no value, nothing pre-warmed, the block's base fee as the
    /// gas price. Whether the target must have code, and what a failure means, is the caller's
    /// rule. Returns an owned result: see [`system_call_ref`](Self::system_call_ref).
    pub fn system_call(&mut self, to: Address, data: Bytes) -> Result<ExecutionResult, TxError> {
        self.system_call_ref(to, data).map(|outcome| outcome.to_owned())
    }

    /// [`system_call`](Self::system_call), returning the outcome borrowed from the `Evm`'s
    /// buffers (see [`transact_ref`](Self::transact_ref)).
    pub fn system_call_ref(&mut self, to: Address, data: Bytes) -> Result<ExecutionOutcome<'_>, TxError> {
        self.begin_transaction();
        let basefee = self.ctx.block.basefee;
        self.ctx.tx = TxEnv {
            caller: SYSTEM_ADDRESS,
            to: Some(to),
            gas_limit: SYSTEM_CALL_GAS,
            gas_price: basefee,
            data,
            ..Default::default()
        };
        self.ctx.effective_gas_price = basefee;
        let ended = self.run_call(to, SYSTEM_CALL_GAS, 0);
        let result = match self.ctx.journal.take_error() {
            None if self.halted.is_some() => Err(self.take_halt()),
            None => Ok(Settled {
                status: ended.status,
                gas_used: SYSTEM_CALL_GAS - ended.gas_left,
                gas_refunded: 0,
                created_address: None,
            }),
            Some(e) => Err(TxError::Database(format!("{e:?}"))),
        };
        let settled = self.keep_if_ok(result)?;
        Ok(self.outcome(settled))
    }
}
