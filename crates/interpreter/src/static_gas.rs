//! Static gas per fork, as the dispatch and tracers read it: built at compile time from the
//! generated per-opcode schedule (`generated/gas_table.rs`, from `opcodes.toml`).

use kestrel_primitives::SpecId;

use crate::generated::gas_table::{SCHEDULE, TEST_SCHEDULE};

/// Marks an opcode a fork does not define.
pub const UNDEFINED_GAS: u16 = u16::MAX;

/// The static gas of every opcode in every fork, indexed `[spec][opcode]`; [`UNDEFINED_GAS`]
/// where the fork does not define the opcode. Tracers and the dispatch read it.
pub static STATIC_GAS: [[u16; 256]; SpecId::COUNT] = build(&[SCHEDULE, TEST_SCHEDULE]);

/// The static gas of `op` in `spec`, or `None` when `spec` does not define `op`.
#[inline]
pub fn static_gas(spec: SpecId, op: u8) -> Option<u16> {
    let gas = STATIC_GAS[spec.index()][op as usize];
    (gas != UNDEFINED_GAS).then_some(gas)
}

/// Opcodes with, for each, the forks its static gas changes in: `(byte, [(fork, gas from it on)])`.
type Schedule = &'static [(u8, &'static [(SpecId, u16)])];

/// Expands the schedules: each opcode's gas from each of its forks on, [`UNDEFINED_GAS`] before
/// its first fork and for bytes the schedule does not name.
const fn build(schedules: &[Schedule]) -> [[u16; 256]; SpecId::COUNT] {
    let mut table = [[UNDEFINED_GAS; 256]; SpecId::COUNT];
    let mut s = 0;
    while s < schedules.len() {
        let schedule = schedules[s];
        let mut row = 0;
        while row < schedule.len() {
            let (byte, steps) = schedule[row];
            let mut step = 0;
            while step < steps.len() {
                let (from, gas) = steps[step];
                let mut spec = from.index();
                while spec < SpecId::COUNT {
                    table[spec][byte as usize] = gas;
                    spec += 1;
                }
                step += 1;
            }
            row += 1;
        }
        s += 1;
    }
    table
}
