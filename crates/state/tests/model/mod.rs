//! A deliberately plain model of the journal's observable state: ordered maps and sets, cloned
//! whole at every checkpoint. Each operation is applied to the model and to the journal, and the
//! journal's answers are checked on the way.

#![allow(dead_code, unreachable_pub)]

use kestrel_primitives::{Address, Bytes, KECCAK_EMPTY, Log, LogData, SpecId, U256, address};
use kestrel_state::{
    AccountInfo, Checkpoint, CreateError, InMemoryDb, Journal, code_hash_of, delegation_code,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::collections::{BTreeMap, BTreeSet};

/// The address universe (no precompile: the RIPEMD-160 exception has its own tests).
pub const ADDRS: [Address; 4] = [
    address!("1000000000000000000000000000000000000001"),
    address!("2000000000000000000000000000000000000002"),
    address!("3000000000000000000000000000000000000003"),
    address!("4000000000000000000000000000000000000004"),
];

/// The slot universe.
pub const KEYS: [U256; 3] = [U256::ZERO, U256::from_limbs([1, 0, 0, 0]), U256::from_limbs([2, 0, 0, 0])];

fn addr(i: u8) -> Address {
    ADDRS[i as usize % ADDRS.len()]
}

fn key(i: u8) -> U256 {
    KEYS[i as usize % KEYS.len()]
}

/// Non-empty codes (index 0 is "no code" in the pre-state only).
fn code(i: u8) -> Bytes {
    match i % 3 {
        0 => Bytes::from_static(&[0x00]),
        1 => Bytes::from_static(&[0x60, 0x00, 0xff]),
        _ => delegation_code(&ADDRS[1]),
    }
}

fn log(n: u8) -> Log {
    Log { address: ADDRS[0], data: LogData::new_unchecked(Vec::new(), Bytes::from(vec![n])) }
}

/// One operation; indexes are reduced modulo the universes.
#[derive(Clone, Debug)]
pub enum Op {
    Balance(u8),
    AddBalance(u8, u8),
    Transfer(u8, u8, u8),
    IncNonce(u8),
    SetCode(u8, u8),
    SLoad(u8, u8),
    SStore(u8, u8, u8),
    TLoad(u8, u8),
    TStore(u8, u8, u8),
    Log(u8),
    Touch(u8),
    WarmAccount(u8),
    WarmSlot(u8, u8),
    Create(u8, u8, u8),
    SelfDestruct(u8, u8),
    Checkpoint,
    Commit,
    Revert,
}

impl Arbitrary for Op {
    type Parameters = ();
    type Strategy = BoxedStrategy<Op>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        let a = || 0u8..4;
        let v = || 0u8..4;
        prop_oneof![
            2 => a().prop_map(Op::Balance),
            2 => (a(), v()).prop_map(|(x, y)| Op::AddBalance(x, y)),
            3 => (a(), a(), v()).prop_map(|(x, y, z)| Op::Transfer(x, y, z)),
            2 => a().prop_map(Op::IncNonce),
            1 => (a(), 0u8..3).prop_map(|(x, y)| Op::SetCode(x, y)),
            2 => (a(), 0u8..3).prop_map(|(x, y)| Op::SLoad(x, y)),
            4 => (a(), 0u8..3, v()).prop_map(|(x, y, z)| Op::SStore(x, y, z)),
            1 => (a(), 0u8..3).prop_map(|(x, y)| Op::TLoad(x, y)),
            2 => (a(), 0u8..3, v()).prop_map(|(x, y, z)| Op::TStore(x, y, z)),
            1 => any::<u8>().prop_map(Op::Log),
            2 => a().prop_map(Op::Touch),
            1 => a().prop_map(Op::WarmAccount),
            1 => (a(), 0u8..3).prop_map(|(x, y)| Op::WarmSlot(x, y)),
            2 => (a(), a(), v()).prop_map(|(x, y, z)| Op::Create(x, y, z)),
            2 => (a(), a()).prop_map(|(x, y)| Op::SelfDestruct(x, y)),
            3 => Just(Op::Checkpoint),
            2 => Just(Op::Commit),
            3 => Just(Op::Revert),
        ]
        .boxed()
    }
}

