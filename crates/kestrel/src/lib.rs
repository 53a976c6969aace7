//! Kestrel: a fast, correct Ethereum Virtual Machine.
