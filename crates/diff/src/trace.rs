//! Locating a divergence: both EVMs run the case opcode by opcode (Kestrel's tracing runner,
//! revm's inspector) and the first step where call depth, pc, opcode, gas left or the top of
//! the stack differ is reported with the steps before it.
//!
//! Kestrel's tracing runner charges gas per opcode, as revm does, so the gas columns align
//! exactly; the fast runners check gas per straight-line run and are compared by their results
//! only.

use std::sync::{Arc, Mutex};

use kestrel::host::Evm;
use kestrel::interpreter::{Buffers, Control, Frame, Status, Tracer};
use kestrel::primitives::U256;
use kestrel_cli::statetest::Case;
use kestrel_cli::statetest::exec::build_db;
use revm::context::ContextTr;
use revm::context_interface::JournalTr;
use revm::interpreter::Interpreter;
use revm::interpreter::interpreter_types::Jumps;
use revm::{Context, InspectEvm, Inspector, MainBuilder, MainContext};

use crate::exec::{RevmSetup, revm_setup};

/// Steps recorded at most (a runaway loop would otherwise fill memory).
const LIMIT: usize = 2_000_000;

/// One executed opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Call depth, 0 for the transaction's own frame.
    pub depth: usize,
    /// Program counter.
    pub pc: usize,
    /// The opcode.
    pub op: u8,
    /// Gas left before it runs.
    pub gas: u64,
    /// The top of the stack before it runs.
    pub top: Option<U256>,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "depth {} pc {:>5} op {:#04x} gas {:>9}", self.depth, self.pc, self.op, self.gas)?;
        match self.top {
            Some(t) => write!(f, " top {t:#x}"),
            None => write!(f, " top -"),
        }
    }
}

#[derive(Clone, Default)]
struct KestrelRecorder(Arc<Mutex<Vec<Step>>>);

impl Tracer for KestrelRecorder {
    fn step(&mut self, frame: &Frame, _buffers: &Buffers, op: u8) -> Control {
        let mut steps = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if steps.len() < LIMIT {
            steps.push(Step {
                depth: frame.depth,
                pc: frame.pc(),
                op,
                gas: frame.gas.remaining(),
                top: frame.stack().as_slice().last().copied(),
            });
        }
        Control::Continue
    }

    fn step_end(&mut self, _frame: &Frame, _buffers: &Buffers, _op: u8, _status: Option<Status>) {}
}

#[derive(Default)]
struct RevmRecorder(Vec<Step>);

impl<CTX: ContextTr> Inspector<CTX> for RevmRecorder {
    fn step(&mut self, interp: &mut Interpreter, context: &mut CTX) {
        if self.0.len() < LIMIT {
            self.0.push(Step {
                depth: context.journal_mut().depth(),
                pc: interp.bytecode.pc(),
                op: interp.bytecode.opcode(),
                gas: interp.gas.remaining(),
                top: interp.stack.data().last().copied(),
            });
        }
    }
}

/// Kestrel's steps (tracing runner).
pub fn kestrel_steps(case: &Case) -> Vec<Step> {
    let recorder = KestrelRecorder::default();
    let mut db = build_db(case);
    {
        let mut evm = Evm::new(&mut db, case.spec, case.chain_id);
        evm.set_block(case.block.clone());
        evm.set_tracer(Some(Box::new(recorder.clone())));
        let _ = evm.transact_discard(case.tx.clone());
    }
    let steps = recorder.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    normalise(steps)
}

/// revm's steps.
pub fn revm_steps(case: &Case) -> Result<Vec<Step>, String> {
    let RevmSetup { db, cfg, block, tx } = revm_setup(case)?;
    let mut evm = Context::mainnet()
        .with_db(db)
        .with_cfg(cfg)
        .with_block(block)
        .build_mainnet_with_inspector(RevmRecorder::default());
    let _ = evm.inspect_tx(tx);
    Ok(normalise(std::mem::take(&mut evm.inspector.0)))
}

/// Depths counted from the first step's.
fn normalise(mut steps: Vec<Step>) -> Vec<Step> {
    let base = steps.first().map_or(0, |s| s.depth);
    for s in &mut steps {
        s.depth = s.depth.saturating_sub(base);
    }
    steps
}

/// The first step where the two traces differ, with `context` steps before it, as text; or
/// `None` when the traces are identical.
pub fn first_difference(case: &Case, context: usize) -> Result<Option<String>, String> {
    let k = kestrel_steps(case);
    let r = revm_steps(case)?;
    let at =
        k.iter().zip(&r).position(|(a, b)| a != b).or((k.len() != r.len()).then(|| k.len().min(r.len())));
    let Some(at) = at else { return Ok(None) };
    let mut s =
        format!("first difference at step {at} (Kestrel {} steps, revm {} steps)\n", k.len(), r.len());
    for i in at.saturating_sub(context)..=at {
        let show = |steps: &[Step]| steps.get(i).map_or("(ended)".to_owned(), |st| st.to_string());
        let mark = if i == at { ">" } else { " " };
        s.push_str(&format!("{mark} {i:>7} kestrel {}\n", show(&k)));
        s.push_str(&format!("{mark} {i:>7} revm    {}\n", show(&r)));
    }
    Ok(Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::to_case;
    use crate::generator::generate;

    /// On cases that agree the two traces are step-for-step the same (so a reported first
    /// difference means something), and they are not empty.
    #[test]
    fn agreeing_cases_trace_alike() {
        let mut traced = 0;
        for index in 0..40 {
            let g = generate(31, index);
            if crate::excluded::excluded(&g).is_some() || !crate::check(&g).divergences.is_empty() {
                continue;
            }
            let case = to_case(&g);
            let steps = kestrel_steps(&case);
            traced += usize::from(!steps.is_empty());
            assert_eq!(first_difference(&case, 3), Ok(None), "case {index}");
        }
        assert!(traced > 10, "{traced}");
    }
}
