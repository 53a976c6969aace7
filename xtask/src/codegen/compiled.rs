//! The compiled tier's generated files: the facts the translator needs about every opcode (and
//! the numbering of its fused instructions), and the compiled runner's dispatch.

use std::collections::BTreeSet;
use std::fmt::Write;

use kestrel_primitives::SpecId;

use super::HEADER;
use super::arm::{Tier, arm, fixed_gas};
use super::table::{Decode, Mode, Op, Shape};

/// The fused instructions, numbered in order in the bytes no fork defines.
const KINDS: &[(&str, &str)] = &[
    ("PUSH_SMALL", "Pushes one value below 2^64: `a | b << 32` (a single PUSHn or PC)."),
    ("PUSH_RUN", "Pushes `count` values from the constants, starting at index `a` (a run of pushes)."),
    ("JUMP_STATIC", "PUSHn + JUMP to a JUMPDEST: arrives at entry `a`."),
    ("JUMPI_STATIC", "PUSHn + JUMPI to a JUMPDEST: entry `a` when taken, else entry `b`."),
    ("JUMP_INVALID", "PUSHn + JUMP to a byte that is not a JUMPDEST: halts with `InvalidJump`."),
    ("JUMPI_INVALID", "PUSHn + JUMPI to a byte that is not a JUMPDEST: halts when taken, else entry `a`."),
    ("ISZERO_JUMPI", "ISZERO + PUSHn + JUMPI to a JUMPDEST: entry `a` when the top is zero, else entry `b`."),
    (
        "ISZERO_JUMPI_INVALID",
        "ISZERO + PUSHn + JUMPI to a byte that is not a JUMPDEST: halts when the top is zero, else entry `a`.",
    ),
    ("SWAP1_JUMP", "SWAP1 + JUMP: jumps to the second item, which the top replaces."),
    ("UNDEFINED", "A byte no fork defines: halts with `InvalidOpcode`."),
];

/// Binary operators fused with the instruction before them (profiles, DESIGN.md): DUPn +
/// operator (5-10 % of the opcodes the compute-bound workloads run) and a push of a constant
/// below 2^64 + operator (5-11 % of burntpix, factorial, bswap64, weth). Each with its own
/// function and whether its result is a flag (`set_top_flag`) rather than a word. Operators here
/// must be stack opcodes of fixed gas.
const FUSED_OPERATORS: &[(&str, &str, bool)] = &[
    ("ADD", "arithmetic::add", false),
    ("SUB", "arithmetic::sub", false),
    ("MUL", "arithmetic::mul", false),
    ("LT", "bitwise::lt", true),
    ("GT", "bitwise::gt", true),
    ("SLT", "bitwise::slt", true),
    ("SGT", "bitwise::sgt", true),
    ("EQ", "bitwise::eq", true),
    ("AND", "bitwise::and", false),
    ("OR", "bitwise::or", false),
    ("BYTE", "bitwise::byte", false),
    ("SHL", "bitwise::shl", false),
    ("SHR", "bitwise::shr", false),
];

/// The two fusions of every operator: the kind's name prefix, its doc, and the function of
/// `compiled` that runs it (`_flag` appended for a comparison).
const FUSIONS: &[(&str, &str, &str)] = &[
    ("DUP", "DUPn + {op}: the top becomes item `a` (1-based) {op} the top, no copy made.", "dup_then"),
    (
        "PUSH",
        "PUSHn + {op}: the top becomes the constant `a | b << 32` {op} the top, nothing pushed.",
        "push_then",
    ),
];

/// Every fused kind, in numbering order: [`KINDS`] with the [`FUSIONS`] before its last,
/// `UNDEFINED` (which takes every other undefined byte too).
fn all_kinds() -> Vec<(String, String)> {
    let (undefined, rest) = KINDS.split_last().expect("kinds");
    rest.iter()
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .chain(FUSIONS.iter().flat_map(|(prefix, doc, _)| {
            FUSED_OPERATORS.iter().map(move |(op, _, _)| (format!("{prefix}_{op}"), doc.replace("{op}", op)))
        }))
        .chain([(undefined.0.to_string(), undefined.1.to_string())])
        .collect()
}

/// The bytes of the fused kinds, in [`all_kinds`] order.
fn kind_bytes(ops: &[Op]) -> Vec<u8> {
    (0..=255u8).filter(|b| ops.iter().all(|o| o.byte != *b)).take(all_kinds().len()).collect()
}

