//! The compiled tier's generated files: the facts the translator needs about every opcode (and
//! the numbering of its fused instructions), and the compiled runner's dispatch.

use std::collections::BTreeSet;
use std::fmt::Write;

use kestrel_primitives::SpecId;

use super::HEADER;
use super::table::{Mode, Op, Shape};

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
/// below 2^64 + operator (5-11 % of burntpix, factorial, bswap64, weth). Each with the
/// statement that writes its result over the top from `a` (what the first instruction would
/// push: item n, or the constant) and `b` (the top), with the operator's own function.
/// Operators here must be stack opcodes of fixed gas.
const FUSED_OPERATORS: &[(&str, &str)] = &[
    ("ADD", "r.sp.set_top(arithmetic::add(a, b))"),
    ("SUB", "r.sp.set_top(arithmetic::sub(a, b))"),
    ("MUL", "r.sp.set_top(arithmetic::mul(a, b))"),
    ("LT", "r.sp.set_top_flag(bitwise::lt(a, b))"),
    ("GT", "r.sp.set_top_flag(bitwise::gt(a, b))"),
    ("SLT", "r.sp.set_top_flag(bitwise::slt(a, b))"),
    ("SGT", "r.sp.set_top_flag(bitwise::sgt(a, b))"),
    ("EQ", "r.sp.set_top_flag(bitwise::eq(a, b))"),
    ("AND", "r.sp.set_top(bitwise::and(a, b))"),
    ("OR", "r.sp.set_top(bitwise::or(a, b))"),
    ("BYTE", "r.sp.set_top(bitwise::byte(a, b))"),
    ("SHL", "r.sp.set_top(bitwise::shl(a, b))"),
    ("SHR", "r.sp.set_top(bitwise::shr(a, b))"),
];

/// The two fusions of every operator: the kind's name prefix, its doc, and how the arm reads
/// `a` and `b`.
const FUSIONS: &[(&str, &str, &str)] = &[
    (
        "DUP",
        "DUPn + {op}: the top becomes item `a` (1-based) {op} the top, no copy made.",
        "r.sp.dup_top(inst.a as usize)",
    ),
    (
        "PUSH",
        "PUSHn + {op}: the top becomes the constant `a | b << 32` {op} the top, nothing pushed.",
        "(compiled::small_value(inst), r.sp.top_value())",
    ),
];

/// Every fused kind, in numbering order: [`KINDS`] with the [`FUSIONS`] before its last,
/// `UNDEFINED` (which takes every other undefined byte too).
fn all_kinds() -> Vec<(String, String)> {
    let (undefined, rest) = KINDS.split_last().expect("kinds");
    rest.iter()
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .chain(FUSIONS.iter().flat_map(|(prefix, doc, _)| {
            FUSED_OPERATORS.iter().map(move |(op, _)| (format!("{prefix}_{op}"), doc.replace("{op}", op)))
        }))
        .chain([(undefined.0.to_string(), undefined.1.to_string())])
        .collect()
}

/// The static gas when it is the same in every fork that defines the opcode.
fn fixed_gas(op: &Op) -> Option<u16> {
    let defined: BTreeSet<u16> = op.gas.iter().flatten().copied().collect();
    (defined.len() == 1).then(|| *defined.first().expect("one value"))
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
    for (name, _) in FUSED_OPERATORS {
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
        for (name, _) in FUSED_OPERATORS {
            let op = ops.iter().find(|o| o.name == *name).expect("validated");
            writeln!(out, "t[0x{:02x}] = {prefix}_{name};", op.byte).unwrap();
        }
        out.push_str("t\n};\n");
    }
    out.push_str(
        "\n/// Marks an opcode whose static gas differs between forks (it charges itself).\n\
         pub(super) const VARYING_GAS: u16 = u16::MAX;\n\n\
         /// What translation needs to know of every byte.\n\
         pub(super) static FACTS: [super::OpFacts; 256] = [\n",
    );
    for byte in 0..=255u8 {
        let (gas, flush, resumes) = match ops.iter().find(|o| o.byte == byte) {
            Some(op) => (
                fixed_gas(op).map_or("VARYING_GAS".to_string(), |g| g.to_string()),
                op.mode == Mode::Flush,
                op.shape == Shape::Host && !op.terminating && !op.jumps,
            ),
            None => ("0".to_string(), true, false),
        };
        writeln!(out, "super::OpFacts {{ fixed_gas: {gas}, flush: {flush}, resumes: {resumes} }},").unwrap();
    }
    out.push_str("];\n");
    out
}

