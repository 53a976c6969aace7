//! What the compiled runner relies on without checking, checked: [`Program::validate`].
//!
//! The runner follows instruction and entry indices and reads constants with no bounds check
//! (`kestrel_interpreter`'s `compiled` module). Those indices are the translator's own; this
//! walk proves them for one program, and debug builds run it after every translation.

use super::{DUP_FUSION, Entry, FACTS, NO_ENTRY, Program, kind};
use crate::Bytecode;
use crate::opcode::{Decode, JUMPDEST, JUMPI, PC, STOP, info};

impl Program {
    /// Checks that this program is a sound translation of `code`: it was made from this code;
    /// it ends with a STOP, so no instruction that goes on runs off its end; every entry starts
    /// at an instruction; every arrival point (pc 0, every JUMPDEST, every JUMPI fall-through
    /// and resume point) has an entry carrying the code's run check for that pc; every entry
    /// an instruction names exists, and a static jump's is a JUMPDEST's; fused pushes read
    /// constants inside the table; fused DUPs read items 1 to 16; no instruction is a byte the
    /// runner never expects (pushes, PC, JUMPDEST). Returns the first violation found.
    pub fn validate(&self, code: &Bytecode) -> Result<(), String> {
        if self.code_len != code.len() || self.hash != code.code_hash() {
            return Err("translated from other code".into());
        }
        if self.by_pc.len() != code.len() + 1 {
            return Err(format!("{} arrival slots for {} bytes of code", self.by_pc.len(), code.len()));
        }
        match self.insts.last() {
            Some(last) if last.kind == STOP => {}
            _ => return Err("the program does not end with a STOP".into()),
        }
        for (i, e) in self.entries.iter().enumerate() {
            if e.inst as usize >= self.insts.len() {
                return Err(format!("entry {i} starts at instruction {} of {}", e.inst, self.insts.len()));
            }
        }
        for (pc, &slot) in self.by_pc.iter().enumerate() {
            if slot == NO_ENTRY {
                if pc == 0 || code.is_jumpdest(pc) {
                    return Err(format!("pc {pc} is an arrival point without an entry"));
                }
                continue;
            }
            let e = self.entries.get(slot as usize - 1).ok_or(format!("pc {pc}: no entry {}", slot - 1))?;
            if e.run != code.run_entry(pc) || e.jumpdest != code.is_jumpdest(pc) {
                return Err(format!("pc {pc}: the entry's run check or JUMPDEST flag is not the code's"));
            }
        }
        let entry = |i: u32, at: usize| -> Result<&Entry, String> {
            self.entries
                .get(i as usize)
                .ok_or(format!("instruction {at} names entry {i} of {}", self.entries.len()))
        };
        let jumpdest = |i: u32, at: usize| match entry(i, at)? {
            e if e.jumpdest => Ok(()),
            _ => Err(format!("instruction {at}: a static jump to an entry that is not a JUMPDEST")),
        };
        for (at, inst) in self.insts.iter().enumerate() {
            // The final STOP stands where running off the end lands: past a truncated push, too.
            if inst.pc as usize >= code.len() && at + 1 < self.insts.len() {
                return Err(format!("instruction {at} at pc {} past the code", inst.pc));
            }
            match inst.kind {
                kind::JUMP_STATIC => jumpdest(inst.a, at)?,
                kind::JUMPI_STATIC | kind::ISZERO_JUMPI => {
                    jumpdest(inst.a, at)?;
                    entry(inst.b, at)?;
                }
                kind::JUMPI_INVALID | kind::ISZERO_JUMPI_INVALID | JUMPI => {
                    entry(inst.a, at)?;
                }
                kind::PUSH_RUN => {
                    let end = inst.a as usize + inst.count as usize;
                    if inst.count == 0 || end > self.consts.len() {
                        return Err(format!(
                            "instruction {at} pushes constants up to {end} of {}",
                            self.consts.len()
                        ));
                    }
                }
                k if k != 0 && DUP_FUSION.contains(&k) && !(1..=16).contains(&inst.a) => {
                    return Err(format!("instruction {at} duplicates item {}", inst.a));
                }
                // Pushes of a value (the table's `decode = "value"`), PC and JUMPDEST.
                op if op == PC || op == JUMPDEST || info(op).is_some_and(|i| i.decode == Decode::Value) => {
                    return Err(format!(
                        "instruction {at} is opcode {:#04x}, which translation removes",
                        inst.kind
                    ));
                }
                op if info(op).is_some() && FACTS[op as usize].resumes => {
                    // The frame resumes after it, at the entry of the next pc.
                    let next = self.entry_at(inst.pc as usize + 1);
                    if next.is_none_or(|e| e.inst as usize != at + 1) {
                        return Err(format!(
                            "instruction {at} suspends, but the next pc has no entry at {}",
                            at + 1
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
