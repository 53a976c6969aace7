//! The case generator: case `index` of campaign `seed` is a fork, a block, a small pre-state
//! and one transaction, all drawn from one deterministic stream ([`Rng::for_case`]).

pub mod asm;
pub mod code;
pub mod keys;
pub mod precompile;
pub mod world;

use std::collections::BTreeMap;

use kestrel::primitives::{
    AccessListItem, Address, Authorization, B256, BlockEnv, Bytes, SpecId, TxEnv, U256,
};
use kestrel_cli::statetest::{PreAccount, PreState};

use crate::features::{Feature, Features, PRECOMPILES, PrecompileSet};
use crate::rng::Rng;
use code::CodeGen;
use world::{ABSENT, COINBASE, EMPTY, World, contract_address};

/// One generated case.
#[derive(Clone, Debug)]
pub struct GenCase {
    /// The campaign seed.
    pub seed: u64,
    /// The case's index in the campaign.
    pub index: u64,
    /// The fork.
    pub spec: SpecId,
    /// The chain id (`config.chainid` of the saved test).
    pub chain_id: u64,
    /// The block, with fork-dependent fields set only from the fork that has them (as the
    /// state-test loader sets them).
    pub block: BlockEnv,
    /// The transaction.
    pub tx: TxEnv,
    /// The pre-state.
    pub pre: PreState,
    /// What the case exercises.
    pub features: Features,
    /// The precompiles its code calls.
    pub precompiles: PrecompileSet,
}

/// The forks cases run in: every fork but Constantinople, which revm does not model (it has
/// only Petersburg, Constantinople without EIP-1283).
pub const FORKS: [SpecId; 14] = [
    SpecId::Frontier,
    SpecId::Homestead,
    SpecId::TangerineWhistle,
    SpecId::SpuriousDragon,
    SpecId::Byzantium,
    SpecId::Petersburg,
    SpecId::Istanbul,
    SpecId::Berlin,
    SpecId::London,
    SpecId::Paris,
    SpecId::Shanghai,
    SpecId::Cancun,
    SpecId::Prague,
    SpecId::Osaka,
];

/// The most blobs one transaction may carry: EIP-4844's block limit (6) in Cancun, EIP-7691's
/// (9) in Prague, EIP-7594's per-transaction limit (6) from Osaka.
pub fn max_blobs_per_tx(spec: SpecId) -> u64 {
    if spec.is_enabled_in(SpecId::Osaka) {
        6
    } else if spec.is_enabled_in(SpecId::Prague) {
        9
    } else {
        6
    }
}

/// The newest transaction type `spec` accepts.
fn newest_type(spec: SpecId) -> u8 {
    if spec.is_enabled_in(SpecId::Prague) {
        4
    } else if spec.is_enabled_in(SpecId::Cancun) {
        3
    } else if spec.is_enabled_in(SpecId::London) {
        2
    } else if spec.is_enabled_in(SpecId::Berlin) {
        1
    } else {
        0
    }
}

/// A word holding `code`'s designation to `target` (EIP-7702: 0xef0100 || address).
fn delegation(target: Address) -> Bytes {
    let mut code = vec![0xef, 0x01, 0x00];
    code.extend_from_slice(target.as_slice());
    code.into()
}

fn precompile_address(p: u16) -> Address {
    Address::from_word(U256::from(p).into())
}

/// `code`, changed if revm cannot hold it: revm's `Bytecode` takes code starting with 0xef01 for
/// an EIP-7702 designator and refuses it unless it is one (23 bytes, version 0). Such code is
/// valid state before London (seed 1000 case 673061 made one), but a case with it cannot be run
/// on revm, so its second byte is changed (without drawing from the stream: every other case
/// stays the same).
fn revm_expressible(mut code: Vec<u8>) -> Vec<u8> {
    let designator = code.len() == 23 && code.starts_with(&[0xef, 0x01, 0x00]);
    if code.starts_with(&[0xef, 0x01]) && !designator {
        code[1] = 0x02;
    }
    code
}

