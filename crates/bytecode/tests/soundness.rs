//! Misuse of the bytecode crate's public API: code identity comes only from a hash Kestrel
//! computed, and a translated program attaches only to the code it was translated from, so no
//! cache and no frame ever pairs code with another code's analysis or program. (That a hash
//! cannot be claimed is shown by the interpreter's compile-fail tests.)

use std::sync::Arc;

use kestrel_bytecode::opcode::{CALL, JUMPDEST, PUSH1, PUSH32, STOP};
use kestrel_bytecode::program::{Program, ProgramCache};
use kestrel_bytecode::{AnalysisCache, Bytecode, HashedCode};
use kestrel_primitives::{Bytes, keccak256};

/// Two codes of one length whose opcode boundaries differ: pc 3 starts an opcode of `a` and is
/// PUSH32 data in `b`.
fn twins() -> (Vec<u8>, Vec<u8>) {
    let a = [&[PUSH1, 0, CALL][..], &[JUMPDEST; 33], &[STOP]].concat();
    let b = [&[PUSH1, 0, PUSH32][..], &[JUMPDEST; 33], &[STOP]].concat();
    (a, b)
}

#[test]
fn hashed_code_is_the_codes_keccak() {
    let (a, _) = twins();
    let hashed = HashedCode::new(&a);
    assert_eq!((hashed.code(), hashed.hash()), (&a[..], keccak256(&a)));
    assert_eq!(Bytecode::from_hashed(hashed), Bytecode::new(&a));
    assert_eq!(Bytecode::new(&a).hash(), keccak256(&a));
}

#[test]
fn a_program_attaches_only_to_its_own_code() {
    let (a, b) = twins();
    let (code_a, code_b) = (Bytecode::new(&a), Bytecode::new(&b));
    assert_eq!(code_a.len(), code_b.len());
    let program_a = Arc::new(Program::translate(&code_a).expect("short code"));
    assert!(!code_b.attach_program(&program_a), "same length, other code");
    assert!(code_b.program().is_none());
    assert!(code_a.attach_program(&program_a));
    // A second program of the same code does not replace the first.
    let again = Arc::new(Program::translate(&code_a).expect("short code"));
    assert!(!code_a.attach_program(&again));
    assert!(Arc::ptr_eq(code_a.program().expect("attached"), &program_a));
}

#[test]
fn recycling_an_analysis_drops_its_program() {
    let (a, b) = twins();
    let mut code = Bytecode::new(&a);
    let program = Arc::new(Program::translate(&code).expect("short code"));
    assert!(code.attach_program(&program));
    code.reanalyze(HashedCode::new(&b));
    assert!(code.program().is_none());
    assert_eq!(code, Bytecode::new(&b));
    assert!(!code.attach_program(&program));
}

/// A database's hash is only a key to look under: an analysis is shared only with a caller
/// whose code is byte for byte the cached code, and a program attaches only by the code's own
/// keccak256, so other code reported under a hash never runs the hash's analysis or program.
#[test]
fn a_claimed_hash_never_names_other_code_in_a_cache() {
    let (a, b) = twins();
    let analyses = AnalysisCache::default();
    let programs = ProgramCache::default();
    let liar = analyses.get_or_analyze(keccak256(&a), &Bytes::from(b.clone()));
    assert_eq!((liar.original(), liar.code_hash()), (&b[..], keccak256(&b)));
    let liar_program = programs.get_or_translate(&liar).expect("short code");
    assert_eq!(liar_program.hash(), keccak256(&b));
    // The honest caller gets its own code, analysis and program.
    let honest = analyses.get_or_analyze(keccak256(&a), &Bytes::from(a.clone()));
    assert_eq!((honest.original(), honest.code_hash()), (&a[..], keccak256(&a)));
    let honest_program = programs.get_or_translate(&honest).expect("short code");
    assert_eq!(honest_program.hash(), keccak256(&a));
    assert!(!Arc::ptr_eq(&liar_program, &honest_program));
    assert!(Arc::ptr_eq(honest.program().expect("attached"), &honest_program));
    assert!(Arc::ptr_eq(liar.program().expect("attached"), &liar_program));
    // And the liar, back again, gets neither.
    let again = analyses.get_or_analyze(keccak256(&a), &Bytes::from(b.clone()));
    assert_eq!(again.original(), &b[..]);
    assert!(!again.program().is_some_and(|p| Arc::ptr_eq(p, &honest_program)));
    let program = programs.get_or_translate(&again).expect("short code");
    assert_eq!(program.hash(), keccak256(&b));
}