/// A model account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MAccount {
    pub balance: U256,
    pub nonce: u64,
    pub code: Bytes,
}

impl MAccount {
    fn is_empty(&self) -> bool {
        self.balance.is_zero() && self.nonce == 0 && self.code.is_empty()
    }
}

/// The model state: present values plus per-transaction sets.
#[derive(Clone, Debug)]
pub struct Model {
    pub spec: SpecId,
    pub accounts: BTreeMap<Address, MAccount>,
    pub storage: BTreeMap<(Address, U256), U256>,
    pub transient: BTreeMap<(Address, U256), U256>,
    pub logs: Vec<Log>,
    pub created: BTreeSet<Address>,
    pub destroyed: BTreeSet<Address>,
    pub touched: BTreeSet<Address>,
    pub warm_accounts: BTreeSet<Address>,
    pub warm_slots: BTreeSet<(Address, U256)>,
}

/// A random pre-state over the universe, as a database and as a model.
pub fn pre_state() -> impl Strategy<Value = (InMemoryDb, Model)> {
    let account = prop::option::of((0u8..4, 0u64..3, 0u8..4, prop::array::uniform3(0u8..3)));
    prop::array::uniform4(account).prop_map(|accounts| {
        let mut db = InMemoryDb::new();
        let mut model = Model {
            spec: SpecId::Frontier,
            accounts: BTreeMap::new(),
            storage: BTreeMap::new(),
            transient: BTreeMap::new(),
            logs: Vec::new(),
            created: BTreeSet::new(),
            destroyed: BTreeSet::new(),
            touched: BTreeSet::new(),
            warm_accounts: BTreeSet::new(),
            warm_slots: BTreeSet::new(),
        };
        for (i, account) in accounts.into_iter().enumerate() {
            let Some((balance, nonce, code_index, slots)) = account else { continue };
            let code = if code_index == 0 { Bytes::new() } else { code(code_index) };
            let a = MAccount { balance: U256::from(balance), nonce, code: code.clone() };
            db.insert_account(ADDRS[i], AccountInfo::new(a.balance, nonce, code));
            model.accounts.insert(ADDRS[i], a);
            for (k, value) in slots.into_iter().enumerate() {
                if value != 0 {
                    db.insert_storage(ADDRS[i], KEYS[k], U256::from(value));
                    model.storage.insert((ADDRS[i], KEYS[k]), U256::from(value));
                }
            }
        }
        (db, model)
    })
}

/// The database the model's state corresponds to.
pub fn expected_db(model: &Model) -> InMemoryDb {
    let mut db = InMemoryDb::new();
    for (address, a) in &model.accounts {
        db.insert_account(*address, AccountInfo::new(a.balance, a.nonce, a.code.clone()));
    }
    for ((address, key), value) in &model.storage {
        db.insert_storage(*address, *key, *value);
    }
    db
}

impl Model {
    fn balance(&self, address: Address) -> U256 {
        self.accounts.get(&address).map_or(U256::ZERO, |a| a.balance)
    }

    /// The spec's `modify_state`: the account exists afterwards and is touched.
    fn modify(&mut self, address: Address) -> &mut MAccount {
        self.touched.insert(address);
        self.accounts.entry(address).or_default()
    }

    fn transfer(&mut self, from: Address, to: Address, value: U256) -> bool {
        if self.balance(from) < value {
            return false;
        }
        if from == to {
            self.modify(from);
        } else {
            self.modify(from).balance -= value;
            self.modify(to).balance += value;
        }
        true
    }

    fn collides(&self, address: Address) -> bool {
        let occupied = self.accounts.get(&address).is_some_and(|a| a.nonce != 0 || !a.code.is_empty());
        occupied || self.storage.keys().any(|(a, _)| *a == address)
    }

    /// Drops the per-transaction sets (after finalize or discard).
    pub fn clear_transaction(&mut self) {
        self.transient.clear();
        self.logs.clear();
        self.created.clear();
        self.destroyed.clear();
        self.touched.clear();
        self.warm_accounts.clear();
        self.warm_slots.clear();
    }