/// Checks what the compiled tier relies on: the fused kinds fit in undefined bytes, and every
/// opcode whose gas differs between forks is a flush opcode (so it charges itself, and segment
/// charges only hold fork-independent gas).
pub(crate) fn validate(ops: &[Op]) -> Result<(), String> {
    if kind_bytes(ops).len() < all_kinds().len() {
        return Err("not enough undefined bytes for the compiled tier's fused instructions".into());
    }
    for (name, _, _) in FUSED_OPERATORS {
        match ops.iter().find(|o| o.name == *name) {
            Some(op) if op.shape == Shape::Stack && op.mode != Mode::Flush && fixed_gas(op).is_some() => {}
            _ => return Err(format!("{name}: a fused operator needs a stack opcode of fixed gas")),
        }
    }
    for op in ops {
        if fixed_gas(op).is_none() && op.mode != Mode::Flush {
            return Err(format!("{}: gas differs between forks, so it must be a flush opcode", op.name));
        }
    }
    Ok(())
}

/// `crates/bytecode/src/generated/program.rs`: fused kinds and opcode facts for translation.
pub(crate) fn program_facts(ops: &[Op]) -> String {
    let mut out = String::from(HEADER);
    let kinds = all_kinds();
    for ((name, doc), byte) in kinds.iter().zip(kind_bytes(ops)) {
        writeln!(out, "/// {doc}\npub const {name}: u8 = 0x{byte:02x};").unwrap();
    }
    for (prefix, _, _) in FUSIONS {
        writeln!(
            out,
            "\n/// The fused {prefix} + operator kind of every operator byte; 0 for the others.\n\
             pub(super) static {prefix}_FUSION: [u8; 256] = {{\nlet mut t = [0u8; 256];"
        )
        .unwrap();
        for (name, _, _) in FUSED_OPERATORS {
            let op = ops.iter().find(|o| o.name == *name).expect("validated");
            writeln!(out, "t[0x{:02x}] = {prefix}_{name};", op.byte).unwrap();
        }
        out.push_str("t\n};\n");
    }
    out.push_str(
        "\n/// Marks an opcode whose static gas differs between forks (it charges itself).\n\
         pub(super) const VARYING_GAS: u16 = u16::MAX;\n\n\
         /// What translation needs to know of every byte.\n\
         pub(super) static FACTS: [super::OpFacts; 256] = {\nlet mut t = [\n",
    );
    let facts = |op: &Op| {
        format!(
            "super::OpFacts {{ fixed_gas: {}, flush: {}, resumes: {} }}",
            fixed_gas(op).map_or("VARYING_GAS".to_string(), |g| g.to_string()),
            op.mode == Mode::Flush,
            op.shape == Shape::Host && !op.terminating && !op.jumps,
        )
    };
    for byte in 0..=255u8 {
        match ops.iter().find(|o| o.byte == byte && !o.test_only) {
            Some(op) => writeln!(out, "{},", facts(op)).unwrap(),
            None => out.push_str("super::OpFacts { fixed_gas: 0, flush: true, resumes: false },\n"),
        }
    }
    out.push_str("];\n");
    for op in ops.iter().filter(|o| o.test_only) {
        writeln!(out, "if cfg!(feature = \"test-opcodes\") {{ t[0x{:02x}] = {}; }}", op.byte, facts(op))
            .unwrap();
    }
    out.push_str("t\n};\n");
    out
}

