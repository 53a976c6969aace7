//! Kestrel host: the Evm that validates and executes transactions.
