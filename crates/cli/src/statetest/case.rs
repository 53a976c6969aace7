//! Typed state-test cases: one per (test, fork, post entry), ready to execute.

use core::fmt;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use kestrel::primitives::{Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256};
use serde::Serialize;

use super::exception::Rejection;
use kestrel::block::{SignatureError, StateTrie};

/// Names one case: the file it came from, the test, the fork as the file spells it, and the
/// position of the entry in that fork's `post` list.
///
/// Its [`Display`](fmt::Display) form `file::test::fork::index` is the key used by the
/// known-failures file (which matches on a suffix of `file`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseId {
    /// The fixture file, as found while walking the given paths.
    pub file: Arc<str>,
    /// The test name (the top-level key of the file); EEST names contain `::` themselves.
    pub test: Arc<str>,
    /// The fork key of `post`, verbatim (`*` for an error that concerns the whole test).
    pub fork: String,
    /// Index of the entry in `post[fork]`.
    pub index: usize,
}

impl CaseId {
    /// The id used for an error that concerns a whole file.
    pub fn whole_file(file: Arc<str>) -> Self {
        CaseId { file, test: Arc::from("*"), fork: "*".to_owned(), index: 0 }
    }

    /// The id used for an error that concerns a whole test.
    pub fn whole_test(file: Arc<str>, test: Arc<str>) -> Self {
        CaseId { file, test, fork: "*".to_owned(), index: 0 }
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}::{}::{}", self.file, self.test, self.fork, self.index)
    }
}

/// One account of a pre-state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreAccount {
    /// Account nonce.
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// Runtime code (possibly an EIP-7702 delegation designator).
    pub code: Bytes,
    /// Storage as written in the fixture; zero values are kept here and left out of roots.
    pub storage: BTreeMap<U256, U256>,
}

/// A whole pre-state, ordered by address.
pub type PreState = BTreeMap<Address, PreAccount>;

/// One fork's blob parameters from EEST's `config.blobSchedule` (EIP-7840 layout).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BlobParams {
    /// Target blobs per block.
    pub target: u64,
    /// Maximum blobs per block.
    pub max: u64,
    /// Blob base-fee update fraction.
    pub base_fee_update_fraction: u64,
}

/// What a case expects after its transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// State root after the transaction (the pre-state root when it is rejected).
    pub state_root: B256,
    /// keccak256 of the RLP list of logs.
    pub logs_hash: B256,
    /// The filler's exception name(s); any value means the transaction must be rejected.
    pub exception: Option<String>,
}

/// One executable case.
#[derive(Clone, Debug)]
pub struct Case {
    /// Which case this is.
    pub id: CaseId,
    /// The fork the case runs in.
    pub spec: SpecId,
    /// The block, with fork-dependent fields (`prevrandao`, `excess_blob_gas`, blob
    /// parameters) filled only from the fork that introduced them.
    pub block: BlockEnv,
    /// The transaction: decoded from the entry's `txbytes` with its sender recovered from the
    /// signature when the entry has them, otherwise built from the template by the entry's
    /// indexes.
    pub tx: TxEnv,
    /// Why no sender recovers from the `txbytes` signature (`tx.caller` is then zero). The
    /// runner reports it where the spec checks the signature, after the checks that precede it.
    pub signature_error: Option<SignatureError>,
    /// `config.chainid`, 1 when the file has none.
    pub chain_id: u64,
    /// This fork's entry of `config.blobSchedule`, when the file has one.
    pub blob_params: Option<BlobParams>,
    /// The pre-state, shared by every case of the test.
    pub pre: Arc<PreState>,
    /// The pre-state's trie with its node hashes, built by the first case of the test that
    /// runs and shared by the others: each case's post-state root rehashes only what its
    /// transaction changed.
    pub pre_trie: Arc<OnceLock<StateTrie>>,
    /// The expected outcome.
    pub expected: Expected,
    /// Whether the filler touched the coinbase after the transaction; see [`Finish`].
    pub finish: Finish,
}

/// What the filler did to the state after the transaction, beyond the transaction itself.
///
/// The legacy ethereum/tests files (no `config` key) were filled by retesteth with geth,
/// whose state-test runner credits the coinbase with a zero reward after the transaction,
/// even a rejected one: before EIP-161 that creates an absent coinbase as an empty account,
/// from EIP-161 on it deletes an empty one. The EEST files (with `config`) were filled
/// without that step (the executable spec's state-test runner has none). Measured on the
/// development set: with this rule all 2,895 exception cases expect exactly the resulting
/// root; without it 153 legacy Frontier/Homestead/EIP150 cases do not, and applying it to
/// EEST files breaks 2 EEST Frontier/Homestead cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finish {
    /// The fork, deciding create (before Spurious Dragon) or delete-if-empty.
    pub spec: SpecId,
    /// The coinbase to touch.
    pub coinbase: Address,
    /// False for files filled without the touch (EEST).
    pub touch_coinbase: bool,
}

/// A case as loaded: runnable, rejected while decoding its transaction, skipped, or broken.
#[derive(Clone, Debug)]
pub enum LoadedCase {
    /// The case decoded completely.
    Ready(Box<Case>),
    /// The transaction could not be decoded (a value wider than its field, a bad signature
    /// key …). A client would reject such a transaction before execution, so the case passes
    /// exactly when it expects an exception and the state root equals the pre-state root.
    TxUndecodable {
        /// Which case.
        id: CaseId,
        /// What the case expects.
        expected: Expected,
        /// The pre-state, to check that "rejected" left the expected root.
        pre: Arc<PreState>,
        /// What the filler did after the (rejected) transaction.
        finish: Finish,
        /// Why decoding failed, naming the field.
        error: String,
        /// The named reason when the entry's `txbytes` do not decode; compared with the expected
        /// exception. `None` for a template field that does not decode, which has no name.
        rejection: Option<Rejection>,
    },
    /// Not run, for example because the fork name is unknown.
    Skipped {
        /// Which case.
        id: CaseId,
        /// Why it is not run.
        reason: String,
    },
    /// The fixture itself is malformed (bad JSON shape, bad hex in env/pre/post, an index out
    /// of range). Always a failure.
    Broken {
        /// Which case (or `*` parts for a whole test or file).
        id: CaseId,
        /// What is wrong, naming the field.
        error: String,
    },
}

impl LoadedCase {
    /// The id of the case, whatever its state.
    pub fn id(&self) -> &CaseId {
        match self {
            LoadedCase::Ready(case) => &case.id,
            LoadedCase::TxUndecodable { id, .. }
            | LoadedCase::Skipped { id, .. }
            | LoadedCase::Broken { id, .. } => id,
        }
    }
}
