//! MLOAD, MSTORE, MSTORE8, MSIZE, KECCAK256, MCOPY: values, exact expansion gas
//! (3w + w²/512, only the difference is charged), zero-length ranges, unpayable ranges, and MCOPY
//! with overlapping ranges against a copy-then-write model.

mod common;

use common::*;
use kestrel_interpreter::Status;
use kestrel_primitives::{KECCAK_EMPTY, SpecId, U256, keccak256};
use proptest::prelude::*;

/// Memory cost of `words` words, written out from the Yellow Paper: G_memory·a + a²/512.
fn mem_cost(words: u64) -> u64 {
    3 * words + words * words / 512
}

fn words(bytes: u64) -> u64 {
    bytes.div_ceil(32)
}

#[test]
fn mstore_mload_round_trip_at_any_alignment() {
    for offset in [0u64, 1, 31, 32, 33, 100] {
        let code = Asm::new()
            .push(U256::MAX - w(5u64))
            .push(offset)
            .op(MSTORE)
            .push(offset)
            .op(MLOAD)
            .op(STOP)
            .build();
        let out = exec(SpecId::Frontier, &code);
        out.expect(Status::Stop);
        assert_eq!(out.top(), U256::MAX - w(5u64));
        assert_eq!(out.memory.len() as u64, words(offset + 32) * 32, "memory is word-rounded");
        assert_eq!(out.memory[offset as usize + 31], 0xfa);
        assert_eq!(out.gas_used(), 3 * 3 + 3 + 3 + mem_cost(words(offset + 32)));
    }
}

#[test]
fn mstore8_writes_the_low_byte() {
    let code = Asm::new().push(0x1234u64).push(33u64).op(MSTORE8).op(MSIZE).op(STOP).build();
    let out = exec(SpecId::Frontier, &code);
    assert_eq!(out.memory.len(), 64);
    assert_eq!(out.memory[33], 0x34);
    assert_eq!(out.memory.iter().filter(|&&b| b != 0).count(), 1);
    assert_eq!(out.top(), w(64u64));
    assert_eq!(out.gas_used(), 3 + 3 + 3 + mem_cost(2) + 2);
}

#[test]
fn mload_of_fresh_memory_is_zero_and_expands() {
    let out = exec(SpecId::Frontier, &Asm::new().push(64u64).op(MLOAD).op(MSIZE).op(STOP).build());
    assert_eq!(out.stack, vec![U256::ZERO, w(96u64)]);
}

/// The cost of growing memory to w words from nothing, for sizes on both sides of the point
/// where the quadratic term starts to count.
#[test]
fn expansion_gas_is_exact() {
    for w_ in [1u64, 2, 22, 23, 31, 32, 33, 100, 512, 513, 1000, 4096] {
        let offset = (w_ - 1) * 32;
        let out = exec(SpecId::Osaka, &Asm::new().push(1u64).push(offset).op(MSTORE).op(STOP).build());
        out.expect(Status::Stop);
        let step = out.trace.iter().find(|s| s.op == MSTORE).unwrap();
        assert_eq!(step.cost(), 3 + mem_cost(w_), "{w_} words");
        assert_eq!(out.memory.len() as u64, w_ * 32);
    }
}

#[test]
fn only_the_growth_is_charged() {
    let code = Asm::new()
        .push(1u64)
        .push(0u64)
        .op(MSTORE) // 1 word
        .push(1u64)
        .push(0u64)
        .op(MSTORE) // no growth
        .push(1u64)
        .push(32 * 99u64)
        .op(MSTORE) // 100 words
        .push(1u64)
        .push(32 * 50u64)
        .op(MSTORE8) // inside
        .push(32 * 999u64)
        .op(MLOAD) // 1000 words
        .op(STOP)
        .build();
    let out = exec(SpecId::Osaka, &code);
    let costs: Vec<u64> =
        out.trace.iter().filter(|s| matches!(s.op, MSTORE | MSTORE8 | MLOAD)).map(|s| s.cost()).collect();
    assert_eq!(
        costs,
        vec![3 + mem_cost(1), 3, 3 + mem_cost(100) - mem_cost(1), 3, 3 + mem_cost(1000) - mem_cost(100)]
    );
}