    /// The end of a kept transaction: SELFDESTRUCTed accounts, then (from Spurious Dragon)
    /// touched empty ones, are deleted with their storage.
    pub fn end_transaction(&mut self) {
        for address in ADDRS {
            let empty = self.accounts.get(&address).is_some_and(MAccount::is_empty);
            let delete = self.destroyed.contains(&address)
                || (self.spec.is_enabled_in(SpecId::SpuriousDragon)
                    && self.touched.contains(&address)
                    && empty);
            if delete {
                self.accounts.remove(&address);
                self.storage.retain(|(a, _), _| *a != address);
            }
        }
        self.clear_transaction();
    }

    /// Applies `op` to both; returns the snapshot to push when the op took a checkpoint.
    pub fn apply(
        &mut self,
        j: &mut Journal<InMemoryDb>,
        op: &Op,
        start: &Model,
    ) -> Result<Option<(Checkpoint, Model)>, TestCaseError> {
        match *op {
            Op::Balance(a) => {
                let got = j.balance(&addr(a));
                prop_assert_eq!(got.is_cold, self.warm_accounts.insert(addr(a)));
                prop_assert_eq!(got.value, self.balance(addr(a)));
            }
            Op::AddBalance(a, v) => {
                j.add_balance(&addr(a), U256::from(v));
                self.modify(addr(a)).balance += U256::from(v);
            }
            Op::Transfer(f, t, v) => {
                let ok = j.transfer(&addr(f), &addr(t), U256::from(v)).is_ok();
                prop_assert_eq!(ok, self.transfer(addr(f), addr(t), U256::from(v)));
            }
            Op::IncNonce(a) => {
                let got = j.inc_nonce(&addr(a));
                let account = self.modify(addr(a));
                account.nonce += 1;
                prop_assert_eq!(got, Some(account.nonce));
            }
            Op::SetCode(a, c) => {
                j.set_code(&addr(a), code(c));
                self.modify(addr(a)).code = code(c);
            }
            Op::SLoad(a, k) => {
                let got = j.sload(&addr(a), &key(k));
                prop_assert_eq!(got.is_cold, self.warm_slots.insert((addr(a), key(k))));
                prop_assert_eq!(got.value, self.slot(addr(a), key(k)));
            }
            Op::SStore(a, k, v) => {
                // Only code writes storage; this also keeps EIP-7610's storage test exact.
                if self.accounts.get(&addr(a)).is_none_or(|acc| acc.code.is_empty()) {
                    return Ok(None);
                }
                let (address, slot, value) = (addr(a), key(k), U256::from(v));
                let got = j.sstore(&address, &slot, value);
                prop_assert_eq!(got.is_cold, self.warm_slots.insert((address, slot)));
                prop_assert_eq!(got.value.original, start.slot(address, slot));
                prop_assert_eq!(got.value.present, self.slot(address, slot));
                if value.is_zero() {
                    self.storage.remove(&(address, slot));
                } else {
                    self.storage.insert((address, slot), value);
                }
            }
            Op::TLoad(a, k) => {
                let expected = self.transient.get(&(addr(a), key(k))).copied().unwrap_or_default();
                prop_assert_eq!(j.tload(&addr(a), &key(k)), expected);
            }
            Op::TStore(a, k, v) => {
                j.tstore(&addr(a), &key(k), U256::from(v));
                if v == 0 {
                    self.transient.remove(&(addr(a), key(k)));
                } else {
                    self.transient.insert((addr(a), key(k)), U256::from(v));
                }
            }
            Op::Log(n) => {
                let l = log(n);
                j.log(&l.address, l.data.topics(), &l.data.data);
                self.logs.push(l);
            }
            Op::Touch(a) => {
                j.touch(&addr(a));
                if !self.spec.is_enabled_in(SpecId::Paris) {
                    self.modify(addr(a));
                }
            }
            Op::WarmAccount(a) => {
                prop_assert_eq!(j.warm_account(&addr(a)), self.warm_accounts.insert(addr(a)));
            }
            Op::WarmSlot(a, k) => {
                let cold = self.warm_slots.insert((addr(a), key(k)));
                prop_assert_eq!(j.warm_slot(&addr(a), &key(k)), cold);
            }
            Op::Create(c, t, v) => {
                let (caller, target, value) = (addr(c), addr(t), U256::from(v));
                let got = j.create_account_checkpoint(&caller, &target, value);
                if self.collides(target) {
                    prop_assert_eq!(got, Err(CreateError::Collision));
                } else if self.balance(caller) < value {
                    prop_assert_eq!(got, Err(CreateError::InsufficientBalance));
                } else {
                    let Ok(cp) = got else {
                        return Err(TestCaseError::fail(format!("create failed: {got:?}")));
                    };
                    let snapshot = self.clone();
                    self.modify(target);
                    self.created.insert(target);
                    if self.spec.is_enabled_in(SpecId::SpuriousDragon) {
                        self.modify(target).nonce = 1;
                    }
                    if !value.is_zero() {
                        self.transfer(caller, target, value);
                    }
                    return Ok(Some((cp, snapshot)));
                }
            }
            Op::SelfDestruct(a, t) => self.selfdestruct(j, addr(a), addr(t))?,
            Op::Checkpoint | Op::Commit | Op::Revert => {}
        }
        Ok(None)
    }

