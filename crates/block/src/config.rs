//! Which rules apply to a block: the fork schedule (by block number before the Merge, by
//! timestamp after it) and the blob schedule (EIP-4844, EIP-7691, EIP-7840), with the
//! blob-parameter-only forks of EIP-7892 as entries that change only the blob parameters.

use kestrel_primitives::SpecId;

/// When a fork activates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// At this block number and after.
    Block(u64),
    /// At the first block whose timestamp is at least this.
    Timestamp(u64),
}

impl Activation {
    /// True when a block with this number and timestamp is at or past the activation.
    pub fn is_active(self, number: u64, timestamp: u64) -> bool {
        match self {
            Activation::Block(n) => number >= n,
            Activation::Timestamp(t) => timestamp >= t,
        }
    }
}

/// One fork's blob parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobParams {
    /// Target blobs per block.
    pub target: u64,
    /// Maximum blobs per block.
    pub max: u64,
    /// The blob base fee's update fraction.
    pub update_fraction: u64,
}

impl BlobParams {
    /// Cancun (EIP-4844).
    pub const CANCUN: BlobParams = BlobParams { target: 3, max: 6, update_fraction: 3_338_477 };
    /// Prague (EIP-7691); Osaka keeps it.
    pub const PRAGUE: BlobParams = BlobParams { target: 6, max: 9, update_fraction: 5_007_716 };
    /// BPO1 (EIP-7892, mainnet).
    pub const BPO1: BlobParams = BlobParams { target: 10, max: 15, update_fraction: 8_346_193 };
    /// BPO2 (EIP-7892, mainnet).
    pub const BPO2: BlobParams = BlobParams { target: 14, max: 21, update_fraction: 11_684_671 };

    /// The default parameters of a named fork, for the forks that have blobs.
    pub fn default_for(name: &str) -> Option<BlobParams> {
        Some(match name {
            "Cancun" => Self::CANCUN,
            "Prague" | "Osaka" => Self::PRAGUE,
            "BPO1" => Self::BPO1,
            "BPO2" => Self::BPO2,
            _ => return None,
        })
    }
}

/// One step of the schedule: from `activation`, the rules of `spec` with `blob` parameters
/// (a blob-parameter-only fork repeats the current `spec` with new parameters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForkStep {
    /// The step's name (`Osaka`, `BPO1` …), for the blob schedule and for messages.
    pub name: String,
    /// When it starts.
    pub activation: Activation,
    /// The EVM rules.
    pub spec: SpecId,
    /// The blob parameters, from Cancun on.
    pub blob: Option<BlobParams>,
}

/// A chain's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainConfig {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Steps in activation order; the first applies from genesis.
    pub steps: Vec<ForkStep>,
    /// The DAO fork block (mainnet 1,920,000), when the chain has it.
    pub dao_fork_block: Option<u64>,
}

/// The forks a test network name can start from or switch to, with their rules.
fn step_spec(name: &str) -> Option<SpecId> {
    Some(match name {
        "BPO1" | "BPO2" | "BPO3" | "BPO4" | "BPO5" => SpecId::Osaka,
        other => other.parse().ok()?,
    })
}

impl ChainConfig {
    /// The configuration of a blockchain-test network: a fork name (`Cancun`, `EIP158` …) or a
    /// transition `AToBAtTime15k` / `AToBAtN` (block number). `blob` gives the blob parameters
    /// of a fork by name (the fixture's `blobSchedule`), falling back to the mainnet ones.
    /// `None` for a network Kestrel does not know.
    pub fn for_network(name: &str, chain_id: u64, blob: impl Fn(&str) -> Option<BlobParams>) -> Option<Self> {
        let step = |fork: &str, activation| {
            let spec = step_spec(fork)?;
            let blob = if spec.is_enabled_in(SpecId::Cancun) {
                Some(blob(fork).or_else(|| BlobParams::default_for(fork))?)
            } else {
                None
            };
            Some(ForkStep { name: fork.to_owned(), activation, spec, blob })
        };
        let steps = match name.split_once("To") {
            Some((from, rest)) => {
                let (to, at) = rest.split_once("At")?;
                let activation = match at.strip_prefix("Time") {
                    Some(t) => Activation::Timestamp(parse_count(t)?),
                    None => Activation::Block(parse_count(at)?),
                };
                vec![step(from, Activation::Block(0))?, step(to, activation)?]
            }
            None => vec![step(name, Activation::Block(0))?],
        };
        Some(ChainConfig { chain_id, steps, dao_fork_block: None })
    }

    /// The step in force for a block.
    pub fn step_at(&self, number: u64, timestamp: u64) -> &ForkStep {
        self.steps.iter().rev().find(|s| s.activation.is_active(number, timestamp)).unwrap_or(&self.steps[0])
    }

    /// The fork in force for a block.
    pub fn spec_at(&self, number: u64, timestamp: u64) -> SpecId {
        self.step_at(number, timestamp).spec
    }
}

/// `15k` → 15000, `5` → 5.
fn parse_count(s: &str) -> Option<u64> {
    match s.strip_suffix('k') {
        Some(n) => n.parse::<u64>().ok()?.checked_mul(1000),
        None => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let c = ChainConfig::for_network("Cancun", 1, |_| None).unwrap();
        assert_eq!(c.spec_at(5, 5), SpecId::Cancun);
        assert_eq!(c.step_at(5, 5).blob, Some(BlobParams::CANCUN));
        let c = ChainConfig::for_network("PragueToOsakaAtTime15k", 1, |_| None).unwrap();
        assert_eq!(c.spec_at(1, 14_999), SpecId::Prague);
        assert_eq!(c.spec_at(2, 15_000), SpecId::Osaka);
        let custom = BlobParams { target: 21, max: 32, update_fraction: 1 };
        let c =
            ChainConfig::for_network("BPO2ToBPO3AtTime15k", 1, |n| (n == "BPO3").then_some(custom)).unwrap();
        assert_eq!(c.step_at(1, 1).blob, Some(BlobParams::BPO2));
        assert_eq!(c.step_at(1, 15_000).blob, Some(custom));
        assert_eq!(c.spec_at(1, 15_000), SpecId::Osaka);
        // BPO3 without a schedule entry has no parameters: unknown.
        assert!(ChainConfig::for_network("BPO3", 1, |_| None).is_none());
        assert!(ChainConfig::for_network("Amsterdam", 1, |_| None).is_none());
        assert!(ChainConfig::for_network("FrontierToHomesteadAt5", 1, |_| None).is_some());
        assert_eq!(
            ChainConfig::for_network("EIP158", 1, |_| None).unwrap().spec_at(0, 0),
            SpecId::SpuriousDragon
        );
    }
}
