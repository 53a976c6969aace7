//! Kestrel: a fast, exactly-correct Ethereum Virtual Machine, Frontier to Osaka.
//!
//! This facade re-exports the layered crates, so an embedder depends on one crate:
//!
//! | module | crate | owns |
//! |---|---|---|
//! | [`primitives`] | `kestrel-primitives` | U256, Address, B256, forks, gas constants, keccak |
//! | [`bytecode`] | `kestrel-bytecode` | padded code, JUMPDEST analysis and its cache |
//! | [`interpreter`] | `kestrel-interpreter` | stack, memory, gas, the generated dispatch, `Host` |
//! | [`state`] | `kestrel-state` | `Database`, `InMemoryDb`, the journal |
//! | [`precompiles`] | `kestrel-precompiles` | every precompile to Osaka |
//! | [`host`] | `kestrel-host` | the `Evm` executing transactions |
//! | [`block`] | `kestrel-block` | RLP, transactions, headers, tries, receipts, the block executor |
//!
//! # Deploying and calling a contract
//!
//! ```
//! use kestrel::prelude::*;
//!
//! let deployer = address!("1000000000000000000000000000000000000001");
//! let mut db = InMemoryDb::default();
//! db.insert_account(deployer, AccountInfo::new(U256::from(10u64.pow(18)), 0, Bytes::new()));
//!
//! let mut evm = Evm::new(db, SpecId::Osaka, 1);
//! evm.set_block(BlockEnv { gas_limit: 30_000_000, ..Default::default() });
//!
//! // Initcode that deploys a contract returning 42: `PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`.
//! let runtime = hex!("602a60005260206000f3");
//! let mut init = hex!("600a600c600039600a6000f3").to_vec(); // CODECOPY runtime, RETURN it
//! init.extend_from_slice(&runtime);
//! let deploy = TxEnv {
//!     caller: deployer,
//!     gas_limit: 100_000,
//!     data: init.into(),
//!     nonce: 0,
//!     ..Default::default()
//! };
//! let created = evm.transact_commit(deploy).unwrap().created_address.unwrap();
//!
//! let call = TxEnv { caller: deployer, gas_limit: 100_000, to: Some(created), nonce: 1, ..Default::default() };
//! let result = evm.transact_commit(call).unwrap();
//! assert!(result.is_success());
//! assert_eq!(U256::from_be_slice(&result.output), U256::from(42));
//! ```

#![forbid(unsafe_code)]

pub use kestrel_block as block;
pub use kestrel_bytecode as bytecode;
pub use kestrel_host as host;
pub use kestrel_interpreter as interpreter;
pub use kestrel_precompiles as precompiles;
pub use kestrel_primitives as primitives;
pub use kestrel_state as state;

pub use kestrel_host::{Evm, ExecutionOutcome, ExecutionResult, TxError};

/// The names most embedders need, in one import.
pub mod prelude {
    pub use kestrel_host::{Evm, ExecutionOutcome, ExecutionResult, InvalidTransaction, TxError};
    pub use kestrel_primitives::{
        AccessListItem, Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256, address, b256, bytes, hex,
        keccak256,
    };
    pub use kestrel_state::{AccountInfo, Database, DatabaseCommit, InMemoryDb};
}
