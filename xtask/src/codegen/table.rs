//! The typed opcode table: parsing (`deny_unknown_fields`, enums for every closed set) and
//! validation.

use std::collections::BTreeMap;
use std::path::Path;

use kestrel_primitives::SpecId;
use serde::Deserialize;

/// What a handler takes, which fixes how the dispatch calls it.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Shape {
    /// `fn(&mut Sp)`, infallible: works on the loop's stack pointer alone.
    Stack,
    /// `fn(&mut Regs, &mut Frame, &mut Buffers) -> Step`: runs on the loop's registers
    /// (instruction pointer, stack pointer, gas); the frame's copies of them are stale.
    Frame,
    /// `fn(&mut Frame, &mut Buffers, &mut H) -> Step`: the registers are written back into the
    /// frame before the call and read again after it, so the host sees a consistent frame.
    Host,
    /// `fn(&mut Sp, u8) -> Step`: the stack pointer and the opcode's one-byte immediate operand
    /// (read from the code by the interpreter, from the instruction by the compiled tier).
    Operand,
}

/// How an opcode's immediate bytes decode.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Decode {
    /// No immediate.
    #[default]
    None,
    /// A big-endian value the opcode pushes (PUSHn): the compiled tier folds it into constants.
    Value,
    /// One byte the handler interprets (an index, as EIP-8024's DUPN): passed to an
    /// `operand`-shaped handler.
    Operand,
}

/// Whether a handler is inlined into the dispatch loop: the attribute the handler must carry.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Inline {
    /// `#[inline(always)]`: hot and small.
    #[default]
    Always,
    /// `#[inline]`: the compiler decides (mid-sized, or rare).
    Auto,
    /// `#[inline(never)]`: big and rare (calls, creates), kept out of the loop.
    Never,
}

impl Inline {
    /// The attribute a handler with this setting carries.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Inline::Always => "#[inline(always)]",
            Inline::Auto => "#[inline]",
            Inline::Never => "#[inline(never)]",
        }
    }
}

/// When the accumulated static gas is checked.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mode {
    /// Added to the running total, checked at the next flush.
    #[default]
    Accumulate,
    /// The running total is checked before the handler runs.
    Flush,
}

/// Where control arrives at a new straight-line run, for the fast runner's check that the gas
/// left covers the run's static gas before any of it runs.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub(crate) enum BlockEntry {
    /// Execution goes on in the same run.
    #[default]
    None,
    /// A run starts wherever the handler leaves the pc (a jump's target, JUMPI's fall-through):
    /// checked after the handler.
    After,
}

/// Static gas: one number, or a table of fork → gas from that fork on.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum GasSpec {
    Fixed(u16),
    PerFork(BTreeMap<String, u16>),
}

/// One row of `opcodes.toml`, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    byte: u8,
    n: Option<[u8; 2]>,
    name: String,
    group: String,
    handler: String,
    #[serde(default = "default_shape")]
    shape: Shape,
    inputs: u8,
    #[serde(default)]
    inputs_per_n: u8,
    outputs: u8,
    #[serde(default)]
    outputs_per_n: u8,
    gas: GasSpec,
    #[serde(default)]
    gas_per_n: u16,
    since: Option<String>,
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    inline: Inline,
    #[serde(default)]
    immediate: u8,
    #[serde(default)]
    immediate_per_n: u8,
    #[serde(default)]
    decode: Decode,
    #[serde(default)]
    test_only: bool,
    #[serde(default)]
    jumps: bool,
    #[serde(default)]
    terminating: bool,
    #[serde(default)]
    suspends: bool,
    #[serde(default)]
    enters_block: BlockEntry,
}

fn default_shape() -> Shape {
    Shape::Stack
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    op: Vec<Row>,
}

