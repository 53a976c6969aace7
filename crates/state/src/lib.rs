//! Kestrel state: the Database trait, an in-memory database and the journal with checkpoints.