/// Leaves the loop with `status`.
fn fail(status: &str) -> String {
    format!("{{ break 'run {status}; }}")
}

fn attempt(step: &str) -> String {
    format!("if let Err(status) = {step} {}\n", fail("status"))
}

/// The arm of an opcode run by its own handler.
fn arm(op: &Op) -> String {
    let mut body = String::new();
    if op.since != SpecId::Frontier {
        writeln!(body, "if gas_table[0x{:02x}] == UNDEFINED_GAS {}", op.byte, fail("Status::InvalidOpcode"))
            .unwrap();
    }
    if fixed_gas(op).is_none() {
        writeln!(body, "r.gas.remaining -= gas_table[0x{:02x}] as i64;", op.byte).unwrap();
    }
    if op.mode == Mode::Flush {
        body.push_str(&attempt("r.gas.flush()"));
    }
    let path = match (op.shape, op.handler.strip_suffix('>')) {
        (Shape::Host, Some(generic)) => format!("{}::{generic}, H>", op.group),
        _ => format!("{}::{}", op.group, op.handler),
    };
    match op.shape {
        Shape::Stack => writeln!(body, "{path}(&mut r.sp);").unwrap(),
        Shape::Frame => write!(
            body,
            "let mut regs = r;\nlet result = {path}(&mut regs, f, b);\nr = regs;\n{}",
            attempt("result")
        )
        .unwrap(),
        Shape::Host => write!(
            body,
            "f.stack.set_from(r.sp);\nf.gas = r.gas;\nf.pc = inst.pc as usize;\n\
             let result = {path}(f, b, host);\nr.sp = f.stack.sp();\nr.gas = f.gas;\n{}",
            attempt("result")
        )
        .unwrap(),
    }
    if op.mode == Mode::Flush && !op.terminating {
        body.push_str(
            "// The fixed gas of the segment after this flush opcode.\nr.gas.remaining -= inst.a as i64;\n",
        );
    }
    if !op.terminating {
        body.push_str("ip.next();\n");
    }
    format!("// {}\n0x{:02x} => {{\n{body}}}\n", op.name, op.byte)
}

/// Arrives at entry `e` (an `&Entry` expression) or leaves the loop.
fn arrive(e: &str) -> String {
    let bind = if e == "e" { String::new() } else { format!("let e = {e}; ") };
    format!("{{ {bind}{}ip = compiled::Ip::at(p, e); }}\n", attempt("compiled::arrive(&mut r, e)"))
}

