//! Rendering the generated files from the validated table.

use std::collections::BTreeSet;
use std::fmt::Write;

use kestrel_primitives::SpecId;

use super::HEADER;
use super::table::{Mode, Op, Shape};

/// Which runner to render.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Runner {
    /// Static gas accumulated between flush points, no hooks.
    Fast,
    /// Static gas charged per opcode, a tracer called around every opcode.
    Tracing,
}

/// `crates/bytecode/src/generated/opcodes.rs`: constants and the info table.
pub(crate) fn opcodes(ops: &[Op]) -> String {
    let mut out = String::from(HEADER);
    for op in ops {
        writeln!(out, "/// `{}` (0x{:02x}), from {:?}.", op.name, op.byte, op.since).unwrap();
        writeln!(out, "pub const {}: u8 = 0x{:02x};", op.name, op.byte).unwrap();
    }
    out.push_str("\n/// Facts about every opcode byte; `None` where no fork assigns the byte.\n");
    out.push_str("pub static OPCODE_INFO: [Option<super::OpInfo>; 256] = [\n");
    for byte in 0..=255u8 {
        match ops.iter().find(|o| o.byte == byte) {
            Some(op) => writeln!(
                out,
                "Some(super::OpInfo {{ name: \"{}\", immediate: {}, inputs: {}, outputs: {} }}),",
                op.name, op.immediate, op.inputs, op.outputs
            )
            .unwrap(),
            None => out.push_str("None,\n"),
        }
    }
    out.push_str("];\n");
    out
}

/// `crates/interpreter/src/generated/gas_table.rs`: static gas per fork, with a sentinel for
/// opcodes a fork does not define.
pub(crate) fn gas_table(ops: &[Op]) -> String {
    let mut out = String::from(HEADER);
    out.push_str("use kestrel_primitives::SpecId;\n\n");
    out.push_str("/// Marks an opcode a fork does not define.\npub const UNDEFINED_GAS: u16 = u16::MAX;\n\n");
    out.push_str(
        "/// The static gas of every opcode in every fork, indexed `[spec][opcode]`; [`UNDEFINED_GAS`]\n",
    );
    out.push_str("/// where the fork does not define the opcode. Tracers and the dispatch read it.\n");
    out.push_str("pub static STATIC_GAS: [[u16; 256]; SpecId::COUNT] = [\n");
    for spec in SpecId::ALL {
        writeln!(out, "// {spec:?}").unwrap();
        out.push('[');
        for byte in 0..=255u8 {
            let gas = ops.iter().find(|o| o.byte == byte).and_then(|o| o.gas[spec.index()]);
            match gas {
                Some(g) => write!(out, "{g},").unwrap(),
                None => out.push_str("UNDEFINED_GAS,"),
            }
        }
        out.push_str("],\n");
    }
    out.push_str("];\n\n");
    out.push_str("/// The static gas of `op` in `spec`, or `None` when `spec` does not define `op`.\n");
    out.push_str("#[inline]\npub fn static_gas(spec: SpecId, op: u8) -> Option<u16> {\n");
    out.push_str("    let gas = STATIC_GAS[spec.index()][op as usize];\n");
    out.push_str("    (gas != UNDEFINED_GAS).then_some(gas)\n}\n");
    out
}

/// The call of one handler, by shape.
fn handler_call(op: &Op) -> String {
    let path = match (op.shape, op.handler.strip_suffix('>')) {
        // A host handler with const generics also names the host type.
        (Shape::Host, Some(generic)) => format!("{}::{generic}, H>", op.group),
        _ => format!("{}::{}", op.group, op.handler),
    };
    match op.shape {
        Shape::Stack => format!("{path}(&mut f.stack);"),
        Shape::Frame => format!("{path}(f, b)?;"),
        Shape::Host => format!("{path}(f, b, host)?;"),
    }
}