#[test]
fn expansion_out_of_gas_at_the_boundary() {
    // MSTORE at 32·99 needs 6 for the pushes, 3, and mem_cost(100) = 319.
    let code = Asm::new().push(1u64).push(32 * 99u64).op(MSTORE).op(STOP).build();
    let exact = 6 + 3 + mem_cost(100);
    let out = Ctx::new(SpecId::Osaka).gas(exact).run(&code);
    out.expect(Status::Stop);
    assert_eq!(out.gas_left, 0);
    let out = Ctx::new(SpecId::Osaka).gas(exact - 1).run(&code);
    out.expect(Status::OutOfGas);
    assert!(out.memory.is_empty(), "no memory is allocated for an unpaid expansion");
}

#[test]
fn unpayable_offsets_halt_without_allocating() {
    for offset in [pow2(32), pow2(32) - w(1u64), pow2(64), pow2(255), U256::MAX, w(u32::MAX as u64 - 31)] {
        for op in [MLOAD, MSTORE, MSTORE8] {
            let code = Asm::new().push(1u64).push(offset).op(op).op(STOP).build();
            let out = exec(SpecId::Osaka, &code);
            out.expect(Status::OutOfGas);
            assert!(out.memory.is_empty());
        }
    }
}

#[test]
fn zero_length_ranges_touch_nothing() {
    for offset in [U256::ZERO, w(1000u64), pow2(64), U256::MAX] {
        let out =
            exec(SpecId::Osaka, &Asm::new().push(0u64).push(offset).op(KECCAK256).op(MSIZE).op(STOP).build());
        out.expect(Status::Stop);
        assert_eq!(out.stack, vec![U256::from_be_bytes(KECCAK_EMPTY.0), U256::ZERO]);
        assert_eq!(out.gas_used(), 6 + 30 + 2);
        let code = Asm::new().push(0u64).push(offset).push(offset).op(MCOPY).op(MSIZE).op(STOP).build();
        let out = exec(SpecId::Cancun, &code);
        out.expect(Status::Stop);
        assert_eq!(out.stack, vec![U256::ZERO]);
        assert_eq!(out.gas_used(), 9 + 3 + 2);
    }
}

#[test]
fn keccak256_hashes_memory() {
    // "hello" stored at 0..5 via MSTORE of the left-aligned word.
    let mut word = [0u8; 32];
    word[..5].copy_from_slice(b"hello");
    let code = Asm::new()
        .push(U256::from_be_bytes(word))
        .push(0u64)
        .op(MSTORE)
        .push(5u64)
        .push(0u64)
        .op(KECCAK256)
        .op(STOP)
        .build();
    let out = exec(SpecId::Frontier, &code);
    assert_eq!(out.top(), U256::from_be_bytes(keccak256(b"hello").0));
    // 30 + 6 per word, plus memory already paid by MSTORE.
    assert_eq!(out.trace.iter().find(|s| s.op == KECCAK256).unwrap().cost(), 36);
    // Hashing past the end of memory expands it (with zeros) and charges for both.
    let out = exec(SpecId::Frontier, &Asm::new().push(65u64).push(0u64).op(KECCAK256).op(STOP).build());
    assert_eq!(out.top(), U256::from_be_bytes(keccak256([0u8; 65]).0));
    assert_eq!(out.trace.iter().find(|s| s.op == KECCAK256).unwrap().cost(), 30 + 6 * 3 + mem_cost(3));
}