/// Generates case `index` of campaign `seed`.
pub fn generate(seed: u64, index: u64) -> GenCase {
    let mut rng = Rng::for_case(seed, index);
    let mut features = Features::default();
    let mut precompiles = PrecompileSet::default();

    // Newer forks have more to test: they weigh double.
    let fork_weights: Vec<u32> =
        FORKS.iter().map(|s| if s.is_enabled_in(SpecId::Cancun) { 2 } else { 1 }).collect();
    let spec = FORKS[rng.weighted(&fork_weights)];
    let chain_id = if rng.chance(17, 20) { 1 } else { rng.range(2, 1000) };
    let block = gen_block(&mut rng, spec);

    // The type first: the blob count is part of the world the code sees (BLOBHASH).
    let newest = newest_type(spec);
    let tx_type = if newest < 4 && rng.chance(1, 25) {
        features.add(Feature::TxInvalidType);
        rng.range(u64::from(newest) + 1, 4) as u8
    } else {
        let weights = [25u32, 15, 25, 15, 20];
        rng.weighted(&weights[..=usize::from(newest)]) as u8
    };
    let blob_count = if tx_type == 3 {
        match rng.below(20) {
            0 => 0,
            1..=2 => rng.range(max_blobs_per_tx(spec) + 1, 10) as usize,
            _ => rng.range(1, max_blobs_per_tx(spec)) as usize,
        }
    } else {
        0
    };

    // The accounts.
    let sender_key = rng.index(keys::KEYS);
    let sender = keys::address(sender_key);
    let mut pre = PreState::new();
    let sender_nonce = match rng.below(80) {
        0..=76 => rng.below(4),
        77 => rng.below(1 << 32),
        78 => u64::MAX - 1,
        _ => u64::MAX,
    };
    let sender_balance = match rng.below(80) {
        0..=76 => U256::from(rng.range(1, 1_000_000)) * U256::from(10).pow(U256::from(18)),
        77 => U256::from(rng.below(1 << 50)),
        78 => U256::ZERO,
        _ => U256::from(1) << 200,
    };
    pre.insert(sender, PreAccount { nonce: sender_nonce, balance: sender_balance, ..Default::default() });

    let n_contracts = rng.range(1, 4) as usize;
    let contracts: Vec<Address> = (0..n_contracts).map(contract_address).collect();
    let mut contract_nonces = Vec::new();
    for &c in &contracts {
        let nonce = match rng.below(20) {
            0..=3 => 0,
            4..=15 => 1,
            16..=18 => rng.range(2, 50),
            _ => u64::MAX,
        };
        contract_nonces.push(nonce);
        let balance = if rng.chance(2, 5) { U256::ZERO } else { U256::from(rng.below(1 << 62)) };
        let mut storage = BTreeMap::new();
        for key in 0..4u64 {
            if rng.chance(3, 5) {
                storage.insert(U256::from(key), U256::from(rng.range(1, 2)));
            }
        }
        for _ in 0..rng.below(3) {
            storage.insert(rng.interesting_u256(), rng.interesting_u256().max(U256::from(1)));
        }
        pre.insert(c, PreAccount { nonce, balance, code: Bytes::new(), storage });
    }

    let keyed: Vec<Address> = (0..keys::KEYS).map(keys::address).collect();
    let mut create_targets = vec![kestrel::host::create_address(&sender, sender_nonce)];
    for (c, n) in contracts.iter().zip(&contract_nonces) {
        create_targets.push(kestrel::host::create_address(c, *n));
        create_targets.push(kestrel::host::create_address(c, n.wrapping_add(1)));
    }
    let world = World {
        spec,
        block_number: block.number,
        sender,
        contracts: contracts.clone(),
        keyed: keyed.clone(),
        empty: EMPTY,
        absent: ABSENT,
        create_targets: create_targets.clone(),
        blob_count,
    };

    // Code, now that every address is known.
    {
        let mut cg = CodeGen::new(&mut rng, &world, &mut features, &mut precompiles);
        for &c in &contracts {
            let code = revm_expressible(cg.contract());
            if let Some(account) = pre.get_mut(&c) {
                account.code = code.into();
            }
        }
    }

    // The sender's own code: mostly none; a delegation (valid from Prague); other code.
    // Before Prague a designator is code like any other (the sender is invalid), and revm
    // disagrees (EXCLUDED.md, entry 1): rarer there, so the campaign is not spent on it.
    let delegated_sender_per_200 = if spec.is_enabled_in(SpecId::Prague) { 10 } else { 1 };
    match rng.below(200) {
        n if n < delegated_sender_per_200 => {
            features.add(Feature::SenderDelegated);
            let target = rng.pick(&contracts);
            if let Some(a) = pre.get_mut(&sender) {
                a.code = delegation(target);
            }
        }
        10..=14 => {
            features.add(Feature::SenderHasCode);
            if let Some(a) = pre.get_mut(&sender) {
                a.code = Bytes::from(vec![0x60, 0x00, 0x60, 0x00, 0xf3]);
            }
        }
        _ => {}
    }

    // The other keyed accounts, some delegated.
    for (i, &k) in keyed.iter().enumerate() {
        if i == sender_key || rng.chance(3, 10) {
            continue;
        }
        // Before Prague a designator is plain code, and revm follows it anyway (EXCLUDED.md,
        // entry 1): rare there.
        let designators = if spec.is_enabled_in(SpecId::Prague) { (2, 5) } else { (1, 80) };
        let code = if rng.chance(designators.0, designators.1) {
            features.add(Feature::DelegatedPre);
            let target = match rng.below(6) {
                0 | 1 => rng.pick(&contracts),
                2 => rng.pick(&keyed),
                3 => precompile_address(rng.pick(&PRECOMPILES)),
                4 => ABSENT,
                _ => k,
            };
            delegation(target)
        } else {
            Bytes::new()
        };
        let balance = if rng.chance(1, 4) { U256::ZERO } else { U256::from(rng.below(1 << 60)) };
        pre.insert(k, PreAccount { nonce: rng.below(3), balance, code, storage: BTreeMap::new() });
    }

    // EIP-7523: from Paris on the state holds no empty accounts (and the spec no longer
    // defines what touching one does), so only earlier forks get one.
    let paris = spec.is_enabled_in(SpecId::Paris);
    if !paris && rng.chance(2, 5) {
        features.add(Feature::EmptyPre);
        pre.insert(EMPTY, PreAccount::default());
    }
    // Something already at an address CREATE will use (EIP-684 / EIP-7610 collisions).
    if rng.chance(1, 10) {
        features.add(Feature::CreateCollisionPre);
        let at = rng.pick(&create_targets);
        let mut account = PreAccount::default();
        // Storage alone is EIP-7610's case, which revm does not implement (EXCLUDED.md,
        // entry 2): rare.
        match rng.below(20) {
            0 => {
                account.storage.insert(U256::ZERO, U256::from(1));
            }
            1..=9 => account.nonce = 1,
            _ => account.code = Bytes::from(vec![0x00]),
        }
        if rng.coin() {
            account.balance = U256::from(rng.below(1000));
        }
        pre.entry(at).or_insert(account);
    }

    // The coinbase: usually absent, sometimes an account the transaction also touches.
    let mut block = block;
    block.coinbase = match rng.below(10) {
        0 if !paris => {
            features.add(Feature::CoinbaseSpecial);
            pre.entry(EMPTY).or_default();
            EMPTY
        }
        1 => {
            features.add(Feature::CoinbaseSpecial);
            sender
        }
        2 => {
            features.add(Feature::CoinbaseSpecial);
            rng.pick(&contracts)
        }
        3 => {
            features.add(Feature::CoinbaseSpecial);
            rng.pick(&keyed)
        }
        _ => COINBASE,
    };

    if paris {
        for account in pre.values_mut() {
            if account.nonce == 0 && account.balance.is_zero() && account.code.is_empty() {
                account.balance = U256::from(1);
            }
        }
    }

    let tx = gen_tx(
        &mut rng,
        &world,
        &mut pre,
        &block,
        chain_id,
        tx_type,
        (sender_key, sender_nonce),
        &mut features,
        &mut precompiles,
    );
    GenCase { seed, index, spec, chain_id, block, tx, pre, features, precompiles }
}

