//! EIP-2930 (Berlin): optional access lists.

/// Intrinsic cost per address in the access list.
pub const ACCESS_LIST_ADDRESS: u64 = 2_400;
/// Intrinsic cost per storage key in the access list.
pub const ACCESS_LIST_STORAGE_KEY: u64 = 1_900;