/// One opcode after range expansion.
#[derive(Clone, Debug)]
pub(crate) struct Op {
    pub(crate) byte: u8,
    pub(crate) name: String,
    pub(crate) group: String,
    /// The handler path inside its group, e.g. `op_push::<1>`.
    pub(crate) handler: String,
    pub(crate) shape: Shape,
    pub(crate) inputs: u8,
    pub(crate) outputs: u8,
    /// Static gas per fork; `None` where the opcode is not defined.
    pub(crate) gas: [Option<u16>; SpecId::COUNT],
    pub(crate) since: SpecId,
    pub(crate) mode: Mode,
    pub(crate) inline: Inline,
    /// Bytes of immediate data after the opcode byte.
    pub(crate) immediate: u8,
    /// How they decode.
    pub(crate) decode: Decode,
    /// Only in builds with the `test-opcodes` feature (a table-only opcode for tests).
    pub(crate) test_only: bool,
    pub(crate) jumps: bool,
    pub(crate) terminating: bool,
    pub(crate) suspends: bool,
    pub(crate) enters_block: BlockEntry,
}

impl Op {
    /// The least static gas in any fork that defines the opcode: what block analysis may count
    /// on whatever the fork (a lower bound keeps the block check exact).
    pub(crate) fn min_gas(&self) -> u16 {
        self.gas.iter().flatten().copied().min().unwrap_or(0)
    }

    /// True when the opcode ends a basic block: it jumps, ends the frame or suspends it for a
    /// child frame.
    pub(crate) fn ends_block(&self) -> bool {
        self.jumps || self.terminating || self.suspends
    }

    /// True when the static gas is the same in every fork where the opcode exists and it exists
    /// from Frontier: then the dispatch can use a literal instead of the per-fork table.
    pub(crate) fn constant_gas(&self) -> Option<u16> {
        let first = self.gas[0]?;
        self.gas.iter().all(|g| *g == Some(first)).then_some(first)
    }
}

fn fork(name: &str) -> Result<SpecId, String> {
    SpecId::ALL
        .into_iter()
        .find(|s| format!("{s:?}") == name)
        .ok_or_else(|| format!("unknown fork {name:?} (use SpecId variant names, e.g. TangerineWhistle)"))
}

/// Parses the table and expands range rows.
pub(crate) fn parse(text: &str) -> Result<Vec<Op>, String> {
    let file: File = toml::from_str(text).map_err(|e| format!("opcodes.toml: {e}"))?;
    let mut ops = Vec::new();
    for row in file.op {
        let (first, last) = match row.n {
            Some([a, b]) if a <= b => (a, b),
            Some([a, b]) => return Err(format!("{}: empty range n = [{a}, {b}]", row.name)),
            None => (0, 0),
        };
        for n in first..=last {
            let offset = n - first;
            let subst = |s: &str| s.replace("{n}", &n.to_string());
            let since = match &row.since {
                Some(s) => fork(s)?,
                None => SpecId::Frontier,
            };
            let mut gas = [None; SpecId::COUNT];
            match &row.gas {
                GasSpec::Fixed(g) => {
                    for spec in SpecId::ALL.into_iter().filter(|s| s.is_enabled_in(since)) {
                        gas[spec.index()] = Some(*g + row.gas_per_n * n as u16);
                    }
                }
                GasSpec::PerFork(table) => {
                    let mut from: Vec<(SpecId, u16)> =
                        table.iter().map(|(k, v)| fork(k).map(|s| (s, *v))).collect::<Result<_, _>>()?;
                    from.sort();
                    if from.first().map(|f| f.0) != Some(since) {
                        return Err(format!("{}: the gas table must start at `since` ({since:?})", row.name));
                    }
                    for spec in SpecId::ALL {
                        gas[spec.index()] = from
                            .iter()
                            .rev()
                            .find(|(s, _)| spec.is_enabled_in(*s))
                            .map(|(_, g)| *g + row.gas_per_n * n as u16);
                    }
                }
            }
            ops.push(Op {
                byte: row
                    .byte
                    .checked_add(offset)
                    .ok_or_else(|| format!("{}: range passes 0xff", row.name))?,
                name: subst(&row.name),
                group: row.group.clone(),
                handler: format!("op_{}", subst(&row.handler)),
                shape: row.shape,
                inputs: row.inputs + row.inputs_per_n * n,
                outputs: row.outputs + row.outputs_per_n * n,
                gas,
                since,
                mode: row.mode,
                inline: row.inline,
                immediate: row.immediate + row.immediate_per_n * n,
                decode: row.decode,
                test_only: row.test_only,
                jumps: row.jumps,
                terminating: row.terminating,
                suspends: row.suspends,
                enters_block: row.enters_block,
            });
        }
    }
    Ok(ops)
}