    fn slot(&self, address: Address, key: U256) -> U256 {
        self.storage.get(&(address, key)).copied().unwrap_or_default()
    }

    fn selfdestruct(
        &mut self,
        j: &mut Journal<InMemoryDb>,
        address: Address,
        target: Address,
    ) -> Result<(), TestCaseError> {
        let is_cold = self.warm_accounts.insert(target);
        let target_account = self.accounts.get(&target);
        let balance = self.balance(address);
        let got = j.selfdestruct(&address, &target);
        prop_assert_eq!(got.is_cold, is_cold);
        prop_assert_eq!(got.value.had_value, !balance.is_zero());
        prop_assert_eq!(got.value.target_exists, target_account.is_some());
        prop_assert_eq!(got.value.target_is_empty, target_account.is_none_or(MAccount::is_empty));
        prop_assert_eq!(got.value.previously_destroyed, self.destroyed.contains(&address));
        if self.spec.is_enabled_in(SpecId::Cancun) {
            if address == target {
                self.modify(address);
            } else {
                self.modify(address).balance = U256::ZERO;
                self.modify(target).balance += balance;
            }
            if self.created.contains(&address) {
                self.modify(address).balance = U256::ZERO;
                self.destroyed.insert(address);
            }
        } else {
            self.modify(target).balance += balance;
            self.modify(address).balance = U256::ZERO;
            self.destroyed.insert(address);
        }
        Ok(())
    }
}

/// Everything observable about the universe, journal against model. Reads neither warm nor
/// journal anything.
pub fn check_observable(j: &mut Journal<InMemoryDb>, model: &Model) -> Result<(), TestCaseError> {
    for address in ADDRS {
        let view = j.peek_account(&address);
        match model.accounts.get(&address) {
            Some(a) => {
                prop_assert!(view.exists, "{} should exist", address);
                prop_assert_eq!(view.balance, a.balance);
                prop_assert_eq!(view.nonce, a.nonce);
                prop_assert_eq!(view.code_hash, code_hash_of(&a.code));
                prop_assert_eq!(j.code_with_hash(&address).0, a.code.clone());
            }
            None => {
                prop_assert!(!view.exists, "{} should not exist", address);
                prop_assert!(view.is_empty() && view.code_hash == KECCAK_EMPTY);
            }
        }
        prop_assert_eq!(j.is_created(&address), model.created.contains(&address));
        prop_assert_eq!(j.is_destroyed(&address), model.destroyed.contains(&address));
        prop_assert_eq!(j.is_touched(&address), model.touched.contains(&address));
        prop_assert_eq!(j.is_warm_account(&address), model.warm_accounts.contains(&address));
        for key in KEYS {
            prop_assert_eq!(j.peek_storage(&address, &key), model.slot(address, key));
            prop_assert_eq!(j.is_warm_slot(&address, &key), model.warm_slots.contains(&(address, key)));
            let transient = model.transient.get(&(address, key)).copied().unwrap_or_default();
            prop_assert_eq!(j.tload(&address, &key), transient);
        }
    }
    prop_assert_eq!(j.logs().to_vec(), model.logs.clone());
    Ok(())
}
