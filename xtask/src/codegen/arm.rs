//! The one emitter of an opcode's dispatch arm, for both runners.
//!
//! An arm is a sequence of calls to hand-written `#[inline(always)]` pieces
//! (`crates/interpreter/src/arm.rs` and, for the compiled tier, `compiled/mod.rs`): the gas and
//! stack checks before the handler, the handler in its calling convention, what follows it. Each
//! call that can halt goes through `ok!`, the loop's one exit. What differs between the tiers is
//! which pieces are called, never how a piece is written.

use std::fmt::Write;

use kestrel_primitives::SpecId;

use super::table::{BlockEntry, Mode, Op, Shape};

/// The runner an arm is emitted for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tier {
    /// `runner.rs`: bytecode, an instruction pointer into the code, per-opcode gas (accumulated in
    /// the fast instantiation, exact in the tracing one).
    Interpreter,
    /// `compiled_runner.rs`: a translated program, fixed static gas charged per segment.
    Compiled,
}

/// The static gas of `op` when it is the same in every fork that defines it (the compiled tier's
/// segments hold only such gas).
pub(crate) fn fixed_gas(op: &Op) -> Option<u16> {
    let mut defined = op.gas.iter().flatten().copied();
    let first = defined.next()?;
    defined.all(|g| g == first).then_some(first)
}

/// The handler's path, as a value (a fn item): a host handler with const generics also names
/// the host type.
fn handler_path(op: &Op) -> String {
    match (op.shape, op.handler.strip_suffix('>')) {
        (Shape::Host, Some(generic)) => format!("{}::{generic}, H>", op.group),
        _ => format!("{}::{}", op.group, op.handler),
    }
}

/// The fork's static gas of `op`, read from the table only where it can differ from a literal.
fn table_gas(op: &Op) -> String {
    format!("gas_table[0x{:02x}]", op.byte)
}

/// The match arm of `op` in `tier`'s runner.
pub(crate) fn arm(op: &Op, tier: Tier) -> String {
    let mut body = String::new();
    let late = op.since != SpecId::Frontier;
    let flush = op.mode == Mode::Flush;
    // Before the handler.
    match tier {
        Tier::Interpreter => {
            let gas = match op.constant_gas() {
                Some(g) => g.to_string(),
                None => table_gas(op),
            };
            let growth = op.outputs.saturating_sub(op.inputs);
            if gas != "0" || flush || late || (op.inputs > 0) || growth > 0 {
                writeln!(
                    body,
                    "ok!('run, arm::charge::<TRACE>(&mut r, {gas}, {late}, {}, {growth}, {flush}));",
                    op.inputs
                )
                .unwrap();
            }
        }
        Tier::Compiled => {
            let varying = fixed_gas(op).is_none();
            if late || varying || flush {
                let gas = if late || varying { table_gas(op) } else { "0".into() };
                writeln!(body, "ok!('run, compiled::charge(&mut r, {gas}, {late}, {varying}, {flush}));")
                    .unwrap();
            }
        }
    }
    // The handler.
    let path = handler_path(op);
    match (op.shape, tier) {
        (Shape::Stack, _) => writeln!(body, "{path}(&mut r.sp);").unwrap(),
        (Shape::Frame, _) => writeln!(body, "ok!('run, arm::frame!(r, f, b, {path}));").unwrap(),
        (Shape::Host, Tier::Interpreter) => {
            writeln!(body, "ok!('run, arm::host!(r, f, b, host, {path}));").unwrap()
        }
        (Shape::Host, Tier::Compiled) => {
            writeln!(body, "ok!('run, compiled::host!(r, f, b, host, inst, {path}));").unwrap()
        }
        // The operand: the byte after the opcode in the code, or what translation kept of it.
        (Shape::Operand, Tier::Interpreter) => {
            writeln!(body, "let operand = r.operand();\nok!('run, {path}(&mut r.sp, operand));").unwrap()
        }
        (Shape::Operand, Tier::Compiled) => {
            writeln!(body, "ok!('run, {path}(&mut r.sp, compiled::operand(inst)));").unwrap()
        }
    }
    // After it.
    match tier {
        Tier::Interpreter => {
            if op.enters_block == BlockEntry::After {
                body.push_str("ok!('run, arm::arrive::<TRACE>(&r, f));\n");
            }
            if !op.jumps && !op.terminating {
                writeln!(body, "r.advance({});", 1 + op.immediate as usize).unwrap();
            }
        }
        Tier::Compiled => {
            if !op.terminating {
                if flush {
                    body.push_str("compiled::charge_segment(&mut r, inst);\n");
                }
                body.push_str("ip.next();\n");
            }
        }
    }
    let cfg = if op.test_only { format!("{}\n", super::emit::TEST_CFG) } else { String::new() };
    format!("// {}\n{cfg}0x{:02x} => {{\n{body}}}\n", op.name, op.byte)
}