fn gen_block(rng: &mut Rng, spec: SpecId) -> BlockEnv {
    let number = match rng.below(8) {
        0 => 1,
        1 => 256,
        2 => 257,
        3 => rng.range(2, 300),
        _ => rng.range(1, 20_000_000),
    };
    BlockEnv {
        number,
        coinbase: COINBASE,
        timestamp: rng.range(1, 2_000_000_000),
        gas_limit: match rng.below(20) {
            0 => rng.range(100_000, 30_000_000),
            1 => 1 << 40,
            _ => 30_000_000,
        },
        basefee: if spec.is_enabled_in(SpecId::London) {
            U256::from(match rng.below(6) {
                0 => 0,
                1 => 1,
                2 => 7,
                3 => 1_000_000_000,
                _ => rng.below(100_000_000_000),
            })
        } else {
            U256::ZERO
        },
        difficulty: if rng.chance(1, 5) { U256::ZERO } else { U256::from(rng.next_u64()) },
        prevrandao: spec.is_enabled_in(SpecId::Paris).then(|| rng.b256()),
        excess_blob_gas: spec.is_enabled_in(SpecId::Cancun).then(|| match rng.below(5) {
            0 | 1 => 0,
            2 => rng.below(1_000_000),
            3 => rng.below(10_000_000),
            _ => rng.below(100_000_000),
        }),
        blob_base_fee_update_fraction: None,
        max_blobs_per_block: None,
    }
}

