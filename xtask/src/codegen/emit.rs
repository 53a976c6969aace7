//! Rendering the generated files from the validated table.

use std::collections::BTreeSet;
use std::fmt::Write;

use kestrel_primitives::SpecId;

use super::HEADER;
use super::table::{BlockEntry, Mode, Op, Shape};

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
                "Some(super::OpInfo {{ name: \"{}\", immediate: {}, inputs: {}, outputs: {}, min_gas: {}, ends_block: {} }}),",
                op.name,
                op.immediate,
                op.inputs,
                op.outputs,
                op.min_gas(),
                op.ends_block()
            )
            .unwrap(),
            None => out.push_str("None,\n"),
        }
    }
    out.push_str("];\n");
    out.push_str(
        "\n/// Bytes of immediate data after each opcode byte (zero where no fork assigns the byte): \
         what JUMPDEST analysis skips.\n",
    );
    out.push_str("pub static IMMEDIATE_SIZE: [u8; 256] = [\n");
    for byte in 0..=255u8 {
        let size = ops.iter().find(|o| o.byte == byte).map_or(0, |o| o.immediate);
        writeln!(out, "{size},").unwrap();
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

/// Leaves the loop with `status` (the tracing instantiation first reports it to the tracer).
/// Each failure breaks straight out, so the success path carries no `Result` to test.
fn fail(status: &str) -> String {
    format!("{{ if TRACE {{ r.save(f); tracer.step_end(f, b, op, Some({status})); }} break 'run {status}; }}")
}

/// Runs `step` (a [`Step`]-valued expression) and leaves the opcode when it fails.
fn attempt(step: &str) -> String {
    format!("if let Err(status) = {step} {}\n", fail("status"))
}

/// The call of one handler, by shape.
fn handler_call(op: &Op) -> String {
    let path = match (op.shape, op.handler.strip_suffix('>')) {
        // A host handler with const generics also names the host type.
        (Shape::Host, Some(generic)) => format!("{}::{generic}, H>", op.group),
        _ => format!("{}::{}", op.group, op.handler),
    };
    match op.shape {
        Shape::Stack => format!("{path}(&mut r.sp);\n"),
        // The handler works on a copy of the registers that is written back after it: should
        // the compiler keep the handler out of line, only the copy's address escapes, so the
        // loop's own registers stay in machine registers.
        Shape::Frame => {
            format!(
                "let mut regs = r;\nlet result = {path}(&mut regs, f, b);\nr = regs;\n{}",
                attempt("result")
            )
        }
        // The host may look at the frame (and CALL/CREATE move its pc): registers out, call,
        // registers back in, and only then leave on a halt.
        Shape::Host => {
            format!("r.save(f);\nlet result = {path}(f, b, host);\nr = Regs::load(f);\n{}", attempt("result"))
        }
    }
}

/// The body of one opcode's match arm.
fn arm(op: &Op) -> String {
    let mut body = String::new();
    let gas = match op.constant_gas() {
        Some(g) => g.to_string(),
        None => {
            writeln!(body, "let cost = gas_table[0x{:02x}];", op.byte).unwrap();
            if op.since != SpecId::Frontier {
                writeln!(body, "if cost == UNDEFINED_GAS {}", fail("Status::InvalidOpcode")).unwrap();
            }
            "cost".to_string()
        }
    };
    // The fast runner checked the whole run's stack bounds where control arrived (see
    // `run_check`); only the tracing runner checks opcode by opcode, for exact halt points.
    if op.inputs > 0 {
        writeln!(body, "if TRACE && r.sp.has_fewer_than({}) {}", op.inputs, fail("Status::StackUnderflow"))
            .unwrap();
    }
    if op.outputs > op.inputs {
        writeln!(
            body,
            "if TRACE && r.sp.has_no_room_for({}) {}",
            op.outputs - op.inputs,
            fail("Status::StackOverflow")
        )
        .unwrap();
    }
    // Where control arrives at a straight-line run, the fast runner checks the run's static gas
    // and stack bounds (from the bytecode analysis): gas accumulation alone would let an
    // underfunded frame run a whole block before its deficit is seen, and with the stack bounds
    // checked once per run no opcode inside it needs its own check. Exact: gas never grows and
    // stack effects are fixed inside a run, so a run that fails the check must halt before its
    // end, and every exceptional halt has the same effect. The tracing runner checks each opcode.
    let run_check = format!("if !TRACE && let Err(status) = r.check_run() {}\n", fail("status"));
    let flush = if op.mode == Mode::Flush { attempt("r.gas.flush()") } else { String::new() };
    if gas != "0" {
        let (ucast, icast) = if gas == "cost" { (" as u64", " as i64") } else { ("", "") };
        writeln!(
            body,
            "if TRACE {{ {} }} else {{ r.gas.remaining -= {gas}{icast};\n{flush}}}",
            attempt(&format!("r.gas.charge({gas}{ucast})"))
        )
        .unwrap();
    } else if op.mode == Mode::Flush {
        writeln!(body, "if !TRACE && let Err(status) = r.gas.flush() {}", fail("status")).unwrap();
    }
    body.push_str(&handler_call(op));
    if op.enters_block == BlockEntry::After {
        body.push_str(&run_check);
    }
    if !op.jumps && !op.terminating {
        writeln!(body, "r.advance({});", 1 + op.immediate as usize).unwrap();
    }
    format!("// {}\n0x{:02x} => {{\n{body}}}\n", op.name, op.byte)
}

/// `runner.rs`: one dispatch body, instantiated twice by a const flag: [`run`] without tracing
/// (static gas accumulated between flush points) and `run_traced` (exact gas per opcode, a tracer
/// called around each).
pub(crate) fn runner(ops: &[Op]) -> String {
    let mut out = String::from(HEADER);
    let groups: BTreeSet<&str> = ops.iter().map(|o| o.group.as_str()).collect();
    writeln!(out, "use crate::instructions::{{{}}};", groups.into_iter().collect::<Vec<_>>().join(", "))
        .unwrap();
    out.push_str("use super::gas_table::{STATIC_GAS, UNDEFINED_GAS};\n");
    out.push_str("use crate::regs::Regs;\n");
    out.push_str("use crate::{Buffers, Control, Frame, Host, NoopTracer, Status, Tracer};\n\n");
    out.push_str(
        "/// The fast instantiation of the dispatch loop: runs `f` until it stops, halts, or asks\n\
         /// for a child frame. Static gas is accumulated and checked at `flush` opcodes; the\n\
         /// instruction pointer, stack pointer and gas live in registers ([`Regs`]) and are written\n\
         /// back to `f` when the loop returns. Entered only through [`crate::run`] and\n\
         /// [`crate::run_compiled`], which check the frame first ([`Frame::enter`]).\n\
         pub(crate) fn interpret<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Status {\n\
         run_loop::<H, NoopTracer, false>(f, b, host, &mut NoopTracer)\n}\n\n\
         /// Like [`interpret`], but charges static gas opcode by opcode and calls `tracer` before and\n\
         /// after every opcode, with the frame up to date. Entered only through [`crate::run_traced`].\n\
         pub(crate) fn interpret_traced<H: Host + ?Sized, T: Tracer + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H, tracer: &mut T) -> Status {\n\
         run_loop::<H, T, true>(f, b, host, tracer)\n}\n\n\
         /// The dispatch loop; `TRACE` is a constant, so the fast instantiation has no trace code.\n\
         #[inline(always)]\n\
         fn run_loop<H: Host + ?Sized, T: Tracer + ?Sized, const TRACE: bool>(f: &mut Frame, b: &mut Buffers, host: &mut H, tracer: &mut T) -> Status {\n\
         let gas_table = &STATIC_GAS[f.spec.index()];\n\
         let mut r = Regs::load(f);\n\
         // Arriving at pc 0, or resuming after a call in the middle of a run: check the rest.\n\
         if !TRACE && let Err(status) = r.check_run() { r.save(f); return status; }\n\
         let status = 'run: loop {\n\
         let op = r.opcode();\n",
    );
    // A tracer may refuse the opcode: the frame halts before it runs.
    writeln!(
        out,
        "if TRACE {{ r.save(f); if tracer.step(f, b, op) == Control::Halt {} }}",
        fail("Status::Interrupted")
    )
    .unwrap();
    out.push_str("match op {\n");
    for op in ops {
        out.push_str(&arm(op));
    }
    // Every byte has an arm (no `_`), so the compiled jump table needs no range check.
    let undefined: Vec<String> =
        (0..=255u8).filter(|b| ops.iter().all(|o| o.byte != *b)).map(|b| format!("0x{b:02x}")).collect();
    writeln!(
        out,
        "// Bytes no fork defines. (`black_box` gives them a block of their own: a constant status\n\
         // would be set before every dispatch, for the jump table's direct edges to the exit.)\n\
         {} => {{ let status = core::hint::black_box(Status::InvalidOpcode); {} }}\n}}",
        undefined.join(" | "),
        fail("status")
    )
    .unwrap();
    out.push_str(
        "if TRACE { r.save(f); tracer.step_end(f, b, op, None); }\n\
         };\n\
         r.save(f);\n\
         status\n}\n",
    );
    out
}