/// Checks the table's invariants: unique bytes and names, sane stack effects, immediates only
/// on PUSH, every handler present in its group's module.
pub(crate) fn validate(ops: &[Op], root: &Path) -> Result<(), String> {
    let mut seen = [None::<&str>; 256];
    let mut names = std::collections::HashSet::new();
    for op in ops {
        if let Some(other) = seen[op.byte as usize] {
            return Err(format!("byte 0x{:02x} assigned to both {other} and {}", op.byte, op.name));
        }
        seen[op.byte as usize] = Some(&op.name);
        if !names.insert(op.name.clone()) {
            return Err(format!("duplicate mnemonic {}", op.name));
        }
        if op.inputs as usize > 17 || op.outputs as usize > 17 {
            return Err(format!("{}: implausible stack effect", op.name));
        }
        match (op.decode, op.immediate) {
            (Decode::None, 0) | (Decode::Value, 1..=32) => {}
            (Decode::Operand, 1) if op.shape == Shape::Operand => {}
            (Decode::Operand, 1) => {
                return Err(format!("{}: an operand opcode has the operand shape", op.name));
            }
            (decode, size) => {
                return Err(format!("{}: {size} immediate bytes cannot decode as {decode:?}", op.name));
            }
        }
        if (op.shape == Shape::Operand) != (op.decode == Decode::Operand) {
            return Err(format!("{}: the operand shape is for opcodes with an operand", op.name));
        }
        if op.shape == Shape::Operand && op.mode == Mode::Flush {
            // The compiled tier keeps the operand where a flush opcode keeps its segment charge.
            return Err(format!("{}: an operand opcode cannot flush", op.name));
        }
        if op.shape == Shape::Stack && op.mode == Mode::Flush {
            return Err(format!(
                "{}: stack-shaped handlers cannot fail, so they never need a flush",
                op.name
            ));
        }
        // Searching for a mnemonic finds its handler: `op_` and the mnemonic in lower case (the
        // `n` of a PUSHn/DUPn/SWAPn/LOGn row is a const generic).
        let base = op.handler.split("::").next().unwrap_or(&op.handler);
        let generic = op.handler.contains("::<");
        let name = if generic { op.name.trim_end_matches(|c: char| c.is_ascii_digit()) } else { &op.name };
        let mnemonic = name.to_ascii_lowercase();
        if base != format!("op_{mnemonic}") {
            return Err(format!("{}: handler `{base}` should be `op_{mnemonic}`", op.name));
        }
        if op.jumps && op.shape == Shape::Stack {
            return Err(format!("{}: a jumping handler needs the frame", op.name));
        }
    }
    // Every handler must exist in its group's module.
    let mut sources = BTreeMap::new();
    for op in ops {
        let path = root.join(format!("crates/interpreter/src/instructions/{}.rs", op.group));
        let text = match sources.get(&op.group) {
            Some(t) => t,
            None => {
                let t = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                sources.entry(op.group.clone()).or_insert(t)
            }
        };
        let base = op.handler.split("::").next().unwrap_or(&op.handler);
        let Some(at) = text
            .find(&format!("pub(crate) fn {base}("))
            .or_else(|| text.find(&format!("pub(crate) fn {base}<")))
        else {
            return Err(format!("{}: handler `{base}` not found in {}", op.name, path.display()));
        };
        // The table says how the handler is inlined (`never` keeps big, rare handlers out of
        // the dispatch loop), and the handler must carry that attribute, so the two cannot
        // disagree.
        // The attributes and doc lines right above the handler.
        let attribute = text[..at]
            .trim_end()
            .lines()
            .rev()
            .map(str::trim)
            .take_while(|l| l.starts_with("#[") || l.starts_with("//"))
            .find(|l| l.starts_with("#[inline"));
        if attribute != Some(op.inline.attribute()) {
            return Err(format!(
                "{}: the table says inline = {:?}, so `{base}` must be marked {} (it has {})",
                op.name,
                op.inline,
                op.inline.attribute(),
                attribute.unwrap_or("no inline attribute")
            ));
        }
    }
    Ok(())
}