/// The generated transaction.
#[allow(clippy::too_many_arguments)]
fn gen_tx(
    rng: &mut Rng,
    world: &World,
    pre: &mut PreState,
    block: &BlockEnv,
    chain_id: u64,
    tx_type: u8,
    (sender_key, sender_nonce): (usize, u64),
    features: &mut Features,
    precompiles: &mut PrecompileSet,
) -> TxEnv {
    let spec = world.spec;
    let mut tx = TxEnv { tx_type, caller: world.sender, ..Default::default() };
    // State tests carry no chain id for legacy transactions; typed ones always have it.
    tx.chain_id = (tx_type >= 1).then_some(chain_id);

    // Recipient and data.
    let selector_word = |rng: &mut Rng| {
        let mut data = U256::from(rng.below(8)).to_be_bytes::<32>().to_vec();
        let any = rng.below(100) as usize;
        let extra = rng.pick(&[0usize, 0, 4, 32, 64, any]);
        data.extend(rng.bytes(extra));
        data
    };
    let creating = tx_type <= 2 && rng.chance(3, 25);
    if creating {
        features.add(Feature::TxCreate);
        let mut cg = CodeGen::new(rng, world, features, precompiles);
        let mut init = cg.initcode();
        if rng.chance(1, 50) {
            features.add(Feature::InitcodeTooLarge);
            init.resize(rng.pick(&[49_152usize, 49_153, 60_000]), 0);
        }
        tx.data = init.into();
    } else {
        let (to, data) = match rng.below(50) {
            0..=34 => (rng.pick(&world.contracts), selector_word(rng)),
            35..=38 => {
                let to = rng.pick(&world.keyed);
                let delegated = pre.get(&to).is_some_and(|a| a.code.starts_with(&[0xef, 0x01, 0x00]));
                features.add(if delegated { Feature::TxToDelegated } else { Feature::TxToEoa });
                (to, selector_word(rng))
            }
            39..=42 => {
                features.add(Feature::TxToPrecompile);
                let p = rng.pick(&PRECOMPILES);
                precompiles.add(p);
                (precompile_address(p), precompile::input(rng, p))
            }
            43..=45 => {
                features.add(Feature::TxToEoa);
                {
                    let n = rng.below(40) as usize;
                    (rng.pick(&[world.empty, world.absent]), rng.bytes(n))
                }
            }
            46 => (world.sender, Vec::new()),
            _ => (rng.pick(&world.create_targets), selector_word(rng)),
        };
        tx.to = Some(to);
        tx.data = data.into();
    }
    if rng.chance(1, 25) {
        features.add(Feature::FloorCalldata);
        let n = rng.range(1_000, 16_000) as usize;
        let mut data = tx.data.to_vec();
        data.extend((0..n).map(|_| (rng.next_u64() as u8) | 1));
        tx.data = data.into();
    }

    let balance = pre.get(&world.sender).map_or(U256::ZERO, |a| a.balance);
    tx.value = match rng.below(40) {
        0..=23 => U256::ZERO,
        24..=31 => U256::from(rng.range(1, 1000)),
        32..=37 => U256::from(10).pow(U256::from(18)),
        38 => balance,
        _ => {
            features.add(Feature::LowBalance);
            balance + U256::from(rng.range(1, 1000))
        }
    };
    if balance < U256::from(1) << 60 {
        features.add(Feature::LowBalance);
    }

    // Fees. Prices stay below 2^100 (revm holds them in u128).
    let basefee = block.basefee;
    let extra = |rng: &mut Rng| {
        let any = rng.below(10_000_000_000);
        U256::from(rng.pick(&[0u64, 1, 1_000_000_000, any]))
    };
    if tx_type >= 2 {
        let mut max_fee = basefee + extra(rng);
        let mut tip = match rng.below(4) {
            0 => U256::ZERO,
            1 => U256::from(1),
            2 => max_fee,
            _ => max_fee.min(U256::from(rng.below(10_000_000_000))),
        };
        match rng.below(30) {
            0 if basefee > U256::ZERO => {
                features.add(Feature::BadFee);
                max_fee = basefee - U256::from(1);
                tip = tip.min(max_fee);
            }
            1 => {
                features.add(Feature::BadFee);
                tip = max_fee + U256::from(1);
            }
            _ => {}
        }
        tx.gas_price = max_fee;
        tx.gas_priority_fee = Some(tip);
    } else {
        tx.gas_price = if !spec.is_enabled_in(SpecId::London) && rng.chance(1, 5) {
            U256::ZERO
        } else {
            basefee + extra(rng)
        };
        if basefee > U256::ZERO && rng.chance(1, 30) {
            features.add(Feature::BadFee);
            tx.gas_price = basefee - U256::from(1);
        }
    }

    tx.nonce = match rng.below(60) {
        0 => {
            features.add(Feature::BadNonce);
            sender_nonce.wrapping_add(1)
        }
        1 => {
            features.add(Feature::BadNonce);
            sender_nonce.wrapping_sub(1)
        }
        2 => {
            features.add(Feature::BadNonce);
            u64::MAX
        }
        _ => sender_nonce,
    };

    // Access lists (types 1-4).
    if tx_type >= 1 && (tx_type == 1 || rng.chance(2, 5)) {
        let n = rng.range(if tx_type == 1 { 0 } else { 1 }, 4);
        for _ in 0..n {
            let address = match rng.below(6) {
                0 | 1 => rng.pick(&world.contracts),
                2 => rng.pick(&world.keyed),
                3 => precompile_address(rng.pick(&PRECOMPILES)),
                4 => rng.pick(&world.create_targets),
                _ => world.absent,
            };
            let keys = (0..rng.below(4))
                .map(|_| if rng.chance(4, 5) { B256::from(U256::from(rng.below(5))) } else { rng.b256() })
                .collect();
            tx.access_list.push(AccessListItem { address, storage_keys: keys });
        }
        if !tx.access_list.is_empty() {
            features.add(Feature::AccessList);
        }
    }

    // Blobs (type 3).
    if tx_type == 3 {
        features.add(Feature::Blob);
        if world.blob_count == 0 || world.blob_count as u64 > max_blobs_per_tx(spec) {
            features.add(Feature::BlobBadCount);
        }
        for _ in 0..world.blob_count {
            let mut h = rng.b256();
            h.0[0] = 0x01;
            tx.blob_hashes.push(h);
        }
        if !tx.blob_hashes.is_empty() && rng.chance(1, 20) {
            features.add(Feature::BlobBadVersion);
            let i = rng.index(tx.blob_hashes.len());
            tx.blob_hashes[i].0[0] = rng.pick(&[0u8, 2, 0xff]);
        }
        let blob_fee = kestrel::host::blob::blob_base_fee(spec, block);
        tx.max_fee_per_blob_gas = Some(match rng.below(20) {
            0 => U256::ZERO,
            1 => blob_fee.saturating_sub(U256::from(1)),
            2..=9 => blob_fee,
            _ => blob_fee * U256::from(rng.range(2, 100)),
        });
    }

    // Authorizations (type 4).
    if tx_type == 4 {
        features.add(Feature::Auth);
        let n = if rng.chance(1, 30) { 0 } else { rng.range(1, 4) };
        // The nonce each authority has when its tuple is processed: the sender's was bumped
        // before the list is applied, and every applied tuple bumps its authority's.
        let mut nonces: BTreeMap<Address, u64> = BTreeMap::new();
        for _ in 0..n {
            let key = if rng.chance(1, 4) { sender_key } else { rng.index(keys::KEYS) };
            let authority = keys::address(key);
            if authority == world.sender {
                features.add(Feature::AuthSelfSponsored);
            }
            let expected = *nonces.entry(authority).or_insert_with(|| {
                let n = pre.get(&authority).map_or(0, |a| a.nonce);
                if authority == world.sender { n.wrapping_add(1) } else { n }
            });
            let auth_chain = match rng.below(20) {
                0..=13 => U256::from(chain_id),
                14..=16 => U256::ZERO,
                17 | 18 => {
                    features.add(Feature::AuthWrongChain);
                    U256::from(chain_id + 1)
                }
                _ => {
                    features.add(Feature::AuthWrongChain);
                    U256::MAX
                }
            };
            let address = match rng.below(10) {
                0..=4 => rng.pick(&world.contracts),
                5 => {
                    features.add(Feature::AuthToPrecompile);
                    precompile_address(rng.pick(&PRECOMPILES))
                }
                6 => {
                    features.add(Feature::AuthReset);
                    Address::ZERO
                }
                7 => rng.pick(&world.keyed),
                8 => world.absent,
                _ => rng.address(),
            };
            let nonce = match rng.below(20) {
                0..=15 => expected,
                16 | 17 => {
                    features.add(Feature::AuthWrongNonce);
                    expected.wrapping_add(1)
                }
                18 => {
                    features.add(Feature::AuthWrongNonce);
                    u64::MAX
                }
                _ => {
                    features.add(Feature::AuthWrongNonce);
                    rng.below(5)
                }
            };
            let mut auth = keys::sign(key, auth_chain, address, nonce);
            if rng.chance(3, 20) {
                features.add(Feature::AuthInvalidSig);
                corrupt(rng, &mut auth);
            }
            // A tuple that will apply moves its authority's nonce on.
            if nonce == expected {
                nonces.insert(authority, expected.wrapping_add(1));
            }
            tx.authorization_list.push(auth);
        }
    }

    tx.gas_limit = gen_gas_limit(rng, spec, block, &tx, features);
    tx
}