/// The body of one opcode's match arm.
fn arm(op: &Op, runner: Runner) -> String {
    let mut body = String::new();
    let gas = match op.constant_gas() {
        Some(g) => g.to_string(),
        None => {
            writeln!(body, "let cost = gas_table[0x{:02x}];", op.byte).unwrap();
            if op.since != SpecId::Frontier {
                body.push_str("if cost == UNDEFINED_GAS { return Err(Status::InvalidOpcode); }\n");
            }
            "cost".to_string()
        }
    };
    match op.inputs {
        0 => {}
        1 => body.push_str("if f.stack.is_empty() { return Err(Status::StackUnderflow); }\n"),
        n => writeln!(body, "if f.stack.len() < {n} {{ return Err(Status::StackUnderflow); }}").unwrap(),
    }
    if op.outputs > op.inputs {
        writeln!(
            body,
            "if f.stack.len() > STACK_LIMIT - {} {{ return Err(Status::StackOverflow); }}",
            op.outputs - op.inputs
        )
        .unwrap();
    }
    let cast = if gas == "cost" { " as u64" } else { "" };
    match runner {
        Runner::Fast => {
            if gas != "0" {
                let icast = if gas == "cost" { " as i64" } else { "" };
                writeln!(body, "f.gas.remaining -= {gas}{icast};").unwrap();
            }
            if op.mode == Mode::Flush {
                body.push_str("f.gas.flush()?;\n");
            }
        }
        Runner::Tracing => {
            if gas != "0" {
                writeln!(body, "f.gas.charge({gas}{cast})?;").unwrap();
            }
        }
    }
    body.push_str(&handler_call(op));
    body.push('\n');
    if !op.jumps && !op.terminating {
        writeln!(body, "f.pc += {};", 1 + op.immediate as usize).unwrap();
    }
    format!("// {}\n0x{:02x} => {{\n{body}}}\n", op.name, op.byte)
}

/// `runner.rs` or `tracing_runner.rs`.
pub(crate) fn runner(ops: &[Op], runner: Runner) -> String {
    let mut out = String::from(HEADER);
    let groups: BTreeSet<&str> = ops.iter().map(|o| o.group.as_str()).collect();
    writeln!(out, "use crate::instructions::{{{}}};", groups.into_iter().collect::<Vec<_>>().join(", "))
        .unwrap();
    out.push_str("use super::gas_table::{STATIC_GAS, UNDEFINED_GAS};\n");
    match runner {
        Runner::Fast => out.push_str("use crate::{Buffers, Frame, Host, STACK_LIMIT, Status, Step};\n\n"),
        Runner::Tracing => {
            out.push_str("use crate::{Buffers, Frame, Host, STACK_LIMIT, Status, Step, Tracer};\n\n")
        }
    }
    match runner {
        Runner::Fast => out.push_str(
            "/// Runs `f` until it stops, halts, or asks for a child frame ([`Status::Call`] /\n\
             /// [`Status::Create`]). Static gas is accumulated and checked at `flush` opcodes.\n\
             pub fn run<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Status {\n\
             let gas_table = &STATIC_GAS[f.spec.index()];\n\
             loop {\n\
             let op = f.code.padded()[f.pc];\n\
             if let Err(status) = step(f, b, host, gas_table, op) { return status; }\n\
             }\n}\n\n\
             /// Executes one opcode.\n\
             #[inline(always)]\n\
             fn step<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H, gas_table: &[u16; 256], op: u8) -> Step {\n",
        ),
        Runner::Tracing => out.push_str(
            "/// Like [`run`](crate::run), but charges static gas opcode by opcode and calls `tracer`\n\
             /// before and after every opcode.\n\
             pub fn run_traced<H: Host + ?Sized, T: Tracer + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H, tracer: &mut T) -> Status {\n\
             let gas_table = &STATIC_GAS[f.spec.index()];\n\
             loop {\n\
             let op = f.code.padded()[f.pc];\n\
             tracer.step(f, b, op);\n\
             let result = step(f, b, host, gas_table, op);\n\
             tracer.step_end(f, b, op, result.err());\n\
             if let Err(status) = result { return status; }\n\
             }\n}\n\n\
             /// Executes one opcode.\n\
             #[inline(always)]\n\
             fn step<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H, gas_table: &[u16; 256], op: u8) -> Step {\n",
        ),
    }
    out.push_str("match op {\n");
    for op in ops {
        out.push_str(&arm(op, runner));
    }
    out.push_str("_ => return Err(Status::InvalidOpcode),\n}\nOk(())\n}\n");
    out
}