/// EIP-5656's examples: (dest, src, len, memory before, memory after) with gas 3 + 3·words +
/// expansion.
#[test]
fn mcopy_eip5656_examples() {
    let seq: Vec<u8> = (0..32).collect();
    type Case = (u64, u64, u64, Vec<u8>, Vec<u8>);
    let cases: [Case; 4] = [
        (0, 32, 32, [vec![0; 32], seq.clone()].concat(), [seq.clone(), seq.clone()].concat()),
        (0, 0, 32, seq.clone(), seq.clone()),
        (
            0,
            1,
            8,
            [vec![0, 1, 2, 3, 4, 5, 6, 7, 8], vec![0; 23]].concat(),
            [vec![1, 2, 3, 4, 5, 6, 7, 8, 8], vec![0; 23]].concat(),
        ),
        (
            1,
            0,
            8,
            [vec![0, 1, 2, 3, 4, 5, 6, 7, 8], vec![0; 23]].concat(),
            [vec![0, 0, 1, 2, 3, 4, 5, 6, 7], vec![0; 23]].concat(),
        ),
    ];
    for (dest, src, len, before, after) in cases {
        let mut asm = Asm::new();
        for (i, chunk) in before.chunks(32).enumerate() {
            asm = asm.push_n(32, U256::from_be_slice(chunk)).push(32 * i as u64).op(MSTORE);
        }
        let out = exec(SpecId::Cancun, &asm.push(len).push(src).push(dest).op(MCOPY).op(STOP).build());
        out.expect(Status::Stop);
        assert_eq!(out.memory, after, "MCOPY {dest} {src} {len}");
        assert_eq!(out.trace.iter().find(|s| s.op == MCOPY).unwrap().cost(), 3 + 3 * words(len));
    }
}

#[test]
fn mcopy_expands_over_both_ranges() {
    // Copying from beyond the end of memory reads zeros and expands to cover the source too.
    let code = Asm::new()
        .push(U256::MAX)
        .push(0u64)
        .op(MSTORE)
        .push(32u64)
        .push(64u64)
        .push(0u64)
        .op(MCOPY)
        .op(STOP)
        .build();
    let out = exec(SpecId::Cancun, &code);
    assert_eq!(out.memory, [vec![0u8; 32], vec![0u8; 64]].concat());
    let step = out.trace.iter().find(|s| s.op == MCOPY).unwrap();
    assert_eq!(step.cost(), 3 + 3 + mem_cost(3) - mem_cost(1));
    exec(SpecId::Cancun, &Asm::new().push(1u64).push(U256::MAX).push(0u64).op(MCOPY).build())
        .expect(Status::OutOfGas);
    exec(SpecId::Cancun, &Asm::new().push(1u64).push(0u64).push(pow2(40)).op(MCOPY).build())
        .expect(Status::OutOfGas);
}

#[test]
fn msize_is_zero_before_any_access() {
    let out = exec(SpecId::Frontier, &[MSIZE]);
    assert_eq!(out.stack, vec![U256::ZERO]);
    assert_eq!(out.gas_used(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// MCOPY equals "read the source range, then write it at the destination", whatever the
    /// overlap, and costs 3 + 3·words + the expansion to max(dest, src) + len.
    #[test]
    fn mcopy_is_memmove(
        init in proptest::collection::vec(any::<u8>(), 1..160),
        dest in 0u64..200,
        src in 0u64..200,
        len in 0u64..100,
    ) {
        let init_words = words(init.len() as u64);
        let mut padded = init.clone();
        padded.resize(init_words as usize * 32, 0);
        let mut asm = Asm::new();
        for (i, chunk) in padded.chunks(32).enumerate() {
            asm = asm.push_n(32, U256::from_be_slice(chunk)).push(32 * i as u64).op(MSTORE);
        }
        let code = asm.push(len).push(src).push(dest).op(MCOPY).op(STOP).build();
        let out = exec(SpecId::Cancun, &code);
        prop_assert_eq!(out.status, Status::Stop);

        let end = if len == 0 { 0 } else { dest.max(src) + len };
        let final_words = init_words.max(words(end));
        let mut model = padded.clone();
        model.resize(final_words as usize * 32, 0);
        if len > 0 {
            // Read the whole source first, then write: the meaning of a copy with overlap.
            let source: Vec<u8> = model[src as usize..(src + len) as usize].to_vec();
            for (i, byte) in source.into_iter().enumerate() {
                model[dest as usize + i] = byte;
            }
        }
        prop_assert_eq!(&out.memory, &model);
        let step = out.trace.iter().find(|s| s.op == MCOPY).unwrap();
        prop_assert_eq!(step.cost(), 3 + 3 * words(len) + mem_cost(final_words) - mem_cost(init_words));
    }
}