/// Breaks an authorization's signature in one of the ways EIP-7702 and EIP-2 rule out (or
/// makes it recover to some other account).
fn corrupt(rng: &mut Rng, auth: &mut Authorization) {
    let n = keys::secp256k1_n();
    match rng.below(6) {
        0 => {
            auth.s = n - auth.s;
            auth.y_parity = U256::from(1) - auth.y_parity.min(U256::from(1));
        }
        1 => auth.r = U256::ZERO,
        2 => auth.s = U256::ZERO,
        3 => auth.y_parity = U256::from(rng.pick(&[2u64, 27, 28, 255])),
        4 => auth.r = n + U256::from(rng.below(3)),
        _ => {
            auth.r = rng.u256() % n;
            auth.s = rng.u256() % (n >> 1);
        }
    }
}

/// A gas limit: usually what the intrinsic cost leaves room for, sometimes at or just below
/// it, or over the block's limit or the EIP-7825 cap.
fn gen_gas_limit(rng: &mut Rng, spec: SpecId, block: &BlockEnv, tx: &TxEnv, features: &mut Features) -> u64 {
    let intrinsic = kestrel::host::intrinsic::intrinsic_gas(spec, tx);
    let required = intrinsic.initial.max(intrinsic.floor);
    match rng.below(50) {
        0 | 1 => {
            features.add(Feature::LowGas);
            return required.saturating_sub(1);
        }
        2 => {
            features.add(Feature::LowGas);
            return required;
        }
        3 => {
            features.add(Feature::OverBlockGas);
            return block.gas_limit.saturating_add(rng.range(1, 1000));
        }
        4 if spec.is_enabled_in(SpecId::Osaka) => {
            features.add(Feature::OverBlockGas);
            return (1 << 24) + rng.range(1, 1000);
        }
        _ => {}
    }
    let extra = match rng.below(20) {
        0..=3 => rng.below(50_000),
        4..=13 => rng.range(50_000, 500_000),
        14..=18 => rng.range(500_000, 3_000_000),
        _ => rng.range(3_000_000, 16_000_000),
    };
    let mut limit = required.saturating_add(extra).min(block.gas_limit);
    if spec.is_enabled_in(SpecId::Osaka) {
        limit = limit.min(1 << 24);
    }
    limit
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Code revm cannot hold is changed; designators and other code are kept.
    #[test]
    fn code_is_made_revm_expressible() {
        let mut designator = vec![0xef, 0x01, 0x00];
        designator.extend_from_slice(&[7; 20]);
        assert_eq!(revm_expressible(designator.clone()), designator);
        assert_eq!(revm_expressible(vec![0xef, 0x01, 0x60]), vec![0xef, 0x02, 0x60]);
        assert_eq!(revm_expressible(vec![0xef, 0x00]), vec![0xef, 0x00]);
        assert_eq!(revm_expressible(vec![0x60, 0x01]), vec![0x60, 0x01]);
        // The case that had one now runs on revm.
        let g = generate(1000, 673_061);
        assert!(crate::exec::run_revm(&crate::exec::to_case(&g)).is_ok());
    }

    /// Case i of seed s is always the same case.
    #[test]
    fn generation_is_deterministic() {
        for index in 0..50 {
            let a = generate(11, index);
            let b = generate(11, index);
            assert_eq!(a.spec, b.spec);
            assert_eq!(a.tx, b.tx);
            assert_eq!(a.pre, b.pre);
            assert_eq!(a.block, b.block);
            assert_eq!(a.features, b.features);
        }
        assert_ne!(generate(11, 0).pre, generate(12, 0).pre);
    }

    /// Over a few hundred cases every fork and every transaction type comes up, and only types
    /// the fork has, bar the deliberately invalid ones.
    #[test]
    fn forks_and_types_are_covered() {
        let mut forks = std::collections::BTreeSet::new();
        let mut types = std::collections::BTreeSet::new();
        for index in 0..600 {
            let c = generate(5, index);
            forks.insert(c.spec);
            types.insert(c.tx.tx_type);
            if c.tx.tx_type > newest_type(c.spec) {
                assert!(c.features.has(Feature::TxInvalidType), "case {index}");
            }
            if matches!(c.tx.tx_type, 3 | 4) {
                assert!(c.tx.to.is_some());
            }
        }
        assert_eq!(forks.len(), FORKS.len());
        assert_eq!(types.len(), 5);
    }

    /// Most generated code is structured and most transactions leave room to execute.
    #[test]
    fn cases_are_mostly_executable() {
        let mut structured = 0;
        let mut roomy = 0;
        for index in 0..300 {
            let c = generate(9, index);
            structured += usize::from(c.features.has(Feature::StructuredCode));
            let required = kestrel::host::intrinsic::intrinsic_gas(c.spec, &c.tx).initial;
            roomy += usize::from(c.tx.gas_limit > required + 1000);
        }
        assert!(structured > 250, "{structured}");
        assert!(roomy > 250, "{roomy}");
    }
}
