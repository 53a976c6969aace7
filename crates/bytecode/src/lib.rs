//! Kestrel bytecode: padded code, JUMPDEST analysis and its cache, generated opcode tables.
