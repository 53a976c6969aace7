//! Intrinsic gas: what a transaction costs before its first opcode (Yellow Paper, EIP-2, 2028,
//! 2930, 3860, 7623, 7702).

use kestrel_primitives::gas::{eip2028, eip2930, eip3860, eip7623, eip7702, frontier};
use kestrel_primitives::{SpecId, TxEnv};

/// The two gas figures a transaction must cover up front.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntrinsicGas {
    /// Charged before execution.
    pub initial: u64,
    /// EIP-7623's floor on gas used (zero before Prague).
    pub floor: u64,
}

/// The intrinsic gas of `tx` under `spec`.
pub fn intrinsic_gas(spec: SpecId, tx: &TxEnv) -> IntrinsicGas {
    let zeros = tx.data.iter().filter(|&&b| b == 0).count() as u64;
    let nonzeros = tx.data.len() as u64 - zeros;
    let nonzero_cost = if spec.is_enabled_in(SpecId::Istanbul) {
        eip2028::TX_DATA_NONZERO
    } else {
        frontier::TX_DATA_NONZERO
    };
    let mut initial = frontier::TX_BASE + zeros * frontier::TX_DATA_ZERO + nonzeros * nonzero_cost;
    if tx.to.is_none() {
        if spec.is_enabled_in(SpecId::Homestead) {
            initial += frontier::TX_CREATE;
        }
        if spec.is_enabled_in(SpecId::Shanghai) {
            initial += eip3860::INITCODE_WORD * (tx.data.len() as u64).div_ceil(32);
        }
    }
    for item in &tx.access_list {
        initial +=
            eip2930::ACCESS_LIST_ADDRESS + eip2930::ACCESS_LIST_STORAGE_KEY * item.storage_keys.len() as u64;
    }
    initial += eip7702::PER_EMPTY_ACCOUNT_COST * tx.authorization_list.len() as u64;
    let floor = if spec.is_enabled_in(SpecId::Prague) {
        let tokens = zeros + nonzeros * eip7623::NONZERO_BYTE_TOKENS;
        frontier::TX_BASE + tokens * eip7623::TOTAL_COST_FLOOR_PER_TOKEN
    } else {
        0
    };
    IntrinsicGas { initial, floor }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_primitives::{AccessListItem, Address, B256, Bytes};

    #[test]
    fn plain_transfer_costs_21000() {
        let g = intrinsic_gas(SpecId::Osaka, &TxEnv { to: Some(Address::ZERO), ..Default::default() });
        assert_eq!(g, IntrinsicGas { initial: 21_000, floor: 21_000 });
    }

    #[test]
    fn calldata_pricing_per_fork() {
        let tx = TxEnv { to: Some(Address::ZERO), data: Bytes::from(vec![0, 1]), ..Default::default() };
        assert_eq!(intrinsic_gas(SpecId::Byzantium, &tx).initial, 21_000 + 4 + 68);
        assert_eq!(intrinsic_gas(SpecId::Istanbul, &tx).initial, 21_000 + 4 + 16);
        assert_eq!(intrinsic_gas(SpecId::Prague, &tx).floor, 21_000 + 10 * (1 + 4));
    }

    #[test]
    fn create_and_access_list() {
        let tx = TxEnv {
            data: Bytes::from(vec![0; 33]),
            access_list: vec![AccessListItem { address: Address::ZERO, storage_keys: vec![B256::ZERO; 2] }],
            ..Default::default()
        };
        assert_eq!(intrinsic_gas(SpecId::Frontier, &tx).initial, 21_000 + 33 * 4 + 2400 + 2 * 1900);
        assert_eq!(intrinsic_gas(SpecId::Homestead, &tx).initial, 53_000 + 33 * 4 + 2400 + 2 * 1900);
        assert_eq!(intrinsic_gas(SpecId::Shanghai, &tx).initial, 53_000 + 33 * 4 + 2 * 2 + 2400 + 2 * 1900);
    }
}
