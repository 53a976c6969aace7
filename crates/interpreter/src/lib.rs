//! Kestrel interpreter: stack, shared memory, gas, the generated opcode dispatch and the Host trait.
