//! Rendering the generated files from the validated table.

use std::collections::BTreeSet;
use std::fmt::Write;

use kestrel_primitives::SpecId;

use super::HEADER;
use super::arm::{Tier, arm};
use super::table::Op;

/// The cfg attribute of a table-only opcode of test builds.
pub(crate) const TEST_CFG: &str = "#[cfg(feature = \"test-opcodes\")]";

/// `crates/bytecode/src/generated/opcodes.rs`: constants and the info table.
pub(crate) fn opcodes(ops: &[Op]) -> String {
    let mut out = String::from(HEADER);
    for op in ops {
        let cfg = if op.test_only { format!("{TEST_CFG}\n") } else { String::new() };
        writeln!(
            out,
            "/// `{}` (0x{:02x}), from {:?}.\n{cfg}pub const {}: u8 = 0x{:02x};",
            op.name, op.byte, op.since, op.name, op.byte
        )
        .unwrap();
    }
    let info = |op: &Op| {
        format!(
            "super::row(\"{}\", {}, super::Decode::{:?}, {}, {}, {}, {})",
            op.name,
            op.immediate,
            op.decode,
            op.inputs,
            op.outputs,
            op.min_gas(),
            op.ends_block()
        )
    };
    // Table-only opcodes of test builds are set in a test build only (`cfg!`, so both builds
    // compile the same text).
    let tests: Vec<&Op> = ops.iter().filter(|o| o.test_only).collect();
    out.push_str("\n/// Facts about every opcode byte; `None` where no fork assigns the byte.\n");
    out.push_str("pub static OPCODE_INFO: [Option<super::OpInfo>; 256] = {\nlet mut t = [\n");
    for byte in 0..=255u8 {
        match ops.iter().find(|o| o.byte == byte && !o.test_only) {
            Some(op) => writeln!(out, "{},", info(op)).unwrap(),
            None => out.push_str("None,\n"),
        }
    }
    out.push_str("];\n");
    for op in &tests {
        writeln!(out, "if cfg!(feature = \"test-opcodes\") {{ t[0x{:02x}] = {}; }}", op.byte, info(op))
            .unwrap();
    }
    out.push_str("t\n};\n");
    out.push_str(
        "\n/// Bytes of immediate data after each opcode byte (zero where no fork assigns the byte): \
         what the interpreter steps over and JUMPDEST analysis skips.\n",
    );
    out.push_str("pub static IMMEDIATE_SIZE: [u8; 256] = {\nlet mut t = [\n");
    for byte in 0..=255u8 {
        let size = ops.iter().find(|o| o.byte == byte && !o.test_only).map_or(0, |o| o.immediate);
        writeln!(out, "{size},").unwrap();
    }
    out.push_str("];\n");
    for op in &tests {
        writeln!(out, "if cfg!(feature = \"test-opcodes\") {{ t[0x{:02x}] = {}; }}", op.byte, op.immediate)
            .unwrap();
    }
    out.push_str("t\n};\n");
    out
}

/// `crates/interpreter/src/generated/gas_table.rs`: every opcode's static gas, one row per
/// opcode with the forks where it changes (`crate::static_gas` builds the per-fork tables).
pub(crate) fn gas_table(ops: &[Op]) -> String {
    let mut out = String::from(HEADER);
    out.push_str("use kestrel_primitives::SpecId;\n\n");
    out.push_str(
        "/// Every defined opcode's static gas: `(byte, [(fork, gas from that fork on)])`, the forks in\n\
         /// order, the first the one that introduced the opcode.\n\
         pub(crate) const SCHEDULE: &[(u8, &[(SpecId, u16)])] = &[\n",
    );
    let mut tests = String::new();
    for op in ops {
        let mut steps = Vec::new();
        let mut last = None;
        for spec in SpecId::ALL {
            let gas = op.gas[spec.index()];
            if gas != last {
                let g = gas.expect("an opcode stays defined once introduced");
                steps.push(format!("(SpecId::{spec:?}, {g})"));
                last = gas;
            }
        }
        let row = format!("(0x{:02x}, &[{}]), // {}\n", op.byte, steps.join(", "), op.name);
        if op.test_only { tests.push_str(&row) } else { out.push_str(&row) }
    }
    out.push_str("];\n");
    out.push_str(
        "\n/// The table-only opcodes of test builds, as [`SCHEDULE`]; empty in other builds.\n\
         pub(crate) const TEST_SCHEDULE: &[(u8, &[(SpecId, u16)])] = if cfg!(feature = \"test-opcodes\") { &[\n",
    );
    out.push_str(&tests);
    out.push_str("] } else { &[] };\n");
    out
}

/// `runner.rs`: one dispatch body, instantiated twice by a const flag: [`run`] without tracing
/// (static gas accumulated between flush points) and `run_traced` (exact gas per opcode, a tracer
/// called around each).
pub(crate) fn runner(ops: &[Op]) -> String {
    let mut out = String::from(HEADER);
    let groups: BTreeSet<&str> = ops.iter().map(|o| o.group.as_str()).collect();
    writeln!(out, "use crate::instructions::{{{}}};", groups.into_iter().collect::<Vec<_>>().join(", "))
        .unwrap();
    out.push_str("use crate::static_gas::STATIC_GAS;\n");
    out.push_str("use crate::arm::{self, ok};\n");
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
         if !TRACE && let Err(status) = r.check_run(f) { r.save(f); return status; }\n\
         let mut op;\n\
         let status = 'run: loop {\n\
         op = r.opcode();
\
         // A tracer may refuse the opcode: the frame halts before it runs.
\
         if TRACE { r.save(f); if tracer.step(f, b, op) == Control::Halt { break 'run Status::Interrupted; } }
\
         match op {
",
    );
    for op in ops {
        out.push_str(&arm(op, Tier::Interpreter));
    }
    out.push_str(&test_only_undefined(ops));
    // Every byte has an arm (no `_`), so the compiled jump table needs no range check.
    let undefined: Vec<String> =
        (0..=255u8).filter(|b| ops.iter().all(|o| o.byte != *b)).map(|b| format!("0x{b:02x}")).collect();
    writeln!(
        out,
        "// Bytes no fork defines. (`black_box` gives them a block of their own: a constant status\n\
         // would be set before every dispatch, for the jump table's direct edges to the exit.)\n\
         {} => break 'run core::hint::black_box(Status::InvalidOpcode),\n}}",
        undefined.join(" | "),
    )
    .unwrap();
    out.push_str(
        "if TRACE { r.save(f); tracer.step_end(f, b, op, None); }\n\
         };\n\
         r.save(f);\n\
         // Every halt leaves the loop through `ok!` (or the undefined bytes' arm), mid-opcode.\n\
         if TRACE { tracer.step_end(f, b, op, Some(status)); }\n\
         status\n}\n",
    );
    out
}

/// The arms of the table-only opcodes in builds without them: undefined bytes.
pub(crate) fn test_only_undefined(ops: &[Op]) -> String {
    ops.iter()
        .filter(|o| o.test_only)
        .map(|o| {
            format!(
                "#[cfg(not(feature = \"test-opcodes\"))]\n0x{:02x} => break 'run core::hint::black_box(Status::InvalidOpcode),\n",
                o.byte
            )
        })
        .collect()
}