/// `crates/interpreter/src/generated/compiled_runner.rs`.
pub(crate) fn runner(ops: &[Op]) -> String {
    let mut out = String::from(HEADER);
    let groups: BTreeSet<&str> = ops.iter().map(|o| o.group.as_str()).collect();
    writeln!(out, "use crate::instructions::{{{}}};", groups.into_iter().collect::<Vec<_>>().join(", "))
        .unwrap();
    out.push_str(
        "use crate::static_gas::STATIC_GAS;\n\
         use crate::arm::{self, ok};\n\
         use crate::compiled;\n\
         use crate::regs::Regs;\n\
         use crate::{Buffers, Frame, Host, Status};\n\
         use kestrel_bytecode::program::Program;\n\n\
         /// Runs `f` on its translated program `p` (see `kestrel_bytecode::program`) until it stops,\n\
         /// halts or asks for a child frame, from the arrival point at `f`'s pc. The same handlers as\n\
         /// the interpreter's fast runner; fixed static gas is charged once per segment.\n\
         /// `None` when `f`'s pc is not an arrival point of `p` (the caller interprets instead).\n\
         pub(crate) fn run_program<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H, p: &Program) -> Option<Status> {\n\
         let gas_table = &STATIC_GAS[f.spec.index()];\n\
         let start = p.entry_at(f.pc)?;\n\
         let mut r = Regs::load(f);\n\
         let mut ip;\n\
         match compiled::arrive(&mut r, start) {\n\
         Ok(()) => ip = compiled::Ip::at(p, start),\n\
         Err(status) => { compiled::save(&r, f); return Some(status); }\n\
         }\n\
         let status = 'run: loop {\n\
         let inst = ip.inst();\n\
         match inst.kind {\n",
    );
    let kinds = kind_bytes(ops);
    let never: BTreeSet<u8> = ops
        .iter()
        .filter(|o| o.decode == Decode::Value || o.name == "PC" || o.name == "JUMPDEST")
        .map(|o| o.byte)
        .collect();
    let names = all_kinds();
    let k = |name: &str| kinds[names.iter().position(|(n, _)| n == name).expect("a kind")];
    // The control flow: each a function of `compiled`, moving `ip` or leaving the loop.
    let control = [
        ("JUMP", "jump(&mut r, p)"),
        ("JUMPI", "jumpi(&mut r, p, inst)"),
        ("JUMP_STATIC", "jump_static(&mut r, p, inst)"),
        ("JUMPI_STATIC", "jumpi_static(&mut r, p, inst)"),
        ("JUMPI_INVALID", "jumpi_invalid(&mut r, p, inst)"),
        ("ISZERO_JUMPI", "iszero_jumpi(&mut r, p, inst)"),
        ("ISZERO_JUMPI_INVALID", "iszero_jumpi_invalid(&mut r, p, inst)"),
        ("SWAP1_JUMP", "swap1_jump(&mut r, p)"),
    ];
    let control_byte = |name: &str| match ops.iter().find(|o| o.name == name) {
        Some(op) => op.byte,
        None => k(name),
    };
    for op in ops {
        if never.contains(&op.byte) || control.iter().any(|(n, _)| *n == op.name) {
            continue;
        }
        out.push_str(&arm(op, Tier::Compiled));
    }
    for (name, call) in control {
        writeln!(out, "// {name}\n0x{:02x} => ip = ok!('run, compiled::{call}),", control_byte(name))
            .unwrap();
    }
    writeln!(
        out,
        "// JUMP_INVALID\n0x{:02x} => ok!('run, compiled::jump_invalid(&mut r)),\n\
         // PUSH_SMALL\n0x{:02x} => {{ compiled::push_small(&mut r.sp, inst); ip.next(); }}\n\
         // PUSH_RUN\n0x{:02x} => {{ compiled::push_run(&mut r.sp, p, inst); ip.next(); }}",
        k("JUMP_INVALID"),
        k("PUSH_SMALL"),
        k("PUSH_RUN"),
    )
    .unwrap();
    for (prefix, _, function) in FUSIONS {
        for (name, operator, flag) in FUSED_OPERATORS {
            let op = ops.iter().find(|o| o.name == *name).expect("validated");
            // An operator of a later fork halts as undefined where the plain one would.
            let gate = if op.since == SpecId::Frontier {
                String::new()
            } else {
                format!(
                    "ok!('run, compiled::charge(&mut r, gas_table[0x{:02x}], true, false, false)); ",
                    op.byte
                )
            };
            let suffix = if *flag { "_flag" } else { "" };
            writeln!(
                out,
                "// {prefix}_{name}\n0x{:02x} => {{ {gate}compiled::{function}{suffix}(&mut r.sp, inst, {operator}); ip.next(); }}",
                k(&format!("{prefix}_{name}"))
            )
            .unwrap();
        }
    }
    out.push_str(&super::emit::test_only_undefined(ops));
    let rest: Vec<String> = (0..=255u8)
        .filter(|b| {
            never.contains(b) || (ops.iter().all(|o| o.byte != *b) && !kinds[..names.len() - 1].contains(b))
        })
        .map(|b| format!("0x{b:02x}"))
        .collect();
    writeln!(
        out,
        "// UNDEFINED and every other undefined byte; pushes, PC and JUMPDEST (never in a program).\n\
         {} => break 'run core::hint::black_box(Status::InvalidOpcode),\n}}",
        rest.join(" | "),
    )
    .unwrap();
    out.push_str(
        "};\n\
         compiled::save(&r, f);\n\
         Some(status)\n}\n",
    );
    out
}