/// `crates/interpreter/src/generated/compiled_runner.rs`.
pub(crate) fn runner(ops: &[Op]) -> String {
    let mut out = String::from(HEADER);
    let groups: BTreeSet<&str> = ops.iter().map(|o| o.group.as_str()).collect();
    writeln!(out, "use crate::instructions::{{{}}};", groups.into_iter().collect::<Vec<_>>().join(", "))
        .unwrap();
    out.push_str(
        "use super::gas_table::{STATIC_GAS, UNDEFINED_GAS};\n\
         use crate::compiled;\n\
         use crate::memory::to_saturated;\n\
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
        .filter(|o| o.immediate > 0 || o.name == "PC" || o.name == "JUMPDEST")
        .map(|o| o.byte)
        .collect();
    for op in ops {
        if never.contains(&op.byte) {
            continue;
        }
        match op.name.as_str() {
            "JUMP" => writeln!(
                out,
                "// JUMP to a target known only at run time\n0x{:02x} => {{\n{}let target = to_saturated(r.sp.pop_limbs());\n\
                 match p.jump_entry(target) {{ Some(e) => {} None => {} }}\n}}",
                op.byte,
                attempt("r.gas.flush()"),
                arrive("e"),
                fail("Status::InvalidJump")
            )
            .unwrap(),
            "JUMPI" => writeln!(
                out,
                "// JUMPI to a target known only at run time\n0x{:02x} => {{\n{}let target = to_saturated(r.sp.pop_limbs());\n\
                 if r.sp.pop_is_zero() {} else {{ match p.jump_entry(target) {{ Some(e) => {} None => {} }} }}\n}}",
                op.byte,
                attempt("r.gas.flush()"),
                arrive("compiled::entry(p, inst.a)"),
                arrive("e"),
                fail("Status::InvalidJump")
            )
            .unwrap(),
            _ => out.push_str(&arm(op)),
        }
    }
    let names = all_kinds();
    let k = |name: &str| kinds[names.iter().position(|(n, _)| n == name).expect("a kind")];
    writeln!(
        out,
        "// PUSH_SMALL\n0x{:02x} => {{ compiled::push_small(&mut r.sp, inst); ip.next(); }}\n\
         // PUSH_RUN\n0x{:02x} => {{ compiled::push_run(&mut r.sp, p, inst); ip.next(); }}\n\
         // JUMP_STATIC\n0x{:02x} => {{ {}{} }}\n\
         // JUMPI_STATIC\n0x{:02x} => {{ {}if r.sp.pop_is_zero() {} else {} }}\n\
         // JUMP_INVALID\n0x{:02x} => {{ {}{} }}\n\
         // JUMPI_INVALID\n0x{:02x} => {{ {}if r.sp.pop_is_zero() {} else {} }}",
        k("PUSH_SMALL"),
        k("PUSH_RUN"),
        k("JUMP_STATIC"),
        attempt("r.gas.flush()"),
        arrive("compiled::entry(p, inst.a)"),
        k("JUMPI_STATIC"),
        attempt("r.gas.flush()"),
        arrive("compiled::entry(p, inst.b)"),
        arrive("compiled::entry(p, inst.a)"),
        k("JUMP_INVALID"),
        attempt("r.gas.flush()"),
        fail("Status::InvalidJump"),
        k("JUMPI_INVALID"),
        attempt("r.gas.flush()"),
        arrive("compiled::entry(p, inst.a)"),
        fail("Status::InvalidJump"),
    )
    .unwrap();
    writeln!(
        out,
        "// ISZERO_JUMPI\n0x{:02x} => {{ {}if r.sp.pop_is_zero() {} else {} }}\n\
         // ISZERO_JUMPI_INVALID\n0x{:02x} => {{ {}if r.sp.pop_is_zero() {} else {} }}\n\
         // SWAP1_JUMP\n0x{:02x} => {{ {}let target = to_saturated(compiled::swap1_pop(&mut r.sp));\n\
         match p.jump_entry(target) {{ Some(e) => {} None => {} }} }}",
        k("ISZERO_JUMPI"),
        attempt("r.gas.flush()"),
        arrive("compiled::entry(p, inst.a)"),
        arrive("compiled::entry(p, inst.b)"),
        k("ISZERO_JUMPI_INVALID"),
        attempt("r.gas.flush()"),
        fail("Status::InvalidJump"),
        arrive("compiled::entry(p, inst.a)"),
        k("SWAP1_JUMP"),
        attempt("r.gas.flush()"),
        arrive("e"),
        fail("Status::InvalidJump"),
    )
    .unwrap();
    for (prefix, _, operands) in FUSIONS {
        for (name, statement) in FUSED_OPERATORS {
            let op = ops.iter().find(|o| o.name == *name).expect("validated");
            // An operator of a later fork halts as undefined where the plain one would.
            let gate = if op.since == SpecId::Frontier {
                String::new()
            } else {
                format!("if gas_table[0x{:02x}] == UNDEFINED_GAS {}", op.byte, fail("Status::InvalidOpcode"))
            };
            writeln!(
                out,
                "// {prefix}_{name}\n0x{:02x} => {{ {gate}let (a, b) = {operands}; {statement}; ip.next(); }}",
                k(&format!("{prefix}_{name}"))
            )
            .unwrap();
        }
    }
    let rest: Vec<String> = (0..=255u8)
        .filter(|b| {
            never.contains(b) || (ops.iter().all(|o| o.byte != *b) && !kinds[..names.len() - 1].contains(b))
        })
        .map(|b| format!("0x{b:02x}"))
        .collect();
    writeln!(
        out,
        "// UNDEFINED and every other undefined byte; pushes, PC and JUMPDEST (never in a program).\n\
         {} => {{ let status = core::hint::black_box(Status::InvalidOpcode); {} }}\n}}",
        rest.join(" | "),
        fail("status")
    )
    .unwrap();
    out.push_str(
        "};\n\
         compiled::save(&r, f);\n\
         Some(status)\n}\n",
    );
    out
}
