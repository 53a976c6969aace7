//! proptest strategies for 256-bit words, biased toward the edge cases of EVM arithmetic.

use kestrel_primitives::U256;
use proptest::prelude::*;

/// Words that exercise edges: 0, 1, MAX (−1), 2²⁵⁵ (−2²⁵⁵), 2²⁵⁵−1, small values of both signs,
/// powers of two and their neighbours, numbers of every bit length, and uniform words.
pub fn word() -> impl Strategy<Value = U256> {
    prop_oneof![
        3 => any::<[u64; 4]>().prop_map(U256::from_limbs),
        1 => prop_oneof![
            Just(U256::ZERO),
            Just(U256::from(1u64)),
            Just(U256::MAX),
            Just(U256::from(1u64) << 255),
            Just((U256::from(1u64) << 255) - U256::from(1u64)),
            Just(U256::MAX - U256::from(1u64)),
        ],
        2 => (0u64..300).prop_map(U256::from),
        1 => (1u64..300).prop_map(|v| U256::from(v).wrapping_neg()),
        1 => (0usize..256, -1i64..=1).prop_map(|(n, d)| {
            let p = U256::from(1u64) << n;
            if d < 0 { p.wrapping_sub(U256::from(1u64)) } else { p.wrapping_add(U256::from(d as u64)) }
        }),
        2 => (any::<[u64; 4]>(), 0usize..256).prop_map(|(l, s)| U256::from_limbs(l) >> s),
    ]
}

/// Shift amounts and byte indices: mostly small, including exactly 255/256/257, and huge.
pub fn shift() -> impl Strategy<Value = U256> {
    prop_oneof![
        4 => (0u64..=300).prop_map(U256::from),
        1 => prop_oneof![Just(U256::from(255u64)), Just(U256::from(256u64)), Just(U256::from(257u64))],
        1 => word(),
    ]
}
