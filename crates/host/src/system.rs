//! System calls (EIP-4788, EIP-2935, EIP-7002, EIP-7251): a message from the system address to
//! a system contract, run outside any transaction, as the execution specs'
//! `process_system_transaction` does.

use kestrel_primitives::{Address, Bytes, TxEnv, address};
use kestrel_state::Database;

use crate::evm::Evm;
use crate::result::{ExecutionResult, TxError};

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
    /// rule.
    pub fn system_call(&mut self, to: Address, data: Bytes) -> Result<ExecutionResult, TxError> {
        if self.in_transaction {
            self.abandon_unwound_transaction();
        }
        self.in_transaction = true;
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
        let ended = self.run_call(to, SYSTEM_CALL_GAS);
        let logs = if ended.status.is_success() { self.ctx.journal.take_logs() } else { Vec::new() };
        let result = match self.ctx.journal.take_error() {
            None => Ok(ExecutionResult {
                status: ended.status,
                gas_used: SYSTEM_CALL_GAS - ended.gas_left,
                gas_refunded: 0,
                output: ended.output.unwrap_or_default(),
                logs,
                created_address: None,
            }),
            Some(e) => Err(TxError::Database(format!("{e:?}"))),
        };
        self.keep_if_ok(result)
    }
}
