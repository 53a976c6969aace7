//! `--state.fork`: geth's fork names (tests/init.go) as a chain configuration, with the
//! difficulty bomb's delay that geth's names imply (MuirGlacier, ArrowGlacier and GrayGlacier
//! change only that).

use kestrel::block::ChainConfig;
use kestrel::primitives::SpecId;

/// A fork configuration and where its names came from.
#[derive(Clone, Debug)]
pub struct Fork {
    /// The schedule (transition names give two steps).
    pub config: ChainConfig,
}

/// The fork of `name` geth's t8n accepts, on chain `chain_id`; `Err` with geth's reason
/// (exit code 3) for a name Kestrel does not run.
pub fn fork(name: &str, chain_id: u64) -> Result<Fork, String> {
    if let Some((_, eips)) = name.split_once('+') {
        // geth enables single EIPs on top of a fork (`London+3855`); Kestrel's forks are whole.
        return Err(format!("syntax error, invalid eip number {eips:?}: extra EIPs are not supported"));
    }
    // Names geth knows whose rules are another fork's (the glaciers move only the bomb).
    let (base, dao) = match name {
        "MuirGlacier" => ("Istanbul", None),
        "ArrowGlacier" | "GrayGlacier" => ("London", None),
        "HomesteadToDaoAt5" => ("Homestead", Some(5)),
        "ParisToShanghaiAtTime15k" => ("MergeToShanghaiAtTime15k", None),
        "Merge" => ("Paris", None),
        "ArrowGlacierToParisAtDiffC0000" => {
            return Err(format!("{name}: a merge by total difficulty is not supported"));
        }
        "BPO3"
        | "BPO4"
        | "BPO2ToBPO3AtTime15k"
        | "BPO3ToBPO4AtTime15k"
        | "Amsterdam"
        | "BPO2ToAmsterdamAtTime15k"
        | "Verkle"
        | "Binary" => {
            return Err(format!("fork {name} is not supported by Kestrel"));
        }
        other => (other, None),
    };
    let base = base.replace("Merge", "Paris");
    let mut config = ChainConfig::for_network(&base, chain_id, |_| None)
        .ok_or_else(|| format!("unsupported fork {name:?}"))?;
    config.dao_fork_block = dao;
    if !base.contains("To") {
        config.steps[0].name = name.to_owned();
    }
    Ok(Fork { config })
}

/// The difficulty bomb's delay (blocks) of a pre-Merge step, as geth's ethash has it.
pub fn bomb_delay(name: &str, spec: SpecId) -> u64 {
    match name {
        "MuirGlacier" => return 9_000_000,
        "ArrowGlacier" => return 10_700_000,
        "GrayGlacier" => return 11_400_000,
        _ => {}
    }
    match spec {
        SpecId::Frontier | SpecId::Homestead | SpecId::TangerineWhistle | SpecId::SpuriousDragon => 0,
        SpecId::Byzantium => 3_000_000,
        SpecId::Constantinople | SpecId::Petersburg | SpecId::Istanbul => 5_000_000,
        // geth's Berlin configuration has MuirGlacier at genesis.
        SpecId::Berlin => 9_000_000,
        SpecId::London => 9_700_000,
        _ => 11_400_000,
    }
}
