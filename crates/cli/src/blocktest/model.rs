//! The blockchain-test JSON format as serde structs (numbers kept as strings, duplicate keys
//! refused, as for the state tests). Decoded fields (`blockHeader`, `transactions`,
//! `rlp_decoded` …) are ignored: a block is judged from its `rlp` alone.

use serde::Deserialize;

use crate::statetest::model::{RawAccount, RawBlobParams};
use crate::statetest::unique::UniqueMap;

/// One blockchain test.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawBlockTest {
    pub(crate) network: String,
    #[serde(rename = "genesisRLP")]
    pub(crate) genesis_rlp: String,
    pub(crate) pre: UniqueMap<RawAccount>,
    pub(crate) post_state: Option<UniqueMap<RawAccount>>,
    pub(crate) post_state_hash: Option<String>,
    pub(crate) lastblockhash: String,
    pub(crate) blocks: Vec<RawBlock>,
    #[serde(default)]
    pub(crate) config: Option<RawChainConfig>,
}

/// One block to import.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawBlock {
    pub(crate) rlp: String,
    pub(crate) expect_exception: Option<String>,
}

/// The chain configuration.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawChainConfig {
    pub(crate) chainid: Option<String>,
    #[serde(default)]
    pub(crate) blob_schedule: UniqueMap<RawBlobParams>,
}
